"""RAP maturity self-check: ``python -m <package> rap-check``.

The project proves its own level against the NHS "Levels of RAP" (Baseline,
Silver, Gold) and reports the Analysis Function RAP minimum standard and key
Duck Book practices alongside. Each criterion is a small function in
:mod:`.criteria`; :mod:`.report` applies human attestations from
``rap-attestations.toml``, works out the level and prints or saves the report.
"""

from __future__ import annotations

from .model import Level, Status
from .project import Options, Project
from .report import Report, evaluate, render_table, summary, to_json, write_json

__all__ = [
    "Level",
    "Options",
    "Project",
    "Report",
    "Status",
    "evaluate",
    "render_table",
    "summary",
    "to_json",
    "write_json",
]
