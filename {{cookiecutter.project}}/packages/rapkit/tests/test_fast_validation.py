"""The fast pass and Pandera reach the same verdict, check by check, on every stage schema.

Every stage schema of the demo project and of every starter in the template is checked
on its own valid data (the stage's result on the pipeline's sample), then on that data
damaged at random (property-based) and damaged to break one chosen check at a time
(mutation-style). The fast pass must name exactly the checks Pandera names, in memory and
on a Parquet file read by the streaming engine.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandera.polars as pa
import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pandera.api.polars.types import PolarsData
from pandera.config import ValidationDepth, config_context
from pandera.errors import SchemaErrors

from rapkit import validation
from rapkit.errors import ValidationFailedError
from rapkit.validation import CheckKey, fast_failures, validate_parquet, validate_table

from .stage_frames import StageFrame, demo_frames, starter_frames, starter_names

Verdict = set[CheckKey]


@functools.cache
def stage_frames() -> tuple[StageFrame, ...]:
    """Every stage of the demo and of every starter, with its valid result (built once)."""
    with tempfile.TemporaryDirectory() as folder:
        cases = demo_frames(Path(folder) / "demo")
        for name in starter_names():
            cases += starter_frames(name, Path(folder) / name)
    return tuple(cases)


def pandera_verdict(frame: pl.DataFrame, schema: type[pa.DataFrameModel]) -> Verdict:
    """The checks Pandera reports failing, as ``(column or None for the table, check)``."""
    try:
        schema.validate(frame, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases.select("schema_context", "column", "check").unique()
        return {
            (None if context == "DataFrameSchema" else column, check)
            for context, column, check in cases.iter_rows()
        }
    return set()


def fast_verdict(frame: pl.DataFrame, schema: type[pa.DataFrameModel]) -> Verdict:
    """The checks the fast pass counts failures of, in memory."""
    failures = fast_failures(frame.lazy(), schema)
    assert failures is not None, f"{schema.__name__} was not compiled"
    return set(failures)


def streamed_verdict(frame: pl.DataFrame, schema: type[pa.DataFrameModel]) -> Verdict:
    """The checks the fast pass counts failures of, on Parquet with the streaming engine."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "table.parquet"
        frame.write_parquet(path)
        failures = fast_failures(pl.scan_parquet(path), schema, rows=frame.height, streaming=True)
    assert failures is not None, f"{schema.__name__} was not compiled"
    return set(failures)


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make streaming split keys into buckets and prove keys increasing over several batches."""
    monkeypatch.setattr(validation, "UNIQUE_KEYS_PER_PASS", 50)
    monkeypatch.setattr(validation, "BATCH_ROWS", 40)


# --- Valid data: every schema passes, and Pandera is not needed ---------------------------------


def test_every_stage_schema_of_every_starter_is_covered() -> None:
    pipelines = {case.pipeline for case in stage_frames()}
    assert pipelines == {"demo", *starter_names()}
    assert len(stage_frames()) >= 40


@pytest.mark.usefixtures("small_batches")
def test_valid_stage_results_pass_both_ways_without_pandera(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_pandera(*args: object, **kwargs: object) -> pl.DataFrame:
        msg = "Pandera ran although the fast pass found nothing"
        raise AssertionError(msg)

    monkeypatch.setattr(validation, "validate", no_pandera)
    for case in stage_frames():
        assert pandera_verdict(case.frame, case.schema) == set(), case
        assert validate_table(case.frame, case.schema, where=str(case)) is case.frame
        assert streamed_verdict(case.frame, case.schema) == set(), case


# --- Damaged data: the same verdict, check by check ---------------------------------------------


def _bounds(schema: type[pa.DataFrameModel], column: str) -> list[Any]:
    """Values at and just beyond the limits of ``column``'s checks (where verdicts flip)."""
    found: list[Any] = []
    described = schema.to_schema().columns.get(column)  # None: a column the schema allows
    for check in described.checks if described is not None else []:
        for name in ("min_value", "max_value", "value"):
            limit = check.statistics.get(name)
            if isinstance(limit, int | float) and not isinstance(limit, bool):
                step = 1 if isinstance(limit, int) else 1e-9
                found += [limit - step, limit, limit + step]
        found += list(check.statistics.get("allowed_values") or [])
    return found


