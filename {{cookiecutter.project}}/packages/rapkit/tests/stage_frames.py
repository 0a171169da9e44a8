"""Valid frames for every stage schema of the demo project and of the template's starters.

The starters live in the template as ``src/{{cookiecutter.package}}/pipelines``, a folder
whose name is not a Python identifier, so they are imported here as the package
``template_pipelines`` (their own imports are relative or of rapkit). Each pipeline is run
on its own synthetic sample, stage by stage without the runner, and each stage's result
is kept with the schema it must satisfy: real, valid data for every schema, which the
fast-validation tests then damage.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandera.polars as pa
import polars as pl

from rapkit.io import write_frames_atomically
from rapkit.runner import Pipeline

# tests -> rapkit -> packages -> {{cookiecutter.project}}: the template of a generated project
PROJECT_TEMPLATE = Path(__file__).resolve().parents[3]
PIPELINES = PROJECT_TEMPLATE / "src" / "{{cookiecutter.package}}" / "pipelines"
CONFIGS = PROJECT_TEMPLATE / "config" / "starters"
PACKAGE = "template_pipelines"
DEMO = Path(__file__).resolve().parent / "fixtures" / "demo"
MAX_SAMPLE_ROWS = 300  # small samples keep Pandera quick in property tests


@dataclass(frozen=True)
class StageFrame:
    """A stage's schema and a frame that passes it (the stage's result on the sample)."""

    pipeline: str
    stage: str
    schema: type[pa.DataFrameModel]
    frame: pl.DataFrame

    def __str__(self) -> str:
        """Name the case in test ids."""
        return f"{self.pipeline}.{self.stage}"


def template_package() -> str:
    """Import the template's ``pipelines`` folder as a package; return its name."""
    if PACKAGE not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            PACKAGE, PIPELINES / "__init__.py", submodule_search_locations=[str(PIPELINES)]
        )
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[PACKAGE] = module
        spec.loader.exec_module(module)
    return PACKAGE


def starter_names() -> list[str]:
    """Every starter pipeline of the template."""
    return sorted(path.parent.name for path in PIPELINES.glob("*/pipeline.py"))


def _config(path: Path) -> dict[str, Any]:
    """Read a starter's config; its Jinja lines (release contacts) are left out."""
    text = "\n".join(line for line in path.read_text().splitlines() if "{{" not in line)
    return tomllib.loads(text)


def run_stages(pipeline: Pipeline, inputs: dict[str, Path], name: str) -> list[StageFrame]:
    """Run every stage of ``pipeline`` in order; return each result with its schema."""
    frames = {key: reader(inputs[key]) for key, reader in pipeline.readers.items()}
    results = []
    for stage in pipeline.stages:
        frame = stage.call(frames).collect()
        frames[stage.output] = frame.lazy()
        results.append(StageFrame(name, stage.name, stage.schema, frame))
    return results


def starter_frames(name: str, folder: Path) -> list[StageFrame]:
    """Run starter ``name`` on its synthetic sample (written under ``folder``)."""
    module = importlib.import_module(f"{template_package()}.{name}")
    config = _config(CONFIGS / f"{name}.toml")
    rows = min(int(module.SAMPLE_ROWS), MAX_SAMPLE_ROWS)
    written = write_frames_atomically(module.make_sample(rows, 2021), folder)
    by_file = {path.name: path for path in written.values()}
    inputs = {key: by_file[Path(value).name] for key, value in config["inputs"].items()}
    pipeline = module.build(config.get("parameters", {}))
    return run_stages(pipeline, inputs, name)


def demo_frames(folder: Path) -> list[StageFrame]:
    """Run the library's demo pipeline (tests/fixtures/demo) on its sample."""
    source = str(DEMO / "src")
    sys.path.insert(0, source)
    try:
        module = importlib.import_module("demo_rap.pipelines.residents")
        written = write_frames_atomically(module.make_sample(200, 2021), folder)
        return run_stages(module.build({}), written, "demo")
    finally:
        sys.path.remove(source)
        for loaded in [key for key in sys.modules if key.split(".")[0] == "demo_rap"]:
            del sys.modules[loaded]
