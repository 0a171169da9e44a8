"""Streaming mode in bounded memory: no read of a raw input maps or loads the whole file.

Under an address-space limit (``ulimit -v``; the benchmark runs 100M rows
under 2 GiB) a whole-file memory map of a large input fails, even when the
query itself streams. Polars maps the whole CSV when it must read the header
itself (a scan without a schema) and when it answers ``pl.len()`` over a CSV
scan. These tests spy on Polars to prove the streaming path does neither.
"""

from __future__ import annotations

import errno
from functools import partial
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from rapkit import io, runner
from rapkit.errors import PipelineError
from rapkit.runner import run_pipeline

from .test_streaming import keyed_config, keyed_pipeline

COLUMNS = {"key": pl.Int64, "value": pl.Int64}


def valid_rows(count: int) -> list[str]:
    """``count`` valid ``key,value`` rows (unique keys)."""
    return [f"{key},{key % 7}" for key in range(count)]


@pytest.fixture
def polars_spy(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """Record every ``pl.scan_csv`` call and the plan of every in-memory ``collect``."""
    seen: dict[str, list[Any]] = {"scans": [], "in_memory_plans": []}
    scan_csv = pl.scan_csv
    collect = pl.LazyFrame.collect

    def spy_scan(*args: Any, **kwargs: Any) -> pl.LazyFrame:
        seen["scans"].append(kwargs)
        return scan_csv(*args, **kwargs)

    def spy_collect(self: pl.LazyFrame, *args: Any, **kwargs: Any) -> pl.DataFrame:
        if kwargs.get("engine", "auto") != "streaming":
            seen["in_memory_plans"].append(self.explain())
        frame: pl.DataFrame = collect(self, *args, **kwargs)
        return frame

    monkeypatch.setattr(pl, "scan_csv", spy_scan)
    monkeypatch.setattr(pl.LazyFrame, "collect", spy_collect)
    return seen


@pytest.mark.parametrize(
    "reader",
    [
        partial(io.scan_text_csv, required=("key", "value")),
        partial(io.scan_typed_csv, columns=COLUMNS),
    ],
    ids=["text", "typed"],
)
def test_streaming_run_never_maps_or_counts_the_whole_input(
    tmp_path: Path, polars_spy: dict[str, list[Any]], reader: Any
) -> None:
    config = keyed_config(tmp_path, valid_rows(500))
    result = run_pipeline(keyed_pipeline(reader), config, batch_rows=64)

    assert result.stage_records[0]["rows_in"] == {"table": 500}
    assert result.stage_records[0]["rows_out"] == 500
    assert polars_spy["scans"], "the reader scans the CSV with Polars"
    # A scan given its schema reads the file in chunks; without one Polars maps it whole.
    assert all("schema" in kwargs for kwargs in polars_spy["scans"]), polars_spy["scans"]
    # Every query over the raw CSV ran in the streaming engine (no in-memory count of it).
    reading_csv = [plan for plan in polars_spy["in_memory_plans"] if "CSV" in plan.upper()]
    assert reading_csv == []


def test_the_reader_frames_row_count_comes_from_the_whole_row_check(tmp_path: Path) -> None:
    config = keyed_config(tmp_path, valid_rows(12))
    path = config.inputs["table"]
    typed = io.scan_typed_csv(path, COLUMNS)
    assert io.known_rows(typed) == 12
    assert io.known_rows(io.scan_text_csv(path)) == 12
    # A frame derived from a reader's frame may have lost rows: its count is not known.
    assert io.known_rows(typed.filter(pl.col("key") > 3)) is None
    assert runner._count_rows(typed.filter(pl.col("key") > 3), streaming=True) == 8


def test_a_header_with_repeated_names_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "twice.csv"
    path.write_text("a,a,b\n1,2,3\n", encoding="utf-8")
    frame = io.scan_text_csv(path).collect()
    assert frame.height == 1
    assert frame.columns[0] == "a"
    assert frame.row(0) == ("1", "2", "3")


@pytest.mark.parametrize("streaming", [False, True])
def test_running_out_of_memory_names_the_stage_and_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, streaming: bool
) -> None:
    config = keyed_config(tmp_path, valid_rows(5), streaming=streaming)

    def out_of_memory(*_args: Any, **_kwargs: Any) -> pl.DataFrame:
        raise OSError(errno.ENOMEM, "Cannot allocate memory")

    monkeypatch.setattr(runner, "_compute", out_of_memory)
    reader = partial(io.scan_text_csv, required=("key", "value"))
    with pytest.raises(PipelineError) as caught:
        run_pipeline(keyed_pipeline(reader), config)
    message = str(caught.value)
    assert "Stage 'tidy' (from table (" in message
    assert "ran out of memory" in message
    assert "(unknown file)" not in message
    if streaming:
        assert "more memory" in message
    else:
        assert "streaming = true" in message
    assert list((tmp_path / "outputs").iterdir()) == []
