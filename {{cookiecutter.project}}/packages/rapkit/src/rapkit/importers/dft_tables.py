"""Department for Transport statistical tables (ODS sheets saved as CSV).

DfT publishes its tables (for example the walking and cycling statistics
CW0301 and CW0302, from Sport England's Active Lives Survey) as ODS workbooks,
one table per sheet. Saved as CSV, a sheet looks like::

    CW0301: Proportion of adults who walk or cycle, by frequency ... [note 1],,,,
    This worksheet contains one table. ...,,,,
    Source: Active Lives Survey, Sport England,,,,
    ,,,,
    ONS Code,Area name,Class,Mode,Purpose,Frequency,2016,2017,...,2023
    E08000009,Trafford,MD,Walking or cycling,Any,At least once per week,78.1,[x],...

that is: a few preamble rows (title, notes, source: how many varies between
tables and releases), a header row of identifier columns then one column per
year (a year header may carry a note, ``"2020 [note 5]"``), and cells holding
numbers or markers (``[x]`` not available, ``[c]`` suppressed, ``[z]`` not
applicable, or blank). Notes or blank rows may follow the table.

:func:`read_dft_table` finds the header (or checks it is where the config
says), and unpivots the year columns to one row per area, dimension and year;
:func:`tidy_dft_table` types it, turning markers into nulls plus a flag.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandera.polars as pa
import polars as pl

from ..errors import InputError
from ..io import read_header, scan_text_csv
from .markers import value_and_flag

AREA_CODE_HEADER = "ONS Code"
AREA_NAME_HEADER = "Area name"
YEAR_HEADER = re.compile(r"^(?P<year>\d{4})(?:\s*\[[^\]]*\])*$")
MAX_PREAMBLE_ROWS = 30


def snake_case(header: str) -> str:
    """Turn a published header into a snake_case column name.

    >>> snake_case("Area name")
    'area_name'
    """
    return re.sub(r"[^0-9a-z]+", "_", header.strip().lower()).strip("_")


def find_header_row(path: Path, *, first_column: str = AREA_CODE_HEADER) -> int:
    """Return how many preamble rows come before the row starting with ``first_column``.

    The number of preamble rows differs between tables and releases, so
    searching for the header is more robust than a fixed count.
    """
    for skip in range(MAX_PREAMBLE_ROWS):
        try:
            header = read_header(path, skip_rows=skip)
        except InputError:
            break
        if header and header[0].strip() == first_column:
            return skip
    msg = (
        f"{path}: no header row starting with {first_column!r} in the first "
        f"{MAX_PREAMBLE_ROWS} rows. Is this a DfT table saved as CSV (one sheet)?"
    )
    raise InputError(msg)


def read_dft_table(
    path: Path,
    *,
    skip_rows: int | None = None,
    required: Sequence[str] = (AREA_CODE_HEADER, AREA_NAME_HEADER),
) -> pl.LazyFrame:
    """Read a DfT area table as long text: identifier columns, ``year`` and ``value``.

    Args:
        path: the CSV export of one sheet.
        skip_rows: preamble rows above the header. ``None`` finds the header; a
            number is checked, so a release that adds a notes row fails with a
            message saying where the header now is, instead of misreading columns.
        required: identifier columns that must be present (published headers).

    Identifier columns are renamed to snake_case (``"ONS Code"`` becomes
    ``area_code``); rows with a blank area code (notes or blank rows under the
    table) are dropped, as are rows with nothing after the first cell (a note
    such as "Note 1: ..." written under the table).

    """
    found = find_header_row(path, first_column=required[0])
    if skip_rows is not None and skip_rows != found:
        msg = (
            f"{path}: expected the header row after {skip_rows} preamble row(s), but it is "
            f"after {found}. Set the preamble rows to {found} in config/pipeline.toml."
        )
        raise InputError(msg)
    header = read_header(path, skip_rows=found)
    years = {column: m["year"] for column in header if (m := YEAR_HEADER.match(column.strip()))}
    if not years:
        msg = f"{path} has no year columns (headers like '2023'). Columns found: {header}."
        raise InputError(msg)
    identifiers = [column for column in header if column not in years and column.strip()]
    names = {column: snake_case(column) for column in identifiers}
    names[AREA_CODE_HEADER] = "area_code"
    table = (
        scan_text_csv(path, required=required, skip_rows=found)
        .select(
            *(pl.col(column).alias(names[column]) for column in identifiers),
            *(pl.col(column).alias(year) for column, year in years.items()),
        )
        .with_columns(pl.col("area_code").str.strip_chars())
        .filter(
            pl.col("area_code").is_not_null()
            & (pl.col("area_code") != "")
            & pl.any_horizontal(pl.all().exclude("area_code").str.strip_chars() != "")
        )
    )
    if table.select(pl.len()).collect().item() == 0:
        msg = f"{path} has a header row but no rows of data under it (only blanks or notes)."
        raise InputError(msg)
    return table.unpivot(
        index=[names[column] for column in identifiers],
        variable_name="year",
        value_name="value",
    )


def tidy_dft_table(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Type the year and value; a marker or blank becomes a null value plus ``value_flag``."""
    return raw.with_columns(
        pl.col("year").cast(pl.Int64),
        *value_and_flag("value", pl.Float64(), flag="value_flag"),
    )


class DftAreaTable(pa.DataFrameModel):
    """Columns every tidy DfT area table has; a pipeline's schema adds its dimensions."""

    area_code: pl.String = pa.Field(
        str_matches=r"^[EWSNK]\d{8}$", description="ONS (GSS) code of the area"
    )
    area_name: pl.String = pa.Field(description="Area name as published")
    year: pl.Int64 = pa.Field(ge=2000, le=2100, description="Year the column was headed with")
    value: pl.Float64 = pa.Field(nullable=True, description="Published value; null for a marker")
    value_flag: pl.String = pa.Field(
        nullable=True, description="Marker in place of the value (x, c, z, blank), if any"
    )

    @pa.dataframe_check(error="a value and a marker flag in the same cell")
    @classmethod
    def value_or_flag(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Check a cell holds either a number or a marker, never both and never neither."""
        return data.lazyframe.select(
            pl.col("value").is_null() == pl.col("value_flag").is_not_null()
        )
