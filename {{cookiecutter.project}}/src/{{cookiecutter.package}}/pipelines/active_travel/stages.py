"""Stages of the active travel pipeline: small typed functions from LazyFrames to a LazyFrame.

Each component stage returns rows in the same long shape (see
``schemas.ActiveTravelComponent``), so components can be added, removed or
re-weighted without touching the others.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path

import polars as pl
from rapkit.errors import ConfigError, InputError
from rapkit.importers.census import read_census, tidy_census
from rapkit.importers.dft_tables import read_dft_table, tidy_dft_table
from rapkit.importers.geography import tidy_lsoa_lookup, with_lookup
from rapkit.io import scan_text_csv

from .schemas import COMPONENTS, LEVELS

log = logging.getLogger(__name__)

# Census 2021 TS061 "Method of travel to workplace" categories, as published.
TS061_CATEGORIES = (
    "Work mainly at or from home",
    "Underground, metro, light rail, tram",
    "Train",
    "Bus, minibus or coach",
    "Taxi",
    "Motorcycle, scooter or moped",
    "Driving a car or van",
    "Passenger in a car or van",
    "Bicycle",
    "On foot",
    "Other method of travel to work",
)
ACTIVE_MODES = ("On foot", "Bicycle")
TS061_SOURCE = "Census 2021 TS061 (method of travel to workplace)"
TRAFFIC_SOURCE = "DfT road traffic statistics, AADF by count point"
ACTIVE_LIVES_SOURCE = "DfT CW0301 (Active Lives Survey, Sport England)"

read_travel_to_work = partial(read_census, geography="lsoa", categories=TS061_CATEGORIES)


def read_count_point_lsoa(path: Path) -> pl.LazyFrame:
    """Read the count point to LSOA assignment (``count_point_id, LSOA21CD``) as text."""
    return scan_text_csv(path, required=("count_point_id", "LSOA21CD")).select(
        "count_point_id", "LSOA21CD"
    )


def read_walking_cycling(
    path: Path, *, skip_rows: int | None = None, labels: Mapping[str, str] | None = None
) -> pl.LazyFrame:
    """Read a DfT walking and cycling table (CW0301 layout), finding or checking its header.

    ``labels`` maps a parameter (``active_lives_mode``, ``_purpose`` or
    ``_frequency``) to the label it chooses. A label the table does not hold is
    refused here, where the file is known, so the message names both the key
    and the file (a misspelt label would otherwise select no rows at all).
    """
    raw = read_dft_table(path, skip_rows=skip_rows)
    for key, label in (labels or {}).items():
        column = key.removeprefix("active_lives_")
        found = raw.select(pl.col(column).str.strip_chars().unique()).collect()[column]
        if label not in found.to_list():
            msg = (
                f"{key} = {label!r} in [parameters] is not a {column} of {path}; "
                f"the table has: {', '.join(sorted(found.drop_nulls().to_list()))}."
            )
            raise ConfigError(msg)
    return raw


def tidy_travel_to_work(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Type the TS061 counts, remove the total and check categories add up to it."""
    return tidy_census(raw)


