"""The criteria: one check function each, and the table that lists them.

Sources: NHS England "Levels of RAP" (B1-B5 Baseline, S1-S9 Silver, G1-G4
Gold), the Analysis Function RAP minimum standard (AF1-AF7, most equivalent
to an NHS criterion) and the Duck Book (Quality assurance of code for
analysis and research, DB1-DB6). Every check looks at content, not only at
whether a file exists, and every failure says how to fix it.
"""

from __future__ import annotations

import ast
import json
import os
import re
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandera.polars as pa
import polars as pl
import yaml

from ..errors import ValidationFailedError
from ..io import sha256_file
from ..validation import validate
from . import docs
from .ci import CHANGE_EVENTS, UNATTENDED_EVENTS, runs_pipeline, runs_tests
from .model import Criterion, Level, Outcome, failed, passed, pending, unchecked
from .project import NESTED_ENV, Project, ToolResult

PROPRIETARY_SUFFIXES = frozenset(
    {".xlsm", ".xlsb", ".sas", ".spv", ".sps", ".accdb", ".mdb", ".twb", ".twbx", ".pbix", ".egp"}
)
DATA_SUFFIXES = frozenset(
    {
        ".csv", ".tsv", ".xlsx", ".xls", ".ods", ".parquet", ".feather", ".arrow", ".sav",
        ".dta", ".sas7bdat", ".rds", ".rdata", ".sqlite", ".db", ".duckdb", ".json", ".jsonl",
    }
)  # fmt: skip
DATA_ALLOWED_UNDER = ("data/sample/", "tests/")
SECRET_NAMES = re.compile(
    r"(^|/)(\.env|id_rsa|id_ed25519|\.netrc|credentials[^/]*|[^/]+\.(pem|key|p12|pfx))$"
)
SECRET_CONTENT = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----|AKIA[0-9A-Z]{16}|ghp_[A-Za-z0-9]{36}"
)
RUN_HEADING = r"install|getting started|usage|how to run|reproduc|quick ?start|running"
REVIEW_RECORD = re.compile(
    r"Merge pull request #\d+|See merge request \S+!\d+|Merge branch '[^']+' into '[^']+'"
    r"|\((?:#|!)\d+\)\s*$|^Reviewed-by:",
    re.IGNORECASE | re.MULTILINE,
)
OPEN_LICENCES = (
    "MIT License", "Apache License", "BSD 3-Clause", "Redistribution and use in source",
    "Open Government Licence", "GNU GENERAL PUBLIC LICENSE", "Mozilla Public License",
)  # fmt: skip
SEMVER = re.compile(r"^v(\d+)\.(\d+)\.(\d+)$")
SNAKE_CASE = re.compile(r"^[a-z][a-z0-9_]*$")
TOOLING_AT_ROOT = frozenset({"noxfile.py", "conftest.py", "setup.py"})
MIN_README_WORDS = 150
MIN_METHOD_WORDS = 40
SECRET_SCAN_MAX_BYTES = 1 << 20
# A file name no generic pattern (*.csv, *.log) matches: only a folder rule ignores it.
IGNORE_PROBE = "rap-check-probe"
PYTEST_NO_TESTS = 5  # pytest's exit status when it collected no tests
G2_FIX = (
    "add a CI job triggered by push and pull/merge requests that runs `uvx nox` (or pytest); "
    "cookiecutter-rap generates one with ci=github or ci=gitlab"
)
G3_FIX = (
    "add a scheduled CI job (GitHub: on: schedule: - cron; GitLab: a rule on "
    '$CI_PIPELINE_SOURCE == "schedule" plus a pipeline schedule) that runs `uvx nox -s rap`'
)


# --- shared helpers ------------------------------------------------------------------


def _first(items: list[str], limit: int = 3) -> str:
    """Show the first few items of a list (and how many more there are)."""
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def _tool_failure(result: ToolResult, what: str, fix: str) -> Outcome | None:
    """Turn a failed tool run into a failing outcome (None if it succeeded)."""
    if result.ok:
        return None
    if "No module named" in result.output:
        return failed(f"{what}: the tool is not installed here", "uv sync (installs the dev group)")
    return failed(f"{what} failed: {result.tail()}", fix)


def _run_instructions(project: Project) -> Outcome | None:
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


