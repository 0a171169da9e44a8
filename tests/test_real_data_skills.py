"""The skills starter on the real Census 2021 TS067 extract (Trafford, 139 LSOAs, OGL v3).

The real extract is the council long form (no totals) of TS067, highest level of
qualification. The generated project's own configured reader (with its expected-category
check), the shared Census importer and the ``lsoa_qualifications`` stage run on it in the
project's own environment; results are checked against sums taken straight from the raw
file with the standard library. There is no real APS extract in ../shared, so the Nomis API
importer is tested only on synthetic data.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from .conftest import SHARED_REAL_DATA, generate, read_rows, run_project_script

TS067 = SHARED_REAL_DATA / "trafford-census2021" / "2021_highest_level_qualification_lsoa_trafford.csv"
LSOAS = 139

# Runs inside the generated project, with its own interpreter and dependencies.
SCRIPT = """
import sys
import tomllib
from pathlib import Path

import polars as pl

from rapkit.importers.census import CensusCounts
from {package}.pipelines.skills import build, schemas, stages
from rapkit.validation import validate

source, out = Path(sys.argv[1]), Path(sys.argv[2])
config = tomllib.loads(Path("config/pipeline.toml").read_text(encoding="utf-8"))
pipeline = build(config["parameters"])
raw = pipeline.readers["qualifications"](source)  # the configured reader: checks categories
counts = validate(stages.tidy_qualifications(raw).collect(), CensusCounts, where="TS067")
counts.write_csv(out / "counts.csv")
lookup = counts.select(pl.col("area_code").unique().sort().alias("lsoa_code")).with_columns(
    pl.lit("x").alias("lsoa_name"),
    pl.lit("E02000001").alias("msoa_code"),
    pl.lit("x").alias("msoa_name"),
    pl.lit("E08000009").alias("lad_code"),  # Trafford
    pl.lit("Trafford").alias("lad_name"),
)
shares = stages.lsoa_qualifications(counts.lazy(), lookup.lazy()).collect()
validate(shares, schemas.LsoaQualifications, where="shares").write_csv(out / "shares.csv")
"""


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run the generated project's reader and stage on the real file; return the outputs."""
    project = generate(tmp_path_factory.mktemp("real"), starter="skills")
    out = tmp_path_factory.mktemp("real-out")
    run_project_script(project, SCRIPT.format(package="my_rap_project"), str(TS067), str(out))
    return out


def test_real_ts067_imports_every_lsoa_and_category(results: Path) -> None:
    raw = read_rows(TS067)
    tidy = read_rows(results / "counts.csv")
    assert len({r["area_code"] for r in tidy}) == LSOAS
    assert {r["category"] for r in tidy} == {r["highest_qualification"] for r in raw}
    assert sum(int(r["count"]) for r in tidy) == sum(int(r["value"]) for r in raw)


def test_real_shares_match_raw_sums(results: Path) -> None:
    level4: dict[str, int] = defaultdict(int)
    residents: dict[str, int] = defaultdict(int)
    for row in read_rows(TS067):
        residents[row["area_code"]] += int(row["value"])
        if row["highest_qualification"] == "Level 4 qualifications or above":
            level4[row["area_code"]] += int(row["value"])
    shares = {r["lsoa_code"]: r for r in read_rows(results / "shares.csv") if r["measure"] == "level4_plus"}
    assert set(shares) == set(residents)
    for lsoa, row in shares.items():
        assert int(row["denominator"]) == residents[lsoa]
        assert int(row["numerator"]) == level4[lsoa]
        assert 0 <= float(row["fraction"]) <= 1
    pooled = sum(level4.values()) / sum(residents.values())
    assert all(float(r["lad_fraction"]) == pytest.approx(pooled) for r in shares.values())


def test_real_shares_are_plausible(results: Path) -> None:
    rows = read_rows(results / "shares.csv")
    borough = {r["measure"]: float(r["lad_fraction"]) for r in rows}
    # England 2021: 33.9% level 4+, 18.1% no qualifications. Trafford is well qualified;
    # broad bands, not exact values.
    assert 0.3 < borough["level4_plus"] < 0.6
    assert 0.05 < borough["no_qualifications"] < 0.25
    assert borough["level4_plus"] < borough["level3_plus"]
    for row in rows:
        assert 0 <= float(row["fraction"]) <= 1
