"""ONS "Access to gardens and public green space in Great Britain": the parks tables.

ONS publishes the parks measures (with Ordnance Survey) in the workbook
``ospublicgreenspacereferencetables.xlsx``. This importer reads one LSOA sheet
("LSOA Parks only" or "LSOA Parks and Playing Fields") saved as CSV UTF-8,
with its single header row, exactly as published. Three realities of the file
are handled here so that no pipeline has to:

* **Header text.** Headers are matched after collapsing runs of spaces and
  ignoring case, because the published headers contain double spaces
  ("Average number of  Parks ...") that are easy to lose when a file is
  re-saved. The two sheets differ only in the site wording ("Park or Public
  Garden" / "Park, Public Garden, or Playing Field"); both are accepted.
* **Missing values.** An empty cell or a statistical marker (``[x]``, ``c``,
  ``:`` ...; see ``markers.py``) becomes a null, and the marker is kept in
  ``access_flag``. A marker is never read as zero: zero parks within 1 km is
  a real answer.
* **Geography.** Codes are the 2011 LSOAs of England and Wales (and 2011 data
  zones, ``S01``, for Scotland). Use :func:`select_lads` to keep the local
  authorities you study; it fails clearly when nothing is left.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ..errors import InputError
from ..io import read_header, scan_text_csv
from .markers import value_and_flag

log = logging.getLogger(__name__)

SITES_PARKS_ONLY = "Park or Public Garden"
SITES_WITH_PLAYING_FIELDS = "Park, Public Garden, or Playing Field"


@dataclass(frozen=True)
class Column:
    """One published column: its tidy name and a pattern for its (normalised) header."""

    name: str
    pattern: str
    published: str  # the header text as ONS prints it on the "LSOA Parks only" sheet


IDENTIFIERS = (
    Column("lsoa_code", r"lsoa code", "LSOA code"),
    Column("lsoa_name", r"lsoa name", "LSOA name"),
    Column("msoa_code", r"msoa code", "MSOA code"),
    Column("lad_code", r"lad code", "LAD code"),
    Column("lad_name", r"lad name", "LAD name"),
)
_SITES = r"(?:park or public garden|park, public garden,? or playing field)"
_SITES_PLURAL = r"(?:parks or public gardens|parks, public gardens,? or playing fields)"
COUNT_COLUMN = Column(
    "postcodes_in_bua",
    r"number of postcodes within built up area",
    "Number of postcodes within built up area",
)
MEASURES = (
    Column(
        "park_distance_m",
        rf"average distance to nearest {_SITES} \(m\)",
        "Average distance to nearest Park or Public Garden (m)",
    ),
    Column(
        "nearest_park_area_m2",
        rf"average size of nearest {_SITES} \(m2\)",
        "Average size of nearest Park or Public Garden (m2)",
    ),
    Column(
        "parks_within_1000m",
        rf"average number of {_SITES_PLURAL} within 1,000 m radius",
        "Average number of  Parks or Public Gardens within 1,000 m radius",
    ),
    Column(
        "parks_area_within_1000m_m2",
        rf"average combined size of {_SITES_PLURAL} within 1,000 m radius \(m2\)",
        "Average combined size of  Parks or Public Gardens within 1,000 m radius (m2)",
    ),
)
COLUMNS = (*IDENTIFIERS, COUNT_COLUMN, *MEASURES)
NUMERIC = (COUNT_COLUMN, *MEASURES)


def normalise_header(text: str) -> str:
    """Collapse runs of white space, trim and lower-case a header for matching."""
    return " ".join(text.split()).casefold()


def match_columns(header: Sequence[str], path: Path) -> dict[str, str]:
    """Map each published header in ``header`` to its tidy name; fail on any missing column.

    Raises:
        InputError: naming every column that could not be found, with the exact
            published header text to look for.

    """
    found: dict[str, str] = {}
    missing = []
    for column in COLUMNS:
        pattern = re.compile(rf"^{column.pattern}$")
        matches = [text for text in header if pattern.match(normalise_header(text))]
        if not matches:
            missing.append(column.published)
            continue
        if len(matches) > 1:
            msg = f"{path} has more than one column for {column.published!r}: {matches}."
            raise InputError(msg)
        found[matches[0]] = column.name
    if missing:
        msg = (
            f"{path} is not an ONS 'LSOA Parks only' (or 'Parks and Playing Fields') sheet "
            f"saved as CSV: missing column(s) {', '.join(repr(m) for m in missing)}. "
            f"Columns found: {', '.join(repr(h) for h in header)}. Save the sheet with "
            "File > Save As > CSV UTF-8, keeping the single header row."
        )
        raise InputError(msg)
    return found


def site_definition(header: Iterable[str]) -> str:
    """Say which sheet a header comes from: parks only, or parks and playing fields."""
    text = " ".join(normalise_header(h) for h in header)
    return SITES_WITH_PLAYING_FIELDS if "playing field" in text else SITES_PARKS_ONLY


def read_parks_access(path: Path) -> pl.LazyFrame:
    """Read an ONS LSOA parks sheet (as CSV) as text, with tidy column names."""
    header = read_header(path)
    renames = match_columns(header, path)
    log.info("%s: green space sites counted are '%s'", path.name, site_definition(header))
    return scan_text_csv(path).select(
        pl.col(published).alias(name) for published, name in renames.items()
    )


def tidy_parks_access(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Type the parks measures: markers to null plus ``access_flag``, never to zero.

    ``access_flag`` keeps the first marker found in the row's numeric columns
    (``"blank"`` for an empty cell), in the normalised form of
    :func:`~.markers.value_and_flag`; it is null when every value is published.
    """
    typed = [
        value_and_flag(column.name, dtype, flag=f"{column.name}_flag")
        for column, dtype in ((COUNT_COLUMN, pl.Int64()), *((m, pl.Float64()) for m in MEASURES))
    ]
    return raw.select(
        *(pl.col(c.name).str.strip_chars() for c in IDENTIFIERS),
        *(value for value, _ in typed),
        pl.coalesce([flag for _, flag in typed]).alias("access_flag"),
    )


