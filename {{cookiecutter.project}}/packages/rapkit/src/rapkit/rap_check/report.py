"""Evaluate the criteria, apply attestations, work out the NHS RAP level and report it.

Level rule (NHS, cumulative): Baseline needs every B criterion met, Silver
also every S, Gold also every G. "Met" means pass, attested or not
applicable. Nothing else is a pass: a criterion that only a person can
confirm and nobody has yet attested (``pending``), or whose run was skipped
(``unchecked``), blocks the level like a failure does. So the headline never
overstates: a fresh, unreviewed and unpublished project is *below Baseline*,
because peer review (B4) and publication (B5) are Baseline criteria.

The report also gives the *machine-checkable* level, which counts pending
attestations as met (never a failure, never a skipped run): what the project
reaches once a person confirms the pending criteria. ``--accept-pending``
makes the exit status follow that level, for CI, which cannot attest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__
from ..io import atomic_write_bytes
from ..manifest import utc_now
from .attestations import Attestation
from .criteria import CRITERIA
from .model import MET, UNDECIDED, Criterion, Level, Outcome, Result, Status
from .project import Project

SYMBOLS = {
    Status.PASS: "pass",
    Status.FAIL: "FAIL",
    Status.ATTESTED: "attested",
    Status.NOT_APPLICABLE: "n/a",
    Status.PENDING: "pending",
    Status.UNCHECKED: "unchecked",
}


@dataclass(frozen=True)
class Report:
    """Every result, the levels reached, and whether they meet the project's target.

    Attributes:
        level: the highest level whose every criterion (and those below) is met.
        machine_level: the same, counting criteria pending a person's attestation as
            met: the level the machine-checkable criteria reach.
        accept_pending: whether the exit status follows ``machine_level`` (for CI).
        blocker: the first criterion that stops ``level`` going higher.
        machine_blocker: the first criterion that stops ``machine_level`` going higher.

    """

    results: tuple[Result, ...]
    level: Level | None
    machine_level: Level | None
    target: Level
    accept_pending: bool
    blocker: Result | None
    machine_blocker: Result | None
    warnings: tuple[str, ...]

    @property
    def meets_target(self) -> bool:
        """Whether the level (the machine level with ``--accept-pending``) reaches the target."""
        reached = self.machine_level if self.accept_pending else self.level
        return reached is not None and reached >= self.target

    @property
    def pending(self) -> list[Result]:
        """NHS criteria waiting for a person's attestation."""
        return [r for r in self.results if r.criterion.level and r.status is Status.PENDING]

    @property
    def undecided(self) -> list[Result]:
        """NHS criteria that are pending a person's attestation or were not run."""
        return [r for r in self.results if r.criterion.level and r.status in UNDECIDED]


def apply_attestation(
    criterion: Criterion, outcome: Outcome, project: Project
) -> tuple[Outcome, tuple[str, ...]]:
    """Let a valid attestation settle a pending criterion; return the outcome and notes.

    Machine evidence always wins: an attestation cannot turn a failure into a pass,
    and is not needed when the machine check passed.
    """
    found, _ = project.attestations
    attestation = found.get(criterion.same_as or criterion.id) or found.get(criterion.id)
    if attestation is None:
        return outcome, ()
    if not criterion.attestable:
        return outcome, (f"attestation for {criterion.id} ignored: a machine checks it",)
    if outcome.status is not Status.PENDING:
        return outcome, ()
    return _attested(attestation, project), ()


def _attested(attestation: Attestation, project: Project) -> Outcome:
    """Turn a valid attestation into an outcome, warning when it is old."""
    age = attestation.age_days(project.options.today)
    warnings: tuple[str, ...] = ()
    if age > project.options.max_age_days:
        warnings = (
            (
                f"attestation is {age} days old (more than {project.options.max_age_days}): "
                "confirm it again and update the date"
            ),
        )
    status = Status.ATTESTED if attestation.status == "attested" else Status.NOT_APPLICABLE
    reason = (
        f"{attestation.status.replace('_', ' ')} by {attestation.who} on "
        f"{attestation.date.isoformat()}: {attestation.evidence}"
    )
    return Outcome(status, reason, warnings=warnings)


def evaluate(project: Project, *, target: Level, accept_pending: bool = False) -> Report:
    """Run every criterion's check on ``project`` and work out the levels."""
    results = []
    for criterion in CRITERIA:
        outcome, notes = apply_attestation(criterion, criterion.check(project), project)
        results.append(Result(criterion, outcome, notes))
    level, blocker = reached_level(results)
    machine, machine_blocker = reached_level(results, accept_pending=True)
    _, problems = project.attestations
    return Report(
        results=tuple(results),
        level=level,
        machine_level=machine,
        target=target,
        accept_pending=accept_pending,
        blocker=blocker,
        machine_blocker=machine_blocker,
        warnings=tuple(problems),
    )


