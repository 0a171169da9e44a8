"""Tests of the ONS parks table importer: headers, markers, filtering and empty input."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from rapkit.errors import InputError
from rapkit.importers import ons_green_space as ons

# The "LSOA Parks only" header as published, double spaces included.
HEADER = [
    "Country code",
    "Country name",
    "Region code",
    "Region name",
    "LAD code",
    "LAD name",
    "MSOA code",
    "MSOA name",
    "LSOA code",
    "LSOA name",
    "Number of postcodes within built up area",
    "Average distance to nearest Park or Public Garden (m)",
    "Average size of nearest Park or Public Garden (m2)",
    "Average number of  Parks or Public Gardens within 1,000 m radius",
    "Average combined size of  Parks or Public Gardens within 1,000 m radius (m2)",
]
PLACE = ["E92000001", "England", "E12000002", "North West", "E08000001", "Northtown"]


def row(lsoa: str, *values: str, lad: str = "E08000001") -> list[str]:
    """One data row: place columns, the LSOA, then the five numeric cells as text."""
    return [*PLACE[:4], lad, PLACE[5], "E02000001", "Northtown 001", lsoa, f"{lsoa} name", *values]


def write(tmp_path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    """Write a CSV like Excel's 'CSV UTF-8' export of the sheet."""
    path = tmp_path / "parks.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def tidy(path: Path) -> pl.DataFrame:
    """Read and type a file."""
    return ons.tidy_parks_access(ons.read_parks_access(path)).collect()


def test_reads_published_header_and_types_values(tmp_path: Path) -> None:
    path = write(tmp_path, [row("E01000001", "12", "250.5", "18000", "3.25", "64000")])
    frame = tidy(path)
    assert frame.row(0, named=True) == {
        "lsoa_code": "E01000001",
        "lsoa_name": "E01000001 name",
        "msoa_code": "E02000001",
        "lad_code": "E08000001",
        "lad_name": "Northtown",
        "postcodes_in_bua": 12,
        "park_distance_m": 250.5,
        "nearest_park_area_m2": 18_000.0,
        "parks_within_1000m": 3.25,
        "parks_area_within_1000m_m2": 64_000.0,
        "access_flag": None,
    }


@pytest.mark.parametrize(
    "variant",
    [
        # Re-saved by a tool that collapsed the publisher's double spaces.
        [h.replace("  ", " ") for h in HEADER],
        # Different case and trailing spaces.
        [f"{h.upper()} " for h in HEADER],
        # The "LSOA Parks and Playing Fields" sheet.
        [
            h.replace("Park or Public Garden", "Park, Public Garden, or Playing Field").replace(
                "Parks or Public Gardens", "Parks, Public Gardens, or Playing Fields"
            )
            for h in HEADER
        ],
    ],
    ids=["single-spaces", "case-and-padding", "playing-fields-sheet"],
)
def test_accepts_header_variants(tmp_path: Path, variant: list[str]) -> None:
    path = write(tmp_path, [row("E01000001", "12", "250", "18000", "3", "64000")], variant)
    assert tidy(path)["park_distance_m"].item() == 250.0


def test_reports_which_sites_the_sheet_counts() -> None:
    assert ons.site_definition(HEADER) == ons.SITES_PARKS_ONLY
    fields = [
        h.replace("Park or Public Garden", "Park, Public Garden, or Playing Field") for h in HEADER
    ]
    assert ons.site_definition(fields) == ons.SITES_WITH_PLAYING_FIELDS


def test_missing_column_names_the_published_header(tmp_path: Path) -> None:
    path = write(tmp_path, [row("E01000001", "12", "250", "18000", "3")], HEADER[:-1])
    with pytest.raises(InputError) as error:
        ons.read_parks_access(path)
    message = str(error.value)
    assert (
        "'Average combined size of  Parks or Public Gardens within 1,000 m radius (m2)'" in message
    )
    assert "CSV UTF-8" in message


def test_gardens_sheet_is_not_mistaken_for_parks(tmp_path: Path) -> None:
    header = ["LAD code", "LAD name", "Address count", "Adress with private outdoor space count"]
    path = write(tmp_path, [["E08000001", "Northtown", "100", "80"]], header)
    with pytest.raises(InputError, match="is not an ONS 'LSOA Parks only'"):
        ons.read_parks_access(path)