def select_lads(access: pl.LazyFrame, lad_codes: Sequence[str]) -> pl.LazyFrame:
    """Keep the rows of the given local authorities (all rows when ``lad_codes`` is empty).

    Raises:
        InputError: if no row is left, listing some LAD codes the file does
            hold: LAD codes change between years (for example on mergers), so
            the configured codes may be from a different vintage.

    """
    if not lad_codes:
        return access
    kept = access.filter(pl.col("lad_code").is_in(list(lad_codes)))
    if kept.select(pl.len()).collect().item() == 0:
        present = access.select(pl.col("lad_code").unique().sort().head(10)).collect()
        msg = (
            f"No rows left after keeping LAD code(s) {', '.join(lad_codes)}: none appears in "
            f"the 'LAD code' column. Codes in the file include: "
            f"{', '.join(present['lad_code'].to_list())}. Check `lad_codes` in "
            "[parameters]: the ONS tables use the LAD codes of their release year."
        )
        raise InputError(msg)
    return kept


def require_some_values(access: pl.LazyFrame, *, where: str) -> None:
    """Fail if there are no rows, or every row's distance is missing: nothing to analyse.

    Raises:
        InputError: naming the markers found, so the user can see whether the
            wrong sheet or an all-suppressed extract was supplied.

    """
    frame = access.select("park_distance_m", "access_flag").collect()
    rows = frame.height
    with_values = frame["park_distance_m"].is_not_null().sum()
    flags = frame["access_flag"].drop_nulls().unique().sort().to_list()
    if not rows:
        msg = (
            f"{where}: no rows to analyse. Check that the file has data rows below its "
            "header and that `lad_codes` in [parameters] selects areas it covers."
        )
        raise InputError(msg)
    if not with_values:
        msg = (
            f"{where}: all {rows} row(s) have a missing or suppressed distance to the nearest "
            f"park (markers: {', '.join(flags) or 'none'}), so there is nothing to analyse. "
            "Check that you saved the right sheet and selected the right areas."
        )
        raise InputError(msg)
