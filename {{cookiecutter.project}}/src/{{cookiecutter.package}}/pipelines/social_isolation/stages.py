"""Stages of the social isolation pipeline: Census counts to components to two indices.

The flow (see ``pipeline.py`` for the wiring)::

    Census tables --import--> counts per LSOA and category (CensusCounts)
        --components--> one row per LSOA and component: numerator, denominator, fraction
        --household_size--> mean household size per LSOA
        --tombolo_social_isolation_proxy--> equal-weights sum of six fractions (0 to 6)
        --ageuk_loneliness_logodds--> Age UK weighted model: log-odds and prevalence
        --index--> one row per LSOA with both, ranks, deciles and local authority

Every category label below is the published Census 2021 label without its
topic prefix (``"Bad health"``, not ``"General health: Bad health"``). The
readers check that each file has exactly these categories, so a renamed
category in a new release fails loudly instead of silently dropping out of a
numerator.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import reduce

import polars as pl
from rapkit.importers.census import tidy_census
from rapkit.importers.geography import with_lookup

# --- Census 2021 categories (leaves: totals and subtotals are dropped on import) ---------------

AGE_BANDS = (  # TS007A Age by five-year age bands (usual residents)
    "Aged 4 years and under",
    "Aged 5 to 9 years",
    "Aged 10 to 14 years",
    "Aged 15 to 19 years",
    "Aged 20 to 24 years",
    "Aged 25 to 29 years",
    "Aged 30 to 34 years",
    "Aged 35 to 39 years",
    "Aged 40 to 44 years",
    "Aged 45 to 49 years",
    "Aged 50 to 54 years",
    "Aged 55 to 59 years",
    "Aged 60 to 64 years",
    "Aged 65 to 69 years",
    "Aged 70 to 74 years",
    "Aged 75 to 79 years",
    "Aged 80 to 84 years",
    "Aged 85 years and over",
)
AGED_65_PLUS = AGE_BANDS[-5:]

TENURE = (  # TS054 Tenure (households)
    "Owned: Owns outright",
    "Owned: Owns with a mortgage or loan",
    "Shared ownership: Shared ownership",
    "Social rented: Rents from council or Local Authority",
    "Social rented: Other social rented",
    "Private rented: Private landlord or letting agency",
    "Private rented: Other private rented",
    "Lives rent free",
)
RENTING = TENURE[3:7]  # social + private rented, as Tombolo's 2011 recipe; rent free stays out

# TS002 Legal partnership status (usual residents aged 16 and over). Not in the real extracts
# this template was tested on: labels follow the Nomis bulk file as best known (see the
# problem statement's caveats); a mismatch fails on import with the labels found.
_SEPARATED = "Separated, but still legally married or still legally in a civil partnership"
_DIVORCED = "Divorced or civil partnership dissolved"
_WIDOWED = "Widowed or surviving civil partnership partner"
PARTNERSHIP = (
    "Never married and never registered a civil partnership",
    "Married or in a registered civil partnership: Married: Opposite sex",
    "Married or in a registered civil partnership: Married: Same sex",
    (
        "Married or in a registered civil partnership: In a registered civil partnership: "
        "Opposite sex"
    ),
    "Married or in a registered civil partnership: In a registered civil partnership: Same sex",
    f"{_SEPARATED}: Separated, but still married",
    f"{_SEPARATED}: Separated, but still in a registered civil partnership",
    f"{_DIVORCED}: Divorced",
    f"{_DIVORCED}: Formerly in a civil partnership now legally dissolved",
    f"{_WIDOWED}: Widowed",
    f"{_WIDOWED}: Surviving partner from civil partnership",
)
WIDOWED = PARTNERSHIP[-2:]
WIDOWED_DIVORCED_SEPARATED = PARTNERSHIP[-6:]

HEALTH = ("Very good health", "Good health", "Fair health", "Bad health", "Very bad health")

DISABILITY = (  # TS038 Disability (usual residents)
    "Disabled under the Equality Act: Day-to-day activities limited a lot",
    "Disabled under the Equality Act: Day-to-day activities limited a little",
    (
        "Not disabled under the Equality Act: Has long term physical or mental health condition "
        "but day-to-day activities are not limited"
    ),
    "Not disabled under the Equality Act: No long term physical or mental health conditions",
)

DEPRIVATION = (  # TS011 Households by deprivation dimensions (not in the real extracts either)
    "Household is not deprived in any dimension",
    "Household is deprived in one dimension",
    "Household is deprived in two dimensions",
    "Household is deprived in three dimensions",
    "Household is deprived in four dimensions",
)

HOUSEHOLD_SIZES = {  # TS017 Household size: people per household space
    "0 people in household": 0.0,
    "1 person in household": 1.0,
    "2 people in household": 2.0,
    "3 people in household": 3.0,
    "4 people in household": 4.0,
    "5 people in household": 5.0,
    "6 people in household": 6.0,
    "7 people in household": 7.0,
}
OPEN_HOUSEHOLD_SIZE = "8 or more people in household"
HOUSEHOLD_SIZE = (*HOUSEHOLD_SIZES, OPEN_HOUSEHOLD_SIZE)
EIGHT_OR_MORE_PEOPLE = 8.0  # default persons counted for the open band (a lower bound)


# --- Components: one fraction of one Census table each ------------------------------------------

PROXY = "tombolo_proxy"
AGEUK = "ageuk_model"


@dataclass(frozen=True)
class Component:
    """One fraction computed from one Census table for every LSOA.

    Attributes:
        name: the component's name in the outputs.
        table: the input (and import stage) it comes from.
        source_table: the Census 2021 table id, carried into the outputs.
        numerator: categories counted in the numerator.
        used_in: which index uses it (``tombolo_proxy``, ``ageuk_model`` or both).
        denominator: categories counted in the denominator (``None``: all of them,
            i.e. the table's whole population).

    """

    name: str
    table: str
    source_table: str
    numerator: tuple[str, ...]
    used_in: tuple[str, ...]
    denominator: tuple[str, ...] | None = None


COMPONENTS = (
    Component("aged_65_plus", "age", "TS007A", AGED_65_PLUS, used_in=(PROXY,)),
    Component(
        "aged_75_79_of_65_plus",
        "age",
        "TS007A",
        ("Aged 75 to 79 years",),
        denominator=AGED_65_PLUS,  # the model is of people aged 65+
        used_in=(AGEUK,),
    ),
    Component("renting", "tenure", "TS054", RENTING, used_in=(PROXY,)),
    Component(
        "widowed_divorced_separated",
        "partnership",
        "TS002",
        WIDOWED_DIVORCED_SEPARATED,
        used_in=(PROXY,),
    ),
    Component("widowed", "partnership", "TS002", WIDOWED, used_in=(AGEUK,)),
    Component("bad_or_very_bad_health", "health", "TS037", HEALTH[3:], used_in=(PROXY, AGEUK)),
    Component("fair_health", "health", "TS037", ("Fair health",), used_in=(AGEUK,)),
    Component("good_health", "health", "TS037", ("Good health",), used_in=(AGEUK,)),
    Component("disabled", "disability", "TS038", DISABILITY[:2], used_in=(PROXY,)),
    Component(
        "deprived_2_plus_dimensions", "deprivation", "TS011", DEPRIVATION[2:], used_in=(PROXY,)
    ),
)
COMPONENT_NAMES = tuple(c.name for c in COMPONENTS)
PROXY_COMPONENTS = tuple(c.name for c in COMPONENTS if PROXY in c.used_in)

# The Age UK model's Census terms and the component (or column) that measures each. ELSA asks
# for health as excellent/very good/good/fair/poor, the Census very good/good/fair/bad/very
# bad: bad + very bad -> poor, fair -> fair, good -> good, very good -> the reference level.
AGEUK_TERMS = {
    "health_poor": "bad_or_very_bad_health",
    "health_fair": "fair_health",
    "health_good": "good_health",
    "widowed": "widowed",
    "age_75_79": "aged_75_79_of_65_plus",
    "household_size": "mean_household_size",
}
AGEUK_FRACTIONS = tuple(term for term in AGEUK_TERMS if term != "household_size")
AGEUK_COEFFICIENTS = ("constant", *AGEUK_TERMS)


def _total(categories: Sequence[str] | None) -> pl.Expr:
    """Sum of the counts in ``categories`` (all if None); null if any of them is suppressed.

    ``sum`` would skip nulls and quietly undercount, so a suppressed count makes
    the whole total unknown instead.
    """
    count = pl.col("count")
    if categories is not None:
        count = count.filter(pl.col("category").is_in(list(categories)))
    return pl.when(count.is_null().any()).then(None).otherwise(count.sum())


def table_components(counts: pl.LazyFrame, components: Sequence[Component]) -> pl.LazyFrame:
    """Compute ``components`` (all from the same table) for every area in ``counts``.

    The fraction is null where the denominator is zero (for example no one aged
    65 or over) or unknown, never a division by zero.
    """
    parts = [
        counts.group_by("area_code")
        .agg(
            _total(c.numerator).alias("numerator"),
            _total(c.denominator).alias("denominator"),
            pl.col("census_year").first(),
        )
        .with_columns(
            pl.lit(c.name).alias("component"),
            pl.lit(c.source_table).alias("source_table"),
            pl.lit(" + ".join(c.used_in)).alias("used_in"),
        )
        for c in components
    ]
    return (
        pl.concat(parts)
        .rename({"area_code": "lsoa_code"})
        .with_columns(
            pl.when(pl.col("denominator") > 0)
            .then(pl.col("numerator") / pl.col("denominator"))
            .alias("fraction")
        )
        .select(
            "lsoa_code",
            "component",
            "numerator",
            "denominator",
            "fraction",
            "source_table",
            "census_year",
            "used_in",
        )
    )


def tidy_census_in_lookup(raw: pl.LazyFrame, lookup: pl.LazyFrame) -> pl.LazyFrame:
    """Type one Census table and add each area's local authority from the lookup.

    Checking the area codes here, where the stage reads the raw table (schema
    CensusInLookup), makes an unknown code fail naming that file; found
    later, after the tables are combined, the message could name no file.
    The join keeps the table's row order, so reported rows follow the file.
    """
    return tidy_census(raw).join(
        lookup.select("lsoa_code", "lad_code"),
        left_on="area_code",
        right_on="lsoa_code",
        how="left",
        validate="m:1",
        maintain_order="left",
    )


def compute_components(
    *,
    age: pl.LazyFrame,
    tenure: pl.LazyFrame,
    partnership: pl.LazyFrame,
    health: pl.LazyFrame,
    disability: pl.LazyFrame,
    deprivation: pl.LazyFrame,
) -> pl.LazyFrame:
    """Every component of both indices, in long form: one row per LSOA and component."""
    tables = {
        "age": age,
        "tenure": tenure,
        "partnership": partnership,
        "health": health,
        "disability": disability,
        "deprivation": deprivation,
    }
    parts = [
        table_components(counts, [c for c in COMPONENTS if c.table == name])
        for name, counts in tables.items()
    ]
    return pl.concat(parts).sort("lsoa_code", "component")


def select_study_area(
    components: pl.LazyFrame, lookup: pl.LazyFrame, local_authorities: Sequence[str] = ()
) -> pl.LazyFrame:
    """Keep the LSOAs in ``local_authorities`` (every LSOA if none are given).

    Ranks and deciles are relative to the areas kept, so choosing the study area
    here, rather than filtering the published index, keeps them meaningful. An
    LSOA missing from the lookup is kept, so the index schema can report it.
    """
    if not local_authorities:
        return components
    chosen = lookup.filter(pl.col("lad_code").is_in(list(local_authorities)))
    unknown = components.join(lookup, on="lsoa_code", how="anti")
    return pl.concat([components.join(chosen, on="lsoa_code", how="semi"), unknown]).sort(
        "lsoa_code", "component"
    )


def mean_household_size(
    household_size: pl.LazyFrame, eight_or_more: float = EIGHT_OR_MORE_PEOPLE
) -> pl.LazyFrame:
    """Mean number of people per occupied household, from TS017's size bands.

    Household spaces with no usual residents ("0 people") are not households
    and are left out. The open band "8 or more people" is counted as
    ``eight_or_more`` people each (8 by default, a lower bound), so the mean is
    a slight underestimate where very large households are common.
    """
    people = pl.col("category").replace_strict(
        {**HOUSEHOLD_SIZES, OPEN_HOUSEHOLD_SIZE: eight_or_more}, return_dtype=pl.Float64
    )
    occupied = pl.col("category") != "0 people in household"
    count = pl.col("count").filter(occupied)
    unknown = count.is_null().any()
    return (
        household_size.group_by("area_code")
        .agg(
            pl.when(unknown).then(None).otherwise(count.sum()).alias("occupied_households"),
            pl.when(unknown)
            .then(None)
            .otherwise((count * people.filter(occupied)).sum())
            .alias("household_residents"),
            pl.col("census_year").first(),
        )
        .with_columns(
            pl.when(pl.col("occupied_households") > 0)
            .then(pl.col("household_residents") / pl.col("occupied_households"))
            .alias("mean_household_size")
        )
        .rename({"area_code": "lsoa_code"})
        .select(
            "lsoa_code",
            "census_year",
            "occupied_households",
            "household_residents",
            "mean_household_size",
        )
        .sort("lsoa_code")
    )


def _wide(components: pl.LazyFrame, names: Sequence[str]) -> pl.LazyFrame:
    """One row per LSOA with the fraction of each component in ``names`` as a column."""
    return components.group_by("lsoa_code").agg(
        pl.col("fraction").filter(pl.col("component") == name).first().alias(name) for name in names
    )


def tombolo_social_isolation_proxy(components: pl.LazyFrame) -> pl.LazyFrame:
    """Tombolo's index: the unweighted sum of six fractions (0 to 6).

    The sum uses ``+`` rather than ``sum_horizontal`` on purpose: a missing
    component makes the proxy missing, not smaller.
    """
    total = reduce(lambda left, right: left + right, (pl.col(n) for n in PROXY_COMPONENTS))
    return (
        _wide(components, PROXY_COMPONENTS)
        .select("lsoa_code", total.alias("tombolo_social_isolation_proxy"))
        .sort("lsoa_code")
    )


def ageuk_loneliness_logodds(
    components: pl.LazyFrame,
    household_size: pl.LazyFrame,
    coefficients: Mapping[str, float],
) -> pl.LazyFrame:
    """Age UK's weighted model applied to area proportions (an ecological approximation).

    ``logit = constant + sum(coefficient * term)`` over the Census-measurable terms
    in ``AGEUK_TERMS``; the terms the Census cannot measure (eye conditions,
    pets, difficulty with activities of daily living) are held at 0, so they add
    nothing. Prevalence is the logistic function of the log-odds.
    """
    inputs = _wide(components, [AGEUK_TERMS[term] for term in AGEUK_FRACTIONS]).join(
        household_size.select("lsoa_code", "mean_household_size"),
        on="lsoa_code",
        how="left",
        validate="1:1",
    )
    logodds = reduce(
        lambda left, right: left + right,
        (pl.lit(coefficients[term]) * pl.col(column) for term, column in AGEUK_TERMS.items()),
        pl.lit(coefficients["constant"]),
    )
    return (
        inputs.with_columns(logodds.alias("ageuk_loneliness_logodds"))
        .with_columns(
            (1 / (1 + (-pl.col("ageuk_loneliness_logodds")).exp())).alias(
                "ageuk_loneliness_prevalence_frac"
            )
        )
        .select(
            "lsoa_code",
            *(pl.col(AGEUK_TERMS[term]).alias(f"{term}_frac") for term in AGEUK_FRACTIONS),
            "mean_household_size",
            "ageuk_loneliness_logodds",
            "ageuk_loneliness_prevalence_frac",
        )
        .sort("lsoa_code")
    )


def _rank_and_decile(column: str, prefix: str) -> list[pl.Expr]:
    """Rank (1 = highest risk, ties share the best rank) and decile (1 = top tenth).

    Only areas with a value are ranked; deciles split those areas into ten
    groups of (nearly) equal size, as the Index of Multiple Deprivation does.
    """
    rank = pl.col(column).rank(method="min", descending=True)
    ranked = pl.col(column).count()
    decile = ((rank - 1) * 10 // ranked + 1).cast(pl.UInt8)
    return [rank.alias(f"{prefix}_rank"), decile.alias(f"{prefix}_decile")]


def social_isolation_index(
    proxy: pl.LazyFrame,
    ageuk: pl.LazyFrame,
    lookup: pl.LazyFrame,
) -> pl.LazyFrame:
    """Both indices side by side, ranked within the areas given, with their local authority.

    The lookup is joined with a left join, so an LSOA missing from it (for
    example a 2011 code) keeps a null ``lad_code`` and fails the next schema
    by name rather than vanishing.
    """
    both = proxy.join(ageuk, on="lsoa_code", how="full", coalesce=True, validate="1:1")
    return (
        with_lookup(both, lookup, on="lsoa_code")
        .with_columns(
            *_rank_and_decile("tombolo_social_isolation_proxy", "tombolo_proxy"),
            *_rank_and_decile("ageuk_loneliness_prevalence_frac", "ageuk"),
        )
        .select(
            "lsoa_code",
            "lsoa_name",
            "msoa_code",
            "lad_code",
            "lad_name",
            "tombolo_social_isolation_proxy",
            "tombolo_proxy_rank",
            "tombolo_proxy_decile",
            "mean_household_size",
            "ageuk_loneliness_logodds",
            "ageuk_loneliness_prevalence_frac",
            "ageuk_rank",
            "ageuk_decile",
        )
        .sort("lsoa_code")
    )
