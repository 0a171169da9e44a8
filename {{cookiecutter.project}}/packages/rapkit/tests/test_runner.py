"""Tests of stage wiring in the runner: keyword (mapping) and positional (tuple) inputs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandera.polars as pa
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapkit import Pipeline, Stage, run_pipeline
from rapkit.config import PipelineConfig
from rapkit.errors import ConfigError, InputError, ValidationFailedError
from rapkit.io import scan_text_csv


class Anything(pa.DataFrameModel):
    """No columns required: these tests are about wiring, not data."""


def difference(left: pl.LazyFrame, right: pl.LazyFrame) -> pl.LazyFrame:
    """Rows of ``left`` whose ``x`` is not in ``right``: the order of arguments matters."""
    return left.join(right, on="x", how="anti")


FRAMES = {
    "small": pl.LazyFrame({"x": [1]}),
    "big": pl.LazyFrame({"x": [1, 2, 3]}),
}


def test_mapping_inputs_are_passed_by_keyword() -> None:
    stage = Stage("d", difference, {"right": "small", "left": "big"}, "out", Anything)
    assert stage.sources == ("small", "big")
    assert stage.call(FRAMES).collect()["x"].to_list() == [2, 3]


def test_tuple_inputs_are_passed_in_order() -> None:
    stage = Stage("d", difference, ("big", "small"), "out", Anything)
    assert stage.sources == ("big", "small")
    assert stage.call(FRAMES).collect()["x"].to_list() == [2, 3]
    reversed_stage = Stage("d", difference, ("small", "big"), "out", Anything)
    assert reversed_stage.call(FRAMES).collect().height == 0


def test_a_wrong_keyword_fails_naming_the_parameter() -> None:
    stage = Stage("d", difference, {"left": "big", "rigth": "small"}, "out", Anything)
    with pytest.raises(TypeError, match="rigth"):
        stage.call(FRAMES)


def two_file_run(tmp_path: Path, inputs: dict[str, str]) -> PipelineConfig:
    """Write ``a.csv`` and ``b.csv`` and return a config that reads ``inputs``."""
    (tmp_path / "a.csv").write_text("x\n1\n2\n3\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("x\n2\n", encoding="utf-8")
    return PipelineConfig(
        path=tmp_path / "pipeline.toml",
        root=tmp_path,
        sha256="0" * 64,
        pipeline="two",
        inputs={name: tmp_path / file for name, file in inputs.items()},
        outputs_dir=tmp_path / "outputs",
    )


def two_file_pipeline() -> Pipeline:
    """Read two files and publish those rows of the first that are not in the second."""
    return Pipeline(
        name="two",
        readers={"first": scan_text_csv, "second": scan_text_csv},
        stages=[Stage("diff", difference, {"left": "first", "right": "second"}, "kept", Anything)],
        outputs=["kept"],
    )


def test_a_run_with_keyword_wiring_records_the_sources(tmp_path: Path) -> None:
    config = two_file_run(tmp_path, {"first": "a.csv", "second": "b.csv"})
    result = run_pipeline(two_file_pipeline(), config)
    assert result.outputs["kept"].read_text(encoding="utf-8") == "x\n1\n3\n"
    record = result.stage_records[0]
    assert record["inputs"] == ["first", "second"]
    assert record["rows_in"] == {"first": 3, "second": 1}
    assert record["rows_out"] == 2
    assert record["schema"].endswith("test_runner.Anything")


def test_an_input_missing_from_the_config_is_named(tmp_path: Path) -> None:
    config = two_file_run(tmp_path, {"first": "a.csv"})
    with pytest.raises(ConfigError, match=r"needs input\(s\) second, but \[inputs\] in"):
        run_pipeline(two_file_pipeline(), config)


def test_a_polars_error_names_the_stage_and_its_files(tmp_path: Path) -> None:
    config = two_file_run(tmp_path, {"first": "a.csv", "second": "b.csv"})
    (tmp_path / "b.csv").write_text("x\nnot-a-number\n", encoding="utf-8")

    def as_numbers(left: pl.LazyFrame, right: pl.LazyFrame) -> pl.LazyFrame:
        return difference(left, right.with_columns(pl.col("x").cast(pl.Int64).cast(pl.String)))

    pipeline = Pipeline(
        name="two",
        readers={"first": scan_text_csv, "second": scan_text_csv},
        stages=[Stage("diff", as_numbers, {"left": "first", "right": "second"}, "kept", Anything)],
        outputs=["kept"],
    )
    with pytest.raises(InputError) as caught:
        run_pipeline(pipeline, config)
    message = str(caught.value)
    assert "Stage 'diff' failed reading first (" in message
    assert str(tmp_path / "b.csv") in message
    assert "InvalidOperationError" in message


def test_an_input_changed_during_the_run_is_refused(tmp_path: Path) -> None:
    config = two_file_run(tmp_path, {"first": "a.csv", "second": "b.csv"})

    def meddling(left: pl.LazyFrame, right: pl.LazyFrame) -> pl.LazyFrame:
        (tmp_path / "b.csv").write_text("x\n3\n", encoding="utf-8")
        return difference(left, right)

    pipeline = Pipeline(
        name="two",
        readers={"first": scan_text_csv, "second": scan_text_csv},
        stages=[Stage("diff", meddling, {"left": "first", "right": "second"}, "kept", Anything)],
        outputs=["kept"],
    )
    with pytest.raises(InputError, match=r"Raw input\(s\) changed during the run: second"):
        run_pipeline(pipeline, config)
    assert list(config.outputs_dir.iterdir()) == [], "outputs not written"


def test_an_input_that_cannot_be_counted_is_explained(tmp_path: Path) -> None:
    config = two_file_run(tmp_path, {"first": "a.csv", "second": "b.csv"})
    (tmp_path / "a.csv").write_text("x\n1\nnot-a-number\n", encoding="utf-8")

    def numbers(path: Path) -> pl.LazyFrame:
        return scan_text_csv(path).filter(pl.col("x").cast(pl.Int64) > 0)

    pipeline = Pipeline(
        name="two",
        readers={"first": numbers, "second": scan_text_csv},
        stages=[Stage("diff", difference, {"left": "first", "right": "second"}, "kept", Anything)],
        outputs=["kept"],
    )
    with pytest.raises(InputError, match="Could not read an input: InvalidOperationError"):
        run_pipeline(pipeline, config)


@given(order=st.permutations(["left", "right"]))
def test_keyword_wiring_does_not_depend_on_the_order_of_the_mapping(order: list[str]) -> None:
    wiring = {"left": "big", "right": "small"}
    stage = Stage("d", difference, {param: wiring[param] for param in order}, "out", Anything)
    assert stage.call(FRAMES).collect()["x"].to_list() == [2, 3]


def one_file_run(tmp_path: Path, text: str) -> PipelineConfig:
    """Write ``raw.csv`` holding ``text`` and return a config that reads it as ``raw``."""
    (tmp_path / "raw.csv").write_text(text, encoding="utf-8")
    return PipelineConfig(
        path=tmp_path / "pipeline.toml",
        root=tmp_path,
        sha256="0" * 64,
        pipeline="one",
        inputs={"raw": tmp_path / "raw.csv"},
        outputs_dir=tmp_path / "outputs",
    )


def one_stage(
    function: Callable[[pl.LazyFrame], pl.LazyFrame], schema: type[pa.DataFrameModel] = Anything
) -> Pipeline:
    """A pipeline whose only stage imports ``raw`` with ``function``."""
    return Pipeline(
        name="one",
        readers={"raw": scan_text_csv},
        stages=[Stage("import_raw", function, ("raw",), "tidy", schema)],
        outputs=["tidy"],
    )


def years_to_rows(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Reshape one column per year into (area, year, value) rows with a float value."""
    return raw.unpivot(index="area", variable_name="year", value_name="value").with_columns(
        pl.col("value").cast(pl.Float64)
    )


