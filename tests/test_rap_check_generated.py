"""A generated project proves its own NHS RAP level with `rap-check`.

A fresh project must reach Gold on every criterion a machine can check, with only
the human attestations (peer review B4 and open publication B5, and their
Analysis Function equivalents) pending. Without CI it must say so: Silver, with G2
and G3 failing and telling the analyst how to fix them.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from .conftest import clean_env, generate, git, which_or_skip

HUMAN = ["AF3", "AF5", "B4", "B5"]


def test_first_commit_is_tagged_with_the_version(default_project: Path) -> None:
    init = (default_project / "src" / "my_rap_project" / "__init__.py").read_text(encoding="utf-8")
    assert '__version__ = "0.1.0"' in init
    assert git(default_project, "tag", "--points-at", "HEAD").split() == ["v0.1.0"]
    changelog = (default_project / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [0.1.0] - " in changelog


def test_generated_project_has_the_documents_rap_check_reads(default_project: Path) -> None:
    docs = default_project / "docs"
    assert "No manual steps" in (docs / "manual_steps.md").read_text(encoding="utf-8")
    qa_log = (docs / "qa_log.md").read_text(encoding="utf-8")
    assert "**QA level: moderate**" in qa_log
    assert re.search(r"^\| \d{4}-\d{2}-\d{2} \| 0\.1\.0 \|", qa_log, re.MULTILINE)
    for name in ("assumptions", "peer_review"):
        assert "python -m my_rap_project" in (docs / f"{name}.md").read_text(encoding="utf-8")
    assert "## Method shared by every pipeline" in (docs / "methodology.md").read_text(encoding="utf-8")
    attestations = (default_project / "rap-attestations.toml").read_text(encoding="utf-8")
    assert tomllib.loads(attestations) == {}, "no attestation until a person makes one"


def read_report(project: Path, path: Path) -> dict[str, dict[str, str]]:
    """Return the criteria of a rap-check JSON report by id (and check its shape)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["target_level"] == "gold"
    return {item["id"]: item for item in document["criteria"]} | {"_": document}


@pytest.mark.generated
def test_fresh_project_reports_gold_with_only_human_attestations_pending(tmp_path: Path) -> None:
    project = generate(tmp_path, lock=True)
    done = subprocess.run(
        [sys.executable, "-m", "nox", "--non-interactive", "-s", "rap"],
        cwd=project,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    assert done.returncode == 0, f"{done.stdout[-6000:]}\n{done.stderr[-6000:]}"
    report = read_report(project, project / "outputs" / "rap-check.json")
    document = report.pop("_")
    assert document["level"] == "gold", document["summary"]
    assert document["meets_target"] is True
    assert sorted(document["pending"]) == HUMAN
    assert document["unchecked"] == []
    assert {k for k, v in report.items() if v["status"] != "pass"} == set(HUMAN)
    assert report["S6"]["reason"].startswith("pytest passed")  # the tests really ran
    assert "ran now" in report["S1"]["reason"]  # and so did the pipeline
    assert "NHS RAP: Gold; provisional until confirmed: B4 pending, B5 pending" in done.stdout
    assert git(project, "status", "--porcelain") == ""


@pytest.mark.generated
def test_project_without_ci_fails_g2_and_g3_with_the_fix(tmp_path: Path) -> None:
    project = generate(tmp_path, lock=True, ci="none")
    uv = which_or_skip("uv")
    subprocess.run([uv, "sync", "--locked", "--quiet"], cwd=project, env=clean_env(), check=True)
    report_path = tmp_path / "rap.json"
    command = ["python", "-m", "my_rap_project", "rap-check", "--no-tests", "--json", str(report_path)]
    done = subprocess.run(
        [uv, "run", "--locked", *command],
        cwd=project,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, "below the target level (gold) must exit 1"
    report = read_report(project, report_path)
    document = report.pop("_")
    assert document["level"] == "silver"
    assert document["summary"].startswith("NHS RAP: Silver (Gold blocked by G2: no CI configuration")
    assert "ci=github or ci=gitlab" in report["G2"]["fix"]
    assert "schedule" in report["G3"]["fix"]
    assert {k for k, v in report.items() if v["status"] == "fail"} == {"G2", "G3"}

    # The same tool checks any repository: a plain one is below Baseline, and the
    # criteria that need a pipeline fail saying why instead of passing by default.
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "README.md").write_text("# Notes\n", encoding="utf-8")
    git(plain, "init", "--quiet")
    done = subprocess.run(
        [uv, "run", "--locked", "rapkit", "rap-check", str(plain), "--target", "gold", "--no-run"],
        cwd=project,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "not checkable here: no config/pipeline.toml" in done.stdout
    assert done.stdout.rstrip().endswith("Target Gold: is below it.")
