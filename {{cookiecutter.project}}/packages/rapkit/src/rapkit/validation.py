"""Validate frames against Pandera schemas and explain failures in plain words.

Every data check (types, nulls, ranges, patterns, uniqueness, dataframe checks)
runs on every row, on every run, in two steps:

* a **fast pass** (:func:`fast_failures`): all of a schema's checks compiled
  into one Polars query that counts the failures of each check. Patterns are
  matched on a column's distinct values, uniqueness is a count of distinct
  keys (or a proof that an integer key is strictly increasing), and custom
  checks are evaluated by Pandera's own check backend inside the same query.
* the **detailed pass**, Pandera itself, run only when the fast pass finds a
  problem (or cannot compile a check: then it is used instead, never skipped),
  so an error message names the file, column, rows and values as before.

A table too large to hold in memory is written to Parquet and checked by the
same fast pass on a streaming scan (:func:`validate_parquet`).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData
from pandera.config import ValidationDepth, get_config_context
from pandera.constants import CHECK_OUTPUT_KEY
from pandera.errors import SchemaError, SchemaErrors

from .errors import ValidationFailedError

log = logging.getLogger(__name__)

MAX_EXAMPLES = 5
BATCH_ROWS = 1_000_000  # rows validated at a time by validate_parquet (tens of MB)

RowLocator = Callable[[Mapping[str, Any]], str | None]
_ROW_LOCATOR: contextvars.ContextVar[RowLocator | None] = contextvars.ContextVar(
    "rapkit_row_locator", default=None
)


@contextlib.contextmanager
def locating_rows(locator: RowLocator | None) -> Iterator[None]:
    """Say where each failing row came from while validating inside the block.

    An import stage that reshapes its file (one wide row per area becomes one
    long row per category) cannot report file lines by an offset; ``locator``
    maps a failing row's values to a place in the raw file (e.g. ``"line 9 of
    x.csv"``), or ``None`` when it cannot tell.
    """
    token = _ROW_LOCATOR.set(locator)
    try:
        yield
    finally:
        _ROW_LOCATOR.reset(token)


UNIQUE_KEYS_PER_PASS = 5_000_000  # keys held at once when checking uniqueness on disk


def validate(
    frame: pl.DataFrame,
    schema: type[pa.DataFrameModel],
    *,
    where: str,
    line_offset: int | None = None,
    first_row: int = 0,
    checks: pa.DataFrameSchema | None = None,
) -> pl.DataFrame:
    """Return ``frame`` validated by ``schema``, or raise a readable error.

    Args:
        frame: the data to check (already collected, so data checks run).
        schema: the Pandera model that the data must satisfy.
        where: what is being checked, for the message (e.g. ``"stage 'tidy_census'"``).
        line_offset: add this to a row position to report file line numbers
            (2 for a CSV with one header row), when the frame is a file as read.
        first_row: position of the frame's first row in the whole table, when
            the frame is one batch of a larger table (rows are reported in full-table terms).
        checks: the checks to run, when not all of ``schema``'s (``validate_parquet``
            leaves out ``unique``, which it checks once over the whole table).

    """
    try:
        if checks is not None:
            return checks.validate(frame, lazy=True)
        return schema.validate(frame, lazy=True)
    except SchemaErrors as exc:
        raise ValidationFailedError(
            describe_failures(
                exc.failure_cases, frame, schema, where, line_offset, first_row=first_row
            )
        ) from exc
    except SchemaError as exc:  # pragma: no cover - lazy=True reports through SchemaErrors
        msg = f"{where} does not match schema {schema.__name__}: {exc}"
        raise ValidationFailedError(msg) from exc


def describe_failures(
    failure_cases: pl.DataFrame,
    frame: pl.DataFrame,
    schema: type[pa.DataFrameModel],
    where: str,
    line_offset: int | None,
    *,
    first_row: int = 0,
) -> str:
    """Summarise Pandera's failure cases: one line per column and check, with examples."""
    lines = [f"{where}: data does not match schema {schema.__name__}."]
    groups = failure_cases.group_by(["schema_context", "column", "check"], maintain_order=True).agg(
        pl.col("index").drop_nulls().unique().sort().alias("rows"),
        pl.col("failure_case").cast(pl.String).head(MAX_EXAMPLES).alias("values"),
    )
    for context, column, check, rows, values in groups.iter_rows():
        label = "table" if context == "DataFrameSchema" or not column else f"column {column!r}"
        if not rows:
            lines.append(f"  - {label} failed {check}: {', '.join(map(str, values))}")
            continue
        unit = "line" if line_offset is not None else "row"
        shown = [_describe_row(frame, row, line_offset, first_row) for row in rows[:MAX_EXAMPLES]]
        more = f" (first {MAX_EXAMPLES} shown)" if len(rows) > MAX_EXAMPLES else ""
        lines.append(f"  - {label} failed {check} in {len(rows)} {unit}(s){more}:")
        lines.extend(f"      {item}" for item in shown)
    lines.append("Fix the input data (or the stage that produced it), then run again.")
    return "\n".join(lines)


