"""Finish a generated project: keep only what was chosen, lock, commit, say what next.

The template holds every starter and every CI provider as plain files, so they
can be linted and type-checked like any code; this hook removes the ones that
were not chosen. Nothing here may fail generation for an optional step: when
uv or git is missing, or git has no identity, the project is still complete.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

# Answers rendered by cookiecutter (JSON strings are valid Python string literals).
# fmt: off
PACKAGE = {{ cookiecutter.package | tojson }}
STARTER = {{ cookiecutter.starter | tojson }}
CI = {{ cookiecutter.ci | tojson }}
LICENCE = {{ cookiecutter.licence | tojson }}
AUTHOR_NAME = {{ cookiecutter.author_name | tojson }}
AUTHOR_EMAIL = {{ cookiecutter.author_email | tojson }}
PROJECT = {{ cookiecutter.project | tojson }}
# fmt: on

# Each starter's pipeline folder and the shared importers it uses.
STARTERS: dict[str, dict[str, list[str] | str]] = {
    "social_isolation": {"pipeline": "social_isolation", "importers": ["census", "geography", "markers"]},
    "child_attainment": {"pipeline": "child_attainment", "importers": ["ees", "iod", "markers"]},
    "green_space": {
        "pipeline": "green_space",
        "importers": ["markers", "ons_green_space", "ons_boundaries", "os_open_greenspace"],
    },
    "active_travel": {
        "pipeline": "active_travel",
        "importers": ["census", "dft_tables", "dft_traffic", "geography", "markers"],
    },
    "skills": {
        "pipeline": "skills",
        "importers": ["census", "geography", "markers", "nomis_api"],
    },
    "none": {"pipeline": "example", "importers": []},
}
ALL_IMPORTERS = sorted({name for spec in STARTERS.values() for name in spec["importers"]})

ROOT = Path.cwd()


def remove(path: Path) -> None:
    """Delete a file or folder if it exists."""
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def keep_chosen_starter() -> str:
    """Remove the other starters' code, tests, data, config and docs; return the pipeline name."""
    chosen = STARTERS[STARTER]
    pipeline = str(chosen["pipeline"])
    others = [str(spec["pipeline"]) for spec in STARTERS.values() if spec["pipeline"] != pipeline]
    src = ROOT / "src" / PACKAGE
    for name in others:
        for path in (
            src / "pipelines" / name,
            ROOT / "tests" / "pipelines" / f"test_{name}.py",
            ROOT / "data" / "sample" / name,
            ROOT / "docs" / "starters" / f"{name}.qmd",
            ROOT / "reports" / f"{name}.qmd",
        ):
            remove(path)
    config = ROOT / "config"
    (config / "starters" / f"{pipeline}.toml").replace(config / "pipeline.toml")
    remove(config / "starters")
    for folder in (ROOT / "docs" / "starters",):
        if folder.is_dir() and not [p for p in folder.iterdir() if p.name != "__init__.py"]:
            remove(folder)  # nothing left for this starter
    expected = ROOT / "tests" / "backtest"
    (expected / "expected" / f"{pipeline}.json").replace(expected / "expected_hashes.json")
    remove(expected / "expected")
    return pipeline


def drop_library_tests() -> None:
    """Remove rapkit's own tests from the vendored copy: they run in the template's CI."""
    remove(ROOT / "packages" / "rapkit" / "tests")


def keep_chosen_licence() -> None:
    """Make the chosen code licence the project's LICENSE; the docs licence (OGL) stays."""
    folder = ROOT / "LICENSES"
    (folder / f"{LICENCE}.txt").replace(ROOT / "LICENSE")
    for other in folder.glob("*.txt"):
        other.unlink()


def keep_chosen_ci() -> None:
    """Remove the CI configuration of providers that were not chosen."""
    if CI not in {"github", "both"}:
        remove(ROOT / ".github" / "workflows")
        remove(ROOT / ".github" / "dependabot.yml")
        remove(ROOT / ".github" / "pull_request_template.md")
    if CI not in {"gitlab", "both"}:
        remove(ROOT / ".gitlab-ci.yml")
        remove(ROOT / ".gitlab")
    github = ROOT / ".github"
    if github.is_dir() and not any(github.iterdir()):
        github.rmdir()


def lock_dependencies() -> None:
    """Create uv.lock when uv is available (needs the package index; skipped otherwise)."""
    if os.environ.get("COOKIECUTTER_RAP_NO_LOCK"):
        return
    uv = shutil.which("uv")
    if uv is None:
        print("note: uv not found; run `uv lock` later to pin dependencies (uv.lock).")
        return
    # An outer environment (an activated venv, a nox session) must not choose the
    # interpreter or environment for the new project's lock.
    outer = {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "UV_PYTHON"}
    env = {key: value for key, value in os.environ.items() if key not in outer}
    done = subprocess.run(
        [uv, "lock", "--quiet"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        print(f"note: `uv lock` failed, run it again when the package index is reachable:\n{done.stderr}")


def git_commit() -> bool:
    """Initialise git and make the first commit; return False (with a note) if not possible."""
    git = shutil.which("git")
    if git is None:
        print("note: git not found; run `git init` and commit when it is installed.")
        return False
    identity = []
    for key, fallback in (("user.name", AUTHOR_NAME), ("user.email", AUTHOR_EMAIL)):
        found = subprocess.run([git, "config", key], cwd=ROOT, capture_output=True, text=True, check=False)
        if not found.stdout.strip():
            identity += ["-c", f"{key}={fallback}"]
    steps = (
        [git, "init", "--quiet", "--initial-branch=main"],
        [git, "add", "--all"],
        [git, *identity, "commit", "--quiet", "--no-verify", "-m", "Initial commit from cookiecutter-rap"],
    )
    for step in steps:
        done = subprocess.run(step, cwd=ROOT, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(
                f"note: `{' '.join(step[1:3])}` failed; the project is complete but not committed:\n{done.stderr}"
            )
            return False
    tag_first_release(git, identity)
    return True


def tag_first_release(git: str, identity: list[str]) -> None:
    """Tag the first commit with the package version (CHANGELOG.md has that entry: RAP G4)."""
    init = (ROOT / "src" / PACKAGE / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"', init, re.MULTILINE)
    if found is None:
        return
    version = found.group(1)
    step = [git, *identity, "tag", "-a", f"v{version}", "-m", f"Release {version}"]
    done = subprocess.run(step, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(f"note: could not tag v{version}: {done.stderr}")


def main() -> int:
    """Run every finishing step and print the next commands."""
    keep_chosen_starter()
    drop_library_tests()
    keep_chosen_licence()
    keep_chosen_ci()
    lock_dependencies()
    git_commit()
    print(
        f"\nCreated {PROJECT}. Next:\n"
        f"  cd {PROJECT}\n"
        f"  uv run python -m {PACKAGE} run      # run the pipeline on the sample data\n"
        f"  uvx nox                              # lint, type-check, test and reproduce\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
