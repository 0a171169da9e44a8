"""Wire the child attainment stages into a pipeline, with parameters from the config."""

from collections.abc import Mapping
from functools import partial
from typing import Any

import pydantic
import rapkit
from rapkit import Expect, Pipeline, Stage
from rapkit.importers.iod import DOMAINS, IodSummary, tidy_iod_summary

from . import schemas, stages

SAMPLE_ROWS = 600


class Parameters(rapkit.Parameters):
    """``[parameters]`` in the config: a typo or a wrong type stops the run, naming the key."""

    breakdown_topics: list[str] = pydantic.Field(
        default_factory=lambda: list(stages.DEFAULT_TOPICS)
    )
    all_pupils_breakdown: str = stages.DEFAULT_GROUPS["all"]
    disadvantaged_breakdown: str = stages.DEFAULT_GROUPS["disadvantaged"]
    other_breakdown: str = stages.DEFAULT_GROUPS["other"]
    deprivation_domain: str = "imd"  # a key of rapkit.importers.iod.DOMAINS
    min_pupils: int = stages.MIN_PUPILS  # no gap is computed for smaller groups

    @pydantic.field_validator("deprivation_domain")
    @classmethod
    def _known_domain(cls, domain: str) -> str:
        """Refuse a misspelt domain before any file is read, naming the key."""
        known = sorted(set(DOMAINS.values()))
        if domain not in known:
            msg = f"deprivation_domain must be one of {', '.join(known)}, not {domain!r}"
            raise ValueError(msg)
        return domain


def build(parameters: Mapping[str, Any]) -> Pipeline:
    """Return the pipeline; ``[parameters]`` in the config sets labels, domain and threshold."""
    settings = Parameters.load(parameters)
    groups = {
        "all": settings.all_pupils_breakdown,
        "disadvantaged": settings.disadvantaged_breakdown,
        "other": settings.other_breakdown,
    }
    topics = settings.breakdown_topics
    domain = settings.deprivation_domain
    min_pupils = settings.min_pupils
    return Pipeline(
        name="child_attainment",
        readers={
            "ks4": partial(stages.read_ks4, groups=groups, topics=topics),
            "deprivation": partial(stages.read_deprivation, domain=domain),
        },
        stages=[
            Stage(
                name="tidy_ks4",
                func=stages.tidy_ks4,
                inputs={"raw": "ks4"},
                output="ks4_rows",
                schema=schemas.Ks4Rows,
            ),
            Stage(
                name="la_attainment",
                func=partial(stages.la_attainment, groups=groups),
                inputs={"ks4": "ks4_rows"},
                output="la_attainment",
                schema=schemas.LaAttainment,
            ),
            Stage(
                name="tidy_deprivation",
                func=tidy_iod_summary,
                inputs={"raw": "deprivation"},
                output="iod",
                schema=IodSummary,
            ),
            Stage(
                name="rank_deprivation",
                func=stages.rank_deprivation,
                inputs={"iod": "iod"},
                output="la_deprivation",
                schema=schemas.LaDeprivation,
            ),
            Stage(
                name="attainment_gaps",
                func=partial(stages.attainment_gaps, min_pupils=min_pupils),
                inputs={"attainment": "la_attainment", "deprivation": "la_deprivation"},
                output="attainment_gaps",
                schema=schemas.AttainmentGaps,
            ),
            Stage(
                name="gaps_by_deprivation",
                func=stages.gaps_by_deprivation,
                inputs={"gaps": "attainment_gaps"},
                output="gaps_by_deprivation",
                schema=schemas.GapsByDeprivation,
            ),
        ],
        outputs=["la_attainment", "attainment_gaps", "gaps_by_deprivation"],
        expect={"ks4": Expect(), "deprivation": Expect()},  # each needs data rows
    )
