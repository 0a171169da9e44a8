"""Wire the green space stages into a pipeline.

    lsoa_parks_access.csv --tidy_access--------> access -----+
    lsoa_boundaries.csv ---tidy_boundaries-----> boundaries -+-select_study_area-> study_area
    greenspace_pieces.csv -tidy_pieces---------> pieces --measure_green_area--> green_area
    study_area + green_area --build_index--> green_space_lsoa --summarise_lads--> green_space_lad

Parameters come from ``[parameters]`` in the configuration and are checked
here, so a typo fails before any data is read.
"""

from collections.abc import Mapping
from functools import partial
from typing import Any

from rapkit import Pipeline, Stage
from rapkit.errors import ConfigError
from rapkit.importers import ons_boundaries, ons_green_space, os_open_greenspace

from . import schemas, stages

SAMPLE_ROWS = 300  # LSOAs in the bundled sample


def _strings(parameters: Mapping[str, Any], key: str, default: tuple[str, ...]) -> list[str]:
    """Return a list-of-strings parameter, or raise a ConfigError naming it."""
    value = parameters.get(key, list(default))
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        msg = f"`{key}` in [parameters] must be a list of strings, not {value!r}."
        raise ConfigError(msg)
    return value


def _settings(parameters: Mapping[str, Any]) -> tuple[str, list[str], list[str], float]:
    """Check and return (lsoa_vintage, lad_codes, site_functions, far_from_park_m)."""
    vintage = str(parameters.get("lsoa_vintage", stages.LSOA_VINTAGE))
    if vintage not in ons_boundaries.VINTAGES:
        msg = f"`lsoa_vintage` must be one of {ons_boundaries.VINTAGES}, not {vintage!r}."
        raise ConfigError(msg)
    lad_codes = _strings(parameters, "lad_codes", ())
    functions = _strings(parameters, "site_functions", stages.SITE_FUNCTIONS)
    unknown = sorted(set(functions) - set(os_open_greenspace.SITE_FUNCTIONS))
    if unknown or not functions:
        msg = (
            f"`site_functions` must name at least one OS Open Greenspace function; unknown: "
            f"{unknown}. Known: {', '.join(os_open_greenspace.SITE_FUNCTIONS)}."
        )
        raise ConfigError(msg)
    far = parameters.get("far_from_park_m", stages.FAR_FROM_PARK_M)
    if isinstance(far, bool) or not isinstance(far, int | float) or far <= 0:
        msg = f"`far_from_park_m` must be a positive number of metres, not {far!r}."
        raise ConfigError(msg)
    return vintage, lad_codes, functions, float(far)


def build(parameters: Mapping[str, Any]) -> Pipeline:
    """Return the green space pipeline, with parameters from ``[parameters]`` in the config."""
    vintage, lad_codes, functions, far = _settings(parameters)
    return Pipeline(
        name="green_space",
        readers={
            "parks_access": ons_green_space.read_parks_access,
            "lsoa_boundaries": partial(ons_boundaries.read_lsoa_boundaries, vintage=vintage),
            "greenspace_pieces": partial(
                os_open_greenspace.read_greenspace_pieces, vintage=vintage
            ),
        },
        stages=[
            # Import stages keep one row per data line, so errors give CSV line numbers.
            Stage(
                "tidy_access",
                stages.tidy_access,
                ("parks_access",),
                "access",
                schemas.ParksAccess,
                line_offset=2,
            ),
            Stage(
                "tidy_boundaries",
                stages.tidy_boundaries,
                ("lsoa_boundaries",),
                "boundaries",
                schemas.LsoaBoundaries,
                line_offset=2,
            ),
            Stage(
                "tidy_pieces",
                stages.tidy_pieces,
                ("greenspace_pieces",),
                "pieces",
                schemas.GreenspacePieces,
                line_offset=2,
            ),
            Stage(
                "select_study_area",
                partial(stages.select_study_area, lad_codes=lad_codes, vintage=vintage),
                ("access", "boundaries"),
                "study_area",
                schemas.StudyArea,
            ),
            Stage(
                "measure_green_area",
                partial(stages.measure_green_area, site_functions=functions, vintage=vintage),
                ("pieces", "boundaries", "study_area"),
                "green_area",
                schemas.GreenArea,
            ),
            Stage(
                "build_index",
                partial(stages.build_index, far_from_park_m=far),
                ("study_area", "green_area"),
                "green_space_lsoa",
                schemas.GreenSpaceLsoa,
            ),
            Stage(
                "summarise_lads",
                stages.summarise_lads,
                ("green_space_lsoa",),
                "green_space_lad",
                schemas.GreenSpaceLad,
            ),
        ],
        outputs=["green_space_lsoa", "green_space_lad"],
    )
