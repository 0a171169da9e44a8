"""The criteria table: every criterion, in report order, gathered from its family module.

Where to find a criterion (each is one small ``check_<id>`` function, registered
with its id, title and method by the decorator above it):

===========================  ===========================================
``baseline.py``              B1-B5, NHS Baseline
``silver.py``                S1-S9, NHS Silver
``gold.py``                  G1-G4, NHS Gold
``analysis_function.py``     AF1-AF7, Analysis Function minimum standard
``duck_book.py``             DB1-DB6, Duck Book practices
``common.py``                helpers shared by several families
===========================  ===========================================

Sources: NHS England "Levels of RAP", the Analysis Function RAP minimum
standard and the Duck Book (Quality assurance of code for analysis and
research). Every check looks at content, not only at whether a file exists,
and every failure says how to fix it.
"""

from __future__ import annotations

from .analysis_function import ANALYSIS_FUNCTION
from .baseline import BASELINE
from .duck_book import DUCK_BOOK
from .gold import GOLD
from .model import Criterion
from .silver import SILVER

FAMILIES = (BASELINE, SILVER, GOLD, ANALYSIS_FUNCTION, DUCK_BOOK)


def _table() -> tuple[Criterion, ...]:
    """Every registered criterion in report order; ids must be unique across families."""
    table = tuple(criterion for family in FAMILIES for criterion in family.criteria)
    ids = [criterion.id for criterion in table]
    duplicated = sorted({found for found in ids if ids.count(found) > 1})
    if duplicated:
        msg = f"criteria registered more than once: {', '.join(duplicated)}"
        raise ValueError(msg)
    return table


CRITERIA: tuple[Criterion, ...] = _table()
BY_ID: dict[str, Criterion] = {criterion.id: criterion for criterion in CRITERIA}