@pytest.mark.parametrize("marker", ["", "[x]", "x", "c", "[c]", ":", "..", "z", "[Z]"])
def test_markers_become_null_with_a_flag_never_zero(tmp_path: Path, marker: str) -> None:
    path = write(tmp_path, [row("E01000001", "0", marker, marker, marker, marker)])
    got = tidy(path).row(0, named=True)
    assert got["postcodes_in_bua"] == 0
    assert got["park_distance_m"] is None
    assert got["parks_within_1000m"] is None
    # The flag keeps the marker, lower-cased and without brackets ("blank" for an empty cell).
    assert got["access_flag"] == (marker.lower().strip("[]") or "blank")


def test_a_real_zero_stays_zero_without_a_flag(tmp_path: Path) -> None:
    path = write(tmp_path, [row("E01000001", "10", "1800", "500", "0", "0")])
    got = tidy(path).row(0, named=True)
    assert (got["parks_within_1000m"], got["access_flag"]) == (0.0, None)


def test_thousands_separators_are_read(tmp_path: Path) -> None:
    path = write(tmp_path, [row("E01000001", "1,204", "1,250.5", "18,000", "3", "1,064,000")])
    got = tidy(path).row(0, named=True)
    assert (got["postcodes_in_bua"], got["park_distance_m"]) == (1204, 1250.5)
    assert got["parks_area_within_1000m_m2"] == 1_064_000.0


def test_text_in_a_numeric_column_is_an_error_not_a_null(tmp_path: Path) -> None:
    path = write(tmp_path, [row("E01000001", "12", "250m", "18000", "3", "64000")])
    with pytest.raises(pl.exceptions.InvalidOperationError, match="250m"):
        tidy(path)


def test_select_lads_keeps_only_configured_lads(tmp_path: Path) -> None:
    rows = [
        row("E01000001", "12", "250", "1", "1", "1"),
        row("E01000002", "12", "300", "1", "1", "1", lad="E08000002"),
    ]
    access = ons.tidy_parks_access(ons.read_parks_access(write(tmp_path, rows)))
    kept = ons.select_lads(access, ["E08000002"]).collect()
    assert kept["lsoa_code"].to_list() == ["E01000002"]
    assert ons.select_lads(access, []).collect().height == 2


def test_empty_after_filtering_fails_and_lists_codes_present(tmp_path: Path) -> None:
    access = ons.tidy_parks_access(
        ons.read_parks_access(write(tmp_path, [row("E01000001", "12", "250", "1", "1", "1")]))
    )
    # Northamptonshire's pre-2021 county code: a code from another vintage of LADs.
    with pytest.raises(InputError, match=r"No rows left .*E10000021.*include: E08000001"):
        ons.select_lads(access, ["E10000021"])


def test_all_suppressed_input_fails_clearly(tmp_path: Path) -> None:
    rows = [
        row("E01000001", "0", "", "", "", ""),
        row("E01000002", "3", "[c]", "[c]", "[c]", "[c]"),
    ]
    access = ons.tidy_parks_access(ons.read_parks_access(write(tmp_path, rows)))
    with pytest.raises(InputError, match=r"all 2 row\(s\).*markers: blank, c\)"):
        ons.require_some_values(access, where="test")


def test_some_values_are_enough(tmp_path: Path) -> None:
    rows = [row("E01000001", "0", "", "", "", ""), row("E01000002", "3", "200", "1", "1", "1")]
    access = ons.tidy_parks_access(ons.read_parks_access(write(tmp_path, rows)))
    ons.require_some_values(access, where="test")  # does not raise


def test_header_only_file_fails_as_empty(tmp_path: Path) -> None:
    access = ons.tidy_parks_access(ons.read_parks_access(write(tmp_path, [])))
    with pytest.raises(InputError, match="no rows to analyse"):
        ons.require_some_values(access, where="test")
    with pytest.raises(InputError, match="No rows left"):
        ons.select_lads(access, ["E08000001"])
