"""Declared expectations for each input, and the config's aliases, applied when reading.

A pipeline says what each input must hold, next to its readers::

    Pipeline(
        ...,
        expect={
            "traffic": Expect(optional=True, missing="the cycle traffic component"),
            "tenure": Expect(values=(COUNTS,)),
        },
    )

Every input gets ``Expect()`` unless it declares otherwise: at least one data
row, so an empty download or a header-only file stops the run instead of
silently dropping a component for every area. An optional input may be empty;
the run then logs a warning naming what the outputs lack, the manifest lists it
under ``missing_inputs`` and a report can say so (``reporting.missing_inputs_notice``).
An optional input's file must still exist: a wrong path is an error, never a
silently missing component. ``values`` names a
column and the only values it may hold where the publisher states a unit or a
vintage (``measure`` = counts, not percentages; ``date`` = 2021, not 2011).

The config's ``[aliases.<input>]`` tables map renamed columns and category
labels back to the names the pipeline expects; :func:`read_input` applies them
around the input's reader, so every importer honours them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from .errors import ConfigError, InputError
from .io import csv_shape, last_shape, using_category_aliases, using_column_aliases

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Allowed:
    """The only values a column may hold, where a publisher states a unit or a vintage.

    Attributes:
        column: the column (as the pipeline names it, after aliases). The check
            applies only when the file has the column.
        values: the values allowed (compared after stripping spaces, ignoring case).
        meaning: what the values mean, for the message (``"counts"``).
    """

    column: str
    values: tuple[str, ...]
    meaning: str


COUNTS = Allowed("measure", ("Value", "Count", "Counts", "Number"), "counts (not percentages)")
NOMIS_API_COUNTS = Allowed("MEASURES_NAME", ("Value", "Count"), "counts (not percentages)")


@dataclass(frozen=True)
class Expect:
    """What one input must hold.

    Attributes:
        min_rows: fewest data rows the file may have (after its header).
        optional: the input may be empty (a header only): the run goes on, logs
            ``missing`` as a warning and records it in the manifest's ``missing_inputs``.
        missing: what the outputs lack when an optional input is empty, as a phrase
            for a reader ("the cycle traffic component").
        values: columns whose values are restricted (units, vintages).
    """

    min_rows: int = 1
    optional: bool = False
    missing: str = ""
    values: tuple[Allowed, ...] = ()


@dataclass(frozen=True)
class InputAliases:
    """``[aliases.<input>]`` in the config: published name -> the name the pipeline expects."""

    columns: Mapping[str, str]
    categories: Mapping[str, str]


def read_input(
    name: str,
    path: Path,
    reader: Callable[[Path], pl.LazyFrame],
    *,
    expect: Expect | None = None,
    aliases: InputAliases | None = None,
) -> pl.LazyFrame:
    """Read one input with its aliases applied, then check what it declares.

    Raises:
        InputError: the file is empty (and not optional) or holds a value not allowed.
        ConfigError: an alias names a column the file lacks, or category aliases are
            given for an input whose reader has no categories.
    """
    expect = expect or Expect()
    where = f"[aliases.{name}]"
    columns = aliases.columns if aliases else {}
    categories = aliases.categories if aliases else {}
    with (
        using_column_aliases(f"{where} columns", columns),
        using_category_aliases(categories) as used,
    ):
        frame = reader(path)
    if categories and not used:
        msg = (
            f"{where} categories: input {name!r} ({path}) has no category labels to alias; "
            "remove the setting (or map column names with `columns`)."
        )
        raise ConfigError(msg)
    rows = data_rows(path, frame)
    if rows < expect.min_rows:
        if expect.optional and rows == 0:
            log.warning(
                "Input %r (%s) has no data rows: it is optional, so the run goes on "
                "without it. Missing from the outputs: %s.",
                name,
                path,
                expect.missing or "what this input provides",
            )
        else:
            what = "no data rows (only a header)" if rows == 0 else f"only {rows} data row(s)"
            msg = (
                f"{path} (input {name!r}) has {what}; at least {expect.min_rows} expected. "
                "Was the download empty or cut short? Download it again."
            )
            raise InputError(msg)
    for allowed in expect.values:
        check_values(path, allowed, columns)
    return frame


def data_rows(path: Path, frame: pl.LazyFrame) -> int:
    """Count the file's data rows: from the reader's full pass if it made one, else the frame's."""
    shape = last_shape(path)
    if shape is None:
        shape = csv_shape(path) if path.suffix.lower() == ".csv" else None
    if shape is not None:
        return shape.rows
    return int(frame.select(pl.len()).collect().item())


def check_values(path: Path, allowed: Allowed, columns: Mapping[str, str] | None = None) -> None:
    """Fail, naming the first offending line, if ``allowed.column`` holds another value.

    The file itself is scanned (not the reader's frame, which may have dropped
    the column or filtered rows), so the line number is the file's. ``columns``
    are the input's column aliases, so a renamed unit column is still found.
    """
    published = next((old for old, new in (columns or {}).items() if new == allowed.column), None)
    column = published or allowed.column
    shape = last_shape(path) or csv_shape(path)
    if column not in shape.header:
        return
    accepted = [value.lower() for value in allowed.values]
    text = pl.col(column).str.strip_chars()
    offending = (
        pl.scan_csv(path, infer_schema=False, encoding="utf8")
        .select(column)
        .with_row_index("_row")
        .filter(~text.str.to_lowercase().is_in(accepted) | text.is_null())
        .head(1)
        .collect()
    )
    if offending.is_empty():
        return
    line = int(offending["_row"][0]) + 2  # 1-based, after the header
    msg = (
        f"{path}, line {line}: column {column!r} says {offending[column][0]!r}, but this "
        f"pipeline needs {allowed.meaning} (allowed: {', '.join(allowed.values)}). "
        "Download the table with that measure."
    )
    raise InputError(msg)
