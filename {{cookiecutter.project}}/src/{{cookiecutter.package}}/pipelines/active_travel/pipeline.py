"""Wire the active travel stages into a pipeline, with parameters from the config."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from rapkit import Pipeline, Stage
from rapkit.errors import ConfigError
from rapkit.importers.census import CensusCounts
from rapkit.importers.dft_traffic import TrafficCounts, read_traffic_counts, tidy_traffic_counts
from rapkit.importers.geography import LsoaLookup, read_lsoa_lookup

from . import schemas, stages

SAMPLE_ROWS = 100  # synthetic LSOAs in the bundled sample


def _weights(parameters: Mapping[str, Any]) -> dict[str, float]:
    """Return one weight per component; unknown or missing names are a config error."""
    given = dict(parameters.get("weights", dict.fromkeys(schemas.COMPONENTS, 1.0)))
    if set(given) != set(schemas.COMPONENTS):
        msg = (
            f"[parameters.weights] must give exactly the components {list(schemas.COMPONENTS)}; "
            f"got {sorted(given)}."
        )
        raise ConfigError(msg)
    return {name: float(value) for name, value in given.items()}


def _active_modes(parameters: Mapping[str, Any]) -> tuple[str, ...]:
    """Return the TS061 categories counted as active travel, checked against the table."""
    modes = tuple(parameters.get("active_modes", stages.ACTIVE_MODES))
    unknown = [mode for mode in modes if mode not in stages.TS061_CATEGORIES]
    if unknown or not modes:
        msg = (
            f"active_modes {list(modes)} must be non-empty TS061 categories; unknown: {unknown}. "
            f"Categories: {list(stages.TS061_CATEGORIES)}."
        )
        raise ConfigError(msg)
    return modes


def build(parameters: Mapping[str, Any]) -> Pipeline:
    """Return the active travel pipeline, configured by ``[parameters]``."""
    skip = parameters.get("walking_cycling_preamble_rows")
    traffic = partial(
        stages.cycle_traffic,
        year=int(parameters.get("traffic_year", 2023)),
        min_count_points=int(parameters.get("min_count_points", 1)),
    )
    adults = partial(
        stages.adults_active_travel,
        year=int(parameters.get("active_lives_year", 2023)),
        mode=str(parameters.get("active_lives_mode", "Walking or cycling")),
        purpose=str(parameters.get("active_lives_purpose", "Travel")),
        frequency=str(parameters.get("active_lives_frequency", "At least once per week")),
    )
    index = partial(
        stages.active_travel_index,
        weights=_weights(parameters),
        no_data_value=float(parameters.get("no_data_value", 0.0)),
    )
    component = schemas.ActiveTravelComponent
    return Pipeline(
        name="active_travel",
        readers={
            "travel_to_work": stages.read_travel_to_work,
            "lsoa_lookup": read_lsoa_lookup,
            "walking_cycling": partial(
                stages.read_walking_cycling, skip_rows=None if skip is None else int(skip)
            ),
            "traffic_aadf": read_traffic_counts,
            "count_point_lsoa": stages.read_count_point_lsoa,
        },
        stages=[
            Stage(
                "tidy_travel_to_work",
                stages.tidy_travel_to_work,
                ("travel_to_work",),
                "travel_counts",
                CensusCounts,
            ),
            Stage("tidy_lookup", stages.tidy_lookup, ("lsoa_lookup",), "lookup", LsoaLookup),
            Stage(
                "study_areas",
                stages.study_areas,
                ("travel_counts", "lookup"),
                "areas",
                schemas.StudyAreas,
            ),
            Stage(
                "tidy_walking_cycling",
                stages.tidy_walking_cycling,
                ("walking_cycling",),
                "walking_cycling_rates",
                schemas.WalkingCycling,
            ),
            Stage("tidy_traffic", tidy_traffic_counts, ("traffic_aadf",), "traffic", TrafficCounts),
            Stage(
                "locate_count_points",
                stages.tidy_count_point_lsoa,
                ("count_point_lsoa", "lookup"),
                "count_points",
                schemas.CountPoints,
            ),
            Stage(
                "active_commute",
                partial(stages.active_commute, active_modes=_active_modes(parameters)),
                ("travel_counts", "areas"),
                "commute_component",
                component,
            ),
            Stage(
                "cycle_traffic",
                traffic,
                ("traffic", "count_points", "areas"),
                "cycle_component",
                component,
            ),
            Stage(
                "adults_active_travel",
                adults,
                ("walking_cycling_rates", "areas"),
                "adults_component",
                component,
            ),
            Stage(
                "combine_components",
                stages.combine_components,
                ("commute_component", "cycle_component", "adults_component"),
                "active_travel_components",
                component,
            ),
            Stage(
                "active_travel_index",
                index,
                ("active_travel_components", "areas"),
                "active_travel_index",
                schemas.ActiveTravelIndex,
            ),
        ],
        outputs=["active_travel_components", "active_travel_index"],
    )
