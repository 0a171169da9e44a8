"""Pandera schemas: what each stage of the active travel pipeline guarantees.

The published outputs are tidy: ``ActiveTravelComponent`` has one row per LSOA
and component, with the numerator, denominator, source table and the
geography level that supplied the value (``source_level``), so every number in
the index can be traced to its source; ``ActiveTravelIndex`` has one row per
LSOA with the index and its component fractions side by side.
"""

from __future__ import annotations

from typing import ClassVar

import pandera.polars as pa
import polars as pl
from rapkit.importers.dft_tables import DftAreaTable
from rapkit.importers.geography import InLookup

LSOA_CODE = r"^[EW]01\d{6}$"
MSOA_CODE = r"^[EW]02\d{6}$"
LAD_CODE = r"^[EW]0[6-9]\d{6}$"
COMPONENTS = ("active_commute", "cycle_traffic", "adults_active_travel")
LEVELS = ("lsoa", "msoa", "lad", "none")  # the back-off route, most local first


class StudyAreas(InLookup):
    """The LSOAs in the Census file, with the MSOA and local authority each lies in."""

    lsoa_code: pl.String = pa.Field(str_matches=LSOA_CODE, unique=True, description="LSOA 2021")
    lsoa_name: pl.String = pa.Field(nullable=True, description="LSOA 2021 name (lookup)")
    msoa_code: pl.String = pa.Field(
        str_matches=MSOA_CODE, nullable=True, description="MSOA 2021 containing the LSOA"
    )
    lad_code: pl.String = pa.Field(
        str_matches=LAD_CODE, nullable=True, description="Local authority containing the LSOA"
    )
    lad_name: pl.String = pa.Field(nullable=True, description="Local authority name (lookup)")

    class Config:
        """Reject unknown columns."""

        strict = True


class WalkingCycling(DftAreaTable):
    """DfT CW0301-style table: % of adults walking or cycling, by area and year."""

    area_class: pl.String = pa.Field(nullable=True, description="DfT local authority class")
    mode: pl.String = pa.Field(description="Mode, e.g. 'Walking or cycling'")
    purpose: pl.String = pa.Field(description="Purpose, e.g. 'Any', 'Travel', 'Leisure'")
    frequency: pl.String = pa.Field(description="Frequency, e.g. 'At least once per week'")
    value: pl.Float64 = pa.Field(
        nullable=True, ge=0, le=100, description="% of adults (0 to 100); null for a marker"
    )

    class Config:
        """Reject unknown columns; one value per area, dimension and year."""

        strict = True
        unique: ClassVar[list[str]] = ["area_code", "mode", "purpose", "frequency", "year"]


class CountPoints(InLookup):
    """DfT count points with the LSOA, MSOA and local authority each lies in."""

    count_point_id: pl.Int64 = pa.Field(ge=1, unique=True, description="DfT count point")
    lsoa_code: pl.String = pa.Field(str_matches=LSOA_CODE, description="LSOA 2021 of the point")
    msoa_code: pl.String = pa.Field(nullable=True, description="MSOA 2021 of the point")
    lad_code: pl.String = pa.Field(nullable=True, description="Local authority of the point")

    class Config:
        """Reject unknown columns."""

        strict = True


class ActiveTravelComponent(pa.DataFrameModel):
    """One row per LSOA and index component: the fraction and where it came from."""

    lsoa_code: pl.String = pa.Field(str_matches=LSOA_CODE, description="LSOA 2021 code")
    lad_code: pl.String = pa.Field(str_matches=LAD_CODE, description="Local authority code")
    component: pl.String = pa.Field(isin=COMPONENTS, description="Index component")
    numerator: pl.Float64 = pa.Field(
        ge=0, nullable=True, description="Count on top of the fraction (null if not published)"
    )
    denominator: pl.Float64 = pa.Field(
        gt=0, nullable=True, description="Count under the fraction (null if not published)"
    )
    fraction: pl.Float64 = pa.Field(
        ge=0, le=1, nullable=True, description="Component value, 0 to 1; null when no data"
    )
    source_table: pl.String = pa.Field(description="Published table the value comes from")
    source_level: pl.String = pa.Field(
        isin=LEVELS, description="Geography that supplied the value (back-off route)"
    )
    period: pl.String = pa.Field(description="Reference period of the source (year)")
    census_year: pl.Int64 = pa.Field(
        isin=[2011, 2021], nullable=True, description="Census year, for Census components"
    )

    class Config:
        """Reject unknown columns; one row per LSOA and component."""

        strict = True
        unique: ClassVar[list[str]] = ["lsoa_code", "component"]

    @pa.dataframe_check(error="numerator larger than denominator")
    @classmethod
    def numerator_within_denominator(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Check a part never exceeds its whole."""
        return data.lazyframe.select(
            (pl.col("numerator") <= pl.col("denominator")).fill_null(value=True)
        )

    @pa.dataframe_check(error="fraction is not numerator / denominator")
    @classmethod
    def fraction_is_ratio(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Check that, where both counts are given, the fraction is their ratio."""
        ratio = pl.col("numerator") / pl.col("denominator")
        # 1e-6, not less: published CSVs hold 6 decimal places, and the published
        # file must still meet this contract when re-read (RAP check S9).
        return data.lazyframe.select(
            ((pl.col("fraction") - ratio).abs() < 1e-6).fill_null(value=True)
        )

    @pa.dataframe_check(error="source_level 'none' if and only if the fraction is missing")
    @classmethod
    def missing_only_when_no_source(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Check the route records honestly whether a value was found."""
        return data.lazyframe.select(
            (pl.col("source_level") == "none") == pl.col("fraction").is_null()
        )


class ActiveTravelIndex(pa.DataFrameModel):
    """One row per LSOA: the index and its component fractions."""

    lsoa_code: pl.String = pa.Field(str_matches=LSOA_CODE, unique=True, description="LSOA 2021")
    lsoa_name: pl.String = pa.Field(nullable=True, description="LSOA 2021 name")
    lad_code: pl.String = pa.Field(str_matches=LAD_CODE, description="Local authority code")
    lad_name: pl.String = pa.Field(nullable=True, description="Local authority name")
    active_commute_frac: pl.Float64 = pa.Field(
        ge=0, le=1, nullable=True, description="Share of workers who walk or cycle to work"
    )
    cycle_traffic_frac: pl.Float64 = pa.Field(
        ge=0, le=1, nullable=True, description="Bicycles / (bicycles + cars) at count points"
    )
    cycle_traffic_source_level: pl.String = pa.Field(
        isin=LEVELS, description="Geography whose count points gave cycle_traffic_frac"
    )
    adults_active_travel_frac: pl.Float64 = pa.Field(
        ge=0, le=1, nullable=True, description="Share of adults walking or cycling (LA)"
    )
    components_with_data: pl.UInt32 = pa.Field(
        ge=0, le=len(COMPONENTS), description="How many components had data"
    )
    index_score: pl.Float64 = pa.Field(
        ge=0, description="Weighted sum of the component fractions (see config weights)"
    )

    class Config:
        """Reject unknown columns."""

        strict = True

    @pa.dataframe_check(error="components_with_data does not match the non-null fractions")
    @classmethod
    def counts_components(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Check the count of components with data agrees with the fractions shown."""
        present = pl.sum_horizontal(
            pl.col(f"{name}_frac").is_not_null().cast(pl.UInt32) for name in COMPONENTS
        )
        return data.lazyframe.select(present == pl.col("components_with_data"))
