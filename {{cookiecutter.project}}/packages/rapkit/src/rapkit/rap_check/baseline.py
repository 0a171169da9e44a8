"""NHS RAP Baseline criteria: the minimum for a reproducible analytical pipeline.

B1  outputs produced by code in an open-source language
B2  code under version control
B3  a README with the steps to reproduce
B4  code peer reviewed (a person's attestation; git history is supporting information)
B5  code published openly (licence checked; publication needs an attestation)
"""

from __future__ import annotations

import re
from pathlib import Path

from . import docs
from .common import first, py_files, run_instructions
from .model import Family, Level, Outcome, failed, passed, pending
from .project import Project

BASELINE = Family("NHS", Level.BASELINE)

PROPRIETARY_SUFFIXES = frozenset(
    {".xlsm", ".xlsb", ".sas", ".spv", ".sps", ".accdb", ".mdb", ".twb", ".twbx", ".pbix", ".egp"}
)
REVIEW_RECORD = re.compile(
    r"Merge pull request #\d+|See merge request \S+!\d+|Merge branch '[^']+' into '[^']+'"
    r"|\((?:#|!)\d+\)\s*$|^Reviewed-by:",
    re.IGNORECASE | re.MULTILINE,
)
OPEN_LICENCES = (
    "MIT License", "Apache License", "BSD 3-Clause", "Redistribution and use in source",
    "Open Government Licence", "GNU GENERAL PUBLIC LICENSE", "Mozilla Public License",
)  # fmt: skip
MIN_README_WORDS = 150


@BASELINE.criterion("B1", "Outputs produced by code in an open-source language", "static")
def check_b1(project: Project) -> Outcome:
    """B1: outputs are produced by code in an open-source language (Python here)."""
    modules = py_files(project)
    if not modules:
        return failed(
            f"no Python code in src/{project.package}/",
            f"put the pipeline code in src/{project.package}/ (see the README's layout)",
        )
    if not project.entry_points:
        return failed(
            "the package has no entry point",
            f"add src/{project.package}/__main__.py or a [project.scripts] entry",
        )
    candidates = [*project.git.tracked, *(p.relative_to(project.root).as_posix() for p in modules)]
    found = sorted(
        {path for path in candidates if Path(path).suffix.lower() in PROPRIETARY_SUFFIXES}
    )
    if found:
        return failed(
            f"proprietary pipeline artefacts in the repository: {first(found)}",
            "rewrite those steps in Python (as pipeline stages) and remove the files",
        )
    return passed(f"{len(modules)} Python modules; run with python -m {project.package}")


@BASELINE.criterion("B2", "Code is under version control", "git")
def check_b2(project: Project) -> Outcome:
    """B2: the code is under version control (git, with at least one commit)."""
    git = project.git
    if not git.available:
        return failed(
            "not a git repository", "git init && git add --all && git commit -m 'Initial commit'"
        )
    if git.head is None:
        return failed("the git repository has no commits", "git add --all && git commit")
    warnings: tuple[str, ...] = ()
    if git.dirty_paths:
        changed = first(list(git.dirty_paths))
        warnings = (f"uncommitted changes ({changed}): commit before a run you publish",)
    count = len(git.commit_messages)
    return passed(f"git: {count} commit(s), HEAD {git.head[:7]}", *warnings)


@BASELINE.criterion("B3", "README with the steps to reproduce", "static")
def check_b3(project: Project) -> Outcome:
    """B3: a README explains how to reproduce the outputs."""
    problem = run_instructions(project)
    if problem is not None:
        return problem
    words = docs.word_count(project.text("README.md") or "")
    if words < MIN_README_WORDS:
        return failed(
            f"README.md has {words} words (fewer than {MIN_README_WORDS})",
            "say what the analysis is for, its inputs and outputs, and how to install and run it",
        )
    return passed(f"README.md ({words} words) has run instructions with the run command")


@BASELINE.criterion("B4", "Code has been peer reviewed", "attest", attestable=True)
def check_b4(project: Project) -> Outcome:
    """B4: the code has been peer reviewed: only a person's attestation settles it.

    Git history is shown as supporting information only: a commit message such
    as "Tidy wording (#1)" or "Merge pull request #3" can be written by anyone,
    so it is never evidence that a review happened.
    """
    records = [m for m in project.git.commit_messages if REVIEW_RECORD.search(m)]
    seen = (
        f"git history mentions {len(records)} merged pull/merge request(s) (supporting "
        "information only: commit messages can be written by anyone)"
        if records
        else "no merged pull/merge request in the git history"
    )
    return pending(
        f"{seen}; peer review needs a person to confirm it",
        "record the review in rap-attestations.toml as B4: who reviewed, when, and what "
        "(the version, pull/merge requests or commits) as evidence (docs/peer_review.md)",
    )


@BASELINE.criterion(
    "B5", "Code published openly, linked to/from publication", "static/attest", attestable=True
)
def check_b5(project: Project) -> Outcome:
    """B5: code is published openly (licence here; being public needs an attestation)."""
    licence = project.text("LICENSE") or project.text("LICENSE.md") or ""
    name = next((marker for marker in OPEN_LICENCES if marker in licence), None)
    if name is None:
        return failed(
            "no open-source licence in LICENSE",
            "add a LICENSE with an open licence (MIT, Apache-2.0, BSD-3-Clause or OGL v3)",
        )
    readme = project.text("README.md") or ""
    if docs.find_section(readme, r"licen[cs]e") is None:
        return failed(
            "README.md has no licence section",
            "add a '## Licence' section naming the code and documentation licences",
        )
    remote = project.git.remote or "no git remote yet"
    return pending(
        f"licensed ({name}); remote: {remote}. Publication needs a person to confirm",
        "publish the repository and link it to and from the publication, then record B5 in "
        "rap-attestations.toml (or not_applicable, with the reason it cannot be published)",
    )
