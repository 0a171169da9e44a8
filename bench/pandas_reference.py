"""The example pipeline written as a performance-minded analyst would write it in pandas.

A yardstick for the generated pipeline (``python -m bench``): the same input,
the same stages and the same output format, with pandas at its best for this
job: the multi-threaded pyarrow CSV reader, every column typed at read time
(pyarrow-backed dtypes, so strings are never Python objects), one ``groupby``
and no data validation at all. It does not trim whitespace either: a typed
read of a clean file needs none. Not part of generated projects.

Usage: ``python -m bench.pandas_reference residents.csv area_summary.csv [--older-age 65]``
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

OLDER_AGE = 65
# The pipeline's types (Int64 and String in Polars), read straight into Arrow memory.
DTYPES = {
    "person_id": "int64[pyarrow]",
    "lsoa_code": "string[pyarrow]",
    "lad_code": "string[pyarrow]",
    "age": "int64[pyarrow]",
}
FLOAT_FORMAT = "%.6f"  # what rapkit.io.csv_bytes writes (float_precision=6)


def read_residents(path: Path) -> pd.DataFrame:
    """Read the known columns, typed, with pyarrow's parallel reader (a bad value is an error)."""
    return pd.read_csv(path, engine="pyarrow", usecols=list(DTYPES), dtype=DTYPES)


def summarise_areas(residents: pd.DataFrame, older_age: int = OLDER_AGE) -> pd.DataFrame:
    """Count residents and older residents in each LSOA, and the older share (0-1)."""
    summary = (
        residents.assign(older=residents["age"] >= older_age)
        .groupby(["lsoa_code", "lad_code"], as_index=False, sort=False, observed=True)
        .agg(residents=("older", "size"), older_residents=("older", "sum"))
    )
    summary["older_residents_frac"] = summary["older_residents"] / summary["residents"]
    return summary


def run(source: Path, target: Path, older_age: int = OLDER_AGE) -> pd.DataFrame:
    """Read, summarise and write the summary as the pipeline does (sorted by every column, 6 d.p.)."""
    summary = summarise_areas(read_residents(source), older_age)
    summary = summary.sort_values(list(summary.columns), ignore_index=True)
    summary.to_csv(target, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: input CSV, output CSV."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--older-age", type=int, default=OLDER_AGE)
    args = parser.parse_args(argv)
    run(args.source, args.target, args.older_age)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