def _values(dtype: pl.DataType, existing: list[Any], bounds: list[Any]) -> st.SearchStrategy[Any]:
    """Replacement values for a column: nulls, other rows' values, limits, or anything."""
    choices: list[st.SearchStrategy[Any]] = [st.none()]
    if existing:
        choices.append(st.sampled_from(existing))
    if bounds:
        choices.append(st.sampled_from(bounds))
    if dtype == pl.String:
        choices.append(st.text(alphabet="EWS0123456789 x-", max_size=11))
        if existing:
            choices.append(st.sampled_from(existing).map(lambda text: (text or "")[:-1]))
    elif dtype.is_integer():
        choices.append(st.integers(min_value=-5, max_value=250_000))
    elif dtype.is_float():
        choices.append(st.floats(allow_nan=True, allow_infinity=True))
    elif dtype == pl.Boolean:
        choices.append(st.booleans())
    return st.one_of(choices)


def _replace(frame: pl.DataFrame, column: str, row: int, value: Any) -> pl.DataFrame | None:
    """``frame`` with one cell replaced, or ``None`` if the value does not fit the column's type."""
    values = frame[column].to_list()
    values[row] = value
    try:
        series = pl.Series(column, values, dtype=frame.schema[column], strict=True)
    except (TypeError, OverflowError, pl.exceptions.PolarsError):
        return None
    return frame.with_columns(series)


@st.composite
def damaged(draw: st.DrawFn) -> tuple[StageFrame, pl.DataFrame]:
    """A stage's valid result with one to three random changes (cells or whole rows)."""
    case = draw(st.sampled_from(stage_frames()))
    frame = case.frame
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        kind = draw(st.sampled_from(["cell", "cell", "cell", "swap", "copy", "drop", "empty"]))
        if frame.height == 0 or kind == "empty":
            frame = frame.clear()
            continue
        row = draw(st.integers(min_value=0, max_value=frame.height - 1))
        column = draw(st.sampled_from(frame.columns))
        if kind == "copy":
            frame = pl.concat([frame, frame[row]])
        elif kind == "drop":
            frame = frame.filter(pl.int_range(pl.len()) != row)
        elif kind == "swap":
            other = draw(st.integers(min_value=0, max_value=frame.height - 1))
            changed = _replace(frame, column, row, frame[column][other])
            frame = frame if changed is None else changed
        else:
            existing = frame[column].unique().head(20).to_list()
            strategy = _values(frame.schema[column], existing, _bounds(case.schema, column))
            changed = _replace(frame, column, row, draw(strategy))
            assume(changed is not None)
            assert changed is not None
            frame = changed
    return case, frame


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(damaged())
def test_fast_pass_and_pandera_name_the_same_failing_checks(
    example: tuple[StageFrame, pl.DataFrame],
) -> None:
    case, frame = example
    expected = pandera_verdict(frame, case.schema)
    assert fast_verdict(frame, case.schema) == expected, case
    assert streamed_verdict(frame, case.schema) == expected, case


# --- Mutation-style: break one check on purpose, and the fast pass must see it ------------------


def _breaking_values(check: pa.Check, frame: pl.DataFrame, column: str) -> Iterator[Any]:
    """Values that fail ``check`` (a built-in), tried in turn until one fits the column."""
    stats = dict(check.statistics or {})
    if "min_value" in stats and check.name != "str_length":
        yield stats["min_value"] - 1
        yield stats["min_value"] - 0.5
    if "max_value" in stats and check.name != "str_length":
        yield stats["max_value"] + 1
        yield stats["max_value"] + 0.5
    if check.name == "isin":
        yield "not one of the allowed values"
        yield max(stats["allowed_values"]) + 1
    if check.name in {"str_matches", "str_contains", "str_startswith"}:
        yield "?? not a match"
    if check.name == "equal_to":
        yield None if stats["value"] is None else "other"
    del frame, column


