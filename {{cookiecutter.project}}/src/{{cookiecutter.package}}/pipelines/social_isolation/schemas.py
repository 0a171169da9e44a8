"""Pandera schemas: what each stage of the social isolation pipeline guarantees.

The imported Census tables are checked by the shared importer's
``CensusCounts`` schema and the lookup by ``LsoaLookup``; the models here
check what this pipeline computes from them. Every check runs on every row of
every run (the runner validates collected frames).
"""

from typing import ClassVar

import pandera.polars as pa
import polars as pl
from rapkit.importers.census import CensusCounts
from rapkit.importers.geography import InLookup

from .stages import COMPONENT_NAMES, PROXY_COMPONENTS

LSOA_CODE = r"^[EW]01\d{6}$"  # GSS code of a Lower layer Super Output Area (2021)
MSOA_CODE = r"^[EW]02\d{6}$"  # GSS code of a Middle layer Super Output Area (2021)
LAD_CODE = r"^[EW]0[6-9]\d{6}$"  # GSS code of a local authority district
CENSUS_TABLES = ["TS002", "TS007A", "TS011", "TS037", "TS038", "TS054"]
LARGEST_HOUSEHOLD_MEAN = 8.0  # TS017's open band is "8 or more"; a mean above 8 is an error
LOGODDS_TOLERANCE = 1e-9


class CensusInLookup(CensusCounts, InLookup):
    """One Census table as imported, each area with its local authority from the lookup."""

    lad_code: pl.String = pa.Field(nullable=True, description="Local authority (from the lookup)")


