"""Tests of the active travel pipeline: hand-worked components, the back-off route, schemas."""

from __future__ import annotations

import json
import logging
import re
from functools import partial
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapkit.config import PipelineConfig
from rapkit.errors import ConfigError, InputError, ValidationFailedError
from rapkit.validation import validate

from {{ cookiecutter.package }}.pipelines.active_travel import (
    build,
    make_sample,
    pipeline,
    schemas,
    stages,
)

from ..conftest import Workspace, keep_header_only, main, run_error

# Five LSOAs: A and B share MSOA M1; C is in M2; E in M4 (no count points); all in
# local authority L1 (E08000001). D is alone in L2 (E08000002), which has no count points.
AREAS = {
    "E01000001": ("E02000001", "E08000001"),  # A
    "E01000002": ("E02000001", "E08000001"),  # B
    "E01000003": ("E02000002", "E08000001"),  # C
    "E01000004": ("E02000003", "E08000002"),  # D
    "E01000005": ("E02000004", "E08000001"),  # E
}


def areas() -> pl.LazyFrame:
    return pl.LazyFrame(
        [
            (lsoa, f"LSOA {lsoa[-1]}", msoa, lad, f"LA {lad[-1]}")
            for lsoa, (msoa, lad) in AREAS.items()
        ],
        schema=["lsoa_code", "lsoa_name", "msoa_code", "lad_code", "lad_name"],
        orient="row",
    )


def traffic(*rows: tuple[int, int, int, int]) -> pl.LazyFrame:
    """Traffic rows from ``(count_point_id, year, pedal_cycles, cars_and_taxis)``."""
    return pl.LazyFrame(
        [(point, year, "Counted", cycles, cars) for point, year, cycles, cars in rows],
        schema={
            "count_point_id": pl.Int64,
            "year": pl.Int64,
            "estimation_method": pl.String,
            "pedal_cycles": pl.Int64,
            "cars_and_taxis": pl.Int64,
        },
        orient="row",
    )


def points(*rows: tuple[int, str]) -> pl.LazyFrame:
    return pl.LazyFrame(
        [(point, lsoa, *AREAS[lsoa]) for point, lsoa in rows],
        schema={
            "count_point_id": pl.Int64,
            "lsoa_code": pl.String,
            "msoa_code": pl.String,
            "lad_code": pl.String,
        },
        orient="row",
    )


# P1 in A (10 bicycles, 90 cars); P2 in C (30, 70); P3 in C but only counted in 2022.
TRAFFIC = traffic((1, 2023, 10, 90), (2, 2023, 30, 70), (3, 2022, 500, 0))
POINTS = points((1, "E01000001"), (2, "E01000003"), (3, "E01000003"))


def route(frame: pl.DataFrame) -> dict[str, tuple[str, Any]]:
    return {r["lsoa_code"]: (r["source_level"], r["fraction"]) for r in frame.to_dicts()}


def test_cycle_traffic_backs_off_lsoa_msoa_lad_none() -> None:
    result = stages.cycle_traffic(TRAFFIC, POINTS, areas(), year=2023).collect()
    validate(result, schemas.ActiveTravelComponent, where="test")
    assert route(result) == {
        "E01000001": ("lsoa", pytest.approx(10 / 100)),  # its own count point
        "E01000002": ("msoa", pytest.approx(10 / 100)),  # P1, in the same MSOA
        "E01000003": ("lsoa", pytest.approx(30 / 100)),  # P3 is 2022 only: not used
        "E01000004": ("none", None),  # no count point anywhere in its authority
        "E01000005": ("lad", pytest.approx(40 / 200)),  # P1 + P2 in the authority
    }
    row = result.filter(pl.col("lsoa_code") == "E01000005").row(0, named=True)
    assert (row["numerator"], row["denominator"]) == (40.0, 200.0)


def test_min_count_points_pushes_the_route_up() -> None:
    result = stages.cycle_traffic(TRAFFIC, POINTS, areas(), year=2023, min_count_points=2)
    levels = route(result.collect())
    assert levels["E01000001"] == ("lad", pytest.approx(0.2))
    assert levels["E01000003"] == ("lad", pytest.approx(0.2))


