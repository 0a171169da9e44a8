"""Shared fixtures: a private copy of a small demo project that uses rapkit.

The demo project (``tests/fixtures/demo``) has the layout of a generated
project: ``[tool.rapkit] package = "demo_rap"`` in its pyproject.toml,
``config/pipeline.toml`` and one pipeline, ``src/demo_rap/pipelines/residents``.
Each test gets its own copy in ``tmp_path``, with sample data written by the
pipeline's own ``make_sample``, so tests can damage inputs and outputs freely.
"""

from __future__ import annotations

import importlib
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from rapkit.io import write_frames_atomically
from rapkit.project import load_pipeline

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "demo"
PACKAGE = "demo_rap"
PIPELINE = "residents"


@dataclass(frozen=True)
class Workspace:
    """A copy of the demo project: its root, config, sample inputs and outputs folder."""

    root: Path
    config_path: Path
    inputs: dict[str, Path]
    outputs: Path

    @property
    def src(self) -> Path:
        """The folder that holds the project's import package."""
        return self.root / "src"


def forget_demo_modules() -> None:
    """Drop every imported ``demo_rap`` module so the next import reads the current copy."""
    for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
        del sys.modules[name]
    importlib.invalidate_caches()


@pytest.fixture
def demo_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Copy the demo project (code and config, no data) into ``tmp_path``; import from it."""
    root = tmp_path / "demo"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("__pycache__"))
    forget_demo_modules()
    monkeypatch.syspath_prepend(str(root / "src"))
    yield root
    forget_demo_modules()


@pytest.fixture
def workspace(demo_project: Path) -> Workspace:
    """The demo project with its sample inputs written (``make_sample`` at ``SAMPLE_ROWS``)."""
    module = load_pipeline(PACKAGE, PIPELINE)
    sample = demo_project / "data" / "sample" / PIPELINE
    written = write_frames_atomically(module.make_sample(module.sample_rows, 2021), sample)
    return Workspace(
        root=demo_project,
        config_path=demo_project / "config" / "pipeline.toml",
        inputs=written,
        outputs=demo_project / "outputs",
    )