class Components(pa.DataFrameModel):
    """One row per LSOA and component: a share of people or households, with its parts."""

    lsoa_code: pl.String = pa.Field(str_matches=LSOA_CODE, description="LSOA 2021 code")
    component: pl.String = pa.Field(
        isin=list(COMPONENT_NAMES), description="Component name (see the problem statement)"
    )
    numerator: pl.Int64 = pa.Field(
        ge=0, nullable=True, description="Count in the component; null if a count was suppressed"
    )
    denominator: pl.Int64 = pa.Field(
        ge=0, nullable=True, description="Count of the population the share is of"
    )
    fraction: pl.Float64 = pa.Field(
        ge=0,
        le=1,
        nullable=True,
        description="numerator / denominator (0 to 1); null if either is unknown or it is 0",
    )
    source_table: pl.String = pa.Field(
        isin=CENSUS_TABLES, description="Census 2021 topic summary the counts come from"
    )
    census_year: pl.Int64 = pa.Field(isin=[2021], description="Year of the Census")
    used_in: pl.String = pa.Field(
        description="Index (or indices) using the component: tombolo_proxy, ageuk_model"
    )

    class Config:
        """Reject unknown columns; one row per LSOA and component."""

        strict = True
        unique: ClassVar[list[str]] = ["lsoa_code", "component"]

    @pa.dataframe_check(error="numerator is larger than denominator")
    @classmethod
    def numerator_within_denominator(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Check that a part never exceeds the whole it is a share of."""
        return data.lazyframe.select(
            pl.col("numerator").is_null()
            | pl.col("denominator").is_null()
            | (pl.col("numerator") <= pl.col("denominator"))
        )

    @pa.dataframe_check(
        error="no LSOAs at all: check local_authorities in config/pipeline.toml and the lookup"
    )
    @classmethod
    def has_areas(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Check that there is something to rank (a wrong authority code selects nothing)."""
        return data.lazyframe.select(pl.len() > 0)

    @pa.dataframe_check(
        error="LSOA is missing from at least one Census table (every component is needed)"
    )
    @classmethod
    def every_lsoa_has_every_component(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Tables covering different areas would give an index from partial inputs."""
        return data.lazyframe.select(pl.len().over("lsoa_code") == len(COMPONENT_NAMES))


class HouseholdSize(pa.DataFrameModel):
    """One row per LSOA: occupied households and people in them, from TS017 size bands."""

    lsoa_code: pl.String = pa.Field(str_matches=LSOA_CODE, unique=True, description="LSOA code")
    census_year: pl.Int64 = pa.Field(isin=[2021], description="Year of the Census")
    occupied_households: pl.Int64 = pa.Field(
        ge=0, nullable=True, description="Households with at least one usual resident"
    )
    household_residents: pl.Float64 = pa.Field(
        ge=0,
        nullable=True,
        description="People in those households, counting '8 or more' as the configured size",
    )
    mean_household_size: pl.Float64 = pa.Field(
        ge=1,
        le=LARGEST_HOUSEHOLD_MEAN,
        nullable=True,
        description="household_residents / occupied_households (people per household)",
    )

    class Config:
        """Reject unknown columns."""

        strict = True


class TomboloProxy(pa.DataFrameModel):
    """One row per LSOA: Tombolo's equal-weights sum of six fractions."""

    lsoa_code: pl.String = pa.Field(str_matches=LSOA_CODE, unique=True, description="LSOA code")
    tombolo_social_isolation_proxy: pl.Float64 = pa.Field(
        ge=0,
        le=len(PROXY_COMPONENTS),
        nullable=True,
        description="Unweighted sum of six fractions (0 to 6); a proxy, not a loneliness measure",
    )

    class Config:
        """Reject unknown columns."""

        strict = True


class AgeUkModel(pa.DataFrameModel):
    """One row per LSOA: the Age UK model's inputs, log-odds and prevalence."""

    lsoa_code: pl.String = pa.Field(str_matches=LSOA_CODE, unique=True, description="LSOA code")
    health_poor_frac: pl.Float64 = pa.Field(
        ge=0, le=1, nullable=True, description="Share in bad or very bad health (ELSA 'poor')"
    )
    health_fair_frac: pl.Float64 = pa.Field(
        ge=0, le=1, nullable=True, description="Share in fair health"
    )
    health_good_frac: pl.Float64 = pa.Field(
        ge=0, le=1, nullable=True, description="Share in good health"
    )
    widowed_frac: pl.Float64 = pa.Field(
        ge=0, le=1, nullable=True, description="Share of residents aged 16+ who are widowed"
    )
    age_75_79_frac: pl.Float64 = pa.Field(
        ge=0, le=1, nullable=True, description="Share of residents aged 65+ who are 75 to 79"
    )
    mean_household_size: pl.Float64 = pa.Field(
        ge=1,
        le=LARGEST_HOUSEHOLD_MEAN,
        description="People per occupied household (must be known for every LSOA)",
    )
    ageuk_loneliness_logodds: pl.Float64 = pa.Field(
        nullable=True, description="Log-odds of 'often lonely' from the Age UK model"
    )
    ageuk_loneliness_prevalence_frac: pl.Float64 = pa.Field(
        ge=0, le=1, nullable=True, description="Modelled prevalence: logistic(log-odds), 0 to 1"
    )

    class Config:
        """Reject unknown columns."""

        strict = True

    @pa.dataframe_check(error="prevalence is not the logistic function of the log-odds")
    @classmethod
    def prevalence_is_logistic_of_logodds(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Check that the two published numbers are one estimate on two scales."""
        logistic = 1 / (1 + (-pl.col("ageuk_loneliness_logodds")).exp())
        gap = (logistic - pl.col("ageuk_loneliness_prevalence_frac")).abs()
        return data.lazyframe.select(
            pl.col("ageuk_loneliness_logodds").is_null() | (gap <= LOGODDS_TOLERANCE)
        )


class SocialIsolationIndex(InLookup):
    """One row per LSOA: both indices, their ranks and deciles, and the local authority."""

    lsoa_code: pl.String = pa.Field(str_matches=LSOA_CODE, unique=True, description="LSOA code")
    lsoa_name: pl.String = pa.Field(nullable=True, description="LSOA name, from the lookup")
    msoa_code: pl.String = pa.Field(
        str_matches=MSOA_CODE, nullable=True, description="MSOA 2021 the LSOA lies in"
    )
    lad_code: pl.String = pa.Field(
        str_matches=LAD_CODE, nullable=True, description="Local authority the LSOA lies in"
    )
    lad_name: pl.String = pa.Field(nullable=True, description="Local authority name")
    tombolo_social_isolation_proxy: pl.Float64 = pa.Field(
        ge=0, le=len(PROXY_COMPONENTS), nullable=True, description="Tombolo proxy (0 to 6)"
    )
    tombolo_proxy_rank: pl.UInt32 = pa.Field(
        ge=1, nullable=True, description="Rank of the proxy among these LSOAs (1 = highest)"
    )
    tombolo_proxy_decile: pl.UInt8 = pa.Field(
        ge=1, le=10, nullable=True, description="Decile of the proxy (1 = highest tenth)"
    )
    mean_household_size: pl.Float64 = pa.Field(
        ge=1, le=LARGEST_HOUSEHOLD_MEAN, description="People per occupied household"
    )
    ageuk_loneliness_logodds: pl.Float64 = pa.Field(
        nullable=True, description="Log-odds of 'often lonely' from the Age UK model"
    )
    ageuk_loneliness_prevalence_frac: pl.Float64 = pa.Field(
        ge=0, le=1, nullable=True, description="Modelled prevalence among people aged 65+ (0-1)"
    )
    ageuk_rank: pl.UInt32 = pa.Field(
        ge=1, nullable=True, description="Rank of the prevalence among these LSOAs (1 = highest)"
    )
    ageuk_decile: pl.UInt8 = pa.Field(
        ge=1, le=10, nullable=True, description="Decile of the prevalence (1 = highest tenth)"
    )

    class Config:
        """Reject unknown columns."""

        strict = True

    @pa.dataframe_check(error="a value is ranked but missing, or missing but ranked")
    @classmethod
    def ranked_exactly_when_known(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Ranks and deciles exist exactly for the areas whose index value exists."""
        return data.lazyframe.select(
            (
                pl.col("tombolo_social_isolation_proxy").is_null()
                == pl.col("tombolo_proxy_rank").is_null()
            )
            & (
                pl.col("ageuk_loneliness_prevalence_frac").is_null()
                == pl.col("ageuk_rank").is_null()
            )
        )
