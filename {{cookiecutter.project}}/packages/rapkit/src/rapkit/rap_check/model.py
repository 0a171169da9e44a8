"""The vocabulary of the RAP self-check: statuses, levels, criteria and results.

Kept free of any checking logic so that the criteria table, the checks and the
report can all be read (and tested) on their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .project import Project


class Status(StrEnum):
    """What the check found for one criterion.

    ``pending`` means only a person can confirm the criterion (for example that
    the code was peer reviewed) and nobody has yet recorded it in
    ``rap-attestations.toml``. ``unchecked`` means the evidence needs a run that
    was skipped on request (``--no-tests``, ``--no-run``).
    """

    PASS = "pass"  # noqa: S105 - a status, not a password
    FAIL = "fail"
    ATTESTED = "attested"
    NOT_APPLICABLE = "not_applicable"
    PENDING = "pending"
    UNCHECKED = "unchecked"


MET = frozenset({Status.PASS, Status.ATTESTED, Status.NOT_APPLICABLE})
UNDECIDED = frozenset({Status.PENDING, Status.UNCHECKED})


class Level(IntEnum):
    """The cumulative NHS "Levels of RAP": each level includes the ones below it."""

    BASELINE = 1
    SILVER = 2
    GOLD = 3

    @property
    def label(self) -> str:
        """Return the name as written in the NHS framework (``Baseline``)."""
        return self.name.capitalize()

    @classmethod
    def parse(cls, text: str) -> Level:
        """Read a level name such as ``"gold"`` (any case); raise ``ValueError`` otherwise."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            allowed = ", ".join(level.name.lower() for level in cls)
            msg = f"unknown RAP level {text!r}: use one of {allowed}"
            raise ValueError(msg) from None


@dataclass(frozen=True)
class Outcome:
    """What a check function returns: a status, a one-line reason and, if failed, the fix."""

    status: Status
    reason: str
    fix: str = ""
    warnings: tuple[str, ...] = ()


def passed(reason: str, *warnings: str) -> Outcome:
    """Build a passing outcome."""
    return Outcome(Status.PASS, reason, warnings=warnings)


def failed(reason: str, fix: str) -> Outcome:
    """Build a failing outcome; every failure must say how to fix it."""
    return Outcome(Status.FAIL, reason, fix=fix)


def pending(reason: str, fix: str) -> Outcome:
    """Build an outcome that waits for a human attestation."""
    return Outcome(Status.PENDING, reason, fix=fix)


def unchecked(reason: str, fix: str) -> Outcome:
    """Build an outcome for evidence that needs a run that was skipped."""
    return Outcome(Status.UNCHECKED, reason, fix=fix)


Check = Callable[["Project"], Outcome]


@dataclass(frozen=True)
class Criterion:
    """One row of the criteria table.

    Attributes:
        id: stable identifier (``B1``, ``S6``, ``AF3``, ``DB2``).
        framework: ``NHS``, ``Analysis Function`` or ``Duck Book``.
        title: the criterion, paraphrased from its source.
        method: how it is checked: ``static`` (files), ``git``, ``run`` or ``attest``.
        check: the function that evaluates it.
        level: for NHS criteria, the level it belongs to; ``None`` for the others,
            which are reported but do not change the NHS level.
        same_as: the NHS criterion an Analysis Function one is equivalent to.
        attestable: whether a person may confirm it in ``rap-attestations.toml``
            (only criteria a machine cannot fully check offline).

    """

    id: str
    framework: str
    title: str
    method: str
    check: Check
    level: Level | None = None
    same_as: str | None = None
    attestable: bool = False


class Family:
    """A family of criteria (one module each) and the decorator that registers them.

    Each criterion is one small check function, registered where it is defined::

        SILVER = Family("NHS", Level.SILVER)

        @SILVER.criterion("S6", "Testing framework with unit and back tests", "run")
        def check_s6(project: Project) -> Outcome: ...

    so a criterion's id, title and check always sit together, and the order of
    definition is the order of the report.
    """

    def __init__(self, framework: str, level: Level | None = None) -> None:
        """Start an empty family of ``framework`` criteria, all at ``level`` (or none)."""
        self.framework = framework
        self.level = level
        self.criteria: list[Criterion] = []

    def add(
        self,
        id_: str,
        title: str,
        method: str,
        check: Check,
        *,
        same_as: str | None = None,
        attestable: bool = False,
    ) -> Criterion:
        """Register a criterion whose check is defined elsewhere (an equivalent criterion)."""
        if any(known.id == id_ for known in self.criteria):
            msg = f"criterion {id_} is registered twice in {self.framework}"
            raise ValueError(msg)
        found = Criterion(
            id_, self.framework, title, method, check, self.level, same_as, attestable
        )
        self.criteria.append(found)
        return found

    def criterion(
        self, id_: str, title: str, method: str, *, attestable: bool = False
    ) -> Callable[[Check], Check]:
        """Register the decorated function as the check of criterion ``id_``."""

        def register(check: Check) -> Check:
            self.add(id_, title, method, check, attestable=attestable)
            return check

        return register


@dataclass(frozen=True)
class Result:
    """A criterion together with its outcome (after attestations were applied)."""

    criterion: Criterion
    outcome: Outcome
    notes: tuple[str, ...] = field(default=())

    @property
    def status(self) -> Status:
        """Shortcut to the outcome's status."""
        return self.outcome.status
