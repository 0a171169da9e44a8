"""Tests of declared input expectations and config aliases (rapkit.inputs)."""

from __future__ import annotations

import logging
from pathlib import Path

import polars as pl
import pytest

from rapkit.config import PipelineConfig
from rapkit.errors import ConfigError, InputError
from rapkit.importers.census import read_census
from rapkit.inputs import COUNTS, Allowed, Expect, InputAliases, check_values, read_input
from rapkit.io import scan_text_csv
from rapkit.runner import Pipeline, Stage, run_pipeline

from .test_runner import Anything

HEALTH = ["Very good health", "Good health", "Fair health", "Bad health", "Very bad health"]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def long_census(path: Path, *, measure: str = "Count", fair: str = "Fair health") -> Path:
    """A two-row-per-category long-form Census file with the given ``measure``."""
    lines = ["area_code,area_name,period,indicator,general_health,measure,unit,value"]
    lines += [
        f"E01000001,Area 1,2021-03-21,Health,{label},{measure},Persons,5"
        for label in [*HEALTH[:2], fair, *HEALTH[3:]]
    ]
    return write(path, "\n".join(lines) + "\n")


def test_every_input_needs_a_data_row_by_default(tmp_path: Path) -> None:
    path = write(tmp_path / "counts.csv", "count_point_id,year\n")
    with pytest.raises(InputError, match=r"counts.csv \(input 'traffic'\) has no data rows"):
        read_input("traffic", path, scan_text_csv)


def test_a_minimum_row_count_is_enforced(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", "x\n1\n2\n")
    with pytest.raises(InputError, match=r"has only 2 data row\(s\); at least 3 expected"):
        read_input("a", path, scan_text_csv, expect=Expect(min_rows=3))
    assert read_input("a", path, scan_text_csv, expect=Expect(min_rows=2)).collect().height == 2


def test_an_optional_empty_input_is_logged_with_what_is_missing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path / "counts.csv", "count_point_id,year\n\n")
    expect = Expect(optional=True, missing="the cycle traffic component")
    with caplog.at_level(logging.WARNING, logger="rapkit.inputs"):
        frame = read_input("traffic", path, scan_text_csv, expect=expect)
    assert frame.collect().height == 0
    assert "Missing from the outputs: the cycle traffic component" in caplog.text


def test_a_custom_reader_without_a_full_pass_is_still_counted(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "x\n")

    def reader(_: Path) -> pl.LazyFrame:
        return pl.LazyFrame({"x": []}, schema={"x": pl.String})

    with pytest.raises(InputError, match="has no data rows"):
        read_input("a", path, reader)


def test_percentages_are_not_counts(tmp_path: Path) -> None:
    path = long_census(tmp_path / "pct.csv", measure="Percent")
    with pytest.raises(
        InputError, match=r"pct.csv, line 2: column 'measure' says 'Percent'.*needs counts"
    ):
        read_input("health", path, read_census, expect=Expect(values=(COUNTS,)))
    counts = long_census(tmp_path / "counts.csv")
    assert (
        read_input("health", counts, read_census, expect=Expect(values=(COUNTS,))).collect().height
    )


def test_allowed_values_follow_a_column_alias(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", "code,unit_name\nE1,Value\nE2,Percent\n")
    allowed = Allowed("measure", ("Value",), "counts")
    with pytest.raises(InputError, match=r"line 3: column 'unit_name' says 'Percent'"):
        check_values(path, allowed, {"unit_name": "measure"})
    check_values(path, allowed)  # no such column: nothing to check


def test_category_aliases_reach_the_importer(tmp_path: Path) -> None:
    path = long_census(tmp_path / "renamed.csv", fair="Fair")
    with pytest.raises(InputError, match=r"\[aliases.<input>\] categories"):
        read_input("health", path, lambda p: read_census(p, categories=HEALTH))
    aliases = InputAliases(columns={}, categories={"Fair": "Fair health"})
    frame = read_input("health", path, lambda p: read_census(p, categories=HEALTH), aliases=aliases)
    assert "Fair health" in frame.collect()["category"].to_list()


def test_category_aliases_for_an_input_without_categories_are_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", "x\n1\n")
    aliases = InputAliases(columns={}, categories={"old": "new"})
    with pytest.raises(ConfigError, match=r"\[aliases.a\] categories: input 'a' .* no category"):
        read_input("a", path, scan_text_csv, aliases=aliases)


def test_column_aliases_rename_before_required_columns_are_checked(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", "CP,yr\n7,2023\n")
    aliases = InputAliases(columns={"CP": "count_point_id"}, categories={})

    def reader(p: Path) -> pl.LazyFrame:
        return scan_text_csv(p, required=["count_point_id"]).select("count_point_id")

    with pytest.raises(InputError, match=r"missing required column\(s\): 'count_point_id'"):
        read_input("traffic", path, reader)
    frame = read_input("traffic", path, reader, aliases=aliases)
    assert frame.collect()["count_point_id"].to_list() == ["7"]


def test_the_runner_applies_expectations_and_aliases(tmp_path: Path) -> None:
    write(tmp_path / "a.csv", "X\n1\n2\n")
    write(tmp_path / "empty.csv", "x\n")

    def keep(first: pl.LazyFrame) -> pl.LazyFrame:
        return first

    pipeline = Pipeline(
        name="one",
        readers={"first": lambda p: scan_text_csv(p, required=["x"])},
        stages=[Stage("keep", keep, {"first": "first"}, "kept", Anything)],
        outputs=["kept"],
        expect={"first": Expect(min_rows=2)},
    )

    def config(file: str, aliases: dict[str, InputAliases]) -> PipelineConfig:
        return PipelineConfig(
            path=tmp_path / "pipeline.toml",
            root=tmp_path,
            sha256="0" * 64,
            pipeline="one",
            inputs={"first": tmp_path / file},
            outputs_dir=tmp_path / "outputs",
            aliases=aliases,
        )

    renamed = {"first": InputAliases(columns={"X": "x"}, categories={})}
    result = run_pipeline(pipeline, config("a.csv", renamed))
    assert result.outputs["kept"].read_text(encoding="utf-8") == "x\n1\n2\n"
    with pytest.raises(InputError, match="has no data rows"):
        run_pipeline(pipeline, config("empty.csv", {}))
