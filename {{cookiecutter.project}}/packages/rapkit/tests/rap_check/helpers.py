"""Helpers shared by the rap-check tests: git, file edits, and evaluating criteria.

The library tests run in the template repository. Tests of a whole project use
a default project generated from the template (see ``conftest.py``); its
package name and version are those of the template's defaults.
"""

from __future__ import annotations

import re
import subprocess
import textwrap
from pathlib import Path

from rapkit.config import load_config
from rapkit.rap_check import Options, Project
from rapkit.rap_check.criteria import BY_ID, CRITERIA
from rapkit.rap_check.model import Outcome, Result, passed

# tests/rap_check -> tests -> rapkit -> packages -> {{cookiecutter.project}} -> template repository
TEMPLATE = Path(__file__).resolve().parents[5]
PROJECT_TEMPLATE = TEMPLATE / "{{cookiecutter.project}}"
PACKAGE = "my_rap_project"  # the package of a project generated with the default answers
DISTRIBUTION = "my-rap-project"
_INIT = PROJECT_TEMPLATE / "src" / "{{cookiecutter.package}}" / "__init__.py"
VERSION = re.findall(r'^__version__ = "([^"]+)"', _INIT.read_text(encoding="utf-8"), re.MULTILINE)[
    0
]

HUMAN = {"B4", "B5", "AF3", "AF5"}  # only a person can confirm these: pending when fresh
GIT_ID = ["-c", "user.name=RAP Test", "-c", "user.email=rap@example.org", "-c", "tag.gpgSign=false"]
PUSH_TESTS = """\
on:
  push:
  pull_request:
jobs:
  tests:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: uvx nox -s lint tests
"""
SCHEDULED_RUN = """\
on:
  schedule:
    - cron: "0 6 * * 1"
jobs:
  rap:
    runs-on: ubuntu-latest
    steps:
      - run: uvx nox -s rap
"""


def git(root: Path, *args: str) -> str:
    """Run git in ``root`` with a fixed identity and return its output."""
    done = subprocess.run(
        ["git", *GIT_ID, *args],  # noqa: S607 - git from PATH, as a user runs it
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def commit(root: Path, message: str = "Change") -> None:
    """Commit everything in ``root`` (force-adding nothing: .gitignore applies)."""
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "--allow-empty", "--no-verify", "-m", message)


def write(root: Path, relative: str, text: str) -> Path:
    """Write a file in the project (creating folders)."""
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def make_repo(root: Path, files: dict[str, str], *, init: bool = True) -> Path:
    """Write a small synthetic repository (and commit it, unless ``init`` is false)."""
    root.mkdir(parents=True, exist_ok=True)
    for relative, text in files.items():
        write(root, relative, text)
    if init:
        git(root, "init", "--quiet", "--initial-branch=main")
        commit(root, "Initial commit")
    return root


def replace_in(path: Path, old: str, new: str) -> None:
    """Replace text in a file, failing loudly if the text is not there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def make_project(
    root: Path,
    outputs: Path | None,
    *,
    run_pipeline: bool = False,
    run_tests: bool = False,
    build_package: bool = False,
    max_age_days: int = 365,
) -> Project:
    """Describe the project at ``root``; its pipeline evidence is the run in ``outputs``.

    The configuration is read when the project has one (a synthetic repository
    usually does not).
    """
    options = Options(
        run_pipeline=run_pipeline,
        run_tests=run_tests,
        build_package=build_package,
        max_age_days=max_age_days,
        outputs_dir=outputs,
    )
    config_path = root / "config" / "pipeline.toml"
    config = load_config(config_path) if config_path.is_file() else None
    return Project(root, config, options)


def check(
    root: Path, criterion: str, outputs: Path | None = None, *, run_tests: bool = False
) -> Outcome:
    """Evaluate one criterion on the project at ``root``."""
    with make_project(root, outputs, run_tests=run_tests) as project:
        return BY_ID[criterion].check(project)


def fake_results(**statuses: Outcome) -> list[Result]:
    """Every NHS criterion passing, except those given."""
    return [Result(c, statuses.get(c.id, passed("ok"))) for c in CRITERIA if c.level is not None]
