"""ONS geography lookups: which MSOA and local authority each LSOA 2021 lies in.

The ONS Open Geography Portal publishes best-fit lookups with columns such as
``LSOA21CD, LSOA21NM, MSOA21CD, MSOA21NM, LAD22CD, LAD22NM`` (plus ``ObjectId``
and, in output-area versions, one row per ``OA21CD``). Joining data to a lookup
is where geography vintages meet: an LSOA 2011 code that was split or merged in
2021 is not in a 2021 lookup, and must fail loudly rather than drop out of a join.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandera.polars as pa
import polars as pl

from ..errors import InputError
from ..io import column_aliases, read_header, scan_text_csv

LOOKUP_COLUMNS = {
    "LSOA21CD": "lsoa_code",
    "LSOA21NM": "lsoa_name",
    "MSOA21CD": "msoa_code",
    "MSOA21NM": "msoa_name",
    "LAD22CD": "lad_code",
    "LAD22NM": "lad_name",
}


def read_lsoa_lookup(path: Path) -> pl.LazyFrame:
    """Read an ONS LSOA 2021 to MSOA 2021 to LAD 2022 lookup as text (extra columns ignored).

    A 2011 lookup (``LSOA11CD`` ...) is refused by its vintage, which says more
    than a list of missing columns. An output-area lookup (``OA21CD`` column)
    repeats each LSOA once per output area, so it is reduced to distinct rows
    here; any other repeat of an LSOA is a fault in the file, left for
    :class:`LsoaLookup` (``unique=True``) to report with its lines.
    """
    header = read_header(path)
    renames = column_aliases(path, header)
    columns = [renames.get(name, name) for name in header]
    if "LSOA21CD" not in columns and "LSOA11CD" in columns:
        msg = (
            f"{path} is an LSOA 2011 lookup (column 'LSOA11CD', no 'LSOA21CD'), but this "
            "pipeline needs the LSOA 2021 lookup (LSOA21CD, MSOA21CD, LAD22CD): download the "
            "LSOA (2021) to MSOA (2021) to LAD lookup from the ONS Open Geography Portal."
        )
        raise InputError(msg)
    frame = scan_text_csv(path, required=LOOKUP_COLUMNS).select(list(LOOKUP_COLUMNS))
    return frame.unique(maintain_order=True) if "OA21CD" in columns else frame


def tidy_lsoa_lookup(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Rename to snake_case and trim spaces, keeping every row.

    Rows are not made distinct here: an LSOA listed twice must reach the
    ``unique`` check of :class:`LsoaLookup` (and so fail naming the file and
    code), not silently disappear.
    """
    return raw.rename(LOOKUP_COLUMNS).with_columns(pl.all().str.strip_chars()).sort("lsoa_code")


class LsoaLookup(pa.DataFrameModel):
    """One row per LSOA 2021, with the MSOA 2021 and local authority it lies in."""

    lsoa_code: pl.String = pa.Field(
        str_matches=r"^[EW]01\d{6}$", unique=True, description="LSOA 2021 code"
    )
    lsoa_name: pl.String = pa.Field(description="LSOA 2021 name")
    msoa_code: pl.String = pa.Field(str_matches=r"^[EW]02\d{6}$", description="MSOA 2021 code")
    msoa_name: pl.String = pa.Field(description="MSOA 2021 name")
    lad_code: pl.String = pa.Field(
        str_matches=r"^[EW]0[6-9]\d{6}$", description="Local authority code"
    )
    lad_name: pl.String = pa.Field(description="Local authority name")

    class Config:
        """Reject unknown columns."""

        strict = True


def with_lookup(
    frame: pl.LazyFrame, lookup: pl.LazyFrame, *, on: str = "area_code"
) -> pl.LazyFrame:
    """Add MSOA and local authority columns to ``frame`` by its LSOA code column ``on``.

    The join is a left join: rows whose code is not in the lookup keep null
    ``lad_code``, and the next schema (see :class:`InLookup`) reports them by
    name instead of letting them vanish.
    """
    return frame.join(lookup, left_on=on, right_on="lsoa_code", how="left", validate="m:1")


class InLookup(pa.DataFrameModel):
    """Mixin for schemas of frames joined with :func:`with_lookup`."""

    @pa.dataframe_check(
        error=(
            "area code not in the LSOA 2021 lookup: is the input on 2011 boundaries "
            "(or a different lookup release)?"
        )
    )
    @classmethod
    def area_found_in_lookup(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Every row must have found its local authority in the lookup."""
        return data.lazyframe.select(pl.col("lad_code").is_not_null())


def synthetic_lsoa_lookup(
    lsoas: int, lads: Sequence[tuple[str, str]], *, lsoas_per_msoa: int = 5
) -> pl.DataFrame:
    """Return a made-up LSOA to MSOA to LAD lookup in the ONS column layout (sample data only).

    MSOAs of ``lsoas_per_msoa`` LSOAs are dealt to the local authorities in
    ``lads`` (``(code, name)`` pairs) in turn, and named as ONS names them
    (``"<LAD name> 001A"``). The codes look like GSS codes but are invented.
    """
    rows = []
    for index in range(lsoas):
        msoa = index // lsoas_per_msoa
        lad_code, lad_name = lads[msoa % len(lads)]
        msoa_name = f"{lad_name} {msoa // len(lads) + 1:03d}"
        letter = chr(ord("A") + index % lsoas_per_msoa)
        rows.append(
            (
                f"E01{(100_001 + index) % 1_000_000:06d}",  # six digits at any size
                f"{msoa_name}{letter}",
                f"E02{(100_001 + msoa) % 1_000_000:06d}",
                msoa_name,
                lad_code,
                lad_name,
                index + 1,
            )
        )
    return pl.DataFrame(rows, schema=[*LOOKUP_COLUMNS, "ObjectId"], orient="row").sort("LSOA21CD")