def _mutants(case: StageFrame) -> Iterator[tuple[CheckKey, pl.DataFrame]]:
    """For each check of the schema that one changed cell can break: that check and the frame."""
    frame = case.frame
    model = case.schema.to_schema()
    if frame.height < 2:
        return
    for name, column in model.columns.items():
        if not column.nullable:
            broken = _replace(frame, name, 1, None)
            assert broken is not None
            yield (name, "not_nullable"), broken
            if frame.schema[name].is_float():
                broken = _replace(frame, name, 1, math.nan)
                assert broken is not None
                yield (name, "not_nullable"), broken
        if column.unique:
            broken = _replace(frame, name, 1, frame[name][0])
            assert broken is not None
            yield (name, "field_uniqueness"), broken
        for check in column.checks:
            for value in _breaking_values(check, frame, name):
                broken = _replace(frame, name, 1, value)
                if broken is not None:
                    yield (name, str(check.error or check.name)), broken
                    break
    if model.unique:
        yield (None, "multiple_fields_uniqueness"), pl.concat([frame, frame[0]])


@pytest.mark.usefixtures("small_batches")
@pytest.mark.parametrize("index", range(50))
def test_breaking_one_check_is_caught_by_the_fast_pass(index: int) -> None:
    cases = stage_frames()
    if index >= len(cases):
        assert len(cases) <= index  # fewer stages than slots: nothing left to test
        return
    case = cases[index]
    tried = 0
    for key, frame in _mutants(case):
        tried += 1
        fast = fast_verdict(frame, case.schema)
        assert key in fast, (case, key, fast)
        assert fast == pandera_verdict(frame, case.schema), (case, key)
        assert streamed_verdict(frame, case.schema) == fast, (case, key)
        with pytest.raises(ValidationFailedError) as caught:
            validate_table(frame, case.schema, where=str(case))
        if fast == {key}:  # the message names the one check broken, and where
            words = "field_uniqueness" if "uniqueness" in key[1] else key[1].split("(")[0]
            assert words in str(caught.value), (case, key)
            assert re.search(r"(rows?|lines?) \d", str(caught.value)), (case, key)
    assert tried or case.frame.height < 2 or not case.schema.to_schema().columns


# --- What the fast pass leaves to Pandera, loudly ------------------------------------------------


class Coerced(pa.DataFrameModel):
    """Pandera changes the frame (coercion): only Pandera can validate it."""

    n: pl.Int64 = pa.Field(ge=0)

    class Config:
        """Coerce the column's type."""

        coerce = True


class Exotic(pa.DataFrameModel):
    """A warning-only check and a check that raises: Pandera handles both."""

    n: pl.Int64 = pa.Field(ge=0)

    @pa.dataframe_check(raise_warning=True)
    @classmethod
    def only_warns(cls, data: PolarsData) -> pl.LazyFrame:
        """A check that warns instead of failing."""
        return data.lazyframe.select(pl.col("n") < 100)


class Raising(pa.DataFrameModel):
    """A dataframe check that raises when it is built."""

    n: pl.Int64

    @pa.dataframe_check
    @classmethod
    def broken(cls, data: PolarsData) -> pl.LazyFrame:
        """Refer to a column that does not exist, eagerly."""
        return data.lazyframe.select(pl.col("n") > data.lazyframe.collect()["missing"][0])


class Renamed(pa.DataFrameModel):
    """Built-in checks with their own settings (message, nulls, bounds): compiled or not, alike.

    A model's ``Field`` makes built-ins with default settings only, so this model
    describes itself with a ``DataFrameSchema`` (as Pandera's object API allows).
    """

    code: pl.String
    n: pl.Float64

    @classmethod
    def to_schema(cls) -> pa.DataFrameSchema:
        """The schema, with checks a ``Field`` cannot express."""
        return pa.DataFrameSchema(
            {
                "code": pa.Column(
                    pl.String,
                    nullable=True,
                    checks=[
                        pa.Check.str_matches(r"E\d", error="not an E code"),
                        pa.Check.str_length(max_value=3),
                        pa.Check.str_length(2, 4),
                        pa.Check.str_length(min_value=2),
                        pa.Check.str_length(exact_value=2, ignore_na=False),
                        pa.Check.str_length(exact_value=2),
                        pa.Check.isin(["E1", "E2", "E333"]),
                        pa.Check.notin(["E0"]),
                        pa.Check.str_contains("1|2|3"),
                        pa.Check.str_startswith("E"),
                        pa.Check.str_endswith("1", ignore_na=False, error="ends in 1"),
                    ],
                ),
                "n": pa.Column(
                    pl.Float64,
                    nullable=True,
                    checks=[
                        pa.Check.in_range(0, 5, include_min=False),
                        pa.Check.in_range(0, 5, include_max=False, error="below 5"),
                        pa.Check.ne(3.0),
                        pa.Check.eq(1.0, ignore_na=False),
                        pa.Check.gt(-1.0),
                        pa.Check.lt(4.0),
                    ],
                ),
                "note": pa.Column(pl.String, required=False),  # absent: nothing to check
            },
            unique=["code", "n"],
            strict=True,
            name="Renamed",
        )


