"""A generated project proves its own NHS RAP level with `rap-check`.

A fresh project must reach Gold on every criterion a machine can check, with only
the human attestations (peer review B4 and open publication B5, and their
Analysis Function equivalents) pending, and its headline must say it is below
Baseline until a person records them; recording them makes it Gold and breaks
nothing. Without CI it must say so: Silver, with G2 and G3 failing and telling
the analyst how to fix them, and its own target (Silver) met.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from .conftest import clean_env, generate, git, which_or_skip

HUMAN = ["AF3", "AF5", "B4", "B5"]


def test_first_commit_is_tagged_with_the_version(default_project: Path) -> None:
    init = (default_project / "src" / "my_rap_project" / "__init__.py").read_text(encoding="utf-8")
    assert '__version__ = "0.1.0"' in init
    assert git(default_project, "tag", "--points-at", "HEAD").split() == ["v0.1.0"]
    changelog = (default_project / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [0.1.0] - " in changelog


def test_generated_project_has_the_documents_rap_check_reads(default_project: Path) -> None:
    docs = default_project / "docs"
    assert "No manual steps" in (docs / "manual_steps.md").read_text(encoding="utf-8")
    qa_log = (docs / "qa_log.md").read_text(encoding="utf-8")
    assert "**QA level: moderate**" in qa_log
    assert re.search(r"^\| \d{4}-\d{2}-\d{2} \| 0\.1\.0 \|", qa_log, re.MULTILINE)
    for name in ("assumptions", "peer_review"):
        assert "python -m my_rap_project" in (docs / f"{name}.md").read_text(encoding="utf-8")
    assert "## Method shared by every pipeline" in (docs / "methodology.md").read_text(encoding="utf-8")
    attestations = (default_project / "rap-attestations.toml").read_text(encoding="utf-8")
    assert tomllib.loads(attestations) == {}, "no attestation until a person makes one"


ATTESTATIONS = """
[[attestation]]
criterion = "B4"
status = "attested"
who = "Alex Patel, Statistician (reviewer)"
date = 2025-01-06
evidence = "Reviewed v0.1.0: pipeline code, tests and outputs"

[[attestation]]
criterion = "B5"
status = "not_applicable"
who = "Sam Jones, Head of Profession"
date = 2025-01-06
evidence = "Template test project: never published"
"""


@pytest.mark.parametrize(("ci", "target"), [("none", "silver"), ("github", "gold"), ("gitlab", "gold")])
def test_rap_target_is_one_the_project_can_meet(tmp_path: Path, ci: str, target: str) -> None:
    project = generate(tmp_path, ci=ci)
    config = tomllib.loads((project / "config" / "pipeline.toml").read_text(encoding="utf-8"))
    assert config["rap"]["target_level"] == target


def read_report(project: Path, path: Path, target: str = "gold") -> dict[str, dict[str, str]]:
    """Return the criteria of a rap-check JSON report by id (and check its shape)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["target_level"] == target
    return {item["id"]: item for item in document["criteria"]} | {"_": document}


def run(project: Path, *command: str) -> subprocess.CompletedProcess[str]:
    """Run a command in a generated project with its own environment."""
    return subprocess.run(
        list(command),
        cwd=project,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )


@pytest.mark.generated
def test_fresh_project_headline_is_honest_and_attesting_makes_it_gold(tmp_path: Path) -> None:
    project = generate(tmp_path, lock=True)
    done = run(project, sys.executable, "-m", "nox", "--non-interactive", "-s", "rap")
    assert done.returncode == 0, f"{done.stdout[-6000:]}\n{done.stderr[-6000:]}"
    report = read_report(project, project / "outputs" / "rap-check.json")
    document = report.pop("_")
    assert document["level"] is None, document["summary"]  # B4, B5 (Baseline) are pending
    assert document["machine_level"] == "gold", document["summary"]
    assert document["meets_target"] is True  # nox -s rap accepts pending attestations
    assert sorted(document["pending"]) == HUMAN
    assert document["unchecked"] == []
    assert {k for k, v in report.items() if v["status"] != "pass"} == set(HUMAN)
    assert report["S6"]["reason"].startswith("pytest passed")  # the tests really ran
    assert "the back test fails when the expected hashes change" in report["S6"]["reason"]
    assert "runs the pipeline" in report["G1"]["reason"]  # the wheel was built and run
    assert "ran now" in report["S1"]["reason"]  # and so did the pipeline
    assert (
        "NHS RAP: below Baseline (B4, B5 need a person's confirmation); machine-checkable "
        "criteria: Gold. Target Gold: met with pending attestations accepted (--accept-pending)."
    ) in done.stdout
    assert git(project, "status", "--porcelain") == ""

    # A person records the review and the publication decision: the headline moves up to
    # Gold without --accept-pending, and nothing breaks (the tests run again inside S6).
    with (project / "rap-attestations.toml").open("a", encoding="utf-8") as handle:
        handle.write(ATTESTATIONS)
    git(project, "-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "-qam", "Attest")
    uv = which_or_skip("uv")
    path = tmp_path / "attested.json"
    done = run(
        project, uv, "run", "--locked", "python", "-m", "my_rap_project", "rap-check", "--json", str(path)
    )
    assert done.returncode == 0, f"{done.stdout[-6000:]}\n{done.stderr[-6000:]}"
    document = read_report(project, path).pop("_")
    assert document["level"] == "gold", document["summary"]
    assert document["pending"] == []
    assert "NHS RAP: Gold; machine-checkable criteria: Gold. Target Gold: met." in done.stdout


@pytest.mark.generated
def test_project_without_ci_targets_silver_and_its_rap_session_passes(tmp_path: Path) -> None:
    project = generate(tmp_path, lock=True, ci="none")
    assert 'target_level = "silver"' in (project / "config" / "pipeline.toml").read_text("utf-8")
    done = run(project, sys.executable, "-m", "nox", "--non-interactive", "-s", "rap")
    assert done.returncode == 0, f"{done.stdout[-6000:]}\n{done.stderr[-6000:]}"
    report = read_report(project, project / "outputs" / "rap-check.json", target="silver")
    document = report.pop("_")
    assert document["machine_level"] == "silver"
    assert (
        "machine-checkable criteria: Silver (Gold blocked by G2: no CI configuration" in (document["summary"])
    )
    assert "ci=github or ci=gitlab" in report["G2"]["fix"]
    assert "schedule" in report["G3"]["fix"]
    assert {k for k, v in report.items() if v["status"] == "fail"} == {"G2", "G3"}
    uv = which_or_skip("uv")

    # The same tool checks any repository: a plain one is below Baseline, and the
    # criteria that need a pipeline fail saying why instead of passing by default.
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "README.md").write_text("# Notes\n", encoding="utf-8")
    git(plain, "init", "--quiet")
    done = subprocess.run(
        [uv, "run", "--locked", "rapkit", "rap-check", str(plain), "--target", "gold", "--no-run"],
        cwd=project,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "not checkable here: no config/pipeline.toml" in done.stdout
    assert done.stdout.rstrip().endswith("Target Gold: not met.")