def _describe_row(
    frame: pl.DataFrame, row: int, line_offset: int | None, first_row: int = 0
) -> str:
    """Show one failing row with its position (0-based row, or file line number)."""
    where = first_row + row
    position = f"line {where + line_offset}" if line_offset is not None else f"row {where}"
    if 0 <= row < frame.height:
        values: dict[str, Any] = frame.row(row, named=True)
        locator = _ROW_LOCATOR.get()
        source = locator(values) if locator is not None and line_offset is None else None
        if source is not None:
            position = f"{position} (from {source})"
        return f"{position}: {values}"
    return position  # pragma: no cover - pandera reports positions within the frame


def validate_table(
    frame: pl.DataFrame,
    schema: type[pa.DataFrameModel],
    *,
    where: str,
    line_offset: int | None = None,
) -> pl.DataFrame:
    """Validate a whole stage result: the fast pass, then Pandera only to explain a failure.

    Same verdict as ``schema.validate``: every check of the schema is counted
    in one Polars query (:func:`fast_failures`); a table that passes is
    returned as it is. When a check fails, or one cannot be compiled, Pandera's
    row checks and :func:`check_unique` run as before, so the message names the
    column, the check, the rows and their values.
    """
    failures = fast_failures(frame.lazy(), schema)
    if failures is not None and not failures:
        return frame
    validated = validate(
        frame, schema, where=where, line_offset=line_offset, checks=_row_checks(schema)
    )
    check_unique(frame.lazy(), schema, where=where, rows=frame.height, line_offset=line_offset)
    if failures:  # the fast pass and Pandera disagree: a bug, and never a pass
        raise ValidationFailedError(_unexplained(failures, schema, where))
    return validated


def _row_checks(schema: type[pa.DataFrameModel]) -> pa.DataFrameSchema:
    """Return ``schema``'s checks without ``unique`` (checked over the whole table instead)."""
    model = schema.to_schema()
    row_checks = model.update_columns({name: {"unique": False} for name in model.columns})
    row_checks.unique = None
    return row_checks


def validate_parquet(
    path: Path,
    schema: type[pa.DataFrameModel],
    *,
    where: str,
    line_offset: int | None = None,
    batch_rows: int = BATCH_ROWS,
) -> int:
    """Check every row of the Parquet file at ``path`` against ``schema``; return the row count.

    Used in streaming mode, for tables that may not fit in memory; gives the
    same verdict as :func:`validate_table` on the whole table. The fast pass
    runs over the whole file with Polars' streaming engine (one query for the
    built-in checks, so memory stays bounded; a per-group total sees every row
    of its group wherever it lies in the file). Only when it finds a problem is
    the file read ``batch_rows`` rows at a time and each batch validated by
    Pandera to name the rows; checks that may look across rows are then run
    once over the whole file as lazy Polars queries (:func:`check_whole_table`):
    every ``@dataframe_check`` and any custom column check. ``unique`` is
    checked over the whole file by :func:`check_unique`.
    """
    table = pl.scan_parquet(path)
    rows = int(table.select(pl.len()).collect().item())  # from the file's metadata
    failures = fast_failures(table, schema, rows=rows, streaming=True)
    if failures is not None and not failures:
        return rows
    row_checks, table_checks = _split_checks(schema)
    for first_row in range(0, max(rows, 1), batch_rows):
        batch = table.slice(first_row, batch_rows).collect()
        validate(
            batch,
            schema,
            where=where,
            line_offset=line_offset,
            first_row=first_row,
            checks=row_checks,
        )
    check_whole_table(table, schema, table_checks, where=where, line_offset=line_offset)
    check_unique(table, schema, where=where, rows=rows, line_offset=line_offset)
    if failures:  # the fast pass and Pandera disagree: a bug, and never a pass
        raise ValidationFailedError(_unexplained(failures, schema, where))
    return rows


