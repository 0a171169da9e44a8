"""Tests of streaming mode: results spilled to Parquet and validated batch by batch."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pandera.polars as pa
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandera.api.polars.types import PolarsData

from rapkit import validation
from rapkit.config import PipelineConfig, load_config
from rapkit.errors import ValidationFailedError
from rapkit.io import scan_text_csv
from rapkit.project import configured_pipeline
from rapkit.runner import Pipeline, Stage, run_pipeline
from rapkit.validation import validate_parquet

from .conftest import Workspace


class Keyed(pa.DataFrameModel):
    """A unique key and a bounded value: one check of each kind."""

    key: pl.Int64 = pa.Field(unique=True)
    value: pl.Int64 = pa.Field(ge=0)


def write(tmp_path: Path, keys: list[int], values: list[int]) -> Path:
    """Write a Parquet file with ``key`` and ``value`` columns and return its path."""
    path = tmp_path / "table.parquet"
    pl.DataFrame({"key": keys, "value": values}).write_parquet(path)
    return path


def test_valid_file_passes_and_rows_are_counted(tmp_path: Path) -> None:
    path = write(tmp_path, list(range(10)), [1] * 10)
    assert validate_parquet(path, Keyed, where="test", batch_rows=3) == 10


def test_bad_value_in_a_later_batch_is_reported_by_its_row_in_the_table(tmp_path: Path) -> None:
    values = [1] * 10
    values[7] = -5
    path = write(tmp_path, list(range(10)), values)
    with pytest.raises(ValidationFailedError) as caught:
        validate_parquet(path, Keyed, where="stage 'demo'", batch_rows=3)
    message = str(caught.value)
    assert "column 'value' failed greater_than_or_equal_to(0) in 1 row(s)" in message
    assert "row 7: {'key': 7, 'value': -5}" in message


@pytest.mark.parametrize("keys_per_pass", [2, 1_000])
def test_duplicate_keys_in_different_batches_are_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keys_per_pass: int
) -> None:
    # Each batch on its own is unique; only the whole table repeats key 4.
    monkeypatch.setattr(validation, "UNIQUE_KEYS_PER_PASS", keys_per_pass)
    path = write(tmp_path, [0, 1, 2, 4, 3, 5, 6, 4], [1] * 8)
    with pytest.raises(ValidationFailedError) as caught:
        validate_parquet(path, Keyed, where="test", batch_rows=4, line_offset=2)
    message = str(caught.value)
    assert "column 'key' failed field_uniqueness across the whole table" in message
    assert "{'key': 4, 'copies': 2}" in message
    assert "at lines 5, 9" in message


class Pairs(pa.DataFrameModel):
    """Rows unique by the pair of columns (``Config.unique``), not by either alone."""

    area: pl.String
    year: pl.Int64

    class Config:
        """The key is the pair."""

        unique = ["area", "year"]  # noqa: RUF012 - Pandera reads this class attribute


def test_table_level_unique_key_is_checked_across_batches(tmp_path: Path) -> None:
    path = tmp_path / "pairs.parquet"
    pl.DataFrame({"area": ["a", "a", "b", "a"], "year": [1, 2, 1, 1]}).write_parquet(path)
    with pytest.raises(
        ValidationFailedError, match=r"(?s)columns 'area', 'year' failed .* at rows 0, 3"
    ):
        validate_parquet(path, Pairs, where="test", batch_rows=2)
    pl.DataFrame({"area": ["a", "a", "b"], "year": [1, 2, 1]}).write_parquet(path)
    assert validate_parquet(path, Pairs, where="test", batch_rows=2) == 3


def test_streaming_run_matches_in_memory_run_and_cleans_up(workspace: Workspace) -> None:
    config = load_config(workspace.config_path)
    pipeline = configured_pipeline(config).build(config.parameters)
    in_memory = run_pipeline(pipeline, config, outputs_dir=workspace.outputs / "memory")
    streamed = run_pipeline(
        pipeline,
        dataclasses.replace(config, streaming=True),
        outputs_dir=workspace.outputs / "streaming",
    )
    for name, path in in_memory.outputs.items():
        assert streamed.outputs[name].read_bytes() == path.read_bytes()
    assert streamed.stage_records[0]["rows_out"] == in_memory.stage_records[0]["rows_out"]
    assert not list((config.root / "data" / "interim").glob(".run-*"))


def keyed_pipeline(reader: Any) -> Pipeline:
    """A one-stage pipeline: the CSV read by ``reader``, checked against ``Keyed``."""
    return Pipeline(
        name="keyed",
        readers={"table": reader},
        stages=[
            Stage(
                name="tidy",
                func=lambda raw: raw.select(pl.col("key", "value").cast(pl.Int64)),
                inputs=("table",),
                output="keyed",
                schema=Keyed,
                line_offset=2,
            )
        ],
        outputs=["keyed"],
    )


def keyed_config(tmp_path: Path, rows: list[str], *, streaming: bool = True) -> PipelineConfig:
    """A config reading ``table.csv`` (header ``key,value``, then ``rows``) under ``tmp_path``."""
    source = tmp_path / "table.csv"
    source.write_text("\n".join(["key,value", *rows]) + "\n", encoding="utf-8")
    return PipelineConfig(
        path=tmp_path / "pipeline.toml",
        root=tmp_path,
        sha256="0" * 64,
        pipeline="keyed",
        inputs={"table": source},
        outputs_dir=tmp_path / "outputs",
        streaming=streaming,
    )


def keyed_run(
    tmp_path: Path, rows: list[str], *, streaming: bool = True, check_data: bool = True
) -> tuple[PipelineConfig, Path]:
    """Run a one-stage pipeline (text CSV -> ``Keyed``) on ``rows``; return config and outputs."""
    pipeline = keyed_pipeline(partial(scan_text_csv, required=("key", "value")))
    config = keyed_config(tmp_path, rows, streaming=streaming)
    run_pipeline(pipeline, config, check_data=check_data)
    return config, config.outputs_dir


@pytest.mark.parametrize("streaming", [False, True])
def test_duplicates_are_rejected_with_lines_and_nothing_is_written(
    tmp_path: Path, streaming: bool
) -> None:
    with pytest.raises(ValidationFailedError) as caught:
        keyed_run(tmp_path, ["1,5", "2,6", "1,7"], streaming=streaming)
    message = str(caught.value)
    assert "column 'key' failed field_uniqueness across the whole table" in message
    assert "{'key': 1, 'copies': 2}" in message
    assert "at lines 2, 4" in message
    assert list((tmp_path / "outputs").iterdir()) == []
    assert not list((tmp_path / "data" / "interim").glob(".run-*"))


@pytest.mark.parametrize("streaming", [False, True])
def test_both_modes_report_the_file_line_of_a_bad_value(tmp_path: Path, streaming: bool) -> None:
    with pytest.raises(ValidationFailedError, match=r"line 4: \{'key': 3, 'value': -1\}"):
        keyed_run(tmp_path, ["1,5", "2,6", "3,-1"], streaming=streaming)


@pytest.mark.parametrize("streaming", [False, True])
def test_checks_can_be_switched_off_for_benchmarks_only(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, streaming: bool
) -> None:
    with caplog.at_level(logging.WARNING):
        _, outputs = keyed_run(tmp_path, ["1,5", "1,-6"], streaming=streaming, check_data=False)
    assert (outputs / "keyed.csv").read_text(encoding="utf-8") == "key,value\n1,-6\n1,5\n"
    assert "Data checks are OFF" in caplog.text


COMPONENTS = 3


class Grouped(pa.DataFrameModel):
    """Group-wise checks like the starters' (``pl.len().over``, totals per group), and a row check."""

    area: pl.String
    part: pl.Int64 = pa.Field(ge=0)
    total: pl.Int64

    @pa.dataframe_check(error="each area needs every component")
    @classmethod
    def complete(cls, data: PolarsData) -> pl.LazyFrame:
        """Every area has exactly ``COMPONENTS`` rows, wherever they are in the table."""
        return data.lazyframe.select(pl.len().over("area") == COMPONENTS)

    @pa.dataframe_check(error="parts do not add up to the area's total")
    @classmethod
    def adds_up(cls, data: PolarsData) -> pl.LazyFrame:
        """The parts of an area sum to its total."""
        return data.lazyframe.select(pl.col("part").sum().over("area") == pl.col("total"))


