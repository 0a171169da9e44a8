"""Synthetic inputs for the skills pipeline, in the published layouts (never real data).

* ``qualifications.csv``: Census 2021 TS067 in the Nomis bulk layout
  (``census2021-ts067-lsoa.csv``), with the published category labels;
* ``lsoa_lookup.csv``: an ONS-style LSOA 2021 -> MSOA 2021 -> LAD 2022 lookup;
* ``aps.csv``: an Annual Population Survey download from the Nomis API
  (``NM_17_5``), all four measures, NVQ-based qualification variables up to
  Jan-Dec 2021 and RQF-based ones from Jan-Dec 2022, the employment rate
  throughout, and two shortfall cases (a blank value with status ``!``, and an
  unreliable value with status ``*``).

Area codes, names and all values are invented (local authority codes beyond the
ranges ONS has issued); the RQF series is deliberately set a little apart from
the NVQ one, so the series break is visible.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from rapkit.importers.census import to_nomis_bulk
from rapkit.importers.geography import synthetic_lsoa_lookup
from rapkit.importers.nomis_api import APS_MEASURES

from .stages import TS067_CATEGORIES

LADS = (
    ("E08000901", "Synthetic Metropolitan Borough"),
    ("E06000901", "Synthetic Unitary"),
    ("E09000901", "Synthetic London Borough"),
    ("E07000901", "Synthetic District"),
)
QUALIFICATION_SHARES = (0.18, 0.10, 0.13, 0.05, 0.17, 0.34, 0.03)  # TS067 order
TOPIC = "Highest level of qualification"
TOTAL = "Total: All usual residents aged 16 years and over"
YEARS = tuple(range(2017, 2024))
LAST_NVQ_YEAR = 2021
# (VARIABLE code, name template, framework or None, typical %, yearly trend). The codes are
# illustrative; the RQF variables get their own codes (+1000), as new Nomis variables do.
VARIABLES = (
    (45, "Employment rate - aged 16-64", None, 74.0, 0.3),
    (290, "% with {f}4+ - aged 16-64", "f", 38.0, 0.8),
    (291, "% with {f}3+ - aged 16-64", "f", 57.0, 0.6),
    (292, "% with no qualifications ({f}) - aged 16-64", "f", 7.5, -0.3),
)
MEASURE_NAMES = {20599: "Variable", 21001: "Numerator", 21002: "Denominator", 21003: "Confidence"}
STATUS = {
    "A": "Normal Value",
    "!": "Estimate and confidence interval not available since the group sample size is zero "
    "or disclosive (0-2)",
    "*": "Estimate and confidence interval unreliable since the group sample size is small (3-9)",
}
GEOGRAPHY_TYPE = "local authorities: district / unitary (as of April 2023)"


def make_sample(rows: int, seed: int) -> dict[str, pl.DataFrame]:
    """Return the three synthetic inputs for ``rows`` LSOAs."""
    rng = np.random.default_rng(seed)
    lookup = synthetic_lsoa_lookup(rows, LADS)
    return {
        "aps": _aps(rng),
        "lsoa_lookup": lookup,
        "qualifications": _qualifications(rng, lookup),
    }


def _qualifications(rng: np.random.Generator, lookup: pl.DataFrame) -> pl.DataFrame:
    """TS067 counts per LSOA: residents aged 16+ split around typical shares."""
    areas = lookup.height
    residents = rng.integers(1_000, 1_700, size=areas)
    shares = rng.dirichlet(np.array(QUALIFICATION_SHARES) * 40, size=areas)
    counts = rng.multinomial(residents, shares)
    long = pl.DataFrame(
        {
            "area_code": np.repeat(lookup["LSOA21CD"].to_numpy(), len(TS067_CATEGORIES)),
            "area_name": np.repeat(lookup["LSOA21NM"].to_numpy(), len(TS067_CATEGORIES)),
            "category": np.tile(np.array(TS067_CATEGORIES), areas),
            "count": counts.reshape(-1).astype(np.int64),
        }
    )
    return to_nomis_bulk(long, topic=TOPIC, total_label=TOTAL)


def _aps(rng: np.random.Generator) -> pl.DataFrame:
    """APS rows for England and each synthetic authority, every period, variable and measure."""
    areas = [(2_092_957_699, "E92000001", "England", "countries", 4_000_000.0, 0.3)]
    areas += [
        (1_946_157_901 + i, code, name, GEOGRAPHY_TYPE, float(rng.integers(90, 300)) * 1_000, 3.5)
        for i, (code, name) in enumerate(LADS)
    ]
    rows: list[dict[str, object]] = []
    for geography, code, name, kind, population, interval in areas:
        offset = rng.normal(0, 4)
        for year in YEARS:
            framework = "NVQ" if year <= LAST_NVQ_YEAR else "RQF"
            for variable, template, has_framework, typical, trend in VARIABLES:
                shift = 2.0 if has_framework and framework == "RQF" else 0.0
                value = typical + offset + trend * (year - YEARS[0]) + shift + rng.normal(0, 1)
                value = min(max(value, 0.0), 100.0)  # a percentage, whatever the seed draws
                denominator = round(population * (1 + rng.normal(0, 0.01)), -2)
                numerator = round(denominator * value / 100, -2)
                values = {
                    20599: f"{100 * numerator / denominator:.1f}",
                    21001: f"{numerator:.0f}",
                    21002: f"{denominator:.0f}",
                    21003: f"{interval + rng.uniform(0, 0.6):.1f}",
                }
                status = "A"
                if code == LADS[-1][0] and variable == 292 and year == 2019:
                    status = "!"  # too few respondents: no estimate published
                    values = dict.fromkeys(values, "")
                elif code == LADS[-1][0] and variable == 292 and year == 2020:
                    status = "*"  # published, but flagged unreliable
                label = template.format(f=framework)
                code_used = variable + (1_000 if has_framework and framework == "RQF" else 0)
                for measure in APS_MEASURES:
                    rows.append(
                        {
                            "DATE": f"{year}-12",
                            "DATE_NAME": f"Jan {year}-Dec {year}",
                            "DATE_CODE": f"{year}-12",
                            "DATE_TYPE": "date",
                            "DATE_TYPECODE": 0,
                            "DATE_SORTORDER": year - YEARS[0],
                            "GEOGRAPHY": geography,
                            "GEOGRAPHY_NAME": name,
                            "GEOGRAPHY_CODE": code,
                            "GEOGRAPHY_TYPE": kind,
                            "GEOGRAPHY_TYPECODE": 499 if kind == "countries" else 424,
                            "VARIABLE": code_used,
                            "VARIABLE_NAME": label,
                            "VARIABLE_CODE": code_used,
                            "MEASURES": measure,
                            "MEASURES_NAME": MEASURE_NAMES[measure],
                            "OBS_VALUE": values[measure] or None,
                            "OBS_STATUS": status,
                            "OBS_STATUS_NAME": STATUS[status],
                            "OBS_CONF": "F",
                            "OBS_CONF_NAME": "Free (free for publication)",
                            "URN": f"Nm-17d1d{year}d{geography}d{code_used}d{measure}",
                            "RECORD_OFFSET": len(rows),
                            "RECORD_COUNT": 0,
                        }
                    )
    frame = pl.DataFrame(rows, infer_schema_length=None)
    return frame.with_columns(pl.lit(frame.height).alias("RECORD_COUNT"))
