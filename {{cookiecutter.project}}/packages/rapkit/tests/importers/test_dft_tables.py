"""Tests of the DfT table importer: preamble rows, year headers, markers and notes rows."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from rapkit.errors import InputError, ValidationFailedError
from rapkit.importers.dft_tables import (
    DftAreaTable,
    find_header_row,
    read_dft_table,
    snake_case,
    tidy_dft_table,
)
from rapkit.validation import validate

PREAMBLE = (
    "CW0301: Proportion of adults who walk or cycle [note 1],,,,,,,\n"
    "This worksheet contains one table.,,,,,,,\n"
    "Source: Active Lives Survey,,,,,,,\n"
    ",,,,,,,\n"
)
HEADER = "ONS Code,Area name,Class,Mode,Purpose,Frequency,2022,2023 [note 5]\n"
ROWS = (
    "E08000009,Trafford,MD,Walking or cycling,Travel,At least once per week,48.2,[x]\n"
    "E06000001,Hartlepool,UA,Walking or cycling,Travel,At least once per week,[c],41.0\n"
    "E09000001,City of London,LB,Walking or cycling,Travel,At least once per week,,55.5\n"
)
NOTES = ",,,,,,,\nNote 1: see the notes sheet,,,,,,,\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cw0301.csv"
    path.write_text(text, encoding="utf-8")
    return path


def tidy(path: Path, **options: int | None) -> pl.DataFrame:
    raw = read_dft_table(path, **options)  # type: ignore[arg-type]
    return validate(tidy_dft_table(raw).collect(), DftAreaTable, where="test")


def test_snake_case_of_published_headers() -> None:
    assert snake_case("ONS Code") == "ons_code"
    assert snake_case(" Area name ") == "area_name"


@pytest.mark.parametrize("preamble", ["", PREAMBLE])
def test_header_found_with_or_without_preamble(tmp_path: Path, preamble: str) -> None:
    path = write(tmp_path, preamble + HEADER + ROWS)
    assert find_header_row(path) == preamble.count("\n")
    table = tidy(path)
    assert table.columns == [
        "area_code",
        "area_name",
        "class",
        "mode",
        "purpose",
        "frequency",
        "year",
        "value",
        "value_flag",
    ]
    assert table.height == 6


def test_markers_become_nulls_with_flags_never_zero(tmp_path: Path) -> None:
    table = tidy(write(tmp_path, PREAMBLE + HEADER + ROWS)).sort("area_code", "year")
    cells = {(r["area_code"], r["year"]): (r["value"], r["value_flag"]) for r in table.to_dicts()}
    assert cells[("E08000009", 2022)] == (48.2, None)
    assert cells[("E08000009", 2023)] == (None, "x")  # "2023 [note 5]" read as 2023
    assert cells[("E06000001", 2022)] == (None, "c")
    assert cells[("E09000001", 2022)] == (None, "blank")
    assert cells[("E09000001", 2023)] == (55.5, None)


def test_all_suppressed_table_is_all_null_not_zero(tmp_path: Path) -> None:
    rows = "E08000009,Trafford,MD,Cycling,Any,At least once per week,[c],[c]\n"
    table = tidy(write(tmp_path, HEADER + rows))
    assert table["value"].null_count() == 2
    assert table["value_flag"].to_list() == ["c", "c"]


def test_notes_and_blank_rows_under_the_table_are_dropped(tmp_path: Path) -> None:
    table = tidy(write(tmp_path, PREAMBLE + HEADER + ROWS + NOTES))
    assert sorted(table["area_code"].unique()) == ["E06000001", "E08000009", "E09000001"]


def test_explicit_preamble_count_is_checked(tmp_path: Path) -> None:
    path = write(tmp_path, PREAMBLE + HEADER + ROWS)
    assert tidy(path, skip_rows=4).height == 6
    with pytest.raises(InputError, match=r"after 3 preamble row.*but it is after 4"):
        read_dft_table(path, skip_rows=3)


def test_file_without_the_header_fails_clearly(tmp_path: Path) -> None:
    path = write(tmp_path, "Code,Name,2023\nE08000009,Trafford,1\n")
    with pytest.raises(InputError, match="no header row starting with 'ONS Code'"):
        read_dft_table(path)


def test_file_without_year_columns_fails_clearly(tmp_path: Path) -> None:
    path = write(tmp_path, "ONS Code,Area name,Value\nE08000009,Trafford,1\n")
    with pytest.raises(InputError, match="no year columns"):
        read_dft_table(path)


def test_text_that_is_not_a_number_or_marker_fails(tmp_path: Path) -> None:
    rows = "E08000009,Trafford,MD,Cycling,Any,Weekly,about 5,1\n"
    with pytest.raises(pl.exceptions.InvalidOperationError):
        tidy(write(tmp_path, HEADER + rows))


def test_schema_rejects_a_bad_area_code(tmp_path: Path) -> None:
    rows = "Trafford,Trafford,MD,Cycling,Any,Weekly,5,1\n"
    with pytest.raises(ValidationFailedError, match="area_code"):
        tidy(write(tmp_path, HEADER + rows))


def test_table_with_only_notes_under_the_header_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no rows of data under it"):
        read_dft_table(write(tmp_path, PREAMBLE + HEADER + NOTES))
