"""Wire the example stages into a pipeline."""

from collections.abc import Mapping
from functools import partial
from typing import Any

import rapkit
from rapkit import Expect, Pipeline, Stage

from . import schemas, stages

SAMPLE_ROWS = 10_000


class Parameters(rapkit.Parameters):
    """``[parameters]`` in the config: a typo or a wrong type stops the run, naming the key."""

    older_age: int = stages.OLDER_AGE  # age from which a resident counts as "older"


def build(parameters: Mapping[str, Any]) -> Pipeline:
    """Return the example pipeline, with parameters from ``[parameters]`` in the config."""
    settings = Parameters.load(parameters)
    return Pipeline(
        name="example",
        readers={"residents": stages.read_residents},
        stages=[
            Stage(
                name="tidy_residents",
                func=stages.tidy_residents,
                inputs={"raw": "residents"},
                output="residents_tidy",
                schema=schemas.Residents,
                line_offset=2,  # one output row per data line: report CSV line numbers
            ),
            Stage(
                name="summarise_areas",
                func=partial(stages.summarise_areas, older_age=settings.older_age),
                inputs={"residents": "residents_tidy"},
                output="area_summary",
                schema=schemas.AreaSummary,
            ),
        ],
        outputs=["area_summary"],
        expect={"residents": Expect()},  # at least one resident row
    )