def reached_level(
    results: list[Result], *, accept_pending: bool = False
) -> tuple[Level | None, Result | None]:
    """Return the highest level whose criteria (and those below) are met, and the first blocker.

    Only pass, attested and not applicable are met; with ``accept_pending``, a
    criterion waiting for a person's attestation counts as met too (a skipped
    run never does: nobody has looked).
    """
    allowed = MET | ({Status.PENDING} if accept_pending else frozenset())
    reached = None
    for level in Level:
        blocker = next(
            (r for r in results if r.criterion.level == level and r.status not in allowed), None
        )
        if blocker is not None:
            return reached, blocker
        reached = level
    return reached, None


def _label(level: Level | None) -> str:
    """The name of a level, or ``below Baseline``."""
    return level.label if level else "below Baseline"


def _blocked(blocker: Result | None) -> str:
    """Say which criterion stops the next level, and why (empty when nothing does)."""
    if blocker is None or blocker.criterion.level is None:
        return ""
    return (
        f" ({blocker.criterion.level.label} blocked by {blocker.criterion.id}: "
        f"{blocker.outcome.reason})"
    )


def summary(report: Report) -> str:
    """The headline: the level, the machine-checkable level, and the verdict on the target.

    For example ``NHS RAP: below Baseline (B4, B5 need a person's confirmation);
    machine-checkable criteria: Gold. Target Gold: not met``.
    """
    text = f"NHS RAP: {_label(report.level)}"
    pending = [r.criterion.id for r in report.pending]
    blocker = report.blocker
    if blocker is not None and blocker.status is Status.PENDING:
        verb = "needs" if len(pending) == 1 else "need"
        text += f" ({', '.join(pending)} {verb} a person's confirmation)"
    else:
        text += _blocked(blocker)
    text += f"; machine-checkable criteria: {_label(report.machine_level)}"
    if report.machine_blocker is not None and report.machine_blocker is not blocker:
        text += _blocked(report.machine_blocker)
    if report.meets_target and report.accept_pending and report.level != report.machine_level:
        verdict = "met with pending attestations accepted (--accept-pending)"
    else:
        verdict = "met" if report.meets_target else "not met"
    return f"{text}. Target {report.target.label}: {verdict}."


def render_table(report: Report) -> str:
    """Format the report as a plain-text table, grouped by framework, with each fix."""
    lines = []
    framework = None
    for result in report.results:
        if result.criterion.framework != framework:
            framework = result.criterion.framework
            lines += ["", f"{framework}"]
        outcome = result.outcome
        lines.append(
            f"  {result.criterion.id:<4} {SYMBOLS[outcome.status]:<9} "
            f"{result.criterion.title}: {outcome.reason}"
        )
        if outcome.fix and outcome.status not in MET:
            lines.append(f"  {'':<14}fix: {outcome.fix}")
        lines += [f"  {'':<14}warning: {w}" for w in (*outcome.warnings, *result.notes)]
    lines += [f"warning: {w}" for w in report.warnings]
    lines += ["", summary(report)]
    return "\n".join(lines)


def to_json(report: Report, project: Project) -> dict[str, Any]:
    """Return the report as a JSON-ready dictionary, for CI and for the Quarto report."""
    return {
        "tool": "rap-check",
        "checked_at": utc_now(),
        "project": project.pyproject.get("project", {}).get("name"),
        "version": project.version,
        "code_version": __version__,
        "git_commit": project.git.head,
        "options": {
            "run_pipeline": project.options.run_pipeline,
            "run_tests": project.options.run_tests,
            "accept_pending": report.accept_pending,
            "max_age_days": project.options.max_age_days,
        },
        "target_level": report.target.name.lower(),
        "level": report.level.name.lower() if report.level else None,
        "machine_level": report.machine_level.name.lower() if report.machine_level else None,
        "meets_target": report.meets_target,
        "summary": summary(report),
        "pending": [r.criterion.id for r in report.results if r.status is Status.PENDING],
        "unchecked": [r.criterion.id for r in report.results if r.status is Status.UNCHECKED],
        "warnings": list(report.warnings),
        "criteria": [_result_json(result) for result in report.results],
    }


def _result_json(result: Result) -> dict[str, Any]:
    """One criterion's result as a dictionary."""
    criterion, outcome = result.criterion, result.outcome
    return {
        "id": criterion.id,
        "framework": criterion.framework,
        "level": criterion.level.name.lower() if criterion.level else None,
        "same_as": criterion.same_as,
        "title": criterion.title,
        "method": criterion.method,
        "status": outcome.status.value,
        "reason": outcome.reason,
        "fix": outcome.fix,
        "warnings": [*outcome.warnings, *result.notes],
    }


def write_json(report: Report, project: Project, path: Path) -> None:
    """Write the JSON report atomically (a crashed check never leaves half a report)."""
    text = json.dumps(to_json(report, project), indent=2) + "\n"
    atomic_write_bytes(path, text.encode("utf-8"))
