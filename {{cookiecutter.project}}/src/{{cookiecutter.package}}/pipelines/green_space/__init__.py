"""Access to green space: how much public green space each LSOA has, and how far away it is.

Reads three inputs (see ``docs/starters/green_space.qmd`` for sources and method):

* ONS "Access to gardens and public green space", LSOA parks sheet (as CSV);
* ONS Open Geography LSOA boundaries, attribute table (codes and areas);
* OS Open Greenspace sites cut by LSOA and overlap in a GIS (as CSV),

and publishes a green space index with its components per LSOA
(``green_space_lsoa``) and a summary per local authority (``green_space_lad``).
"""

from .pipeline import SAMPLE_ROWS, build
from .sample import make_sample

__all__ = ["SAMPLE_ROWS", "build", "make_sample"]
