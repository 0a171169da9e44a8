"""Validate frames against Pandera schemas and explain failures in plain words.

Pandera validates only the *schema* of a Polars LazyFrame (names and dtypes)
unless data-level validation is asked for. We always validate collected
DataFrames, so every data check (ranges, patterns, uniqueness, nullability)
runs on every row, on every run. A table too large to hold in memory is
written to Parquet and checked batch by batch (:func:`validate_parquet`).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData
from pandera.constants import CHECK_OUTPUT_KEY
from pandera.errors import SchemaError, SchemaErrors

from .errors import ValidationFailedError

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
    """Validate a whole stage result: Pandera's row checks, then uniqueness over the table.

    Same verdict as :func:`validate`, but faster on large tables: Pandera
    checks ``unique`` by flagging every duplicated row, while
    :func:`check_unique` first compares the count of distinct keys with the
    row count and only looks for the repeats when they differ. It is also the
    uniqueness check of streaming mode, so both modes report duplicates alike.
    """
    validated = validate(
        frame, schema, where=where, line_offset=line_offset, checks=_row_checks(schema)
    )
    check_unique(frame.lazy(), schema, where=where, rows=frame.height, line_offset=line_offset)
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
    same verdict as :func:`validate_table` on the whole table. Built-in column
    checks (ranges, patterns, sets, nulls, types) look at one value at a time,
    so the file is read ``batch_rows`` rows at a time and each batch is
    validated by Pandera. Checks that may look across rows are run once over
    the whole file instead, as lazy Polars queries on the Parquet scan
    (:func:`check_whole_table`): every ``@dataframe_check`` (per-group totals
    with ``over``/``group_by`` would be wrong batch by batch, for a group that
    straddles two batches) and any custom column check. ``unique`` is checked
    over the whole file by :func:`check_unique`.
    """
    table = pl.scan_parquet(path)
    rows = int(table.select(pl.len()).collect().item())  # from the file's metadata
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
        .join(repeated.lazy().select(keys), on=keys, how="semi")
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