def test_route_ignores_levels_with_no_traffic_at_all() -> None:
    result = stages.cycle_traffic(
        traffic((1, 2023, 0, 0), (2, 2023, 30, 70)), POINTS, areas(), year=2023
    ).collect()
    assert route(result)["E01000001"] == ("lad", pytest.approx(0.3))


def test_route_is_logged_as_a_count_per_level(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        stages.cycle_traffic(TRAFFIC, POINTS, areas(), year=2023)
    assert (
        "cycle_traffic back-off route (LSOAs per source level): lsoa=2, msoa=1, lad=1, none=1"
        in caplog.text
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


def test_active_commute_hand_worked() -> None:
    # 10 on foot + 5 by bicycle out of 100 workers, of whom 50 work from home: 15 / 100.
    counts = census(
        ("E01000001", "On foot", 10),
        ("E01000001", "Bicycle", 5),
        ("E01000001", "Driving a car or van", 35),
        ("E01000001", "Work mainly at or from home", 50),
        ("E01000002", "On foot", 0),
        ("E01000002", "Train", 20),
        ("E01000003", "On foot", None),  # suppressed: no value rather than a wrong one
        ("E01000003", "Train", 20),
    )
    result = stages.active_commute(counts, areas()).collect()
    validate(result, schemas.ActiveTravelComponent, where="test")
    rows = {r["lsoa_code"]: r for r in result.to_dicts()}
    assert (rows["E01000001"]["numerator"], rows["E01000001"]["denominator"]) == (15.0, 100.0)
    assert rows["E01000001"]["fraction"] == pytest.approx(0.15)
    assert rows["E01000002"]["fraction"] == 0.0
    assert rows["E01000003"]["source_level"] == "none"
    assert rows["E01000004"]["source_level"] == "none"  # not in the Census file
    assert rows["E01000001"]["census_year"] == 2021
    assert rows["E01000001"]["source_table"].startswith("Census 2021 TS061")


def test_active_modes_parameter_changes_the_numerator() -> None:
    counts = census(("E01000001", "On foot", 10), ("E01000001", "Bicycle", 5))
    result = stages.active_commute(counts, areas(), active_modes=("Bicycle",)).collect()
    assert result.filter(pl.col("lsoa_code") == "E01000001")["fraction"].item() == pytest.approx(
        5 / 15
    )


def rates(*rows: tuple[str, int, float | None]) -> pl.LazyFrame:
    return pl.LazyFrame(
        [
            (
                code,
                "LA",
                "MD",
                "Walking or cycling",
                "Travel",
                "At least once per week",
                year,
                value,
                None,
            )
            for code, year, value in rows
        ],
        schema={
            "area_code": pl.String,
            "area_name": pl.String,
            "area_class": pl.String,
            "mode": pl.String,
            "purpose": pl.String,
            "frequency": pl.String,
            "year": pl.Int64,
            "value": pl.Float64,
            "value_flag": pl.String,
        },
        orient="row",
    )


ADULTS = partial(
    stages.adults_active_travel,
    year=2023,
    mode="Walking or cycling",
    purpose="Travel",
    frequency="At least once per week",
)


def test_adults_component_is_the_authority_percentage_as_a_fraction() -> None:
    data = rates(("E08000001", 2023, 48.0), ("E08000001", 2022, 10.0), ("E08000002", 2023, None))
    result = ADULTS(data, areas()).collect()
    validate(result, schemas.ActiveTravelComponent, where="test")
    assert route(result) == {
        "E01000001": ("lad", pytest.approx(0.48)),
        "E01000002": ("lad", pytest.approx(0.48)),
        "E01000003": ("lad", pytest.approx(0.48)),
        "E01000004": ("none", None),  # suppressed for its authority
        "E01000005": ("lad", pytest.approx(0.48)),
    }


def test_adults_selection_that_matches_nothing_lists_the_options() -> None:
    with pytest.raises(ConfigError, match=r"Years available: \[2023\]"):
        stages.adults_active_travel(
            rates(("E08000001", 2023, 48.0), ("E08000002", 2023, None)),
            areas(),
            year=2023,
            mode="Cycling",
            purpose="Travel",
            frequency="At least once per week",
        )


def test_authority_missing_from_the_table_fails_naming_it() -> None:
    with pytest.raises(InputError, match=r"no rows for local authority code\(s\) E08000002"):
        ADULTS(rates(("E08000001", 2023, 48.0)), areas())


WEIGHTS = {"active_commute": 2.0, "cycle_traffic": 1.0, "adults_active_travel": 0.5}


def index_with(cycle: pl.LazyFrame, *, no_data_value: float) -> dict[str, dict[str, Any]]:
    """The validated index, by LSOA, from ``cycle`` and fixed commute and adults components."""
    components = stages.combine_components(
        cycle,
        ADULTS(rates(("E08000001", 2023, 48.0), ("E08000002", 2023, None)), areas()),
        stages.active_commute(
            census(("E01000001", "On foot", 15), ("E01000001", "Train", 85)), areas()
        ),
    )
    index = stages.active_travel_index(
        components, areas(), weights=WEIGHTS, no_data_value=no_data_value
    )
    result = validate(index.collect(), schemas.ActiveTravelIndex, where="test")
    return {row["lsoa_code"]: row for row in result.iter_rows(named=True)}


def test_index_is_the_weighted_sum_with_no_data_value() -> None:
    index = index_with(stages.cycle_traffic(TRAFFIC, POINTS, areas(), year=2023), no_data_value=0)
    a = index["E01000001"]
    assert a["index_score"] == pytest.approx(2 * 0.15 + 0.1 + 0.5 * 0.48)
    assert a["components_with_data"] == 3
    d = index["E01000004"]
    assert (d["index_score"], d["components_with_data"], d["cycle_traffic_source_level"]) == (
        0.0,
        0,
        "none",
    )


def test_a_component_with_no_rows_is_left_out_of_the_index_not_filled() -> None:
    # No traffic counts (an optional input was empty): the cycle component has no rows.
    cycle = stages.cycle_traffic(traffic(), POINTS, areas(), year=2023)
    assert cycle.collect().height == 0
    index = index_with(cycle, no_data_value=0.25)
    assert all(row["cycle_traffic_frac"] is None for row in index.values())
    assert {row["cycle_traffic_source_level"] for row in index.values()} == {"none"}
    # no_data_value fills a gap of a component that is there (adults for D), never the
    # missing component itself: A's score has no 0.25 for cycle traffic.
    assert index["E01000001"]["index_score"] == pytest.approx(2 * 0.15 + 0.5 * 0.48)
    assert index["E01000001"]["components_with_data"] == 2
    assert index["E01000004"]["index_score"] == pytest.approx(2 * 0.25 + 0.5 * 0.25)


def test_a_traffic_year_not_in_the_counts_names_the_key_and_the_years() -> None:
    with pytest.raises(ConfigError, match=r"traffic_year = 2019 .*\[2022, 2023\]"):
        stages.cycle_traffic(TRAFFIC, POINTS, areas(), year=2019)


def component_row(**changes: object) -> pl.DataFrame:
    good = {
        "lsoa_code": "E01000001",
        "lad_code": "E08000001",
        "component": "cycle_traffic",
        "numerator": 10.0,
        "denominator": 100.0,
        "fraction": 0.1,
        "source_table": "t",
        "source_level": "msoa",
        "period": "2023",
        "census_year": None,
    }
    return pl.DataFrame([{**good, **changes}], schema_overrides={"census_year": pl.Int64})


def test_component_schema_accepts_a_good_row() -> None:
    validate(component_row(), schemas.ActiveTravelComponent, where="test")


@pytest.mark.parametrize(
    ("changes", "check"),
    [
        ({"numerator": 200.0, "fraction": 1.0}, "numerator larger than denominator"),
        ({"fraction": 0.5}, "fraction is not numerator / denominator"),
        ({"source_level": "none"}, "if and only if the fraction is missing"),
        ({"source_level": "ward"}, "isin"),
        ({"component": "cycle_lanes"}, "isin"),
        ({"lsoa_code": "E02000001"}, "str_matches"),
    ],
)
def test_component_schema_rejects_bad_rows(changes: dict[str, object], check: str) -> None:
    with pytest.raises(ValidationFailedError, match=re.escape(check)):
        validate(component_row(**changes), schemas.ActiveTravelComponent, where="test")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(sorted(AREAS)), st.integers(0, 500), st.integers(0, 5000)),
        min_size=1,  # no counts at all leaves the component out (tested above)
        max_size=12,
    ),
    st.integers(1, 3),
)
def test_route_properties(counted: list[tuple[str, int, int]], min_points: int) -> None:
    flows = traffic(*((i + 1, 2023, c, k) for i, (_, c, k) in enumerate(counted)))
    located = points(*((i + 1, lsoa) for i, (lsoa, _, _) in enumerate(counted)))
    result = stages.cycle_traffic(flows, located, areas(), year=2023, min_count_points=min_points)
    frame = validate(result.collect(), schemas.ActiveTravelComponent, where="property")
    assert frame.height == len(AREAS)
    has_lsoa_data = {
        lsoa
        for lsoa in AREAS
        if sum(1 for code, _, _ in counted if code == lsoa) >= min_points
        and sum(c + k for code, c, k in counted if code == lsoa) > 0
    }
    lsoa_level = set(frame.filter(pl.col("source_level") == "lsoa")["lsoa_code"])
    assert lsoa_level == has_lsoa_data


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"weights": {"active_commute": 1.0}}, r"weights\.cycle_traffic: required, but not set"),
        (
            {
                "weights": {
                    "active_commute": 1,
                    "cycle_traffic": 1,
                    "adults_active_travel": 1,
                    "walking": 1,
                }
            },
            r"unknown key 'weights\.walking' \(allowed: active_commute",
        ),
        ({"active_modes": ["Skateboard"]}, r"active_modes: .*unknown: \['Skateboard'\]"),
        ({"active_modes": "On foot"}, r"active_modes: Input should be a valid list"),
        ({"active_mode": ["On foot"]}, r"unknown key 'active_mode' \(allowed: active_lives"),
        ({"traffic_year": "2023"}, r"traffic_year: Input should be a valid integer"),
    ],
)
def test_build_rejects_bad_parameters(parameters: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build(parameters)


def test_whole_number_weights_are_accepted() -> None:
    weights = {"active_commute": 2, "cycle_traffic": 1, "adults_active_travel": 0.5}
    assert pipeline.Parameters.load({"weights": weights}).weights.model_dump() == {
        "active_commute": 2.0,
        "cycle_traffic": 1.0,
        "adults_active_travel": 0.5,
    }


def test_sample_is_deterministic_and_sized() -> None:
    first, second = make_sample(40, seed=3), make_sample(40, seed=3)
    assert first.keys() == second.keys()
    assert all(first[name].equals(second[name]) for name in first)
    assert first["lsoa_lookup"].height == 40
    assert first["travel_to_work"].height == 40


def test_run_records_the_route_in_outputs_and_log(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        assert main(["--config", str(workspace.config_path), "run"]) == 0
    components = pl.read_csv(workspace.outputs / "active_travel_components.csv")
    index = pl.read_csv(workspace.outputs / "active_travel_index.csv")
    cycle = components.filter(pl.col("component") == "cycle_traffic")
    logged = re.search(r"cycle_traffic back-off route .*: (.*)", caplog.text)
    assert logged is not None
    counts = dict(cycle.group_by("source_level").len().iter_rows())
    assert logged.group(1) == ", ".join(f"{lvl}={counts.get(lvl, 0)}" for lvl in schemas.LEVELS)
    assert set(counts) == {"lsoa", "msoa", "lad", "none"}  # the sample exercises every level
    assert index.height == cycle.height
    assert float(index["index_score"].max()) <= 3.0  # type: ignore[arg-type]


def test_run_fails_clearly_on_lsoa_2011_codes(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    path: Path = workspace.inputs["count_point_lsoa"]
    text = path.read_text(encoding="utf-8").splitlines()
    first_point = text[1].split(",")[0]
    text[1] = f"{first_point},E01999999"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    assert main(["--config", str(workspace.config_path), "run"]) == 1
    assert "not in the LSOA 2021 lookup" in capsys.readouterr().err


def test_every_input_records_its_source_and_licence(project_config: PipelineConfig) -> None:
    assert set(project_config.sources) == set(project_config.inputs)
    for source in project_config.sources.values():
        assert source["licence"] == "Open Government Licence v3.0"
        assert source["attribution"]


def test_older_traffic_layout_is_read_through_column_aliases(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    path = workspace.inputs["traffic_aadf"]
    header, rest = path.read_text(encoding="utf-8").split("\n", 1)
    path.write_text(header.replace("count_point_id", "CP") + "\n" + rest, encoding="utf-8")
    assert "count_point_id" in run_error(workspace.config_path, capsys)
    config = workspace.config_path
    text = config.read_text(encoding="utf-8").replace(
        "\n[rap]", '\n[aliases.traffic_aadf]\ncolumns = { CP = "count_point_id" }\n\n[rap]'
    )
    config.write_text(text, encoding="utf-8")
    assert main(["--config", str(config), "run"]) == 0


def test_only_the_cycle_traffic_inputs_are_optional(project_config: PipelineConfig) -> None:
    expect = build(project_config.parameters).expect
    optional = {name for name, declared in expect.items() if declared.optional}
    assert optional == {"traffic_aadf", "count_point_lsoa"}
    assert all(expect[name].missing == pipeline.WITHOUT_CYCLE_TRAFFIC for name in optional)


@pytest.mark.parametrize("streaming", [False, True], ids=["memory", "streaming"])
def test_empty_traffic_counts_publish_the_index_without_cycle_traffic_and_say_so(
    workspace: Workspace, capsys: pytest.CaptureFixture[str], streaming: bool
) -> None:
    if streaming:
        text = workspace.config_path.read_text(encoding="utf-8")
        workspace.config_path.write_text(
            text.replace("\nstreaming = false\n", "\nstreaming = true\n"), encoding="utf-8"
        )
    keep_header_only(workspace.inputs["traffic_aadf"])
    assert main(["--config", str(workspace.config_path), "run"]) == 0
    assert "Published WITHOUT input 'traffic_aadf'" in capsys.readouterr().err
    manifest = json.loads((workspace.outputs / "manifest.json").read_text(encoding="utf-8"))
    [missing] = manifest["missing_inputs"]
    assert (missing["name"], missing["missing"]) == ("traffic_aadf", pipeline.WITHOUT_CYCLE_TRAFFIC)
    assert missing["path"].endswith("/traffic_aadf.csv")
    # As docs/starters/active_travel.qmd says: the same columns as always, the cycle
    # traffic share empty for every area, and the index the sum of the other two shares.
    index = pl.read_csv(workspace.outputs / "active_travel_index.csv")
    assert index.columns == list(schemas.ActiveTravelIndex.to_schema().columns)
    assert index["cycle_traffic_frac"].null_count() == index.height > 0
    assert set(index["cycle_traffic_source_level"]) == {"none"}
    assert int(index["components_with_data"].max()) <= 2  # type: ignore[arg-type]
    expected = index["active_commute_frac"].fill_null(0.0) + index[
        "adults_active_travel_frac"
    ].fill_null(0.0)
    assert (index["index_score"] - expected).abs().max() < 1e-5  # type: ignore[operator]
    components = pl.read_csv(workspace.outputs / "active_travel_components.csv")
    assert set(components["component"]) == {"active_commute", "adults_active_travel"}


def test_a_label_not_in_the_walking_cycling_table_names_key_and_file(
    workspace: Workspace,
) -> None:
    path = workspace.inputs["walking_cycling"]
    with pytest.raises(ConfigError, match=r"active_lives_mode = 'Walking or cycing'") as caught:
        stages.read_walking_cycling(path, labels={"active_lives_mode": "Walking or cycing"})
    assert path.name in str(caught.value)
    assert "Walking or cycling" in str(caught.value), "the labels the table has are listed"
