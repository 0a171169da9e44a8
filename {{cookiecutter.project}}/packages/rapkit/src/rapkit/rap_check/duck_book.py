"""Duck Book practices (Quality assurance of code for analysis and research).

Reported alongside the NHS level; they do not change it.

DB1  secrets kept out of the code and the repository
DB2  no real data or outputs in version control
DB3  assumptions documented
DB4  contributing guide, code of conduct, citation and a documentation licence
DB5  inputs versioned and never modified (recorded in the run manifest, unchanged)
DB6  user, test and development dependencies kept separate
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ..publish import sha256_file
from . import docs
from .common import first, run_evidence, tracked_data
from .model import Family, Outcome, failed, passed
from .project import Project

DUCK_BOOK = Family("Duck Book")

SECRET_NAMES = re.compile(
    r"(^|/)(\.env|id_rsa|id_ed25519|\.netrc|credentials[^/]*|[^/]+\.(pem|key|p12|pfx))$"
)
SECRET_CONTENT = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----|AKIA[0-9A-Z]{16}|ghp_[A-Za-z0-9]{36}"
)
SECRET_SCAN_MAX_BYTES = 1 << 20


@DUCK_BOOK.criterion("DB1", "Secrets kept out of the code and repository", "static/git")
def check_db1(project: Project) -> Outcome:
    """DB1: secrets stay out of the repository (ignored .env, example template, no keys)."""
    if not project.is_ignored(".env") or project.text(".env.example") is None:
        return failed(
            ".env is not ignored by git, or .env.example is missing",
            "ignore .env in .gitignore; commit .env.example with variable names only",
        )
    named = [path for path in project.git.tracked if SECRET_NAMES.search(path)]
    leaked = [path for path in project.git.tracked if _has_secret(project.path(path))]
    if named or leaked:
        return failed(
            f"possible secrets committed: {first(named + leaked)}",
            "remove them from git history (git filter-repo), rotate the secret, use env variables",
        )
    return passed(f"no secret files or keys in {len(project.git.tracked)} tracked files")


def _has_secret(path: Path) -> bool:
    """Whether a (small, text) file contains something shaped like a private key or token."""
    if not path.is_file() or path.stat().st_size > SECRET_SCAN_MAX_BYTES:
        return False
    return bool(SECRET_CONTENT.search(path.read_text(encoding="utf-8", errors="ignore")))


@DUCK_BOOK.criterion("DB2", "No real data or outputs in version control", "git")
def check_db2(project: Project) -> Outcome:
    """DB2: no real data or outputs in git; only synthetic sample data and test fixtures."""
    if project.git.head is None:
        return failed("cannot list tracked files: no git commits", "commit the project first")
    data = tracked_data(project)
    if data:
        return failed(
            f"data files tracked by git outside data/sample/: {first(data)}",
            "git rm --cached them (keep data in data/raw/, ignored); purge history if real",
        )
    return passed("only synthetic sample data and test fixtures are tracked")


@DUCK_BOOK.criterion("DB3", "Assumptions documented", "static")
def check_db3(project: Project) -> Outcome:
    """DB3: assumptions are documented next to the code."""
    text = project.text("docs/assumptions.md")
    if text is None or not docs.entries(text):
        return failed(
            "docs/assumptions.md is missing or lists no assumptions",
            "list each assumption, why it is reasonable and its effect, in docs/assumptions.md",
        )
    return passed(f"{len(docs.entries(text))} assumption(s) documented in docs/assumptions.md")


@DUCK_BOOK.criterion("DB4", "Contributing, conduct, citation and docs licence", "static")
def check_db4(project: Project) -> Outcome:
    """DB4: project documentation: contributing, conduct, citation and a documentation licence."""
    needed = ["CONTRIBUTING.md", "CODE_OF_CONDUCT.md", "CITATION.cff", "LICENSES/OGL-UK-3.0.md"]
    missing = [name for name in needed if project.text(name) is None]
    if missing:
        return failed(f"missing {first(missing)}", "add them (cookiecutter-rap generates each)")
    try:
        citation = yaml.safe_load(project.text("CITATION.cff") or "") or {}
    except yaml.YAMLError:
        citation = {}
    if str(citation.get("version")) != str(project.version) or not citation.get("title"):
        return failed(
            f"CITATION.cff title/version do not match the project version {project.version}",
            "update `version:` (and title) in CITATION.cff when you release",
        )
    return passed("CONTRIBUTING, CODE_OF_CONDUCT, CITATION.cff (current version), OGL for docs")


@DUCK_BOOK.criterion("DB5", "Inputs versioned and never modified", "run")
def check_db5(project: Project) -> Outcome:
    """DB5: inputs are versioned: every input the run read is recorded and unchanged."""
    problem = run_evidence(project)
    if problem is not None:
        return problem
    recorded = {i["name"]: i for i in (project.pipeline_run.manifest or {}).get("inputs", [])}
    inputs = project.config.inputs if project.config is not None else {}
    for name, path in inputs.items():
        entry = recorded.get(name)
        if entry is None:
            return failed(f"input {name} is not recorded in the manifest", "rerun the pipeline")
        if not path.is_file() or sha256_file(path) != entry.get("sha256"):
            return failed(
                f"input {name} ({path.name}) changed since the run that produced the outputs",
                "rerun the pipeline; never edit inputs by hand (add a stage instead)",
            )
    return passed(f"{len(recorded)} input(s) recorded with SHA-256 and unchanged")


@DUCK_BOOK.criterion("DB6", "User, test and development dependencies separate", "static")
def check_db6(project: Project) -> Outcome:
    """DB6: dependencies for users, tests and development are kept separate."""
    groups = project.pyproject.get("dependency-groups", {})
    if not {"test", "lint"} <= set(groups) or not project.pyproject.get("project", {}).get(
        "requires-python"
    ):
        return failed(
            "no separate test/lint dependency groups or no requires-python",
            "declare [dependency-groups] test and lint, and [project] requires-python",
        )
    return passed(f"runtime, {', '.join(sorted(groups))} dependencies separated")
