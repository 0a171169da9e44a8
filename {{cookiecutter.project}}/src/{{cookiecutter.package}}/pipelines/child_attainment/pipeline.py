"""Wire the child attainment stages into a pipeline, with parameters from the config."""

from collections.abc import Mapping
from functools import partial
from typing import Any

from rapkit import Pipeline, Stage
from rapkit.importers.iod import IodSummary, tidy_iod_summary

from . import schemas, stages

SAMPLE_ROWS = 600


def build(parameters: Mapping[str, Any]) -> Pipeline:
    """Return the pipeline; ``[parameters]`` in the config sets labels, domain and threshold."""
    groups = {
        "all": str(parameters.get("all_pupils_breakdown", stages.DEFAULT_GROUPS["all"])),
        "disadvantaged": str(
            parameters.get("disadvantaged_breakdown", stages.DEFAULT_GROUPS["disadvantaged"])
        ),
        "other": str(parameters.get("other_breakdown", stages.DEFAULT_GROUPS["other"])),
    }
    topics = [str(t) for t in parameters.get("breakdown_topics", stages.DEFAULT_TOPICS)]
    aliases = {str(k): str(v) for k, v in dict(parameters.get("column_aliases", {})).items()}
    domain = str(parameters.get("deprivation_domain", "imd"))
    min_pupils = int(parameters.get("min_pupils", stages.MIN_PUPILS))
    return Pipeline(
        name="child_attainment",
        readers={
            "ks4": partial(stages.read_ks4, groups=groups, topics=topics, aliases=aliases),
            "deprivation": partial(stages.read_deprivation, domain=domain),
        },
        stages=[
            Stage(
                name="tidy_ks4",
                func=stages.tidy_ks4,
                inputs=("ks4",),
                output="ks4_rows",
                schema=schemas.Ks4Rows,
            ),
            Stage(
                name="la_attainment",
                func=partial(stages.la_attainment, groups=groups),
                inputs=("ks4_rows",),
                output="la_attainment",
                schema=schemas.LaAttainment,
            ),
            Stage(
                name="tidy_deprivation",
                func=tidy_iod_summary,
                inputs=("deprivation",),
                output="iod",
                schema=IodSummary,
            ),
            Stage(
                name="rank_deprivation",
                func=stages.rank_deprivation,
                inputs=("iod",),
                output="la_deprivation",
                schema=schemas.LaDeprivation,
            ),
            Stage(
                name="attainment_gaps",
                func=partial(stages.attainment_gaps, min_pupils=min_pupils),
                inputs=("la_attainment", "la_deprivation"),
                output="attainment_gaps",
                schema=schemas.AttainmentGaps,
            ),
            Stage(
                name="gaps_by_deprivation",
                func=stages.gaps_by_deprivation,
                inputs=("attainment_gaps",),
                output="gaps_by_deprivation",
                schema=schemas.GapsByDeprivation,
            ),
        ],
        outputs=["la_attainment", "attainment_gaps", "gaps_by_deprivation"],
    )
