"""DfE explore-education-statistics (EES) data files, for any publication.

Every CSV published on explore-education-statistics.service.gov.uk follows the
DfE open data standard: the same leading columns in every file

* ``time_period`` (``202324`` for the academic year 2023/24) and ``time_identifier``
  (``"Academic year"``, or a term such as ``"Spring term"``);
* ``geographic_level`` (``"National"``, ``"Regional"``, ``"Local authority"``, ...)
  and the code and name columns of each level: ``country_code``/``country_name``,
  ``region_code``/``region_name``, ``old_la_code`` (three digits)/``new_la_code``
  (GSS)/``la_name``, ``lad_code``/``lad_name``, ...;

then *filter* columns (for example ``breakdown_topic`` and ``breakdown``) and
*indicator* columns (for example ``avg_att8``). One file holds several geographic
levels, so a reader must always choose one. Indicators hold symbols instead of
numbers where a value is suppressed or missing (``c``, ``x``, ``z``, ``:``,
``low``, ``k``, ``u``); they are read as text and split into a typed value and a
``<column>_flag`` by :func:`~.markers.value_and_flag`, so a suppressed cell can
never become a zero.

:func:`read_ees` reads one geographic level (and, optionally, some filter values)
and checks the file fits; :func:`tidy_ees` types it. Subclass
:class:`EesArea` (or :class:`EesLocalAuthority`) in a pipeline's schemas to add
the indicator columns it uses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandera.polars as pa
import polars as pl

from ..errors import InputError
from ..io import check_columns, read_header, scan_text_csv
from .markers import value_and_flag

TIME_COLUMNS = ("time_period", "time_identifier")
LEVEL_COLUMN = "geographic_level"

# The code and name column of each geographic level (DfE open data standard).
LEVEL_COLUMNS: dict[str, tuple[str, str]] = {
    "National": ("country_code", "country_name"),
    "Regional": ("region_code", "region_name"),
    "Local authority": ("new_la_code", "la_name"),
    "Local authority district": ("lad_code", "lad_name"),
    "Parliamentary constituency": ("pcon_code", "pcon_name"),
}

# GSS code pattern expected for each level. Local authorities in DfE files are
# *upper-tier*: unitary (E06), metropolitan (E08), London boroughs (E09) and
# county councils (E10).
AREA_CODE_PATTERNS: dict[str, str] = {
    "National": r"^[EWSNK]\d{8}$",
    "Regional": r"^E1[23]\d{6}$",  # regions (E12), and Inner/Outer London (E13)
    "Local authority": r"^E(06|08|09|10)\d{6}$",
    "Local authority district": r"^E0[6-9]\d{6}$",
    "Parliamentary constituency": r"^E14\d{6}$",
}

# Levels below a region also carry the region they lie in, and LA rows the old
# three-digit DfE LA number.
REGION_COLUMNS = ("region_code", "region_name")
OLD_LA_CODE = "old_la_code"

# Time identifiers whose six-digit time_period is an academic year (202324).
ACADEMIC_TIME_IDENTIFIERS = (
    "Academic year",
    "Autumn term",
    "Autumn and spring term",
    "Spring term",
    "Summer term",
)


def academic_year_label(time_period: pl.Expr) -> pl.Expr:
    """Turn a six-digit EES academic ``time_period`` (``202324``) into ``"2023/24"``.

    >>> pl.select(academic_year_label(pl.lit("202324"))).item()
    '2023/24'
    """
    text = time_period.cast(pl.String)
    return pl.format("{}/{}", text.str.slice(0, 4), text.str.slice(4, 2))


def read_ees(
    path: Path,
    *,
    geographic_level: str,
    measures: Sequence[str],
    filters: Mapping[str, Sequence[str]] | None = None,
    keep: Sequence[str] = (),
) -> pl.LazyFrame:
    """Read the rows of one geographic level of an EES file, as text, and check them.

    Args:
        path: the CSV file as downloaded from EES.
        geographic_level: the level to keep, exactly as in the file
            (``"Local authority"``, ``"National"``, ...).
        measures: indicator columns the pipeline needs (all read as text).
        filters: keep only rows whose filter column holds one of the values, for
            example ``{"breakdown": ["Total", "Disadvantaged"]}``.
        keep: further (filter) columns to carry through unchanged.

    Columns renamed by a release are mapped in the config
    (``[aliases.<input>] columns = {attainment8_average = "avg_att8"}``); the
    header read here already has the expected names.

    The checks need the file name for a useful message, so they happen here: a
    filter that leaves no rows, a time period that is not an academic year, or an
    area code of the wrong type is an :class:`InputError` naming the file, never an
    empty output.

    """
    if geographic_level not in LEVEL_COLUMNS:
        msg = (
            f"Unknown EES geographic_level {geographic_level!r}; "
            f"known levels: {', '.join(LEVEL_COLUMNS)}."
        )
        raise InputError(msg)
    header = read_header(path)
    filters = {column: list(values) for column, values in (filters or {}).items()}
    columns = _columns_for(geographic_level, [*filters, *keep], measures)
    check_columns(path, header, columns)

    every_row = scan_text_csv(path)
    level_rows = every_row.filter(pl.col(LEVEL_COLUMN).str.strip_chars() == geographic_level)
    frame = level_rows
    for column, values in filters.items():
        frame = frame.filter(pl.col(column).str.strip_chars().is_in(values))
    frame = frame.select(columns)

    found = frame.select(*TIME_COLUMNS, _code(geographic_level)).collect()
    if found.is_empty():
        _explain_empty(path, every_row, level_rows, geographic_level, filters)
    _check_time(path, found)
    _check_codes(path, found, geographic_level)
    return frame


def _columns_for(level: str, carried: Sequence[str], measures: Sequence[str]) -> list[str]:
    """Return the columns to keep: time, the level's geography, filters and measures."""
    columns = [*TIME_COLUMNS, LEVEL_COLUMN]
    if level not in {"National", "Regional"}:
        columns += REGION_COLUMNS
    if level == "Local authority":
        columns.append(OLD_LA_CODE)
    columns += LEVEL_COLUMNS[level]
    return list(dict.fromkeys([*columns, *carried, *measures]))  # in order, without repeats


