"""Pandera schemas: what each stage of the skills pipeline guarantees."""

from __future__ import annotations

from typing import ClassVar

import pandera.polars as pa
import polars as pl
from rapkit.importers.geography import InLookup

LSOA_CODE = r"^[EW]01\d{6}$"
AREA_CODE = r"^[EWK]\d{8}$"
FRAMEWORKS = ("NVQ", "RQF")
TOPICS = ("qualifications", "employment")


class LsoaQualifications(InLookup):
    """One row per LSOA and measure: the share of residents aged 16+ with that qualification."""

    lsoa_code: pl.String = pa.Field(str_matches=LSOA_CODE, description="LSOA 2021 code")
    lad_code: pl.String = pa.Field(nullable=True, description="Local authority (lookup)")
    lad_name: pl.String = pa.Field(nullable=True, description="Local authority name (lookup)")
    measure: pl.String = pa.Field(description="Measure name from [parameters.census_measures]")
    numerator: pl.Int64 = pa.Field(ge=0, nullable=True, description="Residents with it")
    denominator: pl.Int64 = pa.Field(ge=0, nullable=True, description="Residents aged 16+")
    fraction: pl.Float64 = pa.Field(ge=0, le=1, nullable=True, description="Share, 0 to 1")
    lad_fraction: pl.Float64 = pa.Field(
        ge=0, le=1, nullable=True, description="The same share for the whole local authority"
    )
    source_table: pl.String = pa.Field(description="Published table")
    census_year: pl.Int64 = pa.Field(isin=[2011, 2021], description="Census year")

    class Config:
        """Reject unknown columns; one row per LSOA and measure."""

        strict = True
        unique: ClassVar[list[str]] = ["lsoa_code", "measure"]

    @pa.dataframe_check(error="numerator larger than denominator")
    @classmethod
    def numerator_within_denominator(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Check a part never exceeds its whole."""
        return data.lazyframe.select(
            (pl.col("numerator") <= pl.col("denominator")).fill_null(value=True)
        )


class ApsSeries(pa.DataFrameModel):
    """One row per area, indicator and APS period, with the estimate and its uncertainty."""

    area_code: pl.String = pa.Field(str_matches=AREA_CODE, description="GSS code of the area")
    area_name: pl.String = pa.Field(description="Area name (Nomis GEOGRAPHY_NAME)")
    topic: pl.String = pa.Field(isin=TOPICS, description="qualifications or employment")
    indicator: pl.String = pa.Field(
        description="Framework-free indicator name, e.g. level4_plus, employment_rate"
    )
    variable_name: pl.String = pa.Field(description="Nomis VARIABLE_NAME as published")
    qualification_framework: pl.String = pa.Field(
        isin=FRAMEWORKS,
        nullable=True,
        description="NVQ (to Jan-Dec 2021) or RQF (from Jan-Dec 2022): a series break",
    )
    period_name: pl.String = pa.Field(description="APS period as published, e.g. Jan 2023-Dec 2023")
    period_start: pl.Date = pa.Field(description="First day of the APS period")
    period_end: pl.Date = pa.Field(description="Last day of the APS period")
    value_pct: pl.Float64 = pa.Field(
        ge=0, le=100, nullable=True, description="Estimate, % (0 to 100); null if not published"
    )
    ci_lower_pct: pl.Float64 = pa.Field(
        ge=0, le=100, nullable=True, description="Lower end of the 95% confidence interval, %"
    )
    ci_upper_pct: pl.Float64 = pa.Field(
        ge=0, le=100, nullable=True, description="Upper end of the 95% confidence interval, %"
    )
    numerator: pl.Float64 = pa.Field(ge=0, nullable=True, description="Weighted count with it")
    denominator: pl.Float64 = pa.Field(ge=0, nullable=True, description="Weighted population")
    value_flag: pl.String = pa.Field(nullable=True, description="Marker instead of a value")
    obs_status: pl.String = pa.Field(nullable=True, description="Nomis OBS_STATUS code")
    change_pct_points: pl.Float64 = pa.Field(
        nullable=True,
        description="Change since the previous period of the same framework; null at a break",
    )

    class Config:
        """Reject unknown columns; one row per area, indicator, framework and period."""

        strict = True
        unique: ClassVar[list[str]] = [
            "area_code",
            "indicator",
            "qualification_framework",
            "period_start",
        ]

    @pa.dataframe_check(error="estimate outside its confidence interval")
    @classmethod
    def value_within_interval(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Check the estimate lies inside its own confidence interval."""
        inside = (pl.col("ci_lower_pct") <= pl.col("value_pct")) & (
            pl.col("value_pct") <= pl.col("ci_upper_pct")
        )
        return data.lazyframe.select(inside.fill_null(value=True))

    @pa.dataframe_check(error="qualification rows need a framework; employment rows none")
    @classmethod
    def framework_only_for_qualifications(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Check the framework is given exactly for qualification indicators."""
        return data.lazyframe.select(
            (pl.col("topic") == "qualifications") == pl.col("qualification_framework").is_not_null()
        )

    @pa.dataframe_check(error="change computed across the NVQ/RQF series break")
    @classmethod
    def no_change_across_frameworks(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Check no change is computed from a period of the other framework.

        The first period of each (area, indicator, framework) series has no change.
        """
        series = ["area_code", "indicator", "qualification_framework"]
        first = pl.col("period_start") == pl.col("period_start").min().over(series)
        return data.lazyframe.select(~first | pl.col("change_pct_points").is_null())
