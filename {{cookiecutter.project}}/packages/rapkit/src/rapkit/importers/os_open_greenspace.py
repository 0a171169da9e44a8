"""OS Open Greenspace sites, cut into pieces by LSOA and by overlap (a GIS export).

OS Open Greenspace is a polygon layer (GeoPackage layer ``greenspace_site``,
attributes ``id``, ``function``, ``distName1`` ...). Area arithmetic on
polygons belongs in a GIS, so this pipeline reads the attribute table of one
GIS step, done once per release (see ``docs/starters/green_space.qmd``):

1. *Union* the site layer with itself, so that where sites overlap (a play
   space inside a park) the shared land becomes a separate piece, repeated
   once for every site that covers it;
2. *Intersect* the result with the LSOA boundaries, so that a site crossing
   an LSOA boundary is split between the LSOAs (never dropped, never counted
   whole in both);
3. give each piece an identifier shared by its repeats (``piece_id``, for
   example a hash of its geometry), measure ``piece_area_m2`` in British
   National Grid (EPSG:27700), and save the attribute table as CSV UTF-8.

Columns: ``LSOA11CD`` (or ``LSOA21CD``), ``piece_id``, ``id``, ``function``,
``distName1``, ``piece_area_m2``. One row per (LSOA, piece, site): rows that
share an LSOA and a ``piece_id`` are the *same land*, so it must be counted
once. That is how the pipeline avoids double counting.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ..io import scan_text_csv
from .markers import finite_number
from .ons_boundaries import code_column

# The values of `function` in OS Open Greenspace (its product guide lists these ten).
SITE_FUNCTIONS = (
    "Allotments Or Community Growing Spaces",
    "Bowling Green",
    "Cemetery",
    "Golf Course",
    "Other Sports Facility",
    "Play Space",
    "Playing Field",
    "Public Park Or Garden",
    "Religious Grounds",
    "Tennis Court",
)


def read_greenspace_pieces(path: Path, vintage: str = "2011") -> pl.LazyFrame:
    """Read the GIS export as text, with tidy column names."""
    code = code_column(vintage)
    columns = (code, "piece_id", "id", "function", "distName1", "piece_area_m2")
    return scan_text_csv(path, required=columns).select(
        pl.col(code).str.strip_chars().alias("lsoa_code"),
        pl.col("piece_id").str.strip_chars(),
        pl.col("id").str.strip_chars().alias("site_id"),
        pl.col("function").str.strip_chars().alias("site_function"),
        pl.col("distName1").str.strip_chars().alias("site_name"),
        pl.col("piece_area_m2").str.strip_chars(),
    )


def tidy_greenspace_pieces(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Cast the area strictly; an unnamed site keeps a null name (OS leaves many unnamed)."""
    return raw.with_columns(
        finite_number("piece_area_m2"),
        pl.when(pl.col("site_name") == "")
        .then(None)
        .otherwise(pl.col("site_name"))
        .alias("site_name"),
    )
