"""Tests of the skills pipeline: hand-worked shares, the NVQ/RQF series break, schemas."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapkit.config import PipelineConfig
from rapkit.errors import ConfigError, ValidationFailedError
from rapkit.importers.nomis_api import APS_MEASURES
from rapkit.validation import validate

from {{ cookiecutter.package }}.pipelines.skills import build, make_sample, schemas, stages

from ..conftest import Workspace, main, run_error

LOOKUP = pl.LazyFrame(
    {
        "lsoa_code": ["E01000001", "E01000002", "E01000003"],
        "lsoa_name": ["A", "B", "C"],
        "msoa_code": ["E02000001", "E02000001", "E02000002"],
        "msoa_name": ["M1", "M1", "M2"],
        "lad_code": ["E08000001", "E08000001", "E08000002"],
        "lad_name": ["L1", "L1", "L2"],
    }
)


def census(*rows: tuple[str, str, int | None]) -> pl.LazyFrame:
    return pl.LazyFrame(
        [(code, "x", 2021, category, count, None, None) for code, category, count in rows],
        schema={
            "area_code": pl.String,
            "area_name": pl.String,
            "census_year": pl.Int64,
            "category": pl.String,
            "count": pl.Int64,
            "count_flag": pl.String,
            "published_total": pl.Int64,
        },
        orient="row",
    )


COUNTS = census(
    # A: 100 residents aged 16+: 10 none, 20 level 3, 30 level 4+, 40 other categories.
    ("E01000001", "No qualifications", 10),
    ("E01000001", "Level 3 qualifications", 20),
    ("E01000001", "Level 4 qualifications or above", 30),
    ("E01000001", "Level 2 qualifications", 40),
    # B: 300 residents: 30 none, 0 level 3, 150 level 4+, 120 apprenticeship.
    ("E01000002", "No qualifications", 30),
    ("E01000002", "Level 3 qualifications", 0),
    ("E01000002", "Level 4 qualifications or above", 150),
    ("E01000002", "Apprenticeship", 120),
    # C: a suppressed count: no shares rather than wrong ones.
    ("E01000003", "No qualifications", None),
    ("E01000003", "Level 4 qualifications or above", 5),
)


def shares(frame: pl.DataFrame) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["lsoa_code"], r["measure"]): r for r in frame.to_dicts()}


def test_lsoa_qualifications_hand_worked() -> None:
    result = stages.lsoa_qualifications(COUNTS, LOOKUP).collect()
    rows = shares(validate(result, schemas.LsoaQualifications, where="test"))
    a4, a3, a0 = (
        rows[("E01000001", m)] for m in ("level4_plus", "level3_plus", "no_qualifications")
    )
    assert (a4["numerator"], a4["denominator"], a4["fraction"]) == (30, 100, pytest.approx(0.3))
    assert (a3["numerator"], a3["fraction"]) == (50, pytest.approx(0.5))
    assert a0["fraction"] == pytest.approx(0.1)
    # The authority's share pools its LSOAs: (30 + 150) / (100 + 300), not the mean of shares.
    assert a4["lad_fraction"] == pytest.approx(180 / 400)
    assert rows[("E01000002", "level4_plus")]["lad_fraction"] == pytest.approx(180 / 400)
    c = rows[("E01000003", "level4_plus")]
    assert (c["numerator"], c["fraction"], c["lad_code"]) == (None, None, "E08000002")


def test_census_measures_parameter() -> None:
    measures = {"apprenticeship": ["Apprenticeship"]}
    result = stages.lsoa_qualifications(COUNTS, LOOKUP, measures).collect()
    row = result.filter(pl.col("lsoa_code") == "E01000002").row(0, named=True)
    assert (row["measure"], row["fraction"]) == ("apprenticeship", pytest.approx(120 / 300))


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"census_measures": {"degree": ["Degree"]}}, r"census_measures: .*unknown: \['Degree'\]"),
        (
            {"census_measures": {"none": "No qualifications"}},
            r"census_measures\.none: .*valid list",
        ),
        ({"census_measures": {}}, r"census_measures: .*non-empty"),
        ({"census_measure": {}}, r"unknown key 'census_measure' \(allowed: census_measures\)"),
    ],
)
def test_bad_parameters_are_a_config_error_naming_the_key(
    parameters: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        build(parameters)


def test_lsoa_outside_the_lookup_fails_by_name() -> None:
    counts = census(("E01099999", "No qualifications", 1))
    result = stages.lsoa_qualifications(counts, LOOKUP).collect()
    with pytest.raises(ValidationFailedError, match="not in the LSOA 2021 lookup"):
        validate(result, schemas.LsoaQualifications, where="test")


def observations(*rows: tuple[str, int, str, float | None]) -> pl.LazyFrame:
    """Tidy APS observations from ``(variable_name, year, measure, value)``."""
    codes = {name: code for code, name in APS_MEASURES.items()}
    return pl.LazyFrame(
        [
            (
                "E08000001",
                "Borough",
                variable,
                f"Jan {year}-Dec {year}",
                dt.date(year, 1, 1),
                dt.date(year, 12, 31),
                codes[measure],
                value,
                None if value is not None else "blank",
                "A",
            )
            for variable, year, measure, value in rows
        ],
        schema={
            "area_code": pl.String,
            "area_name": pl.String,
            "variable_name": pl.String,
            "period_name": pl.String,
            "period_start": pl.Date,
            "period_end": pl.Date,
            "measure_code": pl.Int64,
            "value": pl.Float64,
            "value_flag": pl.String,
            "obs_status": pl.String,
        },
        orient="row",
    )


def estimate(
    variable: str, year: int, value: float, ci: float = 3.0
) -> list[tuple[str, int, str, float | None]]:
    return [
        (variable, year, "value_pct", value),
        (variable, year, "numerator", value * 1000),
        (variable, year, "denominator", 100_000.0),
        (variable, year, "ci_pct", ci),
    ]


NVQ4 = "% with NVQ4+ - aged 16-64"
RQF4 = "% with RQF4+ - aged 16-64"
EMPLOYMENT = "Employment rate - aged 16-64"


def series() -> pl.DataFrame:
    data = observations(
        *estimate(NVQ4, 2020, 40.0),
        *estimate(NVQ4, 2021, 41.5),
        *estimate(RQF4, 2022, 45.0),  # the break: not a 3.5 point rise
        *estimate(RQF4, 2023, 44.0),
        *estimate(EMPLOYMENT, 2021, 74.0),
        *estimate(EMPLOYMENT, 2022, 75.5),
    )
    return validate(stages.aps_series(data).collect(), schemas.ApsSeries, where="test")


def test_series_break_between_nvq_and_rqf() -> None:
    rows = {(r["indicator"], r["period_start"].year): r for r in series().to_dicts()}
    assert rows[("level4_plus", 2021)]["qualification_framework"] == "NVQ"
    assert rows[("level4_plus", 2022)]["qualification_framework"] == "RQF"
    assert rows[("level4_plus", 2021)]["change_pct_points"] == pytest.approx(1.5)
    assert rows[("level4_plus", 2022)]["change_pct_points"] is None  # never across the break
    assert rows[("level4_plus", 2023)]["change_pct_points"] == pytest.approx(-1.0)
    # Employment has no framework, so its series runs straight through 2021 to 2022.
    assert rows[("employment_rate", 2022)]["qualification_framework"] is None
    assert rows[("employment_rate", 2022)]["change_pct_points"] == pytest.approx(1.5)
    assert rows[("employment_rate", 2022)]["topic"] == "employment"


def test_confidence_interval_and_period() -> None:
    row = series().filter(pl.col("indicator") == "level4_plus").row(0, named=True)
    assert (row["ci_lower_pct"], row["ci_upper_pct"]) == (37.0, 43.0)
    assert (row["period_start"], row["period_end"]) == (dt.date(2020, 1, 1), dt.date(2020, 12, 31))
    assert (row["numerator"], row["denominator"]) == (40_000.0, 100_000.0)


def test_interval_is_clipped_to_0_100() -> None:
    data = observations(*estimate("% with no qualifications (RQF) - aged 16-64", 2023, 1.0, 2.5))
    row = stages.aps_series(data).collect().row(0, named=True)
    assert (row["indicator"], row["ci_lower_pct"], row["ci_upper_pct"]) == (
        "no_qualifications",
        0.0,
        3.5,
    )


def test_suppressed_period_has_no_value_and_breaks_the_change() -> None:
    data = observations(
        *estimate(NVQ4, 2019, 40.0),
        *[(NVQ4, 2020, measure, None) for measure in APS_MEASURES.values()],
        *estimate(NVQ4, 2021, 42.0),
    )
    rows = validate(stages.aps_series(data).collect(), schemas.ApsSeries, where="test")
    assert rows["value_pct"].to_list() == [40.0, None, 42.0]
    assert rows["value_flag"].to_list() == [None, "blank", None]
    assert rows["change_pct_points"].to_list() == [None, None, None]


def test_unknown_variable_is_reported_not_guessed() -> None:
    data = observations(*estimate("% with degree - aged 16-64", 2023, 30.0))
    with pytest.raises(ValidationFailedError, match="indicator"):
        validate(stages.aps_series(data).collect(), schemas.ApsSeries, where="test")


def aps_row(**changes: object) -> pl.DataFrame:
    good: dict[str, object] = {
        "area_code": "E08000001",
        "area_name": "Borough",
        "topic": "qualifications",
        "indicator": "level4_plus",
        "variable_name": RQF4,
        "qualification_framework": "RQF",
        "period_name": "Jan 2023-Dec 2023",
        "period_start": dt.date(2023, 1, 1),
        "period_end": dt.date(2023, 12, 31),
        "value_pct": 45.0,
        "ci_lower_pct": 42.0,
        "ci_upper_pct": 48.0,
        "numerator": 45_000.0,
        "denominator": 100_000.0,
        "value_flag": None,
        "obs_status": "A",
        "change_pct_points": None,
    }
    return pl.DataFrame(
        [{**good, **changes}],
        schema_overrides={"value_flag": pl.String, "change_pct_points": pl.Float64},
    )


def test_aps_schema_accepts_a_good_row() -> None:
    validate(aps_row(), schemas.ApsSeries, where="test")


@pytest.mark.parametrize(
    ("changes", "check"),
    [
        ({"value_pct": 50.0}, "estimate outside its confidence interval"),
        ({"qualification_framework": None}, "qualification rows need a framework"),
        ({"topic": "employment"}, "qualification rows need a framework"),
        ({"qualification_framework": "GCSE"}, "isin"),
        ({"change_pct_points": 3.0}, "change computed across the NVQ/RQF series break"),
        ({"value_pct": 145.0, "ci_upper_pct": 148.0}, "less_than_or_equal_to(100)"),
    ],
)
def test_aps_schema_rejects_bad_rows(changes: dict[str, object], check: str) -> None:
    with pytest.raises(ValidationFailedError, match=re.escape(check)):
        validate(aps_row(**changes), schemas.ApsSeries, where="test")


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0, 100, allow_nan=False), min_size=2, max_size=8), st.integers(1, 7))
def test_change_never_crosses_the_break(values: list[float], nvq_years: int) -> None:
    rows = []
    for offset, value in enumerate(values):
        year = 2015 + offset
        name = NVQ4 if offset < nvq_years else RQF4
        rows += estimate(name, year, value, ci=0.0)
    result = validate(
        stages.aps_series(observations(*rows)).collect(), schemas.ApsSeries, where="p"
    )
    changes = result["change_pct_points"].to_list()
    for offset, change in enumerate(changes):
        if offset in {0, nvq_years}:
            assert change is None
        else:
            assert change == pytest.approx(values[offset] - values[offset - 1])


def test_sample_is_deterministic_and_has_both_frameworks() -> None:
    first, second = make_sample(30, seed=5), make_sample(30, seed=5)
    assert all(first[name].equals(second[name]) for name in first)
    names = first["aps"]["VARIABLE_NAME"].unique().to_list()
    assert any("NVQ" in n for n in names)
    assert any("RQF" in n for n in names)
    assert first["qualifications"].height == 30


def test_run_publishes_both_outputs(workspace: Workspace) -> None:
    assert main(["--config", str(workspace.config_path), "run"]) == 0
    lsoa = pl.read_csv(workspace.outputs / "lsoa_qualifications.csv")
    aps = pl.read_csv(workspace.outputs / "aps_series.csv", try_parse_dates=True)
    assert lsoa["fraction"].is_between(0, 1).all()
    first_rqf = aps.filter(
        (pl.col("qualification_framework") == "RQF")
        & (
            pl.col("period_start")
            == pl.col("period_start")
            .min()
            .over("area_code", "indicator", "qualification_framework")
        )
    )
    assert first_rqf.height > 0
    assert first_rqf["change_pct_points"].null_count() == first_rqf.height


def test_every_input_records_its_source_and_licence(project_config: PipelineConfig) -> None:
    assert set(project_config.sources) == set(project_config.inputs)
    for source in project_config.sources.values():
        assert source["licence"] == "Open Government Licence v3.0"
        assert source["attribution"]


def test_an_aps_extract_of_percentages_is_refused(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    path = workspace.inputs["aps"]
    path.write_text(path.read_text(encoding="utf-8").replace(",Variable,", ",Percent,", 1))
    error = run_error(workspace.config_path, capsys)
    assert re.search(r"line \d+: column 'MEASURES_NAME' says 'Percent'", error), error
