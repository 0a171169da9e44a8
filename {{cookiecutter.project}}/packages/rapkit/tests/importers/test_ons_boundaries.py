"""Tests of the ONS Open Geography LSOA boundaries importer: vintages, units, code lookups."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from rapkit.errors import InputError
from rapkit.importers import ons_boundaries as geo

HEADER_2011 = (
    "FID,LSOA11CD,LSOA11NM,LSOA11NMW,BNG_E,BNG_N,LONG,LAT,Shape__Area,Shape__Length,GlobalID"
)
ROWS_2011 = [
    (
        "1,E01000001,City of London 001A,City of London 001A,532129,181625,-0.09706,51.51810,"
        "133320.768872,2291.846072,a1b2c3d4-0000-0000-0000-000000000001"
    ),
    (
        "2,W01000001,Isle of Anglesey 001A,Ynys Môn 001A,245710,390290,-4.32980,53.38390,"
        "2601187.5,9823.1,a1b2c3d4-0000-0000-0000-000000000002"
    ),
]


def write(tmp_path: Path, header: str, rows: list[str]) -> Path:
    """Write a boundaries CSV export."""
    path = tmp_path / "boundaries.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_reads_codes_names_and_areas(tmp_path: Path) -> None:
    frame = geo.tidy_lsoa_boundaries(
        geo.read_lsoa_boundaries(write(tmp_path, HEADER_2011, ROWS_2011))
    )
    assert frame.collect().rows() == [
        ("E01000001", "City of London 001A", 133320.768872),
        ("W01000001", "Isle of Anglesey 001A", 2601187.5),
    ]


def test_2021_file_with_2011_configured_fails_naming_both_vintages(tmp_path: Path) -> None:
    header = HEADER_2011.replace("11", "21")
    path = write(tmp_path, header, [r.replace("E01000001", "E01035001") for r in ROWS_2011])
    with pytest.raises(InputError, match=r"LSOA 2021 codes \(column 'LSOA21CD'\).*LSOA 2011"):
        geo.read_lsoa_boundaries(path, vintage="2011")
    assert geo.read_lsoa_boundaries(path, vintage="2021").collect().height == 2


def test_missing_area_column_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER_2011.replace("Shape__Area", "Area"), ROWS_2011)
    with pytest.raises(InputError, match=r"missing required column.*'Shape__Area'"):
        geo.read_lsoa_boundaries(path)


def test_unknown_vintage_is_rejected() -> None:
    with pytest.raises(InputError, match="lsoa_vintage must be one of 2011, 2021"):
        geo.code_column("2001")


def test_missing_area_is_an_error_not_zero(tmp_path: Path) -> None:
    rows = [ROWS_2011[0].replace("133320.768872", "")]
    frame = geo.tidy_lsoa_boundaries(geo.read_lsoa_boundaries(write(tmp_path, HEADER_2011, rows)))
    assert frame.collect()["lsoa_area_m2"].to_list() == [None]  # the schema's gt=0 refuses null


@pytest.mark.parametrize(
    ("areas", "ok"),
    [
        ([133_320.8, 2_601_187.5], True),
        ([0.0000152, 0.0003], False),  # square degrees: exported in WGS84 longitude/latitude
        ([13.33, 260.1], False),  # hectares
        ([3_000_000_000.0], False),  # larger than any LSOA: wrong layer or units
    ],
)
def test_area_units_are_checked(areas: list[float], ok: bool) -> None:
    frame = pl.DataFrame({"lsoa_area_m2": areas})
    if ok:
        geo.check_area_units(frame, where="test")
    else:
        with pytest.raises(InputError, match=r"not plausible in square metres.*EPSG:27700"):
            geo.check_area_units(frame, where="test")


def test_require_known_codes_passes_when_every_code_is_in_the_lookup() -> None:
    lookup = pl.LazyFrame({"lsoa_code": ["E01000001", "E01000002"]})
    geo.require_known_codes(
        pl.LazyFrame({"lsoa_code": ["E01000002", "E01000002"]}), lookup, source="x", vintage="2011"
    )


def test_require_known_codes_lists_codes_of_another_vintage() -> None:
    lookup = pl.LazyFrame({"lsoa_code": ["E01000001"]})
    codes = pl.LazyFrame({"lsoa_code": ["E01000001", *(f"E010350{i:02d}" for i in range(12))]})
    with pytest.raises(InputError) as error:
        geo.require_known_codes(codes, lookup, source="the test file", vintage="2011")
    message = str(error.value)
    assert message.startswith("12 LSOA code(s) in the test file are not LSOA 2011 codes")
    assert "E01035000, E01035001" in message
    assert "E01035011" not in message  # at most ten listed
    assert "2011 to 2021" in message
