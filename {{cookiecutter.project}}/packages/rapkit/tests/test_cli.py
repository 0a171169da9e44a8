"""End-to-end tests of the command line on the demo project's sample data."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

import rapkit
from rapkit import cli
from rapkit.publish import sha256_file

from .conftest import PACKAGE, PIPELINE, Workspace


def main(argv: list[str]) -> int:
    """Run ``python -m demo_rap ARGS`` in-process and return its exit status."""
    return cli.main(argv, package=PACKAGE)


def run_cli(workspace: Workspace, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m demo_rap`` in a fresh process in the project folder, as a user would."""
    path = os.pathsep.join([str(workspace.src), os.environ.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", PACKAGE, *args],
        capture_output=True,
        text=True,
        cwd=workspace.root,
        env={**os.environ, "PYTHONPATH": path},
        check=False,
    )


@pytest.mark.slow
def test_run_writes_outputs_manifest_and_log(workspace: Workspace) -> None:
    before = {name: sha256_file(path) for name, path in workspace.inputs.items()}
    done = run_cli(workspace, "run")  # the default config, found from the current folder
    assert done.returncode == 0, done.stderr
    manifest = json.loads((workspace.outputs / "manifest.json").read_text())
    assert [item["name"] for item in manifest["outputs"]] == ["area_summary"]
    for item in manifest["outputs"]:
        path = Path(item["path"])
        path = path if path.is_absolute() else workspace.root / path
        assert sha256_file(path) == item["sha256"]
        assert pl.read_csv(path).height == item["rows"] > 0
    assert [stage["name"] for stage in manifest["stages"]] == ["tidy", "summarise"]
    assert all(stage["rows_out"] > 0 for stage in manifest["stages"])
    assert manifest["stages"][0]["rows_in"] == {"residents": 500}
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
    path = workspace.inputs["residents"]
    path.unlink()
    assert main(["--config", str(workspace.config_path), "run"]) == 1
    err = capsys.readouterr().err
    assert f"Input file not found: {path}" in err
    assert "Traceback" not in err


def test_non_utf8_input_is_a_clear_error(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    path = workspace.inputs["residents"]
    path.write_bytes(path.read_bytes() + "caf\u00e9\n".encode("cp1252"))
    assert main(["--config", str(workspace.config_path), "run"]) == 1
    err = capsys.readouterr().err
    assert "is not UTF-8 text" in err
    assert str(path) in err


def test_missing_column_names_file_and_column(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    path = workspace.inputs["residents"]
    frame = pl.read_csv(path, infer_schema=False)
    dropped = frame.columns[-1]
    frame.drop(dropped).write_csv(path)
    assert main(["--config", str(workspace.config_path), "run"]) == 1
    err = capsys.readouterr().err
    assert str(path) in err
    assert dropped in err


def test_bad_value_names_stage_file_column_and_line(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    path = workspace.inputs["residents"]
    frame = pl.read_csv(path, infer_schema=False)
    bad = frame.with_columns(
        age=pl.when(pl.int_range(pl.len()) == 2).then(pl.lit("200")).otherwise(pl.col("age"))
    )
    bad.write_csv(path)
    assert main(["--config", str(workspace.config_path), "run"]) == 1
    err = capsys.readouterr().err
    assert f"Stage 'tidy' (from residents ({path}))" in err
    assert "column 'age' failed less_than_or_equal_to(120) in 1 line(s)" in err
    assert "line 4: " in err, "row 2 of the data is line 4 of the file (after the header)"


def test_failed_run_keeps_previous_outputs(workspace: Workspace) -> None:
    assert main(["--config", str(workspace.config_path), "run"]) == 0
    previous = {p.name: p.read_bytes() for p in workspace.outputs.glob("*.csv")}
    assert previous, "the first run publishes outputs"
    previous_manifest = (workspace.outputs / "manifest.json").read_bytes()
    workspace.inputs["residents"].write_text("not,the,right,header\n1,2,3,4\n")
    assert main(["--config", str(workspace.config_path), "run"]) == 1
    assert {p.name: p.read_bytes() for p in workspace.outputs.glob("*.csv")} == previous
    assert (workspace.outputs / "manifest.json").read_bytes() == previous_manifest
    assert not list(workspace.outputs.glob(".*.tmp")), "no temporary files left behind"


def test_debug_shows_traceback(workspace: Workspace) -> None:
    workspace.inputs["residents"].unlink()
    quiet = run_cli(workspace, "--config", str(workspace.config_path), "run")
    loud = run_cli(workspace, "--debug", "--config", str(workspace.config_path), "run")
    assert quiet.returncode == loud.returncode == 1
    assert "Traceback" not in quiet.stderr
    assert "Traceback" in loud.stderr
    assert "error: Input file not found" in quiet.stderr


@pytest.mark.parametrize(
    ("argv", "config", "debug"),
    [
        (["run"], None, False),
        (["--config", "a.toml", "run"], Path("a.toml"), False),
        (["run", "--config", "b.toml"], Path("b.toml"), False),
        (["--debug", "run"], None, True),
        (["run", "--debug"], None, True),
        (["--config", "a.toml", "--debug", "backtest", "--update"], Path("a.toml"), True),
        (["--config", "a.toml", "run", "--config", "b.toml"], Path("b.toml"), False),
    ],
)
def test_options_go_before_or_after_the_command(
    argv: list[str], config: Path | None, debug: bool
) -> None:
    args = cli.build_parser(PACKAGE).parse_args(argv)
    assert (args.config, args.debug) == (config, debug)


@pytest.mark.parametrize("order", ["before", "after"])
def test_config_option_works_in_either_place(workspace: Workspace, order: str) -> None:
    config = ["--config", str(workspace.config_path)]
    argv = [*config, "run"] if order == "before" else ["run", *config]
    assert main(argv) == 0
    assert (workspace.outputs / "manifest.json").is_file()


def test_debug_after_the_command_logs_the_traceback(
    workspace: Workspace, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace.inputs["residents"].unlink()
    with caplog.at_level(logging.ERROR, logger="rapkit.cli"):
        assert main(["run", "--config", str(workspace.config_path), "--debug"]) == 1
    failed = [record for record in caplog.records if record.message == "Pipeline failed"]
    assert failed, "--debug logs the failure"
    assert failed[0].exc_info is not None, "with its traceback"
    assert "Input file not found" in capsys.readouterr().err


def test_ctrl_c_stops_with_130_and_publishes_nothing(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "run_pipeline", interrupted)
    assert main(["--config", str(workspace.config_path), "run"]) == 130
    captured = capsys.readouterr()
    assert "Interrupted: nothing was published." in captured.err
    assert "Traceback" not in captured.err
    assert not (workspace.outputs / "manifest.json").exists()


def test_version_names_the_project_and_rapkit(
    demo_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.strip() == f"demo_rap 1.2.3, rapkit {rapkit.__version__}"


def test_prog_is_the_project_module(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"], package=PACKAGE)
    assert capsys.readouterr().out.startswith(f"usage: python -m {PACKAGE} ")
    with pytest.raises(SystemExit):
        cli.main(["--version"])
    assert capsys.readouterr().out.strip() == f"rapkit {rapkit.__version__}"


def test_without_a_package_the_pyproject_names_it(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(workspace.root / "config")  # the root is found from any folder inside
    assert cli.main(["run"]) == 0
    assert (workspace.outputs / "area_summary.csv").is_file()


def test_unknown_parameter_is_named_with_the_allowed_keys(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    text = workspace.config_path.read_text(encoding="utf-8")
    workspace.config_path.write_text(text.replace("older_age =", "older_agee ="), "utf-8")
    assert main(["--config", str(workspace.config_path), "run"]) == 1
    err = capsys.readouterr().err
    assert "unknown key 'older_agee' (allowed: local_authorities, older_age)" in err
    assert not list(workspace.outputs.glob("*.csv")), "nothing is published"


def test_parameters_change_the_result(workspace: Workspace) -> None:
    text = workspace.config_path.read_text(encoding="utf-8")
    settings = 'older_age = 0\nlocal_authorities = ["E08000001"]'
    workspace.config_path.write_text(text.replace("older_age = 65", settings), "utf-8")
    assert main(["--config", str(workspace.config_path), "run"]) == 0
    summary = pl.read_csv(workspace.outputs / "area_summary.csv")
    assert summary["lad_code"].unique().to_list() == ["E08000001"]
    assert (summary["older_residents"] == summary["residents"]).all(), "everyone is 0 or over"


def test_sample_data_is_deterministic(demo_project: Path, tmp_path: Path) -> None:
    config = str(demo_project / "config" / "pipeline.toml")
    for folder in ("a", "b"):
        argv = ["--config", config, "sample-data", "--rows", "300", "--out", str(tmp_path / folder)]
        assert main(argv) == 0
    first = {p.name: p.read_bytes() for p in (tmp_path / "a").iterdir()}
    second = {p.name: p.read_bytes() for p in (tmp_path / "b").iterdir()}
    assert first == second
    assert set(first) == {"residents.csv"}
    assert pl.read_csv(tmp_path / "a" / "residents.csv").height == 300


def test_sample_data_defaults_to_the_bundled_size_and_folder(
    demo_project: Path, tmp_path: Path
) -> None:
    config = str(demo_project / "config" / "pipeline.toml")
    assert main(["--config", config, "sample-data"]) == 0
    argv = ["--config", config, "sample-data", "--rows", "500", "--seed", "2021"]
    assert main([*argv, "--out", str(tmp_path / "explicit")]) == 0
    bundled = demo_project / "data" / "sample" / PIPELINE / "residents.csv"
    assert bundled.read_bytes() == (tmp_path / "explicit" / "residents.csv").read_bytes()


def test_sample_data_rejects_zero_rows(
    demo_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(demo_project / "config" / "pipeline.toml")
    assert main(["--config", config, "sample-data", "--rows", "0", "--out", "unused"]) == 1
    assert "--rows must be at least 1" in capsys.readouterr().err


def test_backtest_records_then_detects_a_changed_output(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    config = ["--config", str(workspace.config_path)]
    assert main([*config, "run"]) == 0
    assert main([*config, "backtest", "--update"]) == 0
    assert main([*config, "backtest"]) == 0
    assert "Back test passed: 1 output(s) match" in capsys.readouterr().out
    text = workspace.config_path.read_text(encoding="utf-8")
    workspace.config_path.write_text(text.replace("older_age = 65", "older_age = 70"), "utf-8")
    assert main([*config, "run"]) == 0, "a changed parameter changes the published numbers"
    assert main([*config, "backtest"]) == 1
    err = capsys.readouterr().err
    assert "area_summary.csv: sha256" in err
    assert "backtest --update" in err