@st.composite
def grouped_frames(draw: st.DrawFn) -> pl.DataFrame:
    """Random areas, mostly consistent, sometimes with a missing row or a wrong part."""
    areas = draw(st.integers(min_value=1, max_value=8))
    rows: list[tuple[str, int, int]] = []
    for area in range(areas):
        parts = draw(st.lists(st.integers(-1, 5), min_size=COMPONENTS, max_size=COMPONENTS))
        total = sum(parts) + draw(st.sampled_from([0, 0, 0, 1]))
        rows.extend((f"E01{area:06d}", part, total) for part in parts)
    if draw(st.booleans()):
        rows = draw(st.permutations(rows))  # an area's rows spread over the table
    if rows and draw(st.integers(0, 4)) == 0:
        rows = rows[:-1]
    return pl.DataFrame(rows, schema=["area", "part", "total"], orient="row")


def verdict(run: Callable[[], object]) -> set[str] | None:
    """``None`` if ``run`` passes, else the checks that failed (``"table failed <check>"``)."""
    try:
        run()
    except ValidationFailedError as exc:
        lines = str(exc).splitlines()[1:-1]
        return {line.split(" in ")[0].strip() for line in lines if line.startswith("  - ")}
    return None


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(frame=grouped_frames(), batch_rows=st.integers(min_value=1, max_value=7))
def test_streaming_and_in_memory_verdicts_agree(
    tmp_path: Path, frame: pl.DataFrame, batch_rows: int
) -> None:
    path = tmp_path / "grouped.parquet"
    frame.write_parquet(path)
    in_memory = verdict(lambda: validation.validate_table(frame, Grouped, where="t"))
    streamed = verdict(lambda: validate_parquet(path, Grouped, where="t", batch_rows=batch_rows))
    # Same verdict; streaming stops at the first failing batch, so it may name fewer checks.
    assert (streamed is None) == (in_memory is None)
    assert streamed is None or in_memory is None or streamed <= in_memory
    if in_memory is not None and all(item.startswith("table") for item in in_memory):
        assert streamed == in_memory  # group-wise checks are named alike in both modes


