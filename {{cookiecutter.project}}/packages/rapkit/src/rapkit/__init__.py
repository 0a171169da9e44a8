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

from .errors import ConfigError, InputError, PipelineError, ValidationFailedError
from .inputs import COUNTS, Allowed, Expect
from .parameters import Parameters
from .runner import Pipeline, Reader, RunResult, Stage, run_pipeline

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
