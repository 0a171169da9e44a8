"""Tests of the Census 2021 importer on both published layouts and their edge cases."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from rapkit.errors import InputError, ValidationFailedError
from rapkit.importers.census import (
    CensusCounts,
    category_label,
    read_census,
    tidy_census,
    to_nomis_bulk,
)
from rapkit.validation import validate

HEALTH = ["Very good health", "Good health", "Fair health", "Bad health", "Very bad health"]
INDICATOR = "Estimates that classify usual residents by their own assessment of their health."


def counts(*rows: tuple[str, str, int]) -> pl.DataFrame:
    """Long counts from ``(area_code, category, count)`` tuples."""
    return pl.DataFrame(
        [(code, f"Area {code[-3:]}", category, count) for code, category, count in rows],
        schema=["area_code", "area_name", "category", "count"],
        orient="row",
    )


def two_areas() -> pl.DataFrame:
    return counts(
        *[("E01000001", c, n) for c, n in zip(HEALTH, [10, 20, 30, 4, 1], strict=True)],
        *[("E01000002", c, n) for c, n in zip(HEALTH, [5, 5, 5, 5, 0], strict=True)],
    )


def write_nomis(path: Path, frame: pl.DataFrame, *, suffix: bool = False) -> Path:
    to_nomis_bulk(
        frame,
        topic="General health",
        total_label="Total: All usual residents",
        measures_suffix=suffix,
    ).write_csv(path)
    return path


def write_long(
    path: Path, frame: pl.DataFrame, *, category_column: str | None = "general_health"
) -> Path:
    long = frame.select(
        "area_code",
        "area_name",
        pl.lit("Lower-layer Super Output Area").alias("geography"),
        pl.lit("2021-03-21").alias("period"),
        pl.lit(INDICATOR).alias("indicator"),
        pl.col("category").alias(category_column or "indicator_category"),
        pl.lit("Count").alias("measure"),
        pl.lit("Persons").alias("unit"),
        pl.col("count").cast(pl.String).alias("value"),
    )
    if category_column is None:
        long = long.drop("indicator").rename({"indicator_category": "indicator"})
    long.write_csv(path)
    return path


def imported(path: Path, **options: object) -> pl.DataFrame:
    raw = read_census(path, **options)  # type: ignore[arg-type]
    return validate(tidy_census(raw).collect(), CensusCounts, where="test")


def test_category_label_strips_topic_and_suffix() -> None:
    assert category_label("General health: Very good health; measures: Value") == "Very good health"
    assert category_label("Tenure of household: Owned: Owns outright") == "Owned: Owns outright"


@pytest.mark.parametrize("suffix", [False, True])
def test_nomis_and_long_layouts_give_the_same_counts(tmp_path: Path, suffix: bool) -> None:
    nomis = imported(write_nomis(tmp_path / "nomis.csv", two_areas(), suffix=suffix))
    long = imported(write_long(tmp_path / "long.csv", two_areas()))
    columns = ["area_code", "census_year", "category", "count"]
    assert nomis.select(columns).equals(long.select(columns))
    assert nomis["published_total"].unique().sort().to_list() == [20, 65]
    assert long["published_total"].null_count() == long.height
    assert set(nomis["census_year"]) == {2021}


def test_long_layout_with_category_in_indicator(tmp_path: Path) -> None:
    frame = imported(write_long(tmp_path / "age.csv", two_areas(), category_column=None))
    assert sorted(set(frame["category"])) == sorted(HEALTH)


def test_subtotals_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "tenure.csv"
    pl.DataFrame(
        {
            "date": ["2021"],
            "geography": ["Area 001"],
            "geography code": ["E01000001"],
            "Tenure of household: Total: All households": ["10"],
            "Tenure of household: Owned": ["7"],
            "Tenure of household: Owned: Owns outright": ["3"],
            "Tenure of household: Owned: Owns with a mortgage or loan": ["4"],
            "Tenure of household: Private rented": ["3"],
        }
    ).write_csv(path)
    frame = imported(path)
    assert frame["category"].to_list() == [
        "Owned: Owns outright",
        "Owned: Owns with a mortgage or loan",
        "Private rented",
    ]
    assert frame["count"].sum() == 10


def test_suppressed_values_become_null_with_flag(tmp_path: Path) -> None:
    path = write_long(tmp_path / "long.csv", two_areas())
    text = (
        path.read_text()
        .replace(",Persons,4\n", ",Persons,c\n")
        .replace(",Persons,0\n", ",Persons,[x]\n")
    )
    path.write_text(text)
    frame = imported(path)
    flagged = frame.filter(pl.col("count_flag").is_not_null())
    assert flagged.select("category", "count", "count_flag").rows() == [
        ("Bad health", None, "c"),
        ("Very bad health", None, "x"),
    ]


def test_all_suppressed_table_imports_as_nulls_not_zeros(tmp_path: Path) -> None:
    path = write_long(tmp_path / "long.csv", two_areas())
    frame = pl.read_csv(path, infer_schema=False).with_columns(pl.lit("c").alias("value"))
    frame.write_csv(path)
    tidy = imported(path)
    assert tidy["count"].null_count() == tidy.height
    assert set(tidy["count_flag"]) == {"c"}


def test_totals_that_do_not_add_up_fail_validation(tmp_path: Path) -> None:
    path = write_nomis(tmp_path / "nomis.csv", two_areas())
    frame = pl.read_csv(path, infer_schema=False)
    total = "General health: Total: All usual residents"
    frame.with_columns(pl.lit("999").alias(total)).write_csv(path)
    with pytest.raises(ValidationFailedError, match="do not add up to the published total"):
        imported(path)


def test_wrong_geography_fails_with_codes_and_advice(tmp_path: Path) -> None:
    frame = two_areas().with_columns(pl.col("area_code").str.replace("^E01", "E02"))
    path = write_nomis(tmp_path / "msoa.csv", frame)
    with pytest.raises(
        InputError, match=r"2 area code\(s\) are not LSOA codes.*E02000001.*LSOA version"
    ):
        read_census(path)
    assert read_census(path, geography="msoa").collect().height == 12


def test_expected_categories_are_enforced(tmp_path: Path) -> None:
    frame = two_areas().with_columns(pl.col("category").replace({"Fair health": "Fair"}))
    path = write_long(tmp_path / "renamed.csv", frame)
    with pytest.raises(InputError, match=r"Missing: \['Fair health'\]. Unexpected: \['Fair'\]"):
        read_census(path, categories=HEALTH)
    fixed = read_census(path, categories=HEALTH, aliases={"Fair": "Fair health"}).collect()
    assert "Fair health" in fixed["category"].to_list()


def test_empty_file_after_header_fails(tmp_path: Path) -> None:
    path = write_long(tmp_path / "empty.csv", two_areas().clear())
    with pytest.raises(InputError, match="has no rows of data"):
        read_census(path)


def test_unknown_layout_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("code,number\nE01000001,3\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a Census 2021 topic summary"):
        read_census(path)


def test_non_numeric_count_fails_naming_line_and_column(tmp_path: Path) -> None:
    path = write_long(tmp_path / "long.csv", two_areas())
    path.write_text(path.read_text().replace(",Persons,4\n", ",Persons,four\n"))
    with pytest.raises(
        InputError, match=r"line 5: column 'value' holds 'four', which is not a count \(not a whole"
    ):
        read_census(path)


def test_census_2011_table_is_named(tmp_path: Path) -> None:
    path = write_nomis(tmp_path / "qs104.csv", two_areas())
    text = path.read_text(encoding="utf-8").replace(
        "Total: All usual residents", "All categories: All usual residents"
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"looks like a Census 2011 table .*All categories"):
        read_census(path)


def test_a_2011_date_is_named(tmp_path: Path) -> None:
    path = write_long(tmp_path / "long.csv", two_areas())
    path.write_text(
        path.read_text(encoding="utf-8").replace("2021-03-21", "2011-03-27"), encoding="utf-8"
    )
    with pytest.raises(InputError, match=r"date/period column holds 2011, not 2021"):
        read_census(path)
    assert read_census(path, year=2011).collect().height == 10
    assert read_census(path, year=None).collect().height == 10


@pytest.mark.parametrize("bad", ["NaN", "inf", "-Infinity"])
def test_non_finite_counts_name_line_and_column(tmp_path: Path, bad: str) -> None:
    path = write_nomis(tmp_path / "nomis.csv", two_areas())
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].rsplit(",", 1)[0] + f",{bad}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(
        InputError, match=rf"line 3: column 'General health: Very bad health' holds '{bad}'"
    ):
        read_census(path)


def test_nomis_percent_measure_is_refused(tmp_path: Path) -> None:
    path = write_nomis(tmp_path / "nomis.csv", two_areas(), suffix=True)
    path.write_text(
        path.read_text(encoding="utf-8").replace("measures: Value", "measures: Percent"),
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="holds percentages, but this pipeline needs counts"):
        read_census(path)


def test_an_empty_nomis_download_says_it_is_empty(tmp_path: Path) -> None:
    path = write_nomis(tmp_path / "nomis.csv", two_areas())
    header = path.read_text(encoding="utf-8").splitlines()[0]
    path.write_text(header + "\n\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"has no rows of data \(only a header\)"):
        read_census(path)
