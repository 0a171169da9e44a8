"""Finish a generated project: keep only what was chosen, lock, commit, say what next.

The template holds every starter and every CI provider as plain files, so they
can be linted and type-checked like any code; this hook removes the ones that
were not chosen. Nothing here may fail generation for an optional step: when
uv or git is missing, or git has no identity, the project is still complete.

Cookiecutter renders exactly one line of this file (``ANSWERS_JSON`` below); the
rest is plain Python working on the answers as data, so the template's tests
import this module and call each step on a folder of their own. Which files
belong to which starter is not written here: it is the ``_starters`` catalogue
and the ``_starter_files`` patterns in cookiecutter.json, which the template's
tests and documentation checks read too.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

Answers = Mapping[str, Any]
FIRST_COMMIT = "Initial commit from cookiecutter-rap"


def remove(path: Path) -> None:
    """Delete a file or folder if it exists."""
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def remove_if_empty(folder: Path) -> None:
    """Delete ``folder`` when nothing is left in it (a file the catalogue missed stays visible)."""
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


def starter_paths(root: Path, answers: Answers, pipeline: str) -> list[Path]:
    """Every path the catalogue says belongs to ``pipeline``, inside ``root``."""
    return [
        root / pattern.format(package=answers["package"], pipeline=pipeline)
        for pattern in answers["_starter_files"]
    ]


def keep_chosen_starter(root: Path, answers: Answers) -> str:
    """Remove the other starters' files listed in the catalogue; return the chosen pipeline.

    The chosen starter's configuration and back-test hashes move to the names the
    project uses whatever its starter (config/pipeline.toml,
    tests/backtest/expected_hashes.json), so documentation and CI need not know it.
    """
    catalogue: Mapping[str, Mapping[str, Any]] = answers["_starters"]
    pipeline = str(catalogue[answers["starter"]]["pipeline"])
    for spec in catalogue.values():
        if spec["pipeline"] != pipeline:
            for path in starter_paths(root, answers, str(spec["pipeline"])):
                remove(path)
    config = root / "config"
    (config / "starters" / f"{pipeline}.toml").replace(config / "pipeline.toml")
    remove_if_empty(config / "starters")
    backtest = root / "tests" / "backtest"
    (backtest / "expected" / f"{pipeline}.json").replace(backtest / "expected_hashes.json")
    remove_if_empty(backtest / "expected")
    return pipeline


def drop_library_tests(root: Path, answers: Answers) -> None:
    """Remove rapkit's own tests from the vendored copy: they run in the template's CI."""
    remove(root / "packages" / "rapkit" / "tests")


def keep_chosen_licence(root: Path, answers: Answers) -> None:
    """Make the chosen code licence the project's LICENSE; the docs licence (OGL) stays."""
    folder = root / "LICENSES"
    (folder / f"{answers['licence']}.txt").replace(root / "LICENSE")
    for other in folder.glob("*.txt"):
        other.unlink()


def keep_chosen_ci(root: Path, answers: Answers) -> None:
    """Remove the CI configuration of providers that were not chosen."""
    ci = answers["ci"]
    if ci not in {"github", "both"}:
        remove(root / ".github" / "workflows")
        remove(root / ".github" / "dependabot.yml")
        remove(root / ".github" / "pull_request_template.md")
    if ci not in {"gitlab", "both"}:
        remove(root / ".gitlab-ci.yml")
        remove(root / ".gitlab")
    remove_if_empty(root / ".github")


def fit_rap_target_to_ci(root: Path, answers: Answers) -> None:
    """Without CI (ci=none), set the RAP target to Silver: Gold needs CI (G2, G3)."""
    if answers["ci"] != "none":
        return
    config = root / "config" / "pipeline.toml"
    text = config.read_text(encoding="utf-8")
    gold = 'target_level = "gold"'
    silver = (
        "# Silver: this project was generated without CI (ci=none), and Gold needs tests and\n"
        "# the pipeline run by CI (G2, G3). Add CI, then raise this to gold.\n"
        'target_level = "silver"'
    )
    config.write_text(text.replace(gold, silver, 1), encoding="utf-8")


