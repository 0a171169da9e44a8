"""Pandera schemas: what each stage of the green space pipeline guarantees.

Every check runs on every row of every run (the runner validates collected
frames). Units are part of column names: ``_m`` metres, ``_m2`` square metres,
``_frac`` a fraction from 0 to 1. Missing published values are nulls with a
flag saying why, never zeros.
"""

import pandera.polars as pa
import polars as pl
from rapkit.importers.os_open_greenspace import SITE_FUNCTIONS

LSOA_CODE = r"^[EW]01\d{6}$"  # Lower layer Super Output Area, England (E01) or Wales (W01)
LSOA_OR_DATA_ZONE = r"^[EWS]01\d{6}$"  # ONS GB tables add Scottish data zones (S01)
MSOA_CODE = r"^[EWS]02\d{6}$"  # Middle layer Super Output Area (Scotland: intermediate zone)
LAD_CODE = r"^(E0[6-9]|W06|S12)\d{6}$"  # local authority district (unitary, district, met, LB)
# Tolerance for green area exceeding LSOA area: the two come from different
# digitisations of the same boundary (the GIS step and the ONS layer).
AREA_TOLERANCE = 0.001


class ParksAccess(pa.DataFrameModel):
    """ONS parks measures per LSOA, typed, as published (April 2020, 2011 LSOAs).

    Each measure is an average over the postcodes of the LSOA that lie within
    a built-up area; a missing or suppressed value is null with ``access_flag``.
    """

    lsoa_code: pl.String = pa.Field(
        str_matches=LSOA_OR_DATA_ZONE, unique=True, description="LSOA 2011 (or data zone) code."
    )
    lsoa_name: pl.String = pa.Field(description="LSOA name, as published.")
    msoa_code: pl.String = pa.Field(str_matches=MSOA_CODE, description="MSOA 2011 code.")
    lad_code: pl.String = pa.Field(
        str_matches=LAD_CODE, description="Local authority district code of the release."
    )
    lad_name: pl.String = pa.Field(description="Local authority district name.")
    postcodes_in_bua: pl.Int64 = pa.Field(
        ge=0, nullable=True, description="Number of the LSOA's postcodes within a built-up area."
    )
    park_distance_m: pl.Float64 = pa.Field(
        ge=0, nullable=True, description="Average distance to the nearest park (metres)."
    )
    nearest_park_area_m2: pl.Float64 = pa.Field(
        ge=0, nullable=True, description="Average size of the nearest park (square metres)."
    )
    parks_within_1000m: pl.Float64 = pa.Field(
        ge=0, nullable=True, description="Average number of parks within 1,000 m."
    )
    parks_area_within_1000m_m2: pl.Float64 = pa.Field(
        ge=0, nullable=True, description="Average combined size of parks within 1,000 m (m2)."
    )
    access_flag: pl.String = pa.Field(
        nullable=True,
        description="Why a measure is missing: the published marker, lower-cased without "
        "brackets ('x', 'c' ...), or 'blank' for an empty cell; null when all are published.",
    )

    class Config:
        """Reject columns the schema does not know about."""

        strict = True

    @pa.dataframe_check
    @classmethod
    def every_gap_is_flagged(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Require a flag saying why wherever the distance is missing (no unexplained nulls)."""
        return data.lazyframe.select(
            pl.col("park_distance_m").is_not_null() | pl.col("access_flag").is_not_null()
        )


class LsoaBoundaries(pa.DataFrameModel):
    """One row per LSOA of the configured vintage, with its area: the code lookup."""

    lsoa_code: pl.String = pa.Field(
        str_matches=LSOA_CODE, unique=True, description="LSOA code of the configured vintage."
    )
    lsoa_name: pl.String = pa.Field(description="LSOA name.")
    lsoa_area_m2: pl.Float64 = pa.Field(
        gt=0, description="Area of the LSOA in square metres (British National Grid)."
    )

    class Config:
        """Reject columns the schema does not know about."""

        strict = True


class GreenspacePieces(pa.DataFrameModel):
    """One row per (LSOA, piece, site) from the OS Open Greenspace GIS export.

    Rows sharing ``lsoa_code`` and ``piece_id`` are the same land covered by
    several overlapping sites.
    """

    lsoa_code: pl.String = pa.Field(str_matches=LSOA_CODE, description="LSOA the piece lies in.")
    piece_id: pl.String = pa.Field(
        str_length={"min_value": 1},
        description="Identifier of a piece of land (shared by overlaps).",
    )
    site_id: pl.String = pa.Field(
        str_length={"min_value": 1}, description="OS Open Greenspace site identifier (`id`)."
    )
    site_function: pl.String = pa.Field(
        isin=SITE_FUNCTIONS, description="OS Open Greenspace site function (`function`)."
    )
    site_name: pl.String = pa.Field(
        nullable=True, description="Site name (`distName1`); null for unnamed sites."
    )
    piece_area_m2: pl.Float64 = pa.Field(
        gt=0, description="Area of the piece in square metres (British National Grid)."
    )

    class Config:
        """Reject unknown columns; one row per site in each piece."""

        strict = True
        unique = ["lsoa_code", "piece_id", "site_id"]  # noqa: RUF012 - pandera's config style

    @pa.dataframe_check
    @classmethod
    def overlapping_rows_agree_on_area(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Require every row of one piece to have the same area (they are the same land)."""
        return data.lazyframe.select(
            pl.col("piece_area_m2").n_unique().over("lsoa_code", "piece_id") == 1
        )


class PiecesInBoundaries(GreenspacePieces):
    """The pieces as read, each marked with whether its LSOA is in the boundaries file."""

    in_boundaries: pl.Boolean = pa.Field(description="Whether the LSOA is in the boundaries file.")

    @pa.dataframe_check(
        error=(
            "LSOA code not in the boundaries file: is the pieces file on another geography "
            "vintage, or do the boundaries cover a smaller area?"
        )
    )
    @classmethod
    def lsoa_in_boundaries(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Every piece must lie in an LSOA of the boundaries file."""
        return data.lazyframe.select(pl.col("in_boundaries"))


class StudyArea(pa.DataFrameModel):
    """The LSOAs studied: ONS parks measures joined to each LSOA's area."""

    lsoa_code: pl.String = pa.Field(str_matches=LSOA_CODE, unique=True, description="LSOA code.")
    lsoa_name: pl.String = pa.Field(description="LSOA name.")
    msoa_code: pl.String = pa.Field(str_matches=MSOA_CODE, description="MSOA code.")
    lad_code: pl.String = pa.Field(str_matches=LAD_CODE, description="Local authority code.")
    lad_name: pl.String = pa.Field(description="Local authority name.")
    lsoa_area_m2: pl.Float64 = pa.Field(gt=0, description="Area of the LSOA (m2).")
    postcodes_in_bua: pl.Int64 = pa.Field(
        ge=0, nullable=True, description="Postcodes within a built-up area (ONS)."
    )
    park_distance_m: pl.Float64 = pa.Field(
        ge=0, nullable=True, description="Average distance to the nearest park (m, ONS)."
    )
    nearest_park_area_m2: pl.Float64 = pa.Field(
        ge=0, nullable=True, description="Average size of the nearest park (m2, ONS)."
    )
    parks_within_1000m: pl.Float64 = pa.Field(
        ge=0, nullable=True, description="Average number of parks within 1,000 m (ONS)."
    )
    parks_area_within_1000m_m2: pl.Float64 = pa.Field(
        ge=0, nullable=True, description="Average combined size of parks within 1,000 m (m2, ONS)."
    )
    access_flag: pl.String = pa.Field(
        nullable=True, description="Marker of a missing ONS measure, or null."
    )

    class Config:
        """Reject columns the schema does not know about."""

        strict = True


class GreenArea(pa.DataFrameModel):
    """Counted green space per studied LSOA, with overlaps counted once."""

    lsoa_code: pl.String = pa.Field(str_matches=LSOA_CODE, unique=True, description="LSOA code.")
    green_area_m2: pl.Float64 = pa.Field(
        ge=0, description="Land in the LSOA covered by at least one counted site (m2)."
    )
    site_area_sum_m2: pl.Float64 = pa.Field(
        ge=0, description="Sum of each counted site's area in the LSOA, overlaps repeated (m2)."
    )
    overlap_area_m2: pl.Float64 = pa.Field(
        ge=0, description="Area that a plain sum would count more than once (m2)."
    )
    green_sites: pl.UInt32 = pa.Field(
        ge=0, description="Counted sites with land in the LSOA (a site may cross LSOAs)."
    )

    class Config:
        """Reject columns the schema does not know about."""

        strict = True

    @pa.dataframe_check
    @classmethod
    def union_never_exceeds_sum(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Land counted once can never exceed the same land counted with repeats."""
        return data.lazyframe.select(
            pl.col("green_area_m2") <= pl.col("site_area_sum_m2") * (1 + 1e-9)
        )


class GreenSpaceLsoa(pa.DataFrameModel):
    """Published: the green space index and its components, one row per LSOA.

    ``green_space_frac`` is the index (share of the LSOA's area that is
    counted green space); the other measures are its components and the ONS
    access measures that put it in context.
    """

    lsoa_code: pl.String = pa.Field(str_matches=LSOA_CODE, unique=True, description="LSOA code.")
    lsoa_name: pl.String = pa.Field(description="LSOA name.")
    msoa_code: pl.String = pa.Field(str_matches=MSOA_CODE, description="MSOA code.")
    lad_code: pl.String = pa.Field(str_matches=LAD_CODE, description="Local authority code.")
    lad_name: pl.String = pa.Field(description="Local authority name.")
    green_space_frac: pl.Float64 = pa.Field(
        ge=0, le=1, description="Index: counted green space as a fraction of the LSOA's area."
    )
    green_area_m2: pl.Float64 = pa.Field(
        ge=0, description="Component: counted green space in the LSOA, overlaps once (m2)."
    )
    lsoa_area_m2: pl.Float64 = pa.Field(gt=0, description="Component: area of the LSOA (m2).")
    overlap_area_m2: pl.Float64 = pa.Field(
        ge=0, description="Component: overlapping site area removed to avoid double counting (m2)."
    )
    green_sites: pl.UInt32 = pa.Field(ge=0, description="Component: counted sites in the LSOA.")
    park_distance_m: pl.Float64 = pa.Field(
        ge=0, nullable=True, description="Average distance to the nearest park (m, ONS)."
    )
    far_from_park: pl.Boolean = pa.Field(
        nullable=True,
        description="True when park_distance_m exceeds the configured far_from_park_m; "
        "null when the distance is missing.",
    )
    parks_within_1000m: pl.Float64 = pa.Field(
        ge=0, nullable=True, description="Average number of parks within 1,000 m (ONS)."
    )
    parks_area_within_1000m_m2: pl.Float64 = pa.Field(
        ge=0, nullable=True, description="Average combined size of parks within 1,000 m (m2, ONS)."
    )
    postcodes_in_bua: pl.Int64 = pa.Field(
        ge=0, nullable=True, description="Postcodes within a built-up area: the ONS averages' base."
    )
    access_flag: pl.String = pa.Field(
        nullable=True, description="Marker of a missing ONS measure, or null."
    )

    class Config:
        """Reject columns the schema does not know about."""

        strict = True

    @pa.dataframe_check
    @classmethod
    def green_area_within_lsoa(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Green space cannot exceed the LSOA (beyond digitising tolerance).

        A failure means overlapping pieces were not given a shared piece_id,
        or areas were measured in another projection or boundary vintage.
        """
        return data.lazyframe.select(
            pl.col("green_area_m2") <= pl.col("lsoa_area_m2") * (1 + AREA_TOLERANCE)
        )

    @pa.dataframe_check
    @classmethod
    def far_flag_follows_distance(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Require the far-from-park flag to be missing exactly when the distance is missing."""
        return data.lazyframe.select(
            pl.col("far_from_park").is_null() == pl.col("park_distance_m").is_null()
        )


class GreenSpaceLad(pa.DataFrameModel):
    """Published: a summary per local authority of the LSOAs studied."""

    lad_code: pl.String = pa.Field(str_matches=LAD_CODE, unique=True, description="LAD code.")
    lad_name: pl.String = pa.Field(description="Local authority name.")
    lsoas: pl.UInt32 = pa.Field(ge=1, description="LSOAs studied in the local authority.")
    green_space_frac: pl.Float64 = pa.Field(
        ge=0, le=1, description="Counted green space as a fraction of the LSOAs' total area."
    )
    green_area_m2: pl.Float64 = pa.Field(ge=0, description="Counted green space (m2).")
    lsoa_area_m2: pl.Float64 = pa.Field(gt=0, description="Total area of the LSOAs (m2).")
    park_distance_m: pl.Float64 = pa.Field(
        ge=0,
        nullable=True,
        description="Average distance to the nearest park over built-up-area postcodes (m): "
        "LSOA averages weighted by postcodes_in_bua; null if no LSOA has data.",
    )
    lsoas_without_access_data: pl.UInt32 = pa.Field(
        ge=0, description="LSOAs whose ONS distance is missing or suppressed."
    )
    lsoas_far_from_park: pl.UInt32 = pa.Field(
        ge=0, description="LSOAs whose average distance exceeds far_from_park_m."
    )
    far_from_park_frac: pl.Float64 = pa.Field(
        ge=0,
        le=1,
        nullable=True,
        description="Fraction of LSOAs with data that are far from a park; null if none has data.",
    )

    class Config:
        """Reject columns the schema does not know about."""

        strict = True

    @pa.dataframe_check
    @classmethod
    def counts_add_up(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """LSOAs far from a park and LSOAs without data together never exceed all LSOAs."""
        return data.lazyframe.select(
            pl.col("lsoas_far_from_park") + pl.col("lsoas_without_access_data") <= pl.col("lsoas")
        )