class KeySets(pa.DataFrameModel):
    """Several unique key sets at once (a list of lists): left to Pandera."""

    n: pl.Int64

    @classmethod
    def to_schema(cls) -> pa.DataFrameSchema:
        """The schema, with a setting a model's Config cannot express."""
        return pa.DataFrameSchema(
            {"n": pa.Column(pl.Int64)},
            unique=[["n"], ["n"]],  # type: ignore[list-item]  # the backend takes key sets
        )


class NotBoolean(pa.DataFrameModel):
    """A dataframe check that answers with numbers, not booleans."""

    n: pl.Int64

    @pa.dataframe_check
    @classmethod
    def numbers(cls, data: PolarsData) -> pl.LazyFrame:
        """Return the column itself."""
        return data.lazyframe.select(pl.col("n"))


@pytest.mark.parametrize("schema", [Coerced, Exotic, Raising, KeySets, NotBoolean])
def test_what_cannot_be_compiled_is_validated_by_pandera(
    schema: type[pa.DataFrameModel], caplog: pytest.LogCaptureFixture
) -> None:
    frame = pl.DataFrame({"n": [1, 2]})
    with caplog.at_level(logging.INFO, logger="rapkit.validation"):
        assert fast_failures(frame.lazy(), schema) is None
    assert f"{schema.__name__}" in caplog.text
    assert "Pandera" in caplog.text


def test_uncompiled_schemas_still_pass_and_fail_through_pandera() -> None:
    assert validate_table(pl.DataFrame({"n": [1, 2]}), Coerced, where="t")["n"].to_list() == [1, 2]
    with pytest.raises(ValidationFailedError, match="greater_than_or_equal_to"):
        validate_table(pl.DataFrame({"n": [1, -2]}), Coerced, where="t")
    with pytest.raises(ValidationFailedError, match="broken"):
        validate_table(pl.DataFrame({"n": [1, 2]}), Raising, where="t")


@st.composite
def codes(draw: st.DrawFn) -> pl.DataFrame:
    """Small frames for the ``Renamed`` schema, with nulls, NaN and repeats."""
    size = draw(st.integers(min_value=0, max_value=6))
    code = st.sampled_from([None, "E1", "E2", "E0", "E333", "E3333", "W1", "E11"])
    number = st.sampled_from([None, 0.0, 1.0, 3.0, 5.0, math.nan, -1.0])
    return pl.DataFrame(
        {
            "code": draw(st.lists(code, min_size=size, max_size=size)),
            "n": draw(st.lists(number, min_size=size, max_size=size)),
        },
        schema={"code": pl.String, "n": pl.Float64},
    )


@settings(max_examples=150, deadline=None)
@given(codes())
def test_built_ins_with_their_own_settings_get_the_same_verdict(frame: pl.DataFrame) -> None:
    expected = pandera_verdict(frame, Renamed)
    assert fast_verdict(frame, Renamed) == expected
    assert streamed_verdict(frame, Renamed) == expected


class TwoCodes(pa.DataFrameModel):
    """Two pattern-checked columns: their distinct values are found by one group_by."""

    a: str = pa.Field(str_matches=r"^E\d$", nullable=True)
    b: str = pa.Field(str_matches=r"^W\d$")


