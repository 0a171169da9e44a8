"""Tests of suppression markers and non-finite values in numeric columns."""

from __future__ import annotations

import polars as pl
import pytest

from rapkit.importers.markers import finite_number, value_and_flag


def test_markers_and_blanks_become_null_with_a_flag() -> None:
    frame = pl.LazyFrame({"rate": ["1.5", "[c]", " ", "2"]})
    result = frame.with_columns(value_and_flag("rate", pl.Float64())).collect()
    assert result["rate"].to_list() == [1.5, None, None, 2.0]
    assert result["rate_flag"].to_list() == [None, "c", "blank", None]


@pytest.mark.parametrize("text", ["NaN", "nan", "inf", "-inf", "+Infinity"])
def test_non_finite_text_is_never_a_number(text: str) -> None:
    frame = pl.LazyFrame({"rate": ["1.5", text]})
    with pytest.raises(pl.exceptions.InvalidOperationError, match=r"column 'rate'.*not a finite"):
        frame.with_columns(value_and_flag("rate", pl.Float64())).collect()


def test_finite_number_casts_and_refuses_non_finite_text() -> None:
    frame = pl.LazyFrame({"area": [" 12.5", "3"]})
    assert frame.select(finite_number("area")).collect()["area"].to_list() == [12.5, 3.0]
    with pytest.raises(pl.exceptions.InvalidOperationError, match=r"'area'.*'?inf"):
        pl.LazyFrame({"area": ["1", "inf"]}).select(finite_number("area")).collect()


def test_thousands_separators_are_read_unless_the_publisher_forbids_them() -> None:
    frame = pl.LazyFrame({"pupils": ["1,234", "5"]})
    assert frame.with_columns(value_and_flag("pupils", pl.Int64())).collect()[
        "pupils"
    ].to_list() == [
        1234,
        5,
    ]
    with pytest.raises(pl.exceptions.InvalidOperationError, match=r"'pupils'.*1,234"):
        frame.with_columns(value_and_flag("pupils", pl.Int64(), thousands=False)).collect()
