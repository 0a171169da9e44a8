"""Synthetic residents for the example pipeline (never real people).

The same seed and size always give the same file, so the bundled sample and
the back-test hashes can be recreated at any time with ``sample-data``.
"""

import numpy as np
import polars as pl

AREAS = 200  # synthetic LSOAs, spread over four synthetic local authorities
LAD_CODES = ("E08000001", "E08000002", "E06000001", "E09000001")


def make_sample(rows: int, seed: int) -> dict[str, pl.DataFrame]:
    """Return ``{"residents": frame}`` with ``rows`` synthetic residents."""
    rng = np.random.default_rng(seed)
    areas = min(AREAS, max(1, rows // 10))
    area = rng.integers(0, areas, size=rows)
    ages = np.clip(rng.gamma(shape=4.0, scale=10.0, size=rows), 0, 104).astype(np.int64)
    residents = pl.DataFrame(
        {
            "person_id": np.arange(1, rows + 1, dtype=np.int64),
            "area": area,
            "age": ages,
        }
    ).select(
        pl.col("person_id"),
        pl.format("E01{}", pl.col("area").add(10_000).cast(pl.String).str.zfill(6)).alias(
            "lsoa_code"
        ),
        pl.col("area")
        .mod(len(LAD_CODES))
        .replace_strict(dict(enumerate(LAD_CODES)), return_dtype=pl.String)
        .alias("lad_code"),
        pl.col("age"),
    )
    return {"residents": residents}
