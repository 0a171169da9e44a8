"""Tests of the benchmark (bench/): run order, measuring, ratios, verdicts, output checks, tables."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from bench import harness, report

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="the harness measures with POSIX os.wait4")
HAND_WORKED = (
    "person_id,lsoa_code,lad_code,age\n"
    "1,E01000002,E08000001,10\n"
    "2,E01000001,E08000001,64\n"
    "3,E01000001,E08000001,65\n"
    "4,E01000001,E08000001,90\n"
)
HAND_WORKED_SUMMARY = (
    "lsoa_code,lad_code,residents,older_residents,older_residents_frac\n"
    "E01000001,E08000001,3,2,0.666667\n"
    "E01000002,E08000001,1,0,0.000000\n"
)


@pytest.fixture
def pandas_reference() -> ModuleType:
    """The pandas reference, which needs pandas and pyarrow (the ``bench`` and ``test`` groups)."""
    pytest.importorskip("pyarrow", reason="install the template's test group: nox -s tests")
    from bench import pandas_reference

    return pandas_reference


# --- command line ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        ("10000", 10_000),
        ("10k", 10_000),
        ("1M", 1_000_000),
        ("100m", 100_000_000),
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


def test_defaults_are_1m_and_10m_and_full_adds_100m() -> None:
    args = harness.parse_args([])
    assert (args.rows, args.repeat, args.cap_gb, args.cap_mode) == ([1_000_000, 10_000_000], 3, 2.0, "rlimit")
    assert harness.parse_args(["--full"]).rows == [1_000_000, 10_000_000, 100_000_000]
    assert harness.parse_args(["--rows", "1M", "--full"]).rows == [1_000_000, 100_000_000]


def test_variants_can_be_chosen_but_not_invented() -> None:
    assert harness.parse_args([]).variants == list(harness.VARIANTS)
    assert harness.parse_args(["--variants", "pipeline", "polars"]).variants == ["pipeline", "polars"]
    with pytest.raises(SystemExit):
        harness.parse_args(["--variants", "dask"])


def test_zero_repeats_are_refused() -> None:
    with pytest.raises(SystemExit):
        harness.parse_args(["--repeat", "0"])


# --- interleaving ---------------------------------------------------------------------------


def test_interleave_runs_every_variant_once_per_repeat_rotating_the_order() -> None:
    order = harness.interleave(("a", "b", "c", "d"), 3)
    by_repeat = [[name for repeat, _, name in order if repeat == r] for r in range(3)]
    assert by_repeat == [["a", "b", "c", "d"], ["b", "c", "d", "a"], ["c", "d", "a", "b"]]
    assert [position for _, position, _ in order] == [0, 1, 2, 3] * 3


def test_interleave_wraps_when_repeats_outnumber_variants() -> None:
    order = harness.interleave(("a", "b"), 3)
    assert [name for _, _, name in order] == ["a", "b", "b", "a", "a", "b"]


def test_interleaving_of_recovers_the_order_runs_were_made_in() -> None:
    runs = [
        {"repeat": repeat, "position": position, "variant": name}
        for repeat, position, name in reversed(harness.interleave(("x", "y", "z"), 2))
    ]
    assert report.interleaving_of(runs) == [["x", "y", "z"], ["y", "z", "x"]]


# --- measuring ------------------------------------------------------------------------------


@posix_only
def test_measure_reports_the_child_cpu_time_and_peak_memory(tmp_path: Path) -> None:
    script = (
        "import time; data = b'x' * (64 * 2**20); end = time.process_time() + 0.3\n"
        "while time.process_time() < end: pass\nprint(len(data))"
    )
    usage = harness.measure(
        [sys.executable, "-c", script], cwd=tmp_path, scratch=tmp_path, env=dict(os.environ)
    )
    assert (usage.status, usage.stdout.strip()) == (0, str(64 * 2**20))
    assert usage.peak_rss_mib >= 64
    assert usage.cpu >= 0.3
    assert usage.wall >= usage.cpu * 0.5  # wall and CPU are different clocks, both of this child


@posix_only
def test_measure_applies_the_address_space_cap(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "data = b'x' * (512 * 2**20)"]
    usage = harness.measure(
        command, cwd=tmp_path, scratch=tmp_path, env=dict(os.environ), cap_bytes=256 * 2**20
    )
    assert usage.status == 1
    assert "MemoryError" in usage.stderr


@posix_only
def test_measure_kills_a_run_that_hangs(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "import time; time.sleep(60)"]
    usage = harness.measure(command, cwd=tmp_path, scratch=tmp_path, env=dict(os.environ), timeout=0.5)
    assert usage.status == -9
    assert usage.wall < 30


IMPORTTIME = """\
import time: self [us] | cumulative | imported package
import time:       100 |        100 |   _io
import time:      2000 |     900000 |       numpy
import time:      5000 |    1000000 |     pandera
import time:      3000 |    1100000 |   polars
import time:       500 |       1500 |     polars.config
import time:      8000 |    3000000 | rapkit
"""


def test_top_imports_ranks_top_level_packages_by_cumulative_time() -> None:
    assert harness.top_imports(IMPORTTIME, count=3) == [("rapkit", 3.0), ("polars", 1.1), ("pandera", 1.0)]
    assert ("polars.config", 0.0015) not in harness.top_imports(IMPORTTIME)
    assert harness.top_imports("no profile here") == []


# --- ratios and verdicts --------------------------------------------------------------------


def run(
    variant: str, wall: float | None, *, repeat: int = 0, rows: int = 10_000_000, **extra: Any
) -> dict[str, Any]:
    """One run as stored in results.json (CPU half the wall; memory 100 MiB unless given)."""
    return {
        "rows": rows,
        "variant": variant,
        "repeat": repeat,
        "position": 0,
        "mode": "memory",
        "wall": wall,
        "cpu": None if wall is None else wall / 2,
        "peak_rss_mib": 100.0,
        "peak_anon_mib": 90.0,
        "status": "ok",
        "load_1min": 1.0,
        "modules": {},
        **extra,
    }


def size(runs: list[dict[str, Any]], rows: int = 10_000_000, **extra: Any) -> dict[str, Any]:
    """A size of results.json holding ``runs``."""
    return {
        "rows": rows,
        "mode": "memory",
        "repeats": 3,
        "cap_gib": None,
        "cap_mode": None,
        "input_bytes": 300 * 2**20,
        "runs": runs,
        "outputs": {"pipeline-unchecked": "byte-identical", "pandas": "byte-identical", "polars": "equal"},
        **extra,
    }


def meeting_targets() -> dict[str, Any]:
    """10M rows where the pipeline meets every target: 4x pandas, 1.25x Polars, 5% validation."""
    runs = []
    for repeat, (on, off, pandas, polars) in enumerate(
        [(2.0, 1.9, 8.0, 1.6), (9.0, 9.0, 9.0, 9.0), (2.2, 2.09, 8.8, 1.76)]
    ):
        runs += [
            run("pipeline", on, repeat=repeat),
            run("pipeline-unchecked", off, repeat=repeat),
            run("pandas", pandas, repeat=repeat, cpu=pandas / 4),  # pandas used fewer cores
            run("polars", polars, repeat=repeat),
        ]
    return size(runs)


def test_stats_are_median_min_max_of_the_values_present() -> None:
    assert report.stats([3.0, 1.0, None, 2.0]) == {"median": 2.0, "min": 1.0, "max": 3.0, "n": 3}
    assert report.stats([None]) == {"median": None, "min": None, "max": None, "n": 0}


def test_summary_uses_medians_so_one_slow_repeat_does_not_decide() -> None:
    summary = report.summarise(meeting_targets())
    # Medians: on 2.2, off 2.09, pandas 8.8, polars 1.76 (the 9 s repeat is an outlier).
    assert summary["speedup_vs_pandas"] == pytest.approx(4.0)
    assert summary["vs_polars"] == pytest.approx(1.25)
    assert summary["cpu_vs_polars"] == pytest.approx(1.25)
    assert summary["cpu_speedup_vs_pandas"] == pytest.approx(2.0)  # 2.2 CPU s vs 1.1
    assert summary["cpu_validation_share"] == pytest.approx(0.05)
    assert summary["validation_share"] == pytest.approx(0.05)
    assert summary["cap"] is None


def test_validation_share_can_be_negative_and_is_none_without_both_runs() -> None:
    assert report.validation_share(2.0, 2.5) == pytest.approx(-0.25)
    assert report.validation_share(None, 1.0) is None
    assert report.ratio(1.0, 0.0) is None


def test_targets_met_at_10m() -> None:
    verdicts = report.targets({"sizes": [meeting_targets()]})
    # Then pandas on the run path, 100M streaming and the two floor rows: not measured here.
    assert [verdict for _, _, verdict in verdicts] == ["met"] * 3 + ["not measured"] * 4
    assert [measured for _, measured, _ in verdicts][:3] == [
        "4.00x wall, 2.00x CPU",
        "1.25x wall, 1.25x CPU",
        "5% wall, 5% CPU",
    ]


def test_on_a_busy_machine_a_wall_verdict_the_cpu_ratio_contradicts_is_unclear() -> None:
    busy = {
        "machine": {"cpus": 2},
        "load_average_1min": {"min": 6.0, "max": 8.0},
        "sizes": [meeting_targets()],
    }
    verdicts = [verdict for _, _, verdict in report.targets(busy)]
    # Wall says 4x faster than pandas, CPU only 2x: noise cannot be ruled out.
    assert verdicts[:3] == ["unclear", "met", "met"]
    quiet = {**busy, "load_average_1min": {"min": 0.5, "max": 1.5}}
    assert [verdict for _, _, verdict in report.targets(quiet)][:3] == ["met", "met", "met"]
    assert "Re-run on a quiet machine" in report.markdown(busy)
    assert "Re-run on a quiet machine" not in report.markdown(quiet)


def test_checks_seconds_sums_every_stage_from_rapkits_log() -> None:
    log = (
        "INFO [1/2] tidy: residents=10 rows in -> 10 rows out, valid against A (0.69s, of which checks 0.08s)\n"
        "INFO [2/2] summary: tidy=10 rows in -> 2 rows out, valid against B (0.11s, of which checks 0.01s)\n"
    )
    assert harness.checks_seconds(log) == pytest.approx(0.09)
    assert harness.checks_seconds("INFO Done: 1 output(s)") is None


def with_timed_checks(document: dict[str, Any], share: float) -> dict[str, Any]:
    """``document`` whose checked runs say their checks took ``share`` of their wall time."""
    for run_ in document["runs"]:
        if run_["variant"] == "pipeline":
            run_["checks_seconds"] = run_["wall"] * share
    return document


def test_validation_timed_inside_the_run_is_reported_and_must_agree() -> None:
    agreeing = with_timed_checks(meeting_targets(), 0.04)
    assert report.summarise(agreeing)["timed_validation_share"] == pytest.approx(0.04)
    _, measured, verdict = report.targets({"sizes": [agreeing]})[2]
    assert measured == "5% wall, 5% CPU; timed inside the run 4%"
    assert verdict == "met"
    # On - off says 5% (met) but the run's own timers say 30%: the verdict cannot be trusted.
    disagreeing = with_timed_checks(meeting_targets(), 0.30)
    assert report.targets({"sizes": [disagreeing]})[2][2] == "unclear"
    assert "timed inside the checked runs (rapkit's own timers, median) **30%**" in report.markdown(
        {"sizes": [disagreeing]}
    )


def test_the_floor_says_whether_each_speed_target_is_within_reach() -> None:
    # The bare Polars script takes 1.0 s; after the fixed costs of a checked run, 1.6 s; pandas 4.0 s.
    floored = size(
        [
            run("pipeline", 2.0),
            run("pipeline-unchecked", 1.9),
            run("pandas", 4.0),
            run("polars", 1.0),
            run("floor", 1.6),
        ]
    )
    summary = report.summarise(floored)
    assert summary["floor_vs_polars"] == pytest.approx(1.6)
    assert summary["floor_speedup_vs_pandas"] == pytest.approx(2.5)
    *_, reach_pandas, reach_polars = report.targets({"sizes": [floored]})
    assert reach_pandas == (
        "10,000,000 rows, can the pipeline reach 3x? The floor at least 3x faster than pandas",
        "2.50x wall, 2.50x CPU",
        "MISSED",
    )
    assert reach_polars[1:] == ("1.60x wall, 1.60x CPU", "MISSED")
    # A floor of 1.2 s is within both: the targets are then up to the pipeline.
    within = size([run("pandas", 4.0), run("polars", 1.0), run("floor", 1.2)])
    assert [verdict for *_, verdict in report.targets({"sizes": [within]})[-2:]] == ["met", "met"]
    text = report.markdown({"sizes": [floored]})
    assert "**1.60x** (1.60x) the bare Polars script's time; pandas **2.50x** (2.50x) slower than it" in text
    assert "| floor: bare Polars after a checked run's fixed costs" in text


def test_targets_missed_when_the_pipeline_is_slow() -> None:
    slow = size(
        [run("pipeline", 7.7), run("pipeline-unchecked", 5.0), run("pandas", 7.9), run("polars", 2.1)]
    )
    verdicts = report.targets({"sizes": [slow]})
    assert [verdict for _, _, verdict in verdicts] == ["MISSED"] * 3 + ["not measured"] * 4
    assert verdicts[0][1] == "1.03x wall, 1.03x CPU"
    assert verdicts[2][1] == "35% wall, 35% CPU"


def test_pandas_on_the_run_path_is_a_missed_target() -> None:
    clean = size([run("pipeline", 1.0, modules={"pandas": False, "polars": True})])
    dirty = size(
        [run("pipeline", 1.0, modules={"pandas": True}), run("pipeline", 1.0, modules={"pandas": False})]
    )
    assert report.targets({"sizes": [clean]})[3][1:] == ("not imported", "met")
    assert report.targets({"sizes": [dirty]})[3][1:] == ("imported", "MISSED")


def test_targets_are_not_measured_without_10m_rows() -> None:
    verdicts = report.targets({"sizes": [size([run("pipeline", 1.0, rows=1_000_000)], rows=1_000_000)]})
    assert {verdict for _, _, verdict in verdicts} == {"not measured"}


def streaming(peak_rss: float, *, status: str = "ok", anon: float = 500.0) -> dict[str, Any]:
    """A 100M-row streaming size capped at 2 GiB whose pipeline peaked at ``peak_rss`` MiB."""
    runs = [
        run("pipeline", 60.0, rows=100_000_000, peak_rss_mib=peak_rss, peak_anon_mib=anon, status=status),
        run("polars", 20.0, rows=100_000_000),
    ]
    return size(runs, rows=100_000_000, mode="streaming", cap_gib=2.0, cap_mode="rss", repeats=1)


def test_cap_verdict_under_over_and_failed() -> None:
    under = report.cap_verdict(streaming(1_900.0))
    assert under is not None
    assert under["under"] is True
    over = report.cap_verdict(streaming(2_100.0))
    assert over is not None
    assert over["under"] is False  # strict: resident memory, mapped file pages included
    failed = report.cap_verdict(streaming(300.0, status="failed (exit 1): MemoryError"))
    assert failed is not None
    assert failed["under"] is False
    assert failed["failures"] == ["failed (exit 1): MemoryError"]
    assert report.cap_verdict(meeting_targets()) is None  # in memory: no cap


def test_streaming_target_verdict_and_text() -> None:
    (name, measured, verdict) = report.targets(
        {"sizes": [meeting_targets(), streaming(2_100.0, anon=700.0)]}
    )[4]
    assert verdict == "MISSED"
    assert "100,000,000 rows streaming" in name
    assert measured == "peak RSS 2,100 MiB of 2,048 (anonymous 700)"
    (_, _, verdict) = report.targets({"sizes": [streaming(1_000.0)]})[4]
    assert verdict == "met"


# --- output equality ------------------------------------------------------------------------


def test_compare_outputs_byte_identical_equal_and_mismatch(tmp_path: Path) -> None:
    pipeline = tmp_path / "pipeline.csv"
    pipeline.write_text(HAND_WORKED_SUMMARY, encoding="utf-8")
    same = tmp_path / "same.csv"
    same.write_text(HAND_WORKED_SUMMARY, encoding="utf-8")
    assert harness.compare_outputs(pipeline, same) == "byte-identical"
    reformatted = tmp_path / "reformatted.csv"  # same numbers, other float format
    reformatted.write_text(HAND_WORKED_SUMMARY.replace("0.000000", "0.0"), encoding="utf-8")
    assert harness.compare_outputs(pipeline, reformatted) == "equal"
    wrong = tmp_path / "wrong.csv"  # one older resident too many
    wrong.write_text(HAND_WORKED_SUMMARY.replace(",3,2,", ",3,3,"), encoding="utf-8")
    assert harness.compare_outputs(pipeline, wrong).startswith("MISMATCH")
    short = tmp_path / "short.csv"  # a row lost
    short.write_text(HAND_WORKED_SUMMARY.rsplit("E01000002", 1)[0], encoding="utf-8")
    assert harness.compare_outputs(pipeline, short).startswith("MISMATCH")
    assert harness.compare_outputs(pipeline, tmp_path / "absent.csv").startswith("missing")
    assert harness.compare_outputs(tmp_path / "absent.csv", same).startswith("not compared")


def test_pandas_reference_on_a_hand_worked_example(tmp_path: Path, pandas_reference: ModuleType) -> None:
    source = tmp_path / "residents.csv"
    source.write_text(HAND_WORKED, encoding="utf-8")
    target = tmp_path / "summary.csv"
    pandas_reference.run(source, target)
    assert target.read_text(encoding="utf-8") == HAND_WORKED_SUMMARY


def test_pandas_reference_rejects_a_non_numeric_age(tmp_path: Path, pandas_reference: ModuleType) -> None:
    source = tmp_path / "residents.csv"
    source.write_text("person_id,lsoa_code,lad_code,age\n1,E01000001,E08000001,sixty\n", encoding="utf-8")
    with pytest.raises(Exception, match="sixty"):
        pandas_reference.read_residents(source)


@pytest.mark.parametrize("streaming_engine", [False, True])
def test_polars_reference_on_a_hand_worked_example(tmp_path: Path, streaming_engine: bool) -> None:
    from bench import polars_reference

    source = tmp_path / "residents.csv"
    source.write_text(HAND_WORKED, encoding="utf-8")
    target = tmp_path / "summary.csv"
    polars_reference.run(source, target, streaming=streaming_engine)
    assert target.read_text(encoding="utf-8") == HAND_WORKED_SUMMARY


# --- rendering ------------------------------------------------------------------------------


def document() -> dict[str, Any]:
    """A whole results document: machine, start-up, 10M in memory, 100M streaming."""
    return {
        "started": "2026-11-30T21:00:00+00:00",
        "machine": {"cpus": 2, "memory_gib": 23.5, "platform": "Linux", "python": "3.11.7", "versions": {}},
        "load_average_1min": {"min": 1.5, "max": 3.25},
        "startup": {
            "help_wall": report.stats([2.0, 2.2, 2.4]),
            "cli_import": report.stats([1.5, 1.6, 1.7]),
            "pipeline_import": report.stats([0.01, 0.02, 0.03]),
            "loaded": {"after_cli": {"pandas": False, "polars": True}, "after_pipeline": {"pandas": True}},
            "top_imports": [["rapkit", 1.6], ["polars", 0.9]],
        },
        "sizes": [meeting_targets(), streaming(2_100.0)],
    }


def test_markdown_has_a_table_per_size_ratios_startup_and_targets() -> None:
    text = report.markdown(document())
    lines = text.splitlines()
    assert "### 10,000,000 rows (in memory; 3 interleaved repeat(s), input 300 MiB)" in lines
    assert "| pipeline, every check on | 2.20 (2.00) | 1.10 (1.00) | 100 (100) | (reference) |" in lines
    assert "| bare Polars script, no checks | 1.76 (1.60) | 0.88 (0.80) | 100 (100) | equal |" in lines
    assert (
        "Pipeline (checks on), from median wall (CPU) times: speed-up over pandas **4.00x** (2.00x); "
        "time relative to bare Polars **1.25x** (1.25x); validation share (on - off) / on **5%** (5%); "
        "validation timed inside the checked runs (rapkit's own timers, median) **-**."
    ) in lines
    assert "| `python -m <package> --help` (whole process) | 2.20 (2.00) |" in lines
    assert "Heavy libraries loaded after importing the CLI: polars; after the run path: pandas." in lines
    assert "- pipeline, every check on: OVER the cap: peak RSS 2,100 MiB of 2,048 (anonymous 500)." in lines
    assert "1-minute load average during the run: 1.5 to 3.25" in text
    assert "| 10,000,000 rows: validation at most 10% of the run | 5% wall, 5% CPU | **met** |" in lines
    assert any(line.endswith("| **MISSED** |") and "100,000,000" in line for line in lines)


def test_render_rewrites_markdown_from_json(tmp_path: Path) -> None:
    json_path = tmp_path / "results.json"
    json_path.write_text(json.dumps(document()), encoding="utf-8")
    assert harness.main(["--render", str(json_path)]) == 0
    assert (tmp_path / "results.md").read_text(encoding="utf-8") == report.markdown(document())


# --- end to end -----------------------------------------------------------------------------


@posix_only
@pytest.mark.generated
def test_bench_runs_end_to_end_at_tiny_size(tmp_path: Path, pandas_reference: ModuleType) -> None:
    """Every variant runs at 10k rows, interleaved, and matches the pipeline (timings not judged)."""
    out = tmp_path / "results"
    assert harness.main(["--rows", "10k", "--repeat", "2", "--startup-repeat", "1", "--out", str(out)]) == 0
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    (tiny,) = results["sizes"]
    assert {run["status"] for run in tiny["runs"]} == {"ok"}
    assert report.interleaving_of(tiny["runs"]) == [
        list(harness.VARIANTS),
        [*harness.VARIANTS[1:], "pipeline"],
    ]
    assert tiny["outputs"] == {
        "pipeline-unchecked": "byte-identical",
        "pandas": "byte-identical",
        "polars": "byte-identical",
        "floor": "byte-identical",
    }
    assert all(run["cpu"] > 0 and run["peak_rss_mib"] > 0 for run in tiny["runs"])
    checked = next(run for run in tiny["runs"] if run["variant"] == "pipeline")
    assert checked["modules"]["polars"] is True
    assert results["startup"]["cli_import"]["n"] == 1
    assert "| pipeline, every check on |" in (out / "results.md").read_text(encoding="utf-8")
    # The floor is measured on plain inputs only: a quoted file would take the pipeline's careful road.
    quoted = tmp_path / "quoted.csv"
    quoted.write_text('person_id,lsoa_code,lad_code,age\n1,"E01000001",E08000001,10\n', encoding="utf-8")
    python = out / "work" / harness.PACKAGE.replace("_", "-") / ".venv" / "bin" / "python"
    refused = subprocess.run(
        [str(python), str(harness.HERE / "floor_reference.py"), str(quoted), str(tmp_path / "floor.csv")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode != 0
    assert "not a simple CSV" in refused.stderr
    assert not (tmp_path / "floor.csv").exists()
