"""Census 2021 topic summaries (ONS), in the two layouts analysts meet.

1. **Nomis bulk CSV** (the primary format, ``census2021-tsNNN-lsoa.csv``): one row
   per area, columns ``date``, ``geography``, ``geography code``, then one count
   column per category, headed ``"<Topic>: <Category>"``. Older downloads add
   ``"; measures: Value"`` to every count header. The first count column is the
   total (``"<Topic>: Total: All usual residents"``), and some tables add
   subtotal columns (``"Tenure of household: Owned"`` before
   ``"Tenure of household: Owned: Owns outright"``).
2. **Long (tidy) form** republished by council open-data portals: one row per
   area and category, columns ``area_code``, ``area_name``, ``geography``,
   ``period``, ``indicator``, an optional category column named after the
   topic, ``measure``, ``unit``, ``value``. Totals are not included.

:func:`read_census` turns either layout into the same long text frame and
:func:`tidy_census` types it, removes totals and subtotals, and turns
suppression markers into nulls plus a flag. Category labels are compared
without the topic prefix, so ``"General health: Very good health"`` (Nomis) and
``"Very good health"`` (long form) are the same category.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import ClassVar

import pandera.polars as pa
import polars as pl

from ..errors import InputError
from ..io import category_aliases, read_header, scan_text_csv
from .markers import MARKERS, NOT_FINITE, value_and_flag

NOMIS_ID_COLUMNS = ("date", "geography", "geography code")
LONG_ID_COLUMNS = (
    "area_code",
    "area_name",
    "geography",
    "period",
    "indicator",
    "measure",
    "unit",
    "value",
)
MEASURES_SUFFIX = "; measures: Value"
TOTAL_PREFIX = "Total"
GSS_PREFIXES = {
    "lsoa": ("E01", "W01"),
    "msoa": ("E02", "W02"),
    "lad": ("E06", "E07", "E08", "E09", "W06"),
}
RAW_COLUMNS = ("area_code", "area_name", "period", "category", "value")


def category_label(header: str) -> str:
    """Return the category part of a Nomis count header.

    >>> category_label("Tenure of household: Owned: Owns outright; measures: Value")
    'Owned: Owns outright'
    """
    label = header.removesuffix(MEASURES_SUFFIX).strip()
    _, _, category = label.partition(": ")
    return category or label


def read_census(
    path: Path,
    *,
    geography: str = "lsoa",
    categories: Sequence[str] | None = None,
    aliases: Mapping[str, str] | None = None,
    year: int | None = 2021,
) -> pl.LazyFrame:
    """Read a Census topic summary in either layout as long text, and check it fits.

    The checks need the file name for a useful message, so they happen here rather
    than in a later stage: every area code must be of the expected ``geography``
    (an MSOA file given for LSOAs fails instead of joining to nothing), and when
    ``categories`` is given the table must have exactly those categories (after
    ``aliases`` and without totals or subtotals), so a renamed category in a new
    release is caught rather than silently missing from an index. With ``year``
    2021 (the default), a Census 2011 table (``"All categories"`` totals, a 2011
    date) is named as such; ``year=None`` accepts either Census. Category
    ``aliases`` add to those configured in ``[aliases.<input>] categories``.
    """
    header = read_header(path)
    if year == 2021:
        _check_vintage_2021(path, header)
    if all(column in header for column in NOMIS_ID_COLUMNS):
        frame = _read_nomis(path, header)
        _check_finite(path, [c for c in header if c not in NOMIS_ID_COLUMNS and ": " in c])
    elif "area_code" in header and "value" in header:
        frame = _read_long(path, header)
        _check_finite(path, ["value"])
    else:
        msg = (
            f"{path} is not a Census 2021 topic summary this importer knows: expected the Nomis "
            f"bulk columns {list(NOMIS_ID_COLUMNS)} or the long-form columns "
            f"{list(LONG_ID_COLUMNS)}. Columns found: {list(header)}."
        )
        raise InputError(msg)
    labels = {**category_aliases(), **dict(aliases or {})}
    frame = frame.with_columns(
        pl.col("area_code").str.strip_chars(),
        pl.col("category").str.strip_chars().replace(labels),
    )
    _check_geography(path, frame, geography)
    if year is not None:
        _check_period(path, frame, year)
    if categories is not None:
        _check_categories(path, frame, categories)
    return frame


def _check_geography(path: Path, frame: pl.LazyFrame, geography: str) -> None:
    """Fail with the offending codes if any area is not of the expected geography."""
    prefixes = GSS_PREFIXES[geography]
    codes = frame.select(pl.col("area_code").unique()).collect()["area_code"]
    if codes.drop_nulls().is_empty():
        msg = f"{path} has no rows of data (only a header): was the download empty?"
        raise InputError(msg)
    wrong = codes.filter(~codes.str.slice(0, 3).is_in(list(prefixes)) | codes.is_null())
    if len(wrong):
        shown = ", ".join(str(code) for code in wrong.sort().head(5))
        msg = (
            f"{path}: {len(wrong)} area code(s) are not {geography.upper()} codes "
            f"(expected codes starting {'/'.join(prefixes)}), e.g. {shown}. "
            f"Download the {geography.upper()} version of the table."
        )
        raise InputError(msg)


def _check_finite(path: Path, columns: Sequence[str]) -> None:
    """Fail, naming line and column, if a count is not a whole number or a marker.

    Polars would name the unpivoted column (``value``) and no line; ``NaN`` or
    ``inf`` would even pass a float cast. Checked here, on the file as published.
    """
    text = [pl.col(c).str.strip_chars() for c in columns]
    ok = [
        t.is_null() | (t == "") | t.str.to_lowercase().is_in(list(MARKERS)) | t.str.contains(_COUNT)
        for t in text
    ]
    bad = (
        scan_text_csv(path)
        .with_row_index("_row")
        .filter(~pl.all_horizontal(ok))
        .select("_row", *columns)
        .head(1)
        .collect()
    )
    if bad.is_empty():
        return
    row = bad.row(0, named=True)
    column = next(c for c in columns if not _is_count_text(row[c]))
    kind = "not a number" if _not_finite(row[column]) else "not a whole number or a marker"
    msg = (
        f"{path}, line {int(row['_row']) + 2}: column {column!r} holds {row[column]!r}, "
        f"which is not a count ({kind}). Fix or re-download the file; a suppressed count "
        "should be a marker such as 'c' or '[c]'."
    )
    raise InputError(msg)


_COUNT = r"^-?\d[\d,]*$"


def _is_count_text(value: str | None) -> bool:
    """Return whether ``value`` is blank, a marker or a whole number (as :func:`_check_finite`)."""
    text = (value or "").strip()
    return not text or text.lower() in MARKERS or re.fullmatch(_COUNT, text) is not None


def _not_finite(value: str | None) -> bool:
    """Return whether ``value`` spells NaN or infinity."""
    return (value or "").strip().lower().lstrip("+-") in NOT_FINITE


def _check_period(path: Path, frame: pl.LazyFrame, year: int) -> None:
    """Fail if the ``date``/``period`` column is not ``year`` (e.g. a 2011 table for 2021)."""
    years = frame.select(pl.col("period").str.strip_chars().str.slice(0, 4).unique()).collect()
    other = sorted(str(found) for found in years["period"].to_list() if found != str(year))
    if other:
        msg = (
            f"{path}: the date/period column holds {', '.join(other)}, not {year}. This "
            f"pipeline needs Census {year} tables (Census 2011 and 2021 codes and labels differ)."
        )
        raise InputError(msg)


def _check_vintage_2021(path: Path, header: Sequence[str]) -> None:
    """Name a Census 2011 table given where a 2021 one is expected, before anything else.

    2011 tables (``QS``/``KS``/``LC`` ids) total with ``"All categories: ..."``
    rather than ``"Total: ..."``, and their LSOA codes are 2011 codes, many of
    which changed in 2021; read as 2021 they would fail later with a confusing
    category list, or worse, pass.
    """
    total_2011 = [c for c in header if category_label(c).startswith("All categories")]
    if total_2011:
        msg = (
            f"{path} looks like a Census 2011 table (its total column is {total_2011[0]!r}; "
            "2021 tables say 'Total: ...'). This pipeline needs the Census 2021 table on "
            "2021 LSOAs: download it from https://www.nomisweb.co.uk/sources/census_2021_bulk."
        )
        raise InputError(msg)


def _check_categories(path: Path, frame: pl.LazyFrame, categories: Sequence[str]) -> None:
    """Fail if the table's categories (without totals and subtotals) differ from those expected."""
    found = set(_leaves(frame).select(pl.col("category").unique()).collect()["category"].to_list())
    expected = set(categories)
    if found != expected:
        missing = sorted(expected - found)
        unexpected = sorted(str(c) for c in found - expected)
        msg = (
            f"{path} does not have the expected categories. Missing: {missing}. "
            f"Unexpected: {unexpected}. If the publisher renamed a category, map the new "
            "label to the expected one in the config: [aliases.<input>] categories = "
            '{"published label" = "expected label"}.'
        )
        raise InputError(msg)


