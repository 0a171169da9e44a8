"""Stages of the child attainment pipeline: small typed functions from LazyFrames to a LazyFrame.

    ks4 (EES CSV) --tidy_ks4--> ks4_rows --la_attainment--> la_attainment ---------+
    deprivation (IoD CSV) --tidy_deprivation--> iod --rank_deprivation--> la_deprivation
                                                                                   |
                         attainment_gaps <--attainment_gaps-------------------------+
                         gaps_by_deprivation <--gaps_by_deprivation-- attainment_gaps

Reading, validating and writing are the runner's job; these functions only
transform, so each can be tested on a hand-made frame.
"""

from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl
from rapkit.importers.ees import read_ees, tidy_ees
from rapkit.importers.iod import read_iod_summary, with_deprivation

GEOGRAPHIC_LEVEL = "Local authority"
FILTER_COLUMNS = ("breakdown_topic", "breakdown")
# KS4 indicator columns (names as in the EES key stage 4 files up to 2023/24) and types.
MEASURES: dict[str, pl.DataType] = {
    "t_pupils": pl.Int64(),
    "t_att8": pl.Float64(),
    "avg_att8": pl.Float64(),
    "t_l2basics_95": pl.Int64(),
    "pt_l2basics_95": pl.Float64(),
    "avg_p8score": pl.Float64(),
    "p8score_CI_low": pl.Float64(),
    "p8score_CI_upp": pl.Float64(),
}
# Default breakdown topics to read: "Total" holds all pupils, "Disadvantage" the two
# groups. Filtering on the topic too keeps out a "Total" row repeated under other topics.
DEFAULT_TOPICS = ("Total", "Disadvantage")
# Pupil group key -> default breakdown label in the file (overridden in config).
DEFAULT_GROUPS = {
    "all": "Total",
    "disadvantaged": "Disadvantaged",
    "other": "Disadvantaged all other",
}
# Gap measure -> unit of the values and of the gap.
GAP_UNITS = {
    "attainment8_mean": "Attainment 8 points",
    "grade5_eng_maths_pct": "percentage points",
    "progress8_mean": "Progress 8 score",
}
MIN_PUPILS = 10


def read_ks4(
    path: Path,
    *,
    groups: Mapping[str, str],
    topics: Sequence[str] = DEFAULT_TOPICS,
) -> pl.LazyFrame:
    """Read the local authority rows of the chosen topics and pupil groups from a KS4 EES file."""
    return read_ees(
        path,
        geographic_level=GEOGRAPHIC_LEVEL,
        measures=list(MEASURES),
        filters={"breakdown_topic": list(topics), "breakdown": list(groups.values())},
        keep=FILTER_COLUMNS,
    )


def read_deprivation(path: Path, *, domain: str) -> pl.LazyFrame:
    """Read one domain of the indices of deprivation local authority district summary."""
    return read_iod_summary(path, domain=domain, geography="lad")


