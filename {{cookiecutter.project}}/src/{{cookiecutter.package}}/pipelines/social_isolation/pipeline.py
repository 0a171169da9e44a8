"""Wire the social isolation stages into a pipeline, with parameters from the config."""

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Annotated, Any

import pydantic
import rapkit
from rapkit import COUNTS, Expect, Pipeline, Reader, Stage
from rapkit.importers.census import read_census
from rapkit.importers.geography import LsoaLookup, read_lsoa_lookup, tidy_lsoa_lookup

from . import schemas, stages

SAMPLE_ROWS = 120  # synthetic LSOAs in the bundled sample

# Input name in [inputs] -> (Census table id, categories the file must have).
CENSUS_INPUTS: dict[str, tuple[str, Sequence[str]]] = {
    "age": ("TS007A", stages.AGE_BANDS),
    "tenure": ("TS054", stages.TENURE),
    "partnership": ("TS002", stages.PARTNERSHIP),
    "health": ("TS037", stages.HEALTH),
    "disability": ("TS038", stages.DISABILITY),
    "deprivation": ("TS011", stages.DEPRIVATION),
    "household_size": ("TS017", stages.HOUSEHOLD_SIZE),
}


class AgeUkCoefficients(rapkit.Parameters):
    """``[parameters.ageuk_coefficients]``: every term of the Age UK model, and no other.

    A misspelt name would otherwise silently drop a term from the model.
    """

    constant: float
    health_poor: float
    health_fair: float
    health_good: float
    widowed: float
    age_75_79: float
    household_size: float


LadCode = Annotated[str, pydantic.StringConstraints(pattern=schemas.LAD_CODE)]


class Parameters(rapkit.Parameters):
    """``[parameters]`` in the config: a typo or a wrong type stops the run, naming the key."""

    ageuk_coefficients: AgeUkCoefficients
    # TS017's "8 or more people" band counts as this many people per household (at least 8).
    eight_or_more_household_size: Annotated[float, pydantic.Field(ge=8)] = (
        stages.EIGHT_OR_MORE_PEOPLE
    )
    # LAD codes whose LSOAs to keep and rank within; [] keeps every LSOA in the inputs.
    local_authorities: list[LadCode] = pydantic.Field(default_factory=list)


def _import_stage(name: str, table: str) -> Stage:
    """Return the stage that types one Census table and checks its categories add up."""
    return Stage(
        name=f"import_{table.lower()}",
        func=stages.tidy_census_in_lookup,
        inputs={"raw": name, "lookup": "lookup_tidy"},
        output=f"{name}_counts",
        schema=schemas.CensusInLookup,
    )


def build(parameters: Mapping[str, Any]) -> Pipeline:
    """Return the social isolation pipeline, with parameters from ``[parameters]``."""
    settings = Parameters.load(parameters)
    readers: dict[str, Reader] = {"lookup": read_lsoa_lookup}
    for name, (_, categories) in CENSUS_INPUTS.items():
        readers[name] = partial(read_census, geography="lsoa", categories=categories)
    # Every input needs data rows; a long-form Census file must hold counts, not percentages.
    expect = {"lookup": Expect(), **{name: Expect(values=(COUNTS,)) for name in CENSUS_INPUTS}}
    counts = {name: f"{name}_counts" for name in CENSUS_INPUTS if name != "household_size"}
    return Pipeline(
        name="social_isolation",
        readers=readers,
        stages=[
            Stage(
                name="tidy_lookup",
                func=tidy_lsoa_lookup,
                inputs={"raw": "lookup"},
                output="lookup_tidy",
                schema=LsoaLookup,
            ),
            *(_import_stage(name, table) for name, (table, _) in CENSUS_INPUTS.items()),
            Stage(
                name="components",
                func=stages.compute_components,
                inputs=counts,
                output="components_all",
                schema=schemas.Components,
            ),
            Stage(
                name="select_study_area",
                func=partial(
                    stages.select_study_area, local_authorities=settings.local_authorities
                ),
                inputs={"components": "components_all", "lookup": "lookup_tidy"},
                output="components",
                schema=schemas.Components,
            ),
            Stage(
                name="household_size",
                func=partial(
                    stages.mean_household_size,
                    eight_or_more=settings.eight_or_more_household_size,
                ),
                inputs={"household_size": "household_size_counts"},
                output="household_size",
                schema=schemas.HouseholdSize,
            ),
            Stage(
                name="tombolo_social_isolation_proxy",
                func=stages.tombolo_social_isolation_proxy,
                inputs={"components": "components"},
                output="tombolo_proxy",
                schema=schemas.TomboloProxy,
            ),
            Stage(
                name="ageuk_loneliness_logodds",
                func=partial(
                    stages.ageuk_loneliness_logodds,
                    coefficients=settings.ageuk_coefficients.model_dump(),
                ),
                inputs={"components": "components", "household_size": "household_size"},
                output="ageuk_model",
                schema=schemas.AgeUkModel,
            ),
            Stage(
                name="index",
                func=stages.social_isolation_index,
                inputs={"proxy": "tombolo_proxy", "ageuk": "ageuk_model", "lookup": "lookup_tidy"},
                output="index",
                schema=schemas.SocialIsolationIndex,
            ),
        ],
        outputs=["components", "index"],
        expect=expect,
    )