def test_a_failed_cast_of_a_reshaped_column_names_the_raw_line_and_column(
    tmp_path: Path,
) -> None:
    config = one_file_run(tmp_path, "area,2022,2023\nA,1.5,2.5\nB,3.5,1.2.3\n")
    with pytest.raises(InputError) as caught:
        run_pipeline(one_stage(years_to_rows), config)
    message = str(caught.value)
    assert "failed in column 'value'" in message  # Polars' own words are kept
    assert (
        f"{tmp_path / 'raw.csv'}, line 3, column '2023': value '1.2.3' is not a number" in message
    )


def test_a_failed_cast_prefers_the_column_of_the_same_name(tmp_path: Path) -> None:
    def obs_value(raw: pl.LazyFrame) -> pl.LazyFrame:
        return raw.rename({"OBS_VALUE": "obs_value"}).with_columns(
            pl.col("obs_value").cast(pl.Int64)
        )

    config = one_file_run(tmp_path, 'label,OBS_VALUE\n"1,234",5\nx,"1,234"\n')
    with pytest.raises(InputError) as caught:
        run_pipeline(one_stage(obs_value), config)
    message = str(caught.value)
    assert "line 3, column 'OBS_VALUE': value '1,234' is not a number (i64): it holds a comma" in (
        message
    )
    assert "column 'label'" not in message


class NonNegative(pa.DataFrameModel):
    """Counts cannot be negative."""

    count: int = pa.Field(ge=0)


def wide_to_long(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Reshape one count column per category into (area, category, count) rows."""
    return raw.unpivot(index="area", variable_name="category", value_name="count").with_columns(
        pl.col("count").cast(pl.Int64)
    )


def test_a_schema_failure_of_a_reshaped_import_names_the_raw_line(tmp_path: Path) -> None:
    config = one_file_run(tmp_path, "area,good,bad\nE1,10,2\nE2,11,-12\nE3,12,3\n")
    with pytest.raises(ValidationFailedError) as caught:
        run_pipeline(one_stage(wide_to_long, NonNegative), config)
    assert "row 4 (from line 3 of raw.csv): {'area': 'E2', 'category': 'bad', 'count': -12}" in str(
        caught.value
    )
