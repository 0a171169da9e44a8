"""Stages of the example pipeline: small typed functions from LazyFrames to a LazyFrame.

Each function does one thing and knows nothing about files, logging or
validation: the runner reads inputs, validates each result against the schema
named in ``pipeline.py`` and writes outputs.
"""

from pathlib import Path

import polars as pl
from rapkit.io import scan_typed_csv

RESIDENT_COLUMNS = {
    "person_id": pl.Int64,
    "lsoa_code": pl.String,
    "lad_code": pl.String,
    "age": pl.Int64,
}
OLDER_AGE = 65


def read_residents(path: Path) -> pl.LazyFrame:
    """Read the record-level residents file: the known columns, each trimmed and typed.

    Casting is strict: a value that is not a whole number (for example an age
    typed as "sixty") stops the run with a message naming the file, line,
    column and value, never a silent null. rapkit reads the numbers straight
    into their types when the file allows it, which is several times faster
    than reading text and casting.
    """
    return scan_typed_csv(path, RESIDENT_COLUMNS)


def tidy_residents(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Keep the known columns, in order (the reader has already typed them)."""
    return raw.select(list(RESIDENT_COLUMNS))


def summarise_areas(residents: pl.LazyFrame, older_age: int = OLDER_AGE) -> pl.LazyFrame:
    """Count residents, and older residents (aged ``older_age`` or over), in each LSOA.

    The share is a fraction between 0 and 1 (``_frac``), not a percentage, so
    that it can be combined with other fractions without rescaling.
    """
    return (
        residents.group_by("lsoa_code", "lad_code")
        .agg(
            pl.len().alias("residents"),
            (pl.col("age") >= older_age).sum().cast(pl.UInt32).alias("older_residents"),
        )
        .with_columns(
            (pl.col("older_residents") / pl.col("residents")).alias("older_residents_frac"),
        )
        .sort("lsoa_code")
    )
