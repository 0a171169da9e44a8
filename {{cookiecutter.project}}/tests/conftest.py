"""Shared fixtures: the project's configuration and a private copy of its inputs."""

from __future__ import annotations

import csv
import dataclasses
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest
from rapkit import cli
from rapkit.config import PipelineConfig, load_config
from rapkit.io import write_frames_atomically
from rapkit.project import configured_pipeline, package_name
from rapkit.runner import run_pipeline

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = package_name(ROOT)  # from [tool.rapkit] in pyproject.toml


def main(argv: list[str]) -> int:
    """Run ``python -m <package> ARGS`` in-process and return its exit status."""
    return cli.main(argv, package=PACKAGE)


@dataclass(frozen=True)
class Workspace:
    """A copy of the configured inputs and a config file pointing at them."""

    config_path: Path
    inputs: dict[str, Path]
    outputs: Path


@pytest.fixture(scope="session")
def project_config() -> PipelineConfig:
    """Load the project's own configuration (config/pipeline.toml)."""
    return load_config(ROOT / "config" / "pipeline.toml")


def copy_workspace(folder: Path, config: PipelineConfig) -> Workspace:
    """Copy every input ``config`` names into ``folder`` and write a config that uses them.

    The copy's outputs go to ``folder / "outputs"``, whatever ``outputs_dir`` the
    original sets, so tests can damage inputs or outputs freely without touching the project.
    """
    inputs = {}
    for name, source in config.inputs.items():
        target = folder / "inputs" / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        inputs[name] = target
    text = config.path.read_text(encoding="utf-8")
    for name, source in config.inputs.items():
        relative = source.relative_to(config.root).as_posix()
        text = text.replace(f'"{relative}"', f'"{inputs[name].as_posix()}"')
    outputs = folder / "outputs"
    text = re.sub(
        r"^outputs_dir = .*$", f'outputs_dir = "{outputs.as_posix()}"', text, flags=re.MULTILINE
    )
    config_path = folder / "config" / config.path.name
    config_path.parent.mkdir()
    config_path.write_text(text, encoding="utf-8")
    return Workspace(config_path=config_path, inputs=inputs, outputs=outputs)


@pytest.fixture
def workspace(tmp_path: Path, project_config: PipelineConfig) -> Workspace:
    """A private copy of the inputs of ``config/pipeline.toml`` (see :func:`copy_workspace`)."""
    return copy_workspace(tmp_path, project_config)


def run_on_sample(
    folder: Path, config: PipelineConfig, files: dict[str, pl.DataFrame], *, batch_rows: int = 0
) -> int:
    """Run the configured pipeline on ``make_sample`` output written to ``folder``.

    Returns how many outputs were published; any validation failure raises, so a
    sample the pipeline rejects fails the test with the pipeline's own message.
    With ``batch_rows``, the pipeline also runs in streaming mode, validating that
    many rows at a time (so groups straddle batches), and must publish the same bytes.
    """
    written = write_frames_atomically(files, folder / "inputs")
    inputs = {name: written[path.stem] for name, path in config.inputs.items()}
    local = dataclasses.replace(
        config, root=folder, inputs=inputs, outputs_dir=folder / "outputs", streaming=False
    )
    pipeline = configured_pipeline(local, PACKAGE).build(local.parameters)
    in_memory = run_pipeline(pipeline, local).outputs
    if batch_rows:
        streamed = run_pipeline(
            pipeline,
            dataclasses.replace(local, outputs_dir=folder / "streamed", streaming=True),
            batch_rows=batch_rows,
        ).outputs
        for name, path in in_memory.items():
            assert streamed[name].read_bytes() == path.read_bytes(), name
    return len(in_memory)


def keep_header_only(path: Path) -> None:
    """Cut ``path`` to its header row (and preamble, if any): an empty download."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    widths = [len(row) for row in csv.reader(lines)]
    header = widths.index(max(widths))  # the first full-width row is the header
    path.write_text("".join(lines[: header + 1]), encoding="utf-8")


def run_error(config_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Run the pipeline with ``config_path``, check it fails cleanly, and return its message."""
    capsys.readouterr()
    assert main(["--config", str(config_path), "run"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err
