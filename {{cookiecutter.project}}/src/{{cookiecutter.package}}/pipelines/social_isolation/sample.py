"""Synthetic Census 2021 tables and a lookup for the social isolation pipeline (never real data).

Each file mirrors its published format column for column: the Census tables
are Nomis bulk files (``date, geography, geography code`` then one column per
category, with the total and subtotal columns; some tables carry the
``"; measures: Value"`` suffix, as downloads do), and the lookup has the ONS
Open Geography Portal's column names. The areas are invented: codes in the
``E01900001`` range and authority names such as "Sampleton" that no real
area uses, so synthetic numbers can never be mistaken for a real place.

Areas differ in two hidden traits (an older population, and deprivation),
which drive every table, so the components are correlated as in real data
and the indices have something to find.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from rapkit.importers.census import to_nomis_bulk

from . import stages

# (code, name) of the synthetic local authorities: a metropolitan district, a
# unitary authority and a London borough, so each GSS type prefix appears.
AUTHORITIES = (
    ("E08999001", "Sampleton"),
    ("E06999001", "Testbury"),
    ("E09999001", "Exampleford"),
)
LSOAS_PER_MSOA = 5

# Nomis bulk layout of each table: file stem, topic (header prefix), total label, suffix.
NOMIS_FILES = {
    "age": ("census2021-ts007a-lsoa", "Age", "Total", True),
    "tenure": ("census2021-ts054-lsoa", "Tenure of household", "Total: All households", False),
    "partnership": (
        "census2021-ts002-lsoa",
        "Marital and civil partnership status",
        "Total",
        True,
    ),
    "health": ("census2021-ts037-lsoa", "General health", "Total: All usual residents", False),
    "disability": ("census2021-ts038-lsoa", "Disability", "Total: All usual residents", False),
    "deprivation": (
        "census2021-ts011-lsoa",
        "Household deprivation",
        "Total: All households",
        True,
    ),
    "household_size": (
        "census2021-ts017-lsoa",
        "Household size",
        "Total: All household spaces",
        True,
    ),
}
LOOKUP_FILE = "lsoa21-msoa21-lad22-lookup-synthetic"

# Typical shares of each age band under 65 and 65 and over (shapes only, not real figures).
# GSS codes have six digits after the prefix. Codes start at E01900001 (no real area) and
# wrap round to E01000000 for samples over 99,999 areas, so every code stays valid.
CODE_SPACE = 1_000_000
MAX_AREAS = CODE_SPACE - 1
YOUNGER_SHAPE = np.array([6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 6], dtype=float)
OLDER_SHAPE = np.array([5, 4.5, 3.5, 2.5, 2.5])


def make_sample(rows: int, seed: int) -> dict[str, pl.DataFrame]:
    """Return the lookup and seven Nomis bulk tables for ``rows`` synthetic LSOAs."""
    rng = np.random.default_rng(seed)
    areas = _areas(rows)
    n = areas.height
    older = rng.beta(4, 14, size=n)  # share aged 65+, around 0.22
    deprived = rng.beta(2, 4, size=n)  # a 0-1 deprivation score
    residents = rng.integers(1200, 2600, size=n)

    age = _age_counts(rng, residents, older)
    adults = residents - age[:, :3].sum(axis=1) - age[:, 3] // 5  # aged 16+ (approximately)
    households = np.rint(residents * 0.98 / (2.6 - 1.2 * older + 0.4 * deprived)).astype(int)
    counts = {
        "age": age,
        "tenure": _draw(rng, households, _tenure_shares(deprived, older)),
        "partnership": _draw(rng, adults, _partnership_shares(deprived, older)),
        "health": _draw(rng, residents, _health_shares(deprived, older)),
        "disability": _draw(rng, residents, _disability_shares(deprived, older)),
        "deprivation": _draw(rng, households, _deprivation_shares(deprived)),
        "household_size": _household_sizes(rng, households, deprived, older),
    }
    categories = {
        "age": stages.AGE_BANDS,
        "tenure": stages.TENURE,
        "partnership": stages.PARTNERSHIP,
        "health": stages.HEALTH,
        "disability": stages.DISABILITY,
        "deprivation": stages.DEPRIVATION,
        "household_size": stages.HOUSEHOLD_SIZE,
    }
    files = {LOOKUP_FILE: _lookup(areas)}
    for name, (stem, topic, total, suffix) in NOMIS_FILES.items():
        long = _long(areas, categories[name], counts[name])
        wide = to_nomis_bulk(long, topic=topic, total_label=total, measures_suffix=suffix)
        files[stem] = with_subtotals(wide, topic=topic, suffix=suffix)
    return files


def _areas(rows: int) -> pl.DataFrame:
    """Codes and names of ``rows`` synthetic LSOAs, grouped into MSOAs and authorities."""
    n = max(1, rows)
    if n > MAX_AREAS:
        msg = f"At most {MAX_AREAS:,} synthetic LSOAs fit the 9-character code pattern, not {n:,}."
        raise ValueError(msg)
    index = np.arange(n)
    authority = index * len(AUTHORITIES) // n
    first_in_authority = np.searchsorted(authority, authority)
    within = index - first_in_authority
    msoa_number = within // LSOAS_PER_MSOA + 1
    letters = np.array(list("ABCDE"))[within % LSOAS_PER_MSOA]
    lad_code = np.array([code for code, _ in AUTHORITIES])[authority]
    lad_name = np.array([name for _, name in AUTHORITIES])[authority]
    # MSOA numbers stay below 1000 per authority at the bundled size; larger samples widen
    # the stride so that MSOA codes never repeat across authorities.
    stride = max(1000, int(msoa_number.max()) + 1)
    msoa_index = authority * stride + msoa_number
    return pl.DataFrame(
        {
            "lsoa_code": [f"E01{(900001 + i) % CODE_SPACE:06d}" for i in index],
            "lsoa_name": [
                f"{name} {m:03d}{letter}"
                for name, m, letter in zip(lad_name, msoa_number, letters, strict=True)
            ],
            "msoa_code": [f"E02{(900000 + int(i)) % CODE_SPACE:06d}" for i in msoa_index],
            "msoa_name": [f"{name} {m:03d}" for name, m in zip(lad_name, msoa_number, strict=True)],
            "lad_code": lad_code.tolist(),
            "lad_name": lad_name.tolist(),
        }
    )


def _lookup(areas: pl.DataFrame) -> pl.DataFrame:
    """Lay the areas out as an ONS LSOA 2021 -> MSOA 2021 -> LAD 2022 lookup."""
    return areas.select(
        pl.col("lsoa_code").alias("LSOA21CD"),
        pl.col("lsoa_name").alias("LSOA21NM"),
        pl.col("msoa_code").alias("MSOA21CD"),
        pl.col("msoa_name").alias("MSOA21NM"),
        pl.col("lad_code").alias("LAD22CD"),
        pl.col("lad_name").alias("LAD22NM"),
    )


def _long(areas: pl.DataFrame, categories: tuple[str, ...], counts: np.ndarray) -> pl.DataFrame:
    """Long counts (area, category, count) from a matrix with one column per category."""
    wide = pl.DataFrame(counts.astype(np.int64), schema=list(categories), orient="row")
    return (
        pl.concat([areas.select("lsoa_code", "lsoa_name"), wide], how="horizontal")
        .unpivot(index=["lsoa_code", "lsoa_name"], variable_name="category", value_name="count")
        .rename({"lsoa_code": "area_code", "lsoa_name": "area_name"})
    )


def with_subtotals(wide: pl.DataFrame, *, topic: str, suffix: bool) -> pl.DataFrame:
    """Insert Nomis subtotal columns (``"Owned"`` before ``"Owned: Owns outright"``).

    Real Nomis files carry a column for every level of a nested category; the
    importer must drop them, so the sample includes them to prove it does.
    """
    end = "; measures: Value" if suffix else ""
    columns: list[pl.Expr] = []
    emitted: set[str] = set()
    for header in wide.columns:
        label = header.removesuffix(end).removeprefix(f"{topic}: ")
        parts = label.split(": ")
        if header.startswith(f"{topic}: ") and not label.startswith("Total"):
            for depth in range(1, len(parts)):
                parent = ": ".join(parts[:depth])
                if parent not in emitted:
                    emitted.add(parent)
                    children = [
                        c
                        for c in wide.columns
                        if c.removesuffix(end).startswith(f"{topic}: {parent}: ")
                    ]
                    columns.append(pl.sum_horizontal(children).alias(f"{topic}: {parent}{end}"))
        columns.append(pl.col(header))
    return wide.select(columns)


def _draw(rng: np.random.Generator, totals: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Split each area's total across categories at random with the given shares."""
    shares = np.clip(shares, 1e-6, None)
    return rng.multinomial(totals, shares / shares.sum(axis=1, keepdims=True))


