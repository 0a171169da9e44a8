"""Active travel: how much people in each neighbourhood walk and cycle.

An LSOA-level index in the spirit of the Tombolo Digital Connector's Active
Transport Index: an (optionally weighted) sum of three fractions, each kept as
a component with its numerator, denominator and source:

    travel_to_work.csv (Census 2021 TS061) -----> active_commute
    traffic_aadf.csv + count_point_lsoa.csv ----> cycle_traffic  (LSOA -> MSOA -> LA back-off)
    walking_cycling.csv (DfT CW0301, LA) -------> adults_active_travel
    lsoa_lookup.csv (ONS LSOA -> MSOA -> LAD) ---> which areas, and the back-off route

    components --> active_travel_components (one row per LSOA and component)
               --> active_travel_index      (one row per LSOA)

See ``docs/starters/active_travel.qmd`` for the problem statement and caveats.
"""

from .pipeline import SAMPLE_ROWS, build
from .sample import make_sample

__all__ = ["SAMPLE_ROWS", "build", "make_sample"]
