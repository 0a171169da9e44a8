"""English indices of deprivation (MHCLG): local authority summaries, in long CSV form.

MHCLG publishes the local authority summaries of each release as spreadsheets
(IoD2019 File 10, lower-tier local authority districts; File 11, upper-tier
authorities), with one sheet per domain. Open-data portals republish them as one
long CSV, one row per area and domain, in two layouts this module reads:

* **IoD2019**: ``lad19cd, lad19nm, index_domain, average_rank, rank_average_rank,
  average_score, rank_average_score, proportion_bottom_decile,
  rank_proportion_bottom_decile, year``;
* **IoD2025**: ``area_code, area_name, area_type, deprivation_data_year,
  index_domain`` and the same six measures.

Ranks are national: 1 is the most deprived area. ``proportion_bottom_decile`` is
the fraction (0-1) of the area's LSOAs in the most deprived 10% nationally.
Domain labels differ between releases ("Income" in 2019, "Income Deprivation" in
2025), so :data:`DOMAINS` maps every known label to one short key.

Area codes carry the geography *vintage* of the release (LAD 2019 or LAD 2024):
joining data on another vintage (a code recoded or abolished since) must fail by
name, not drop rows; :func:`with_deprivation` and :class:`InDeprivation` do that.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pandera.polars as pa
import polars as pl

from ..errors import InputError
from ..io import read_header, scan_text_csv
from .markers import finite_number

MEASURES = (
    "average_rank",
    "rank_average_rank",
    "average_score",
    "rank_average_score",
    "proportion_bottom_decile",
    "rank_proportion_bottom_decile",
)
# Published layout -> (code, name, year) columns.
LAYOUTS: dict[str, tuple[str, str, str]] = {
    "IoD2019": ("lad19cd", "lad19nm", "year"),
    "IoD2025": ("area_code", "area_name", "deprivation_data_year"),
}

# Every known domain label (both releases) -> a short key used in configuration.
DOMAINS: dict[str, str] = {
    "Index of Multiple Deprivation": "imd",
    "Income": "income",
    "Income Deprivation": "income",
    "Employment": "employment",
    "Employment Deprivation": "employment",
    "Education, Skills and Training": "education",
    "Education, Skills and Training Deprivation": "education",
    "Health and Disability": "health",
    "Health Deprivation and Disability": "health",
    "Crime": "crime",
    "Barriers to Housing and Services": "barriers",
    "Living Environment": "living_environment",
    "Living Environment Deprivation": "living_environment",
    "Income Deprivation Affecting Children": "idaci",
    "Income Deprivation Affecting Older People": "idaopi",
}

# GSS prefixes of each kind of local authority summary.
GEOGRAPHIES: dict[str, tuple[str, ...]] = {
    "lad": ("E06", "E07", "E08", "E09"),  # lower tier: unitary, district, metropolitan, London
    "utla": ("E06", "E08", "E09", "E10"),  # upper tier: unitary, metropolitan, London, county
}
RAW_COLUMNS = ("area_code", "area_name", "iod_year", "index_domain", *MEASURES)


def read_iod_summary(path: Path, *, domain: str = "imd", geography: str = "lad") -> pl.LazyFrame:
    """Read one domain of a local authority summary (either layout) as text, and check it.

    Args:
        path: the long CSV (IoD2019 or IoD2025 layout).
        domain: key of the domain to keep (see :data:`DOMAINS`), e.g. ``"imd"`` or
            ``"idaci"`` (income deprivation affecting children).
        geography: ``"lad"`` (lower-tier districts) or ``"utla"`` (upper tier).

    """
    if domain not in set(DOMAINS.values()):
        msg = (
            f"Unknown deprivation domain {domain!r}; choose one of {sorted(set(DOMAINS.values()))}."
        )
        raise InputError(msg)
    header = read_header(path)
    layout = next(
        (name for name, columns in LAYOUTS.items() if all(c in header for c in columns)), None
    )
    if layout is None:
        msg = (
            f"{path} is not an indices of deprivation summary in a layout this importer knows: "
            f"expected {list(LAYOUTS['IoD2019'][:2])} or {list(LAYOUTS['IoD2025'][:2])} with "
            f"index_domain and {list(MEASURES)}. Columns found: {header}."
        )
        raise InputError(msg)
    code, name, year = LAYOUTS[layout]
    frame = scan_text_csv(path, required=(code, name, year, "index_domain", *MEASURES)).select(
        pl.col(code).str.strip_chars().alias("area_code"),
        pl.col(name).alias("area_name"),
        pl.col(year).str.strip_chars().alias("iod_year"),
        pl.col("index_domain").str.strip_chars(),
        *MEASURES,
    )
    labels = frame.select(pl.col("index_domain").unique()).collect()["index_domain"]
    unknown = sorted(str(label) for label in labels if label not in DOMAINS)
    if unknown:
        msg = f"{path} has domain label(s) this importer does not know: {unknown}. Add them to DOMAINS."
        raise InputError(msg)
    chosen = frame.filter(pl.col("index_domain").replace_strict(DOMAINS) == domain).with_columns(
        pl.lit(domain).alias("index_domain")
    )
    _check_codes(path, chosen, domain, geography)
    return chosen


def _check_codes(path: Path, frame: pl.LazyFrame, domain: str, geography: str) -> None:
    """Fail if the domain has no rows, or any code is not of the expected geography."""
    prefixes = GEOGRAPHIES[geography]
    codes = frame.select("area_code").collect()["area_code"]
    if codes.is_empty():
        msg = f"{path} has no rows for the domain {domain!r}."
        raise InputError(msg)
    wrong = codes.filter(~codes.str.slice(0, 3).is_in(list(prefixes)) | codes.is_null())
    if len(wrong):
        shown = sorted(str(code) for code in wrong)[:5]
        msg = (
            f"{path}: {len(wrong)} area code(s) are not {geography.upper()} codes (expected "
            f"codes starting {'/'.join(prefixes)}), e.g. {shown}. Is this the right summary "
            "(lower-tier districts or upper-tier authorities)?"
        )
        raise InputError(msg)


def tidy_iod_summary(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Type the summary read by :func:`read_iod_summary`.

    Casting is strict: a value that is not a number is an error naming the column.
    The fraction of LSOAs in the most deprived decile is renamed with its unit.
    """
    ranks = ("rank_average_rank", "rank_average_score", "rank_proportion_bottom_decile")
    return raw.select(
        "area_code",
        "area_name",
        pl.col("iod_year").cast(pl.Int64),
        "index_domain",
        *(finite_number(c) for c in MEASURES if c not in ranks),
        *(pl.col(c).str.strip_chars().cast(pl.Int64) for c in ranks),
    ).rename({"proportion_bottom_decile": "bottom_decile_frac"})


