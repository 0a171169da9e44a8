"""An empty optional input: the run publishes without it, and says so everywhere it is read.

The gap must travel with the numbers: the run's result, the manifest's
``missing_inputs``, the command line's last words and the report's notice.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rapkit import Expect, Pipeline, cli, reporting
from rapkit.config import PipelineConfig, load_config
from rapkit.project import configured_pipeline
from rapkit.runner import RunResult, run_pipeline

from .conftest import PACKAGE, Workspace
from .test_runner import two_file_pipeline, two_file_run

SECOND_MISSING = "the rows to leave out"


def optional_second() -> Expect:
    return Expect(optional=True, missing=SECOND_MISSING)


def test_an_empty_optional_input_is_published_without_and_recorded(tmp_path: Path) -> None:
    config = two_file_run(tmp_path, {"first": "a.csv", "second": "b.csv"})
    (tmp_path / "b.csv").write_text("x\n", encoding="utf-8")  # header only
    pipeline = dataclasses.replace(two_file_pipeline(), expect={"second": optional_second()})
    result = run_pipeline(pipeline, config)
    assert result.outputs["kept"].read_text(encoding="utf-8") == "x\n1\n2\n3\n"
    assert result.missing_inputs == {"second": SECOND_MISSING}
    manifest = json.loads(result.manifest_path.read_text(encoding="utf-8"))
    assert manifest["missing_inputs"] == [
        {"name": "second", "path": "b.csv", "missing": SECOND_MISSING}
    ]


def test_an_optional_input_with_rows_is_not_missing(tmp_path: Path) -> None:
    config = two_file_run(tmp_path, {"first": "a.csv", "second": "b.csv"})
    pipeline = dataclasses.replace(two_file_pipeline(), expect={"second": optional_second()})
    result = run_pipeline(pipeline, config)
    assert result.missing_inputs == {}
    manifest = json.loads(result.manifest_path.read_text(encoding="utf-8"))
    assert manifest["missing_inputs"] == []


def test_the_command_line_ends_with_what_was_left_out(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    config = load_config(workspace.config_path)
    pipeline = configured_pipeline(config).build(config.parameters)
    optional = dataclasses.replace(
        pipeline, expect={"residents": Expect(optional=True, missing="every resident")}
    )
    monkeypatch.setattr(cli, "run_pipeline", _with(optional))
    path = workspace.inputs["residents"]
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="rapkit.cli"):
        assert cli.main(["--config", str(workspace.config_path), "run"], package=PACKAGE) == 0
    assert "Published WITHOUT input 'residents'" in caplog.text
    assert "Missing from the outputs: every resident" in caplog.text

    run = reporting.load_run(workspace.config_path)
    assert reporting.missing_inputs(run) == {"residents": "every resident"}
    notice = reporting.missing_inputs_notice(run, "The totals count nobody.").html
    assert "Published without some data." in notice
    assert "Synthetic residents" in notice  # the input's [sources] title
    assert "published without every resident" in notice
    assert "The totals count nobody." in notice


def test_no_notice_when_nothing_is_missing(workspace: Workspace) -> None:
    config = load_config(workspace.config_path)
    run_pipeline(configured_pipeline(config).build(config.parameters), config)
    run = reporting.load_run(workspace.config_path)
    assert reporting.missing_inputs(run) == {}
    assert reporting.missing_inputs_notice(run, "Never shown.").html == ""


def _with(pipeline: Pipeline) -> Callable[..., RunResult]:
    """A stand-in for ``run_pipeline`` that runs ``pipeline`` whatever it is given."""

    def run(_given: Pipeline, config: PipelineConfig, **options: Any) -> RunResult:
        return run_pipeline(pipeline, config, **options)

    return run
