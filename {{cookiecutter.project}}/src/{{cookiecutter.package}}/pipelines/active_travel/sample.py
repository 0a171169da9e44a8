"""Synthetic inputs for the active travel pipeline, in the published layouts (never real data).

* ``travel_to_work.csv``: Census 2021 TS061 in the Nomis bulk layout
  (``census2021-ts061-lsoa.csv``), with the published category labels;
* ``lsoa_lookup.csv``: an ONS-style LSOA 2021 -> MSOA 2021 -> LAD 2022 lookup;
* ``walking_cycling.csv``: a DfT CW0301-style table (ONS Code, Area name, Class,
  Mode, Purpose, Frequency, 2016 ... 2023) with ``[x]``, ``[c]`` and blank cells;
* ``traffic_aadf.csv``: DfT AADF by count point (``dft_traffic_counts_aadf.csv``);
* ``count_point_lsoa.csv``: which LSOA each count point lies in (made in a GIS
  by a point-in-polygon join, see the problem statement).

Area codes and names are invented (codes beyond the ranges ONS has issued).
The fourth local authority has no count points, so the sample exercises every
level of the back-off route, including "none".
"""

from __future__ import annotations

import numpy as np
import polars as pl
from rapkit.importers.census import to_nomis_bulk
from rapkit.importers.geography import synthetic_lsoa_lookup

from .stages import TS061_CATEGORIES

LADS = (
    ("E08000901", "Synthetic Metropolitan Borough"),
    ("E06000901", "Synthetic Unitary"),
    ("E09000901", "Synthetic London Borough"),
    ("E07000901", "Synthetic District"),
)
LAD_CLASSES = ("MD", "UA", "LB", "NMD")
# Typical shares of TS061 categories (same order as TS061_CATEGORIES); Dirichlet centre.
TRAVEL_SHARES = (0.30, 0.02, 0.03, 0.06, 0.01, 0.005, 0.40, 0.04, 0.025, 0.09, 0.02)
YEARS = tuple(range(2016, 2024))
TRAFFIC_YEARS = (2022, 2023)
MODES = {"Walking or cycling": 1.0, "Walking": 0.95, "Cycling": 0.2}
PURPOSES = {"Any": 1.0, "Leisure": 0.8, "Travel": 0.6}
FREQUENCIES = {"At least once per week": 1.0, "At least 5 times per week": 0.55}
TOPIC = "Method of travel to workplace"
TOTAL = "Total: All usual residents aged 16 years and over in employment the week before the census"


def make_sample(rows: int, seed: int) -> dict[str, pl.DataFrame]:
    """Return the five synthetic inputs for ``rows`` LSOAs."""
    rng = np.random.default_rng(seed)
    lookup = synthetic_lsoa_lookup(rows, LADS)
    points = _count_points(rng, lookup)
    return {
        "count_point_lsoa": points,
        "lsoa_lookup": lookup,
        "traffic_aadf": _traffic(rng, points, lookup),
        "travel_to_work": _travel_to_work(rng, lookup),
        "walking_cycling": _walking_cycling(rng),
    }


def _travel_to_work(rng: np.random.Generator, lookup: pl.DataFrame) -> pl.DataFrame:
    """TS061 counts per LSOA: workers split over categories around typical shares."""
    areas = lookup.height
    workers = rng.integers(400, 1000, size=areas)
    shares = rng.dirichlet(np.array(TRAVEL_SHARES) * 60, size=areas)
    counts = rng.multinomial(workers, shares)
    long = pl.DataFrame(
        {
            "area_code": np.repeat(lookup["LSOA21CD"].to_numpy(), len(TS061_CATEGORIES)),
            "area_name": np.repeat(lookup["LSOA21NM"].to_numpy(), len(TS061_CATEGORIES)),
            "category": np.tile(np.array(TS061_CATEGORIES), areas),
            "count": counts.reshape(-1).astype(np.int64),
        }
    )
    return to_nomis_bulk(long, topic=TOPIC, total_label=TOTAL)


