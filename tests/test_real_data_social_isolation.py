"""The social isolation starter on real Census 2021 extracts (Trafford, 139 LSOAs, OGL v3).

The real extracts are the council long form (no totals) of five of the starter's seven
tables: TS007A age, TS054 tenure, TS037 general health, TS038 disability and TS017 household
size (TS002 and TS011 are not among them). A generated project's own readers (with their
expected-category checks), importer and component stages run on them in the project's own
environment; the results are checked here against sums taken straight from the raw files with
the standard library, so the check does not share code with what it checks.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import SHARED_REAL_DATA, generate, read_rows, run_project_script

TRAFFORD = SHARED_REAL_DATA / "trafford-census2021"
# Input name -> (file, column holding the category in that file).
FILES = {
    "age": ("2021_population_by_5_year_age_bands_lsoa_trafford.csv", "indicator"),
    "tenure": ("2021_household_tenure_lsoa_trafford.csv", "household_tenure"),
    "health": ("2021_general_health_lsoa_trafford.csv", "general_health"),
    "disability": ("2021_disability_lsoa_trafford.csv", "disability_category"),
    "household_size": ("2021_household_size_lsoa_trafford.csv", "indicator"),
}
LSOAS = 139
COMPONENTS_FROM_THESE_TABLES = 7  # 2 age, 1 tenure, 3 health, 1 disability

# Runs inside the generated project, with its own interpreter and locked dependencies.
SCRIPT = """
import json
import sys
import tomllib
from pathlib import Path

import polars as pl

from rapkit.importers.census import CensusCounts, tidy_census
from {package}.pipelines.social_isolation import build, schemas, stages
from rapkit.validation import validate

files, out = json.loads(sys.argv[1]), Path(sys.argv[2])
config = tomllib.loads(Path("config/pipeline.toml").read_text(encoding="utf-8"))
pipeline = build(config["parameters"])
counts = {{}}
for name, path in files.items():
    raw = pipeline.readers[name](Path(path))  # the configured reader: checks the categories
    counts[name] = validate(tidy_census(raw).collect(), CensusCounts, where=name)
    counts[name].write_csv(out / f"{{name}}_counts.csv")
parts = [
    stages.table_components(counts[c.table].lazy(), [c]).collect()
    for c in stages.COMPONENTS
    if c.table in counts
]
pl.concat(parts).write_csv(out / "components.csv")
sizes = stages.mean_household_size(counts["household_size"].lazy()).collect()
validate(sizes, schemas.HouseholdSize, where="TS017").write_csv(out / "household_size.csv")
"""


def raw_sums(name: str, keep: Callable[[str], bool] = lambda _: True) -> dict[str, int]:
    """Sum of ``value`` per LSOA over the categories ``keep`` accepts, from the raw file."""
    file, column = FILES[name]
    totals: dict[str, int] = defaultdict(int)
    for row in read_rows(TRAFFORD / file):
        if keep(row[column]):
            totals[row["area_code"]] += int(row["value"])
    return dict(totals)


def aged(low: int) -> Callable[[str], bool]:
    """Accept five-year age bands starting at ``low`` or above."""

    def keep(label: str) -> bool:
        found = re.match(r"Aged (\d+) (?:to|years and)", label)
        return found is not None and int(found.group(1)) >= low

    return keep


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run the generated project's readers and stages on the real files; return the outputs."""
    project = generate(tmp_path_factory.mktemp("real"), starter="social_isolation")
    out = tmp_path_factory.mktemp("real-out")
    files = {name: str(TRAFFORD / file) for name, (file, _) in FILES.items()}
    run_project_script(project, SCRIPT.format(package="my_rap_project"), json.dumps(files), str(out))
    return out


def components(results: Path) -> dict[tuple[str, str], dict[str, str]]:
    return {(r["lsoa_code"], r["component"]): r for r in read_rows(results / "components.csv")}