def _run_evidence(project: Project) -> Outcome | None:
    """Return why the pipeline-run evidence is unusable, or None if it is usable."""
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


def _stale_run_warnings(project: Project) -> tuple[str, ...]:
    """Warn when an earlier run (read with --no-run) is not from the current code or config."""
    manifest = project.pipeline_run.manifest or {}
    if project.pipeline_run.ran_now:
        return ()
    warnings = []
    if manifest.get("code", {}).get("commit") != project.git.head:
        warnings.append("the latest run is not from the current git commit; rerun without --no-run")
    if manifest.get("config", {}).get("sha256") != project.config.sha256:
        warnings.append("the latest run used a different configuration; rerun without --no-run")
    return tuple(warnings)


def _manual_steps(project: Project) -> Outcome | None:
    """Check docs/manual_steps.md lists the manual steps, or says there are none."""
    text = project.text("docs/manual_steps.md")
    if text is None:
        return failed(
            "docs/manual_steps.md is missing",
            "add docs/manual_steps.md listing every manual step, or stating there are none",
        )
    if not docs.entries(text) and not re.search(r"no manual steps", text, re.IGNORECASE):
        return failed(
            "docs/manual_steps.md neither lists manual steps nor says there are none",
            "list each manual step (who, when, how it is checked) or write 'No manual steps'",
        )
    return None


def _outputs_ignored(project: Project) -> Outcome | None:
    """Check git ignores the outputs folder, so outputs are reproduced rather than committed."""
    if not project.is_ignored(f"outputs/{IGNORE_PROBE}"):
        return failed(
            "outputs/ is not ignored by git",
            "add `outputs/*` to .gitignore: outputs are reproduced by code, never committed",
        )
    return None


def _py_files(project: Project) -> list[Path]:
    """Every Python file of the package."""
    return sorted((project.root / "src" / project.package).rglob("*.py"))


# --- NHS Baseline ----------------------------------------------------------------------


def check_b1(project: Project) -> Outcome:
    """B1: outputs are produced by code in an open-source language (Python here)."""
    modules = _py_files(project)
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
            f"proprietary pipeline artefacts in the repository: {_first(found)}",
            "rewrite those steps in Python (as pipeline stages) and remove the files",
        )
    return passed(f"{len(modules)} Python modules; run with python -m {project.package}")


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
        changed = _first(list(git.dirty_paths))
        warnings = (f"uncommitted changes ({changed}): commit before a run you publish",)
    count = len(git.commit_messages)
    return passed(f"git: {count} commit(s), HEAD {git.head[:7]}", *warnings)


def check_b3(project: Project) -> Outcome:
    """B3: a README explains how to reproduce the outputs."""
    problem = _run_instructions(project)
    if problem is not None:
        return problem
    words = docs.word_count(project.text("README.md") or "")
    if words < MIN_README_WORDS:
        return failed(
            f"README.md has {words} words (fewer than {MIN_README_WORDS})",
            "say what the analysis is for, its inputs and outputs, and how to install and run it",
        )
    return passed(f"README.md ({words} words) has run instructions with the run command")