def _split_checks(
    schema: type[pa.DataFrameModel],
) -> tuple[pa.DataFrameSchema, list[tuple[str | None, pa.Check]]]:
    """Split ``schema``'s checks into those safe batch by batch and those needing the whole table.

    Returns the schema to run on each batch (types, nulls and built-in column
    checks; no ``unique``) and the ``(column or None, check)`` pairs to run over
    the whole table: every dataframe-wide check and every custom column check
    (a built-in check carries its limits in ``statistics``; a custom one may
    aggregate).
    """
    batch = _row_checks(schema)
    whole: list[tuple[str | None, pa.Check]] = [(None, check) for check in batch.checks]
    batch.checks = []  # ``batch`` is a copy: the model's own schema keeps its checks
    kept = {}
    for name, column in batch.columns.items():
        custom = [check for check in column.checks if not check.statistics]
        if custom:
            whole.extend((name, check) for check in custom)
            kept[name] = {"checks": [check for check in column.checks if check.statistics]}
    return (batch.update_columns(kept) if kept else batch), whole


def check_whole_table(
    table: pl.LazyFrame,
    schema: type[pa.DataFrameModel],
    checks: list[tuple[str | None, pa.Check]],
    *,
    where: str,
    line_offset: int | None = None,
) -> None:
    """Run ``checks`` over a whole lazy table, as Pandera would on the collected table.

    Each check's own Polars expression is evaluated on the lazy scan with the
    streaming engine, so a per-group total sees every row of its group, wherever
    the batches would have split it. Pandera's conventions are kept: a null
    result passes when the check ignores missing values, and fails otherwise.
    """
    lines = []
    for column, check in checks:
        backend = check.get_backend(table)(check)
        output = backend.apply(PolarsData(table, column or "*"))  # type: ignore[no-untyped-call]
        label = "table" if column is None else f"column {column!r}"
        name = check.error or check.name
        if isinstance(output, bool):
            if not output:
                lines.append(f"  - {label} failed {name}")
            continue
        ok = pl.col(CHECK_OUTPUT_KEY)
        ok = ok | ok.is_null() if check.ignore_na else ok.fill_null(value=False)
        failing = output.select(ok.alias("ok")).with_row_index("_row").filter(~pl.col("ok"))
        count = int(failing.select(pl.len()).collect(engine="streaming").item())
        if not count:
            continue
        positions = failing.head(MAX_EXAMPLES).select("_row").collect().to_series().to_list()
        unit = "line" if line_offset is not None else "row"
        more = f" (first {MAX_EXAMPLES} shown)" if count > MAX_EXAMPLES else ""
        lines.append(f"  - {label} failed {name} in {count} {unit}(s){more}:")
        for row in positions:
            values = table.slice(row, 1).collect().row(0, named=True)
            position = f"line {row + line_offset}" if line_offset is not None else f"row {row}"
            lines.append(f"      {position}: {values}")
    if lines:
        raise ValidationFailedError(
            "\n".join(
                [
                    f"{where}: data does not match schema {schema.__name__}.",
                    *lines,
                    "Fix the input data (or the stage that produced it), then run again.",
                ]
            )
        )


