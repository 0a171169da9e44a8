"""Wire the green space stages into a pipeline.

    lsoa_parks_access.csv --tidy_access--------> access -----+
    lsoa_boundaries.csv ---tidy_boundaries-----> boundaries -+-select_study_area-> study_area
    greenspace_pieces.csv -tidy_pieces---------> pieces --measure_green_area--> green_area
    study_area + green_area --build_index--> green_space_lsoa --summarise_lads--> green_space_lad

Parameters come from ``[parameters]`` in the configuration and are checked by
:class:`Parameters`, so a typo fails before any data is read.
"""

from collections.abc import Mapping
from functools import partial
from typing import Annotated, Any

import pydantic
import rapkit
from rapkit import Expect, Pipeline, Stage
from rapkit.importers import ons_boundaries, ons_green_space, os_open_greenspace

from . import schemas, stages

SAMPLE_ROWS = 300  # LSOAs in the bundled sample


class Parameters(rapkit.Parameters):
    """``[parameters]`` in the config: a typo or a wrong type stops the run, naming the key."""

    lsoa_vintage: str = stages.LSOA_VINTAGE  # geography vintage of every input
    # Local authorities to study; [] keeps every LSOA.
    lad_codes: list[str] = pydantic.Field(default_factory=list)
    # OS Open Greenspace functions counted as public green space.
    site_functions: list[str] = pydantic.Field(default_factory=lambda: list(stages.SITE_FUNCTIONS))
    far_from_park_m: Annotated[float, pydantic.Field(gt=0)] = stages.FAR_FROM_PARK_M

    @pydantic.field_validator("lsoa_vintage")
    @classmethod
    def _known_vintage(cls, vintage: str) -> str:
        """Only vintages with a boundaries reader can be checked against."""
        if vintage not in ons_boundaries.VINTAGES:
            msg = f"lsoa_vintage must be one of {ons_boundaries.VINTAGES}"
            raise ValueError(msg)
        return vintage

    @pydantic.field_validator("site_functions")
    @classmethod
    def _known_functions(cls, functions: list[str]) -> list[str]:
        """A misspelt function would silently count no green space at all."""
        unknown = sorted(set(functions) - set(os_open_greenspace.SITE_FUNCTIONS))
        if unknown or not functions:
            msg = (
                f"site_functions must name at least one OS Open Greenspace function; unknown: "
                f"{unknown}. Known: {', '.join(os_open_greenspace.SITE_FUNCTIONS)}"
            )
            raise ValueError(msg)
        return functions


def build(parameters: Mapping[str, Any]) -> Pipeline:
    """Return the green space pipeline, with parameters from ``[parameters]`` in the config."""
    settings = Parameters.load(parameters)
    vintage = settings.lsoa_vintage
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
                {"raw": "parks_access"},
                "access",
                schemas.ParksAccess,
                line_offset=2,
            ),
            Stage(
                "tidy_boundaries",
                stages.tidy_boundaries,
                {"raw": "lsoa_boundaries"},
                "boundaries",
                schemas.LsoaBoundaries,
                line_offset=2,
            ),
            Stage(
                "tidy_pieces",
                stages.tidy_pieces_in_boundaries,
                {"raw": "greenspace_pieces", "boundaries": "boundaries"},
                "pieces",
                schemas.PiecesInBoundaries,
                line_offset=2,
            ),
            Stage(
                "select_study_area",
                partial(stages.select_study_area, lad_codes=settings.lad_codes, vintage=vintage),
                {"access": "access", "boundaries": "boundaries"},
                "study_area",
                schemas.StudyArea,
            ),
            Stage(
                "measure_green_area",
                partial(
                    stages.measure_green_area,
                    site_functions=settings.site_functions,
                    vintage=vintage,
                ),
                {"pieces": "pieces", "boundaries": "boundaries", "study_area": "study_area"},
                "green_area",
                schemas.GreenArea,
            ),
            Stage(
                "build_index",
                partial(stages.build_index, far_from_park_m=settings.far_from_park_m),
                {"study_area": "study_area", "green_area": "green_area"},
                "green_space_lsoa",
                schemas.GreenSpaceLsoa,
            ),
            Stage(
                "summarise_lads",
                stages.summarise_lads,
                {"lsoas": "green_space_lsoa"},
                "green_space_lad",
                schemas.GreenSpaceLad,
            ),
        ],
        outputs=["green_space_lsoa", "green_space_lad"],
        # Each input needs data rows: an empty boundaries or parks file is an error.
        expect={
            "parks_access": Expect(),
            "lsoa_boundaries": Expect(),
            "greenspace_pieces": Expect(),
        },
    )