def check_b4(project: Project) -> Outcome:
    """B4: the code has been peer reviewed (merged pull/merge requests, or an attestation)."""
    records = [m for m in project.git.commit_messages if REVIEW_RECORD.search(m)]
    if records:
        return passed(f"{len(records)} commit(s) record merged, reviewed pull/merge requests")
    return pending(
        "no merged pull/merge request in the git history yet; review needs a person to confirm",
        "review changes through pull/merge requests (docs/peer_review.md), or record the "
        "review in rap-attestations.toml as B4",
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


# --- NHS Silver ------------------------------------------------------------------------


def check_s1(project: Project) -> Outcome:
    """S1: one command produces every declared output; manual steps are documented."""
    problem = _outputs_ignored(project) or _manual_steps(project) or _run_evidence(project)
    if problem is not None:
        return problem
    out_dir = project.pipeline_run.out_dir
    expected = sorted(f"{name}.csv" for name in project.declared_outputs)
    missing = [name for name in expected if not (out_dir / name).is_file()]
    if missing:
        return failed(
            f"the run did not produce declared output(s) {_first(missing)}",
            "make the pipeline write every output listed in pipeline.py",
        )
    how = "ran now" if project.pipeline_run.ran_now else "latest run, --no-run"
    return passed(
        f"python -m {project.package} run produced all {len(expected)} declared output(s) "
        f"({how}); manual steps documented",
        *_stale_run_warnings(project),
    )


def check_s2(project: Project) -> Outcome:
    """S2: user guidance, code structure, methodology and docstrings are documented."""
    problem = _run_instructions(project)
    if problem is not None:
        return problem
    texts = [project.text("README.md") or ""]
    for pattern in ("docs/**/*.md", "docs/**/*.qmd", "reports/**/*.qmd"):
        texts += [p.read_text(encoding="utf-8") for p in sorted(project.root.glob(pattern))]
    if not any(docs.find_section(text, r"layout|structure") for text in texts):
        return failed(
            "no 'Project layout' or 'Code structure' section in README.md or docs/",
            "describe the folders and modules in a '## Project layout' section",
        )
    methods = [s for text in texts if (s := docs.find_section(text, r"method"))]
    if not any(docs.word_count(s.body) >= MIN_METHOD_WORDS for s in methods):
        return failed(
            f"no 'Methodology' section of at least {MIN_METHOD_WORDS} words in README.md or docs/",
            "explain the method (sources, definitions, calculations) in docs/methodology.md",
        )
    docstrings = project.ruff("check", "--select", "D1", "--output-format", "concise", "src")
    failure = _tool_failure(
        docstrings, "docstring check (ruff D1)", "add the missing docstrings ruff lists"
    )
    return failure or passed(
        "README, layout and methodology docs; every public object has a docstring"
    )


def check_s3(project: Project) -> Outcome:
    """S3: a standard directory layout, with data and outputs kept out of git."""
    folders = [f"src/{project.package}", "tests", "docs", "config", "data/raw", "outputs"]
    missing = [folder for folder in folders if not project.path(folder).is_dir()]
    if missing:
        return failed(
            f"missing folder(s) {_first(missing)}", "create them (see the README's layout)"
        )
    exposed = [
        f
        for f in ("data/raw", "data/interim", "outputs")
        if not project.is_ignored(f"{f}/{IGNORE_PROBE}")
    ]
    if exposed:
        return failed(
            f"git does not ignore {_first(exposed)}",
            "add `<folder>/*` lines to .gitignore: real data and outputs never go into git",
        )
    stray = sorted(p.name for p in project.root.glob("*.py") if p.name not in TOOLING_AT_ROOT)
    if stray:
        return failed(
            f"Python scripts at the top level: {_first(stray)}",
            f"move the code into src/{project.package}/ and run it through the CLI",
        )
    return passed(
        "src/, tests/, docs/, config/, data/ and outputs/ in place; data and outputs ignored"
    )


def _module_level_code(tree: ast.Module, name: str) -> list[int]:
    """Return the lines of statements that do work at import time (outside functions)."""
    allowed: tuple[type[ast.stmt], ...] = (
        ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
        ast.Assign, ast.AnnAssign,
    )  # fmt: skip
    lines = []
    for node in tree.body:
        docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        test = ast.unparse(node.test) if isinstance(node, ast.If) else ""
        # `if TYPE_CHECKING:` and `if __name__ == "__main__":` run nothing on import.
        guard = "TYPE_CHECKING" in test or test == "__name__ == '__main__'"
        entry = name == "__main__.py" and isinstance(node, ast.Raise)
        if not (isinstance(node, allowed) or docstring or guard or entry):
            lines.append(node.lineno)
    return lines


def check_s4(project: Project) -> Outcome:
    """S4: logic lives in reusable functions and classes, not scripts or notebooks."""
    scripts = []
    for path in _py_files(project):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        lines = _module_level_code(tree, path.name)
        scripts += [f"{path.relative_to(project.root).as_posix()}:{line}" for line in lines]
    if scripts:
        return failed(
            f"code runs at import time, outside functions: {_first(scripts)}",
            "move it into a function (a pipeline stage or a helper) and call that",
        )
    notebooks = sorted(p.name for p in (project.root / "src").rglob("*.ipynb"))
    if notebooks:
        return failed(
            f"notebooks inside the package: {_first(notebooks)}",
            "move the logic into functions in the package; keep notebooks for exploration",
        )
    result = project.ruff("check", "--select", "C901", "--output-format", "concise", "src")
    failure = _tool_failure(result, "complexity check (ruff C901)", "split the listed functions")
    return failure or passed("all package code is in functions/classes; complexity within limit")


def check_s5(project: Project) -> Outcome:
    """S5: code follows agreed standards (ruff lint and format, enforced by pre-commit)."""
    hooks = project.text(".pre-commit-config.yaml") or ""
    if "ruff" not in hooks:
        return failed(
            "no pre-commit configuration running ruff",
            "add ruff hooks to .pre-commit-config.yaml and run `pre-commit install`",
        )
    fix = "run `uv run ruff check --fix .` and `uv run ruff format .`, then fix what remains"
    for args in (("check", "--output-format", "concise", "."), ("format", "--check", ".")):
        failure = _tool_failure(project.ruff(*args), f"ruff {args[0]}", fix)
        if failure is not None:
            return failure
    return passed("ruff check and ruff format --check pass; pre-commit runs ruff")


def _backtest_problem(project: Project) -> Outcome | None:
    """Check back tests exist: expected hashes and a test marked ``backtest`` that uses them."""
    try:
        expected = json.loads(project.text("tests/backtest/expected_hashes.json") or "{}")
    except ValueError:
        expected = {}
    marked = [
        p
        for p in project.root.glob("tests/**/test_*.py")
        if "mark.backtest" in p.read_text("utf-8")
    ]
    if not expected or not marked:
        return failed(
            "no back test (tests marked backtest and tests/backtest/expected_hashes.json)",
            f"run the pipeline and `python -m {project.package} backtest --update`; keep "
            "tests/backtest/test_backtest.py",
        )
    return None


def check_s6(project: Project) -> Outcome:
    """S6: a testing framework with unit tests and back tests, and the tests pass."""
    if not list(project.root.glob("tests/**/test_*.py")):
        return failed("no test files (tests/**/test_*.py)", "write pytest tests under tests/")
    problem = _backtest_problem(project)
    if problem is not None:
        return problem
    result = project.test_run
    if result is None:
        why = "inside a test run started by rap-check" if os.environ.get(NESTED_ENV) else "asked"
        return unchecked(
            f"tests not run ({why})", "run rap-check without --no-tests/--no-run (uvx nox -s rap)"
        )
    if result.returncode == PYTEST_NO_TESTS:
        return failed("pytest collected no tests", "write tests under tests/ named test_*.py")
    failure = _tool_failure(result, "pytest", "run `uv run pytest` and fix the failing tests")
    return failure or passed(f"pytest passed ({result.tail(1)}); back tests present")


def _dependency_name(requirement: str) -> str:
    """Return the normalised distribution name of a requirement such as ``pandera[polars]>=0.24``."""
    found = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip())
    return re.sub(r"[-_.]+", "-", found.group(0)).lower() if found else ""


