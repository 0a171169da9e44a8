"""The example pipeline as a bare Polars script: the practical limit for the generated pipeline.

A typed ``scan_csv`` (the schema given, nothing inferred), the pipeline's own
``group_by`` and aggregation, and ``write_csv`` with the pipeline's float
precision: no validation, no manifest, no hashing, no atomic publish. The
harness runs it with the generated project's Python, so it uses the same
Polars version as the pipeline. ``--streaming`` collects with Polars' streaming
engine, as the pipeline does with ``streaming = true``.

Usage: ``python polars_reference.py residents.csv area_summary.csv [--older-age 65] [--streaming]``
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import polars as pl

OLDER_AGE = 65
SCHEMA = {"person_id": pl.Int64, "lsoa_code": pl.String, "lad_code": pl.String, "age": pl.Int64}
FLOAT_PRECISION = 6  # what rapkit.io.csv_bytes writes


def summarise(source: Path, older_age: int = OLDER_AGE) -> pl.LazyFrame:
    """The query: count residents and older residents per LSOA, and the older share."""
    return (
        pl.scan_csv(source, schema=SCHEMA)
        .group_by("lsoa_code", "lad_code")
        .agg(
            pl.len().alias("residents"),
            (pl.col("age") >= older_age).sum().cast(pl.UInt32).alias("older_residents"),
        )
        .with_columns((pl.col("older_residents") / pl.col("residents")).alias("older_residents_frac"))
        .sort("lsoa_code", "lad_code", "residents", "older_residents", "older_residents_frac")
    )


def run(source: Path, target: Path, older_age: int = OLDER_AGE, *, streaming: bool = False) -> pl.DataFrame:
    """Collect the query and write it as the pipeline writes outputs (sorted, 6 d.p., LF)."""
    summary = summarise(source, older_age).collect(engine="streaming" if streaming else "auto")
    summary.write_csv(target, float_precision=FLOAT_PRECISION, line_terminator="\n")
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: input CSV, output CSV."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--older-age", type=int, default=OLDER_AGE)
    parser.add_argument("--streaming", action="store_true")
    args = parser.parse_args(argv)
    run(args.source, args.target, args.older_age, streaming=args.streaming)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
