"""Stages of the skills pipeline: small typed functions from LazyFrames to a LazyFrame."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial

import polars as pl
from rapkit.importers.census import read_census, tidy_census
from rapkit.importers.geography import tidy_lsoa_lookup, with_lookup
from rapkit.importers.nomis_api import aps_rates, read_nomis_api, tidy_nomis_api

# Census 2021 TS067 "Highest level of qualification" categories, as published.
TS067_CATEGORIES = (
    "No qualifications",
    "Level 1 and entry level qualifications",
    "Level 2 qualifications",
    "Apprenticeship",
    "Level 3 qualifications",
    "Level 4 qualifications or above",
    "Other qualifications",
)
CENSUS_MEASURES: dict[str, list[str]] = {
    "no_qualifications": ["No qualifications"],
    "level3_plus": ["Level 3 qualifications", "Level 4 qualifications or above"],
    "level4_plus": ["Level 4 qualifications or above"],
}
TS067_SOURCE = "Census 2021 TS067 (highest level of qualification)"
SERIES_KEYS = ("area_code", "indicator", "qualification_framework")

read_qualifications = partial(read_census, geography="lsoa", categories=TS067_CATEGORIES)
read_aps = partial(read_nomis_api, dimensions=("VARIABLE_NAME",))


def tidy_qualifications(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Type the TS067 counts, remove the total and check categories add up to it."""
    return tidy_census(raw)


def tidy_lookup(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Rename the ONS lookup columns and keep one row per LSOA."""
    return tidy_lsoa_lookup(raw)


def tidy_aps(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Type the Nomis APS download: values, markers, measure codes and period dates."""
    return tidy_nomis_api(raw)


def lsoa_qualifications(
    counts: pl.LazyFrame,
    lookup: pl.LazyFrame,
    measures: Mapping[str, Sequence[str]] = CENSUS_MEASURES,
) -> pl.LazyFrame:
    """Share of residents aged 16+ whose highest qualification is in each measure's categories.

    The denominator is every TS067 category: all usual residents aged 16 and
    over, *including those aged 65+*. That differs from the APS (aged 16 to 64),
    so Census and APS percentages must not be compared directly. The local
    authority's share (``lad_fraction``) is the sum of its LSOAs' numerators
    over the sum of their denominators, from the same table (LSOAs with a
    suppressed count are left out of both sums).
    """
    per_measure = [
        counts.group_by("area_code").agg(
            pl.lit(name).alias("measure"),
            pl.col("count").filter(pl.col("category").is_in(list(categories))).sum().alias("n"),
            pl.col("count").sum().alias("d"),
            pl.col("count").is_null().any().alias("suppressed"),
            pl.col("census_year").first(),
        )
        for name, categories in measures.items()
    ]
    shares = pl.concat(per_measure).select(
        pl.col("area_code").alias("lsoa_code"),
        "measure",
        pl.when(~pl.col("suppressed")).then(pl.col("n")).alias("numerator"),
        pl.when(~pl.col("suppressed")).then(pl.col("d")).alias("denominator"),
        "census_year",
    )
    by_lad = ["lad_code", "measure"]
    return (
        with_lookup(shares, lookup.select("lsoa_code", "lad_code", "lad_name"), on="lsoa_code")
        .with_columns(
            (pl.col("numerator") / pl.col("denominator")).alias("fraction"),
            pl.when(pl.col("denominator").sum().over(by_lad) > 0)
            .then(pl.col("numerator").sum().over(by_lad) / pl.col("denominator").sum().over(by_lad))
            .alias("lad_fraction"),
            pl.lit(TS067_SOURCE).alias("source_table"),
        )
        .select(
            "lsoa_code",
            "lad_code",
            "lad_name",
            "measure",
            "numerator",
            "denominator",
            "fraction",
            "lad_fraction",
            "source_table",
            "census_year",
        )
        .sort("lsoa_code", "measure")
    )


def qualification_framework(variable_name: pl.Expr) -> pl.Expr:
    """Return "NVQ" or "RQF" from an APS variable name, null if it names neither.

    APS qualification variables were based on NVQ levels until Jan-Dec 2021
    ("% with NVQ4+ - aged 16-64") and on RQF levels from Jan-Dec 2022 ("% with
    RQF4+ - aged 16-64"). ONS treats this as a break in the series.
    """
    return variable_name.str.extract(r"(NVQ|RQF)", 1)


def indicator_name(variable_name: pl.Expr) -> pl.Expr:
    """Return a framework-free indicator name (``level4_plus``, ``employment_rate`` ...).

    A variable the rules do not recognise gives null, which the schema reports
    with the variable name, so a new variable is mapped on purpose, not guessed.
    """
    text = variable_name.str.to_lowercase()
    level = variable_name.str.extract(r"(?:NVQ|RQF)\s?(\d)\+", 1)
    return (
        pl.when(level.is_not_null())
        .then(pl.concat_str([pl.lit("level"), level, pl.lit("_plus")]))
        .when(text.str.contains("no qualifications"))
        .then(pl.lit("no_qualifications"))
        .when(text.str.contains("other qualifications"))
        .then(pl.lit("other_qualifications"))
        .when(text.str.starts_with("employment rate"))
        .then(pl.lit("employment_rate"))
    )


def aps_series(observations: pl.LazyFrame) -> pl.LazyFrame:
    """Lay out APS estimates with intervals, and the change from the previous period.

    The change is taken only within one series: the same area, indicator and
    *qualification framework*. The first RQF period therefore has no change,
    rather than a spurious jump from the last NVQ period. Interval ends are
    clipped to 0 to 100 (a symmetric interval can pass the bounds for rare
    qualifications).
    """
    keys = ["area_code", "area_name", "variable_name", "period_name", "period_start", "period_end"]
    series = list(SERIES_KEYS)
    return (
        aps_rates(observations, keys)
        .with_columns(
            indicator_name(pl.col("variable_name")).alias("indicator"),
            qualification_framework(pl.col("variable_name")).alias("qualification_framework"),
            (pl.col("value_pct") - pl.col("ci_pct")).clip(0, 100).alias("ci_lower_pct"),
            (pl.col("value_pct") + pl.col("ci_pct")).clip(0, 100).alias("ci_upper_pct"),
        )
        .with_columns(
            pl.when(pl.col("indicator") == "employment_rate")
            .then(pl.lit("employment"))
            .otherwise(pl.lit("qualifications"))
            .alias("topic"),
        )
        .sort([*series, "period_start"], nulls_last=True)
        .with_columns(
            (pl.col("value_pct") - pl.col("value_pct").shift(1))
            .over(series)
            .alias("change_pct_points")
        )
        .select(
            "area_code",
            "area_name",
            "topic",
            "indicator",
            "variable_name",
            "qualification_framework",
            "period_name",
            "period_start",
            "period_end",
            "value_pct",
            "ci_lower_pct",
            "ci_upper_pct",
            "numerator",
            "denominator",
            "value_flag",
            "obs_status",
            "change_pct_points",
        )
        .sort("area_code", "indicator", "period_start")
    )