def _locked_packages(lock: str | None) -> set[str] | None:
    """Return the package names pinned in a uv.lock text (None if missing or unreadable)."""
    try:
        return {_dependency_name(p["name"]) for p in tomllib.loads(lock or "")["package"]}
    except (tomllib.TOMLDecodeError, KeyError, TypeError):
        return None


def check_s7(project: Project) -> Outcome:
    """S7: dependencies are declared and pinned in a committed lock file."""
    declared = project.pyproject.get("project", {}).get("dependencies") or []
    if not declared:
        return failed(
            "pyproject.toml declares no [project] dependencies",
            "list the packages the code imports under [project] dependencies",
        )
    locked = _locked_packages(project.text("uv.lock"))
    if locked is None:
        return failed("no readable uv.lock", "run `uv lock` and commit uv.lock")
    missing = [name for req in declared if (name := _dependency_name(req)) not in locked]
    if missing:
        return failed(f"uv.lock does not pin {_first(missing)}", "run `uv lock` and commit uv.lock")
    if project.git.head is not None and "uv.lock" not in project.git.tracked:
        return failed("uv.lock is not committed", "git add uv.lock && git commit")
    return passed(f"{len(declared)} dependencies declared; all pinned in the committed uv.lock")


def _manifest_gaps(manifest: dict[str, Any], project: Project) -> list[str]:
    """Return what the run manifest fails to record (empty when complete)."""
    gaps = []
    if not manifest.get("config", {}).get("sha256"):
        gaps.append("config hash")
    if project.git.head is not None and not manifest.get("code", {}).get("commit"):
        gaps.append("git commit")
    inputs = manifest.get("inputs") or []
    if not inputs or not all(item.get("sha256") for item in inputs):
        gaps.append("input hashes")
    stages = manifest.get("stages") or []
    if not stages or not all("rows_out" in stage for stage in stages):
        gaps.append("rows per stage")
    return gaps