def _code(level: str) -> str:
    """Return the code column of a geographic level."""
    return LEVEL_COLUMNS[level][0]


def _explain_empty(
    path: Path,
    every_row: pl.LazyFrame,
    level_rows: pl.LazyFrame,
    level: str,
    filters: Mapping[str, Sequence[str]],
) -> None:
    """Raise an error saying which selection left no rows, and what values exist."""
    levels = sorted(
        every_row.select(pl.col(LEVEL_COLUMN).str.strip_chars().unique())
        .collect()[LEVEL_COLUMN]
        .drop_nulls()
        .to_list()
    )
    if level not in levels:
        msg = (
            f"{path} has no rows with geographic_level {level!r}. "
            f"Levels in the file: {levels or 'none (the file has no data rows)'}."
        )
        raise InputError(msg)
    found = {
        column: sorted(
            level_rows.select(pl.col(column).str.strip_chars().unique())
            .collect()[column]
            .drop_nulls()
            .to_list()
        )
        for column in filters
    }
    wanted = "; ".join(f"{column} in {list(values)}" for column, values in filters.items())
    present = "; ".join(f"{column}: {values}" for column, values in found.items())
    msg = (
        f"{path}: no {level} rows left after filtering ({wanted}). "
        f"Values in the file: {present}. Check the filter values in config/pipeline.toml "
        "against the file's data guidance (labels change between releases)."
    )
    raise InputError(msg)


def _check_time(path: Path, found: pl.DataFrame) -> None:
    """Fail unless every row is an academic year with a six-digit time period."""
    identifiers = found["time_identifier"].str.strip_chars()
    other = sorted(set(identifiers.drop_nulls()) - set(ACADEMIC_TIME_IDENTIFIERS))
    if other or identifiers.null_count():
        msg = (
            f"{path}: time_identifier {other or ['(blank)']} is not an academic year; this "
            f"importer reads academic-year files ({', '.join(ACADEMIC_TIME_IDENTIFIERS)})."
        )
        raise InputError(msg)
    periods = found["time_period"].str.strip_chars()
    start = periods.str.slice(0, 4).cast(pl.Int64, strict=False)
    end = periods.str.slice(4, 2).cast(pl.Int64, strict=False)
    valid = periods.str.contains(r"^\d{6}$") & (end == (start + 1) % 100)
    bad = periods.filter(~valid.fill_null(value=False)).unique().sort()
    if len(bad):
        msg = (
            f"{path}: time_period must be six digits for an academic year "
            f"(202324 = 2023/24); found {bad.head(5).to_list()}."
        )
        raise InputError(msg)


