"""NHS RAP Silver criteria: reproducible by someone else, with good engineering practice.

S1  outputs produced with minimal manual intervention (one command, manual steps documented)
S2  well documented: user guidance, code structure, methodology, docstrings
S3  standard directory layout, with data and outputs kept out of git
S4  reusable functions and classes (no import-time scripts, bounded complexity)
S5  follows coding standards (ruff lint and format, run by pre-commit)
S6  testing framework with unit tests and back tests, and the tests pass
S7  dependency information, pinned in a committed lock file
S8  logs recorded automatically (run log and manifest)
S9  data handled and output in tidy format (strict schemas, snake_case headers)
"""

from __future__ import annotations

import ast
import json
import os
import re
import tomllib
from pathlib import Path
from typing import Any

import pandera.polars as pa
import polars as pl

from ..errors import ValidationFailedError
from ..validation import validate
from . import docs
from .common import (
    IGNORE_PROBE,
    first,
    pipeline_unavailable,
    py_files,
    run_evidence,
    run_instructions,
    stale_run_warnings,
    tool_failure,
)
from .model import Family, Level, Outcome, failed, passed, unchecked
from .project import NESTED_ENV, Project

SILVER = Family("NHS", Level.SILVER)

SNAKE_CASE = re.compile(r"^[a-z][a-z0-9_]*$")
TOOLING_AT_ROOT = frozenset({"noxfile.py", "conftest.py", "setup.py"})
MIN_METHOD_WORDS = 40
PYTEST_NO_TESTS = 5  # pytest's exit status when it collected no tests


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


@SILVER.criterion("S1", "Outputs produced with minimal manual intervention", "run")
def check_s1(project: Project) -> Outcome:
    """S1: one command produces every declared output; manual steps are documented."""
    problem = (
        _outputs_ignored(project)
        or _manual_steps(project)
        or run_evidence(project)
        or pipeline_unavailable(project)
    )
    if problem is not None:
        return problem
    out_dir = project.pipeline_run.out_dir
    expected = sorted(f"{name}.csv" for name in project.declared_outputs)
    missing = [name for name in expected if not (out_dir / name).is_file()]
    if missing:
        return failed(
            f"the run did not produce declared output(s) {first(missing)}",
            "make the pipeline write every output listed in pipeline.py",
        )
    how = "ran now" if project.pipeline_run.ran_now else "latest run, --no-run"
    return passed(
        f"python -m {project.package} run produced all {len(expected)} declared output(s) "
        f"({how}); manual steps documented",
        *stale_run_warnings(project),
    )


@SILVER.criterion("S2", "Well documented: guidance, structure, method, docstrings", "static/run")
def check_s2(project: Project) -> Outcome:
    """S2: user guidance, code structure, methodology and docstrings are documented."""
    problem = run_instructions(project)
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
    failure = tool_failure(
        docstrings, "docstring check (ruff D1)", "add the missing docstrings ruff lists"
    )
    return failure or passed(
        "README, layout and methodology docs; every public object has a docstring"
    )