def _age_counts(rng: np.random.Generator, residents: np.ndarray, older: np.ndarray) -> np.ndarray:
    """Residents by five-year age band; ``older`` sets the share aged 65 and over."""
    younger = rng.dirichlet(YOUNGER_SHAPE * 20, size=len(residents)) * (1 - older)[:, None]
    elder = rng.dirichlet(OLDER_SHAPE * 20, size=len(residents)) * older[:, None]
    return _draw(rng, residents, np.hstack([younger, elder]))


def _tenure_shares(deprived: np.ndarray, older: np.ndarray) -> np.ndarray:
    """Tenure shares: renting rises with deprivation, owning outright with age."""
    return np.column_stack(
        [
            0.15 + 0.9 * older,  # owns outright
            0.40 - 0.30 * deprived,  # mortgage
            np.full_like(deprived, 0.01),  # shared ownership
            0.02 + 0.25 * deprived,  # council
            0.02 + 0.20 * deprived,  # other social rented
            0.10 + 0.15 * deprived,  # private landlord
            np.full_like(deprived, 0.01),  # other private rented
            np.full_like(deprived, 0.005),  # lives rent free
        ]
    )


def _partnership_shares(deprived: np.ndarray, older: np.ndarray) -> np.ndarray:
    """Legal partnership shares of residents aged 16+: widowhood rises with age."""
    separated = 0.015 + 0.02 * deprived
    divorced = 0.05 + 0.06 * deprived + 0.05 * older
    widowed = 0.01 + 0.25 * older
    return np.column_stack(
        [
            0.45 - 0.5 * older + 0.2 * deprived,  # never married
            0.44 - 0.25 * deprived,  # married, opposite sex
            np.full_like(older, 0.004),  # married, same sex
            np.full_like(older, 0.0005),  # civil partnership, opposite sex
            np.full_like(older, 0.002),  # civil partnership, same sex
            separated,
            separated * 0.01,
            divorced,
            divorced * 0.005,
            widowed,
            widowed * 0.002,
        ]
    )


