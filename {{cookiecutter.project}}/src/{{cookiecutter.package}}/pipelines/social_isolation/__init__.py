"""Social isolation risk among older people, per LSOA, from Census 2021 tables.

Two indices from the same Census counts, published side by side:

* ``tombolo_social_isolation_proxy``: the Tombolo Digital Connector's
  unweighted sum of six fractions (older people, renting, widowed/divorced/
  separated, bad health, disability, household deprivation), 0 to 6. A proxy
  for *risk factors*, not a measure of loneliness.
* ``ageuk_loneliness_logodds``: Age UK's weighted model of "often lonely"
  (log-odds and prevalence), applied to area proportions as an ecological
  approximation.

    lookup + seven Census tables --import--> counts --components--> components
        --proxy / Age UK model--> index (ranked, with local authority)

See ``docs/starters/social_isolation.qmd`` for the problem statement, method
and caveats, ``stages.py`` for the functions and ``schemas.py`` for what each
stage guarantees.
"""

from .pipeline import SAMPLE_ROWS, build
from .sample import make_sample

__all__ = ["SAMPLE_ROWS", "build", "make_sample"]
