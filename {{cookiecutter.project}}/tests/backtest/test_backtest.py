"""Back test: the pipeline run on the sample data reproduces the committed hashes."""

from __future__ import annotations

import pytest
from rapkit import backtest

from ..conftest import ROOT, Workspace, main


@pytest.mark.backtest
def test_outputs_match_expected_hashes(workspace: Workspace) -> None:
    assert main(["--config", str(workspace.config_path), "run"]) == 0
    actual = backtest.output_hashes(workspace.outputs)
    expected = backtest.load_expected(ROOT / backtest.EXPECTED)
    assert backtest.compare(actual, expected) == []


def test_compare_reports_each_kind_of_difference() -> None:
    problems = backtest.compare(
        {"a.csv": "1" * 64, "b.csv": "2" * 64}, {"a.csv": "3" * 64, "c.csv": "4" * 64}
    )
    assert problems == [
        "a.csv: sha256 111111111111… != expected 333333333333…",
        "b.csv: produced but has no expected hash",
        "c.csv: expected but not produced",
    ]