def tidy_ks4(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Type the KS4 rows: integer period, 2023/24 label, measures and their marker flags."""
    return tidy_ees(raw, geographic_level=GEOGRAPHIC_LEVEL, measures=MEASURES, keep=FILTER_COLUMNS)


def la_attainment(ks4: pl.LazyFrame, *, groups: Mapping[str, str]) -> pl.LazyFrame:
    """Name the pupil groups and the measures in plain words, one row per LA, year and group.

    ``groups`` maps our keys (``all``, ``disadvantaged``, ``other``) to the
    ``breakdown`` labels of the release, which live in the config because DfE
    has changed them between releases.
    """
    to_key = {label: key for key, label in groups.items()}
    return ks4.select(
        pl.col("area_code").alias("la_code"),
        pl.col("area_name").alias("la_name"),
        "old_la_code",
        "region_code",
        "region_name",
        "time_period",
        "academic_year",
        pl.col("breakdown").replace_strict(to_key, return_dtype=pl.String).alias("pupil_group"),
        "breakdown",
        pl.col("t_pupils").alias("pupils"),
        pl.col("t_pupils_flag").alias("pupils_flag"),
        pl.col("t_att8").alias("attainment8_total"),
        pl.col("avg_att8").alias("attainment8_mean"),
        pl.col("avg_att8_flag").alias("attainment8_mean_flag"),
        pl.col("t_l2basics_95").alias("grade5_eng_maths_pupils"),
        pl.col("pt_l2basics_95").alias("grade5_eng_maths_pct"),
        pl.col("pt_l2basics_95_flag").alias("grade5_eng_maths_pct_flag"),
        pl.col("avg_p8score").alias("progress8_mean"),
        pl.col("avg_p8score_flag").alias("progress8_mean_flag"),
        pl.col("p8score_ci_low").alias("progress8_ci_low"),
        pl.col("p8score_ci_upp").alias("progress8_ci_upp"),
    ).sort("la_code", "time_period", "pupil_group")


def rank_deprivation(iod: pl.LazyFrame) -> pl.LazyFrame:
    """Turn each authority's national rank of average score into a decile and quintile.

    Deciles are of *authorities* (rank 1 = most deprived), counted over the rows
    of the summary file, so the file must cover every authority it ranks (the
    schema checks that no rank exceeds the count).
    """
    areas = pl.len().over("index_domain").cast(pl.UInt32)
    decile = (pl.col("rank_average_score") * 10 / areas).ceil().cast(pl.Int64)
    return iod.select(
        "area_code",
        "area_name",
        "iod_year",
        "index_domain",
        pl.col("average_score").alias("deprivation_score"),
        pl.col("rank_average_score").alias("deprivation_rank"),
        areas.alias("areas_ranked"),
        decile.alias("deprivation_decile"),
        ((decile + 1) // 2).alias("deprivation_quintile"),
    ).sort("area_code")


def _gap_status(min_pupils: int) -> pl.Expr:
    """Why a gap can or cannot be computed: unpublished value, small cohort, or fine."""
    values = pl.col("disadvantaged_value").is_null() | pl.col("other_value").is_null()
    pupils = pl.min_horizontal("disadvantaged_pupils", "other_pupils")
    small = pl.col("disadvantaged_pupils").is_null() | pl.col("other_pupils").is_null()
    return (
        pl.when(values)
        .then(pl.lit("not published"))
        .when(small | (pupils < min_pupils))
        .then(pl.lit("small cohort"))
        .otherwise(pl.lit("computed"))
    )


def _group(frame: pl.LazyFrame, group: str, measures: Sequence[str]) -> pl.LazyFrame:
    """One pupil group's pupils and measures, with columns prefixed by the group."""
    keys = ("la_code", "la_name", "region_name", "academic_year")
    return frame.filter(pl.col("pupil_group") == group).select(
        *keys,
        pl.col("pupils").alias(f"{group}_pupils"),
        *(pl.col(m).alias(f"{group}_{m}") for m in measures),
    )


def attainment_gaps(
    attainment: pl.LazyFrame, deprivation: pl.LazyFrame, *, min_pupils: int = MIN_PUPILS
) -> pl.LazyFrame:
    """Compute the disadvantage gap for each measure, rank it, and add deprivation.

    The gap is ``other - disadvantaged``: positive when disadvantaged pupils are
    behind. It is left empty (with ``gap_status`` saying why) when either value
    is not published or either group has fewer than ``min_pupils`` pupils, so a
    noisy gap from a handful of pupils never tops the ranking. Rank 1 is the
    widest gap among authorities in the same year and measure.
    """
    keys = ["la_code", "la_name", "region_name", "academic_year"]
    measures = list(GAP_UNITS)
    pairs = _group(attainment, "disadvantaged", measures).join(
        _group(attainment, "other", measures), on=keys, how="inner", validate="1:1"
    )
    long = pl.concat(
        pairs.select(
            *keys,
            pl.lit(measure).alias("measure"),
            pl.lit(unit).alias("unit"),
            pl.col(f"disadvantaged_{measure}").alias("disadvantaged_value"),
            pl.col(f"other_{measure}").alias("other_value"),
            "disadvantaged_pupils",
            "other_pupils",
        )
        for measure, unit in GAP_UNITS.items()
    )
    status = _gap_status(min_pupils)
    by_year = ("academic_year", "measure")
    gaps = long.with_columns(status.alias("gap_status")).with_columns(
        pl.when(pl.col("gap_status") == "computed")
        .then((pl.col("other_value") - pl.col("disadvantaged_value")).round(2))
        .alias("gap")
    )
    ranked = gaps.with_columns(
        pl.col("gap")
        .rank(method="min", descending=True)
        .over(by_year)
        .cast(pl.UInt32)
        .alias("gap_rank"),
        pl.col("gap").count().over(by_year).cast(pl.UInt32).alias("las_ranked"),
    )
    return with_deprivation(ranked, deprivation, on="la_code").sort(
        "academic_year", "measure", "la_code"
    )


def gaps_by_deprivation(gaps: pl.LazyFrame) -> pl.LazyFrame:
    """Summarise gaps by deprivation quintile, to see if gaps widen with deprivation.

    The mean is of authorities' gaps, unweighted by cohort size: it describes
    places, not pupils (see the caveats on ecological inference).
    """
    return (
        gaps.group_by("academic_year", "measure", "unit", "deprivation_quintile")
        .agg(
            pl.len().cast(pl.UInt32).alias("las"),
            pl.col("gap").count().cast(pl.UInt32).alias("las_with_gap"),
            pl.col("gap").mean().alias("gap_mean"),
            pl.col("gap").min().alias("gap_min"),
            pl.col("gap").max().alias("gap_max"),
        )
        .sort("academic_year", "measure", "deprivation_quintile")
    )
