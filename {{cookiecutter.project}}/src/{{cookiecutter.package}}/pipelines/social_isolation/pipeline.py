"""Wire the social isolation stages into a pipeline, with parameters from the config."""

import re
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from rapkit import Pipeline, Reader, Stage
from rapkit.errors import ConfigError
from rapkit.importers.census import CensusCounts, read_census, tidy_census
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


def ageuk_coefficients(parameters: Mapping[str, Any]) -> dict[str, float]:
    """Return the Age UK model's coefficients from ``[parameters.ageuk_coefficients]``.

    Every coefficient must be given, as a number, and no other: a typo in a
    name would otherwise silently drop a term from the model.
    """
    given = parameters.get("ageuk_coefficients")
    if not isinstance(given, Mapping):
        msg = (
            "config: [parameters.ageuk_coefficients] is missing. It must set "
            f"{', '.join(stages.AGEUK_COEFFICIENTS)} (see config/pipeline.toml in the template)."
        )
        raise ConfigError(msg)
    missing = [name for name in stages.AGEUK_COEFFICIENTS if name not in given]
    unknown = sorted(set(given) - set(stages.AGEUK_COEFFICIENTS))
    wrong = [
        name
        for name, value in given.items()
        if isinstance(value, bool) or not isinstance(value, int | float)
    ]
    if missing or unknown or wrong:
        msg = (
            "config: [parameters.ageuk_coefficients] is not right. "
            f"Missing: {missing}. Unknown: {unknown}. Not numbers: {sorted(wrong)}. "
            f"Expected exactly: {', '.join(stages.AGEUK_COEFFICIENTS)}."
        )
        raise ConfigError(msg)
    return {name: float(given[name]) for name in stages.AGEUK_COEFFICIENTS}


def eight_or_more_people(parameters: Mapping[str, Any]) -> float:
    """Return the people counted per household in TS017's "8 or more" band (at least 8)."""
    value = parameters.get("eight_or_more_household_size", stages.EIGHT_OR_MORE_PEOPLE)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 8:
        msg = f"config: eight_or_more_household_size must be a number of at least 8, not {value!r}."
        raise ConfigError(msg)
    return float(value)


def local_authorities(parameters: Mapping[str, Any]) -> tuple[str, ...]:
    """Return ``local_authorities``: the LAD codes to keep and rank within (empty: all)."""
    value = parameters.get("local_authorities", [])
    if not isinstance(value, list) or not all(
        isinstance(code, str) and re.fullmatch(schemas.LAD_CODE, code) for code in value
    ):
        msg = (
            "config: local_authorities must be a list of local authority codes such as "
            f'["E08000009"], or [] for every LSOA in the inputs; found {value!r}.'
        )
        raise ConfigError(msg)
    return tuple(value)


def category_aliases(parameters: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """Return ``[parameters.category_aliases.<input>]``: published label -> expected label.

    A new Census release (or a republished copy) may word a category differently;
    mapping it here keeps the expected labels, and so the components, unchanged.
    """
    given = parameters.get("category_aliases", {})
    ok = isinstance(given, Mapping) and all(
        name in CENSUS_INPUTS
        and isinstance(table, Mapping)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in table.items())
        for name, table in given.items()
    )
    if not ok:
        msg = (
            "config: [parameters.category_aliases] must hold one table per input "
            f"({', '.join(CENSUS_INPUTS)}) mapping published labels to expected labels, "
            f'e.g. [parameters.category_aliases.health] "Fair" = "Fair health". Found: {given!r}.'
        )
        raise ConfigError(msg)
    return {name: dict(table) for name, table in given.items()}


def _import_stage(name: str, table: str) -> Stage:
    """Return the stage that types one Census table and checks its categories add up."""
    return Stage(
        name=f"import_{table.lower()}",
        func=tidy_census,
        inputs=(name,),
        output=f"{name}_counts",
        schema=CensusCounts,
    )


def build(parameters: Mapping[str, Any]) -> Pipeline:
    """Return the social isolation pipeline, with parameters from ``[parameters]``."""
    coefficients = ageuk_coefficients(parameters)
    eight_or_more = eight_or_more_people(parameters)
    aliases = category_aliases(parameters)
    study_area = local_authorities(parameters)
    readers: dict[str, Reader] = {"lookup": read_lsoa_lookup}
    for name, (_, categories) in CENSUS_INPUTS.items():
        readers[name] = partial(
            read_census, geography="lsoa", categories=categories, aliases=aliases.get(name)
        )
    counts = tuple(f"{name}_counts" for name in CENSUS_INPUTS if name != "household_size")
    return Pipeline(
        name="social_isolation",
        readers=readers,
        stages=[
            Stage(
                name="tidy_lookup",
                func=tidy_lsoa_lookup,
                inputs=("lookup",),
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
                func=partial(stages.select_study_area, local_authorities=study_area),
                inputs=("components_all", "lookup_tidy"),
                output="components",
                schema=schemas.Components,
            ),
            Stage(
                name="household_size",
                func=partial(stages.mean_household_size, eight_or_more=eight_or_more),
                inputs=("household_size_counts",),
                output="household_size",
                schema=schemas.HouseholdSize,
            ),
            Stage(
                name="tombolo_social_isolation_proxy",
                func=stages.tombolo_social_isolation_proxy,
                inputs=("components",),
                output="tombolo_proxy",
                schema=schemas.TomboloProxy,
            ),
            Stage(
                name="ageuk_loneliness_logodds",
                func=partial(stages.ageuk_loneliness_logodds, coefficients=coefficients),
                inputs=("components", "household_size"),
                output="ageuk_model",
                schema=schemas.AgeUkModel,
            ),
            Stage(
                name="index",
                func=stages.social_isolation_index,
                inputs=("tombolo_proxy", "ageuk_model", "lookup_tidy"),
                output="index",
                schema=schemas.SocialIsolationIndex,
            ),
        ],
        outputs=["components", "index"],
    )