def _health_shares(deprived: np.ndarray, older: np.ndarray) -> np.ndarray:
    """General health shares: worse with deprivation and age."""
    very_bad = 0.005 + 0.03 * deprived + 0.03 * older
    bad = 0.02 + 0.06 * deprived + 0.08 * older
    fair = 0.08 + 0.08 * deprived + 0.15 * older
    good = np.full_like(older, 0.33)
    return np.column_stack([1 - very_bad - bad - fair - good, good, fair, bad, very_bad])


def _disability_shares(deprived: np.ndarray, older: np.ndarray) -> np.ndarray:
    """Disability shares: more day-to-day limitation with deprivation and age."""
    a_lot = 0.04 + 0.07 * deprived + 0.12 * older
    a_little = 0.07 + 0.04 * deprived + 0.08 * older
    condition = np.full_like(older, 0.07)
    return np.column_stack([a_lot, a_little, condition, 1 - a_lot - a_little - condition])


def _deprivation_shares(deprived: np.ndarray) -> np.ndarray:
    """Household deprivation dimension shares (0 to 4 dimensions)."""
    return np.column_stack(
        [
            0.65 - 0.45 * deprived,
            np.full_like(deprived, 0.30),
            0.04 + 0.20 * deprived,
            0.005 + 0.06 * deprived,
            0.0005 + 0.01 * deprived,
        ]
    )


def _household_sizes(
    rng: np.random.Generator, households: np.ndarray, deprived: np.ndarray, older: np.ndarray
) -> np.ndarray:
    """Household spaces by people in them: ``households`` occupied plus a few empty ones."""
    large = 0.5 + 0.8 * deprived  # larger households where deprivation is higher
    shares = np.column_stack(
        [
            0.18 + 0.5 * older,  # 1 person
            np.full_like(older, 0.33),
            0.16 * large,
            0.13 * large,
            0.05 * large,
            0.02 * large,
            0.006 * large,
            0.004 * large,  # 8 or more
        ]
    )
    occupied = _draw(rng, households, shares)
    empty = rng.binomial(households, 0.04)
    return np.column_stack([empty, occupied])
