"""Synthetic inputs for the child attainment pipeline, in the published layouts.

SYNTHETIC DATA: the authorities ("Synthetic Unitary 001", ...) and every figure
are made up by a random generator. The codes have the right GSS form (E06, E08,
E09) but are outside the ranges in use, so they cannot be mistaken for, or
joined to, real places. The files mirror the real ones column for column:

* ``ks4_la_characteristics.csv``: a DfE explore-education-statistics KS4 file
  (national, regional and local authority rows; breakdowns Total, Boys, Girls,
  Disadvantaged and Disadvantaged all other; three academic years; ``c``, ``x``,
  ``z`` and ``:`` markers where DfE would put them);
* ``iod2025_lad_summary.csv``: an indices of deprivation 2025 local authority
  district summary in the long layout (one row per authority and domain).

Totals and averages agree (an average is its total over its pupils, rounded as
DfE rounds), so the schemas' cross-checks hold on the sample.
"""

from __future__ import annotations

import numpy as np
import polars as pl

YEARS = (202122, 202223, 202324)
YEAR_EFFECT = {202122: 1.6, 202223: 0.0, 202324: -0.2}  # Attainment 8 points
BREAKDOWNS = (
    ("Total", "Total"),
    ("Sex", "Boys"),
    ("Sex", "Girls"),
    ("Disadvantage", "Disadvantaged"),
    ("Disadvantage", "Disadvantaged all other"),
)
ROWS_PER_LA = len(YEARS) * len(BREAKDOWNS)
MIN_LAS, MAX_LAS = 6, 2_400
LA_TYPES = (
    ("E06", "Synthetic Unitary"),
    ("E08", "Synthetic Metropolitan"),
    ("E09", "Synthetic London Borough"),
)
LONDON_KIND = 2  # index of London boroughs in LA_TYPES
REGIONS = (
    ("E12000001", "North East"),
    ("E12000002", "North West"),
    ("E12000003", "Yorkshire and The Humber"),
    ("E12000004", "East Midlands"),
    ("E12000005", "West Midlands"),
    ("E12000006", "East of England"),
    ("E12000008", "South East"),
    ("E12000009", "South West"),
)
LONDON = ("E12000007", "London")
# IoD2025 domain label, mean score, score per unit of deprivation, and whether the
# domain follows the authority's overall deprivation (barriers and living
# environment are largely unrelated to income deprivation, so they vary freely).
IOD_DOMAINS = (
    ("Index of Multiple Deprivation", 21.0, 8.0, True),
    ("Income Deprivation", 0.12, 0.05, True),
    ("Employment Deprivation", 0.09, 0.035, True),
    ("Education, Skills and Training Deprivation", 21.0, 9.0, True),
    ("Health Deprivation and Disability", 0.0, 0.55, True),
    ("Crime", 0.0, 0.45, True),
    ("Barriers to Housing and Services", 20.0, 1.0, False),
    ("Living Environment Deprivation", 20.0, 3.0, False),
    ("Income Deprivation Affecting Children", 0.16, 0.07, True),
    ("Income Deprivation Affecting Older People", 0.14, 0.05, True),
)
P8_SD = 1.25  # spread of pupils' Progress 8 scores, for confidence intervals
MEASURE_COLUMNS = (
    "t_pupils",
    "t_att8",
    "avg_att8",
    "t_l2basics_95",
    "pt_l2basics_95",
    "t_l2basics_94",
    "pt_l2basics_94",
    "t_inp8calc",
    "t_p8score",
    "avg_p8score",
    "p8score_CI_low",
    "p8score_CI_upp",
)
P8_COLUMNS = ("t_inp8calc", "t_p8score", "avg_p8score", "p8score_CI_low", "p8score_CI_upp")


