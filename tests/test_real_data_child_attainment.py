"""The child_attainment starter's importers on real published extracts (DfE KS4, MHCLG IoD; OGL v3).

The extracts in ``tests/real_data/`` are verbatim rows of a real EES key stage 4 local
authority file (children in need, 2023/24, with its own filter column and ``c`` markers)
and of the IoD2025 and IoD2019 local authority district summaries. A generated project's
own importers run on them in the project's own environment; the results are checked here
against values read straight from the raw files with the standard library, so the check
shares no code with what it checks.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import generate, read_rows, run_project_script

REAL = Path(__file__).parent / "real_data"
FILES = {
    "ks4": REAL / "ks4_la_cino_202324_excerpt.csv",
    "iod2025": REAL / "iod2025_lad_excerpt.csv",
    "iod2019": REAL / "iod2019_lad_excerpt.csv",
}
MEASURES = ("t_pupils", "t_att8", "avg_att8", "t_l2basics_94", "pt_l2basics_94", "avg_p8score")
MARKERS = {"c", "x", "z", ":", "low", "k", "u"}

# Runs inside the generated project, with its own interpreter and dependencies.
SCRIPT = """
import json
import sys
from pathlib import Path

import pandera.polars as pa
import polars as pl

from rapkit.errors import ValidationFailedError
from rapkit.importers.ees import EesLocalAuthority, read_ees, tidy_ees
from rapkit.importers.iod import InDeprivation, IodSummary, read_iod_summary, tidy_iod_summary
from rapkit.importers.iod import with_deprivation
from rapkit.validation import validate

files, out = json.loads(sys.argv[1]), Path(sys.argv[2])
measures = {{
    "t_pupils": pl.Int64(), "t_att8": pl.Float64(), "avg_att8": pl.Float64(),
    "t_l2basics_94": pl.Int64(), "pt_l2basics_94": pl.Float64(), "avg_p8score": pl.Float64(),
}}
group = {{"social_care_group": ["CINO at 31 March"]}}
for level in ("National", "Regional", "Local authority"):
    raw = read_ees(
        Path(files["ks4"]), geographic_level=level, measures=list(measures), filters=group
    )
    tidy = tidy_ees(raw, geographic_level=level, measures=measures).collect()
    tidy.write_csv(out / f"ks4_{{level.replace(' ', '_')}}.csv")
la = tidy
standard = list(EesLocalAuthority.to_schema().columns)
validate(la.select(standard), EesLocalAuthority, where="KS4 LA rows")


class Joined(InDeprivation):
    area_code: pl.String
    iod_year: pl.Int64 = pa.Field(nullable=True)


results = {{}}
for name in ("iod2025", "iod2019"):
    iod = validate(
        tidy_iod_summary(read_iod_summary(Path(files[name]))).collect(), IodSummary, where=name
    )
    iod.write_csv(out / f"{{name}}.csv")
    for subset, frame in (("all", la), ("unitary", la.filter(pl.col("area_code").str.starts_with("E06")))):
        joined = with_deprivation(frame.lazy().select("area_code"), iod.lazy().select("area_code", "iod_year"))
        collected = joined.collect()
        try:
            validate(collected, Joined, where=f"{{name}} join")
            results[f"{{name}}_{{subset}}"] = {{"rows": collected.height, "error": None}}
        except ValidationFailedError as exc:
            results[f"{{name}}_{{subset}}"] = {{"rows": collected.height, "error": str(exc)}}
(out / "joins.json").write_text(json.dumps(results), encoding="utf-8")
"""


def raw_level(level: str) -> list[dict[str, str]]:
    return [row for row in read_rows(FILES["ks4"]) if row["geographic_level"] == level]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run the generated project's importers on the real files; return the output folder."""
    project = generate(tmp_path_factory.mktemp("real"), starter="child_attainment")
    out = tmp_path_factory.mktemp("out")
    files = {name: str(path) for name, path in FILES.items()}
    run_project_script(project, SCRIPT.format(package="my_rap_project"), json.dumps(files), str(out))
    return out


