"""Pandera schemas: what each stage of the child attainment pipeline guarantees.

Every check runs on every row of every run (the runner validates collected
frames). Units are in the column names: ``_pct`` is 0-100 as DfE publishes it,
``_frac`` is 0-1, Attainment 8 is in points (0-90) and Progress 8 in grades.
"""

from typing import Any, ClassVar

import pandera.polars as pa
import polars as pl
from rapkit.importers.ees import AREA_CODE_PATTERNS, EesLocalAuthority
from rapkit.importers.iod import DOMAINS, InDeprivation

LA_CODE = AREA_CODE_PATTERNS["Local authority"]
PUPIL_GROUPS = ("all", "disadvantaged", "other")
GAP_MEASURES = ("attainment8_mean", "grade5_eng_maths_pct", "progress8_mean")
GAP_STATUSES = ("computed", "not published", "small cohort")
TOLERANCE = 0.051  # DfE rounds averages and percentages to 1 decimal place


def _flag(description: str) -> Any:  # pandera types its fields as Any
    """Declare a nullable marker column (``c``, ``x``, ``z``, ...) beside a measure."""
    return pa.Field(nullable=True, description=f"Publisher's marker where {description} is missing")


class Ks4Rows(EesLocalAuthority):
    """KS4 local authority rows for the chosen breakdowns, typed, markers split into flags."""

    breakdown_topic: pl.String = pa.Field(description="EES filter: the breakdown's topic")
    breakdown: pl.String = pa.Field(description="EES filter: the pupil group")
    t_pupils: pl.Int64 = pa.Field(ge=0, nullable=True, description="Pupils at the end of KS4")
    t_pupils_flag: pl.String = _flag("t_pupils")
    t_att8: pl.Float64 = pa.Field(ge=0, nullable=True, description="Sum of Attainment 8 scores")
    t_att8_flag: pl.String = _flag("t_att8")
    avg_att8: pl.Float64 = pa.Field(
        ge=0, le=90, nullable=True, description="Average Attainment 8 score (points)"
    )
    avg_att8_flag: pl.String = _flag("avg_att8")
    t_l2basics_95: pl.Int64 = pa.Field(
        ge=0, nullable=True, description="Pupils with grade 5 or above in English and maths"
    )
    t_l2basics_95_flag: pl.String = _flag("t_l2basics_95")
    pt_l2basics_95: pl.Float64 = pa.Field(
        ge=0, le=100, nullable=True, description="Percent with grade 5+ in English and maths"
    )
    pt_l2basics_95_flag: pl.String = _flag("pt_l2basics_95")
    avg_p8score: pl.Float64 = pa.Field(
        ge=-5, le=5, nullable=True, description="Average Progress 8 score"
    )
    avg_p8score_flag: pl.String = _flag("avg_p8score")
    p8score_ci_low: pl.Float64 = pa.Field(nullable=True, description="Progress 8: lower 95% CI")
    p8score_ci_low_flag: pl.String = _flag("p8score_CI_low")
    p8score_ci_upp: pl.Float64 = pa.Field(nullable=True, description="Progress 8: upper 95% CI")
    p8score_ci_upp_flag: pl.String = _flag("p8score_CI_upp")

    class Config:
        """Reject unknown columns; one row per year, authority and pupil group."""

        strict = True
        unique: ClassVar[list[str]] = ["time_period", "area_code", "breakdown_topic", "breakdown"]

    @pa.dataframe_check(error="Progress 8 score outside its own confidence interval")
    @classmethod
    def progress8_inside_interval(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Where all three are published, the score lies within its 95% interval."""
        p8, low, upp = pl.col("avg_p8score"), pl.col("p8score_ci_low"), pl.col("p8score_ci_upp")
        return data.lazyframe.select(((low <= p8) & (p8 <= upp)).fill_null(value=True))


class LaAttainment(pa.DataFrameModel):
    """Published: KS4 attainment per local authority, year and pupil group (the components)."""

    la_code: pl.String = pa.Field(str_matches=LA_CODE, description="Local authority GSS code")
    la_name: pl.String = pa.Field(description="Local authority name as published by DfE")
    old_la_code: pl.String = pa.Field(
        str_matches=r"^\d{3}$", nullable=True, description="DfE three-digit LA number"
    )
    region_code: pl.String = pa.Field(str_matches=r"^E12\d{6}$", description="Region GSS code")
    region_name: pl.String = pa.Field(description="Region name")
    time_period: pl.Int64 = pa.Field(ge=199_900, description="EES time period, e.g. 202324")
    academic_year: pl.String = pa.Field(
        str_matches=r"^\d{4}/\d{2}$", description="Academic year, e.g. 2023/24"
    )
    pupil_group: pl.String = pa.Field(
        isin=list(PUPIL_GROUPS),
        description="all pupils, disadvantaged pupils, or all other (not disadvantaged) pupils",
    )
    breakdown: pl.String = pa.Field(description="The group's label in the DfE file")
    pupils: pl.Int64 = pa.Field(
        ge=0, nullable=True, description="Pupils at the end of KS4 (denominator)"
    )
    pupils_flag: pl.String = _flag("pupils")
    attainment8_total: pl.Float64 = pa.Field(
        ge=0, nullable=True, description="Sum of pupils' Attainment 8 scores (numerator)"
    )
    attainment8_mean: pl.Float64 = pa.Field(
        ge=0, le=90, nullable=True, description="Average Attainment 8 score (points, 0-90)"
    )
    attainment8_mean_flag: pl.String = _flag("attainment8_mean")
    grade5_eng_maths_pupils: pl.Int64 = pa.Field(
        ge=0, nullable=True, description="Pupils with grade 5+ in English and maths (numerator)"
    )
    grade5_eng_maths_pct: pl.Float64 = pa.Field(
        ge=0, le=100, nullable=True, description="Percent with grade 5+ in English and maths"
    )
    grade5_eng_maths_pct_flag: pl.String = _flag("grade5_eng_maths_pct")
    progress8_mean: pl.Float64 = pa.Field(
        ge=-5, le=5, nullable=True, description="Average Progress 8 score"
    )
    progress8_mean_flag: pl.String = _flag("progress8_mean")
    progress8_ci_low: pl.Float64 = pa.Field(nullable=True, description="Progress 8: lower 95% CI")
    progress8_ci_upp: pl.Float64 = pa.Field(nullable=True, description="Progress 8: upper 95% CI")

    class Config:
        """Reject unknown columns; one row per authority, year and pupil group."""

        strict = True
        unique: ClassVar[list[str]] = ["la_code", "time_period", "pupil_group"]

    @pa.dataframe_check(error="average Attainment 8 is not total / pupils (to 1 decimal place)")
    @classmethod
    def attainment8_mean_is_total_over_pupils(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """DfE's average is the sum of scores over pupils; both are published, so check it."""
        mean = pl.col("attainment8_total") / pl.col("pupils")
        off = (mean - pl.col("attainment8_mean")).abs() > TOLERANCE
        return data.lazyframe.select((~off).fill_null(value=True))

    @pa.dataframe_check(error="grade 5+ percentage is not pupils achieving / pupils")
    @classmethod
    def grade5_pct_is_count_over_pupils(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Check the percentage agrees with its numerator and denominator."""
        pct = 100 * pl.col("grade5_eng_maths_pupils") / pl.col("pupils")
        off = (pct - pl.col("grade5_eng_maths_pct")).abs() > TOLERANCE
        return data.lazyframe.select((~off).fill_null(value=True))

    @pa.dataframe_check(error="each authority and year needs all three pupil groups")
    @classmethod
    def three_groups_each(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Require all groups: a missing row (not a suppressed one) would hide a gap."""
        return data.lazyframe.select(pl.len().over("la_code", "time_period") == len(PUPIL_GROUPS))

    @pa.dataframe_check(error="disadvantaged + other pupils do not add up to all pupils")
    @classmethod
    def groups_add_up(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Every pupil is either disadvantaged or not, so the groups partition the total."""
        keys = ("la_code", "time_period")
        part = pl.col("pupil_group") != "all"
        parts = pl.when(part).then(pl.col("pupils")).sum().over(keys)
        missing = pl.when(part).then(pl.col("pupils").is_null()).sum().over(keys)
        return data.lazyframe.select(
            part | pl.col("pupils").is_null() | (missing > 0) | (parts == pl.col("pupils"))
        )


class LaDeprivation(pa.DataFrameModel):
    """One row per local authority: its deprivation score, rank, decile and quintile."""

    area_code: pl.String = pa.Field(
        str_matches=r"^E(06|07|08|09|10)\d{6}$", unique=True, description="Local authority code"
    )
    area_name: pl.String = pa.Field(description="Local authority name in the IoD file")
    iod_year: pl.Int64 = pa.Field(ge=2004, description="Release year of the indices")
    index_domain: pl.String = pa.Field(
        isin=sorted(set(DOMAINS.values())), description="Deprivation domain key"
    )
    deprivation_score: pl.Float64 = pa.Field(description="Average score of the domain")
    deprivation_rank: pl.Int64 = pa.Field(
        ge=1, description="Rank of average score among authorities (1 = most deprived)"
    )
    areas_ranked: pl.UInt32 = pa.Field(ge=1, description="Authorities in the summary file")
    deprivation_decile: pl.Int64 = pa.Field(
        ge=1, le=10, description="Decile of the rank among authorities (1 = most deprived 10%)"
    )
    deprivation_quintile: pl.Int64 = pa.Field(
        ge=1, le=5, description="Quintile of the rank among authorities (1 = most deprived 20%)"
    )

    class Config:
        """Reject unknown columns."""

        strict = True

    @pa.dataframe_check(error="deprivation rank exceeds the number of authorities ranked")
    @classmethod
    def rank_within_count(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """National ranks only make deciles if the file covers every authority it ranks."""
        return data.lazyframe.select(pl.col("deprivation_rank") <= pl.col("areas_ranked"))


class AttainmentGaps(InDeprivation):
    """Published: the disadvantage gap per authority, year and measure, with its components."""

    la_code: pl.String = pa.Field(str_matches=LA_CODE, description="Local authority GSS code")
    la_name: pl.String = pa.Field(description="Local authority name as published by DfE")
    region_name: pl.String = pa.Field(description="Region name")
    academic_year: pl.String = pa.Field(
        str_matches=r"^\d{4}/\d{2}$", description="Academic year, e.g. 2023/24"
    )
    measure: pl.String = pa.Field(isin=list(GAP_MEASURES), description="The KS4 measure")
    unit: pl.String = pa.Field(description="Unit of the values and the gap")
    disadvantaged_value: pl.Float64 = pa.Field(
        nullable=True, description="The measure for disadvantaged pupils (component)"
    )
    other_value: pl.Float64 = pa.Field(
        nullable=True, description="The measure for all other pupils (component)"
    )
    disadvantaged_pupils: pl.Int64 = pa.Field(
        ge=0, nullable=True, description="Disadvantaged pupils (denominator)"
    )
    other_pupils: pl.Int64 = pa.Field(
        ge=0, nullable=True, description="All other pupils (denominator)"
    )
    gap_status: pl.String = pa.Field(
        isin=list(GAP_STATUSES), description="Why a gap is or is not computed"
    )
    gap: pl.Float64 = pa.Field(
        nullable=True,
        description="other_value - disadvantaged_value (positive: disadvantaged behind)",
    )
    gap_rank: pl.UInt32 = pa.Field(
        ge=1, nullable=True, description="Rank of the gap in the year and measure (1 = widest)"
    )
    las_ranked: pl.UInt32 = pa.Field(ge=0, description="Authorities with a gap that year")
    iod_year: pl.Int64 = pa.Field(nullable=True, description="Release year of the indices")
    index_domain: pl.String = pa.Field(nullable=True, description="Deprivation domain key")
    deprivation_score: pl.Float64 = pa.Field(nullable=True, description="Domain average score")
    deprivation_rank: pl.Int64 = pa.Field(
        ge=1, nullable=True, description="Rank of average score (1 = most deprived)"
    )
    areas_ranked: pl.UInt32 = pa.Field(
        ge=1, nullable=True, description="Authorities in the deprivation summary"
    )
    deprivation_decile: pl.Int64 = pa.Field(
        ge=1, le=10, nullable=True, description="Deprivation decile (1 = most deprived 10%)"
    )
    deprivation_quintile: pl.Int64 = pa.Field(
        ge=1, le=5, nullable=True, description="Deprivation quintile (1 = most deprived 20%)"
    )

    class Config:
        """Reject unknown columns; one row per authority, year and measure."""

        strict = True
        unique: ClassVar[list[str]] = ["la_code", "academic_year", "measure"]

    @pa.dataframe_check(error="gap is not other_value - disadvantaged_value")
    @classmethod
    def gap_is_difference(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Check the index is its components' difference (to rounding)."""
        diff = pl.col("other_value") - pl.col("disadvantaged_value")
        return data.lazyframe.select(((diff - pl.col("gap")).abs() <= TOLERANCE).fill_null(True))

    @pa.dataframe_check(error="gap present without status 'computed', or missing with it")
    @classmethod
    def gap_matches_status(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Check gap_status says truly whether (and why not) a gap was computed."""
        return data.lazyframe.select(
            pl.col("gap").is_not_null() == (pl.col("gap_status") == "computed")
        )

    @pa.dataframe_check(error="gap_rank is missing, or above the number of authorities ranked")
    @classmethod
    def rank_within_ranked(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Every computed gap has a rank between 1 and the number ranked."""
        rank = pl.col("gap_rank")
        return data.lazyframe.select(
            pl.when(pl.col("gap").is_null())
            .then(rank.is_null())
            .otherwise(rank.is_not_null() & (rank <= pl.col("las_ranked")))
        )


class GapsByDeprivation(pa.DataFrameModel):
    """Published: how gaps vary with deprivation, per year, measure and deprivation quintile."""

    academic_year: pl.String = pa.Field(
        str_matches=r"^\d{4}/\d{2}$", description="Academic year, e.g. 2023/24"
    )
    measure: pl.String = pa.Field(isin=list(GAP_MEASURES), description="The KS4 measure")
    unit: pl.String = pa.Field(description="Unit of the gaps")
    deprivation_quintile: pl.Int64 = pa.Field(
        ge=1, le=5, description="Deprivation quintile of authorities (1 = most deprived)"
    )
    las: pl.UInt32 = pa.Field(ge=1, description="Authorities in the quintile")
    las_with_gap: pl.UInt32 = pa.Field(ge=0, description="Of which with a computed gap")
    gap_mean: pl.Float64 = pa.Field(
        nullable=True, description="Unweighted mean of the authorities' gaps"
    )
    gap_min: pl.Float64 = pa.Field(nullable=True, description="Narrowest gap in the quintile")
    gap_max: pl.Float64 = pa.Field(nullable=True, description="Widest gap in the quintile")

    class Config:
        """Reject unknown columns; one row per year, measure and quintile."""

        strict = True
        unique: ClassVar[list[str]] = ["academic_year", "measure", "deprivation_quintile"]

    @pa.dataframe_check(error="gap_min <= gap_mean <= gap_max does not hold")
    @classmethod
    def mean_between_extremes(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Check the mean lies between the values it averages."""
        lo, mean, hi = pl.col("gap_min"), pl.col("gap_mean"), pl.col("gap_max")
        ok = (lo <= mean + 1e-9) & (mean <= hi + 1e-9)
        return data.lazyframe.select(ok.fill_null(value=True))

    @pa.dataframe_check(error="more authorities with a gap than in the quintile")
    @classmethod
    def counts_consistent(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Check the authorities with a gap are a subset of the quintile."""
        return data.lazyframe.select(pl.col("las_with_gap") <= pl.col("las"))
