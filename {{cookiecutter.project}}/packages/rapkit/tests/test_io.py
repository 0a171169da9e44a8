"""Tests of safe reading and atomic writing."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapkit.errors import InputError
from rapkit.io import (
    atomic_write_bytes,
    check_columns,
    csv_bytes,
    read_header,
    scan_text_csv,
    write_frames_atomically,
)


def test_read_header_handles_bom_and_quotes(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b'\xef\xbb\xbf"area code","value; measures: Value"\nE01000001,1\n')
    assert read_header(path) == ["area code", "value; measures: Value"]


def test_read_header_skips_preamble(tmp_path: Path) -> None:
    path = tmp_path / "preamble.csv"
    path.write_text("Title of the table\nSource: somebody\na,b\n1,2\n", encoding="utf-8")
    assert read_header(path, skip_rows=2) == ["a", "b"]


def test_empty_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="is empty"):
        read_header(path)


def test_legacy_encoding_gives_line_number(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("name,value\nok,1\nCaf\u00e9,2\n".encode("cp1252"))
    with pytest.raises(InputError, match=r"line 3.*CSV UTF-8"):
        read_header(path)


def test_missing_columns_suggest_close_names(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"'area_code' \(did you mean 'area code'\?\)"):
        check_columns(tmp_path / "x.csv", ["area code", "value"], ["area_code", "value"])


def test_scan_text_csv_never_infers_types(tmp_path: Path) -> None:
    path = tmp_path / "markers.csv"
    path.write_text("code,value\nE01000001,12\nE01000002,c\n", encoding="utf-8")
    frame = scan_text_csv(path, required=["code", "value"]).collect()
    assert frame.schema == pl.Schema({"code": pl.String, "value": pl.String})
    assert frame["value"].to_list() == ["12", "c"]


def test_atomic_write_keeps_old_file_when_writing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.csv"
    target.write_bytes(b"previous good output\n")

    def broken_fsync(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_bytes(target, b"new output\n")
    assert target.read_bytes() == b"previous good output\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_frames_are_all_serialised_before_any_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "good.csv").write_bytes(b"old\n")
    unwritable = pl.DataFrame({"nested": [[1, 2]]})  # CSV cannot hold list columns
    with pytest.raises(pl.exceptions.PolarsError):
        write_frames_atomically({"good": pl.DataFrame({"a": [1]}), "bad": unwritable}, tmp_path)
    assert (tmp_path / "good.csv").read_bytes() == b"old\n"


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), max_size=20))
def test_csv_bytes_are_deterministic(values: list[float]) -> None:
    frame = pl.DataFrame({"x": values}, schema={"x": pl.Float64})
    assert csv_bytes(frame) == csv_bytes(frame.clone())
    assert b"\r" not in csv_bytes(frame)
