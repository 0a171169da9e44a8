"""Time each Pandera check of the example's record-level stage, to show where validation goes.

Run with the generated project's Python (the harness does this):
``python profile_checks.py PACKAGE residents.csv``. Prints one JSON object:
seconds to read and tidy the file in memory; to validate it as the runner
does (``validate_table``: Pandera's row checks plus the whole-table uniqueness
check), measured first, cold, as in a real run; then Pandera on the whole
schema (with its own ``unique``) and on each column alone, warm.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path

import pandera.polars as pa


def main() -> int:
    """Read and tidy, then time the runner's validation, the whole schema and each column."""
    package, source = sys.argv[1], Path(sys.argv[2])
    stages = importlib.import_module(f"{package}.pipelines.example.stages")
    schemas = importlib.import_module(f"{package}.pipelines.example.schemas")
    validation = importlib.import_module("rapkit.validation")
    start = time.perf_counter()
    tidy = stages.tidy_residents(stages.read_residents(source)).collect()
    read_seconds = time.perf_counter() - start
    start = time.perf_counter()
    validation.validate_table(tidy, schemas.Residents, where="profile")
    runner_seconds = time.perf_counter() - start
    model = schemas.Residents.to_schema()
    start = time.perf_counter()
    model.validate(tidy, lazy=True)
    whole = time.perf_counter() - start
    columns = {}
    for name, column in model.columns.items():
        alone = pa.DataFrameSchema({name: column})
        start = time.perf_counter()
        alone.validate(tidy.select(name), lazy=True)
        checks = [check.error or check.name for check in column.checks] + (
            ["unique"] if column.unique else []
        )
        columns[name] = {"seconds": round(time.perf_counter() - start, 3), "checks": checks}
    print(
        json.dumps(
            {
                "rows": tidy.height,
                "read_and_tidy_seconds": round(read_seconds, 3),
                "validate_seconds": round(runner_seconds, 3),
                "pandera_whole_schema_seconds": round(whole, 3),
                "columns": columns,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