def test_every_level_is_read_with_the_academic_year(results: Path) -> None:
    for level, raw in (("National", 1), ("Regional", 4), ("Local_authority", 13)):
        rows = read_rows(results / f"ks4_{level}.csv")
        assert len(rows) == raw
        assert {row["academic_year"] for row in rows} == {"2023/24"}
    regional = {row["area_code"] for row in read_rows(results / "ks4_Regional.csv")}
    assert regional == {"E12000001", "E12000007", "E13000001", "E13000002"}


def test_values_match_the_file_and_markers_become_flags(results: Path) -> None:
    tidy = {row["area_code"]: row for row in read_rows(results / "ks4_Local_authority.csv")}
    raw = {row["new_la_code"]: row for row in raw_level("Local authority")}
    assert tidy.keys() == raw.keys()
    for code, row in raw.items():
        assert tidy[code]["area_name"] == row["la_name"]
        assert tidy[code]["old_la_code"] == row["old_la_code"]
        for measure in MEASURES:
            published, value, flag = row[measure], tidy[code][measure], tidy[code][f"{measure}_flag"]
            if published in MARKERS:
                assert (value, flag) == ("", published), (code, measure)
            else:
                assert float(value) == pytest.approx(float(published)), (code, measure)
                assert flag == ""


def test_fully_suppressed_authority_keeps_its_row(results: Path) -> None:
    rutland = next(
        row for row in read_rows(results / "ks4_Local_authority.csv") if row["area_code"] == "E06000017"
    )
    assert all(rutland[m] == "" and rutland[f"{m}_flag"] == "c" for m in MEASURES)


def test_published_la_averages_are_totals_over_pupils(results: Path) -> None:
    # The pipeline's LaAttainment schema relies on this at local authority level; check it
    # holds on real DfE data. (This file rounds national and regional pupil counts to the
    # nearest 10, e.g. North East 740 pupils, so the identity holds only for LA rows.)
    checked = 0
    for row in read_rows(results / "ks4_Local_authority.csv"):
        if row["t_att8"] and row["t_pupils"] and row["avg_att8"]:
            mean = float(row["t_att8"]) / int(row["t_pupils"])
            assert abs(mean - float(row["avg_att8"])) <= 0.051, row["area_code"]
            checked += 1
    assert checked == 11  # 13 authorities, less Nottingham and Rutland (suppressed)
    regional = {r["area_code"]: r for r in read_rows(results / "ks4_Regional.csv")}
    north_east = regional["E12000001"]
    assert int(north_east["t_pupils"]) % 10 == 0


def test_iod_summaries_of_both_releases_are_read(results: Path) -> None:
    iod2025 = {row["area_code"]: row for row in read_rows(results / "iod2025.csv")}
    raw = [r for r in read_rows(FILES["iod2025"]) if r["index_domain"] == "Index of Multiple Deprivation"]
    assert iod2025.keys() == {r["area_code"] for r in raw}
    for row in raw:
        assert float(iod2025[row["area_code"]]["average_score"]) == float(row["average_score"])
        assert int(iod2025[row["area_code"]]["rank_average_score"]) == int(row["rank_average_score"])
    iod2019 = read_rows(results / "iod2019.csv")
    assert {row["iod_year"] for row in iod2019} == {"2019"}
    warrington = next(row for row in iod2019 if row["area_code"] == "E06000007")
    assert float(warrington["bottom_decile_frac"]) == pytest.approx(0.0787)


def test_join_names_the_county_missing_from_district_summaries(results: Path) -> None:
    joins = json.loads((results / "joins.json").read_text(encoding="utf-8"))
    everything = joins["iod2025_all"]
    assert everything["rows"] == 13, "no authority may drop out of the join"
    assert "E10000017" in everything["error"]  # Lancashire: a county, upper tier only
    assert "'E06" not in everything["error"]
    assert joins["iod2025_unitary"]["error"] is None


def test_join_names_authorities_created_since_the_2019_release(results: Path) -> None:
    joins = json.loads((results / "joins.json").read_text(encoding="utf-8"))
    error = joins["iod2019_unitary"]["error"]
    assert joins["iod2019_unitary"]["rows"] == 12
    assert "another geography vintage" in error
    for code in ("E06000061", "E06000062", "E06000063", "E06000064", "E06000065"):
        assert code in error
    assert "E06000047" not in error
