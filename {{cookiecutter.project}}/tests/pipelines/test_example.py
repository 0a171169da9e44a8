"""Unit, schema and property tests of the example pipeline's stages."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapkit.config import PipelineConfig
from rapkit.errors import ConfigError, ValidationFailedError
from rapkit.validation import validate

from {{ cookiecutter.package }}.pipelines.example import build, make_sample, pipeline, schemas, stages

from ..conftest import main, run_on_sample


def residents(*rows: tuple[int, str, str, int]) -> pl.LazyFrame:
    """Build a tidy residents frame from ``(person_id, lsoa, lad, age)`` tuples."""
    return pl.LazyFrame(
        rows,
        schema={
            "person_id": pl.Int64,
            "lsoa_code": pl.String,
            "lad_code": pl.String,
            "age": pl.Int64,
        },
        orient="row",
    )


def test_read_residents_casts_and_trims(tmp_path: Path) -> None:
    path = tmp_path / "residents.csv"
    path.write_text(
        "person_id,lsoa_code,lad_code,age,extra\n 1,E01000001 ,E08000001,70,x\n", encoding="utf-8"
    )
    raw = stages.read_residents(path)
    tidy = validate(stages.tidy_residents(raw).collect(), schemas.Residents, where="test")
    assert tidy.row(0) == (1, "E01000001", "E08000001", 70)


def test_read_residents_rejects_non_numeric_age(tmp_path: Path) -> None:
    path = tmp_path / "residents.csv"
    path.write_text(
        "person_id,lsoa_code,lad_code,age\n1,E01000001,E08000001,sixty\n", encoding="utf-8"
    )
    with pytest.raises(pl.exceptions.PolarsError):
        stages.tidy_residents(stages.read_residents(path)).collect()


def test_summarise_areas_hand_worked_example() -> None:
    # Area 1: ages 64, 65, 90 -> 2 of 3 older. Area 2: age 10 -> 0 of 1.
    data = residents(
        (1, "E01000001", "E08000001", 64),
        (2, "E01000001", "E08000001", 65),
        (3, "E01000001", "E08000001", 90),
        (4, "E01000002", "E08000001", 10),
    )
    summary = validate(stages.summarise_areas(data).collect(), schemas.AreaSummary, where="test")
    assert summary.rows() == [
        ("E01000001", "E08000001", 3, 2, pytest.approx(2 / 3)),
        ("E01000002", "E08000001", 1, 0, 0.0),
    ]


def test_older_age_parameter_moves_the_threshold() -> None:
    data = residents((1, "E01000001", "E08000001", 60), (2, "E01000001", "E08000001", 70))
    assert stages.summarise_areas(data, older_age=75).collect()["older_residents"].item() == 0
    assert stages.summarise_areas(data, older_age=50).collect()["older_residents"].item() == 2


def test_parameters_default_and_load_from_the_config_table() -> None:
    assert pipeline.Parameters.load({}).older_age == stages.OLDER_AGE
    assert pipeline.Parameters.load({"older_age": 70}).older_age == 70


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"older_ages": 70}, r"unknown key 'older_ages' \(allowed: older_age\)"),
        ({"older_age": "65"}, r"older_age: Input should be a valid integer"),
        ({"older_age": 65.5}, r"older_age: Input should be a valid integer"),
        ({"older_age": [65]}, r"older_age: Input should be a valid integer"),
    ],
)
def test_bad_parameters_are_a_config_error_naming_the_key(
    parameters: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        build(parameters)


@pytest.mark.parametrize(
    ("column", "value", "check"),
    [
        ("lsoa_code", "E02000001", "str_matches"),
        ("lad_code", "E01000001", "str_matches"),
        ("age", 121, "less_than_or_equal_to(120)"),
        ("person_id", 0, "greater_than_or_equal_to(1)"),
    ],
)
def test_residents_schema_rejects_bad_values(column: str, value: object, check: str) -> None:
    good = residents((1, "E01000001", "E08000001", 30)).collect()
    bad = good.with_columns(pl.lit(value).cast(good.schema[column]).alias(column))
    with pytest.raises(ValidationFailedError, match=re.escape(f"column '{column}' failed {check}")):
        validate(bad, schemas.Residents, where="test")


def test_residents_schema_rejects_duplicate_people_and_extra_columns() -> None:
    dupes = residents(
        (1, "E01000001", "E08000001", 30), (1, "E01000002", "E08000001", 40)
    ).collect()
    with pytest.raises(ValidationFailedError, match="field_uniqueness"):
        validate(dupes, schemas.Residents, where="test")
    extra = dupes[:1].with_columns(pl.lit("x").alias("name"))
    with pytest.raises(ValidationFailedError, match="name"):
        validate(extra, schemas.Residents, where="test")


def test_summary_check_older_never_exceeds_total() -> None:
    bad = pl.DataFrame(
        {
            "lsoa_code": ["E01000001"],
            "lad_code": ["E08000001"],
            "residents": [1],
            "older_residents": [2],
            "older_residents_frac": [1.0],
        },
        schema_overrides={"residents": pl.UInt32, "older_residents": pl.UInt32},
    )
    with pytest.raises(ValidationFailedError, match="older_residents_within_total"):
        validate(bad, schemas.AreaSummary, where="test")


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 120)),
        min_size=1,
        max_size=60,
    )
)
def test_summary_properties(people: list[tuple[int, int]]) -> None:
    data = residents(
        *((i + 1, f"E0100000{area}", "E08000001", age) for i, (area, age) in enumerate(people))
    )
    summary = validate(stages.summarise_areas(data).collect(), schemas.AreaSummary, where="test")
    assert summary["residents"].sum() == len(people)
    assert summary["older_residents"].sum() == sum(age >= stages.OLDER_AGE for _, age in people)
    assert summary["lsoa_code"].is_sorted()


def test_sample_is_valid_and_sized() -> None:
    frame = make_sample(500, seed=1)["residents"]
    assert frame.height == 500
    validate(stages.tidy_residents(frame.lazy()).collect(), schemas.Residents, where="sample")


def test_bad_rows_are_reported_with_file_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = make_sample(20, seed=3)["residents"].with_columns(
        pl.when(pl.col("person_id") == 5).then(130).otherwise(pl.col("age")).alias("age")
    )
    residents_csv = tmp_path / "residents.csv"
    data.write_csv(residents_csv)
    config = tmp_path / "pipeline.toml"
    config.write_text(
        f'pipeline = "example"\noutputs_dir = "{(tmp_path / "out").as_posix()}"\n'
        f'[inputs]\nresidents = "{residents_csv.as_posix()}"\n',
        encoding="utf-8",
    )
    assert main(["--config", str(config), "run"]) == 1
    err = capsys.readouterr().err
    assert str(residents_csv) in err
    assert "column 'age' failed less_than_or_equal_to(120) in 1 line(s)" in err
    assert "line 6: {'person_id': 5," in err  # header is line 1, person 5 is line 6
    assert not (tmp_path / "out" / "area_summary.csv").exists()


def test_non_numeric_value_names_file_column_and_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    residents_csv = tmp_path / "residents.csv"
    residents_csv.write_text(
        "person_id,lsoa_code,lad_code,age\n1,E01000001,E08000001,sixty\n", encoding="utf-8"
    )
    config = tmp_path / "pipeline.toml"
    config.write_text(
        f'pipeline = "example"\n[inputs]\nresidents = "{residents_csv.as_posix()}"\n',
        encoding="utf-8",
    )
    assert main(["--config", str(config), "run"]) == 1
    err = capsys.readouterr().err
    assert str(residents_csv) in err
    assert "'age'" in err
    assert '"sixty"' in err


def test_a_two_million_row_sample_validates_and_runs(
    tmp_path: Path, project_config: PipelineConfig
) -> None:
    files = make_sample(2_000_000, 2021)
    assert files["residents"].height == 2_000_000
    assert run_on_sample(tmp_path, project_config, files) >= 1
