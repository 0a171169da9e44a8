"""Suppression and missing-value markers used in UK official statistics.

Publishers put symbols in numeric columns instead of numbers: ``c``
(confidential/suppressed), ``x`` (not available), ``z`` (not applicable),
``:`` and ``..`` (not available), ``low`` (rounds to zero), ``u`` (low
reliability), ``k`` (under 0.5), and bracketed forms such as ``[x]`` or ``[c]``.
A marker must never become zero: it becomes a null value plus a flag column
that keeps the marker, so readers can tell "suppressed" from "none".
"""

import polars as pl

MARKERS = (
    "c",
    "x",
    "z",
    ":",
    "..",
    "-",
    "low",
    "u",
    "k",
    "[c]",
    "[x]",
    "[z]",
    "[low]",
    "[u]",
    "[k]",
)


NOT_FINITE = ("nan", "inf", "infinity")


def value_and_flag(
    column: str, dtype: pl.DataType, *, flag: str | None = None, thousands: bool = True
) -> list[pl.Expr]:
    """Split a text column into a typed value (null for markers) and a marker flag.

    Blank cells are treated as missing with the flag ``"blank"``. Anything that is
    neither a number nor a known marker fails the cast with an error naming the
    column, rather than being silently dropped. ``NaN`` and ``inf`` (which a
    float cast would accept) are not numbers a publisher means: they fail too,
    so they can never be published. ``thousands=False`` is for publishers whose
    standards forbid thousands separators (DfE's explore education statistics):
    there ``"1,234"`` fails the cast, as a sign the file was edited by hand.
    """
    text = pl.col(column).str.strip_chars()
    is_marker = text.str.to_lowercase().is_in(list(MARKERS))
    is_blank = text.is_null() | (text == "")
    cleaned = text.str.replace_all(",", "") if thousands else text  # e.g. "1,234"
    not_finite = cleaned.str.to_lowercase().str.strip_chars_start("+-").is_in(NOT_FINITE)
    value = (
        pl.when(~(is_marker | is_blank))
        .then(
            pl.when(not_finite).then(pl.format("{} (not a finite number)", text)).otherwise(cleaned)
        )
        .cast(dtype, strict=True)
        .alias(column)
    )
    marker = (
        pl.when(is_marker)
        .then(text.str.to_lowercase().str.strip_chars("[]"))
        .when(is_blank)
        .then(pl.lit("blank"))
        .otherwise(None)
    )
    return [value.alias(column), marker.alias(flag or f"{column}_flag")]


def finite_number(column: str, dtype: pl.DataType | None = None) -> pl.Expr:
    """Cast a text column to a float strictly: ``NaN``, ``inf`` and junk fail, naming it.

    For columns that take no markers (areas, scores): a float cast alone would
    accept ``"NaN"`` and ``"inf"`` and publish them.
    """
    text = pl.col(column).str.strip_chars()
    not_finite = text.str.to_lowercase().str.strip_chars_start("+-").is_in(NOT_FINITE)
    return (
        pl.when(not_finite)
        .then(pl.format("{} (not a finite number)", text))
        .otherwise(text)
        .cast(dtype or pl.Float64(), strict=True)
        .alias(column)
    )
