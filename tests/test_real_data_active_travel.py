"""The active_travel starter on the real Census 2021 TS061 extract (Trafford, 139 LSOAs, OGL v3).

The real extract is the council long form (no totals) of TS061, method of travel to work.
The generated project's own configured reader (with its expected-category check), the
shared Census importer and the ``active_commute`` stage run on it in the project's own
environment; results are checked against sums taken straight from the raw file with the
standard library, so the check shares no code with what it checks. The DfT inputs have no
real extract in ../shared, so they are not tested on real data here.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from .conftest import SHARED_REAL_DATA, generate, read_rows, run_project_script

TS061 = SHARED_REAL_DATA / "trafford-census2021" / "2021_method_of_travel_to_work_lsoa_trafford.csv"
LSOAS = 139

# Runs inside the generated project, with its own interpreter and dependencies.
SCRIPT = """
import sys
import tomllib
from pathlib import Path

import polars as pl

from rapkit.importers.census import CensusCounts
from {package}.pipelines.active_travel import build, schemas, stages
from rapkit.validation import validate

source, out = Path(sys.argv[1]), Path(sys.argv[2])
config = tomllib.loads(Path("config/pipeline.toml").read_text(encoding="utf-8"))
pipeline = build(config["parameters"])
raw = pipeline.readers["travel_to_work"](source)  # the configured reader: checks categories
counts = validate(stages.tidy_travel_to_work(raw).collect(), CensusCounts, where="TS061")
counts.write_csv(out / "counts.csv")
areas = counts.select(pl.col("area_code").unique().sort().alias("lsoa_code")).with_columns(
    pl.lit(None, dtype=pl.String).alias("lsoa_name"),
    pl.lit(None, dtype=pl.String).alias("msoa_code"),
    pl.lit("E08000009").alias("lad_code"),  # Trafford
    pl.lit("Trafford").alias("lad_name"),
)
commute = stages.active_commute(counts.lazy(), areas.lazy()).collect()
validate(commute, schemas.ActiveTravelComponent, where="active_commute").write_csv(
    out / "commute.csv"
)
"""


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run the generated project's reader and stage on the real file; return the outputs."""
    project = generate(tmp_path_factory.mktemp("real"), starter="active_travel")
    out = tmp_path_factory.mktemp("real-out")
    run_project_script(project, SCRIPT.format(package="my_rap_project"), str(TS061), str(out))
    return out


def test_real_ts061_imports_every_lsoa_and_category(results: Path) -> None:
    raw = read_rows(TS061)
    tidy = read_rows(results / "counts.csv")
    assert len({r["area_code"] for r in tidy}) == LSOAS
    assert {r["category"] for r in tidy} == {r["mode_of_travel"] for r in raw}
    assert len({r["category"] for r in tidy}) == 11
    assert sum(int(r["count"]) for r in tidy) == sum(int(r["value"]) for r in raw)


def test_real_active_commute_matches_raw_sums(results: Path) -> None:
    walked_or_cycled: dict[str, int] = defaultdict(int)
    workers: dict[str, int] = defaultdict(int)
    for row in read_rows(TS061):
        workers[row["area_code"]] += int(row["value"])
        if row["mode_of_travel"] in {"On foot", "Bicycle"}:
            walked_or_cycled[row["area_code"]] += int(row["value"])
    commute = {r["lsoa_code"]: r for r in read_rows(results / "commute.csv")}
    assert set(commute) == set(workers)
    for lsoa, row in commute.items():
        assert float(row["denominator"]) == workers[lsoa]  # includes working from home
        assert float(row["numerator"]) == walked_or_cycled[lsoa]
        assert 0 <= float(row["fraction"]) <= 1
        assert row["source_level"] == "lsoa"
        assert row["census_year"] == "2021"


def test_real_active_commute_is_plausible(results: Path) -> None:
    rows = read_rows(results / "commute.csv")
    overall = sum(float(r["numerator"]) for r in rows) / sum(float(r["denominator"]) for r in rows)
    # England and Wales 2021: about 9% of workers walked or cycled to work (lockdown, with a
    # third working from home). A borough should be within broad bands of that, not exactly.
    assert 0.03 < overall < 0.2
    assert 80_000 < sum(float(r["denominator"]) for r in rows) < 140_000  # Trafford workers
