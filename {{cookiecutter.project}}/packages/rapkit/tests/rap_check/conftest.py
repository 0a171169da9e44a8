"""Fixtures of the rap-check tests: one default project generated from the template.

The project is generated once per session with cookiecutter, locked with
``uv lock`` as a user gets it (the hook needs uv and the package index), then
copied, committed and tagged like a fresh project; each test breaks its own
copy. Its package is made importable in this environment, as ``uv sync`` would
install it in the project's: ``src/`` on ``sys.path`` and ``PYTHONPATH`` (for the
pipeline run rap-check starts), and a ``.dist-info`` with its name and version
(for G1, which asks the installed distribution's version).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter  # type: ignore[import-untyped]

from rapkit.cli import main

from .helpers import DISTRIBUTION, PACKAGE, TEMPLATE, VERSION, git

NO_LOCK = "COOKIECUTTER_RAP_NO_LOCK"


@pytest.fixture(scope="session")
def generated_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generate a project with the template's default answers, once per session."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(NO_LOCK, raising=False)
        folder = cookiecutter(
            str(TEMPLATE), no_input=True, output_dir=str(tmp_path_factory.mktemp("generated"))
        )
    project = Path(folder)
    assert (project / "src" / PACKAGE / "__init__.py").is_file(), "default package name changed"
    assert (project / "uv.lock").is_file(), "the hook locks the project (uv and the index needed)"
    return project


@pytest.fixture(scope="session")
def installed(generated_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Make the generated project's package importable and "installed"; yield its root."""
    site = tmp_path_factory.mktemp("site")
    info = site / f"{PACKAGE}-{VERSION}.dist-info"
    info.mkdir()
    metadata = f"Metadata-Version: 2.1\nName: {DISTRIBUTION}\nVersion: {VERSION}\n"
    (info / "METADATA").write_text(metadata, encoding="utf-8")
    src = str(generated_project / "src")
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(site))
        patch.syspath_prepend(src)
        old = os.environ.get("PYTHONPATH")
        patch.setenv("PYTHONPATH", os.pathsep.join([src, *([old] if old else [])]))
        yield generated_project
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]


@pytest.fixture(scope="session")
def fresh_template(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Make a committed, tagged copy of the generated project's tracked files."""
    listed = git(installed, "ls-files", "-z").split("\0")[:-1]
    target = tmp_path_factory.mktemp("fresh") / "project"
    for name in listed:
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(installed / name, destination)
    (target / "outputs").mkdir(exist_ok=True)
    git(target, "init", "--quiet", "--initial-branch=main")
    git(target, "add", "--all")
    git(target, "commit", "--quiet", "--no-verify", "-m", "Initial commit")
    git(target, "tag", "-a", f"v{VERSION}", "-m", f"Release {VERSION}")
    return target


@pytest.fixture
def fresh(fresh_template: Path, tmp_path: Path) -> Path:
    """Give each test a private copy of the fresh project to break."""
    return Path(shutil.copytree(fresh_template, tmp_path / "project", symlinks=True))


@pytest.fixture(scope="session")
def run_dir(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run the generated project's pipeline once on its sample inputs; return the outputs."""
    out = tmp_path_factory.mktemp("run") / "outputs"
    config = installed / "config" / "pipeline.toml"
    assert main(["--config", str(config), "run", "--out", str(out)]) == 0
    return out
