"""NHS RAP Gold criteria: the pipeline is a maintained, released, automated product.

G1  code is fully packaged (builds, and is installed with its version)
G2  tests run automatically in CI on every change
G3  the pipeline runs on a schedule or an event (new data)
G4  changes signposted: semantic version, changelog entry and release tag agree
"""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, version

from . import docs
from .ci import CHANGE_EVENTS, UNATTENDED_EVENTS, runs_pipeline, runs_tests
from .model import Family, Level, Outcome, failed, passed
from .project import Project

GOLD = Family("NHS", Level.GOLD)

SEMVER = re.compile(r"^v(\d+)\.(\d+)\.(\d+)$")
G2_FIX = (
    "add a CI job triggered by push and pull/merge requests that runs `uvx nox` (or pytest); "
    "cookiecutter-rap generates one with ci=github or ci=gitlab"
)
G3_FIX = (
    "add a scheduled CI job (GitHub: on: schedule: - cron; GitLab: a rule on "
    '$CI_PIPELINE_SOURCE == "schedule" plus a pipeline schedule) that runs `uvx nox -s rap`'
)


@GOLD.criterion("G1", "Code is fully packaged", "static/run")
def check_g1(project: Project) -> Outcome:
    """G1: the code is a package: it builds, and its wheel alone runs the pipeline.

    With ``--no-run`` only the packaging metadata and the installed version are
    checked, and a warning says the build was not tried.
    """
    build = project.pyproject.get("build-system", {})
    meta = project.pyproject.get("project", {})
    if not build.get("build-backend") or not build.get("requires"):
        return failed(
            "pyproject.toml has no [build-system] (requires and build-backend)",
            'add [build-system] requires = ["hatchling"], build-backend = "hatchling.build"',
        )
    if not meta.get("name") or project.version is None:
        return failed(
            "pyproject.toml has no [project] name and version",
            "set [project] name, and version (static or from __version__)",
        )
    try:
        installed = version(meta["name"])
    except PackageNotFoundError:
        return failed(f"{meta['name']} is not installed as a package", "run `uv sync`")
    if installed != project.version:
        return failed(
            f"installed {meta['name']} is {installed} but the code says {project.version}",
            "run `uv sync` to reinstall the package",
        )
    return _build_outcome(project, f"{meta['name']} {installed}", build["build-backend"])


def _build_outcome(project: Project, name: str, backend: str) -> Outcome:
    """Judge the build: the wheel holds the whole package and runs the pipeline once installed."""
    built = project.package_build
    if built is None:
        return passed(
            f"{name} is installed (built by {backend})",
            "the wheel was not built and run (--no-run); run rap-check without it",
        )
    if built.problem:
        where = f": {', '.join(built.missing[:3])}" if built.missing else ""
        return failed(
            f"{built.problem}{where}",
            "fix [build-system] and [tool.hatch.build] so the wheel holds the whole package, "
            "then check with `uv build` and a clean install",
        )
    return passed(
        f"{name}: sdist and wheel built; the wheel ({built.wheel}) installed "
        "in a clean environment runs the pipeline"
    )


def _ci_problem(project: Project, fix: str) -> Outcome | None:
    """Return a failure when there is no readable CI configuration."""
    jobs, problems = project.ci
    if problems:
        return failed(problems[0], "fix the YAML (pre-commit's check-yaml shows where)")
    if not jobs:
        return failed("no CI configuration (.github/workflows/*.yml or .gitlab-ci.yml)", fix)
    return None


def _ignored(project: Project) -> str:
    """Name the CI jobs that do not count because they cannot fail CI (for a failure's reason)."""
    off = [f"{job.name}: {job.disabled}" for job in project.ci[0] if job.disabled]
    return f" (not counted, as they cannot fail CI: {'; '.join(off)})" if off else ""


@GOLD.criterion("G2", "Tests run automatically through CI", "static")
def check_g2(project: Project) -> Outcome:
    """G2: the tests run automatically in CI on every change."""
    problem = _ci_problem(project, G2_FIX)
    if problem is not None:
        return problem
    for job in (job for job in project.ci[0] if not job.disabled):
        events = job.triggers & CHANGE_EVENTS
        if events and any(runs_tests(c, project.nox_defaults) for c in job.commands):
            return passed(
                f"{job.file}: job {job.name} runs the tests on {', '.join(sorted(events))}"
            )
    return failed(
        "no CI job runs the tests (pytest or the nox tests session, not echoed, failures not "
        f"ignored) on push or pull request{_ignored(project)}",
        G2_FIX,
    )


@GOLD.criterion("G3", "Runs on event-based triggers or a schedule", "static")
def check_g3(project: Project) -> Outcome:
    """G3: the pipeline runs on a schedule or on an event such as new data arriving."""
    problem = _ci_problem(project, G3_FIX)
    if problem is not None:
        return problem
    for job in (job for job in project.ci[0] if not job.disabled):
        events = job.triggers & UNATTENDED_EVENTS
        runs = any(
            runs_pipeline(c, project.entry_points, project.nox_defaults) for c in job.commands
        )
        if events and runs:
            where = " (set the schedule up in GitLab)" if job.file == ".gitlab-ci.yml" else ""
            return passed(
                f"{job.file}: job {job.name} runs the pipeline on {', '.join(sorted(events))}"
                + where
            )
    return failed(
        "no CI job runs the pipeline on a schedule or an event (schedule, repository_dispatch, "
        f"workflow_run; GitLab: $CI_PIPELINE_SOURCE schedule/trigger/api){_ignored(project)}",
        G3_FIX,
    )


def _semver_key(tag: str) -> tuple[int, ...]:
    """Order release tags by version number (v0.10.0 comes after v0.9.0)."""
    found = SEMVER.match(tag)
    return tuple(int(part) for part in found.groups()) if found else ()


def _changelog_entry(text: str, version_: str) -> docs.Section | None:
    """Return the CHANGELOG section for ``version_`` (``## [0.1.0] - date`` style)."""
    pattern = rf"^\[?v?{re.escape(version_)}\]?(\s|$)"
    return next((s for s in docs.sections(text) if re.match(pattern, s.title)), None)


@GOLD.criterion("G4", "Changes signposted: changelog, releases, semver", "static/git")
def check_g4(project: Project) -> Outcome:
    """G4: changes are signposted: semantic version, changelog entry and release tag agree."""
    current = project.version
    if current is None or not SEMVER.match(f"v{current}"):
        return failed(
            f"version {current!r} is not semantic (MAJOR.MINOR.PATCH)",
            f"set __version__ in src/{project.package}/__init__.py to e.g. 0.1.0",
        )
    entry = _changelog_entry(project.text("CHANGELOG.md") or "", current)
    if entry is None or not docs.entries(entry.body):
        return failed(
            f"CHANGELOG.md has no entry listing the changes in {current}",
            f"add a '## [{current}] - YYYY-MM-DD' section with what changed",
        )
    tags = [tag for tag in project.git.tags if SEMVER.match(tag)]
    if not tags:
        return failed(
            f"no release tag (vX.Y.Z) in the git history; the version is {current}",
            f"tag the release: git tag -a v{current} -m 'Release {current}' && git push --tags",
        )
    latest = max(tags, key=_semver_key)
    if latest != f"v{current}":
        return failed(
            f"latest release tag {latest} does not match the version {current}",
            f"after releasing {current}: git tag -a v{current} -m 'Release {current}'",
        )
    return passed(f"version {current}: CHANGELOG entry and release tag {latest}")