class IodSummary(pa.DataFrameModel):
    """One row per local authority for one domain of the indices of deprivation."""

    area_code: pl.String = pa.Field(
        str_matches=r"^E(06|07|08|09|10)\d{6}$", description="GSS code of the local authority"
    )
    area_name: pl.String = pa.Field(description="Local authority name as published")
    iod_year: pl.Int64 = pa.Field(ge=2004, le=2100, description="Release year of the indices")
    index_domain: pl.String = pa.Field(
        isin=sorted(set(DOMAINS.values())), description="Domain key (see importers.iod.DOMAINS)"
    )
    average_score: pl.Float64 = pa.Field(description="Population-weighted average LSOA score")
    average_rank: pl.Float64 = pa.Field(ge=1, description="Population-weighted average LSOA rank")
    bottom_decile_frac: pl.Float64 = pa.Field(
        ge=0, le=1, description="Fraction of LSOAs in the most deprived 10% nationally"
    )
    rank_average_rank: pl.Int64 = pa.Field(
        ge=1, description="Rank of average rank (1 = most deprived)"
    )
    rank_average_score: pl.Int64 = pa.Field(
        ge=1, description="Rank of average score (1 = most deprived)"
    )
    rank_proportion_bottom_decile: pl.Int64 = pa.Field(
        ge=1, description="Rank of the bottom-decile fraction (1 = highest fraction)"
    )

    class Config:
        """Reject unknown columns; one row per area and domain."""

        strict = True
        unique: ClassVar[list[str]] = ["area_code", "index_domain"]


def with_deprivation(
    frame: pl.LazyFrame, deprivation: pl.LazyFrame, *, on: str = "area_code"
) -> pl.LazyFrame:
    """Add the deprivation columns to ``frame`` by its local authority code column ``on``.

    A left join: a code missing from the summary keeps null deprivation columns,
    and the next schema (with :class:`InDeprivation`) names it, instead of the row
    silently vanishing as it would in an inner join.
    """
    columns = deprivation.collect_schema().names()
    return frame.join(
        deprivation.drop("area_name") if "area_name" in columns else deprivation,
        left_on=on,
        right_on="area_code",
        how="left",
        validate="m:1",
    )


class InDeprivation(pa.DataFrameModel):
    """Mixin for schemas of frames joined with :func:`with_deprivation`."""

    @pa.dataframe_check(
        error=(
            "local authority code not in the deprivation summary: is it from another geography "
            "vintage (e.g. E10000021 Northamptonshire became E06000061/E06000062 in 2021), or a "
            "county council (E10) matched against lower-tier district summaries?"
        )
    )
    @classmethod
    def found_in_deprivation(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Every row must have found its local authority in the deprivation summary."""
        return data.lazyframe.select(pl.col("iod_year").is_not_null())
