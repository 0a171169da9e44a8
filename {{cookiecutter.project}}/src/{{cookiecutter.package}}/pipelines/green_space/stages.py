"""Stages of the green space pipeline: small typed functions from LazyFrames to a LazyFrame.

The index follows Tombolo's ``GreenSpaceIndex`` (green space area divided by
LSOA area) and fixes its two flaws:

* **Boundary-crossing sites.** Tombolo summed only sites lying wholly
  *within* an LSOA, so a park on a boundary counted nowhere. Here every site
  is cut at LSOA boundaries in the GIS step, and each LSOA counts its part.
* **Double counting.** Tombolo summed overlapping polygons (grass inside a
  park) separately, so the index could exceed 1. Here land covered by several
  sites is one piece, counted once: the union ("dissolve") of the sites.

The published file formats are handled by the importers; these stages only
choose the study area, measure and combine.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import polars as pl
from rapkit.importers import ons_boundaries, ons_green_space, os_open_greenspace

log = logging.getLogger(__name__)

LSOA_VINTAGE = "2011"  # the ONS parks tables (April 2020) are on 2011 LSOAs
SITE_FUNCTIONS = ("Public Park Or Garden", "Play Space", "Playing Field")
FAR_FROM_PARK_M = 300.0


def tidy_access(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Type the ONS parks table (markers become nulls plus ``access_flag``)."""
    return ons_green_space.tidy_parks_access(raw)


