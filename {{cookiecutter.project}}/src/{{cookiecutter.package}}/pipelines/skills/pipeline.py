"""Wire the skills stages into a pipeline, with parameters from the config."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

import pydantic
import rapkit
from rapkit import COUNTS, Expect, Pipeline, Stage
from rapkit.importers.census import CensusCounts
from rapkit.importers.geography import LsoaLookup, read_lsoa_lookup
from rapkit.importers.nomis_api import NomisObservations
from rapkit.inputs import Allowed

from . import schemas, stages

SAMPLE_ROWS = 100  # synthetic LSOAs in the bundled sample


class Parameters(rapkit.Parameters):
    """``[parameters]`` in the config: a typo or a wrong type stops the run, naming the key."""

    # Measure name -> the TS067 categories counted in its numerator.
    census_measures: dict[str, list[str]] = pydantic.Field(
        default_factory=lambda: dict(stages.CENSUS_MEASURES)
    )

    @pydantic.field_validator("census_measures")
    @classmethod
    def _known_categories(cls, measures: dict[str, list[str]]) -> dict[str, list[str]]:
        """A misspelt category would silently count nobody in a measure."""
        unknown = sorted(
            {c for categories in measures.values() for c in categories}
            - set(stages.TS067_CATEGORIES)
        )
        if unknown or not measures or not all(measures.values()):
            msg = (
                f"census_measures must map names to non-empty lists of TS067 categories; "
                f"unknown: {unknown}. Categories: {list(stages.TS067_CATEGORIES)}"
            )
            raise ValueError(msg)
        return measures


# The APS extract's MEASURES_NAME values this pipeline reads (a percentages-only extract fails).
APS_MEASURES = Allowed(
    "MEASURES_NAME",
    ("Variable", "Numerator", "Denominator", "Confidence"),
    "the APS measures Variable, Numerator, Denominator and Confidence",
)


def build(parameters: Mapping[str, Any]) -> Pipeline:
    """Return the skills pipeline, configured by ``[parameters]``."""
    settings = Parameters.load(parameters)
    qualifications = partial(stages.lsoa_qualifications, measures=settings.census_measures)
    return Pipeline(
        name="skills",
        readers={
            "qualifications": stages.read_qualifications,
            "lsoa_lookup": read_lsoa_lookup,
            "aps": stages.read_aps,
        },
        stages=[
            Stage(
                "tidy_qualifications",
                stages.tidy_qualifications,
                {"raw": "qualifications"},
                "qualification_counts",
                CensusCounts,
            ),
            Stage("tidy_lookup", stages.tidy_lookup, {"raw": "lsoa_lookup"}, "lookup", LsoaLookup),
            Stage(
                "lsoa_qualifications",
                qualifications,
                {"counts": "qualification_counts", "lookup": "lookup"},
                "lsoa_qualifications",
                schemas.LsoaQualifications,
            ),
            Stage(
                "tidy_aps",
                stages.tidy_aps,
                {"raw": "aps"},
                "aps_observations",
                NomisObservations,
                line_offset=2,  # one row per data line: errors give CSV line numbers
            ),
            Stage(
                "aps_series",
                stages.aps_series,
                {"observations": "aps_observations"},
                "aps_series",
                schemas.ApsSeries,
            ),
        ],
        outputs=["lsoa_qualifications", "aps_series"],
        # Every input needs data rows; the APS extract must hold the four measures used.
        expect={
            "qualifications": Expect(values=(COUNTS,)),
            "lsoa_lookup": Expect(),
            "aps": Expect(values=(APS_MEASURES,)),
        },
    )
