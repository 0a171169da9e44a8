"""Measure start-up in a fresh process: importing the command line, then the run path.

Run with the generated project's Python (the harness does this):
``python startup.py PACKAGE PIPELINE``. Prints one JSON object: seconds to
import ``rapkit.cli`` (what ``python -m PACKAGE`` imports before it parses
its arguments), then seconds to import the pipeline's modules (its stages and
schemas, which ``run`` imports next), and after each step whether pandas,
Pandera, pyarrow and numpy are loaded.
"""

from __future__ import annotations

import importlib
import json
import sys
import time

HEAVY = ("pandas", "pandera", "pyarrow", "numpy", "polars")


def loaded() -> dict[str, bool]:
    """Which heavy libraries are imported so far."""
    return {name: name in sys.modules for name in HEAVY}


def main() -> int:
    """Import the CLI, then the pipeline, timing each and noting heavy imports."""
    package, pipeline = sys.argv[1], sys.argv[2]
    start = time.perf_counter()
    importlib.import_module("rapkit.cli")
    cli_seconds = time.perf_counter() - start
    after_cli = loaded()
    start = time.perf_counter()
    importlib.import_module(f"{package}.pipelines.{pipeline}")
    run_path_seconds = time.perf_counter() - start
    result = {
        "cli_import_seconds": round(cli_seconds, 4),
        "pipeline_import_seconds": round(run_path_seconds, 4),
        "loaded_after_cli": after_cli,
        "loaded_after_pipeline": loaded(),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
