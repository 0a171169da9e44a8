"""The analysis pipelines: one sub-package per problem, each with stages and schemas.

Every pipeline sub-package provides:

* ``build(parameters) -> Pipeline``: the stages, wired together;
* ``make_sample(rows, seed) -> dict[str, polars.DataFrame]``: synthetic inputs
  in the published file formats, keyed by file name;
* ``SAMPLE_ROWS``: the size of the bundled sample data.

``config/pipeline.toml`` names the pipeline to run, so switching analysis is a
configuration change rather than a code change.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, cast

import polars as pl

from ..errors import ConfigError
from ..runner import Pipeline


@dataclass(frozen=True)
class PipelineModule:
    """The three things a pipeline sub-package provides."""

    build: Callable[[Mapping[str, Any]], Pipeline]
    make_sample: Callable[[int, int], dict[str, pl.DataFrame]]
    sample_rows: int


def load(name: str) -> PipelineModule:
    """Import the pipeline sub-package called ``name``."""
    try:
        module: ModuleType = importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
        msg = (
            f"No pipeline called {name!r} in {__name__}. Check `pipeline` in config/pipeline.toml."
        )
        raise ConfigError(msg) from exc
    return PipelineModule(
        build=cast("Callable[[Mapping[str, Any]], Pipeline]", module.build),
        make_sample=cast("Callable[[int, int], dict[str, pl.DataFrame]]", module.make_sample),
        sample_rows=int(module.SAMPLE_ROWS),
    )