def test_patterns_count_each_columns_distinct_failing_values() -> None:
    # In memory a pattern is matched on the distinct (a, b) combinations; each column's count
    # must still be its own distinct failing values, whatever the other column holds.
    frame = pl.DataFrame(
        {"a": ["E1", "x", "x", "y", None, "x"], "b": ["W1", "W1", "W2", "Q", "Q", "W1"]}
    )
    failures = fast_failures(frame.lazy(), TwoCodes)
    assert failures is not None
    assert {column: count for (column, _), count in failures.items()} == {"a": 2, "b": 1}
    assert set(failures) == pandera_verdict(frame, TwoCodes)
    valid = pl.DataFrame({"a": ["E1", None, "E2"], "b": ["W1", "W1", "W2"]})
    assert fast_failures(valid.lazy(), TwoCodes) == {}


def test_wrong_names_and_types_are_found_without_reading_data() -> None:
    frame = pl.DataFrame({"code": [1], "extra": [2]})
    failures = fast_failures(frame.lazy(), Renamed)
    assert failures == {
        ("code", "dtype('String')"): 1,
        ("n", "column_in_dataframe"): 1,
        ("extra", "column_in_schema"): 1,
    }


def test_a_failing_key_is_still_explained_by_pandera_in_streaming_mode(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pl.DataFrame({"code": ["E1", "E1"], "n": [1.0, 1.0]}).write_parquet(path)
    with pytest.raises(ValidationFailedError, match=r"columns 'code', 'n' failed field_uniq"):
        validate_parquet(path, Renamed, where="t")


def test_a_polars_error_in_the_fast_pass_falls_back_to_pandera(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def fail(*args: object, **kwargs: object) -> Callable[..., Any]:
        raise pl.exceptions.ComputeError("boom")

    monkeypatch.setattr(validation, "_run_plan", fail)
    frame = pl.DataFrame({"code": ["E1"], "n": [1.0]})
    with caplog.at_level(logging.INFO, logger="rapkit.validation"):
        assert fast_failures(frame.lazy(), Renamed) is None
        assert validate_table(frame, Renamed, where="t") is not None
    assert "boom" in caplog.text


def test_pandera_configured_to_skip_data_checks_is_obeyed(tmp_path: Path) -> None:
    frame = pl.DataFrame({"n": [-1]})
    with config_context(validation_depth=ValidationDepth.SCHEMA_ONLY):
        assert fast_failures(frame.lazy(), Coerced) is None
        assert validate_table(frame, Coerced, where="t").equals(frame)  # as Pandera decides
    path = tmp_path / "t.parquet"
    pl.DataFrame({"n": [1, 2]}).write_parquet(path)
    assert validate_parquet(path, Coerced, where="t") == 2  # uncompiled: Pandera's batches


class Impostor(pa.DataFrameModel):
    """Custom checks that borrow built-ins' names: never mistaken for the built-ins."""

    n: pl.Int64

    @classmethod
    def to_schema(cls) -> pa.DataFrameSchema:
        """Checks named like built-ins, with other functions."""
        strictly = pa.Check(
            lambda data: data.lazyframe.select(pl.col(data.key) > 0),
            name="greater_than_or_equal_to",
            statistics={"min_value": 0},
        )
        odd = pa.Check(
            lambda data: data.lazyframe.select(pl.col(data.key) % 2 == 1),
            name="isin",
            statistics={"odd": True},
        )
        return pa.DataFrameSchema({"n": pa.Column(pl.Int64, checks=[strictly, odd])})


def test_a_custom_check_named_like_a_built_in_is_run_as_written() -> None:
    frame = pl.DataFrame({"n": [0, 1, 2]})
    assert fast_verdict(frame, Impostor) == pandera_verdict(frame, Impostor)
    assert fast_verdict(frame, Impostor) == {
        ("n", "greater_than_or_equal_to"),
        ("n", "isin"),
    }


def test_a_disagreement_with_pandera_is_an_error_not_a_pass(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def phantom(*args: object, **kwargs: object) -> dict[CheckKey, int]:
        return {("n", "phantom"): 1}

    monkeypatch.setattr(validation, "fast_failures", phantom)
    frame = pl.DataFrame({"n": [1]})
    with pytest.raises(ValidationFailedError, match=r"(?s)column 'n' failed phantom.*report this"):
        validate_table(frame, Coerced, where="t")
    path = tmp_path / "t.parquet"
    frame.write_parquet(path)
    with pytest.raises(ValidationFailedError, match="Nothing was published"):
        validate_parquet(path, Coerced, where="t")
