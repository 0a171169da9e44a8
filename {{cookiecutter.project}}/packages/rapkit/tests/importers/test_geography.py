"""Tests of the ONS LSOA lookup importer and the vintage check on joins."""

from __future__ import annotations

from pathlib import Path

import pandera.polars as pa
import polars as pl
import pytest

from rapkit.errors import InputError, ValidationFailedError
from rapkit.importers.geography import (
    InLookup,
    LsoaLookup,
    read_lsoa_lookup,
    synthetic_lsoa_lookup,
    tidy_lsoa_lookup,
    with_lookup,
)
from rapkit.validation import validate

LOOKUP_CSV = """OA21CD,LSOA21CD,LSOA21NM,MSOA21CD,MSOA21NM,LAD22CD,LAD22NM,ObjectId
E00000001,E01000001,Area 001A,E02000001,Area 001,E08000001,Borough,1
E00000002,E01000001,Area 001A,E02000001,Area 001,E08000001,Borough,2
E00000003,E01000002,Area 001B,E02000001,Area 001,E08000001,Borough,3
"""


class Joined(InLookup):
    """A frame with a local authority for every area."""

    area_code: pl.String
    lad_code: pl.String = pa.Field(nullable=True)


def lookup(tmp_path: Path) -> pl.LazyFrame:
    path = tmp_path / "lookup.csv"
    path.write_text(LOOKUP_CSV, encoding="utf-8")
    tidy = validate(tidy_lsoa_lookup(read_lsoa_lookup(path)).collect(), LsoaLookup, where="test")
    return tidy.lazy()


def test_output_area_rows_collapse_to_one_row_per_lsoa(tmp_path: Path) -> None:
    frame = lookup(tmp_path).collect()
    assert frame["lsoa_code"].to_list() == ["E01000001", "E01000002"]
    assert frame.columns == [
        "lsoa_code",
        "lsoa_name",
        "msoa_code",
        "msoa_name",
        "lad_code",
        "lad_name",
    ]


def test_codes_missing_from_lookup_fail_by_name(tmp_path: Path) -> None:
    data = pl.LazyFrame({"area_code": ["E01000001", "E01099999"]})
    joined = with_lookup(data, lookup(tmp_path)).select("area_code", "lad_code").collect()
    with pytest.raises(ValidationFailedError, match=r"not in the LSOA 2021 lookup[\s\S]*E01099999"):
        validate(joined, Joined, where="join")


def test_synthetic_lookup_reads_back_through_the_real_importer(tmp_path: Path) -> None:
    lads = [("E08000001", "Borough"), ("E06000001", "Town")]
    frame = synthetic_lsoa_lookup(12, lads, lsoas_per_msoa=3)
    path = tmp_path / "lookup.csv"
    frame.write_csv(path)
    tidy = validate(tidy_lsoa_lookup(read_lsoa_lookup(path)).collect(), LsoaLookup, where="test")
    assert tidy.height == 12
    assert tidy["msoa_code"].n_unique() == 4, "12 LSOAs in MSOAs of 3"
    assert tidy.filter(pl.col("lsoa_code") == "E01100001")["lsoa_name"].item() == "Borough 001A"
    assert tidy.filter(pl.col("lsoa_code") == "E01100004")["lsoa_name"].item() == "Town 001A"
    assert tidy.filter(pl.col("lsoa_code") == "E01100007")["lsoa_name"].item() == "Borough 002A"
    assert set(tidy["lad_code"]) == {"E08000001", "E06000001"}


def test_synthetic_codes_keep_nine_characters_and_stay_distinct_at_any_size() -> None:
    # Codes start at E01100001: past 899,999 LSOAs they wrap round instead of growing a digit.
    frame = synthetic_lsoa_lookup(950_000, [("E06000001", "Sampleton")])
    for column in ("LSOA21CD", "MSOA21CD"):
        assert frame[column].str.contains(r"^E0[12]\d{6}$").all(), column
    assert frame["LSOA21CD"].n_unique() == frame.height
    assert frame.filter(pl.col("ObjectId") == 1)["LSOA21CD"].item() == "E01100001"


def test_an_lsoa_listed_twice_fails_naming_the_code(tmp_path: Path) -> None:
    # Without an OA21CD column a repeated LSOA is a fault in the file, not output areas.
    path = tmp_path / "lookup.csv"
    row = "E01000002,Area 001B,E02000001,Area 001,E08000001,Borough\n"
    path.write_text("LSOA21CD,LSOA21NM,MSOA21CD,MSOA21NM,LAD22CD,LAD22NM\n" + row + row)
    with pytest.raises(ValidationFailedError, match=r"lsoa_code[\s\S]*E01000002"):
        validate(tidy_lsoa_lookup(read_lsoa_lookup(path)).collect(), LsoaLookup, where="test")


def test_a_2011_lookup_is_refused_by_its_vintage(tmp_path: Path) -> None:
    path = tmp_path / "lookup.csv"
    path.write_text(LOOKUP_CSV.replace("21", "11").replace("LAD22", "LAD11"), encoding="utf-8")
    with pytest.raises(InputError, match=r"lookup\.csv is an LSOA 2011 lookup"):
        read_lsoa_lookup(path)