def _check_codes(path: Path, found: pl.DataFrame, level: str) -> None:
    """Fail with examples if any area code is blank or not a code of ``level``."""
    column = _code(level)
    codes = found[column].str.strip_chars()
    wrong = codes.filter(~codes.str.contains(AREA_CODE_PATTERNS[level]).fill_null(value=False))
    if len(wrong):
        shown = sorted({str(code) for code in wrong})[:5]
        msg = (
            f"{path}: {len(wrong)} {level} row(s) have a {column} that is blank or not a "
            f"{level} GSS code (pattern {AREA_CODE_PATTERNS[level]}), e.g. {shown}."
        )
        raise InputError(msg)


def tidy_ees(
    raw: pl.LazyFrame,
    *,
    geographic_level: str,
    measures: Mapping[str, pl.DataType],
    keep: Sequence[str] = (),
) -> pl.LazyFrame:
    """Type the rows read by :func:`read_ees`: one tidy row per period, area and filter.

    Output columns: ``time_period`` (integer), ``time_identifier``,
    ``academic_year`` (``"2023/24"``), ``geographic_level``, ``area_code``,
    ``area_name``; for levels below a region ``region_code`` and ``region_name``
    (and ``old_la_code`` for local authorities); the ``keep`` columns (trimmed
    text); then each measure, named in lower case, with its ``<measure>_flag``.
    """
    code, name = LEVEL_COLUMNS[geographic_level]
    geography = [pl.col(code).str.strip_chars().alias("area_code"), pl.col(name).alias("area_name")]
    if geographic_level not in {"National", "Regional"}:
        geography += [pl.col(c).str.strip_chars() for c in REGION_COLUMNS]
    if geographic_level == "Local authority":
        geography.append(pl.col(OLD_LA_CODE).str.strip_chars())
    typed = [
        expr
        for column, dtype in measures.items()
        for expr in value_and_flag(column, dtype, flag=f"{column.lower()}_flag", thousands=False)
    ]
    return raw.select(
        pl.col("time_period").str.strip_chars().cast(pl.Int64),
        pl.col("time_identifier").str.strip_chars(),
        academic_year_label(pl.col("time_period").str.strip_chars()).alias("academic_year"),
        pl.col(LEVEL_COLUMN).str.strip_chars(),
        *geography,
        *(pl.col(column).str.strip_chars() for column in keep),
        *typed,
    ).rename({column: column.lower() for column in measures if column != column.lower()})


class EesArea(pa.DataFrameModel):
    """The standard EES columns of a tidy frame from :func:`tidy_ees` (subclass to add measures)."""

    time_period: pl.Int64 = pa.Field(
        ge=199_900, le=209_999, description="EES time period, e.g. 202324 for 2023/24"
    )
    time_identifier: pl.String = pa.Field(
        isin=list(ACADEMIC_TIME_IDENTIFIERS), description="EES time identifier"
    )
    academic_year: pl.String = pa.Field(
        str_matches=r"^\d{4}/\d{2}$", description="Academic year label, e.g. 2023/24"
    )
    geographic_level: pl.String = pa.Field(
        isin=list(LEVEL_COLUMNS), description="EES geographic level of the row"
    )
    area_code: pl.String = pa.Field(
        str_matches=r"^[EWSNK]\d{8}$", description="GSS code of the area"
    )
    area_name: pl.String = pa.Field(description="Area name as published")

    @pa.dataframe_check(error="academic_year does not match time_period")
    @classmethod
    def academic_year_matches_period(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Check the label is derived from the period (202324 -> 2023/24)."""
        return data.lazyframe.select(
            academic_year_label(pl.col("time_period")) == pl.col("academic_year")
        )


class EesLocalAuthority(EesArea):
    """Tidy EES rows at local authority level (upper tier: E06, E08, E09, E10)."""

    area_code: pl.String = pa.Field(
        str_matches=AREA_CODE_PATTERNS["Local authority"],
        description="GSS code of the local authority (new_la_code)",
    )
    region_code: pl.String = pa.Field(
        str_matches=r"^E12\d{6}$", description="GSS code of the region"
    )
    region_name: pl.String = pa.Field(description="Region name")
    old_la_code: pl.String = pa.Field(
        str_matches=r"^\d{3}$", nullable=True, description="DfE three-digit LA number"
    )
