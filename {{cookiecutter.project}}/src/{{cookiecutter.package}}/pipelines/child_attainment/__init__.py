"""Child attainment and progression: where key stage 4 disadvantage gaps are widest.

Reads the DfE key stage 4 local authority file (explore-education-statistics,
pupil characteristics: all, disadvantaged and all other pupils) and the indices
of deprivation local authority summary, and publishes:

* ``la_attainment``: Attainment 8, grade 5+ English and maths and Progress 8
  per authority, year and pupil group, with numerators and denominators;
* ``attainment_gaps``: the gap between disadvantaged and other pupils per
  authority, year and measure, its rank, and the authority's deprivation decile;
* ``gaps_by_deprivation``: gaps summarised by deprivation quintile.

See ``docs/starters/child_attainment.qmd`` for the problem statement and caveats.
"""

from .pipeline import SAMPLE_ROWS, build
from .sample import make_sample

__all__ = ["SAMPLE_ROWS", "build", "make_sample"]
