"""Analysis Function RAP minimum standard (reported; does not change the NHS level).

AF1  minimal manual steps, the rest documented      (same check as S1)
AF2  built with open-source software                (same check as B1)
AF3  peer reviewed                                  (same check as B4; attestable)
AF4  version controlled                             (same check as B2)
AF5  open to anyone                                 (same check as B5; attestable)
AF6  follows existing QA good practice: a QA log    (its own check, below)
AF7  well commented, documentation in the repo      (same check as S2)

An attestation of an NHS criterion also settles its AF equivalent.
"""

from __future__ import annotations

import re

from . import docs
from .baseline import check_b1, check_b2, check_b4, check_b5
from .model import Family, Outcome, failed, passed
from .project import Project
from .silver import check_s1, check_s2

ANALYSIS_FUNCTION = Family("Analysis Function")

ANALYSIS_FUNCTION.add(
    "AF1", "Minimal manual steps, the rest documented", "run", check_s1, same_as="S1"
)
ANALYSIS_FUNCTION.add("AF2", "Built with open-source software", "static", check_b1, same_as="B1")
ANALYSIS_FUNCTION.add("AF3", "Peer reviewed", "git/attest", check_b4, same_as="B4", attestable=True)
ANALYSIS_FUNCTION.add("AF4", "Version controlled (audit trail)", "git", check_b2, same_as="B2")
ANALYSIS_FUNCTION.add(
    "AF5", "Open to anyone", "static/attest", check_b5, same_as="B5", attestable=True
)


@ANALYSIS_FUNCTION.criterion("AF6", "Follows existing QA good practice (QA log)", "static")
def check_af6(project: Project) -> Outcome:
    """AF6: QA follows existing guidance: a QA log with the proportionate QA level and entries."""
    text = project.text("docs/qa_log.md")
    if text is None:
        return failed(
            "docs/qa_log.md is missing", "add a QA log (see the Aqua Book) in docs/qa_log.md"
        )
    if not re.search(r"QA level\W*(lower|moderate|higher)\b", text, re.IGNORECASE):
        return failed(
            "docs/qa_log.md does not declare the proportionate QA level",
            "add a line 'QA level: lower|moderate|higher' (Duck Book checklists)",
        )
    dated = [row for row in docs.entries(text) if re.search(r"\d{4}-\d{2}-\d{2}", row)]
    if not dated:
        return failed(
            "docs/qa_log.md has no dated QA entries", "record each QA activity with its date"
        )
    return passed(f"QA log with {len(dated)} dated entr{'y' if len(dated) == 1 else 'ies'}")


ANALYSIS_FUNCTION.add(
    "AF7",
    "Well commented, documentation embedded in the repo",
    "static/run",
    check_s2,
    same_as="S2",
)
