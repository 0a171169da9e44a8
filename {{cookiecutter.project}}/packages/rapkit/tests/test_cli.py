"""End-to-end tests of the command line on the bundled sample data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from {{ cookiecutter.package }}.cli import main
from {{ cookiecutter.package }}.config import PipelineConfig
from {{ cookiecutter.package }}.io import sha256_file

from .conftest import ROOT, Workspace

PACKAGE = "{{ cookiecutter.package }}"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m <package>`` in a fresh process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", PACKAGE, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


@pytest.mark.slow
def test_run_writes_outputs_manifest_and_log(workspace: Workspace) -> None:
    before = {name: sha256_file(path) for name, path in workspace.inputs.items()}
    done = run_cli("--config", str(workspace.config_path), "run")
    assert done.returncode == 0, done.stderr
    manifest = json.loads((workspace.outputs / "manifest.json").read_text())
    assert manifest["outputs"], "the pipeline should publish at least one output"
    for item in manifest["outputs"]:
        path = ROOT / item["path"] if not Path(item["path"]).is_absolute() else Path(item["path"])
        assert sha256_file(path) == item["sha256"]
        assert pl.read_csv(path).height == item["rows"] > 0
    assert {stage["name"] for stage in manifest["stages"]}
    assert all(stage["rows_out"] > 0 for stage in manifest["stages"])
    assert manifest["config"]["sha256"] == sha256_file(workspace.config_path)
    assert set(manifest["environment"]["packages"]) >= {"polars", "pandera"}
    logs = list((workspace.outputs / "logs").glob("run-*.log"))
    assert len(logs) == 1
    assert "valid against" in logs[0].read_text()
    after = {name: sha256_file(path) for name, path in workspace.inputs.items()}
    assert after == before, "raw inputs must never be modified"


def test_missing_input_is_a_clear_error(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    path = next(iter(workspace.inputs.values()))
    path.unlink()
    assert main(["--config", str(workspace.config_path), "run"]) == 1
    err = capsys.readouterr().err
    assert f"Input file not found: {path}" in err
    assert "Traceback" not in err


def test_non_utf8_input_is_a_clear_error(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    path = next(iter(workspace.inputs.values()))
    path.write_bytes(path.read_bytes() + "caf\u00e9\n".encode("cp1252"))
    assert main(["--config", str(workspace.config_path), "run"]) == 1
    err = capsys.readouterr().err
    assert "is not UTF-8 text" in err
    assert str(path) in err


def test_missing_column_names_file_and_column(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    path = next(iter(workspace.inputs.values()))
    frame = pl.read_csv(path, infer_schema=False)
    dropped = frame.columns[-1]
    frame.drop(dropped).write_csv(path)
    assert main(["--config", str(workspace.config_path), "run"]) == 1
    err = capsys.readouterr().err
    assert str(path) in err
    assert dropped in err


def test_failed_run_keeps_previous_outputs(workspace: Workspace) -> None:
    assert main(["--config", str(workspace.config_path), "run"]) == 0
    previous = {p.name: p.read_bytes() for p in workspace.outputs.glob("*.csv")}
    previous_manifest = (workspace.outputs / "manifest.json").read_bytes()
    next(iter(workspace.inputs.values())).write_text("not,the,right,header\n1,2,3,4\n")
    assert main(["--config", str(workspace.config_path), "run"]) == 1
    assert {p.name: p.read_bytes() for p in workspace.outputs.glob("*.csv")} == previous
    assert (workspace.outputs / "manifest.json").read_bytes() == previous_manifest
    assert not list(workspace.outputs.glob(".*.tmp")), "no temporary files left behind"


def test_debug_shows_traceback(workspace: Workspace) -> None:
    next(iter(workspace.inputs.values())).unlink()
    quiet = run_cli("--config", str(workspace.config_path), "run")
    loud = run_cli("--debug", "--config", str(workspace.config_path), "run")
    assert quiet.returncode == loud.returncode == 1
    assert "Traceback" not in quiet.stderr
    assert "Traceback" in loud.stderr


def test_sample_data_is_deterministic(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        assert main(["sample-data", "--rows", "300", "--out", str(tmp_path / folder)]) == 0
    first = {p.name: p.read_bytes() for p in (tmp_path / "a").iterdir()}
    second = {p.name: p.read_bytes() for p in (tmp_path / "b").iterdir()}
    assert first == second
    assert first, "sample-data must write at least one file"


def test_bundled_sample_matches_generator(tmp_path: Path, project_config: PipelineConfig) -> None:
    assert main(["sample-data", "--out", str(tmp_path)]) == 0
    for path in tmp_path.iterdir():
        bundled = ROOT / "data" / "sample" / project_config.pipeline / path.name
        assert bundled.read_bytes() == path.read_bytes(), (
            f"{bundled} differs from sample-data output"
        )


def test_sample_data_rejects_zero_rows(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sample-data", "--rows", "0", "--out", "unused"]) == 1
    assert "--rows must be at least 1" in capsys.readouterr().err
