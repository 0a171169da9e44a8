"""Nomis API CSV downloads (``.../api/v01/dataset/NM_17_5.data.csv?...``).

Every Nomis dataset downloaded through the API as CSV has the same shape: one
row per observation, with a code and a ``_NAME`` column for each dimension, and
the value in ``OBS_VALUE``. For the Annual Population Survey (``NM_17_5``):

    DATE, DATE_NAME, DATE_CODE, DATE_TYPE, ..., GEOGRAPHY, GEOGRAPHY_NAME,
    GEOGRAPHY_CODE, GEOGRAPHY_TYPE, ..., VARIABLE, VARIABLE_NAME, ...,
    MEASURES, MEASURES_NAME, OBS_VALUE, OBS_STATUS, OBS_STATUS_NAME,
    OBS_CONF, OBS_CONF_NAME, URN, RECORD_OFFSET, RECORD_COUNT

``DATE_NAME`` holds the period as text (``"Jan 2023-Dec 2023"`` for a 12-month
APS period, ``"2021"`` for a calendar year); ``MEASURES`` says what the value
is (for APS rates: 20599 the percentage, 21001 numerator, 21002 denominator,
21003 the half-width of the 95% confidence interval). Which columns appear
depends on the ``select=`` of the query, so only the ones needed are required.
The API returns at most 25,000 rows per request; ``RECORD_COUNT`` is the size of
the whole result, so it is required and checked: a file with fewer rows is an
incomplete download (fetch the rest with ``recordoffset=``).

:func:`read_nomis_api` checks the header and keeps the wanted dimensions;
:func:`tidy_nomis_api` types values (APS shortfall symbols become nulls plus a
flag, never zeros) and parses periods into ``period_start``/``period_end``;
:func:`aps_rates` lays the four APS measures out side by side.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandera.polars as pa
import polars as pl

from ..errors import InputError
from ..io import read_header, scan_text_csv
from .markers import value_and_flag

REQUIRED = (
    "DATE_NAME",
    "GEOGRAPHY_NAME",
    "GEOGRAPHY_CODE",
    "MEASURES",
    "MEASURES_NAME",
    "OBS_VALUE",
    "OBS_STATUS",
    "RECORD_COUNT",
)
# Shortfall symbols the APS puts where an estimate cannot be given (see Nomis APS notes):
# ! sample size zero or disclosive, * unreliable (small sample), ~ under 500, # too small.
APS_MARKERS = ("!", "*", "~", "#")
APS_MEASURES = {20599: "value_pct", 21001: "numerator", 21002: "denominator", 21003: "ci_pct"}
_RANGE = r"^([A-Z][a-z]{2}) (\d{4})-([A-Z][a-z]{2}) (\d{4})$"
_YEAR = r"^(\d{4})$"


def read_nomis_api(path: Path, *, dimensions: Sequence[str] = ("VARIABLE_NAME",)) -> pl.LazyFrame:
    """Read a Nomis API CSV as text, keeping the standard columns and ``dimensions``.

    ``dimensions`` are the dataset's own ``*_NAME`` columns to keep (e.g.
    ``VARIABLE_NAME`` for the APS, ``CELL_NAME`` or ``SEX_NAME`` elsewhere);
    they come out in snake_case (``variable_name``).
    """
    header = read_header(path)
    if "OBS_VALUE" not in header and "obs_value" in header:
        msg = f"{path} has lower-case headers: download it with the API's default (upper) case."
        raise InputError(msg)
    wanted = [*REQUIRED, *dimensions]
    optional = [column for column in ("GEOGRAPHY_TYPE", "OBS_STATUS_NAME") if column in header]
    frame = scan_text_csv(path, required=wanted)
    _check_complete(path, frame)
    return frame.select(
        *(pl.col(column).alias(column.lower()) for column in [*wanted, *optional])
    ).drop("record_count")


def _check_complete(path: Path, frame: pl.LazyFrame) -> None:
    """Fail if the file has fewer rows than the API said the result has (a paged download)."""
    found = frame.select(
        pl.len().alias("rows"),
        pl.col("RECORD_COUNT").str.strip_chars().cast(pl.Int64, strict=False).max().alias("total"),
    ).collect()
    rows, total = found.row(0)
    if rows == 0:
        msg = f"{path} has no rows of data."
        raise InputError(msg)
    if total is None or rows < total:
        msg = (
            f"{path} has {rows} rows but RECORD_COUNT says the query returned {total}: the "
            "download is incomplete (the Nomis API pages results at 25,000 rows). Download "
            "the remaining rows with recordoffset=, or narrow the query, and combine the files."
        )
        raise InputError(msg)


def parse_period(column: str = "date_name") -> list[pl.Expr]:
    """Return ``period_start`` and ``period_end`` dates parsed from Nomis ``DATE_NAME`` text.

    ``"Apr 2022-Mar 2023"`` runs from 1 April 2022 to 31 March 2023; ``"2021"``
    is the calendar year. Anything else gives nulls, which the schema reports
    with the offending rows (a format this function does not know yet).
    """
    text = pl.col(column).str.strip_chars()

    def month_start(month: int, year: int) -> pl.Expr:
        """First day of the month named in capture groups ``month`` and ``year``."""
        parts = [pl.lit("1"), text.str.extract(_RANGE, month), text.str.extract(_RANGE, year)]
        return pl.concat_str(parts, separator=" ").str.to_date("%d %b %Y", strict=False)

    year_only = text.str.extract(_YEAR, 1)
    start = pl.coalesce(
        month_start(1, 2),
        pl.concat_str([year_only, pl.lit("01-01")], separator="-").str.to_date(strict=False),
    )
    end = pl.coalesce(
        month_start(3, 4).dt.month_end(),
        pl.concat_str([year_only, pl.lit("12-31")], separator="-").str.to_date(strict=False),
    )
    return [start.alias("period_start"), end.alias("period_end")]


def tidy_nomis_api(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Type a Nomis API frame: measure code, value (null plus flag for markers), period dates."""
    text = pl.col("obs_value").str.strip_chars()
    aps_marker = text.is_in(list(APS_MARKERS))
    frame = raw.with_columns(
        pl.when(aps_marker).then(None).otherwise(text).alias("obs_value"),
        pl.when(aps_marker).then(text).alias("aps_marker"),
    )
    value, flag = value_and_flag("obs_value", pl.Float64(), flag="value_flag")
    return (
        frame.with_columns(
            value,
            pl.coalesce("aps_marker", flag).alias("value_flag"),
            pl.col("measures").str.strip_chars().cast(pl.Int64),
            *parse_period(),
        )
        .drop("aps_marker")
        .rename(
            {
                "geography_code": "area_code",
                "geography_name": "area_name",
                "date_name": "period_name",
                "measures": "measure_code",
                "measures_name": "measure",
                "obs_value": "value",
            }
        )
        .with_columns(pl.col("area_code").str.strip_chars())
    )


