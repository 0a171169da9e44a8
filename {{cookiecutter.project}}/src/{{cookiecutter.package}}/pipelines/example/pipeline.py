"""Wire the example stages into a pipeline."""

from collections.abc import Mapping
from functools import partial
from typing import Any

from rapkit import Pipeline, Stage

from . import schemas, stages

SAMPLE_ROWS = 10_000


def build(parameters: Mapping[str, Any]) -> Pipeline:
    """Return the example pipeline, with parameters from ``[parameters]`` in the config."""
    older_age = int(parameters.get("older_age", stages.OLDER_AGE))
    return Pipeline(
        name="example",
        readers={"residents": stages.read_residents},
        stages=[
            Stage(
                name="tidy_residents",
                func=stages.tidy_residents,
                inputs=("residents",),
                output="residents_tidy",
                schema=schemas.Residents,
                line_offset=2,  # one output row per data line: report CSV line numbers
            ),
            Stage(
                name="summarise_areas",
                func=partial(stages.summarise_areas, older_age=older_age),
                inputs=("residents_tidy",),
                output="area_summary",
                schema=schemas.AreaSummary,
            ),
        ],
        outputs=["area_summary"],
    )
