"""Stages of the example pipeline: small typed functions from LazyFrames to a LazyFrame.

Each function does one thing and knows nothing about files, logging or
validation: the runner reads inputs, validates each result against the schema
named in ``pipeline.py`` and writes outputs.
"""

from pathlib import Path

import polars as pl
from rapkit.io import scan_text_csv

RESIDENT_COLUMNS = ("person_id", "lsoa_code", "lad_code", "age")
OLDER_AGE = 65


def read_residents(path: Path) -> pl.LazyFrame:
    """Read the record-level residents file as text, after checking its columns."""
    return scan_text_csv(path, required=RESIDENT_COLUMNS)


def tidy_residents(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Keep the known columns and give each its type.

    Casting is strict: a value that is not a whole number (for example an age
    typed as "sixty") is an error that names the column, never a silent null.
    """
    return raw.select(
        pl.col("person_id").str.strip_chars().cast(pl.Int64),
        pl.col("lsoa_code").str.strip_chars(),
        pl.col("lad_code").str.strip_chars(),
        pl.col("age").str.strip_chars().cast(pl.Int64),
    )


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
