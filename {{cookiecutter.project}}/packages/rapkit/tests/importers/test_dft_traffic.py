"""Tests of the DfT road traffic AADF importer."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from rapkit.errors import InputError, ValidationFailedError
from rapkit.importers.dft_traffic import (
    TrafficCounts,
    read_traffic_counts,
    tidy_traffic_counts,
)
from rapkit.validation import validate

HEADER = (
    "count_point_id,year,region_id,region_name,local_authority_id,local_authority_name,"
    "local_authority_code,road_name,easting,northing,estimation_method,"
    "estimation_method_detailed,pedal_cycles,two_wheeled_motor_vehicles,cars_and_taxis,"
    "all_motor_vehicles\n"
)


def write(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "dft_traffic_counts_aadf.csv"
    path.write_text(HEADER + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    return path


def row(point: int, year: int, cycles: str, cars: str, method: str = "Counted") -> str:
    return (
        f"{point},{year},4,North West,91,Trafford,E08000009,A56,378000,394000,"
        f"{method},Manual count,{cycles},10,{cars},5000"
    )


def tidy(path: Path) -> pl.DataFrame:
    return validate(
        tidy_traffic_counts(read_traffic_counts(path)).collect(), TrafficCounts, where="test"
    )


def test_reads_the_columns_it_needs_and_types_them(tmp_path: Path) -> None:
    table = tidy(write(tmp_path, row(2, 2023, "40", "4000"), row(1, 2023, "7", "900", "Estimated")))
    assert table.rows() == [(1, 2023, "Estimated", 7, 900), (2, 2023, "Counted", 40, 4000)]


def test_missing_flow_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "aadf.csv"
    path.write_text("count_point_id,year,estimation_method,pedalcycles,cars_and_taxis\n")
    with pytest.raises(InputError, match="'pedal_cycles'"):
        read_traffic_counts(path)


def test_non_numeric_flow_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(pl.exceptions.InvalidOperationError):
        tidy(write(tmp_path, row(1, 2023, "x", "900")))


def test_blank_flow_fails_the_schema_rather_than_becoming_zero(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailedError, match="pedal_cycles"):
        tidy(write(tmp_path, row(1, 2023, "", "900")))


def test_duplicate_point_and_year_fails_schema(tmp_path: Path) -> None:
    path = write(tmp_path, row(1, 2023, "7", "900"), row(1, 2023, "8", "901"))
    with pytest.raises(ValidationFailedError, match="count_point_id"):
        tidy(path)


def test_unknown_estimation_method_fails_schema(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailedError, match="estimation_method"):
        tidy(write(tmp_path, row(1, 2023, "7", "900", "Guessed")))
