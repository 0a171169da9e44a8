"""repo-review (Scientific Python checks) on generated projects: only documented exceptions fail."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from .conftest import CHOICES, TEMPLATE, generate, which_or_skip

DOC = TEMPLATE / "docs" / "repo-review.md"
ROW = re.compile(r"^\| ([A-Z]+\d+) \| ([a-z, ]+) \| (.+) \|$")


def documented_failures(ci: str) -> set[str]:
    """Check IDs that docs/repo-review.md says do not apply for this ``ci`` option."""
    failures = set()
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            options = {option.strip() for option in match.group(2).split(",")}
            assert options <= {"all", *CHOICES["ci"]}, f"unknown ci option in {line!r}"
            assert len(match.group(3)) > 20, f"{match.group(1)} needs a reason"
            if "all" in options or ci in options:
                failures.add(match.group(1))
    return failures


def test_every_documented_check_has_a_row() -> None:
    assert len(documented_failures("github")) >= 10


@pytest.mark.parametrize("ci", CHOICES["ci"])
def test_repo_review_fails_only_documented_checks(tmp_path: Path, ci: str) -> None:
    project = generate(tmp_path, ci=ci)
    done = subprocess.run(
        [which_or_skip("repo-review"), str(project), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    checks = json.loads(done.stdout)["checks"]
    failed = {name for name, check in checks.items() if check["result"] is False}
    passed = {name for name, check in checks.items() if check["result"] is True}
    assert failed == documented_failures(ci), {name: checks[name]["description"] for name in failed}
    # Not a vacuous pass: the checks that matter most for a RAP are run and pass.
    assert {"PY001", "PY003", "PY005", "PY006", "PY007", "PP302", "PP304", "RF001", "MY100"} <= passed
    if ci in {"github", "both"}:
        assert {"GH100", "GH102", "GH103", "GH200", "GH212"} <= passed