def _count_points(rng: np.random.Generator, lookup: pl.DataFrame) -> pl.DataFrame:
    """Place count points in random LSOAs of every local authority but the last."""
    eligible = lookup.filter(pl.col("LAD22CD") != LADS[-1][0])["LSOA21CD"].to_numpy()
    number = max(3, lookup.height // 6)
    ids = 900_000 + rng.choice(np.arange(1, 100_000), size=number, replace=False)
    return pl.DataFrame(
        {
            "count_point_id": np.sort(ids).astype(np.int64),
            "LSOA21CD": rng.choice(eligible, size=number) if len(eligible) else [],
        }
    )


def _traffic(rng: np.random.Generator, points: pl.DataFrame, lookup: pl.DataFrame) -> pl.DataFrame:
    """AADF rows for every count point and year, in the DfT column layout."""
    n = points.height * len(TRAFFIC_YEARS)
    ids = np.repeat(points["count_point_id"].to_numpy(), len(TRAFFIC_YEARS))
    lad = np.repeat(
        points.join(lookup, on="LSOA21CD", how="left", maintain_order="left")["LAD22CD"].to_numpy(),
        len(TRAFFIC_YEARS),
    )
    names = dict(LADS)
    cars = rng.integers(800, 20_000, size=n)
    cycles = rng.poisson(rng.gamma(2.0, 60.0, size=n))
    hgvs = rng.integers(0, 800, size=n)
    others = rng.integers(0, 3_000, size=(n, 3))  # two-wheeled motor, buses, LGVs
    easting = np.repeat(rng.integers(370_000, 390_000, size=points.height), len(TRAFFIC_YEARS))
    northing = np.repeat(rng.integers(390_000, 400_000, size=points.height), len(TRAFFIC_YEARS))
    blank = pl.Series([None] * n, dtype=pl.String)  # empty cells, as published
    return pl.DataFrame(
        {
            "count_point_id": ids,
            "year": np.tile(np.array(TRAFFIC_YEARS), points.height),
            "region_id": 4,
            "region_name": "Synthetic Region",
            "local_authority_id": np.array([900 + [c for c, _ in LADS].index(c) for c in lad]),
            "local_authority_name": [names[c] for c in lad],
            "local_authority_code": lad,
            "road_name": "U",
            "road_category": "MCU",
            "road_type": "Minor",
            "start_junction_road_name": blank,
            "end_junction_road_name": blank,
            "easting": easting,
            "northing": northing,
            "latitude": np.round(53.0 + (northing - 390_000) / 111_000, 6),
            "longitude": np.round(-2.4 + (easting - 370_000) / 67_000, 6),
            "link_length_km": blank,
            "link_length_miles": blank,
            "estimation_method": (counted := np.where(rng.random(n) < 0.7, "Counted", "Estimated")),
            "estimation_method_detailed": np.where(
                counted == "Counted", "Manual count", "Estimated using previous year's AADF"
            ),
            "pedal_cycles": cycles,
            "two_wheeled_motor_vehicles": others[:, 0] // 20,
            "cars_and_taxis": cars,
            "buses_and_coaches": others[:, 1] // 10,
            "lgvs": others[:, 2],
            "all_hgvs": hgvs,
            "all_motor_vehicles": cars
            + hgvs
            + others[:, 0] // 20
            + others[:, 1] // 10
            + others[:, 2],
        }
    )


def _walking_cycling(rng: np.random.Generator) -> pl.DataFrame:
    """CW0301-style percentages for England and the synthetic local authorities."""
    areas = [
        ("E92000001", "England", "England"),
        *((code, name, kind) for (code, name), kind in zip(LADS, LAD_CLASSES, strict=True)),
    ]
    rows = []
    for code, name, kind in areas:
        level = rng.uniform(65, 85)
        for mode, mode_factor in MODES.items():
            for purpose, purpose_factor in PURPOSES.items():
                for frequency, frequency_factor in FREQUENCIES.items():
                    base = level * mode_factor * purpose_factor * frequency_factor
                    values = np.clip(base + rng.normal(0, 1.5, size=len(YEARS)), 0, 100)
                    cells: list[str | None] = [f"{value:.1f}" for value in values]
                    if purpose == "Travel":
                        cells[0] = "[x]"  # not collected in the first survey year
                    if code == LADS[-1][0] and mode == "Cycling" and rng.random() < 0.5:
                        cells[-1] = "[c]"  # too few respondents to publish
                    if kind == "NMD" and mode == "Walking":
                        cells[1] = None  # blank cell, as in the published sheet
                    rows.append((code, name, kind, mode, purpose, frequency, *cells))
    return pl.DataFrame(
        rows,
        schema=[
            "ONS Code",
            "Area name",
            "Class",
            "Mode",
            "Purpose",
            "Frequency",
            *(str(year) for year in YEARS),
        ],
        orient="row",
    )
