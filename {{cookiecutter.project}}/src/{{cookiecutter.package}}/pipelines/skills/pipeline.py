"""Wire the skills stages into a pipeline, with parameters from the config."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from rapkit import Pipeline, Stage
from rapkit.errors import ConfigError
from rapkit.importers.census import CensusCounts
from rapkit.importers.geography import LsoaLookup, read_lsoa_lookup
from rapkit.importers.nomis_api import NomisObservations

from . import schemas, stages

SAMPLE_ROWS = 100  # synthetic LSOAs in the bundled sample


def _census_measures(parameters: Mapping[str, Any]) -> dict[str, list[str]]:
    """Return the Census measures, checking every category is a TS067 category."""
    measures = {
        str(name): [str(c) for c in categories]
        for name, categories in parameters.get("census_measures", stages.CENSUS_MEASURES).items()
    }
    unknown = sorted(
        {c for categories in measures.values() for c in categories} - set(stages.TS067_CATEGORIES)
    )
    if unknown or not measures or not all(measures.values()):
        msg = (
            f"[parameters.census_measures] must map names to non-empty lists of TS067 "
            f"categories; unknown: {unknown}. Categories: {list(stages.TS067_CATEGORIES)}."
        )
        raise ConfigError(msg)
    return measures


def build(parameters: Mapping[str, Any]) -> Pipeline:
    """Return the skills pipeline, configured by ``[parameters]``."""
    qualifications = partial(stages.lsoa_qualifications, measures=_census_measures(parameters))
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
                ("qualifications",),
                "qualification_counts",
                CensusCounts,
            ),
            Stage("tidy_lookup", stages.tidy_lookup, ("lsoa_lookup",), "lookup", LsoaLookup),
            Stage(
                "lsoa_qualifications",
                qualifications,
                ("qualification_counts", "lookup"),
                "lsoa_qualifications",
                schemas.LsoaQualifications,
            ),
            Stage(
                "tidy_aps",
                stages.tidy_aps,
                ("aps",),
                "aps_observations",
                NomisObservations,
                line_offset=2,  # one row per data line: errors give CSV line numbers
            ),
            Stage(
                "aps_series",
                stages.aps_series,
                ("aps_observations",),
                "aps_series",
                schemas.ApsSeries,
            ),
        ],
        outputs=["lsoa_qualifications", "aps_series"],
    )
