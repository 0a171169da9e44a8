"""DfT road traffic statistics: annual average daily flow (AADF) by count point.

The DfT publishes ``dft_traffic_counts_aadf.csv`` (national, or per region or
local authority), one row per count point and year, with columns such as
``count_point_id, year, region_id, region_name, local_authority_id,
local_authority_name, local_authority_code, road_name, road_category,
road_type, easting, northing, latitude, longitude, link_length_km,
estimation_method, pedal_cycles, two_wheeled_motor_vehicles, cars_and_taxis,
buses_and_coaches, lgvs, ..., all_hgvs, all_motor_vehicles``. Only the columns
named in :data:`REQUIRED` are needed here; the rest are ignored, so the
national and the local authority downloads both work.

``estimation_method`` says whether a flow was counted that year (``Counted``)
or estimated from an earlier count (``Estimated``): both are kept, and the
method is carried through so a pipeline can choose.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pandera.polars as pa
import polars as pl

from ..io import scan_text_csv

REQUIRED = ("count_point_id", "year", "estimation_method", "pedal_cycles", "cars_and_taxis")


def read_traffic_counts(path: Path) -> pl.LazyFrame:
    """Read an AADF-by-count-point file as text, keeping the columns this importer uses."""
    return scan_text_csv(path, required=REQUIRED).select(REQUIRED)


def tidy_traffic_counts(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Cast to integers; a blank or non-numeric flow is an error naming the column.

    Flows are whole vehicles per day in the published file, and an AADF file has
    no suppression markers, so anything else means the wrong file was given.
    """
    return raw.select(
        pl.col("count_point_id").str.strip_chars().cast(pl.Int64),
        pl.col("year").str.strip_chars().cast(pl.Int64),
        pl.col("estimation_method").str.strip_chars(),
        pl.col("pedal_cycles").str.strip_chars().cast(pl.Int64),
        pl.col("cars_and_taxis").str.strip_chars().cast(pl.Int64),
    ).sort("count_point_id", "year")


class TrafficCounts(pa.DataFrameModel):
    """One row per count point and year: average daily flows of bicycles and cars."""

    count_point_id: pl.Int64 = pa.Field(ge=1, description="DfT count point identifier")
    year: pl.Int64 = pa.Field(ge=2000, le=2100, description="Year of the flow estimate")
    estimation_method: pl.String = pa.Field(
        isin=["Counted", "Estimated"], description="Whether the flow was counted that year"
    )
    pedal_cycles: pl.Int64 = pa.Field(ge=0, description="Pedal cycles per day (AADF)")
    cars_and_taxis: pl.Int64 = pa.Field(ge=0, description="Cars and taxis per day (AADF)")

    class Config:
        """Reject unknown columns; one row per count point and year."""

        strict = True
        unique: ClassVar[list[str]] = ["count_point_id", "year"]
