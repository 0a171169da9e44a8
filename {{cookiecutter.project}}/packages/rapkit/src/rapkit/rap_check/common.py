"""Helpers shared by criteria of several families (not criteria themselves).

Reading the README's run instructions (B3, S2), judging the evidence of a
pipeline run (S1, S8, S9, DB5), turning a failed tool into a failure with its
fix (S2, S4, S5, S6) and listing the package's Python files (B1, S4).
"""

from __future__ import annotations

from pathlib import Path

from ..config import DEFAULT_CONFIG
from . import docs
from .ci import runs_pipeline
from .model import Outcome, failed, unchecked
from .project import Project, ToolResult

RUN_HEADING = r"install|getting started|usage|how to run|reproduc|quick ?start|running"
# A file name no generic pattern (*.csv, *.log) matches: only a folder rule ignores it.
IGNORE_PROBE = "rap-check-probe"
NO_PIPELINE_FIX = (
    f"describe the pipeline in {DEFAULT_CONFIG.as_posix()} and name its package in "
    "[tool.rapkit] package (the cookiecutter-rap layout), so rap-check can run it"
)


def first(items: list[str], limit: int = 3) -> str:
    """Show the first few items of a list (and how many more there are)."""
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def tool_failure(result: ToolResult, what: str, fix: str) -> Outcome | None:
    """Turn a failed tool run into a failing outcome (None if it succeeded)."""
    if result.ok:
        return None
    if "No module named" in result.output:
        return failed(f"{what}: the tool is not installed here", "uv sync (installs the dev group)")
    return failed(f"{what} failed: {result.tail()}", fix)


def run_instructions(project: Project) -> Outcome | None:
    """Check the README says how to run the pipeline (None if it does)."""
    readme = project.text("README.md")
    if readme is None:
        return failed("no README.md", "add README.md: purpose, how to install, how to run")
    if docs.find_section(readme, RUN_HEADING) is None:
        return failed(
            "README.md has no 'Getting started', 'Installation' or 'How to run' section",
            "add a '## Getting started' section with the commands that install and run it",
        )
    commands = "\n".join(docs.code_blocks(readme))
    if not runs_pipeline(commands, project.entry_points, project.nox_defaults):
        return failed(
            "no code block in README.md contains the command that runs the pipeline",
            f"add a fenced ```bash block with `uv run python -m {project.package} run`",
        )
    return None


def pipeline_unavailable(project: Project) -> Outcome | None:
    """Return why the project's pipeline cannot be checked here (None when it can).

    A repository without a pipeline configuration is still checked, but the
    criteria about the pipeline's outputs cannot pass: they fail and say why.
    """
    if project.config is None:
        return failed(
            f"not checkable here: no {DEFAULT_CONFIG.as_posix()}, so rap-check cannot tell "
            "which pipeline produces the outputs",
            NO_PIPELINE_FIX,
        )
    if project.pipeline_problem:
        return failed(
            f"the configured pipeline cannot be loaded: {project.pipeline_problem}",
            f"fix `pipeline` in {project.config.path.name} or the pipeline's package so that "
            f"`python -m {project.package} run` works",
        )
    return None


def run_evidence(project: Project) -> Outcome | None:
    """Return why the pipeline-run evidence is unusable, or None if it is usable."""
    if project.config is None:
        return pipeline_unavailable(project)
    run = project.pipeline_run
    if not run.problem:
        return None
    if run.ran_now:
        return failed(
            run.problem, f"run `uv run python -m {project.package} run` and fix what it reports"
        )
    return unchecked(
        f"--no-run given and {run.problem}",
        f"run the pipeline first (python -m {project.package} run) or drop --no-run",
    )


def stale_run_warnings(project: Project) -> tuple[str, ...]:
    """Warn when an earlier run (read with --no-run) is not from the current code or config."""
    manifest = project.pipeline_run.manifest or {}
    if project.pipeline_run.ran_now:
        return ()
    warnings = []
    if manifest.get("code", {}).get("commit") != project.git.head:
        warnings.append("the latest run is not from the current git commit; rerun without --no-run")
    config_hash = project.config.sha256 if project.config is not None else None
    if manifest.get("config", {}).get("sha256") != config_hash:
        warnings.append("the latest run used a different configuration; rerun without --no-run")
    return tuple(warnings)


DATA_SUFFIXES = frozenset(
    {
        ".csv", ".tsv", ".xlsx", ".xls", ".ods", ".parquet", ".feather", ".arrow", ".sav",
        ".dta", ".sas7bdat", ".rds", ".rdata", ".sqlite", ".db", ".duckdb", ".json", ".jsonl",
    }
)  # fmt: skip
DATA_ALLOWED_UNDER = ("data/sample/", "tests/")


def tracked_data(project: Project) -> list[str]:
    """Data files git tracks outside the synthetic sample data and the test fixtures (S3, DB2)."""
    return [
        path
        for path in project.git.tracked
        if Path(path).suffix.lower() in DATA_SUFFIXES
        and not path.startswith(DATA_ALLOWED_UNDER)
        and not (path.endswith(".json") and not path.startswith(("data/", "outputs/")))
    ]


def py_files(project: Project) -> list[Path]:
    """Every Python file of the package."""
    return sorted((project.root / "src" / project.package).rglob("*.py"))
