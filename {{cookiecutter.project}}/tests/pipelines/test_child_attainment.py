"""Unit, schema and property tests of the child attainment pipeline's stages."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapkit.errors import ConfigError, InputError, ValidationFailedError
from rapkit.importers.iod import IodSummary, tidy_iod_summary
from rapkit.validation import validate

from {{ cookiecutter.package }}.pipelines.child_attainment import build, make_sample, schemas, stages

from ..conftest import Workspace, main, run_error

GROUPS = stages.DEFAULT_GROUPS
ATTAINMENT_SCHEMA = {
    "la_code": pl.String,
    "la_name": pl.String,
    "region_name": pl.String,
    "academic_year": pl.String,
    "pupil_group": pl.String,
    "pupils": pl.Int64,
    "attainment8_mean": pl.Float64,
    "grade5_eng_maths_pct": pl.Float64,
    "progress8_mean": pl.Float64,
}


def attainment(
    *rows: tuple[str, str, int | None, float | None, float | None, float | None],
) -> pl.LazyFrame:
    """Rows ``(la_code, group, pupils, attainment8, grade5 %, progress8)`` for 2023/24."""
    return pl.LazyFrame(
        [(code, f"LA {code[-3:]}", "North East", "2023/24", *rest) for code, *rest in rows],
        schema=ATTAINMENT_SCHEMA,
        orient="row",
    )


def deprivation(*codes: str) -> pl.LazyFrame:
    """Build a ranked deprivation frame: the first code is the most deprived."""
    count = len(codes)
    return pl.LazyFrame(
        {
            "area_code": list(codes),
            "area_name": list(codes),
            "iod_year": [2025] * count,
            "index_domain": ["imd"] * count,
            "deprivation_score": [40.0 - i for i in range(count)],
            "deprivation_rank": list(range(1, count + 1)),
            "areas_ranked": pl.Series([count] * count, dtype=pl.UInt32),
            "deprivation_decile": [math.ceil(10 * (i + 1) / count) for i in range(count)],
            "deprivation_quintile": [math.ceil(5 * (i + 1) / count) for i in range(count)],
        }
    )


def sample_frames(folder: Path, rows: int = 300, seed: int = 7) -> dict[str, pl.DataFrame]:
    """Run every stage on a synthetic sample written to text, validating each result."""
    return run_stages(make_sample(rows, seed), folder)


def run_stages(
    files: dict[str, pl.DataFrame], folder: Path, parameters: dict[str, object] | None = None
) -> dict[str, pl.DataFrame]:
    """Write the files to ``folder``, then read, run and validate every stage like the runner."""
    pipeline = build(parameters or {})
    frames: dict[str, pl.LazyFrame] = {}
    for name, stem in (("ks4", "ks4_la_characteristics"), ("deprivation", "iod2025_lad_summary")):
        path = folder / f"{stem}.csv"
        files[stem].write_csv(path)
        frames[name] = pipeline.readers[name](path)
    out = {}
    for stage in pipeline.stages:
        result = stage.call(frames).collect()
        out[stage.output] = validate(result, stage.schema, where=stage.name)
        frames[stage.output] = out[stage.output].lazy()
    return out


def test_gap_hand_worked_example() -> None:
    data = attainment(
        ("E06000101", "disadvantaged", 300, 35.0, 25.0, -0.50),
        ("E06000101", "other", 700, 50.0, 55.5, 0.10),
        ("E06000102", "disadvantaged", 200, 40.0, 30.0, -0.20),
        ("E06000102", "other", 800, 48.5, 50.0, 0.05),
    )
    gaps = stages.attainment_gaps(data, deprivation("E06000102", "E06000101")).collect()
    att8 = gaps.filter(pl.col("measure") == "attainment8_mean").sort("la_code")
    assert att8["gap"].to_list() == [15.0, 8.5]
    assert att8["gap_rank"].to_list() == [1, 2]
    assert att8["las_ranked"].to_list() == [2, 2]
    assert att8["deprivation_rank"].to_list() == [2, 1]
    grade5 = gaps.filter(pl.col("measure") == "grade5_eng_maths_pct").sort("la_code")
    assert grade5["gap"].to_list() == [30.5, 20.0]
    p8 = gaps.filter(pl.col("measure") == "progress8_mean").sort("la_code")
    assert p8["gap"].to_list() == pytest.approx([0.6, 0.25])
    assert set(gaps["gap_status"]) == {"computed"}
    assert set(gaps["unit"]) == set(stages.GAP_UNITS.values())


def test_suppressed_or_small_groups_get_no_gap_and_no_rank() -> None:
    data = attainment(
        ("E06000101", "disadvantaged", None, None, None, None),  # suppressed at source
        ("E06000101", "other", 700, 50.0, 55.0, 0.1),
        ("E06000102", "disadvantaged", 9, 30.0, 20.0, -0.9),  # below min_pupils
        ("E06000102", "other", 800, 50.0, 50.0, 0.0),
        ("E06000103", "disadvantaged", 100, 40.0, 30.0, -0.3),
        ("E06000103", "other", 900, 49.0, 52.0, 0.1),
    )
    deprived = deprivation("E06000101", "E06000102", "E06000103")
    gaps = stages.attainment_gaps(data, deprived, min_pupils=10).collect()
    att8 = gaps.filter(pl.col("measure") == "attainment8_mean").sort("la_code")
    assert att8["gap_status"].to_list() == ["not published", "small cohort", "computed"]
    assert att8["gap"].to_list() == [None, None, 9.0]
    assert att8["gap_rank"].to_list() == [None, None, 1]
    assert att8["las_ranked"].to_list() == [1, 1, 1]
    lower = stages.attainment_gaps(data, deprived, min_pupils=5).collect()
    assert lower.filter(pl.col("la_code") == "E06000102")["gap_status"].unique().to_list() == [
        "computed"
    ]


def test_equal_gaps_share_the_widest_rank() -> None:
    data = attainment(
        ("E06000101", "disadvantaged", 100, 40.0, 30.0, 0.0),
        ("E06000101", "other", 100, 50.0, 40.0, 0.0),
        ("E06000102", "disadvantaged", 100, 30.0, 30.0, 0.0),
        ("E06000102", "other", 100, 40.0, 40.0, 0.0),
        ("E06000103", "disadvantaged", 100, 45.0, 30.0, 0.0),
        ("E06000103", "other", 100, 50.0, 40.0, 0.0),
    )
    gaps = stages.attainment_gaps(
        data, deprivation("E06000101", "E06000102", "E06000103")
    ).collect()
    att8 = gaps.filter(pl.col("measure") == "attainment8_mean").sort("la_code")
    assert att8["gap_rank"].to_list() == [1, 1, 3]


def test_rank_deprivation_deciles_and_quintiles() -> None:
    codes = [f"E06000{100 + i}" for i in range(20)]
    iod = pl.LazyFrame(
        {
            "area_code": codes,
            "area_name": codes,
            "iod_year": [2025] * 20,
            "index_domain": ["imd"] * 20,
            "average_score": [50.0 - i for i in range(20)],
            "rank_average_score": list(range(1, 21)),
        }
    )
    ranked = validate(stages.rank_deprivation(iod).collect(), schemas.LaDeprivation, where="t")
    # 20 authorities: ranks 1-2 are decile 1, 19-20 decile 10; quintile = ceil(decile / 2).
    assert ranked["deprivation_decile"].to_list() == [d for d in range(1, 11) for _ in range(2)]
    assert ranked["deprivation_quintile"].to_list() == [q for q in range(1, 6) for _ in range(4)]
    assert ranked["areas_ranked"].unique().to_list() == [20]


def test_gaps_by_deprivation_hand_worked() -> None:
    gaps = pl.LazyFrame(
        {
            "academic_year": ["2023/24"] * 3,
            "measure": ["attainment8_mean"] * 3,
            "unit": ["Attainment 8 points"] * 3,
            "deprivation_quintile": [1, 1, 5],
            "gap": [10.0, 14.0, None],
        }
    )
    summary = validate(
        stages.gaps_by_deprivation(gaps).collect(), schemas.GapsByDeprivation, where="t"
    )
    assert summary.select(
        "deprivation_quintile", "las", "las_with_gap", "gap_mean", "gap_min", "gap_max"
    ).rows() == [(1, 2, 2, 12.0, 10.0, 14.0), (5, 1, 0, None, None, None)]


def test_la_attainment_names_groups_from_config_labels(tmp_path: Path) -> None:
    frames = sample_frames(tmp_path)
    la = frames["la_attainment"]
    assert set(la["pupil_group"]) == {"all", "disadvantaged", "other"}
    assert la.filter(pl.col("pupil_group") == "other")["breakdown"].unique().to_list() == [
        GROUPS["other"]
    ]


def test_sample_runs_through_every_stage_with_markers_handled(tmp_path: Path) -> None:
    frames = sample_frames(tmp_path)
    la = frames["la_attainment"]
    assert {"c", "x"} <= set(la["attainment8_mean_flag"].drop_nulls()) | set(
        la["progress8_mean_flag"].drop_nulls()
    )
    gaps = frames["attainment_gaps"]
    assert {"computed", "not published", "small cohort"} == set(gaps["gap_status"])
    assert gaps["deprivation_decile"].null_count() == 0
    assert frames["gaps_by_deprivation"]["las"].sum() == gaps.height


def test_sample_is_deterministic_and_scales() -> None:
    first, again = make_sample(300, 3), make_sample(300, 3)
    for name, frame in first.items():
        assert frame.equals(again[name]), name
    small = make_sample(300, 3)["ks4_la_characteristics"]
    large = make_sample(3000, 3)["ks4_la_characteristics"]
    assert large.height > 5 * small.height
    assert set(small.columns) == set(large.columns)


def test_sample_files_mirror_the_published_columns() -> None:
    files = make_sample(300, 1)
    ks4 = files["ks4_la_characteristics"]
    assert ks4.columns[:13] == [
        "time_period", "time_identifier", "geographic_level", "country_code", "country_name",
        "region_code", "region_name", "old_la_code", "new_la_code", "la_name", "version",
        "breakdown_topic", "breakdown",
    ]  # fmt: skip
    assert all(dtype == pl.String for dtype in ks4.dtypes), "published files are text"
    assert set(ks4["geographic_level"]) == {"National", "Regional", "Local authority"}
    assert files["iod2025_lad_summary"].columns[:5] == [
        "area_code", "area_name", "area_type", "deprivation_data_year", "index_domain",
    ]  # fmt: skip


def test_group_labels_come_from_the_config(tmp_path: Path) -> None:
    files = make_sample(300, 2)
    files["ks4_la_characteristics"] = files["ks4_la_characteristics"].with_columns(
        pl.col("breakdown").replace({"Disadvantaged": "FSM", "Disadvantaged all other": "Not FSM"})
    )
    frames = run_stages(
        files, tmp_path, {"disadvantaged_breakdown": "FSM", "other_breakdown": "Not FSM"}
    )
    la = frames["la_attainment"]
    assert la.filter(pl.col("pupil_group") == "disadvantaged")["breakdown"].unique().to_list() == [
        "FSM"
    ]
    with pytest.raises(ValidationFailedError, match="needs all three pupil groups"):
        run_stages(files, tmp_path)  # default labels: only the Total rows are found


def test_total_repeated_under_another_topic_is_not_read_twice(tmp_path: Path) -> None:
    files = make_sample(300, 2)
    ks4 = files["ks4_la_characteristics"]
    repeated = ks4.filter(pl.col("breakdown") == "Total").with_columns(
        pl.lit("Sex").alias("breakdown_topic")
    )
    files["ks4_la_characteristics"] = pl.concat([ks4, repeated])
    frames = run_stages(files, tmp_path)
    assert set(frames["ks4_rows"]["breakdown_topic"]) == {"Total", "Disadvantage"}


def test_missing_breakdown_labels_fail_clearly(tmp_path: Path) -> None:
    files = make_sample(300, 2)
    path = tmp_path / "ks4.csv"
    files["ks4_la_characteristics"].with_columns(pl.lit("Boys").alias("breakdown")).write_csv(path)
    with pytest.raises(InputError, match="no Local authority rows left after filtering"):
        build({}).readers["ks4"](path)


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"min_pupil": 10}, r"unknown key 'min_pupil' \(allowed: .*min_pupils"),
        ({"min_pupils": "10"}, r"min_pupils: Input should be a valid integer"),
        ({"breakdown_topics": "Total"}, r"breakdown_topics: Input should be a valid list"),
        ({"all_pupils_breakdown": ["Total"]}, r"all_pupils_breakdown: Input should be a valid str"),
        ({"column_aliases": {"avg_att8": "x"}}, r"unknown key 'column_aliases'"),
    ],
)
def test_bad_parameters_are_a_config_error_naming_the_key(
    parameters: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        build(parameters)


def test_la_attainment_schema_catches_groups_that_do_not_add_up(tmp_path: Path) -> None:
    la = sample_frames(tmp_path)["la_attainment"]
    row = (pl.col("pupil_group") == "all") & pl.col("pupils").is_not_null()
    bad = la.with_columns(pl.when(row).then(pl.col("pupils") + 1).otherwise(pl.col("pupils")))
    with pytest.raises(ValidationFailedError, match="do not add up to all pupils"):
        validate(bad, schemas.LaAttainment, where="test")


def test_la_attainment_schema_catches_an_average_not_matching_its_total(tmp_path: Path) -> None:
    la = sample_frames(tmp_path)["la_attainment"]
    bad = la.with_columns(pl.col("attainment8_mean") + 0.3)
    with pytest.raises(ValidationFailedError, match="average Attainment 8 is not total / pupils"):
        validate(bad, schemas.LaAttainment, where="test")


def test_la_attainment_schema_catches_a_missing_group(tmp_path: Path) -> None:
    la = sample_frames(tmp_path)["la_attainment"]
    bad = la.filter(~((pl.col("pupil_group") == "other") & (pl.col("la_code") == la["la_code"][0])))
    with pytest.raises(ValidationFailedError, match="needs all three pupil groups"):
        validate(bad, schemas.LaAttainment, where="test")


def test_gap_schema_catches_inconsistent_gap_and_status(tmp_path: Path) -> None:
    gaps = sample_frames(tmp_path)["attainment_gaps"]
    wrong_gap = gaps.with_columns(pl.col("gap") + 1)
    with pytest.raises(ValidationFailedError, match="gap is not other_value - disadvantaged_value"):
        validate(wrong_gap, schemas.AttainmentGaps, where="test")
    wrong_status = gaps.with_columns(pl.lit("computed").alias("gap_status"))
    with pytest.raises(ValidationFailedError, match="gap present without status"):
        validate(wrong_status, schemas.AttainmentGaps, where="test")


def test_authority_on_an_old_code_fails_the_deprivation_join_by_name(tmp_path: Path) -> None:
    files = make_sample(300, 4)
    ks4 = files["ks4_la_characteristics"]
    recoded = ks4["new_la_code"].drop_nulls()[0]
    # As if the KS4 file still used Northamptonshire's pre-2021 code for one authority.
    files["ks4_la_characteristics"] = ks4.with_columns(
        pl.col("new_la_code").replace({recoded: "E10000021"})
    )
    with pytest.raises(ValidationFailedError, match="another geography vintage") as err:
        run_stages(files, tmp_path)
    assert "E10000021" in str(err.value)


def test_partial_deprivation_file_fails_rather_than_giving_wrong_deciles(tmp_path: Path) -> None:
    files = make_sample(300, 4)
    iod = files["iod2025_lad_summary"]
    files["iod2025_lad_summary"] = iod.filter(pl.col("area_code") != iod["area_code"][0])
    with pytest.raises(ValidationFailedError, match="rank exceeds the number of authorities"):
        run_stages(files, tmp_path)


def test_deprivation_tidy_stage_matches_shared_schema() -> None:
    iod = make_sample(300, 5)["iod2025_lad_summary"]
    raw = iod.filter(pl.col("index_domain") == "Index of Multiple Deprivation").select(
        "area_code",
        "area_name",
        pl.col("deprivation_data_year").alias("iod_year"),
        pl.lit("imd").alias("index_domain"),
        "average_rank",
        "rank_average_rank",
        "average_score",
        "rank_average_score",
        "proportion_bottom_decile",
        "rank_proportion_bottom_decile",
    )
    tidy = validate(tidy_iod_summary(raw.lazy()).collect(), IodSummary, where="t")
    assert tidy["rank_average_score"].sort().to_list() == list(range(1, tidy.height + 1))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 500),
            st.integers(1, 500),
            st.floats(0, 90, allow_nan=False).map(lambda x: round(x, 1)),
            st.floats(0, 90, allow_nan=False).map(lambda x: round(x, 1)),
        ),
        min_size=1,
        max_size=25,
    )
)
def test_gap_properties(authorities: list[tuple[int, int, float, float]]) -> None:
    rows = []
    codes = [f"E06000{100 + i}" for i in range(len(authorities))]
    for code, (n_dis, n_other, dis, other) in zip(codes, authorities, strict=True):
        rows += [
            (code, "disadvantaged", n_dis, dis, 50.0, 0.0),
            (code, "other", n_other, other, 50.0, 0.0),
        ]
    gaps = stages.attainment_gaps(attainment(*rows), deprivation(*codes), min_pupils=10).collect()
    validate(gaps, schemas.AttainmentGaps, where="property")
    att8 = gaps.filter(pl.col("measure") == "attainment8_mean")
    computed = att8.filter(pl.col("gap_status") == "computed")
    expected = sum(min(n_dis, n_other) >= 10 for n_dis, n_other, _, _ in authorities)
    assert computed.height == expected
    if expected:
        widest = computed.sort("gap", descending=True).row(0, named=True)
        assert widest["gap_rank"] == 1
        assert int(computed["gap_rank"].max()) <= expected  # type: ignore[arg-type]
        for row in computed.iter_rows(named=True):
            assert row["gap"] == pytest.approx(row["other_value"] - row["disadvantaged_value"])


def test_config_column_aliases_map_a_renamed_column(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    path = workspace.inputs["ks4"]
    path.write_text(path.read_text(encoding="utf-8").replace("avg_att8", "attainment8_average"))
    error = run_error(workspace.config_path, capsys)
    assert "'avg_att8' (did you mean" in error or "'avg_att8'" in error
    config = workspace.config_path
    text = config.read_text(encoding="utf-8").replace(
        "\n[rap]", '\n[aliases.ks4]\ncolumns = { attainment8_average = "avg_att8" }\n\n[rap]'
    )
    config.write_text(text, encoding="utf-8")
    assert main(["--config", str(config), "run"]) == 0


def test_an_unknown_deprivation_domain_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"deprivation_domain[\s\S]*'imdd'"):
        build({"deprivation_domain": "imdd"})