def tidy_boundaries(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Type the LSOA boundaries table and check its areas are square metres."""
    boundaries = ons_boundaries.tidy_lsoa_boundaries(raw).collect()
    ons_boundaries.check_area_units(boundaries, where="LSOA boundaries")
    return boundaries.lazy()


def tidy_pieces(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Type the OS Open Greenspace pieces exported from the GIS step."""
    return os_open_greenspace.tidy_greenspace_pieces(raw)


def tidy_pieces_in_boundaries(raw: pl.LazyFrame, boundaries: pl.LazyFrame) -> pl.LazyFrame:
    """Type the pieces and mark whether each piece's LSOA is in the boundaries file.

    The mark is checked by ``PiecesInBoundaries`` (schemas) in the stage
    that reads the pieces file, so an unknown LSOA code fails naming that file
    and its line (the join keeps the file's row order).
    """
    known = boundaries.select("lsoa_code", pl.lit(value=True).alias("in_boundaries"))
    return (
        tidy_pieces(raw)
        .join(known, on="lsoa_code", how="left", maintain_order="left")
        .with_columns(pl.col("in_boundaries").fill_null(value=False))
    )


def select_study_area(
    access: pl.LazyFrame,
    boundaries: pl.LazyFrame,
    lad_codes: Sequence[str] = (),
    vintage: str = LSOA_VINTAGE,
) -> pl.LazyFrame:
    """Keep the LSOAs of the configured local authorities and add each LSOA's area.

    With no ``lad_codes``, every LSOA of England and Wales in the ONS table is
    kept (Scottish data zones are dropped: the LSOA boundaries do not cover
    them). Every kept code must be in the boundaries file of the configured
    vintage, and at least one LSOA must have published measures.
    """
    kept = ons_green_space.select_lads(access, lad_codes)
    if not lad_codes:
        kept = kept.filter(pl.col("lsoa_code").str.contains(r"^[EW]01"))
    ons_boundaries.require_known_codes(
        kept, boundaries, source="the ONS parks table", vintage=vintage
    )
    ons_green_space.require_some_values(kept, where="ONS parks table, study area")
    return kept.join(
        boundaries.select("lsoa_code", "lsoa_area_m2"), on="lsoa_code", how="inner"
    ).select(
        "lsoa_code",
        "lsoa_name",
        "msoa_code",
        "lad_code",
        "lad_name",
        "lsoa_area_m2",
        "postcodes_in_bua",
        "park_distance_m",
        "nearest_park_area_m2",
        "parks_within_1000m",
        "parks_area_within_1000m_m2",
        "access_flag",
    )


def measure_green_area(
    pieces: pl.LazyFrame,
    boundaries: pl.LazyFrame,
    study_area: pl.LazyFrame,
    site_functions: Sequence[str] = SITE_FUNCTIONS,
    vintage: str = LSOA_VINTAGE,
) -> pl.LazyFrame:
    """Measure counted green space in each studied LSOA, counting overlapping land once.

    A piece of land counts when *any* site covering it has a counted function
    (a bowling green inside a public park is park land). An LSOA with no
    counted piece has zero green space: that is a measured zero, since the GIS
    step covers the whole study area.
    """
    ons_boundaries.require_known_codes(
        pieces, boundaries, source="the green space pieces file", vintage=vintage
    )
    counted = pieces.filter(pl.col("site_function").is_in(list(site_functions)))
    per_piece = counted.group_by("lsoa_code", "piece_id").agg(
        pl.col("piece_area_m2").first(),
        pl.len().alias("covering_sites"),
    )
    per_lsoa = per_piece.group_by("lsoa_code").agg(
        pl.col("piece_area_m2").sum().alias("green_area_m2"),
        (pl.col("piece_area_m2") * pl.col("covering_sites")).sum().alias("site_area_sum_m2"),
    )
    sites = counted.group_by("lsoa_code").agg(
        pl.col("site_id").n_unique().cast(pl.UInt32).alias("green_sites")
    )
    return (
        study_area.select("lsoa_code")
        .join(per_lsoa, on="lsoa_code", how="left")
        .join(sites, on="lsoa_code", how="left")
        .select(
            "lsoa_code",
            pl.col("green_area_m2").fill_null(0.0),
            pl.col("site_area_sum_m2").fill_null(0.0),
            (pl.col("site_area_sum_m2") - pl.col("green_area_m2"))
            .fill_null(0.0)
            .clip(lower_bound=0.0)
            .alias("overlap_area_m2"),
            pl.col("green_sites").fill_null(0),
        )
    )


def build_index(
    study_area: pl.LazyFrame, green_area: pl.LazyFrame, far_from_park_m: float = FAR_FROM_PARK_M
) -> pl.LazyFrame:
    """Combine the index (share of area that is green space) with its components.

    The fraction is capped at 1 only to absorb digitising differences of up to
    0.1% between the GIS step and the ONS boundaries; a larger excess fails the
    schema check instead of being hidden.
    """
    return study_area.join(green_area, on="lsoa_code", how="inner").select(
        "lsoa_code",
        "lsoa_name",
        "msoa_code",
        "lad_code",
        "lad_name",
        (pl.col("green_area_m2") / pl.col("lsoa_area_m2"))
        .clip(upper_bound=1.0)
        .alias("green_space_frac"),
        "green_area_m2",
        "lsoa_area_m2",
        "overlap_area_m2",
        "green_sites",
        "park_distance_m",
        (pl.col("park_distance_m") > far_from_park_m).alias("far_from_park"),
        "parks_within_1000m",
        "parks_area_within_1000m_m2",
        "postcodes_in_bua",
        "access_flag",
    )


def summarise_lads(lsoas: pl.LazyFrame) -> pl.LazyFrame:
    """Summarise each local authority from its LSOAs.

    Green space is summed before dividing (an area-weighted share, not a mean
    of LSOA shares). The ONS distances are averages over built-up-area
    postcodes, so weighting each LSOA by its postcode count reconstructs the
    local authority's average over postcodes.
    """
    has_distance = pl.col("park_distance_m").is_not_null() & pl.col("postcodes_in_bua").gt(0)
    weight = pl.when(has_distance).then(pl.col("postcodes_in_bua")).otherwise(0)
    with_data = pl.col("park_distance_m").is_not_null().sum()
    far = pl.col("far_from_park").fill_null(value=False).sum()
    return (
        lsoas.group_by("lad_code", "lad_name")
        .agg(
            pl.len().cast(pl.UInt32).alias("lsoas"),
            pl.col("green_area_m2").sum(),
            pl.col("lsoa_area_m2").sum(),
            (pl.col("park_distance_m").fill_null(0.0) * weight).sum().alias("_distance_x_weight"),
            weight.sum().alias("_weight"),
            pl.col("park_distance_m")
            .is_null()
            .sum()
            .cast(pl.UInt32)
            .alias("lsoas_without_access_data"),
            far.cast(pl.UInt32).alias("lsoas_far_from_park"),
            pl.when(with_data > 0)
            .then(far / with_data)
            .otherwise(None)
            .alias("far_from_park_frac"),
        )
        .select(
            "lad_code",
            "lad_name",
            "lsoas",
            (pl.col("green_area_m2") / pl.col("lsoa_area_m2"))
            .clip(upper_bound=1.0)
            .alias("green_space_frac"),
            "green_area_m2",
            "lsoa_area_m2",
            pl.when(pl.col("_weight") > 0)
            .then(pl.col("_distance_x_weight") / pl.col("_weight"))
            .otherwise(None)
            .alias("park_distance_m"),
            "lsoas_without_access_data",
            "lsoas_far_from_park",
            "far_from_park_frac",
        )
    )
