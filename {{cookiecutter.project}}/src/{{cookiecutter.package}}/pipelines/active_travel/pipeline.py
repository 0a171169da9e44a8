"""Wire the active travel stages into a pipeline, with parameters from the config."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

import pydantic
import rapkit
from rapkit import COUNTS, Expect, Pipeline, Stage
from rapkit.importers.census import CensusCounts
from rapkit.importers.dft_traffic import TrafficCounts, read_traffic_counts, tidy_traffic_counts
from rapkit.importers.geography import LsoaLookup, read_lsoa_lookup

from . import schemas, stages

SAMPLE_ROWS = 100  # synthetic LSOAs in the bundled sample
# What the outputs lack when the traffic counts or count points are empty (manifest, report).
WITHOUT_CYCLE_TRAFFIC = (
    "the cycle traffic component: cycle_traffic_frac is empty for every area and the index "
    "is the weighted sum of the other two components"
)


class Weights(rapkit.Parameters):
    """``[parameters.weights]``: the weight of every component, and no other."""

    active_commute: float
    cycle_traffic: float
    adults_active_travel: float


class Parameters(rapkit.Parameters):
    """``[parameters]`` in the config: a typo or a wrong type stops the run, naming the key."""

    # TS061 categories counted as active.
    active_modes: list[str] = pydantic.Field(default_factory=lambda: list(stages.ACTIVE_MODES))
    traffic_year: int = 2023
    min_count_points: int = 1
    active_lives_year: int = 2023
    active_lives_mode: str = "Walking or cycling"
    active_lives_purpose: str = "Travel"
    active_lives_frequency: str = "At least once per week"
    walking_cycling_preamble_rows: int | None = None  # None: find the header row
    no_data_value: float = 0.0
    weights: Weights = Weights(active_commute=1.0, cycle_traffic=1.0, adults_active_travel=1.0)

    @pydantic.field_validator("active_modes")
    @classmethod
    def _known_modes(cls, modes: list[str]) -> list[str]:
        """A misspelt category would silently count nobody as travelling actively."""
        unknown = [mode for mode in modes if mode not in stages.TS061_CATEGORIES]
        if unknown or not modes:
            msg = (
                f"active_modes must be non-empty TS061 categories; unknown: {unknown}. "
                f"Categories: {list(stages.TS061_CATEGORIES)}"
            )
            raise ValueError(msg)
        return modes


def build(parameters: Mapping[str, Any]) -> Pipeline:
    """Return the active travel pipeline, configured by ``[parameters]``."""
    settings = Parameters.load(parameters)
    traffic = partial(
        stages.cycle_traffic,
        year=settings.traffic_year,
        min_count_points=settings.min_count_points,
    )
    adults = partial(
        stages.adults_active_travel,
        year=settings.active_lives_year,
        mode=settings.active_lives_mode,
        purpose=settings.active_lives_purpose,
        frequency=settings.active_lives_frequency,
    )
    index = partial(
        stages.active_travel_index,
        weights=settings.weights.model_dump(),
        no_data_value=settings.no_data_value,
    )
    component = schemas.ActiveTravelComponent
    return Pipeline(
        name="active_travel",
        readers={
            "travel_to_work": stages.read_travel_to_work,
            "lsoa_lookup": read_lsoa_lookup,
            "walking_cycling": partial(
                stages.read_walking_cycling,
                skip_rows=settings.walking_cycling_preamble_rows,
                labels={
                    "active_lives_mode": settings.active_lives_mode,
                    "active_lives_purpose": settings.active_lives_purpose,
                    "active_lives_frequency": settings.active_lives_frequency,
                },
            ),
            "traffic_aadf": read_traffic_counts,
            "count_point_lsoa": stages.read_count_point_lsoa,
        },
        stages=[
            Stage(
                "tidy_travel_to_work",
                stages.tidy_travel_to_work,
                {"raw": "travel_to_work"},
                "travel_counts",
                CensusCounts,
            ),
            Stage("tidy_lookup", stages.tidy_lookup, {"raw": "lsoa_lookup"}, "lookup", LsoaLookup),
            Stage(
                "study_areas",
                stages.study_areas,
                {"counts": "travel_counts", "lookup": "lookup"},
                "areas",
                schemas.StudyAreas,
            ),
            Stage(
                "tidy_walking_cycling",
                stages.tidy_walking_cycling,
                {"raw": "walking_cycling"},
                "walking_cycling_rates",
                schemas.WalkingCycling,
            ),
            Stage(
                "tidy_traffic",
                tidy_traffic_counts,
                {"raw": "traffic_aadf"},
                "traffic",
                TrafficCounts,
            ),
            Stage(
                "locate_count_points",
                stages.tidy_count_point_lsoa,
                {"raw": "count_point_lsoa", "lookup": "lookup"},
                "count_points",
                schemas.CountPoints,
            ),
            Stage(
                "active_commute",
                partial(stages.active_commute, active_modes=settings.active_modes),
                {"counts": "travel_counts", "areas": "areas"},
                "commute_component",
                component,
            ),
            Stage(
                "cycle_traffic",
                traffic,
                {"traffic": "traffic", "points": "count_points", "areas": "areas"},
                "cycle_component",
                component,
            ),
            Stage(
                "adults_active_travel",
                adults,
                {"rates": "walking_cycling_rates", "areas": "areas"},
                "adults_component",
                component,
            ),
            Stage(
                "combine_components",
                stages.combine_components,
                # By position: combine_components stacks any number of components.
                ("commute_component", "cycle_component", "adults_component"),
                "active_travel_components",
                component,
            ),
            Stage(
                "active_travel_index",
                index,
                {"components": "active_travel_components", "areas": "areas"},
                "active_travel_index",
                schemas.ActiveTravelIndex,
            ),
        ],
        outputs=["active_travel_components", "active_travel_index"],
        # The Census file must hold counts, not percentages. The traffic counts and count
        # points are optional: with a header-only file the index is published without the
        # cycle traffic component, and the manifest and report say so.
        expect={
            "travel_to_work": Expect(values=(COUNTS,)),
            "lsoa_lookup": Expect(),
            "walking_cycling": Expect(),
            "traffic_aadf": Expect(optional=True, missing=WITHOUT_CYCLE_TRAFFIC),
            "count_point_lsoa": Expect(optional=True, missing=WITHOUT_CYCLE_TRAFFIC),
        },
    )
