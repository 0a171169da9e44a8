"""Unit, schema and property tests of the green space pipeline's stages.

The hand-worked examples show the two fixes to Tombolo's GreenSpaceIndex:
sites crossing an LSOA boundary are split between the LSOAs (not dropped),
and land covered by overlapping sites is counted once (so the index can
never exceed 1).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapkit.config import PipelineConfig
from rapkit.errors import ConfigError, InputError, ValidationFailedError
from rapkit.io import write_frames_atomically
from rapkit.validation import validate

from {{ cookiecutter.package }}.pipelines.green_space import (
    build,
    make_sample,
    sample,
    schemas,
    stages,
)

from ..conftest import Workspace, main, run_error

PARK = "Public Park Or Garden"
PLAY = "Play Space"
GOLF = "Golf Course"
BOWLS = "Bowling Green"


def pieces(*rows: tuple[str, str, str, str, float]) -> pl.LazyFrame:
    """Tidy pieces from ``(lsoa, piece_id, site_id, function, area_m2)`` tuples."""
    return pl.LazyFrame(
        [(lsoa, piece, site, function, None, area) for lsoa, piece, site, function, area in rows],
        schema={
            "lsoa_code": pl.String,
            "piece_id": pl.String,
            "site_id": pl.String,
            "site_function": pl.String,
            "site_name": pl.String,
            "piece_area_m2": pl.Float64,
        },
        orient="row",
    )


def boundaries(areas: dict[str, float]) -> pl.LazyFrame:
    """Tidy LSOA boundaries from ``{code: area_m2}``."""
    return pl.LazyFrame(
        {
            "lsoa_code": list(areas),
            "lsoa_name": [f"Area {code[-1]}" for code in areas],
            "lsoa_area_m2": list(areas.values()),
        }
    )


def access(*rows: tuple[str, str, int | None, float | None]) -> pl.LazyFrame:
    """Tidy ONS parks rows from ``(lsoa, lad, postcodes, distance_m)``; other measures fixed."""
    return pl.LazyFrame(
        [
            (
                lsoa,
                f"Name {lsoa}",
                "E02000001",
                lad,
                f"LAD {lad}",
                postcodes,
                distance,
                None if distance is None else 20_000.0,
                None if distance is None else 3.0,
                None if distance is None else 60_000.0,
                "blank" if distance is None else None,
            )
            for lsoa, lad, postcodes, distance in rows
        ],
        schema={
            "lsoa_code": pl.String,
            "lsoa_name": pl.String,
            "msoa_code": pl.String,
            "lad_code": pl.String,
            "lad_name": pl.String,
            "postcodes_in_bua": pl.Int64,
            "park_distance_m": pl.Float64,
            "nearest_park_area_m2": pl.Float64,
            "parks_within_1000m": pl.Float64,
            "parks_area_within_1000m_m2": pl.Float64,
            "access_flag": pl.String,
        },
        orient="row",
    )


A, B, C = "E01000001", "E01000002", "E01000003"
AREAS = {A: 10_000.0, B: 5_000.0, C: 8_000.0}

# LSOA A: park P1 (3,000 m2 of its own, plus 1,000 m2 shared with play space S1 inside it),
# golf course G1 (2,000 m2, not counted), and 1,500 m2 of park P2, which crosses into B.
# LSOA B: the other 2,500 m2 of P2, with a 500 m2 bowling green (not counted) inside it.
# LSOA C: no green space.
WORKED = pieces(
    (A, "a1", "P1", PARK, 3_000.0),
    (A, "a2", "P1", PARK, 1_000.0),
    (A, "a2", "S1", PLAY, 1_000.0),
    (A, "a3", "G1", GOLF, 2_000.0),
    (A, "a4", "P2", PARK, 1_500.0),
    (B, "b1", "P2", PARK, 2_000.0),
    (B, "b2", "P2", PARK, 500.0),
    (B, "b2", "W1", BOWLS, 500.0),
)


def study(*codes: str) -> pl.LazyFrame:
    """Return a study area holding only LSOA codes (all that measure_green_area uses)."""
    return pl.LazyFrame({"lsoa_code": list(codes)})


def green_area(frame: pl.LazyFrame = WORKED, *codes: str) -> pl.DataFrame:
    """Run measure_green_area on ``frame`` for the LSOAs ``codes`` (default A, B, C)."""
    result = stages.measure_green_area(
        frame, boundaries(AREAS), study(*(codes or (A, B, C)))
    ).collect()
    return validate(result, schemas.GreenArea, where="test").sort("lsoa_code")


def test_overlapping_sites_are_counted_once() -> None:
    row = green_area().row(0, named=True)
    # Counted land in A: P1 (3,000 + 1,000 shared with S1) + P2's part (1,500). Golf excluded.
    assert row["green_area_m2"] == 5_500.0
    # A plain sum (Tombolo) counts the shared 1,000 m2 twice.
    assert row["site_area_sum_m2"] == 6_500.0
    assert row["overlap_area_m2"] == 1_000.0
    assert row["green_sites"] == 3  # P1, S1, P2


def test_boundary_crossing_site_is_split_between_lsoas() -> None:
    result = green_area()
    by_code = dict(zip(result["lsoa_code"], result["green_area_m2"], strict=True))
    # P2 lies partly in A and partly in B: each LSOA counts its own part, neither drops it.
    assert by_code[B] == 2_500.0
    assert by_code[A] - 4_000.0 == 1_500.0
    assert result.filter(pl.col("lsoa_code") == B)["green_sites"].item() == 1


def test_land_counts_if_any_covering_site_is_counted() -> None:
    # The bowling green (not counted) lies inside P2 (counted): its land is park land, once.
    row = green_area().filter(pl.col("lsoa_code") == B).row(0, named=True)
    assert (row["green_area_m2"], row["site_area_sum_m2"], row["overlap_area_m2"]) == (
        2_500.0,
        2_500.0,
        0.0,
    )


def test_lsoa_without_green_space_is_a_measured_zero() -> None:
    row = green_area().filter(pl.col("lsoa_code") == C).row(0, named=True)
    assert row == {
        "lsoa_code": C,
        "green_area_m2": 0.0,
        "site_area_sum_m2": 0.0,
        "overlap_area_m2": 0.0,
        "green_sites": 0,
    }


def test_site_functions_parameter_changes_what_counts() -> None:
    result = stages.measure_green_area(
        WORKED, boundaries(AREAS), study(A), site_functions=[GOLF]
    ).collect()
    assert result["green_area_m2"].item() == 2_000.0


def test_index_never_exceeds_one_where_tombolo_would() -> None:
    # Three sites covering the same 900 m2 of a 1,000 m2 LSOA: a plain sum gives 2,700 m2,
    # an "index" of 2.7. Counted once, the index is 0.9.
    stacked = pieces(
        (A, "x", "P1", PARK, 900.0), (A, "x", "P2", PARK, 900.0), (A, "x", "S1", PLAY, 900.0)
    )
    areas = boundaries({A: 1_000.0})
    green = stages.measure_green_area(stacked, areas, study(A))
    assert green.collect()["site_area_sum_m2"].item() / 1_000.0 == pytest.approx(2.7)
    index = stages.build_index(study_area(A), green).collect()
    index = validate(index, schemas.GreenSpaceLsoa, where="test")
    assert index["green_space_frac"].item() == pytest.approx(0.9)


def study_area(*codes: str, area: float = 1_000.0, distance: float | None = 250.0) -> pl.LazyFrame:
    """Return a full study area for ``codes``, each with the same area and distance."""
    frame = access(*((code, "E08000001", 10, distance) for code in codes))
    return frame.with_columns(pl.lit(area).alias("lsoa_area_m2")).select(
        list(schemas.StudyArea.to_schema().columns)
    )


def test_pieces_from_another_vintage_fail_clearly() -> None:
    stray = pieces((A, "a1", "P1", PARK, 100.0), ("E01035999", "z", "P9", PARK, 50.0))
    with pytest.raises(
        InputError, match=r"1 LSOA code\(s\) in the green space pieces file.*E01035999"
    ):
        stages.measure_green_area(stray, boundaries(AREAS), study(A)).collect()


def test_build_index_flags_far_lsoas_and_keeps_missing_distance_null() -> None:
    near = study_area(A, area=AREAS[A], distance=299.0)
    far = study_area(B, area=AREAS[B], distance=301.0)
    unknown = study_area(C, area=AREAS[C], distance=None)
    areas = pl.concat([near, far, unknown])
    green = stages.measure_green_area(WORKED, boundaries(AREAS), study(A, B, C))
    index = validate(
        stages.build_index(areas, green, far_from_park_m=300).collect(),
        schemas.GreenSpaceLsoa,
        where="test",
    ).sort("lsoa_code")
    assert index["far_from_park"].to_list() == [False, True, None]
    assert index["access_flag"].to_list() == [None, None, "blank"]


def test_green_area_beyond_tolerance_fails_the_schema() -> None:
    # 1,100 m2 of green space in a 1,000 m2 LSOA: overlaps not marked, or areas in other units.
    over = pieces((A, "a1", "P1", PARK, 1_100.0))
    green = stages.measure_green_area(over, boundaries({A: 1_000.0}), study(A))
    index = stages.build_index(study_area(A), green).collect()
    assert index["green_space_frac"].item() == 1.0  # capped, but the schema still refuses it
    with pytest.raises(ValidationFailedError, match="green_area_within_lsoa"):
        validate(index, schemas.GreenSpaceLsoa, where="test")


def test_green_area_within_tolerance_is_capped_at_one() -> None:
    within = pieces((A, "a1", "P1", PARK, 1_000.5))
    green = stages.measure_green_area(within, boundaries({A: 1_000.0}), study(A))
    index = validate(
        stages.build_index(study_area(A), green).collect(), schemas.GreenSpaceLsoa, where="test"
    )
    assert index["green_space_frac"].item() == 1.0


def test_summarise_lads_hand_worked_example() -> None:
    lsoas = pl.LazyFrame(
        {
            "lad_code": ["E08000001"] * 3 + ["E08000002"],
            "lad_name": ["One"] * 3 + ["Two"],
            "green_area_m2": [1_000.0, 0.0, 500.0, 0.0],
            "lsoa_area_m2": [2_000.0, 3_000.0, 5_000.0, 1_000.0],
            "park_distance_m": [100.0, 400.0, None, None],
            "postcodes_in_bua": [10, 30, 0, 0],
            "far_from_park": [False, True, None, None],
        }
    )
    summary = validate(
        stages.summarise_lads(lsoas).collect(), schemas.GreenSpaceLad, where="test"
    ).sort("lad_code")
    one, two = summary.rows(named=True)
    # Area-weighted share: 1,500 / 10,000, not the mean of 0.5, 0 and 0.1.
    assert one["green_space_frac"] == pytest.approx(0.15)
    # Postcode-weighted distance: (100 x 10 + 400 x 30) / 40 = 325 m.
    assert one["park_distance_m"] == pytest.approx(325.0)
    assert (one["lsoas"], one["lsoas_without_access_data"], one["lsoas_far_from_park"]) == (3, 1, 1)
    assert one["far_from_park_frac"] == pytest.approx(0.5)
    # No LSOA with data: the distance and share are unknown, not zero.
    assert (two["park_distance_m"], two["far_from_park_frac"]) == (None, None)
    assert two["lsoas_without_access_data"] == 1


def test_select_study_area_filters_and_adds_area() -> None:
    rows = access(
        (A, "E08000001", 10, 200.0), (B, "E08000002", 10, 300.0), ("S01000001", "S12000001", 5, 1.0)
    )
    kept = stages.select_study_area(rows, boundaries(AREAS), lad_codes=["E08000001"]).collect()
    assert validate(kept, schemas.StudyArea, where="test")["lsoa_code"].to_list() == [A]
    assert kept["lsoa_area_m2"].item() == AREAS[A]
    everything = stages.select_study_area(rows, boundaries(AREAS)).collect()
    # No LAD codes: every LSOA in England and Wales; Scottish data zones are dropped.
    assert sorted(everything["lsoa_code"]) == [A, B]


def test_select_study_area_rejects_codes_of_another_vintage() -> None:
    rows = access((A, "E08000001", 10, 200.0), ("E01035001", "E08000001", 10, 250.0))
    with pytest.raises(InputError, match=r"not LSOA 2011 codes.*E01035001"):
        stages.select_study_area(rows, boundaries(AREAS), lad_codes=["E08000001"])


def test_select_study_area_rejects_all_suppressed_areas() -> None:
    rows = access((A, "E08000001", 0, None), (B, "E08000001", 0, None))
    with pytest.raises(InputError, match=r"all 2 row\(s\) have a missing or suppressed"):
        stages.select_study_area(rows, boundaries(AREAS), lad_codes=["E08000001"])


def test_select_study_area_rejects_unknown_lads() -> None:
    rows = access((A, "E08000001", 10, 200.0))
    with pytest.raises(InputError, match=r"No rows left .*E09000099.*E08000001"):
        stages.select_study_area(rows, boundaries(AREAS), lad_codes=["E09000099"])


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"lsoa_vintage": "2001"}, "lsoa_vintage: Value error, lsoa_vintage must be one of"),
        ({"lsoa_vintage": 2011}, "lsoa_vintage: Input should be a valid string"),
        ({"lad_codes": "E08000001"}, "lad_codes: Input should be a valid list"),
        (
            {"lad_code": ["E08000001"]},
            "unknown key 'lad_code' (allowed: far_from_park_m, lad_codes",
        ),
        ({"site_functions": ["Public Park"]}, "site_functions: Value error, site_functions must"),
        ({"site_functions": ["Public Park"]}, "unknown: ['Public Park']"),
        ({"site_functions": []}, "at least one"),
        ({"far_from_park_m": 0}, "far_from_park_m: Input should be greater than 0"),
        ({"far_from_park_m": True}, "far_from_park_m: Input should be a valid number"),
        ({"far_from_park_m": "300"}, "far_from_park_m: Input should be a valid number"),
    ],
)
def test_build_rejects_bad_parameters(parameters: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        build(parameters)


def test_pieces_schema_rejects_disagreeing_overlaps_unknown_functions_and_repeats() -> None:
    good = pieces((A, "a1", "P1", PARK, 100.0), (A, "a1", "S1", PLAY, 100.0)).collect()
    validate(good, schemas.GreenspacePieces, where="test")
    disagree = good.with_columns(pl.Series("piece_area_m2", [100.0, 90.0]))
    with pytest.raises(ValidationFailedError, match="overlapping_rows_agree_on_area"):
        validate(disagree, schemas.GreenspacePieces, where="test")
    unknown = good.with_columns(pl.lit("Beach").alias("site_function"))
    with pytest.raises(ValidationFailedError, match="column 'site_function' failed isin"):
        validate(unknown, schemas.GreenspacePieces, where="test")
    repeated = pl.concat([good, good[:1]])
    with pytest.raises(ValidationFailedError, match="multiple_fields_uniqueness"):
        validate(repeated, schemas.GreenspacePieces, where="test")


@pytest.mark.parametrize(
    ("column", "value", "check"),
    [
        ("lsoa_code", "E02000001", "str_matches"),
        ("lad_code", "E01000001", "str_matches"),
        ("park_distance_m", -1.0, "greater_than_or_equal_to(0)"),
    ],
)
def test_parks_schema_rejects_bad_values(column: str, value: object, check: str) -> None:
    good = access((A, "E08000001", 10, 200.0)).collect()
    validate(good, schemas.ParksAccess, where="test")
    bad = good.with_columns(pl.lit(value).cast(good.schema[column]).alias(column))
    with pytest.raises(ValidationFailedError, match=re.escape(f"column '{column}' failed {check}")):
        validate(bad, schemas.ParksAccess, where="test")


def test_parks_schema_rejects_unexplained_missing_value() -> None:
    unflagged = (
        access((A, "E08000001", 0, None))
        .collect()
        .with_columns(pl.lit(None, dtype=pl.String).alias("access_flag"))
    )
    with pytest.raises(ValidationFailedError, match="every_gap_is_flagged"):
        validate(unflagged, schemas.ParksAccess, where="test")


# A piece of land: which of four sites cover it (non-empty), its area, and the LSOA.
PIECE = st.tuples(
    st.sets(st.integers(0, 3), min_size=1, max_size=4),
    st.floats(1.0, 1_000.0, allow_nan=False),
    st.sampled_from([A, B]),
)
FUNCTIONS = (PARK, PLAY, GOLF, BOWLS)


@settings(max_examples=60, deadline=None)
@given(st.lists(PIECE, min_size=1, max_size=12))
def test_green_area_properties(land: list[tuple[set[int], float, str]]) -> None:
    rows = [
        (lsoa, f"p{number}", f"S{site}", FUNCTIONS[site], area)
        for number, (sites, area, lsoa) in enumerate(land)
        for site in sorted(sites)
    ]
    areas = {A: sum(a for _, a, code in land if code == A) + 1.0, B: 1.0}
    areas[B] += sum(a for _, a, code in land if code == B)
    green = stages.measure_green_area(pieces(*rows), boundaries(areas), study(A, B)).collect()
    green = validate(green, schemas.GreenArea, where="property")
    for code in (A, B):
        row = green.filter(pl.col("lsoa_code") == code).row(0, named=True)
        counted = [(s, a) for s, a, c in land if c == code and s & {0, 1}]  # park or play space
        assert row["green_area_m2"] == pytest.approx(sum(a for _, a in counted))
        repeats = sum(a * len(s & {0, 1}) for s, a in counted)
        assert row["site_area_sum_m2"] == pytest.approx(repeats)
        assert row["green_area_m2"] <= areas[code]
    areas_frame = pl.concat([study_area(code, area=areas[code]) for code in (A, B)])
    index = stages.build_index(areas_frame, green.lazy()).collect()
    index = validate(index, schemas.GreenSpaceLsoa, where="property")
    assert index["green_space_frac"].is_between(0.0, 1.0).all()


def test_sample_is_deterministic_and_scales() -> None:
    first, again, other = make_sample(40, 3), make_sample(40, 3), make_sample(40, 4)
    assert all(first[name].equals(again[name]) for name in first)
    assert not first["greenspace_pieces"].equals(other["greenspace_pieces"])
    assert first["lsoa_boundaries"].height == 40
    assert make_sample(400, 3)["lsoa_boundaries"].height == 400


def test_pipeline_runs_end_to_end_on_a_fresh_sample(workspace: Workspace) -> None:
    frames = make_sample(60, 11)
    folder = next(iter(workspace.inputs.values())).parent
    write_frames_atomically(frames, folder)
    assert main(["--config", str(workspace.config_path), "run"]) == 0
    lsoas = pl.read_csv(workspace.outputs / "green_space_lsoa.csv")
    assert lsoas.height == 60
    assert lsoas["green_space_frac"].is_between(0.0, 1.0).all()
    assert (lsoas["overlap_area_m2"] > 0).any()  # the sample has nested sites
    lads = pl.read_csv(workspace.outputs / "green_space_lad.csv")
    assert lads["lsoas"].sum() == 60


def test_published_sample_file_keeps_the_publishers_double_spaces(workspace: Workspace) -> None:
    header = Path(workspace.inputs["parks_access"]).read_text(encoding="utf-8").splitlines()[0]
    assert "Average number of  Parks or Public Gardens within 1,000 m radius" in header


def test_every_input_has_its_source_recorded(project_config: PipelineConfig) -> None:
    assert sorted(project_config.sources) == sorted(project_config.inputs)
    for name, source in project_config.sources.items():
        missing = {"publisher", "licence", "url", "release"} - set(source)
        assert not missing, f"[sources.{name}] lacks {sorted(missing)}"


def test_sample_area_codes_stay_valid_and_distinct_for_large_samples() -> None:
    # MSOA numbers must not collide across authorities past 1000 MSOAs per authority.
    lsoas = sample._lsoas(40_000, np.random.default_rng(1))
    assert lsoas["code"].str.contains(r"^[EW]01\d{6}$").all()
    assert lsoas["msoa"].str.contains(r"^[EW]02\d{6}$").all()
    assert lsoas["code"].n_unique() == lsoas.height
    assert lsoas.group_by("msoa").agg(pl.col("lad_code").n_unique())["lad_code"].max() == 1


def test_an_unknown_lsoa_in_the_pieces_names_the_file_and_line(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    path = workspace.inputs["greenspace_pieces"]
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    column = lines[0].rstrip("\n").split(",").index("LSOA11CD")
    fields = lines[3].rstrip("\n").split(",")
    fields[column] = "E01199999"
    path.write_text("".join([*lines[:3], ",".join(fields) + "\n", *lines[4:]]), encoding="utf-8")
    error = run_error(workspace.config_path, capsys)
    assert path.name in error
    assert re.search(r"line 4: .*E01199999", error), error
    assert "not in the boundaries file" in error
