"""Evaluate the criteria, apply attestations, work out the NHS RAP level and report it.

Level rule (NHS, cumulative): Baseline needs every B criterion met, Silver
also every S, Gold also every G. "Met" means pass, attested or not
applicable. A failure always blocks. A criterion that only a person can
confirm and nobody has yet attested (``pending``), or whose run was skipped
(``unchecked``), does not block the reported level but makes it
*provisional*: the summary lists it, and ``--strict`` (for a release) treats
it as blocking. So a freshly generated project reports Gold for everything a
machine can check and lists only the human attestations as pending.
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
    """Every result, the level reached, and whether it meets the project's target."""

    results: tuple[Result, ...]
    level: Level | None
    confirmed_level: Level | None
    target: Level
    strict: bool
    blocker: Result | None
    warnings: tuple[str, ...]

    @property
    def meets_target(self) -> bool:
        """Whether the level (confirmed level with ``--strict``) reaches the target."""
        reached = self.confirmed_level if self.strict else self.level
        return reached is not None and reached >= self.target

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


def evaluate(project: Project, *, target: Level, strict: bool = False) -> Report:
    """Run every criterion's check on ``project`` and work out the level."""
    results = []
    for criterion in CRITERIA:
        outcome, notes = apply_attestation(criterion, criterion.check(project), project)
        results.append(Result(criterion, outcome, notes))
    level, blocker = reached_level(results, strict=False)
    confirmed, strict_blocker = reached_level(results, strict=True)
    _, problems = project.attestations
    return Report(
        results=tuple(results),
        level=level,
        confirmed_level=confirmed,
        target=target,
        strict=strict,
        blocker=strict_blocker if strict else blocker,
        warnings=tuple(problems),
    )


def reached_level(results: list[Result], *, strict: bool) -> tuple[Level | None, Result | None]:
    """Return the highest level whose criteria (and those below) are met, and the first blocker."""
    allowed = MET | (frozenset() if strict else UNDECIDED)
    reached = None
    for level in Level:
        blocker = next(
            (r for r in results if r.criterion.level == level and r.status not in allowed), None
        )
        if blocker is not None:
            return reached, blocker
        reached = level
    return reached, None


def summary(report: Report) -> str:
    """One line: the level, what blocks the next one, and what is still undecided."""
    reached = report.confirmed_level if report.strict else report.level
    text = f"NHS RAP: {reached.label if reached else 'below Baseline'}"
    if report.blocker is not None:
        nxt = report.blocker.criterion.level
        label = nxt.label if nxt else "next level"
        blocker = report.blocker
        text += f" ({label} blocked by {blocker.criterion.id}: {blocker.outcome.reason})"
    undecided = report.undecided
    if undecided and not report.strict:
        names = ", ".join(f"{r.criterion.id} {r.status.value}" for r in undecided)
        text += f"; provisional until confirmed: {names}"
    verdict = "meets" if report.meets_target else "is below"
    return f"{text}. Target {report.target.label}: {verdict} it."


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
            "strict": report.strict,
            "max_age_days": project.options.max_age_days,
        },
        "target_level": report.target.name.lower(),
        "level": report.level.name.lower() if report.level else None,
        "confirmed_level": report.confirmed_level.name.lower() if report.confirmed_level else None,
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
