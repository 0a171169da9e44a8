"""Example pipeline: count residents aged 65 and over in each area.

A deliberately small pipeline to copy when adding your own. It reads one
record-level file (one row per person) and one lookup, and publishes one
summary per area:

    residents.csv --tidy_residents--> residents --summarise_areas--> area_summary

See ``stages.py`` for the functions and ``schemas.py`` for what each stage
guarantees.
"""

from .pipeline import SAMPLE_ROWS, build
from .sample import make_sample

__all__ = ["SAMPLE_ROWS", "build", "make_sample"]
