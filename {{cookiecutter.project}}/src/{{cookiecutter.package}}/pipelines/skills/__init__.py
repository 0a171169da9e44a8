"""Skills and employment: qualifications by neighbourhood, and the local trend.

Two views of one question, at the geographies where each is reliable:

    qualifications.csv (Census 2021 TS067, LSOA) --+-- lsoa_lookup.csv (ONS)
        --> lsoa_qualifications: shares with no qualifications / level 3+ / level 4+,
            beside the local authority's share (from the same table)
    aps.csv (Annual Population Survey, Nomis API CSV, local authority)
        --> aps_series: % aged 16-64 qualified to each level (and employment rate) by
            12-month period, with confidence intervals, and change from the previous
            period only within the same qualification framework (NVQ to 2021, RQF from 2022)

See ``docs/starters/skills.qmd`` for the problem statement and caveats.
"""

from .pipeline import SAMPLE_ROWS, build
from .sample import make_sample

__all__ = ["SAMPLE_ROWS", "build", "make_sample"]