def test_an_area_split_across_batches_passes_as_in_memory(tmp_path: Path) -> None:
    # Area b's three rows straddle the boundary of batches of two rows.
    frame = pl.DataFrame(
        {
            "area": ["a", "a", "a", "b", "b", "b"],
            "part": [1, 1, 1, 2, 2, 2],
            "total": [3] * 3 + [6] * 3,
        }
    )
    path = tmp_path / "grouped.parquet"
    frame.write_parquet(path)
    validation.validate_table(frame, Grouped, where="t")
    assert validate_parquet(path, Grouped, where="t", batch_rows=2) == 6
    frame.with_columns(total=pl.lit(6, dtype=pl.Int64)).write_parquet(path)
    with pytest.raises(
        ValidationFailedError, match=r"table failed parts do not add up .* in 3 row\(s\)"
    ):
        validate_parquet(path, Grouped, where="t", batch_rows=2)


def test_streaming_run_with_small_batches_matches_in_memory(workspace: Workspace) -> None:
    config = load_config(workspace.config_path)
    pipeline = configured_pipeline(config).build(config.parameters)
    in_memory = run_pipeline(pipeline, config, outputs_dir=workspace.outputs / "memory")
    streamed = run_pipeline(
        pipeline,
        dataclasses.replace(config, streaming=True),
        outputs_dir=workspace.outputs / "streaming",
        batch_rows=7,
    )
    for name, path in in_memory.outputs.items():
        assert streamed.outputs[name].read_bytes() == path.read_bytes()


class Custom(pa.DataFrameModel):
    """A custom column check and a dataframe check that returns one boolean."""

    area: pl.String
    part: pl.Int64

    @pa.check("part", error="parts sum to at most 10")
    @classmethod
    def small_sum(cls, data: PolarsData) -> pl.LazyFrame:
        """An aggregate over the whole column: wrong if run batch by batch."""
        return data.lazyframe.select(pl.col(data.key).sum().over(pl.lit(1)) <= 10)

    @pa.dataframe_check(error="at least two rows")
    @classmethod
    def enough(cls, data: PolarsData) -> bool:
        """A check that answers for the whole table at once."""
        return bool(data.lazyframe.select(pl.len()).collect().item() >= 2)


def test_custom_column_and_boolean_checks_see_the_whole_table(tmp_path: Path) -> None:
    path = tmp_path / "custom.parquet"
    pl.DataFrame({"area": ["a", "b", "c"], "part": [4, 4, 4]}).write_parquet(path)
    with pytest.raises(
        ValidationFailedError, match=r"column 'part' failed parts sum to at most 10 in 3"
    ):
        validate_parquet(path, Custom, where="t", batch_rows=1)  # each batch alone would pass
    pl.DataFrame({"area": ["a"], "part": [1]}).write_parquet(path)
    with pytest.raises(ValidationFailedError, match=r"table failed at least two rows"):
        validate_parquet(path, Custom, where="t", batch_rows=1)
