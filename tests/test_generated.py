"""Generated projects pass their own checks: `nox -s lint typecheck tests reproduce`.

These tests lock dependencies with uv and install them, so they need the package
index and take a minute or so per project. They are the proof that what we ship
works as an analyst would use it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import CHOICES, clean_env, generate, git

SESSIONS = ["lint", "typecheck", "tests", "reproduce"]

# Representative combinations: the defaults, each Python floor, each CI provider and each
# starter (every other option at its default).
COMBINATIONS = [
    {},
    *({"python_version": v} for v in CHOICES["python_version"][1:]),
    *({"ci": v} for v in CHOICES["ci"][1:]),
    *({"starter": v} for v in CHOICES["starter"][1:]),
]


def run_nox(project: Path, *sessions: str) -> subprocess.CompletedProcess[str]:
    """Run the generated project's own nox sessions, as its README says."""
    return subprocess.run(
        [sys.executable, "-m", "nox", "--non-interactive", "-s", *sessions],
        cwd=project,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )


@pytest.mark.generated
@pytest.mark.parametrize(
    "answers",
    COMBINATIONS,
    ids=[",".join(f"{k}={v}" for k, v in a.items()) or "defaults" for a in COMBINATIONS],
)
def test_generated_project_passes_its_own_sessions(tmp_path: Path, answers: dict[str, str]) -> None:
    project = generate(tmp_path, lock=True, **answers)
    assert (project / "uv.lock").is_file(), "the post-generation hook should lock dependencies"
    done = run_nox(project, *SESSIONS)
    assert done.returncode == 0, f"nox failed in {project}:\n{done.stdout[-6000:]}\n{done.stderr[-6000:]}"
    for session in SESSIONS:
        assert f"Session {session} was successful" in done.stderr
    # The sessions must not leave the work tree dirty (no reformatting, no stray files).
    assert git(project, "status", "--porcelain") == ""