def _log_gaps(log: str, manifest: dict[str, Any]) -> list[str]:
    """Return what the run log fails to record: the config hash and each stage's validation."""
    gaps = []
    config_hash = str(manifest.get("config", {}).get("sha256", ""))[:12]
    if not config_hash or config_hash not in log:
        gaps.append("config hash")
    for stage in manifest.get("stages") or []:
        lines = [line for line in log.splitlines() if f" {stage.get('name')}: " in line]
        if not any("valid against" in line for line in lines):
            gaps.append(f"validation of stage {stage.get('name')}")
    return gaps


def check_s8(project: Project) -> Outcome:
    """S8: every run records a log and a manifest, so outputs can be checked."""
    problem = _run_evidence(project)
    if problem is not None:
        return problem
    run = project.pipeline_run
    manifest = run.manifest or {}
    if run.log_text is None:
        return failed(
            f"the run wrote no log file in {run.out_dir / 'logs'}",
            "start the run with logs.start_run_log (as cli.py does)",
        )
    gaps = _manifest_gaps(manifest, project)
    log_gaps = _log_gaps(run.log_text, manifest)
    if gaps or log_gaps:
        missing = [f"manifest: {gap}" for gap in gaps] + [f"log: {gap}" for gap in log_gaps]
        return failed(
            f"the run's records lack {_first(missing, 4)}",
            "keep manifest.write_manifest and the stage logging in runner.py",
        )
    return passed(
        "log and manifest record commit, config hash, input hashes, rows and validation per stage",
        *_stale_run_warnings(project),
    )


def _tidy_problem(path: Path, schema: type[pa.DataFrameModel]) -> str | None:
    """Return why a published CSV is not tidy and typed as its schema says (None if it is)."""
    if not path.is_file():
        return f"{path.name} was not produced"
    header = pl.read_csv(path, n_rows=0).columns
    bad = [name for name in header if not SNAKE_CASE.match(name)]
    if bad or len(set(header)) != len(header):
        return f"{path.name} has headers that are not unique snake_case: {_first(bad or header)}"
    columns = schema.to_schema().columns
    if set(header) != set(columns):
        return f"{path.name} columns differ from {schema.__name__}"
    dtypes = {name: column.dtype.type for name, column in columns.items()}
    try:
        validate(pl.read_csv(path, schema_overrides=dtypes), schema, where=path.name)
    except (ValidationFailedError, pl.exceptions.PolarsError) as exc:
        return f"{path.name} does not validate against {schema.__name__}: {exc}"
    return None


def check_s9(project: Project) -> Outcome:
    """S9: outputs are tidy: strict schemas, snake_case headers, one type per column."""
    loose = [
        f"{name} ({schema.__name__})"
        for name, schema in project.declared_outputs.items()
        if not schema.to_schema().strict
    ]
    if loose:
        return failed(
            f"output schema(s) accept unknown columns: {_first(loose)}",
            "set `strict = True` in each output schema's Config",
        )
    problem = _run_evidence(project)
    if problem is not None:
        return problem
    out_dir = project.pipeline_run.out_dir
    for name, schema in project.declared_outputs.items():
        found = _tidy_problem(out_dir / f"{name}.csv", schema)
        if found is not None:
            return failed(found, "publish one observation per row, one typed column per variable")
    count = len(project.declared_outputs)
    return passed(f"{count} output(s) re-read and validated against strict schemas")


# --- NHS Gold --------------------------------------------------------------------------


def check_g1(project: Project) -> Outcome:
    """G1: the code is a package that builds and is installed with its version."""
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
    return passed(f"{meta['name']} {installed}, built by {build['build-backend']} and installed")


def _ci_problem(project: Project, fix: str) -> Outcome | None:
    """Return a failure when there is no readable CI configuration."""
    jobs, problems = project.ci
    if problems:
        return failed(problems[0], "fix the YAML (pre-commit's check-yaml shows where)")
    if not jobs:
        return failed("no CI configuration (.github/workflows/*.yml or .gitlab-ci.yml)", fix)
    return None


