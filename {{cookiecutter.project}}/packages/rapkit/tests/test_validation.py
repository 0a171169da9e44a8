"""Tests that validation runs data-level checks and explains failures."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl
import pytest

from rapkit.errors import ValidationFailedError
from rapkit.validation import validate


class Areas(pa.DataFrameModel):
    """A small schema with a pattern, a range and a unique key."""

    code: pl.String = pa.Field(str_matches=r"^E01\d{6}$", unique=True)
    share: pl.Float64 = pa.Field(ge=0, le=1)


def test_valid_frame_passes_unchanged() -> None:
    frame = pl.DataFrame({"code": ["E01000001", "E01000002"], "share": [0.1, 0.9]})
    assert validate(frame, Areas, where="test").equals(frame)


def test_failures_name_column_check_count_and_rows() -> None:
    frame = pl.DataFrame({"code": ["E01000001", "X1", "E01000001"], "share": [0.5, 1.5, 2.0]})
    with pytest.raises(ValidationFailedError) as caught:
        validate(frame, Areas, where="stage 'demo'")
    message = str(caught.value)
    assert "stage 'demo': data does not match schema Areas" in message
    assert "column 'share' failed less_than_or_equal_to(1) in 2 row(s)" in message
    assert "column 'code' failed str_matches" in message
    assert "row 1: {'code': 'X1', 'share': 1.5}" in message
    assert "field_uniqueness" in message


def test_line_numbers_for_file_rows() -> None:
    frame = pl.DataFrame({"code": ["E01000001", "bad"], "share": [0.5, 0.5]})
    with pytest.raises(ValidationFailedError, match="line 3: "):
        validate(frame, Areas, where="file", line_offset=2)


def test_missing_column_is_reported() -> None:
    with pytest.raises(ValidationFailedError, match="share"):
        validate(pl.DataFrame({"code": ["E01000001"]}), Areas, where="test")


def test_wrong_dtype_is_reported() -> None:
    frame = pl.DataFrame({"code": ["E01000001"], "share": ["0.5"]})
    with pytest.raises(ValidationFailedError, match="dtype"):
        validate(frame, Areas, where="test")
