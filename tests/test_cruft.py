"""Projects made with cruft can be updated from newer template versions, keeping local work."""

from __future__ import annotations

import json
import shutil
import subprocess
import tomllib
from pathlib import Path

from .conftest import TEMPLATE, clean_env, git, which_or_skip

IDENTITY = ["-c", "user.name=Template Tester", "-c", "user.email=tester@example.gov.uk"]


def stages_file(project: Path) -> Path:
    """The chosen pipeline's stages module (the file analysts edit most)."""
    pipeline = tomllib.loads((project / "config" / "pipeline.toml").read_text(encoding="utf-8"))["pipeline"]
    return project / "src" / "my_rap_project" / "pipelines" / pipeline / "stages.py"


def commit(folder: Path, message: str) -> str:
    """Commit everything in ``folder`` and return the commit's hash."""
    git(folder, "add", "--all")
    git(folder, *IDENTITY, "commit", "--quiet", "--no-verify", "-m", message)
    return git(folder, "rev-parse", "HEAD").strip()


def template_repository(tmp_path: Path) -> Path:
    """A git repository holding a copy of this template's working tree (version 1)."""
    repo = tmp_path / "template"
    shutil.copytree(
        TEMPLATE,
        repo,
        ignore=shutil.ignore_patterns(
            ".git", ".nox", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache"
        ),
    )
    git(repo, "init", "--quiet", "--initial-branch=main")
    commit(repo, "Template v1")
    return repo


def cruft(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run cruft without locking (the post-generation hook skips `uv lock`)."""
    return subprocess.run(
        [which_or_skip("cruft"), *args],
        cwd=cwd,
        env=clean_env(COOKIECUTTER_RAP_NO_LOCK="1"),
        capture_output=True,
        text=True,
        check=False,
    )


def create(repo: Path, out: Path) -> Path:
    """``cruft create`` a project from ``repo`` and commit its .cruft.json, as the README says."""
    done = cruft("create", "--no-input", "--output-dir", str(out), str(repo), cwd=out.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    project = out / "my-rap-project"
    assert git(project, "status", "--porcelain").strip() == "?? .cruft.json"
    commit(project, "Link the project to its template (cruft)")
    return project


def test_cruft_create_makes_a_linked_project(tmp_path: Path) -> None:
    repo = template_repository(tmp_path)
    project = create(repo, tmp_path / "out")
    state = json.loads((project / ".cruft.json").read_text(encoding="utf-8"))
    assert state["template"] == str(repo)
    assert state["commit"] == git(repo, "rev-parse", "HEAD").strip()
    assert state["context"]["cookiecutter"]["package"] == "my_rap_project"
    assert stages_file(project).is_file()
    checked = cruft("check", cwd=project)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_cruft_update_applies_template_changes_and_keeps_local_ones(tmp_path: Path) -> None:
    repo = template_repository(tmp_path)
    project = create(repo, tmp_path / "out")

    local_change = "\n\n# Local note: our own adjustment to the example stages.\n"
    with stages_file(project).open("a", encoding="utf-8") as stages:
        stages.write(local_change)
    commit(project, "Adjust a stage locally")

    template_change = "\n## Template v2\n\nA section added by a newer version of the template.\n"
    with (repo / "{{cookiecutter.project}}" / "CONTRIBUTING.md").open("a", encoding="utf-8") as doc:
        doc.write(template_change)
    v2 = commit(repo, "Template v2")

    outdated = cruft("check", cwd=project)
    assert outdated.returncode != 0, "cruft check should report the newer template"
    done = cruft("update", "--skip-apply-ask", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr

    assert (project / "CONTRIBUTING.md").read_text(encoding="utf-8").endswith(template_change)
    assert stages_file(project).read_text(encoding="utf-8").endswith(local_change)
    assert json.loads((project / ".cruft.json").read_text(encoding="utf-8"))["commit"] == v2
    assert sorted(git(project, "status", "--porcelain").splitlines()) == [
        " M .cruft.json",
        "M  CONTRIBUTING.md",
    ]
    assert not list(project.rglob("*.rej"))
    assert cruft("check", cwd=project).returncode == 0