def test_every_table_imports_every_lsoa(results: Path) -> None:
    for name, (file, column) in FILES.items():
        raw = read_rows(TRAFFORD / file)
        tidy = read_rows(results / f"{name}_counts.csv")
        assert len({r["area_code"] for r in tidy}) == LSOAS
        assert all(r["area_code"].startswith("E01") for r in tidy)
        assert {r["category"] for r in tidy} == {r[column] for r in raw}
        assert {r["census_year"] for r in tidy} == {"2021"}
        assert sum(int(r["count"]) for r in tidy) == sum(int(r["value"]) for r in raw)


def test_every_fraction_is_a_share_of_its_denominator(results: Path) -> None:
    rows = components(results)
    assert len(rows) == LSOAS * COMPONENTS_FROM_THESE_TABLES
    for (lsoa, name), row in rows.items():
        numerator, denominator = int(row["numerator"]), int(row["denominator"])
        fraction = float(row["fraction"])
        assert 0 <= fraction <= 1, (lsoa, name, fraction)
        assert 0 <= numerator <= denominator
        assert fraction == pytest.approx(numerator / denominator)
        assert row["census_year"] == "2021"


def test_totals_match_the_sum_of_the_published_categories(results: Path) -> None:
    rows = components(results)
    residents = raw_sums("age")
    households = raw_sums("tenure")
    expected = {
        "aged_65_plus": (raw_sums("age", aged(65)), residents),
        "aged_75_79_of_65_plus": (
            raw_sums("age", lambda label: label == "Aged 75 to 79 years"),
            raw_sums("age", aged(65)),
        ),
        "renting": (
            raw_sums("tenure", lambda label: label.startswith(("Social rented", "Private rented"))),
            households,
        ),
        "bad_or_very_bad_health": (
            raw_sums("health", lambda label: label in {"Bad health", "Very bad health"}),
            raw_sums("health"),
        ),
        "disabled": (
            raw_sums("disability", lambda label: label.startswith("Disabled under")),
            raw_sums("disability"),
        ),
    }
    for name, (numerators, denominators) in expected.items():
        assert len(denominators) == LSOAS
        for lsoa, denominator in denominators.items():
            row = rows[(lsoa, name)]
            assert int(row["denominator"]) == denominator, (lsoa, name)
            assert int(row["numerator"]) == numerators.get(lsoa, 0), (lsoa, name)
    assert {rows[(lsoa, "renting")]["source_table"] for lsoa in households} == {"TS054"}


def test_mean_household_size_matches_the_size_bands(results: Path) -> None:
    file, _ = FILES["household_size"]
    people: dict[str, float] = defaultdict(float)
    occupied: dict[str, int] = defaultdict(int)
    for row in read_rows(TRAFFORD / file):
        size = int(row["indicator"][0])  # "0 people", "1 person", ..., "8 or more" counted as 8
        if size > 0:
            people[row["area_code"]] += size * int(row["value"])
            occupied[row["area_code"]] += int(row["value"])
    sizes = {r["lsoa_code"]: r for r in read_rows(results / "household_size.csv")}
    assert len(sizes) == LSOAS
    for lsoa, row in sizes.items():
        assert int(row["occupied_households"]) == occupied[lsoa]
        assert float(row["mean_household_size"]) == pytest.approx(people[lsoa] / occupied[lsoa])
        assert 1 <= float(row["mean_household_size"]) <= 8


def test_values_are_plausible_for_a_borough(results: Path) -> None:
    rows = components(results).values()

    def overall(name: str) -> float:
        chosen = [r for r in rows if r["component"] == name]
        return sum(int(r["numerator"]) for r in chosen) / sum(int(r["denominator"]) for r in chosen)

    # Broad bands around England and Wales figures (2021), not exact values: 18.6% aged 65+,
    # 5.2% in bad or very bad health, 17.8% disabled, 37% of households renting.
    assert 0.10 < overall("aged_65_plus") < 0.30
    assert 0.02 < overall("bad_or_very_bad_health") < 0.10
    assert 0.10 < overall("disabled") < 0.30
    assert 0.15 < overall("renting") < 0.60
    # Health categories are a partition: poor + fair + good never exceed the whole.
    for lsoa in {r["lsoa_code"] for r in rows}:
        parts = [r for r in rows if r["lsoa_code"] == lsoa and r["source_table"] == "TS037"]
        assert sum(float(r["fraction"]) for r in parts) <= 1 + 1e-9
