"""rapkit: the framework behind cookiecutter-rap projects.

A project keeps its analysis (stages, schemas, wiring, sample data) in its own
package; rapkit does everything else: it reads and checks inputs, runs the
stages, validates each result against its Pandera schema, writes outputs as one
set with a manifest, back-tests, renders reports and checks the project against
the NHS RAP levels. The public API::

    from rapkit import Parameters, Pipeline, Stage

    Stage(name="tidy", func=tidy, inputs={"raw": "residents"}, output="tidy", schema=Tidy)

Stages stay plain functions over Polars LazyFrames, and reading, validation and
writing stay behind :func:`run_pipeline`, so another engine can run the same
stages later by replacing the runner alone.
"""

from importlib.metadata import version as _version

# One source of the version: pyproject.toml (uv.lock records it for the vendored copy).
# Set before the submodules are imported: the manifest and the CLI read it.
__version__ = _version("rapkit")

from typing import TYPE_CHECKING, Any

from .errors import ConfigError, InputError, PipelineError, ValidationFailedError

if TYPE_CHECKING:
    from .inputs import COUNTS, Allowed, Expect
    from .parameters import Parameters
    from .runner import Pipeline, Reader, RunResult, Stage, run_pipeline

# The rest of the API is imported on first use (PEP 562), so that a command that does not run a
# pipeline (``--help``, ``rap-check --no-run``) does not pay for Polars, Pandera and pydantic.
_LAZY = {
    "COUNTS": "inputs",
    "Allowed": "inputs",
    "Expect": "inputs",
    "Parameters": "parameters",
    "Pipeline": "runner",
    "Reader": "runner",
    "RunResult": "runner",
    "Stage": "runner",
    "run_pipeline": "runner",
}


def __getattr__(name: str) -> Any:
    """Import ``rapkit.<module>`` for a public name on first use."""
    module = _LAZY.get(name)
    if module is None:
        msg = f"module 'rapkit' has no attribute {name!r}"
        raise AttributeError(msg)
    import importlib  # noqa: PLC0415

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "COUNTS",
    "Allowed",
    "ConfigError",
    "Expect",
    "InputError",
    "Parameters",
    "Pipeline",
    "PipelineError",
    "Reader",
    "RunResult",
    "Stage",
    "ValidationFailedError",
    "__version__",
    "run_pipeline",
]
