"""Tests of the indices of deprivation summary importer, both layouts, and the vintage check."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pandera.polars as pa
import polars as pl
import pytest

from rapkit.errors import InputError, ValidationFailedError
from rapkit.importers.iod import (
    InDeprivation,
    IodSummary,
    read_iod_summary,
    tidy_iod_summary,
    with_deprivation,
)
from rapkit.validation import validate

HEADER_2019 = (
    "lad19cd,lad19nm,index_domain,average_rank,rank_average_rank,average_score,"
    "rank_average_score,proportion_bottom_decile,rank_proportion_bottom_decile,year"
)
HEADER_2025 = (
    "area_code,area_name,area_type,deprivation_data_year,index_domain,average_rank,"
    "rank_average_rank,average_score,rank_average_score,proportion_bottom_decile,"
    "rank_proportion_bottom_decile"
)


def iod2025_row(
    code: str, domain: str, score: str = "30.5", rank: str = "1", bottom: str = "0.2"
) -> str:
    """One row in the IoD2025 long layout (made-up values)."""
    return (
        f'{code},Authority {code[-3:]},Local Authority District (2024),2025,"{domain}",'
        f"20000.5,{rank},{score},{rank},{bottom},{rank}"
    )


def write(path: Path, header: str, *rows: str) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def read(path: Path, **options: str) -> pl.DataFrame:
    """Read, tidy and validate one domain."""
    raw = read_iod_summary(path, **options)
    return validate(tidy_iod_summary(raw).collect(), IodSummary, where="test")


def test_reads_the_2025_layout_and_one_domain(tmp_path: Path) -> None:
    path = write(
        tmp_path / "iod.csv",
        HEADER_2025,
        iod2025_row("E06000101", "Index of Multiple Deprivation", "30.5", "1"),
        iod2025_row("E06000101", "Income Deprivation Affecting Children", "0.3", "1"),
        iod2025_row("E09000102", "Index of Multiple Deprivation", "12.25", "2", "0"),
        iod2025_row("E09000102", "Income Deprivation Affecting Children", "0.1", "2", "0"),
    )
    imd = read(path)
    assert imd.select("area_code", "iod_year", "index_domain", "average_score").rows() == [
        ("E06000101", 2025, "imd", 30.5),
        ("E09000102", 2025, "imd", 12.25),
    ]
    assert imd["bottom_decile_frac"].to_list() == [0.2, 0.0]
    idaci = read(path, domain="idaci")
    assert idaci["average_score"].to_list() == [0.3, 0.1]


def test_reads_the_2019_layout_with_its_labels_and_scientific_notation(tmp_path: Path) -> None:
    path = write(
        tmp_path / "iod.csv",
        HEADER_2019,
        "E06000007,Warrington,Index of Multiple Deprivation,14277.87,175,18.942,148,7.8700000000000006E-2,96,2019",
        'E06000010,"Kingston upon Hull, City of",Index of Multiple Deprivation,25222.75,9,40.564,4,0.4518,4,2019',
        "E06000007,Warrington,Health and Disability,14000.1,170,-0.1,160,0.01,90,2019",
    )
    imd = read(path)
    assert imd["area_name"].to_list() == ["Warrington", "Kingston upon Hull, City of"]
    assert imd["bottom_decile_frac"].to_list() == pytest.approx([0.0787, 0.4518])
    assert imd["iod_year"].to_list() == [2019, 2019]
    assert read(path, domain="health")["average_score"].to_list() == [-0.1]


def test_unknown_domain_key_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path / "iod.csv", HEADER_2025, iod2025_row("E06000101", "Crime"))
    with pytest.raises(InputError, match="Unknown deprivation domain 'IMD'"):
        read_iod_summary(path, domain="IMD")


def test_unknown_domain_label_in_file_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path / "iod.csv", HEADER_2025, iod2025_row("E06000101", "Crime Domain"))
    with pytest.raises(InputError, match=r"domain label\(s\) this importer does not know"):
        read_iod_summary(path)


def test_domain_absent_from_file_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path / "iod.csv", HEADER_2025, iod2025_row("E06000101", "Crime"))
    with pytest.raises(InputError, match="no rows for the domain 'imd'"):
        read_iod_summary(path)


def test_unrecognised_layout_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path / "iod.csv", "LAD19CD,IMD score", "E06000001,35.0")
    with pytest.raises(InputError, match="not an indices of deprivation summary") as err:
        read_iod_summary(path)
    assert "LAD19CD" in str(err.value)


def test_county_code_in_a_district_summary_fails(tmp_path: Path) -> None:
    path = write(
        tmp_path / "iod.csv", HEADER_2025, iod2025_row("E10000016", "Index of Multiple Deprivation")
    )
    with pytest.raises(InputError, match="not LAD codes") as err:
        read_iod_summary(path)
    assert "E10000016" in str(err.value)
    assert read_iod_summary(path, geography="utla").collect().height == 1


def test_schema_rejects_percentages_where_fractions_belong(tmp_path: Path) -> None:
    path = write(
        tmp_path / "iod.csv",
        HEADER_2025,
        iod2025_row("E06000101", "Index of Multiple Deprivation", bottom="36.2"),
    )
    with pytest.raises(ValidationFailedError, match="bottom_decile_frac"):
        read(path)


def test_schema_rejects_an_area_twice(tmp_path: Path) -> None:
    row = iod2025_row("E06000101", "Index of Multiple Deprivation")
    with pytest.raises(ValidationFailedError, match="area_code"):
        read(write(tmp_path / "iod.csv", HEADER_2025, row, row))


class Joined(InDeprivation):
    """A minimal schema of a frame joined to the deprivation summary."""

    la_code: pl.String
    value: pl.Int64
    iod_year: pl.Int64 = pa.Field(nullable=True)

    class Config:
        """Only the columns kept below."""

        strict = True
        unique: ClassVar[list[str]] = ["la_code"]


def deprivation(*codes: str) -> pl.LazyFrame:
    return pl.LazyFrame(
        {"area_code": list(codes), "area_name": list(codes), "iod_year": [2025] * len(codes)}
    )


def test_join_keeps_every_row_and_adds_deprivation() -> None:
    frame = pl.LazyFrame({"la_code": ["E06000061", "E06000062"], "value": [1, 2]})
    joined = with_deprivation(frame, deprivation("E06000061", "E06000062"), on="la_code")
    result = validate(joined.collect(), Joined, where="test")
    assert result["iod_year"].to_list() == [2025, 2025]
    assert "area_name" not in result.columns


def test_code_from_an_old_vintage_fails_by_name_instead_of_dropping() -> None:
    # KS4 data for 2019/20 uses Northamptonshire (E10000021); IoD2025 has its successors.
    frame = pl.LazyFrame({"la_code": ["E10000021", "E06000061"], "value": [1, 2]})
    joined = with_deprivation(frame, deprivation("E06000061", "E06000062"), on="la_code")
    collected = joined.collect()
    assert collected.height == 2, "the join must not drop the unmatched authority"
    with pytest.raises(ValidationFailedError, match="another geography vintage") as err:
        validate(collected, Joined, where="test")
    assert "E10000021" in str(err.value)
    assert "in 1 row(s)" in str(err.value)
    assert "'la_code': 'E06000061'" not in str(err.value)


def test_duplicate_codes_in_the_summary_fail_the_join() -> None:
    frame = pl.LazyFrame({"la_code": ["E06000061"], "value": [1]})
    with pytest.raises(pl.exceptions.ComputeError):
        with_deprivation(frame, deprivation("E06000061", "E06000061"), on="la_code").collect()
