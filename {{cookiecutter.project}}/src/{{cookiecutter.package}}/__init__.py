"""A reproducible analytical pipeline: Polars stages validated by Pandera schemas.

Start with :func:`runner.run_pipeline` (what ``python -m`` runs) and the stages of
the configured pipeline in ``pipelines/``.
"""

# The single source of the version: pyproject.toml reads it from here, the run
# manifest records it, and CHANGELOG.md must have an entry for it.
__version__ = "0.1.0"

__all__ = ["__version__"]
