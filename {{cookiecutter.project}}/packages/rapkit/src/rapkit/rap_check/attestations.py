"""Human attestations: ``rap-attestations.toml``.

Some criteria cannot be checked by a machine offline: whether the code was
peer reviewed, whether the repository is really public and linked from the
publication. A named person declares them in a committed file, so the
declaration itself is reviewed, versioned and dated like the code::

    [[attestation]]
    criterion = "B4"
    status = "attested"          # or "not_applicable", with the reason as evidence
    who = "Sam Jones, Senior Statistician"
    date = 2026-05-01            # a TOML date, no quotes
    evidence = "https://github.com/org/repo/pull/12 (review of v0.2.0 outputs)"
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ATTESTATIONS_FILE = "rap-attestations.toml"
STATUSES = ("attested", "not_applicable")
FIELDS = ("criterion", "status", "who", "date", "evidence")


@dataclass(frozen=True)
class Attestation:
    """One person's dated declaration that a criterion is met (or does not apply)."""

    criterion: str
    status: str
    who: str
    date: dt.date
    evidence: str

    def age_days(self, today: dt.date) -> int:
        """Return how many days ago the attestation was made."""
        return (today - self.date).days


def load_attestations(path: Path, today: dt.date) -> tuple[dict[str, Attestation], list[str]]:
    """Read the attestations file; return valid entries by criterion and a list of problems.

    A missing file is not a problem (nothing has been attested yet). A malformed
    entry is reported and ignored, so it can never count as evidence.
    """
    if not path.is_file():
        return {}, []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {}, [f"{path.name} is not valid TOML ({exc}): no attestation was read."]
    entries = data.get("attestation", [])
    if not isinstance(entries, list):
        return {}, [f"{path.name}: use [[attestation]] tables (an array of tables)."]
    found: dict[str, Attestation] = {}
    problems = []
    for number, entry in enumerate(entries, start=1):
        attestation, problem = parse_entry(entry, today)
        if attestation is None:
            problems.append(f"{path.name}, attestation {number}: {problem}")
        elif attestation.criterion in found:
            problems.append(
                f"{path.name}: {attestation.criterion} is attested more than once; "
                "keep one entry per criterion (the newest is used)."
            )
            if attestation.date > found[attestation.criterion].date:
                found[attestation.criterion] = attestation
        else:
            found[attestation.criterion] = attestation
    return found, problems


def entry_problem(entry: Any, today: dt.date) -> str | None:
    """Return what is wrong with one ``[[attestation]]`` table (None if it is valid)."""
    if not isinstance(entry, dict):
        return "is not a table"
    missing = [name for name in FIELDS if entry.get(name) in (None, "")]
    if missing:
        return f"missing {', '.join(missing)} (every entry needs {', '.join(FIELDS)})"
    if entry["status"] not in STATUSES:
        return f"status {entry['status']!r} is not one of {', '.join(STATUSES)}"
    texts = [entry[name] for name in ("criterion", "who", "evidence")]
    if not all(isinstance(text, str) and text.strip() for text in texts):
        return "criterion, who and evidence must be non-empty text"
    return _date_problem(entry["date"], today)


def _date_problem(when: Any, today: dt.date) -> str | None:
    """Return what is wrong with an attestation's date (None if it is a past TOML date)."""
    if not isinstance(when, dt.date) or isinstance(when, dt.datetime):
        return f"date {when!r} must be a TOML date without quotes, e.g. 2026-05-01"
    if when > today:
        return f"date {when.isoformat()} is in the future"
    return None


def parse_entry(entry: Any, today: dt.date) -> tuple[Attestation | None, str]:
    """Validate one ``[[attestation]]`` table; return it, or None and what is wrong."""
    problem = entry_problem(entry, today)
    if problem is not None:
        return None, problem
    attestation = Attestation(
        criterion=entry["criterion"].strip().upper(),
        status=entry["status"],
        who=entry["who"].strip(),
        date=entry["date"],
        evidence=entry["evidence"].strip(),
    )
    return attestation, ""
