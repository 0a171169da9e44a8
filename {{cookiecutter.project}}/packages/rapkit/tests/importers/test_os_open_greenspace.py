"""Tests of the OS Open Greenspace pieces importer (the GIS export read as CSV)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from rapkit.errors import InputError
from rapkit.importers import os_open_greenspace as osg

HEADER = "LSOA11CD,piece_id,id,function,distName1,piece_area_m2"


def write(tmp_path: Path, text: str) -> Path:
    """Write a pieces CSV."""
    path = tmp_path / "pieces.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_and_renames_columns(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"{HEADER}\n"
        "E01000001,ab12,0A1B-SITE,Public Park Or Garden,Victoria Park,1234.50\n"
        "E01000001,ab12,0C3D-SITE,Play Space,,1234.50\n",
    )
    frame = osg.tidy_greenspace_pieces(osg.read_greenspace_pieces(path)).collect()
    assert frame.columns == [
        "lsoa_code",
        "piece_id",
        "site_id",
        "site_function",
        "site_name",
        "piece_area_m2",
    ]
    assert frame["site_name"].to_list() == ["Victoria Park", None]  # unnamed, not ""
    assert frame["piece_area_m2"].to_list() == [1234.5, 1234.5]


def test_quoted_empty_name_is_also_unnamed(tmp_path: Path) -> None:
    path = write(tmp_path, f'{HEADER}\nE01000001,ab12,S1,Play Space,"",10\n')
    frame = osg.tidy_greenspace_pieces(osg.read_greenspace_pieces(path)).collect()
    assert frame["site_name"].to_list() == [None]


def test_export_with_2021_codes_fails_when_2011_is_configured(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER.replace("LSOA11CD", "LSOA21CD") + "\n")
    with pytest.raises(InputError, match=r"'LSOA11CD' \(did you mean 'LSOA21CD'\?\)"):
        osg.read_greenspace_pieces(path, vintage="2011")


def test_non_numeric_area_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER}\nE01000001,ab12,S1,Play Space,,12 m2\n")
    with pytest.raises(pl.exceptions.InvalidOperationError, match="12 m2"):
        osg.tidy_greenspace_pieces(osg.read_greenspace_pieces(path)).collect()