def tidy_lookup(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Rename the ONS lookup columns and keep one row per LSOA."""
    return tidy_lsoa_lookup(raw)


def study_areas(counts: pl.LazyFrame, lookup: pl.LazyFrame) -> pl.LazyFrame:
    """Return the LSOAs of the Census file, with their MSOA and local authority.

    The Census file defines the study area (a national lookup is fine); an LSOA
    missing from the lookup fails the schema rather than dropping out.
    """
    areas = counts.select(pl.col("area_code").alias("lsoa_code")).unique()
    return (
        with_lookup(areas, lookup, on="lsoa_code")
        .select("lsoa_code", "lsoa_name", "msoa_code", "lad_code", "lad_name")
        .sort("lsoa_code")
    )


def tidy_walking_cycling(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Type the DfT table; ``Class`` becomes ``area_class`` (``class`` is a Python keyword)."""
    return (
        tidy_dft_table(raw)
        .rename({"class": "area_class"})
        .select(
            "area_code",
            "area_name",
            "area_class",
            "mode",
            "purpose",
            "frequency",
            "year",
            "value",
            "value_flag",
        )
    )


def tidy_count_point_lsoa(raw: pl.LazyFrame, lookup: pl.LazyFrame) -> pl.LazyFrame:
    """Give each count point its LSOA, MSOA and local authority (checked by the schema)."""
    points = raw.select(
        pl.col("count_point_id").str.strip_chars().cast(pl.Int64),
        pl.col("LSOA21CD").str.strip_chars().alias("lsoa_code"),
    )
    return (
        with_lookup(points, lookup.select("lsoa_code", "msoa_code", "lad_code"), on="lsoa_code")
        .select("count_point_id", "lsoa_code", "msoa_code", "lad_code")
        .sort("count_point_id")
    )


def active_commute(
    counts: pl.LazyFrame, areas: pl.LazyFrame, active_modes: Sequence[str] = ACTIVE_MODES
) -> pl.LazyFrame:
    """Share of working residents who travel to work on foot or by bicycle (TS061).

    The denominator is every category, *including* "Work mainly at or from
    home": all usual residents aged 16+ in employment. That is the 2021 base;
    the 2011 table (QS701EW) used all residents aged 16 to 74, so 2011 and 2021
    fractions are not comparable. An area with a suppressed count has no value.
    """
    is_active = pl.col("category").is_in(list(active_modes))
    per_area = counts.group_by("area_code").agg(
        pl.col("count").filter(is_active).sum().cast(pl.Float64).alias("numerator"),
        pl.col("count").sum().cast(pl.Float64).alias("denominator"),
        pl.col("count").is_null().any().alias("suppressed"),
        pl.col("census_year").first(),
    )
    found = (pl.col("denominator") > 0) & ~pl.col("suppressed")
    return _component(
        areas.join(per_area, left_on="lsoa_code", right_on="area_code", how="left").with_columns(
            pl.when(found).then(pl.col("numerator")).alias("numerator"),
            pl.when(found).then(pl.col("denominator")).alias("denominator"),
            pl.when(found).then(pl.lit("lsoa")).otherwise(pl.lit("none")).alias("source_level"),
        ),
        component="active_commute",
        source_table=TS061_SOURCE,
        period=pl.col("census_year").cast(pl.String).fill_null("2021"),
    )


def cycle_traffic(
    traffic: pl.LazyFrame,
    points: pl.LazyFrame,
    areas: pl.LazyFrame,
    *,
    year: int,
    min_count_points: int = 1,
) -> pl.LazyFrame:
    """Bicycles as a share of bicycles and cars at DfT count points, with back-off.

    Few LSOAs contain a count point, so (as Tombolo's ``BackOffField`` did) the
    value comes from the most local geography with enough count points: the
    LSOA itself, else its MSOA, else its local authority, else none. The level
    used is recorded per LSOA in ``source_level`` and logged as a count per
    level (the "pipeline route"), because an MSOA or LA value says much less
    about a neighbourhood than an LSOA one.

    The result is collected here (one row per LSOA, small) so the route can be
    logged before it is returned.

    The traffic counts and count points are optional inputs: when either has no
    rows, the component has no rows at all (it is left out, not zero), so
    :func:`active_travel_index` is computed from the other components and the
    run's manifest lists the empty input under ``missing_inputs``.
    """
    if _is_empty(traffic) or _is_empty(points):
        log.warning(
            "cycle_traffic: no traffic counts or no count points, so the cycle traffic "
            "component is left out of the index for every area."
        )
        return _component(
            areas.head(0).with_columns(
                pl.lit(None, dtype=pl.Float64).alias("numerator"),
                pl.lit(None, dtype=pl.Float64).alias("denominator"),
                pl.lit("none").alias("source_level"),
            ),
            component="cycle_traffic",
            source_table=TRAFFIC_SOURCE,
            period=pl.lit(str(year)),
        )
    _require_traffic_year(traffic, year)
    flows = traffic.filter(pl.col("year") == year).join(points, on="count_point_id", how="inner")
    candidates = []
    for rank, level in enumerate(LEVELS[:-1]):
        sums = flows.group_by(pl.col(f"{level}_code").alias("key")).agg(
            pl.col("pedal_cycles").sum().alias("cycles"),
            pl.col("cars_and_taxis").sum().alias("cars"),
            pl.len().alias("count_points"),
        )
        candidates.append(
            areas.select("lsoa_code", pl.col(f"{level}_code").alias("key"))
            .join(sums, on="key", how="inner")
            .select(
                "lsoa_code",
                pl.lit(rank).alias("rank"),
                pl.lit(level).alias("source_level"),
                "cycles",
                "cars",
                "count_points",
            )
        )
    usable = (pl.col("count_points") >= min_count_points) & (pl.col("cycles") + pl.col("cars") > 0)
    chosen = (
        pl.concat(candidates)
        .filter(usable)
        .sort("lsoa_code", "rank")
        .unique(subset="lsoa_code", keep="first", maintain_order=True)
    )
    result = _component(
        areas.join(chosen, on="lsoa_code", how="left").with_columns(
            pl.col("cycles").cast(pl.Float64).alias("numerator"),
            (pl.col("cycles") + pl.col("cars")).cast(pl.Float64).alias("denominator"),
            pl.col("source_level").fill_null("none"),
        ),
        component="cycle_traffic",
        source_table=TRAFFIC_SOURCE,
        period=pl.lit(str(year)),
    ).collect()
    log_route(result, component="cycle_traffic")
    return result.lazy()


def _is_empty(frame: pl.LazyFrame) -> bool:
    """Whether ``frame`` has no rows (an optional input with only a header)."""
    return bool(frame.select(pl.len()).collect().item() == 0)


def _require_traffic_year(traffic: pl.LazyFrame, year: int) -> None:
    """Fail, listing the years there are, if the traffic counts have none for ``year``.

    Without this, a ``traffic_year`` the download does not cover would give every
    area "no data" for cycle traffic and still publish an index.
    """
    years = sorted(traffic.select(pl.col("year").unique()).collect()["year"].to_list())
    if year not in years:
        msg = (
            f"traffic_year = {year} in [parameters], but the traffic counts have no rows for "
            f"{year} (years in the file: {years}). Set traffic_year to one of them, or "
            "download that year's counts."
        )
        raise ConfigError(msg)


def log_route(rows: pl.DataFrame, *, component: str) -> None:
    """Log how many LSOAs took their value from each level of the back-off route."""
    counts = dict(rows.group_by("source_level").len().iter_rows())
    route = ", ".join(f"{level}={counts.get(level, 0)}" for level in LEVELS)
    log.info("%s back-off route (LSOAs per source level): %s", component, route)


def adults_active_travel(
    rates: pl.LazyFrame,
    areas: pl.LazyFrame,
    *,
    year: int,
    mode: str,
    purpose: str,
    frequency: str,
) -> pl.LazyFrame:
    """Share of adults who walk or cycle (Active Lives), for the LSOA's local authority.

    Published only for local authorities, so every LSOA in an authority gets
    the same value (``source_level = "lad"``); the survey publishes a
    percentage, not counts, so numerator and denominator are null.
    """
    selection = (
        (pl.col("year") == year)
        & (pl.col("mode") == mode)
        & (pl.col("purpose") == purpose)
        & (pl.col("frequency") == frequency)
    )
    _require_selection(rates, selection, year=year, mode=mode, purpose=purpose, frequency=frequency)
    _require_authorities(rates, areas)
    chosen = rates.filter(selection).select(
        pl.col("area_code").alias("lad_code"), (pl.col("value") / 100).alias("rate")
    )
    joined = areas.join(chosen, on="lad_code", how="left")
    return _component(
        joined.with_columns(
            pl.lit(None, dtype=pl.Float64).alias("numerator"),
            pl.lit(None, dtype=pl.Float64).alias("denominator"),
            pl.when(pl.col("rate").is_not_null())
            .then(pl.lit("lad"))
            .otherwise(pl.lit("none"))
            .alias("source_level"),
        ),
        component="adults_active_travel",
        source_table=ACTIVE_LIVES_SOURCE,
        period=pl.lit(str(year)),
        fraction=pl.col("rate"),
    )


def _require_selection(rates: pl.LazyFrame, selection: pl.Expr, **chosen: object) -> None:
    """Fail with the available options if the configured selection matches no rows."""
    if rates.filter(selection).select(pl.len()).collect().item() > 0:
        return
    options = rates.select("mode", "purpose", "frequency").unique().sort(pl.all()).collect()
    years = sorted(rates.select("year").unique().collect()["year"].to_list())
    msg = (
        f"No walking and cycling rates for {chosen}. Check the active_lives_* parameters in "
        f"config/pipeline.toml. Years available: {years}; mode, purpose, frequency "
        f"available: {options.rows()}."
    )
    raise ConfigError(msg)


def _require_authorities(rates: pl.LazyFrame, areas: pl.LazyFrame) -> None:
    """Fail if a local authority of the study area is not in the table at all.

    A suppressed value ([c], [x]) is an honest gap (``source_level = "none"``);
    an authority that is absent altogether almost always means the table and
    the lookup use different local authority codes (for example the April 2023
    reorganisations, which gave Cumberland, Westmorland and Furness, North
    Yorkshire and Somerset new E06 codes).
    """
    published = rates.select(pl.col("area_code").alias("lad_code")).unique()
    missing = areas.select("lad_code").unique().join(published, on="lad_code", how="anti").collect()
    if missing.height:
        codes = ", ".join(sorted(str(code) for code in missing["lad_code"]))
        msg = (
            f"The walking and cycling table has no rows for local authority code(s) {codes} "
            "of the study area. Are the table and the LSOA lookup on the same local "
            "authority boundaries (e.g. LAD22 vs LAD23 codes)? Use matching releases."
        )
        raise InputError(msg)


def _component(
    frame: pl.LazyFrame,
    *,
    component: str,
    source_table: str,
    period: pl.Expr,
    fraction: pl.Expr | None = None,
) -> pl.LazyFrame:
    """Lay out one component's rows in the shared long shape."""
    value = pl.col("numerator") / pl.col("denominator") if fraction is None else fraction
    return frame.select(
        "lsoa_code",
        "lad_code",
        pl.lit(component).alias("component"),
        "numerator",
        "denominator",
        value.alias("fraction"),
        pl.lit(source_table).alias("source_table"),
        "source_level",
        period.alias("period"),
        (pl.lit(2021) if component == "active_commute" else pl.lit(None, dtype=pl.Int64))
        .cast(pl.Int64)
        .alias("census_year"),
    ).sort("lsoa_code")


def combine_components(*components: pl.LazyFrame) -> pl.LazyFrame:
    """Stack the components into one long table."""
    return pl.concat(components).sort("lsoa_code", "component")


def active_travel_index(
    components: pl.LazyFrame,
    areas: pl.LazyFrame,
    *,
    weights: Mapping[str, float],
    no_data_value: float = 0.0,
) -> pl.LazyFrame:
    """Index = sum over components of weight x fraction (missing fraction -> ``no_data_value``).

    With weights of 1 this is Tombolo's unweighted sum (range 0 to 3). Tombolo
    also used a constant 0 for an area with no data at any level; the config
    makes that choice visible, and ``components_with_data`` shows where it applied.

    A component with no rows at all (its optional input was empty) is left out
    of the sum rather than filled with ``no_data_value`` for every area: its
    fraction column is empty, its source level ``none``, and the index is the
    weighted sum of the components that are there.
    """
    present = set(components.select(pl.col("component").unique()).collect()["component"])
    used = [name for name in COMPONENTS if name in present]

    def fraction_of(name: str) -> pl.Expr:
        return pl.col("fraction").filter(pl.col("component") == name).first()

    wide = components.group_by("lsoa_code").agg(
        *(fraction_of(name).alias(f"{name}_frac") for name in COMPONENTS),
        pl.col("source_level")
        .filter(pl.col("component") == "cycle_traffic")
        .first()
        .alias("cycle_traffic_source_level"),
        pl.col("fraction").is_not_null().sum().cast(pl.UInt32).alias("components_with_data"),
    )
    score = pl.sum_horizontal(
        pl.col(f"{name}_frac").fill_null(no_data_value) * float(weights[name]) for name in used
    )
    return (
        areas.join(wide, on="lsoa_code", how="left")
        .with_columns(
            score.alias("index_score"),
            pl.col("cycle_traffic_source_level").fill_null("none"),
        )
        .select(
            "lsoa_code",
            "lsoa_name",
            "lad_code",
            "lad_name",
            "active_commute_frac",
            "cycle_traffic_frac",
            "cycle_traffic_source_level",
            "adults_active_travel_frac",
            "components_with_data",
            "index_score",
        )
        .sort("lsoa_code")
    )