def make_sample(rows: int, seed: int) -> dict[str, pl.DataFrame]:
    """Return both synthetic files; ``rows`` is about the number of local authority KS4 rows."""
    rng = np.random.default_rng(seed)
    las = _authorities(min(MAX_LAS, max(MIN_LAS, rows // ROWS_PER_LA)), rng)
    return {
        "ks4_la_characteristics": _ks4_file(las, rng),
        "iod2025_lad_summary": _iod_file(las, rng),
    }


def _authorities(count: int, rng: np.random.Generator) -> pl.DataFrame:
    """Synthetic authorities: codes, names, region, deprivation and cohort size."""
    kind = np.arange(count) % len(LA_TYPES)
    number = np.arange(count) // len(LA_TYPES) + 101
    regions = rng.integers(0, len(REGIONS), size=count)
    deprivation = rng.normal(0.0, 1.0, size=count)
    cohort = np.clip(rng.lognormal(np.log(2_600), 0.5, size=count), 700, 14_000).astype(np.int64)
    cohort[0] = 24  # one very small authority, as exists in reality, to show suppression
    region = [
        LONDON if k == LONDON_KIND else REGIONS[r] for k, r in zip(kind, regions, strict=True)
    ]
    return pl.DataFrame(
        {
            "new_la_code": [
                f"{LA_TYPES[k][0]}000{n:03d}" for k, n in zip(kind, number, strict=True)
            ],
            "la_name": [f"{LA_TYPES[k][1]} {n:03d}" for k, n in zip(kind, number, strict=True)],
            "old_la_code": [str(100 + i % 900) for i in range(count)],
            "region_code": [code for code, _ in region],
            "region_name": [name for _, name in region],
            "deprivation": deprivation,
            "cohort": cohort,
        }
    )


def _ks4_groups(las: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Disadvantaged and other pupils' totals per authority and year (numbers, not text)."""
    frames = []
    z = las["deprivation"].to_numpy()
    for year in YEARS:
        n = np.maximum(6, (las["cohort"].to_numpy() * rng.normal(1, 0.03, len(las)))).astype(
            np.int64
        )
        share = np.clip(0.26 + 0.07 * z + rng.normal(0, 0.03, len(las)), 0.06, 0.65)
        n_dis = np.clip(np.round(n * share), 3, n - 3).astype(np.int64)
        att8_other = 50.5 - 2.0 * z + YEAR_EFFECT[year] + rng.normal(0, 1.5, len(las))
        gap = 14.5 + 1.2 * z + rng.normal(0, 2.0, len(las))
        g5_other = np.clip(0.55 - 0.04 * z + rng.normal(0, 0.04, len(las)), 0.05, 0.95)
        g5_dis = np.clip(g5_other - 0.27 - 0.02 * z + rng.normal(0, 0.03, len(las)), 0.02, 0.9)
        p8_other = 0.12 - 0.08 * z + rng.normal(0, 0.12, len(las))
        p8_dis = p8_other - 0.6 - 0.05 * z + rng.normal(0, 0.1, len(las))
        for group, count, att8, g5, p8 in (
            ("Disadvantaged", n_dis, att8_other - gap, g5_dis, p8_dis),
            ("Disadvantaged all other", n - n_dis, att8_other, g5_other, p8_other),
        ):
            g4 = np.clip(g5 + 0.18, 0, 0.99)
            in_p8 = np.maximum(1, np.round(count * 0.96)).astype(np.int64)
            frames.append(
                pl.DataFrame(
                    {
                        "new_la_code": las["new_la_code"],
                        "time_period": year,
                        "breakdown": group,
                        "t_pupils": count,
                        "t_att8": np.round(np.clip(att8, 5, 85) * count * 2) / 2,
                        "t_l2basics_95": rng.binomial(count, g5),
                        "t_l2basics_94": rng.binomial(count, g4),
                        "t_inp8calc": in_p8,
                        "t_p8score": np.round(p8 * in_p8, 2),
                    }
                )
            )
    return pl.concat(frames)


def _with_totals_and_sex(groups: pl.DataFrame) -> pl.DataFrame:
    """Add Total (sum of the two groups) and Boys/Girls rows split from the total."""
    sums = ["t_pupils", "t_att8", "t_l2basics_95", "t_l2basics_94", "t_inp8calc", "t_p8score"]
    total = groups.group_by("new_la_code", "time_period").agg(pl.col(sums).sum())
    boys_share = 0.51
    boys = total.with_columns(
        pl.col("t_pupils").mul(boys_share).round().cast(pl.Int64),
        pl.col("t_inp8calc").mul(boys_share).round().cast(pl.Int64),
    ).with_columns(
        (pl.col("t_att8") * boys_share * 0.95).mul(2).round().truediv(2),
        (pl.col("t_l2basics_95") * boys_share * 0.94).round().cast(pl.Int64),
        (pl.col("t_l2basics_94") * boys_share * 0.96).round().cast(pl.Int64),
        (pl.col("t_p8score") * boys_share - 0.2 * pl.col("t_inp8calc")).round(2),
    )
    girls = total.with_columns(
        *((pl.col(c) - boys[c]) for c in sums),
    )
    return pl.concat(
        [
            total.with_columns(pl.lit("Total").alias("breakdown")),
            boys.with_columns(pl.lit("Boys").alias("breakdown")),
            girls.with_columns(pl.lit("Girls").alias("breakdown")),
            groups,
        ],
        how="diagonal",
    )


def _as_published(numbers: pl.DataFrame) -> pl.DataFrame:
    """Derive averages and percentages as DfE rounds them, then format every measure as text."""
    n, p8n = pl.col("t_pupils"), pl.col("t_inp8calc")
    p8 = _no_negative_zero((pl.col("t_p8score") / p8n).round(2))
    half_width = 1.96 * P8_SD / p8n.cast(pl.Float64).sqrt()
    return numbers.with_columns(
        (pl.col("t_att8") / n).round(1).alias("avg_att8"),
        (100 * pl.col("t_l2basics_95") / n).round(1).alias("pt_l2basics_95"),
        (100 * pl.col("t_l2basics_94") / n).round(1).alias("pt_l2basics_94"),
        p8.alias("avg_p8score"),
        _no_negative_zero((p8 - half_width).round(2)).alias("p8score_CI_low"),
        _no_negative_zero((p8 + half_width).round(2)).alias("p8score_CI_upp"),
        pl.col("t_att8").round(1),
        pl.col("t_p8score").round(2),
    ).with_columns(pl.col(c).cast(pl.String) for c in MEASURE_COLUMNS)


def _no_negative_zero(value: pl.Expr) -> pl.Expr:
    """Write a rounded -0.0 as 0.0, as a publisher's spreadsheet would."""
    return pl.when(value == 0).then(pl.lit(0.0)).otherwise(value)


def _suppress(rows: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Put markers where DfE would: ``c`` (small), ``x`` (unavailable), ``:`` (not available).

    The smallest authority's disadvantage rows are suppressed in the two later
    years; one authority-year has no Progress 8 (``x``); one interval is ``:``.
    """
    authorities = rows.filter(pl.col("geographic_level") == "Local authority")
    smallest = authorities.filter(pl.col("breakdown") == "Total").sort("t_pupils_n")["new_la_code"][
        0
    ]
    codes = authorities["new_la_code"].unique().sort()
    no_p8 = codes[int(rng.integers(1, len(codes)))]
    no_ci = codes[int(rng.integers(1, len(codes)))]
    small = (
        (pl.col("new_la_code") == smallest)
        & pl.col("breakdown").str.starts_with("Disadvantaged")
        & (pl.col("time_period") > YEARS[0])
    )
    missing_p8 = (pl.col("new_la_code") == no_p8) & (pl.col("time_period") == YEARS[1])
    missing_ci = (
        (pl.col("new_la_code") == no_ci)
        & (pl.col("time_period") == YEARS[2])
        & (pl.col("breakdown") == "Disadvantaged")
    )
    return (
        rows.with_columns(
            *(
                pl.when(small).then(pl.lit("c")).otherwise(pl.col(c)).alias(c)
                for c in MEASURE_COLUMNS
            )
        )
        .with_columns(
            *(
                pl.when(missing_p8).then(pl.lit("x")).otherwise(pl.col(c)).alias(c)
                for c in P8_COLUMNS
            ),
        )
        .with_columns(
            pl.when(missing_ci).then(pl.lit(":")).otherwise(pl.col(c)).alias(c)
            for c in ("p8score_CI_low", "p8score_CI_upp")
        )
    )


def _ks4_file(las: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Build the KS4 EES file: national, regional and LA rows for every year and breakdown."""
    numbers = _with_totals_and_sex(_ks4_groups(las, rng))
    schools = (las["cohort"] // 170 + 1).to_numpy()
    la_rows = numbers.join(
        las.select(
            "new_la_code", "la_name", "old_la_code", "region_code", "region_name"
        ).with_columns(pl.Series("schools", schools)),
        on="new_la_code",
    )
    sums = [
        "t_pupils",
        "t_att8",
        "t_l2basics_95",
        "t_l2basics_94",
        "t_inp8calc",
        "t_p8score",
        "schools",
    ]
    regional = la_rows.group_by("region_code", "region_name", "time_period", "breakdown").agg(
        pl.col(sums).sum()
    )
    national = la_rows.group_by("time_period", "breakdown").agg(pl.col(sums).sum())
    levels = pl.concat(
        [
            national.with_columns(
                pl.lit("National").alias("geographic_level"), pl.lit(0).alias("level_order")
            ),
            regional.with_columns(
                pl.lit("Regional").alias("geographic_level"), pl.lit(1).alias("level_order")
            ),
            la_rows.with_columns(
                pl.lit("Local authority").alias("geographic_level"), pl.lit(2).alias("level_order")
            ),
        ],
        how="diagonal",
    ).with_columns(pl.col("t_pupils").alias("t_pupils_n"))
    order = {label: i for i, (_, label) in enumerate(BREAKDOWNS)}
    topic = {label: t for t, label in BREAKDOWNS}
    published = _suppress(_as_published(levels), rng)
    return (
        published.with_columns(
            pl.col("breakdown")
            .replace_strict(order, return_dtype=pl.Int64)
            .alias("breakdown_order"),
        )
        .sort(
            "time_period",
            "level_order",
            "region_code",
            "new_la_code",
            "breakdown_order",
            nulls_last=False,
        )
        .select(
            pl.col("time_period").cast(pl.String),
            pl.lit("Academic year").alias("time_identifier"),
            "geographic_level",
            pl.lit("E92000001").alias("country_code"),
            pl.lit("England").alias("country_name"),
            "region_code",
            "region_name",
            "old_la_code",
            "new_la_code",
            "la_name",
            pl.lit("Revised").alias("version"),
            pl.col("breakdown")
            .replace_strict(topic, return_dtype=pl.String)
            .alias("breakdown_topic"),
            "breakdown",
            pl.when(pl.col("breakdown") == "Total")
            .then(pl.col("schools").cast(pl.String))
            .otherwise(pl.lit("z"))
            .alias("t_schools"),
            *MEASURE_COLUMNS,
        )
    )


def _iod_file(las: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Build the IoD2025 district summary (long layout) for the same authorities."""
    z = las["deprivation"].to_numpy()
    frames = []
    for order, (label, mean, scale, related) in enumerate(IOD_DOMAINS):
        latent = z if related else rng.normal(0, 1, len(las))
        score = np.round(mean + scale * (latent + rng.normal(0, 0.25, len(las))), 3)
        average_rank = np.round(
            np.clip(16_900 + 4_500 * latent + rng.normal(0, 600, len(las)), 900, 33_000), 2
        )
        bottom = np.round(np.clip(0.08 + 0.1 * latent + rng.normal(0, 0.03, len(las)), 0, 0.75), 4)
        bottom = np.where(bottom < 0.01, 0.0, bottom)
        frames.append(
            pl.DataFrame(
                {
                    "area_code": las["new_la_code"],
                    "area_name": las["la_name"],
                    "domain_order": order,
                    "index_domain": label,
                    "average_rank": average_rank,
                    "average_score": score,
                    "proportion_bottom_decile": bottom,
                }
            )
        )
    return (
        pl.concat(frames)
        .with_columns(
            _rank_within_domain("average_rank"),
            _rank_within_domain("average_score"),
            _rank_within_domain("proportion_bottom_decile"),
        )
        .sort("area_code", "domain_order")
        .select(
            "area_code",
            "area_name",
            pl.lit("Local Authority District (2024)").alias("area_type"),
            pl.lit(2025).alias("deprivation_data_year"),
            "index_domain",
            "average_rank",
            "rank_average_rank",
            "average_score",
            "rank_average_score",
            "proportion_bottom_decile",
            "rank_proportion_bottom_decile",
        )
        .with_columns(pl.all().cast(pl.String))  # as published: no trailing zeros
    )


def _rank_within_domain(column: str) -> pl.Expr:
    """Rank ``column`` within each domain, 1 = highest (most deprived); ties share a rank."""
    ranked = pl.col(column).rank(method="min", descending=True).over("index_domain")
    return ranked.cast(pl.Int64).alias(f"rank_{column}")