def _read_nomis(path: Path, header: Sequence[str]) -> pl.LazyFrame:
    """Unpivot a Nomis bulk file (one column per category) to one row per area and category."""
    counts = [c for c in header if c not in NOMIS_ID_COLUMNS and ": " in c]
    if not counts:
        msg = f"{path} has no '<Topic>: <Category>' count columns. Columns found: {list(header)}."
        raise InputError(msg)
    percent = [c for c in counts if "measures: Percent" in c]
    if percent:
        msg = (
            f"{path}: column {percent[0]!r} holds percentages, but this pipeline needs counts. "
            "Download the table with the 'Value' measure (counts)."
        )
        raise InputError(msg)
    labels = [category_label(c) for c in counts]
    duplicated = sorted({label for label in labels if labels.count(label) > 1})
    if duplicated:
        msg = f"{path} has the same category twice (with and without the suffix?): {duplicated}."
        raise InputError(msg)
    return (
        scan_text_csv(path, required=NOMIS_ID_COLUMNS)
        .select(
            pl.col("geography code").alias("area_code"),
            pl.col("geography").alias("area_name"),
            pl.col("date").alias("period"),
            *(pl.col(c).alias(category_label(c)) for c in counts),
        )
        .unpivot(index=["area_code", "area_name", "period"], variable_name="category")
        .select(RAW_COLUMNS)
    )


