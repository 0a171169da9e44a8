"""A reproducible analytical pipeline: Polars stages validated by Pandera schemas.

The analysis lives in ``pipelines/<name>/``; the rapkit library (vendored in
``packages/rapkit``) runs it. Start with the configured pipeline's
``pipeline.py``, which wires its stages together.
"""

# The single source of the version: pyproject.toml reads it from here, the run
# manifest records it, and CHANGELOG.md must have an entry for it.
__version__ = "0.1.0"

__all__ = ["__version__"]
