"""Unit, schema, property and end-to-end tests of the social isolation pipeline."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapkit.config import PipelineConfig
from rapkit.errors import ConfigError, InputError, ValidationFailedError
from rapkit.importers.census import CensusCounts, read_census, tidy_census
from rapkit.validation import validate

from {{ cookiecutter.package }}.pipelines.social_isolation import (
    build,
    make_sample,
    pipeline,
    sample,
    schemas,
    stages,
)

from ..conftest import Workspace, main, run_error

COEFFICIENTS = {
    "constant": -2.62,
    "health_poor": 2.0344,
    "health_fair": 1.5819,
    "health_good": 0.9842,
    "household_size": -1.0402,
    "widowed": 1.0317,
    "age_75_79": -0.3542,
}


def counts(*rows: tuple[str, str, int | None]) -> pl.LazyFrame:
    """Tidy Census counts from ``(area_code, category, count)`` tuples."""
    return pl.LazyFrame(
        [(code, category, count, 2021) for code, category, count in rows],
        schema={
            "area_code": pl.String,
            "category": pl.String,
            "count": pl.Int64,
            "census_year": pl.Int64,
        },
        orient="row",
    )


def spec(name: str) -> stages.Component:
    return next(c for c in stages.COMPONENTS if c.name == name)


def components_frame(fractions: Mapping[str, Mapping[str, float | None]]) -> pl.LazyFrame:
    """Long components from ``{lsoa: {component: fraction}}`` (numerators made up to fit)."""
    rows = []
    for lsoa, values in fractions.items():
        for name, fraction in values.items():
            numerator = None if fraction is None else round(fraction * 1000)
            rows.append((lsoa, name, numerator, 1000, fraction, "TS037", 2021, "tombolo_proxy"))
    return pl.LazyFrame(rows, schema=list(schemas.Components.to_schema().columns), orient="row")


# --- components -------------------------------------------------------------------------------


def test_health_components_hand_worked() -> None:
    health = counts(
        *(("E01000001", c, n) for c, n in zip(stages.HEALTH, [40, 30, 20, 6, 4], strict=True))
    )
    names = ["bad_or_very_bad_health", "fair_health", "good_health"]
    result = stages.table_components(health, [spec(n) for n in names]).collect()
    assert result.select("component", "numerator", "denominator", "fraction").sort(
        "component"
    ).rows() == [
        ("bad_or_very_bad_health", 10, 100, 0.1),
        ("fair_health", 20, 100, 0.2),
        ("good_health", 30, 100, 0.3),
    ]
    assert set(result["source_table"]) == {"TS037"}
    assert set(result["census_year"]) == {2021}


def test_age_components_use_their_own_denominators() -> None:
    bands = dict.fromkeys(stages.AGE_BANDS, 10) | {"Aged 75 to 79 years": 30}
    age = counts(*(("E01000001", c, n) for c, n in bands.items()))
    result = stages.table_components(
        age, [spec("aged_65_plus"), spec("aged_75_79_of_65_plus")]
    ).collect()
    by_name = {row["component"]: row for row in result.iter_rows(named=True)}
    # 18 bands of 10, with 75-79 at 30: 200 residents, 70 aged 65+, 30 of them 75-79.
    assert (by_name["aged_65_plus"]["numerator"], by_name["aged_65_plus"]["denominator"]) == (
        70,
        200,
    )
    assert by_name["aged_75_79_of_65_plus"]["fraction"] == pytest.approx(30 / 70)


def test_suppressed_count_makes_the_component_unknown_not_smaller() -> None:
    health = counts(
        ("E01000001", "Very good health", 50),
        ("E01000001", "Good health", 30),
        ("E01000001", "Fair health", 10),
        ("E01000001", "Bad health", None),
        ("E01000001", "Very bad health", 2),
    )
    result = stages.table_components(health, [spec("bad_or_very_bad_health")]).collect()
    assert result.select("numerator", "denominator", "fraction").row(0) == (None, None, None)


def test_no_older_residents_gives_null_not_division_by_zero() -> None:
    bands = dict.fromkeys(stages.AGE_BANDS, 0) | {"Aged 20 to 24 years": 100}
    age = counts(*(("E01000001", c, n) for c, n in bands.items()))
    result = stages.table_components(age, [spec("aged_75_79_of_65_plus")]).collect()
    assert result.select("numerator", "denominator", "fraction").row(0) == (0, 0, None)


def test_every_component_category_is_a_published_category() -> None:
    tables = {
        "age": stages.AGE_BANDS,
        "tenure": stages.TENURE,
        "partnership": stages.PARTNERSHIP,
        "health": stages.HEALTH,
        "disability": stages.DISABILITY,
        "deprivation": stages.DEPRIVATION,
    }
    for component in stages.COMPONENTS:
        used = set(component.numerator) | set(component.denominator or ())
        assert used <= set(tables[component.table]), component.name
    assert len(stages.PROXY_COMPONENTS) == 6


# --- household size ---------------------------------------------------------------------------


def test_mean_household_size_hand_worked() -> None:
    sizes = dict.fromkeys(stages.HOUSEHOLD_SIZE, 0) | {
        "0 people in household": 5,  # empty household spaces: not households
        "1 person in household": 10,
        "2 people in household": 10,
        "8 or more people in household": 1,
    }
    frame = counts(*(("E01000001", c, n) for c, n in sizes.items()))
    default = stages.mean_household_size(frame).collect()
    assert default.select("occupied_households", "household_residents").row(0) == (21, 38.0)
    assert default["mean_household_size"].item() == pytest.approx(38 / 21)
    larger = stages.mean_household_size(frame, eight_or_more=10).collect()
    assert larger["mean_household_size"].item() == pytest.approx(40 / 21)


# --- the two indices --------------------------------------------------------------------------


def test_tombolo_proxy_is_the_unweighted_sum_and_missing_stays_missing() -> None:
    full = dict.fromkeys(stages.PROXY_COMPONENTS, 0.1) | {"renting": 0.5}
    partial = full | {"disabled": None}
    proxy = stages.tombolo_social_isolation_proxy(
        components_frame({"E01000001": full, "E01000002": partial})
    ).collect()
    assert proxy["tombolo_social_isolation_proxy"].to_list() == [pytest.approx(1.0), None]


def test_ageuk_model_hand_worked() -> None:
    fractions = {
        "bad_or_very_bad_health": 0.1,
        "fair_health": 0.2,
        "good_health": 0.3,
        "widowed": 0.08,
        "aged_75_79_of_65_plus": 0.25,
    }
    households = pl.LazyFrame({"lsoa_code": ["E01000001"], "mean_household_size": [2.0]})
    result = stages.ageuk_loneliness_logodds(
        components_frame({"E01000001": fractions}), households, COEFFICIENTS
    ).collect()
    logit = (
        -2.62
        + 2.0344 * 0.1
        + 1.5819 * 0.2
        + 0.9842 * 0.3
        - 1.0402 * 2.0
        + 1.0317 * 0.08
        - 0.3542 * 0.25
    )
    assert result["ageuk_loneliness_logodds"].item() == pytest.approx(logit)
    assert result["ageuk_loneliness_prevalence_frac"].item() == pytest.approx(
        1 / (1 + math.exp(-logit))
    )
    validate(result, schemas.AgeUkModel, where="test")


def test_index_ranks_deciles_and_local_authority() -> None:
    codes = [f"E01{i:06d}" for i in range(1, 21)]
    proxy = pl.LazyFrame(
        {"lsoa_code": codes, "tombolo_social_isolation_proxy": [i / 10 for i in range(20)]}
    )
    ageuk = pl.LazyFrame(
        {
            "lsoa_code": codes,
            "mean_household_size": [2.0] * 20,
            "ageuk_loneliness_logodds": [-3.0] * 19 + [None],
            "ageuk_loneliness_prevalence_frac": [0.05] * 19 + [None],
        }
    )
    lookup = pl.LazyFrame(
        {
            "lsoa_code": codes,
            "lsoa_name": codes,
            "msoa_code": ["E02000001"] * 20,
            "msoa_name": ["M"] * 20,
            "lad_code": ["E08000001"] * 20,
            "lad_name": ["L"] * 20,
        }
    )
    index = validate(
        stages.social_isolation_index(proxy, ageuk, lookup).collect(),
        schemas.SocialIsolationIndex,
        where="test",
    )
    # Highest proxy (the last area) ranks 1; two areas per decile.
    assert index["tombolo_proxy_rank"].to_list() == list(range(20, 0, -1))
    assert index["tombolo_proxy_decile"].to_list() == [d for d in range(10, 0, -1) for _ in "ab"]
    # Ties share the best rank; the area without a value has no rank.
    assert index["ageuk_rank"].to_list() == [1] * 19 + [None]
    assert index["ageuk_decile"].to_list() == [1] * 19 + [None]
    assert set(index["lad_code"]) == {"E08000001"}


def test_index_fails_by_name_for_codes_missing_from_the_lookup() -> None:
    proxy = pl.LazyFrame({"lsoa_code": ["E01000001"], "tombolo_social_isolation_proxy": [1.0]})
    ageuk = pl.LazyFrame(
        {
            "lsoa_code": ["E01000001"],
            "mean_household_size": [2.0],
            "ageuk_loneliness_logodds": [-3.0],
            "ageuk_loneliness_prevalence_frac": [1 / (1 + math.exp(3.0))],
        }
    )
    lookup = pl.LazyFrame(
        {c: ["x"] for c in ("lsoa_name", "msoa_name", "lad_name")}
        | {"lsoa_code": ["E01099999"], "msoa_code": ["E02000001"], "lad_code": ["E08000001"]}
    )
    index = stages.social_isolation_index(proxy, ageuk, lookup).collect()
    with pytest.raises(ValidationFailedError, match=r"not in the LSOA 2021 lookup[\s\S]*E01000001"):
        validate(index, schemas.SocialIsolationIndex, where="test")


# --- schemas ----------------------------------------------------------------------------------


def good_components() -> pl.DataFrame:
    return components_frame({"E01000001": dict.fromkeys(stages.COMPONENT_NAMES, 0.25)}).collect()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (pl.lit(1.5).alias("fraction"), "less_than_or_equal_to(1)"),
        (pl.lit(2000, pl.Int64).alias("numerator"), "numerator is larger than denominator"),
        (pl.lit("E02000001").alias("lsoa_code"), "str_matches"),
        (pl.lit("TS999").alias("source_table"), "isin"),
    ],
)
def test_components_schema_rejects_bad_values(change: pl.Expr, message: str) -> None:
    bad = good_components().with_columns(change)
    with pytest.raises(ValidationFailedError, match=re.escape(message)):
        validate(bad, schemas.Components, where="test")


def test_components_schema_needs_every_component_for_every_lsoa() -> None:
    validate(good_components(), schemas.Components, where="test")
    missing = good_components().filter(pl.col("component") != "widowed")
    with pytest.raises(ValidationFailedError, match="missing from at least one Census table"):
        validate(missing, schemas.Components, where="test")


def ageuk_row(**changes: float) -> pl.DataFrame:
    row = {
        "lsoa_code": "E01000001",
        "health_poor_frac": 0.1,
        "health_fair_frac": 0.2,
        "health_good_frac": 0.3,
        "widowed_frac": 0.05,
        "age_75_79_frac": 0.2,
        "mean_household_size": 2.0,
        "ageuk_loneliness_logodds": -3.0,
        "ageuk_loneliness_prevalence_frac": 1 / (1 + math.exp(3.0)),
    }
    return pl.DataFrame([row | changes])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"mean_household_size": 9.0}, "less_than_or_equal_to(8.0)"),
        ({"mean_household_size": 0.5}, "greater_than_or_equal_to(1)"),
        ({"ageuk_loneliness_prevalence_frac": 0.5}, "not the logistic function"),
        ({"ageuk_loneliness_prevalence_frac": 1.2}, "less_than_or_equal_to(1)"),
        ({"widowed_frac": -0.1}, "greater_than_or_equal_to(0)"),
    ],
)
def test_ageuk_schema_rejects_bad_values(changes: dict[str, float], message: str) -> None:
    validate(ageuk_row(), schemas.AgeUkModel, where="test")
    with pytest.raises(ValidationFailedError, match=re.escape(message)):
        validate(ageuk_row(**changes), schemas.AgeUkModel, where="test")


# --- properties -------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(0, 500), min_size=5, max_size=5), min_size=1, max_size=8))
def test_health_fractions_are_shares(areas: list[list[int]]) -> None:
    rows = [
        (f"E01{i:06d}", category, n)
        for i, area in enumerate(areas, start=1)
        for category, n in zip(stages.HEALTH, area, strict=True)
    ]
    names = ["bad_or_very_bad_health", "fair_health", "good_health"]
    result = stages.table_components(counts(*rows), [spec(n) for n in names]).collect()
    known = result.filter(pl.col("fraction").is_not_null())
    assert (known["fraction"] >= 0).all()
    assert (known["fraction"] <= 1).all()
    assert result.filter(pl.col("fraction").is_null())["denominator"].to_list() == [0] * (
        result.height - known.height
    )
    share_sum = known.group_by("lsoa_code").agg(pl.col("fraction").sum())["fraction"]
    assert (share_sum <= 1 + 1e-12).all()


@settings(max_examples=40, deadline=None)
@given(
    st.floats(0, 0.5),
    st.floats(0, 0.5),
    st.floats(1, 8),
)
def test_more_poor_health_never_lowers_the_modelled_prevalence(
    poor: float, extra: float, size: float
) -> None:
    def prevalence(poor_share: float) -> float:
        fractions = {
            "bad_or_very_bad_health": poor_share,
            "fair_health": 0.1,
            "good_health": 0.3,
            "widowed": 0.05,
            "aged_75_79_of_65_plus": 0.2,
        }
        households = pl.LazyFrame({"lsoa_code": ["E01000001"], "mean_household_size": [size]})
        frame = stages.ageuk_loneliness_logodds(
            components_frame({"E01000001": fractions}), households, COEFFICIENTS
        ).collect()
        return float(frame["ageuk_loneliness_prevalence_frac"].item())

    low, high = prevalence(poor), prevalence(poor + extra)
    assert 0 < low <= high < 1


# --- configuration ----------------------------------------------------------------------------


def test_project_config_builds_the_pipeline(project_config: PipelineConfig) -> None:
    built = build(project_config.parameters)
    assert built.outputs == ["components", "index"]
    settings = pipeline.Parameters.load(project_config.parameters)
    assert settings.ageuk_coefficients.model_dump().keys() == COEFFICIENTS.keys()
    # The parameters model and the stage that applies the model name the same terms.
    assert set(pipeline.AgeUkCoefficients.model_fields) == set(stages.AGEUK_COEFFICIENTS)


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({}, r"ageuk_coefficients: required, but not set"),
        (
            {"ageuk_coefficients": {k: v for k, v in COEFFICIENTS.items() if k != "widowed"}},
            r"ageuk_coefficients\.widowed: required, but not set",
        ),
        (
            {"ageuk_coefficients": COEFFICIENTS | {"widdowed": 1.0}},
            r"unknown key 'ageuk_coefficients\.widdowed'",
        ),
        (
            {"ageuk_coefficients": COEFFICIENTS | {"constant": "-2.62"}},
            r"ageuk_coefficients\.constant: Input should be a valid number",
        ),
        (
            {"ageuk_coefficients": COEFFICIENTS, "local_authority": ["E08000009"]},
            r"unknown key 'local_authority' \(allowed: .*local_authorities",
        ),
        (
            {"ageuk_coefficients": COEFFICIENTS, "local_authorities": "E08000009"},
            r"local_authorities: Input should be a valid list",
        ),
        (
            {"ageuk_coefficients": COEFFICIENTS, "local_authorities": ["Trafford"]},
            r"local_authorities\.0: String should match pattern",
        ),
        (
            {"ageuk_coefficients": COEFFICIENTS, "eight_or_more_household_size": 7},
            r"eight_or_more_household_size: Input should be greater than or equal to 8",
        ),
        (
            {"ageuk_coefficients": COEFFICIENTS, "eight_or_more_household_size": "8"},
            r"eight_or_more_household_size: Input should be a valid number",
        ),
        (
            {"ageuk_coefficients": COEFFICIENTS, "category_aliases": {"health": {"a": "b"}}},
            r"unknown key 'category_aliases'",  # aliases live in [aliases.<input>] now
        ),
    ],
)
def test_bad_parameters_are_a_config_error_naming_the_key(
    parameters: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        build(parameters)


def test_whole_numbers_are_accepted_where_toml_gives_an_integer() -> None:
    settings = pipeline.Parameters.load(
        {"ageuk_coefficients": COEFFICIENTS | {"constant": -3}, "eight_or_more_household_size": 9}
    )
    assert settings.ageuk_coefficients.constant == -3.0
    assert settings.eight_or_more_household_size == 9.0


def test_study_area_keeps_chosen_authorities_and_unknown_codes() -> None:
    components = pl.concat(
        good_components().with_columns(pl.lit(code).alias("lsoa_code"))
        for code in ("E01000001", "E01000002", "E01000003")
    )
    lookup = pl.LazyFrame(
        {
            "lsoa_code": ["E01000001", "E01000002"],
            "lad_code": ["E08000001", "E08000002"],
        }
    )
    kept = stages.select_study_area(components.lazy(), lookup, ["E08000002"]).collect()
    # E01000003 is not in the lookup: kept so that the index schema reports it by name.
    assert kept["lsoa_code"].unique().sort().to_list() == ["E01000002", "E01000003"]
    everything = stages.select_study_area(components.lazy(), lookup).collect()
    assert everything.height == components.height
    nothing = stages.select_study_area(components.lazy(), lookup, ["E06000001"]).collect()
    with pytest.raises(ValidationFailedError, match="no LSOAs at all"):
        validate(nothing.filter(pl.col("lsoa_code") != "E01000003"), schemas.Components, where="x")


@pytest.mark.slow
def test_run_for_one_authority_ranks_within_it(workspace: Workspace) -> None:
    config = workspace.config_path
    config.write_text(
        config.read_text().replace("local_authorities = []", 'local_authorities = ["E06999001"]'),
        encoding="utf-8",
    )
    assert main(["--config", str(config), "run"]) == 0
    index = pl.read_csv(workspace.outputs / "index.csv")
    components = pl.read_csv(workspace.outputs / "components.csv")
    assert set(index["lad_code"]) == {"E06999001"}
    assert components["lsoa_code"].n_unique() == index.height > 0
    assert sorted(index["ageuk_rank"]) == list(range(1, index.height + 1))


def test_every_input_records_its_source(project_config: PipelineConfig) -> None:
    assert sorted(project_config.sources) == sorted(project_config.inputs)
    for name, source in project_config.sources.items():
        missing = {"publisher", "licence", "url", "release", "geography"} - set(source)
        assert not missing, f"[sources.{name}] lacks {sorted(missing)}"


# --- sample data and end to end ---------------------------------------------------------------


def test_sample_files_mirror_nomis_and_import_cleanly(tmp_path: Path) -> None:
    files = make_sample(25, seed=3)
    assert "Tenure of household: Owned" in files["census2021-ts054-lsoa"].columns  # a subtotal
    assert files["census2021-ts017-lsoa"].columns[3] == (
        "Household size: Total: All household spaces; measures: Value"
    )
    for name, (table, categories) in pipeline.CENSUS_INPUTS.items():
        stem = next(s for s in files if s.endswith(f"-{table.lower()}-lsoa"))
        path = tmp_path / f"{stem}.csv"
        files[stem].write_csv(path)
        tidy = tidy_census(read_census(path, categories=categories)).collect()
        validate(tidy, CensusCounts, where=name)  # categories add up to the published total
        assert tidy["area_code"].n_unique() == 25


def test_long_form_gives_the_same_components_as_nomis(tmp_path: Path) -> None:
    nomis = tmp_path / "nomis.csv"
    make_sample(10, seed=4)["census2021-ts037-lsoa"].write_csv(nomis)
    tidy = tidy_census(read_census(nomis, categories=stages.HEALTH)).collect()
    long = tmp_path / "long.csv"
    tidy.select(
        "area_code",
        "area_name",
        pl.lit("Lower-layer Super Output Area").alias("geography"),
        pl.lit("2021-03-21").alias("period"),
        pl.lit("Estimates that classify usual residents by their own health.").alias("indicator"),
        pl.col("category").alias("general_health"),
        pl.lit("Count").alias("measure"),
        pl.lit("Persons").alias("unit"),
        pl.col("count").cast(pl.String).alias("value"),
    ).write_csv(long)
    health = [c for c in stages.COMPONENTS if c.table == "health"]
    from_nomis = stages.table_components(tidy.lazy(), health).collect()
    from_long = stages.table_components(
        tidy_census(read_census(long, categories=stages.HEALTH)), health
    ).collect()
    assert from_long.sort("lsoa_code", "component").equals(
        from_nomis.sort("lsoa_code", "component")
    )


def test_renamed_category_fails_naming_file_and_label(workspace: Workspace) -> None:
    path = workspace.inputs["partnership"]
    path.write_text(path.read_text().replace(": Widowed;", ": Widow;"), encoding="utf-8")
    with pytest.raises(InputError, match=r"census2021-ts002-lsoa.csv[\s\S]*Widowed"):
        read_census(path, categories=stages.PARTNERSHIP)


@pytest.mark.slow
def test_sample_run_outputs_agree_with_each_other(workspace: Workspace) -> None:
    assert main(["--config", str(workspace.config_path), "run"]) == 0
    components = pl.read_csv(workspace.outputs / "components.csv")
    index = pl.read_csv(workspace.outputs / "index.csv")
    assert components["fraction"].is_between(0, 1).all()
    proxy = (
        components.filter(pl.col("component").is_in(list(stages.PROXY_COMPONENTS)))
        .group_by("lsoa_code")
        .agg(pl.col("fraction").sum().alias("expected"))
        .join(index, on="lsoa_code")
    )
    assert proxy.height == index.height == lookup_lsoas(workspace)
    # Outputs are written with 6 decimal places, so allow for rounding of seven numbers.
    assert (proxy["expected"] - proxy["tombolo_social_isolation_proxy"]).abs().le(1e-5).all()
    assert index["lad_code"].null_count() == 0


def lookup_lsoas(workspace: Workspace) -> int:
    return pl.read_csv(workspace.inputs["lookup"])["LSOA21CD"].n_unique()


def test_lsoa_from_another_vintage_fails_the_run_clearly(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    first = pl.read_csv(workspace.inputs["lookup"])["LSOA21CD"][0]
    for name, path in workspace.inputs.items():
        if name != "lookup":
            path.write_text(path.read_text().replace(first, "E01099999"), encoding="utf-8")
    assert main(["--config", str(workspace.config_path), "run"]) == 1
    err = capsys.readouterr().err
    assert "not in the LSOA 2021 lookup" in err
    assert "E01099999" in err
    assert not (workspace.outputs / "index.csv").exists()


def test_sample_area_codes_stay_valid_and_distinct_past_100000_areas() -> None:
    # Sample codes start at E01900001 (no real area); bigger samples wrap round to E01000000
    # instead of growing a tenth character, which the pipeline would rightly reject.
    areas = sample._areas(150_000)  # the code generator itself
    assert areas["lsoa_code"].str.contains(r"^E01\d{6}$").all()
    assert areas["msoa_code"].str.contains(r"^E02\d{6}$").all()
    assert areas["lsoa_code"].n_unique() == areas.height
    assert areas.group_by("msoa_code").agg(pl.col("lad_code").n_unique())["lad_code"].max() == 1
    assert areas["lsoa_code"][0] == "E01900001"


def test_config_category_aliases_map_a_renamed_label(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    path = workspace.inputs["health"]
    path.write_text(path.read_text().replace("Fair health", "Fair"), encoding="utf-8")
    error = run_error(workspace.config_path, capsys)
    assert "Unexpected: ['Fair']" in error
    assert "[aliases.<input>] categories" in error
    config = workspace.config_path
    text = config.read_text(encoding="utf-8").replace(
        "\n[rap]", '\n[aliases.health]\ncategories = { "Fair" = "Fair health" }\n\n[rap]'
    )
    config.write_text(text, encoding="utf-8")
    assert main(["--config", str(config), "run"]) == 0


def test_a_2011_census_table_is_named(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    path = workspace.inputs["health"]
    text = path.read_text(encoding="utf-8").replace("Total: All usual residents", "All categories")
    path.write_text(text, encoding="utf-8")
    assert "looks like a Census 2011 table" in run_error(workspace.config_path, capsys)


def test_nan_in_a_count_is_refused_with_its_line(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    path = workspace.inputs["health"]
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].rsplit(",", 1)[0] + ",NaN"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    error = run_error(workspace.config_path, capsys)
    assert re.search(r"line 3: column '.*' holds 'NaN'", error), error


def test_a_ragged_row_is_refused_with_its_line(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    path = workspace.inputs["age"]
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4].replace(",", ",1,0", 1)  # an unquoted "1,057"-like field
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    error = run_error(workspace.config_path, capsys)
    assert f"{path.name}, line 5:" in error
    assert "fields, but the header has" in error


def test_an_area_code_missing_from_the_lookup_names_the_census_file(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    path = workspace.inputs["tenure"]
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    code = lines[3].split(",")[2]
    path.write_text("".join([*lines[:3], lines[3].replace(code, "E01999999"), *lines[4:]]))
    error = run_error(workspace.config_path, capsys)
    assert path.name in error
    assert "E01999999" in error
    assert "not in the LSOA 2021 lookup" in error
    assert not list(workspace.outputs.glob("*.csv"))


def test_an_lsoa_listed_twice_in_the_lookup_is_refused(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    path = workspace.inputs["lookup"]
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join([*lines, lines[2]]), encoding="utf-8")
    code = lines[2].split(",")[0]
    error = run_error(workspace.config_path, capsys)
    assert path.name in error
    assert code in error
    assert not list(workspace.outputs.glob("*.csv"))