@SILVER.criterion("S3", "Standard directory layout", "static/git")
def check_s3(project: Project) -> Outcome:
    """S3: a standard directory layout, with data and outputs kept out of git."""
    folders = [f"src/{project.package}", "tests", "docs", "config", "data/raw", "outputs"]
    missing = [folder for folder in folders if not project.path(folder).is_dir()]
    if missing:
        return failed(
            f"missing folder(s) {first(missing)}", "create them (see the README's layout)"
        )
    exposed = [
        f
        for f in ("data/raw", "data/interim", "outputs")
        if not project.is_ignored(f"{f}/{IGNORE_PROBE}")
    ]
    if exposed:
        return failed(
            f"git does not ignore {first(exposed)}",
            "add `<folder>/*` lines to .gitignore: real data and outputs never go into git",
        )
    stray = sorted(p.name for p in project.root.glob("*.py") if p.name not in TOOLING_AT_ROOT)
    if stray:
        return failed(
            f"Python scripts at the top level: {first(stray)}",
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


@SILVER.criterion("S4", "Reusable functions and classes", "static/run")
def check_s4(project: Project) -> Outcome:
    """S4: logic lives in reusable functions and classes, not scripts or notebooks."""
    modules = py_files(project)
    if not modules:  # nothing to judge is not evidence of reusable code
        return failed(
            f"no Python code in src/{project.package}/ to judge",
            f"put the code in functions and classes in src/{project.package}/",
        )
    scripts = []
    for path in modules:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        lines = _module_level_code(tree, path.name)
        scripts += [f"{path.relative_to(project.root).as_posix()}:{line}" for line in lines]
    if scripts:
        return failed(
            f"code runs at import time, outside functions: {first(scripts)}",
            "move it into a function (a pipeline stage or a helper) and call that",
        )
    notebooks = sorted(p.name for p in (project.root / "src").rglob("*.ipynb"))
    if notebooks:
        return failed(
            f"notebooks inside the package: {first(notebooks)}",
            "move the logic into functions in the package; keep notebooks for exploration",
        )
    result = project.ruff("check", "--select", "C901", "--output-format", "concise", "src")
    failure = tool_failure(result, "complexity check (ruff C901)", "split the listed functions")
    return failure or passed("all package code is in functions/classes; complexity within limit")


@SILVER.criterion("S5", "Follows coding standards (PEP 8 via ruff)", "run")
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
        failure = tool_failure(project.ruff(*args), f"ruff {args[0]}", fix)
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


@SILVER.criterion("S6", "Testing framework with unit and back tests", "run")
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
    failure = tool_failure(result, "pytest", "run `uv run pytest` and fix the failing tests")
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


@SILVER.criterion("S7", "Dependency information, pinned", "static/git")
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
        return failed(f"uv.lock does not pin {first(missing)}", "run `uv lock` and commit uv.lock")
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


@SILVER.criterion("S8", "Logs recorded automatically", "run")
def check_s8(project: Project) -> Outcome:
    """S8: every run records a log and a manifest, so outputs can be checked."""
    problem = run_evidence(project)
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
            f"the run's records lack {first(missing, 4)}",
            "keep manifest.build_manifest and the stage logging in runner.py",
        )
    return passed(
        "log and manifest record commit, config hash, input hashes, rows and validation per stage",
        *stale_run_warnings(project),
    )


def _tidy_problem(path: Path, schema: type[pa.DataFrameModel]) -> str | None:
    """Return why a published CSV is not tidy and typed as its schema says (None if it is)."""
    if not path.is_file():
        return f"{path.name} was not produced"
    header = pl.read_csv(path, n_rows=0).columns
    bad = [name for name in header if not SNAKE_CASE.match(name)]
    if bad or len(set(header)) != len(header):
        return f"{path.name} has headers that are not unique snake_case: {first(bad or header)}"
    columns = schema.to_schema().columns
    if set(header) != set(columns):
        return f"{path.name} columns differ from {schema.__name__}"
    dtypes = {name: column.dtype.type for name, column in columns.items()}
    try:
        validate(pl.read_csv(path, schema_overrides=dtypes), schema, where=path.name)
    except (ValidationFailedError, pl.exceptions.PolarsError) as exc:
        return f"{path.name} does not validate against {schema.__name__}: {exc}"
    return None


@SILVER.criterion("S9", "Data handled and output in tidy format", "run")
def check_s9(project: Project) -> Outcome:
    """S9: outputs are tidy: strict schemas, snake_case headers, one type per column."""
    unavailable = pipeline_unavailable(project)
    if unavailable is not None:
        return unavailable
    loose = [
        f"{name} ({schema.__name__})"
        for name, schema in project.declared_outputs.items()
        if not schema.to_schema().strict
    ]
    if loose:
        return failed(
            f"output schema(s) accept unknown columns: {first(loose)}",
            "set `strict = True` in each output schema's Config",
        )
    problem = run_evidence(project)
    if problem is not None:
        return problem
    out_dir = project.pipeline_run.out_dir
    for name, schema in project.declared_outputs.items():
        found = _tidy_problem(out_dir / f"{name}.csv", schema)
        if found is not None:
            return failed(found, "publish one observation per row, one typed column per variable")
    count = len(project.declared_outputs)
    return passed(f"{count} output(s) re-read and validated against strict schemas")
