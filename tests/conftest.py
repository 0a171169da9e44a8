"""Shared helpers for testing the template: generate projects and inspect them."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cookiecutter.main import cookiecutter

TEMPLATE = Path(__file__).resolve().parents[1]
CONTEXT: dict[str, Any] = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))
CHOICES = {k: v for k, v in CONTEXT.items() if isinstance(v, list) and not k.startswith("_")}
DEFAULTS = {key: value[0] for key, value in CHOICES.items()}
SHARED_REAL_DATA = TEMPLATE.parent / "shared" / "data" / "real"


def generate(output_dir: Path, *, lock: bool = False, **answers: str) -> Path:
    """Generate a project with ``answers`` (defaults otherwise) and return its folder.

    ``lock=False`` skips ``uv lock`` in the post-generation hook, which needs the
    package index; tests that run the generated project's own sessions lock.
    """
    previous = os.environ.get("COOKIECUTTER_RAP_NO_LOCK")
    if lock:
        os.environ.pop("COOKIECUTTER_RAP_NO_LOCK", None)
    else:
        os.environ["COOKIECUTTER_RAP_NO_LOCK"] = "1"
    try:
        folder = cookiecutter(str(TEMPLATE), no_input=True, extra_context=answers, output_dir=str(output_dir))
    finally:
        if previous is None:
            os.environ.pop("COOKIECUTTER_RAP_NO_LOCK", None)
        else:
            os.environ["COOKIECUTTER_RAP_NO_LOCK"] = previous
    return Path(folder)


def git(folder: Path, *args: str) -> str:
    """Run git in ``folder`` and return its output."""
    done = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, check=True)
    return done.stdout


# nox points uv at its own session environment through these variables; a generated
# project's tools must use the project's environment instead, or `uv sync` in the
# project would replace the test session's packages with the project's.
OUTER_ENVIRONMENT = {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "UV_PYTHON", "COOKIECUTTER_RAP_NO_LOCK"}


def clean_env(**extra: str) -> dict[str, str]:
    """Environment for running a generated project's tools (no outer virtualenv)."""
    env = {k: v for k, v in os.environ.items() if k not in OUTER_ENVIRONMENT}
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def default_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project generated once with the default answers (not locked)."""
    return generate(tmp_path_factory.mktemp("default"))


@pytest.fixture
def no_git_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hide every git configuration so git has no user name or email."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(name, raising=False)


def which_or_skip(tool: str) -> str:
    """Return the path of ``tool``; fail (not skip) if a required tool is missing."""
    found = shutil.which(tool)
    if found is None:
        pytest.fail(f"{tool} is required for this test; install it (the nox session does).")
    return found


def quarto_or_fail(needed_for: str) -> str:
    """The Quarto CLI, which ``needed_for`` must use: the real thing, never skipped."""
    quarto = shutil.which("quarto")
    if quarto is None:
        pytest.fail(
            f"Quarto is required {needed_for}: run ../shared/tools/quarto/install.sh and "
            "put the folder it prints on PATH (.ci/run does)."
        )
    return quarto


def uv_in(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``uv ARGS`` in a generated project, with its own environment (not the test session's)."""
    return subprocess.run(
        [which_or_skip("uv"), *args],
        cwd=project,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


def run_project_script(project: Path, script: str, *args: str) -> None:
    """Run ``script`` (Python source) with a generated project's own locked environment.

    Template tests use this to drive a generated package on real published files
    without installing its dependencies into the template's test environment.
    """
    path = project / "real_data_check.py"
    path.write_text(script, encoding="utf-8")
    done = uv_in(project, "run", "--no-dev", "--quiet", "python", str(path), *args)
    assert done.returncode == 0, done.stderr[-4000:]


def read_rows(path: Path) -> list[dict[str, str]]:
    """Read a CSV file as a list of rows of text."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))
