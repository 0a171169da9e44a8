"""The example pipeline's stages written the way most pandas code is written.

This is the yardstick for the generated Polars pipeline (``python -m bench``):
the same inputs, the same stages (read as text, trim and cast, count residents
and older residents per LSOA) and the same output format, with pandas' default
CSV engine and no data validation. Not part of generated projects.

Usage: ``python -m bench.pandas_reference residents.csv area_summary.csv [--older-age 65]``
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

OLDER_AGE = 65


def read_residents(path: Path) -> pd.DataFrame:
    """Read the record-level file with every column as text, like the Polars importer."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def tidy_residents(raw: pd.DataFrame) -> pd.DataFrame:
    """Trim every column and cast the numeric ones (an error if a value is not a whole number)."""
    return pd.DataFrame(
        {
            "person_id": raw["person_id"].str.strip().astype("int64"),
            "lsoa_code": raw["lsoa_code"].str.strip(),
            "lad_code": raw["lad_code"].str.strip(),
            "age": raw["age"].str.strip().astype("int64"),
        }
    )


def summarise_areas(residents: pd.DataFrame, older_age: int = OLDER_AGE) -> pd.DataFrame:
    """Count residents and older residents in each LSOA, and the older share (0-1)."""
    summary = (
        residents.assign(older=residents["age"] >= older_age)
        .groupby(["lsoa_code", "lad_code"], as_index=False)
        .agg(residents=("older", "size"), older_residents=("older", "sum"))
    )
    summary["older_residents_frac"] = summary["older_residents"] / summary["residents"]
    return summary


def run(source: Path, target: Path, older_age: int = OLDER_AGE) -> pd.DataFrame:
    """Run both stages and write the summary as the generated pipeline does (sorted, 6 d.p.)."""
    summary = summarise_areas(tidy_residents(read_residents(source)), older_age)
    summary = summary.sort_values(list(summary.columns), ignore_index=True)
    summary.to_csv(target, index=False, float_format="%.6f", lineterminator="\n")
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