def lock_dependencies(root: Path, answers: Answers) -> bool:
    """Create uv.lock when uv is available (needs the package index); return whether it did.

    Without uv, or without the index, the project is still usable: a note says to
    run `uv lock` later.
    """
    if os.environ.get("COOKIECUTTER_RAP_NO_LOCK"):
        return False
    uv = shutil.which("uv")
    if uv is None:
        print("note: uv not found; run `uv lock` later to pin dependencies (uv.lock).")
        return False
    # An outer environment (an activated venv, a nox session) must not choose the
    # interpreter or environment for the new project's lock.
    outer = {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "UV_PYTHON"}
    env = {key: value for key, value in os.environ.items() if key not in outer}
    done = subprocess.run(
        [uv, "lock", "--quiet"], cwd=root, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        print(f"note: `uv lock` failed, run it again when the package index is reachable:\n{done.stderr}")
        return False
    return True


def git_identity(git: str, root: Path, answers: Answers) -> list[str]:
    """``-c`` options giving git the author's name and email when git has none configured."""
    identity = []
    for key, answer in (("user.name", "author_name"), ("user.email", "author_email")):
        found = subprocess.run([git, "config", key], cwd=root, capture_output=True, text=True, check=False)
        if not found.stdout.strip():
            identity += ["-c", f"{key}={answers[answer]}"]
    return identity


def git_commit(root: Path, answers: Answers) -> bool:
    """Initialise git and make the first commit; return False (with a note) if not possible."""
    git = shutil.which("git")
    if git is None:
        print("note: git not found; run `git init` and commit when it is installed.")
        return False
    identity = git_identity(git, root, answers)
    steps = {
        "init": [git, "init", "--quiet", "--initial-branch=main"],
        "add": [git, "add", "--all"],
        "commit": [git, *identity, "commit", "--quiet", "--no-verify", "-m", FIRST_COMMIT],
    }
    for name, step in steps.items():
        done = subprocess.run(step, cwd=root, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"note: `git {name}` failed; the project is complete but not committed:\n{done.stderr}")
            return False
    return True


def tag_first_release(root: Path, answers: Answers) -> bool:
    """Tag the first commit with the package version (CHANGELOG.md has that entry: RAP G4)."""
    git = shutil.which("git")
    init = root / "src" / answers["package"] / "__init__.py"
    found = re.search(r'^__version__ = "([^"]+)"', init.read_text(encoding="utf-8"), re.MULTILINE)
    if git is None or found is None:
        return False
    version = found.group(1)
    step = [git, *git_identity(git, root, answers), "tag", "-a", f"v{version}", "-m", f"Release {version}"]
    done = subprocess.run(step, cwd=root, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(f"note: could not tag v{version}: {done.stderr}")
        return False
    return True


def next_steps(answers: Answers) -> str:
    """What to type next, printed when generation has finished."""
    return (
        f"\nCreated {answers['project']}. Next:\n"
        f"  cd {answers['project']}\n"
        f"  uv run python -m {answers['package']} run      # run the pipeline on the sample data\n"
        f"  uvx nox                              # lint, type-check, test and reproduce\n"
    )


def finish(root: Path, answers: Answers) -> None:
    """Run every finishing step in order on the project in ``root``."""
    keep_chosen_starter(root, answers)
    drop_library_tests(root, answers)
    keep_chosen_licence(root, answers)
    keep_chosen_ci(root, answers)
    fit_rap_target_to_ci(root, answers)
    lock_dependencies(root, answers)
    if git_commit(root, answers):
        tag_first_release(root, answers)
    print(next_steps(answers))


def main() -> int:
    """Finish the project cookiecutter has just written in the current folder."""
    finish(Path.cwd(), json.loads(ANSWERS_JSON))
    return 0


# The only line cookiecutter renders: every answer (and the private `_starters`
# catalogue) as JSON. JSON escapes quotes and backslashes, and the text always
# ends with a brace, so any answer fits in this raw string.
ANSWERS_JSON = r"""{{ cookiecutter | tojson }}"""

if __name__ == "__main__":
    sys.exit(main())