def check_g2(project: Project) -> Outcome:
    """G2: the tests run automatically in CI on every change."""
    problem = _ci_problem(project, G2_FIX)
    if problem is not None:
        return problem
    for job in project.ci[0]:
        events = job.triggers & CHANGE_EVENTS
        if events and any(runs_tests(c, project.nox_defaults) for c in job.commands):
            return passed(
                f"{job.file}: job {job.name} runs the tests on {', '.join(sorted(events))}"
            )
    return failed(
        "no CI job runs the tests (pytest or the nox tests session) on push or pull request",
        G2_FIX,
    )


def check_g3(project: Project) -> Outcome:
    """G3: the pipeline runs on a schedule or on an event such as new data arriving."""
    problem = _ci_problem(project, G3_FIX)
    if problem is not None:
        return problem
    for job in project.ci[0]:
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
        "workflow_run; GitLab: $CI_PIPELINE_SOURCE schedule/trigger/api)",
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


# --- Analysis Function and Duck Book ------------------------------------------------------


def check_af6(project: Project) -> Outcome:
    """AF6: QA follows existing guidance: a QA log with the proportionate QA level and entries."""
    text = project.text("docs/qa_log.md")
    if text is None:
        return failed(
            "docs/qa_log.md is missing", "add a QA log (see the Aqua Book) in docs/qa_log.md"
        )
    if not re.search(r"QA level\W*(lower|moderate|higher)\b", text, re.IGNORECASE):
        return failed(
            "docs/qa_log.md does not declare the proportionate QA level",
            "add a line 'QA level: lower|moderate|higher' (Duck Book checklists)",
        )
    dated = [row for row in docs.entries(text) if re.search(r"\d{4}-\d{2}-\d{2}", row)]
    if not dated:
        return failed(
            "docs/qa_log.md has no dated QA entries", "record each QA activity with its date"
        )
    return passed(f"QA log with {len(dated)} dated entr{'y' if len(dated) == 1 else 'ies'}")


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
            f"possible secrets committed: {_first(named + leaked)}",
            "remove them from git history (git filter-repo), rotate the secret, use env variables",
        )
    return passed(f"no secret files or keys in {len(project.git.tracked)} tracked files")


def _has_secret(path: Path) -> bool:
    """Whether a (small, text) file contains something shaped like a private key or token."""
    if not path.is_file() or path.stat().st_size > SECRET_SCAN_MAX_BYTES:
        return False
    return bool(SECRET_CONTENT.search(path.read_text(encoding="utf-8", errors="ignore")))


def check_db2(project: Project) -> Outcome:
    """DB2: no real data or outputs in git; only synthetic sample data and test fixtures."""
    if project.git.head is None:
        return failed("cannot list tracked files: no git commits", "commit the project first")
    data = [
        path
        for path in project.git.tracked
        if Path(path).suffix.lower() in DATA_SUFFIXES
        and not path.startswith(DATA_ALLOWED_UNDER)
        and not _is_config_json(path)
    ]
    if data:
        return failed(
            f"data files tracked by git outside data/sample/: {_first(data)}",
            "git rm --cached them (keep data in data/raw/, ignored); purge history if real",
        )
    return passed("only synthetic sample data and test fixtures are tracked")


def _is_config_json(path: str) -> bool:
    """JSON that is configuration or test expectations rather than data."""
    return path.endswith(".json") and not path.startswith(("data/", "outputs/"))


def check_db3(project: Project) -> Outcome:
    """DB3: assumptions are documented next to the code."""
    text = project.text("docs/assumptions.md")
    if text is None or not docs.entries(text):
        return failed(
            "docs/assumptions.md is missing or lists no assumptions",
            "list each assumption, why it is reasonable and its effect, in docs/assumptions.md",
        )
    return passed(f"{len(docs.entries(text))} assumption(s) documented in docs/assumptions.md")


def check_db4(project: Project) -> Outcome:
    """DB4: project documentation: contributing, conduct, citation and a documentation licence."""
    needed = ["CONTRIBUTING.md", "CODE_OF_CONDUCT.md", "CITATION.cff", "LICENSES/OGL-UK-3.0.md"]
    missing = [name for name in needed if project.text(name) is None]
    if missing:
        return failed(f"missing {_first(missing)}", "add them (cookiecutter-rap generates each)")
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