class NomisObservations(pa.DataFrameModel):
    """Columns every tidy Nomis API frame has; dimensions (e.g. ``variable_name``) come extra."""

    period_name: pl.String = pa.Field(description="Period as published in DATE_NAME")
    period_start: pl.Date = pa.Field(description="First day of the period (parsed DATE_NAME)")
    period_end: pl.Date = pa.Field(description="Last day of the period (parsed DATE_NAME)")
    area_code: pl.String = pa.Field(
        str_matches=r"^[EWSNK]\d{8}$", description="GSS code of the area (GEOGRAPHY_CODE)"
    )
    area_name: pl.String = pa.Field(description="Area name (GEOGRAPHY_NAME)")
    measure_code: pl.Int64 = pa.Field(description="Nomis MEASURES code, e.g. 20599")
    measure: pl.String = pa.Field(description="Nomis MEASURES_NAME, e.g. 'Variable'")
    value: pl.Float64 = pa.Field(nullable=True, description="OBS_VALUE; null for a marker")
    value_flag: pl.String = pa.Field(nullable=True, description="Marker instead of a value")
    obs_status: pl.String = pa.Field(description="Nomis OBS_STATUS code, e.g. 'A'")

    class Config:
        """Dimension columns vary by dataset, so extra columns are allowed."""

        strict = False

    @pa.dataframe_check(error="period_end before period_start")
    @classmethod
    def period_in_order(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Check a period never ends before it starts."""
        return data.lazyframe.select(pl.col("period_end") >= pl.col("period_start"))


def aps_rates(observations: pl.LazyFrame, keys: Sequence[str]) -> pl.LazyFrame:
    """Put the four APS measures of each observation side by side.

    Returns one row per ``keys`` with ``value_pct``, ``numerator``,
    ``denominator``, ``ci_pct`` (half-width of the 95% confidence interval),
    the value's ``value_flag`` and ``obs_status``. Measures other than the
    four are ignored.
    """
    keys = list(keys)
    columns = [
        pl.col("value").filter(pl.col("measure_code") == code).first().alias(name)
        for code, name in APS_MEASURES.items()
    ]
    main = pl.col("measure_code") == next(iter(APS_MEASURES))
    return (
        observations.filter(pl.col("measure_code").is_in(list(APS_MEASURES)))
        .group_by(keys)
        .agg(
            *columns,
            pl.col("value_flag").filter(main).first(),
            pl.col("obs_status").filter(main).first(),
        )
        .sort(keys)
    )
