"""`python -m <package> new-pipeline NAME` writes a pipeline that passes the project's own checks.

The proof an analyst would give: generate the default project, add a pipeline,
run it with its own configuration, then run `nox` (lint, typecheck, tests,
reproduce) with the new code, test and report in place. Needs the package index
(the project is locked and installed), so it is marked `generated`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from .conftest import generate, git, uv_in
from .test_generated import SESSIONS, run_nox

PACKAGE = "my_rap_project"  # the default answers' package
WRITTEN = {
    f"src/{PACKAGE}/pipelines/demo/__init__.py",
    f"src/{PACKAGE}/pipelines/demo/stages.py",
    f"src/{PACKAGE}/pipelines/demo/schemas.py",
    f"src/{PACKAGE}/pipelines/demo/pipeline.py",
    f"src/{PACKAGE}/pipelines/demo/sample.py",
    "config/demo.toml",
    "tests/pipelines/test_demo.py",
    "reports/demo.qmd",
    "data/sample/demo/records.csv",
}


def project_command(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m <package> ARGS`` in the project's own locked environment."""
    return uv_in(project, "run", "--quiet", "python", "-m", PACKAGE, *args)


@pytest.mark.generated
def test_new_pipeline_runs_and_passes_the_projects_own_sessions(tmp_path: Path) -> None:
    project = generate(tmp_path, lock=True)

    added = project_command(project, "new-pipeline", "demo")
    assert added.returncode == 0, added.stderr[-4000:]
    untracked = {
        line.removeprefix("?? ")
        for line in git(project, "status", "--porcelain", "--untracked-files=all").splitlines()
    }
    assert untracked == WRITTEN  # exactly these files, and no tracked file changed
    assert all(path in added.stdout for path in WRITTEN)
    assert f"python -m {PACKAGE} --config config/demo.toml run" in added.stdout

    again = project_command(project, "new-pipeline", "demo")
    assert again.returncode == 1
    assert "already exists" in again.stderr
    bad = project_command(project, "new-pipeline", "Demo-Pipeline")
    assert bad.returncode == 1
    assert "lower snake case" in bad.stderr

    ran = project_command(project, "--config", "config/demo.toml", "run")
    assert ran.returncode == 0, ran.stderr[-4000:]
    assert (project / "outputs" / "demo" / "area_summary.csv").is_file()
    assert (project / "outputs" / "demo" / "manifest.json").is_file()

    # The project's generic contract tests find the new pipeline by themselves.
    contract = uv_in(
        project, "run", "--quiet", "pytest", "-q", "-p", "no:cacheprovider", "--no-cov",
        "tests/test_pipeline_contract.py", "-k", "demo",
    )  # fmt: skip
    assert contract.returncode == 0, contract.stdout[-4000:]
    assert "3 passed" in contract.stdout  # expectations, the empty input, samples of any size

    done = run_nox(project, *SESSIONS)
    assert done.returncode == 0, f"nox failed in {project}:\n{done.stdout[-6000:]}\n{done.stderr[-6000:]}"
    for session in SESSIONS:
        assert f"Session {session} was successful" in done.stderr
    # The tests session ran the new pipeline's tests: its modules are in the coverage report.
    coverage = (project / "coverage.xml").read_text(encoding="utf-8")
    assert "pipelines/demo/stages.py" in coverage
