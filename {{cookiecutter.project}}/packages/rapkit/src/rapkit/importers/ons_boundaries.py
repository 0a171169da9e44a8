"""ONS Open Geography Portal: LSOA boundaries, attribute table saved as CSV.

The portal's boundary layers can be downloaded as CSV: one row per area, with
``FID``, ``LSOA11CD``, ``LSOA11NM``, ``LSOA11NMW``, ``BNG_E``, ``BNG_N``,
``LONG``, ``LAT``, ``Shape__Area``, ``Shape__Length`` and ``GlobalID`` (2021
layers say ``LSOA21CD`` and so on). This importer uses the file for two things:

* the **area** of each LSOA (``Shape__Area``, square metres when the layer is in
  British National Grid, EPSG:27700: see ``check_area_units``);
* the **list of valid codes of one vintage**, so that every other input can be
  checked against it with :func:`require_known_codes`. LSOA codes were
  revised in 2021; a 2011 code and a 2021 code can look alike, but joining
  files of different vintages silently drops or mismatches areas.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ..errors import InputError
from ..io import read_header, scan_text_csv
from .markers import finite_number

VINTAGES = ("2011", "2021")
# Plausible LSOA areas in m2: the smallest urban LSOAs are a few hectares and the
# largest rural ones some hundreds of km2. Values outside this range are almost
# always in other units (square degrees, km2, hectares) or the wrong layer.
MIN_AREA_M2 = 1_000.0
MAX_AREA_M2 = 2_000_000_000.0


def code_column(vintage: str) -> str:
    """Return the LSOA code column of a vintage, e.g. ``LSOA11CD`` for 2011."""
    if vintage not in VINTAGES:
        msg = f"lsoa_vintage must be one of {', '.join(VINTAGES)}, not {vintage!r}."
        raise InputError(msg)
    return f"LSOA{vintage[2:]}CD"


def read_lsoa_boundaries(path: Path, vintage: str = "2011") -> pl.LazyFrame:
    """Read the boundaries attribute CSV as text, checking it is of the expected vintage.

    Raises:
        InputError: if the file holds another vintage's columns (for example
            ``LSOA21CD`` when 2011 is configured), or lacks a needed column.

    """
    code = code_column(vintage)
    header = read_header(path)
    if code not in header:
        others = [v for v in VINTAGES if v != vintage and code_column(v) in header]
        if others:
            msg = (
                f"{path} holds LSOA {others[0]} codes (column {code_column(others[0])!r}), but "
                f"the pipeline is set to LSOA {vintage} (column {code!r}). Download the "
                f"{vintage} boundaries, or change `lsoa_vintage` in [parameters] if every "
                "input uses the other vintage."
            )
            raise InputError(msg)
    name = f"LSOA{vintage[2:]}NM"
    return scan_text_csv(path, required=(code, name, "Shape__Area")).select(
        pl.col(code).str.strip_chars().alias("lsoa_code"),
        pl.col(name).str.strip_chars().alias("lsoa_name"),
        pl.col("Shape__Area").str.strip_chars().alias("lsoa_area_m2"),
    )


def tidy_lsoa_boundaries(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Cast the area to a number (strictly: a missing area is an error, not a zero)."""
    return raw.with_columns(finite_number("lsoa_area_m2"))


def check_area_units(boundaries: pl.DataFrame, *, where: str) -> None:
    """Fail if LSOA areas are implausible as square metres (wrong units or layer).

    Raises:
        InputError: with the smallest and largest areas found.

    """
    low, high = boundaries.select(
        pl.col("lsoa_area_m2").min().alias("low"), pl.col("lsoa_area_m2").max().alias("high")
    ).row(0)
    if low is None or high is None:
        return
    if low < MIN_AREA_M2 or high > MAX_AREA_M2:
        msg = (
            f"{where}: LSOA areas range from {low:,.4g} to {high:,.4g}, which is not "
            f"plausible in square metres ({MIN_AREA_M2:,.0f} to {MAX_AREA_M2:,.0f}). "
            "Export the boundaries in British National Grid (EPSG:27700), or compute "
            "the area in m2 in your GIS and put it in the Shape__Area column."
        )
        raise InputError(msg)


def require_known_codes(
    codes: pl.LazyFrame, lookup: pl.LazyFrame, *, source: str, vintage: str
) -> None:
    """Fail if any ``lsoa_code`` in ``codes`` is not in ``lookup`` (the boundaries file).

    Raises:
        InputError: listing up to ten unknown codes and the likely causes.

    """
    unknown = (
        codes.select("lsoa_code")
        .unique()
        .join(lookup.select("lsoa_code"), on="lsoa_code", how="anti")
        .sort("lsoa_code")
        .collect()
    )
    if unknown.height:
        shown = ", ".join(unknown["lsoa_code"].head(10).to_list())
        msg = (
            f"{unknown.height} LSOA code(s) in {source} are not LSOA {vintage} codes in the "
            f"boundaries file: {shown}{' ...' if unknown.height > 10 else ''}. Either the "
            f"file uses another geography vintage (the ONS parks tables of April 2020 use "
            f"2011 LSOAs; Census 2021 outputs use 2021 LSOAs: convert with the ONS LSOA "
            f"2011 to 2021 lookup), or the boundaries file covers a smaller area."
        )
        raise InputError(msg)