def check_unique(
    table: pl.LazyFrame,
    schema: type[pa.DataFrameModel],
    *,
    where: str,
    rows: int,
    line_offset: int | None = None,
) -> None:
    """Check the schema's ``unique`` columns over a whole (lazy) table, in bounded memory.

    Keys are split into buckets by hash and each bucket is counted in its own
    streaming pass, so at most about ``UNIQUE_KEYS_PER_PASS`` keys are held at
    once however long the table is. A bucket is first compared by its count of
    distinct keys (cheap); only a bucket with repeats is grouped to name them.
    """
    model = schema.to_schema()
    key_sets = [[name] for name, column in model.columns.items() if column.unique]
    if model.unique:
        key_sets.append(list(model.unique))
    buckets = max(1, -(-rows // UNIQUE_KEYS_PER_PASS))
    for keys in key_sets:
        key = pl.col(keys[0]) if len(keys) == 1 else pl.struct(keys)
        for number in range(buckets):
            part = table.select(keys)
            if buckets > 1:
                part = part.filter(key.hash(seed=0) % buckets == number)
            counts = part.select(pl.len().alias("rows"), key.n_unique().alias("distinct")).collect(
                engine="streaming"
            )
            if counts.item(0, "rows") == counts.item(0, "distinct"):
                continue
            repeated = (
                part.group_by(keys)
                .agg(pl.len().alias("copies"))
                .filter(pl.col("copies") > 1)
                .head(MAX_EXAMPLES)
                .collect(engine="streaming")
            )
            if repeated.height:
                raise ValidationFailedError(
                    _describe_repeats(
                        table,
                        schema,
                        keys=keys,
                        repeated=repeated,
                        where=where,
                        line_offset=line_offset,
                    )
                )


def _describe_repeats(
    table: pl.LazyFrame,
    schema: type[pa.DataFrameModel],
    *,
    keys: list[str],
    repeated: pl.DataFrame,
    where: str,
    line_offset: int | None,
) -> str:
    """Explain repeated keys: the values and where they are in the table."""
    positions = (
        table.with_row_index("_row")
        .join(repeated.lazy().select(keys), on=keys, how="semi", nulls_equal=True)
        .select("_row")
        .head(2 * MAX_EXAMPLES)
        .collect(engine="streaming")
        .to_series()
        .to_list()
    )
    unit = "line" if line_offset is not None else "row"
    shown = ", ".join(str(row + (line_offset or 0)) for row in positions)
    label = f"column {keys[0]!r}" if len(keys) == 1 else f"columns {', '.join(map(repr, keys))}"
    examples = "; ".join(str(row) for row in repeated.iter_rows(named=True))
    return "\n".join(
        [
            f"{where}: data does not match schema {schema.__name__}.",
            f"  - {label} failed field_uniqueness across the whole table: {examples}",
            f"      at {unit}s {shown}",
            "Fix the input data (or the stage that produced it), then run again.",
        ]
    )


# --- The fast pass: every check of a schema counted in one Polars query ------------------------

CheckKey = tuple[str | None, str]
"""A check as Pandera names it in a failure report: (column, or ``None`` for the table; check)."""
EngineName = Literal["auto", "streaming"]


class UncompilableError(Exception):
    """A schema or check the fast pass cannot express: Pandera validates the table instead."""


def _pattern(pattern: str | re.Pattern[str]) -> str:
    """Return the text of a regular expression given as text or compiled."""
    return pattern.pattern if isinstance(pattern, re.Pattern) else pattern


def _anchored(pattern: str | re.Pattern[str]) -> str:
    """Anchor a pattern at the start, as Pandera's ``str_matches`` does."""
    text = _pattern(pattern)
    return text if text.startswith("^") else f"^{text}"


def _str_length(column: pl.Expr, stats: Mapping[str, Any]) -> pl.Expr:
    """Pandera's ``str_length``: an exact length, or at least / at most / between."""
    chars = column.str.len_chars()
    low, high, exact = stats.get("min_value"), stats.get("max_value"), stats.get("exact_value")
    if exact is not None:
        return chars.eq(exact)
    if low is None and high is None:  # pragma: no cover - Pandera refuses to build this check
        msg = "str_length without min_value or max_value"
        raise UncompilableError(msg)
    if low is None:
        return chars.le(high)
    if high is None:
        return chars.ge(low)
    return chars.is_between(low, high)


# Pandera's built-in checks for Polars (pandera.backends.polars.builtin_checks), by name, as the
# expression each one evaluates. A check is compiled from this table only if it *is* the
# built-in (see _builtin_expression), so a custom check that borrows a name is never mistaken.
_BUILTINS: dict[str, Callable[[pl.Expr, Mapping[str, Any]], pl.Expr]] = {
    "equal_to": lambda column, stats: column.eq(stats["value"]),
    "not_equal_to": lambda column, stats: column.ne(stats["value"]),
    "greater_than": lambda column, stats: column.gt(stats["min_value"]),
    "greater_than_or_equal_to": lambda column, stats: column.ge(stats["min_value"]),
    "less_than": lambda column, stats: column.lt(stats["max_value"]),
    "less_than_or_equal_to": lambda column, stats: column.le(stats["max_value"]),
    "in_range": lambda column, stats: (
        (column.ge if stats["include_min"] else column.gt)(stats["min_value"])
        & (column.le if stats["include_max"] else column.lt)(stats["max_value"])
    ),
    "isin": lambda column, stats: column.is_in(stats["allowed_values"]),
    "notin": lambda column, stats: column.is_in(stats["forbidden_values"]).not_(),
    "str_matches": lambda column, stats: column.str.contains(_anchored(stats["pattern"])),
    "str_contains": lambda column, stats: column.str.contains(
        _pattern(stats["pattern"]), literal=False
    ),
    "str_startswith": lambda column, stats: column.str.starts_with(stats["string"]),
    "str_endswith": lambda column, stats: column.str.ends_with(stats["string"]),
    "str_length": _str_length,
}
# Checks that look at one value at a time and cost more per value than finding the distinct
# values does (a regular expression): evaluated on each distinct value instead of each row.
_ON_DISTINCT_VALUES = frozenset({"str_matches", "str_contains"})
_INTEGERS = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64)


def _check_name(check: pa.Check) -> str:
    """Name a check as Pandera's failure report does: its error message, else its name."""
    return str(check.error or check.name)


def _failed(ok: pl.Expr, *, ignore_na: bool) -> pl.Expr:
    """Count where ``ok`` is false; a null counts as a pass only if the check ignores nulls.

    ``ok`` appears once in the result: Polars would evaluate it again for each
    mention (a pattern on distinct values would find them twice). Negating a
    null gives a null, and ``sum`` skips nulls, so ignored nulls need no test.
    """
    if ignore_na:
        return ok.not_().sum()
    return ok.fill_null(value=False).not_().sum()


# The public settings of a check that decide what Pandera does with it.
_CHECK_SETTINGS = (
    "name",
    "statistics",
    "error",
    "ignore_na",
    "element_wise",
    "raise_warning",
    "groupby",
    "n_failure_cases",
)


def _builtin_expression(check: pa.Check, column: str, *, distinct: bool) -> pl.Expr | None:
    """Return the failure count of a built-in column check, or ``None`` if ``check`` is not one.

    ``check`` is compiled only if the built-in of its ``name``, rebuilt from its
    public ``statistics``, has the same settings (error text, ``ignore_na``,
    ``raise_warning``, ...): what ``pa.Field(ge=0)`` or ``pa.Check.ge(0)`` make.
    Anything else, including a built-in with a custom error or one that only
    warns, is a custom check (see :func:`_custom_output`). The expressions in
    ``_BUILTINS`` are Pandera's own; the library's property tests prove the
    verdicts equal on every check of every schema. ``distinct``: count the
    column's distinct values that fail (the caller allows it only for the
    checks in ``_ON_DISTINCT_VALUES``).
    """
    build = _BUILTINS.get(str(check.name))
    if build is None or not check.statistics:
        return None
    stats = dict(check.statistics)
    try:
        rebuilt = getattr(pa.Check, str(check.name))(**stats)
    except (TypeError, ValueError):
        return None
    if any(getattr(rebuilt, name) != getattr(check, name) for name in _CHECK_SETTINGS):
        return None
    values = pl.col(column)
    if distinct:
        values = values.unique()  # a failing value fails every row that holds it
    return _failed(build(values, stats), ignore_na=check.ignore_na)


@dataclass
class _Plan:
    """What the fast pass evaluates for one schema on one table layout."""

    # Lists, not dicts: two checks of a column may share a name, and each must be counted.
    counts: list[tuple[CheckKey, pl.Expr]] = field(default_factory=list)
    # Pattern checks evaluated on distinct values: their columns' distinct combinations are
    # found by one group_by (about as fast for several columns as a unique() of one).
    on_distinct: list[tuple[CheckKey, pl.Expr]] = field(default_factory=list)
    distinct_columns: list[str] = field(default_factory=list)
    custom: list[tuple[CheckKey, str | None, pa.Check]] = field(default_factory=list)
    unique: dict[CheckKey, list[str]] = field(default_factory=dict)
    increasing: dict[CheckKey, str] = field(default_factory=dict)

    def add_unique(self, key: CheckKey, columns: list[str], layout: pl.Schema) -> None:
        """Check ``columns`` for repeats; a single integer key may be proven unique cheaply."""
        self.unique[key] = columns
        if len(columns) == 1 and layout[columns[0]] in _INTEGERS:
            self.increasing[key] = columns[0]


def _cannot_compile(model: pa.DataFrameSchema) -> str | None:
    """Say why the fast pass cannot stand in for Pandera on ``model``, or ``None`` if it can.

    Pandera may *change* a frame while validating it (coercion, defaults,
    filtering columns, adding missing ones), and Pandera's configuration may
    turn data checks off: the fast pass only reads, so it leaves those to Pandera.
    """
    config = get_config_context(validation_depth_default=None)
    if not config.validation_enabled or config.validation_depth not in (
        None,
        ValidationDepth.SCHEMA_AND_DATA,
    ):
        return "Pandera's configuration limits validation"
    settings = {
        "coerce": model.coerce,
        "strict='filter'": model.strict == "filter",
        "add_missing_columns": model.add_missing_columns,
        "ordered": model.ordered,
        "a dataframe dtype": model.dtype is not None,
        "parsers": bool(model.parsers),
        "drop_invalid_rows": bool(getattr(model, "drop_invalid_rows", False)),
    }
    for name, column in model.columns.items():
        settings[f"column {name!r}: coerce"] = bool(column.coerce)
        settings[f"column {name!r}: regex"] = bool(column.regex)
        settings[f"column {name!r}: default"] = column.default is not None
        settings[f"column {name!r}: parsers"] = bool(column.parsers)
        settings[f"column {name!r}: drop_invalid_rows"] = bool(column.drop_invalid_rows)
    used = [name for name, on in settings.items() if on]
    return ", ".join(used) or None


def _layout_failures(model: pa.DataFrameSchema, layout: pl.Schema) -> dict[CheckKey, int]:
    """Check names and dtypes from the table's schema alone (no data read)."""
    failures: dict[CheckKey, int] = {}
    for name, column in model.columns.items():
        if name not in layout:
            if column.required:
                failures[(name, "column_in_dataframe")] = 1
            continue
        if column.dtype is not None and not column.dtype.check(layout[name]):
            failures[(name, f"dtype('{column.dtype}')")] = 1
    if model.strict is True:
        for name in layout:
            if name not in model.columns:
                failures[(name, "column_in_schema")] = 1
    return failures


def _plan(
    model: pa.DataFrameSchema, table: pl.LazyFrame, layout: pl.Schema, *, distinct: bool
) -> _Plan:
    """Compile every check of ``model`` for ``table``; raise UncompilableError if one cannot be."""
    plan = _Plan()
    for name, column in model.columns.items():
        if name in layout:  # an optional column that is absent has nothing to check
            _plan_column(plan, name, column, layout, distinct=distinct)
    for check in model.checks:
        plan.custom.append(((None, _check_name(check)), None, _usable(check)))
    if model.unique:
        keys = [model.unique] if isinstance(model.unique, str) else list(model.unique)
        if not all(isinstance(key, str) and key in layout for key in keys):
            msg = f"unique={model.unique!r} is not a list of the table's columns"
            raise UncompilableError(msg)
        plan.add_unique((None, "multiple_fields_uniqueness"), keys, layout)
    del table  # the layout is all the plan needs; the data are read when it runs
    return plan


def _plan_column(
    plan: _Plan, name: str, column: pa.Column, layout: pl.Schema, *, distinct: bool
) -> None:
    """Add one column's checks to ``plan``: nulls, uniqueness, built-in and custom checks."""
    if not column.nullable:
        missing = pl.col(name).is_null()
        if layout[name] in (pl.Float32, pl.Float64):
            missing = missing | pl.col(name).is_nan()  # Pandera: NaN is missing too
        plan.counts.append(((name, "not_nullable"), missing.sum()))
    if column.unique:
        plan.add_unique((name, "field_uniqueness"), [name], layout)
    for check in column.checks:
        # Distinct values of a unique column are all its rows: matching them costs more.
        on_distinct = distinct and not column.unique and check.name in _ON_DISTINCT_VALUES
        expression = _builtin_expression(check, name, distinct=on_distinct)
        if expression is None:
            plan.custom.append(((name, _check_name(check)), name, _usable(check)))
        elif on_distinct:
            plan.on_distinct.append(((name, _check_name(check)), expression))
            if name not in plan.distinct_columns:
                plan.distinct_columns.append(name)
        else:
            plan.counts.append(((name, _check_name(check)), expression))


def _usable(check: pa.Check) -> pa.Check:
    """Return a custom check the fast pass can count, or raise UncompilableError."""
    if check.raise_warning or check.groupby is not None:
        msg = f"check {_check_name(check)!r} warns or groups (Pandera handles it)"
        raise UncompilableError(msg)
    return check


def _custom_output(table: pl.LazyFrame, column: str | None, check: pa.Check) -> pl.LazyFrame | bool:
    """Evaluate a custom check lazily with Pandera's own check backend (its boolean column)."""
    backend = check.get_backend(table)(check)
    try:
        output = backend.apply(PolarsData(table, column or "*"))  # type: ignore[no-untyped-call]
    except Exception as exc:  # any error: Pandera runs the check and reports it
        msg = f"check {_check_name(check)!r} raised {type(exc).__name__}"
        raise UncompilableError(msg) from exc
    if isinstance(output, bool):
        return output
    if not isinstance(output, pl.LazyFrame) or output.collect_schema().dtypes() != [pl.Boolean]:
        msg = f"check {_check_name(check)!r} does not give one boolean column"
        raise UncompilableError(msg)
    return output


def fast_failures(
    table: pl.LazyFrame,
    schema: type[pa.DataFrameModel],
    *,
    rows: int | None = None,
    streaming: bool = False,
) -> dict[CheckKey, int] | None:
    """Count the failures of every check of ``schema`` on ``table``, in as few passes as possible.

    Returns the failing checks with how many rows (or, for a pattern, distinct
    values) fail each: empty when the table passes every check. Returns
    ``None`` when a setting or check cannot be compiled (the reason is
    logged): the caller must then validate with Pandera, never skip the check.

    One query counts the nulls, ranges, patterns and sets of every column and
    evaluates every custom check; uniqueness is proven by a strictly
    increasing integer key or a count of distinct keys. With ``streaming``
    the queries run on Polars' streaming engine, patterns are matched row by
    row (a column's distinct values could outgrow memory), each custom check
    is its own query (one that groups or uses windows must not pull the other
    checks into memory with it) and repeated keys are looked for in buckets of
    at most ``UNIQUE_KEYS_PER_PASS`` keys (``rows`` is the table's length).
    """
    model = schema.to_schema()
    reason = _cannot_compile(model)
    if reason is not None:
        log.info("Schema %s uses %s: validated by Pandera alone.", schema.__name__, reason)
        return None
    layout = table.collect_schema()
    failures = _layout_failures(model, layout)
    if failures:
        return failures  # names or types wrong: Pandera explains
    try:
        plan = _plan(model, table, layout, distinct=not streaming)
        counts = _run_plan(plan, table, streaming=streaming)
        counts.update(_count_repeats(plan, table, counts, rows=rows, streaming=streaming))
    except UncompilableError as exc:
        log.info("Schema %s: %s; validated by Pandera alone.", schema.__name__, exc)
        return None
    except pl.exceptions.PolarsError as exc:
        log.info(
            "Schema %s: the fast pass failed (%s); validated by Pandera.", schema.__name__, exc
        )
        return None
    return {key: count for key, count in counts.items() if count}


def _run_plan(plan: _Plan, table: pl.LazyFrame, *, streaming: bool) -> dict[CheckKey, int]:
    """Run the plan's counts (and, in memory, its custom checks) as one query.

    Returns the failures counted for each check name (checks sharing a name add up).
    """
    # In memory, the cheap proof of uniqueness rides along; a shift is not streamable, and
    # would pull every column of the query into memory, so streaming proves it in batches.
    proofs = [] if streaming else list(plan.increasing.items())
    parts = [
        table.select(
            pl.len().alias("rows"),
            *(count.alias(f"count{number}") for number, (_, count) in enumerate(plan.counts)),
            *(_increasing(name).alias(f"proof{number}") for number, (_, name) in enumerate(proofs)),
        )
    ]
    results: dict[CheckKey, int] = {key: 0 for key, _ in [*plan.counts, *plan.on_distinct]}
    in_query = [(key, f"distinct{number}") for number, (key, _) in enumerate(plan.on_distinct)]
    if plan.on_distinct:  # each pattern counts the distinct values failing it, as unique() would
        combinations = table.group_by(plan.distinct_columns).agg()
        parts.append(
            combinations.select(
                count.alias(label)
                for (_, count), (_, label) in zip(plan.on_distinct, in_query, strict=True)
            )
        )
    for number, (key, column, check) in enumerate(plan.custom):
        output = _custom_output(table, column, check)
        results.setdefault(key, 0)
        if isinstance(output, bool):
            results[key] += int(not output)
            continue
        failed = _failed(pl.col(CHECK_OUTPUT_KEY), ignore_na=check.ignore_na)
        if streaming:
            results[key] += int(output.select(failed).collect(engine="streaming").item())
        else:
            parts.append(output.select(failed.alias(f"custom{number}")))
            in_query.append((key, f"custom{number}"))
    engine: EngineName = "streaming" if streaming else "auto"
    row = pl.concat(parts, how="horizontal").collect(engine=engine).row(0, named=True)
    counted = [(key, f"count{number}") for number, (key, _) in enumerate(plan.counts)]
    for key, label in [*counted, *in_query]:
        results[key] += int(row[label] or 0)
    # A key proven strictly increasing is unique; the others are counted by _count_repeats.
    results.update({key: 0 for number, (key, _) in enumerate(proofs) if row[f"proof{number}"]})
    return results


def _increasing(name: str) -> pl.Expr:
    """True if an integer column has no nulls and strictly increases (so it is unique).

    Cheap (one comparison per row) where counting distinct keys hashes every
    one, and identifiers are often written in order. Compared, not
    subtracted, so no overflow can fake an increase.
    """
    key = pl.col(name)
    return (key > key.shift(1)).all() & key.is_not_null().all()


def _increasing_in_batches(table: pl.LazyFrame, name: str, rows: int | None) -> bool:
    """Prove an integer column of a large (lazy) table strictly increasing, batch by batch.

    The streaming engine cannot compare a row with the one before it, so the
    column alone is read ``BATCH_ROWS`` values at a time (a few MB): each batch
    must increase, have no nulls and start above the last value of the batch
    before. Returns False as soon as that fails (the keys are then counted).
    """
    previous = None
    for start in range(0, rows or 0, BATCH_ROWS):
        key = pl.col(name)
        first, last, increasing = (
            table.slice(start, BATCH_ROWS)
            .select(key.first().alias("first"), key.last().alias("last"), _increasing(name))
            .collect()
            .row(0)
        )
        if not increasing or (previous is not None and not first > previous):
            return False
        previous = last
    return rows is not None


def _count_repeats(
    plan: _Plan,
    table: pl.LazyFrame,
    proven: Mapping[CheckKey, int],
    *,
    rows: int | None,
    streaming: bool,
) -> dict[CheckKey, int]:
    """Count repeated keys (rows minus distinct keys) of each key set not already proven unique.

    In memory, one query counts every key set. In streaming mode a table of
    more than ``UNIQUE_KEYS_PER_PASS`` rows is counted bucket by bucket (keys
    split by hash, one streaming pass per bucket), so memory stays bounded.
    """
    pending = {key: columns for key, columns in plan.unique.items() if key not in proven}
    if streaming:
        pending = {
            key: columns
            for key, columns in pending.items()
            if key not in plan.increasing or not _increasing_in_batches(table, columns[0], rows)
        }
    if not pending:
        return {}
    engine: EngineName = "streaming" if streaming else "auto"
    buckets = max(1, -(-(rows or 0) // UNIQUE_KEYS_PER_PASS)) if streaming else 1
    repeats = dict.fromkeys(pending, 0)
    labels = {key: f"repeats{number}" for number, key in enumerate(pending)}
    for number in range(buckets):
        parts = []
        for key, columns in pending.items():
            values = pl.col(columns[0]) if len(columns) == 1 else pl.struct(columns)
            part = table.select(columns)
            if buckets > 1:
                part = part.filter(values.hash(seed=0) % buckets == number)
            parts.append(part.select((pl.len() - values.n_unique()).alias(labels[key])))
        row = pl.concat(parts, how="horizontal").collect(engine=engine).row(0, named=True)
        for key in pending:
            repeats[key] += int(row[labels[key]])
    return repeats


def _unexplained(
    failures: Mapping[CheckKey, int], schema: type[pa.DataFrameModel], where: str
) -> str:
    """Report failures the fast pass found but Pandera did not reproduce (a bug: never a pass)."""
    lines = [f"{where}: data does not match schema {schema.__name__}."]
    for (column, check), count in failures.items():
        label = "table" if column is None else f"column {column!r}"
        lines.append(f"  - {label} failed {check} ({count} failure(s) counted)")
    lines.append(
        "Pandera could not locate these failures to show them: please report this as a bug "
        "in rapkit, with the schema. Nothing was published."
    )
    return "\n".join(lines)
