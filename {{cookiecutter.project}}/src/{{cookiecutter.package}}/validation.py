"""Validate frames against Pandera schemas and explain failures in plain words.

Pandera validates only the *schema* of a Polars LazyFrame (names and dtypes)
unless data-level validation is asked for. We always validate a collected
DataFrame, so every data check (ranges, patterns, uniqueness, nullability)
runs on every row, on every run.
"""

from __future__ import annotations

from typing import Any

import pandera.polars as pa
import polars as pl
from pandera.errors import SchemaError, SchemaErrors

from .errors import ValidationFailedError

MAX_EXAMPLES = 5


def validate(
    frame: pl.DataFrame,
    schema: type[pa.DataFrameModel],
    *,
    where: str,
    line_offset: int | None = None,
) -> pl.DataFrame:
    """Return ``frame`` validated by ``schema``, or raise a readable error.

    Args:
        frame: the data to check (already collected, so data checks run).
        schema: the Pandera model that the data must satisfy.
        where: what is being checked, for the message (e.g. ``"stage 'tidy_census'"``).
        line_offset: add this to a row position to report file line numbers
            (2 for a CSV with one header row), when the frame is a file as read.

    """
    try:
        return schema.validate(frame, lazy=True)
    except SchemaErrors as exc:
        raise ValidationFailedError(
            describe_failures(exc.failure_cases, frame, schema, where, line_offset)
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
        shown = [_describe_row(frame, row, line_offset) for row in rows[:MAX_EXAMPLES]]
        more = f" (first {MAX_EXAMPLES} shown)" if len(rows) > MAX_EXAMPLES else ""
        lines.append(f"  - {label} failed {check} in {len(rows)} {unit}(s){more}:")
        lines.extend(f"      {item}" for item in shown)
    lines.append("Fix the input data (or the stage that produced it), then run again.")
    return "\n".join(lines)


def _describe_row(frame: pl.DataFrame, row: int, line_offset: int | None) -> str:
    """Show one failing row with its position (0-based row, or file line number)."""
    position = f"line {row + line_offset}" if line_offset is not None else f"row {row}"
    if 0 <= row < frame.height:
        values: dict[str, Any] = frame.row(row, named=True)
        return f"{position}: {values}"
    return position  # pragma: no cover - pandera reports positions within the frame
