"""Tests of the benchmark harness (bench/): argument parsing, tables, and a tiny real run."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

from bench import harness


@pytest.fixture
def pandas_reference() -> ModuleType:
    """The pandas reference, which needs pandas (in the ``bench`` and ``test`` groups)."""
    pytest.importorskip("pandas", reason="install the template's test group: nox -s tests")
    from bench import pandas_reference

    return pandas_reference


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        ("10000", 10_000),
        ("10k", 10_000),
        ("1M", 1_000_000),
        ("50m", 50_000_000),
        ("1_000", 1_000),
        ("2.5M", 2_500_000),
    ],
)
def test_parse_rows_accepts_suffixes(text: str, rows: int) -> None:
    assert harness.parse_rows(text) == rows


@pytest.mark.parametrize("text", ["", "ten", "1G", "0", "-5", "1M5"])
def test_parse_rows_rejects_nonsense(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        harness.parse_rows(text)


def test_defaults_are_light_and_full_set_is_parsable() -> None:
    assert harness.parse_args([]).rows == [1_000_000]
    args = harness.parse_args(["--rows", *harness.FULL_ROWS, "--cap-gb", "1.5"])
    assert args.rows == [1_000_000, 10_000_000, 50_000_000]
    assert args.cap_gb == 1.5


posix_only = pytest.mark.skipif(
    sys.platform == "win32", reason="the harness measures with POSIX os.wait4 and RLIMIT_AS"
)


@posix_only
def test_measure_reports_the_child_peak_memory(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "data = b'x' * (64 * 2**20); print(len(data))"]
    _, peak, status, stdout, _ = harness.measure(
        command, cwd=tmp_path, scratch=tmp_path, env=dict(os.environ)
    )
    assert (status, stdout.strip()) == (0, str(64 * 2**20))
    assert peak >= 64


@posix_only
def test_measure_applies_the_address_space_cap(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "data = b'x' * (512 * 2**20)"]
    cap = 256 * 2**20
    _, _, status, _, stderr = harness.measure(
        command, cwd=tmp_path, scratch=tmp_path, env=dict(os.environ), cap_bytes=cap
    )
    assert status == 1
    assert "MemoryError" in stderr


@posix_only
def test_measure_kills_a_run_that_hangs(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "import time; time.sleep(60)"]
    _, _, status, _, _ = harness.measure(
        command, cwd=tmp_path, scratch=tmp_path, env=dict(os.environ), timeout=0.5
    )
    assert status == -9


def fake_runs() -> list[harness.Run]:
    """Runs with round numbers, so the derived figures can be worked out by hand."""
    return [
        harness.Run(rows=1_000_000, variant="polars", checks=True, seconds=2.0, peak_rss_mib=300.0),
        harness.Run(rows=1_000_000, variant="polars", checks=False, seconds=1.5, peak_rss_mib=250.0),
        harness.Run(
            rows=1_000_000,
            variant="polars-streaming",
            checks=True,
            seconds=4.0,
            peak_rss_mib=200.0,
            cap_gib=2,
        ),
        harness.Run(
            rows=1_000_000,
            variant="polars-streaming",
            checks=False,
            seconds=3.0,
            peak_rss_mib=150.0,
            cap_gib=2,
        ),
        harness.Run(rows=1_000_000, variant="pandas", checks=False, seconds=12.0, peak_rss_mib=900.0),
        harness.Run(rows=1_000_000, variant="pandas-equals-polars", checks=False, status="equal"),
        harness.Run(
            rows=50_000_000, variant="polars-streaming", checks=True, cap_gib=2, status="failed (exit 1)"
        ),
    ]


def test_summary_works_out_speedup_overhead_and_cap() -> None:
    first, second = harness.summarise(fake_runs())
    assert first["speedup_vs_pandas"] == 6.0  # 12 s / 2 s
    assert first["speedup_vs_pandas_streaming"] == 3.0
    assert first["validation_overhead"] == 0.25  # (2 - 1.5) / 2
    assert first["validation_overhead_streaming"] == 0.25
    assert first["streaming_under_cap"] is True
    assert first["pandas_output"] == "equal"
    assert second["streaming_under_cap"] is False
    assert second["speedup_vs_pandas"] is None


def test_results_are_written_as_json_and_markdown(tmp_path: Path) -> None:
    runs = fake_runs()
    document = {"runs": [run.as_dict() for run in runs], "summary": harness.summarise(runs)}
    json_path, md_path = harness.write_results(document, tmp_path / "results")
    assert json.loads(json_path.read_text(encoding="utf-8"))["runs"][0]["rows_per_second"] == 500_000
    table = md_path.read_text(encoding="utf-8").splitlines()
    assert "| 1,000,000 | polars | on | 2.00 | 300 | 500,000 | ok |" in table
    assert "| 1,000,000 | polars-streaming, cap 2 GiB | off | 3.00 | 150 | 333,333 | ok |" in table
    assert "| 1,000,000 | pandas | none | 12.00 | 900 | 83,333 | ok |" in table
    assert "| 50,000,000 | polars-streaming, cap 2 GiB | on | - | - | - | failed (exit 1) |" in table
    assert "| 1,000,000 | 6.0x / 3.0x | 25% / 25% | yes (2 GiB) | equal |" in table
    assert "| 50,000,000 | - / - | - / - | NO | - |" in table
    assert not any("pandas-equals-polars" in line for line in table)


def test_render_rewrites_markdown_from_json(tmp_path: Path) -> None:
    runs = fake_runs()
    profile = {"rows": 1_000_000, "read_and_tidy_seconds": 1.0, "validate_seconds": 0.5, "columns": {}}
    document = {
        "runs": [run.as_dict() for run in runs],
        "summary": harness.summarise(runs),
        "check_profiles": [profile],
    }
    json_path, md_path = harness.write_results(document, tmp_path)
    md_path.unlink()
    assert harness.main(["--render", str(json_path)]) == 0
    text = md_path.read_text(encoding="utf-8")
    assert "| 1,000,000 | 6.0x / 3.0x | 25% / 25% | yes (2 GiB) | equal |" in text
    assert "That is 25% of the 2.00 s in-memory run with checks on." in text


def test_check_profile_is_tabulated(tmp_path: Path) -> None:
    profile = {
        "rows": 1_000_000,
        "read_and_tidy_seconds": 1.5,
        "validate_seconds": 0.75,
        "columns": {"person_id": {"seconds": 0.5, "checks": ["<Check greater_than_or_equal_to>", "unique"]}},
    }
    document = {"runs": [], "summary": [], "check_profiles": [profile]}
    _, md_path = harness.write_results(document, tmp_path)
    text = md_path.read_text(encoding="utf-8")
    assert "at 1,000,000 rows (in memory; read and tidy 1.50 s, runner's validation 0.75 s)." in text
    assert "| person_id | <Check greater_than_or_equal_to>, unique | 0.50 |" in text


def test_pandas_reference_on_a_hand_worked_example(tmp_path: Path, pandas_reference: ModuleType) -> None:
    source = tmp_path / "residents.csv"
    source.write_text(
        "person_id,lsoa_code,lad_code,age\n"
        "1,E01000002,E08000001,10\n"
        "2, E01000001,E08000001,64\n"
        "3,E01000001,E08000001,65 \n"
        "4,E01000001,E08000001,90\n",
        encoding="utf-8",
    )
    target = tmp_path / "summary.csv"
    pandas_reference.run(source, target)
    assert target.read_text(encoding="utf-8") == (
        "lsoa_code,lad_code,residents,older_residents,older_residents_frac\n"
        "E01000001,E08000001,3,2,0.666667\n"
        "E01000002,E08000001,1,0,0.000000\n"
    )


def test_pandas_reference_rejects_a_non_numeric_age(tmp_path: Path, pandas_reference: ModuleType) -> None:
    source = tmp_path / "residents.csv"
    source.write_text("person_id,lsoa_code,lad_code,age\n1,E01000001,E08000001,sixty\n", encoding="utf-8")
    with pytest.raises(ValueError, match="sixty"):
        pandas_reference.tidy_residents(pandas_reference.read_residents(source))


@posix_only
@pytest.mark.generated
def test_bench_runs_end_to_end_at_tiny_size(tmp_path: Path, pandas_reference: ModuleType) -> None:
    """Smoke test: every variant runs at 10k rows and pandas matches the pipeline (no timings)."""
    assert harness.main(["--rows", "10k", "--out", str(tmp_path / "results")]) == 0
    document = json.loads((tmp_path / "results" / "results.json").read_text(encoding="utf-8"))
    statuses = {(run["variant"], run["checks"]): run["status"] for run in document["runs"]}
    assert statuses == {
        ("polars", True): "ok",
        ("polars", False): "ok",
        ("polars-streaming", True): "ok",
        ("polars-streaming", False): "ok",
        ("pandas", False): "ok",
        ("pandas-equals-polars", False): "equal (byte-identical CSV)",
    }
    stages = next(run["stages"] for run in document["runs"] if run["variant"] == "polars")
    assert [stage["rows_out"] for stage in stages] == [10_000, 200]
    assert all(run["peak_rss_mib"] > 0 for run in document["runs"] if run["seconds"])
    assert document["summary"][0]["streaming_under_cap"] is True
    assert "| 10,000 | polars | on |" in (tmp_path / "results" / "results.md").read_text(encoding="utf-8")
    (profile,) = document["check_profiles"]
    assert profile["rows"] == 10_000
    assert set(profile["columns"]) == {"person_id", "lsoa_code", "lad_code", "age"}
