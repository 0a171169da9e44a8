"""RAP maturity self-check: ``rapkit rap-check [PATH]`` or ``python -m <package> rap-check``.

A project proves its own level against the NHS "Levels of RAP" (Baseline,
Silver, Gold) and reports the Analysis Function RAP minimum standard and key
Duck Book practices alongside. Any repository can be checked; one without a
cookiecutter-rap pipeline configuration fails the criteria that need a
pipeline, saying why.

Each criterion is one small function registered in its family's module:
:mod:`.baseline` (B1-B5), :mod:`.silver` (S1-S9), :mod:`.gold` (G1-G4),
:mod:`.analysis_function` (AF1-AF7) and :mod:`.duck_book` (DB1-DB6);
:mod:`.criteria` puts them in report order. :mod:`.project` gathers the
evidence (running the tests, the pipeline and the package build once),
:mod:`.ci` reads CI configuration, :mod:`.manual` finds manual steps and
outside reads, and :mod:`.report` applies human attestations from
``rap-attestations.toml``, works out the level and prints or saves the report.
The headline level counts only criteria that are met; the machine-checkable
level also counts criteria waiting for a person's attestation.
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