def check_db5(project: Project) -> Outcome:
    """DB5: inputs are versioned: every input the run read is recorded and unchanged."""
    problem = _run_evidence(project)
    if problem is not None:
        return problem
    recorded = {i["name"]: i for i in (project.pipeline_run.manifest or {}).get("inputs", [])}
    for name, path in project.config.inputs.items():
        entry = recorded.get(name)
        if entry is None:
            return failed(f"input {name} is not recorded in the manifest", "rerun the pipeline")
        if not path.is_file() or sha256_file(path) != entry.get("sha256"):
            return failed(
                f"input {name} ({path.name}) changed since the run that produced the outputs",
                "rerun the pipeline; never edit inputs by hand (add a stage instead)",
            )
    return passed(f"{len(recorded)} input(s) recorded with SHA-256 and unchanged")


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


# --- the table ---------------------------------------------------------------------------

NHS, AF, DB = "NHS", "Analysis Function", "Duck Book"
B, S, G = Level.BASELINE, Level.SILVER, Level.GOLD

CRITERIA: tuple[Criterion, ...] = (
    Criterion("B1", NHS, "Outputs produced by code in an open-source language", "static", check_b1, B),
    Criterion("B2", NHS, "Code is under version control", "git", check_b2, B),
    Criterion("B3", NHS, "README with the steps to reproduce", "static", check_b3, B),
    Criterion("B4", NHS, "Code has been peer reviewed", "git/attest", check_b4, B, attestable=True),
    Criterion("B5", NHS, "Code published openly, linked to/from publication", "static/attest", check_b5, B, attestable=True),
    Criterion("S1", NHS, "Outputs produced with minimal manual intervention", "run", check_s1, S),
    Criterion("S2", NHS, "Well documented: guidance, structure, method, docstrings", "static/run", check_s2, S),
    Criterion("S3", NHS, "Standard directory layout", "static/git", check_s3, S),
    Criterion("S4", NHS, "Reusable functions and classes", "static/run", check_s4, S),
    Criterion("S5", NHS, "Follows coding standards (PEP 8 via ruff)", "run", check_s5, S),
    Criterion("S6", NHS, "Testing framework with unit and back tests", "run", check_s6, S),
    Criterion("S7", NHS, "Dependency information, pinned", "static/git", check_s7, S),
    Criterion("S8", NHS, "Logs recorded automatically", "run", check_s8, S),
    Criterion("S9", NHS, "Data handled and output in tidy format", "run", check_s9, S),
    Criterion("G1", NHS, "Code is fully packaged", "static/run", check_g1, G),
    Criterion("G2", NHS, "Tests run automatically through CI", "static", check_g2, G),
    Criterion("G3", NHS, "Runs on event-based triggers or a schedule", "static", check_g3, G),
    Criterion("G4", NHS, "Changes signposted: changelog, releases, semver", "static/git", check_g4, G),
    Criterion("AF1", AF, "Minimal manual steps, the rest documented", "run", check_s1, same_as="S1"),
    Criterion("AF2", AF, "Built with open-source software", "static", check_b1, same_as="B1"),
    Criterion("AF3", AF, "Peer reviewed", "git/attest", check_b4, same_as="B4", attestable=True),
    Criterion("AF4", AF, "Version controlled (audit trail)", "git", check_b2, same_as="B2"),
    Criterion("AF5", AF, "Open to anyone", "static/attest", check_b5, same_as="B5", attestable=True),
    Criterion("AF6", AF, "Follows existing QA good practice (QA log)", "static", check_af6),
    Criterion("AF7", AF, "Well commented, documentation embedded in the repo", "static/run", check_s2, same_as="S2"),
    Criterion("DB1", DB, "Secrets kept out of the code and repository", "static/git", check_db1),
    Criterion("DB2", DB, "No real data or outputs in version control", "git", check_db2),
    Criterion("DB3", DB, "Assumptions documented", "static", check_db3),
    Criterion("DB4", DB, "Contributing, conduct, citation and docs licence", "static", check_db4),
    Criterion("DB5", DB, "Inputs versioned and never modified", "run", check_db5),
    Criterion("DB6", DB, "User, test and development dependencies separate", "static", check_db6),
)  # fmt: skip