def _read_long(path: Path, header: Sequence[str]) -> pl.LazyFrame:
    """Read the long form; the category is in the topic column, or in ``indicator`` if none."""
    check = [c for c in LONG_ID_COLUMNS if c not in ("geography", "measure", "unit")]
    extra = [c for c in header if c not in LONG_ID_COLUMNS]
    if len(extra) > 1:
        msg = f"{path} has more than one category column ({extra}); expected at most one."
        raise InputError(msg)
    category = extra[0] if extra else "indicator"
    return scan_text_csv(path, required=check).select(
        pl.col("area_code"),
        pl.col("area_name"),
        pl.col("period"),
        pl.col(category).alias("category"),
        pl.col("value"),
    )


class CensusCounts(pa.DataFrameModel):
    """Counts of people or households per area and category, from one Census table."""

    area_code: pl.String = pa.Field(
        str_matches=r"^[EWSN]\d{8}$", description="GSS code of the area"
    )
    area_name: pl.String = pa.Field(description="Area name as published")
    census_year: pl.Int64 = pa.Field(isin=[2011, 2021], description="Year of the Census")
    category: pl.String = pa.Field(description="Category label, without the topic prefix")
    count: pl.Int64 = pa.Field(ge=0, nullable=True, description="Count; null where suppressed")
    count_flag: pl.String = pa.Field(nullable=True, description="Suppression marker, if any")
    published_total: pl.Int64 = pa.Field(
        ge=0, nullable=True, description="The table's own total for the area (Nomis only)"
    )

    class Config:
        """Reject unknown columns; one row per area and category."""

        strict = True
        unique: ClassVar[list[str]] = ["area_code", "category"]

    @pa.dataframe_check(error="categories do not add up to the published total for the area")
    @classmethod
    def categories_sum_to_total(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Where the file gives a total, the categories must add up to it exactly."""
        total = pl.col("count").sum().over("area_code")
        return data.lazyframe.select(
            pl.col("published_total").is_null() | (total == pl.col("published_total"))
        )


def tidy_census(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Type a long Census frame, drop totals and subtotals, and flag suppressed counts.

    The published total (Nomis files have one) is kept beside each count, so the
    schema can check that the categories add up to it.
    """
    is_total = pl.col("category").str.starts_with(TOTAL_PREFIX)
    totals = raw.filter(is_total).select(
        "area_code", pl.col("value").str.strip_chars().cast(pl.Int64).alias("published_total")
    )
    return (
        _leaves(raw)
        .with_columns(value_and_flag("value", pl.Int64(), flag="count_flag"))
        .rename({"value": "count"})
        .join(totals, on="area_code", how="left")
        .with_columns(pl.col("period").str.slice(0, 4).cast(pl.Int64).alias("census_year"))
        .select(
            "area_code",
            "area_name",
            "census_year",
            "category",
            "count",
            "count_flag",
            "published_total",
        )
        .sort("area_code", "category")
    )


def _leaves(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Drop totals and subtotals: ``"Owned"`` goes when ``"Owned: ..."`` also exists."""
    categories = frame.filter(~pl.col("category").str.starts_with(TOTAL_PREFIX))
    parents = (
        categories.select(pl.col("category").unique())
        .select(pl.col("category").str.extract(r"^(.*): [^:]+$").alias("parent"))
        .drop_nulls()
        .unique()
    )
    return categories.join(parents, left_on="category", right_on="parent", how="anti")


def to_nomis_bulk(
    counts: pl.DataFrame,
    *,
    topic: str,
    total_label: str,
    year: int = 2021,
    measures_suffix: bool = False,
) -> pl.DataFrame:
    """Lay out long counts as a Nomis bulk file (used to make synthetic sample data).

    Args:
        counts: one row per area and category: ``area_code``, ``area_name``,
            ``category``, ``count`` (integers).
        topic: the header prefix, e.g. ``"General health"``.
        total_label: the total column's label, e.g. ``"Total: All usual residents"``.
        year: the ``date`` column.
        measures_suffix: add ``"; measures: Value"`` to count headers, as older files do.

    """
    suffix = MEASURES_SUFFIX if measures_suffix else ""
    order = counts["category"].unique(maintain_order=True).to_list()
    wide = counts.pivot(on="category", index=["area_code", "area_name"], values="count").select(
        "area_code", "area_name", *order
    )
    return wide.select(
        pl.lit(year).alias("date"),
        pl.col("area_name").alias("geography"),
        pl.col("area_code").alias("geography code"),
        pl.sum_horizontal(order).alias(f"{topic}: {total_label}{suffix}"),
        *(pl.col(category).alias(f"{topic}: {category}{suffix}") for category in order),
    ).sort("geography code")
