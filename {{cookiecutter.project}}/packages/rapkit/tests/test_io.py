"""Tests of safe reading and atomic writing."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapkit.errors import ConfigError, InputError
from rapkit.io import (
    BadCell,
    CsvShape,
    atomic_write_bytes,
    check_columns,
    csv_bytes,
    csv_shape,
    describe_bad_cell,
    find_bad_cells,
    find_source_line,
    last_shape,
    read_header,
    require_file,
    scan_text_csv,
    using_column_aliases,
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


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b,c\n1,2,3\nx,1,057,4\n", r"line 3: 4 fields, but the header has 3.*1,057"),
        ("a,b,c\n1,2,3\n4,5\n", r"line 3: 2 fields, but the header has 3.*truncated"),
        ('a,b\n1,2\n"3,4\n5,6\n', r"line 3: malformed CSV \(a quote opened here is never closed\)"),
        ('a,b\n1,"2"x\n', r"line 2: malformed CSV \(',' expected after '\"'\)"),
    ],
)
def test_every_row_is_parsed_whole(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=rf"bad.csv, {message}"):
        scan_text_csv(path, required=["a"])


def test_a_ragged_row_in_an_unused_column_is_still_found(tmp_path: Path) -> None:
    # Only column "a" is read into the pipeline; the extra field is in the last column.
    path = tmp_path / "ragged.csv"
    path.write_text("a,b\n1,2\n3,4,5\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 3: 3 fields"):
        scan_text_csv(path, required=["a"]).select("a")


def test_an_invalid_byte_after_the_first_mib_is_found(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    path.write_bytes(b"name,value\n" + b"ok,1\n" * 300_000 + b"Caf\xe9,2\n")
    assert read_header(path) == ["name", "value"]  # the header sniff sees only the start
    with pytest.raises(InputError, match=r"late.csv is not UTF-8 text .* line 300002"):
        scan_text_csv(path)


def test_csv_shape_counts_data_rows_and_is_cached(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("a,b\n1,2\n\n3,4\n", encoding="utf-8")
    assert csv_shape(path) == CsvShape(header=("a", "b"), rows=2, blank_lines=1)
    assert last_shape(path) == csv_shape(path)
    assert scan_text_csv(path).collect()["a"].to_list() == ["1", "3"]  # no row of nulls
    assert csv_shape(path) is csv_shape(path)
    header_only = tmp_path / "h.csv"
    header_only.write_text("a,b\n\n", encoding="utf-8")
    assert csv_shape(header_only).rows == 0
    empty = tmp_path / "e.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="is empty"):
        csv_shape(empty)


def test_an_input_that_is_a_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a folder, not a file"):
        require_file(tmp_path)


def test_column_aliases_apply_to_headers_and_must_exist(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("Count Point,b\n1,2\n", encoding="utf-8")
    with using_column_aliases("[aliases.t] columns", {"Count Point": "count_point_id"}):
        assert read_header(path) == ["count_point_id", "b"]
        frame = scan_text_csv(path, required=["count_point_id"]).collect()
    assert frame.columns == ["count_point_id", "b"]
    with (
        using_column_aliases("[aliases.t] columns", {"CP": "count_point_id"}),
        pytest.raises(ConfigError, match=r"\[aliases.t\] columns: column\(s\) 'CP' are not in"),
    ):
        read_header(path)


def test_missing_columns_suggest_config_aliases(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\[aliases.<input>\] columns"):
        check_columns(tmp_path / "x.csv", ["b"], ["a"])


def test_an_unreadable_file_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.csv"
    path.write_text("a\n1\n", encoding="utf-8")

    def denied(*_: object, **__: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(InputError, match=r"locked.csv cannot be read \(Permission denied\)"):
        read_header(path)
    with pytest.raises(InputError, match=r"locked.csv cannot be read \(Permission denied\)"):
        csv_shape(path)


def test_last_shape_is_forgotten_when_the_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    assert last_shape(path) is None
    csv_shape(path)
    assert last_shape(path) == CsvShape(header=("a",), rows=1)
    path.write_text("a\n1\n2\n", encoding="utf-8")
    assert last_shape(path) is None


def test_bad_cells_are_found_after_the_preamble_of_the_last_scan(tmp_path: Path) -> None:
    path = tmp_path / "preamble.csv"
    path.write_text('Title\nNotes\narea,value\nA,1\nB,"multi\nline"\nC, NaN\n', encoding="utf-8")
    csv_shape(path, skip_rows=2)
    assert find_bad_cells(path, "value", ["NaN"]) == [BadCell(line=7, column="value", value=" NaN")]
    assert find_bad_cells(path, "value", ["absent"]) == []
    assert find_bad_cells(tmp_path / "missing.csv", "value", ["NaN"]) == []
    described = describe_bad_cell(path, BadCell(7, "value", " NaN"), "f64")
    assert described == f"{path}, line 7, column 'value': value ' NaN' is not a finite number"


def test_the_source_line_of_a_row_is_named_only_when_one_line_stands_out(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("area,name,good,bad\nE1,One,10,2\nE2,Two,10,2\n", encoding="utf-8")
    assert find_source_line([path], {"area": "E2", "count": 2}) == "line 3 of wide.csv"
    assert find_source_line([path], {"category": "bad", "count": 2, "other": 10}) is None
    assert find_source_line([path, tmp_path / "missing.csv"], {"area": "E1", "n": None}) is None
