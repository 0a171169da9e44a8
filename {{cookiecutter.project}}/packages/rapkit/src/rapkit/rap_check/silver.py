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
from . import docs, manual
from .common import (
    IGNORE_PROBE,
    first,
    pipeline_unavailable,
    py_files,
    run_evidence,
    run_instructions,
    stale_run_warnings,
    tool_failure,
    tracked_data,
)
from .model import Family, Level, Outcome, failed, passed, unchecked
from .project import NESTED_ENV, Project, PytestCounts, PytestRun

SILVER = Family("NHS", Level.SILVER)

SNAKE_CASE = re.compile(r"^[a-z][a-z0-9_]*$")
TOOLING_AT_ROOT = frozenset({"noxfile.py", "conftest.py", "setup.py"})
MIN_METHOD_WORDS = 40
PYTEST_NO_TESTS = 5  # pytest's exit status when it collected no tests
MIN_TESTS = 10  # default [rap] min_tests: a handful of tests is not a test suite


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


def _unlisted_manual_work(project: Project) -> Outcome | None:
    """Fail on manual instructions and outside reads that docs/manual_steps.md does not list."""
    reads = manual.unlisted(project, manual.outside_reads(project))
    if reads:
        return failed(
            f"reads from outside the repository: {first([str(r) for r in reads])}",
            "read inputs from data/raw/ through [inputs] in config/pipeline.toml (relative "
            "paths), or list the path as a manual step in docs/manual_steps.md",
        )
    steps = manual.unlisted(project, manual.manual_instructions(project))
    if steps:
        return failed(
            f"manual steps not listed in docs/manual_steps.md: {first([str(s) for s in steps])}",
            "do the step in code (a pipeline stage), or list it in docs/manual_steps.md "
            "naming the application or the file that describes it",
        )
    return None


@SILVER.criterion("S1", "Outputs produced with minimal manual intervention", "run")
def check_s1(project: Project) -> Outcome:
    """S1: one command produces every declared output; manual steps are documented."""
    problem = (
        _outputs_ignored(project)
        or _manual_steps(project)
        or _unlisted_manual_work(project)
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
    data = tracked_data(project)
    if data:
        return failed(
            f"data files tracked by git outside data/sample/: {first(data)}",
            "git rm --cached them (data belongs in data/raw/, which git ignores); purge the "
            "history if the data is real",
        )
    stray = sorted(p.name for p in project.root.glob("*.py") if p.name not in TOOLING_AT_ROOT)
    if stray:
        return failed(
            f"Python scripts at the top level: {first(stray)}",
            f"move the code into src/{project.package}/ and run it through the CLI",
        )
    return passed(
        "src/, tests/, docs/, config/, data/ and outputs/ in place; no data or outputs in git"
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


# Ruff's default rules (pycodestyle errors and pyflakes): the floor of the standard,
# checked whatever the project's configuration selects, ignores or excludes.
STANDARD_RULES = "E4,E7,E9,F"


def _code_files(project: Project) -> list[str]:
    """The package's and the tests' Python files (committed or not), as POSIX paths."""
    found = []
    for folder in ("src", "tests"):
        for path in sorted((project.root / folder).rglob("*.py")):
            relative = path.relative_to(project.root)
            if not any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
                found.append(relative.as_posix())
    return found


def _hidden_from_ruff(project: Project, files: list[str]) -> list[str]:
    """Return the code files the project's ruff configuration excludes from ``ruff check .``."""
    listed = project.ruff("check", "--show-files", ".")
    seen = set()
    for line in listed.output.splitlines():
        try:
            seen.add(Path(line.strip()).resolve().relative_to(project.root).as_posix())
        except ValueError:
            continue
    return [path for path in files if path not in seen]


@SILVER.criterion("S5", "Follows coding standards (PEP 8 via ruff)", "run")
def check_s5(project: Project) -> Outcome:
    """S5: code follows agreed standards (ruff lint and format, enforced by pre-commit).

    The project's own ruff configuration cannot lower the bar: every package
    and test file is checked even if the configuration excludes it (an
    exclusion that hides package code fails), and ruff's default rules run
    with no configuration at all.
    """
    hooks = project.text(".pre-commit-config.yaml") or ""
    if "ruff" not in hooks:
        return failed(
            "no pre-commit configuration running ruff",
            "add ruff hooks to .pre-commit-config.yaml and run `pre-commit install`",
        )
    files = _code_files(project)
    if not files:
        return failed("no Python files under src/ or tests/ to lint", "put the code in src/")
    hidden = _hidden_from_ruff(project, files)
    if hidden:
        return failed(
            f"the ruff configuration excludes package or test code: {first(hidden)}",
            "remove src/ and tests/ paths from [tool.ruff] exclude / extend-exclude; "
            "fix what ruff then reports",
        )
    fix = "run `uv run ruff check --fix .` and `uv run ruff format .`, then fix what remains"
    runs = (
        ("ruff check", ("check", "--output-format", "concise", *files)),
        ("ruff format", ("format", "--check", *files)),
        (
            f"ruff's default rules ({STANDARD_RULES}, no configuration)",
            (
                "check",
                "--isolated",
                "--select",
                STANDARD_RULES,
                "--output-format",
                "concise",
                *files,
            ),
        ),
    )
    for what, args in runs:
        failure = tool_failure(project.ruff(*args), what, fix)
        if failure is not None:
            return failure
    return passed(
        f"ruff check, ruff format --check and ruff's default rules pass on {len(files)} files; "
        "pre-commit runs ruff"
    )


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


def _min_tests(project: Project) -> int:
    """The fewest tests that must run: ``[rap] min_tests`` in the configuration, else 10."""
    rap = project.config.rap if project.config is not None else {}
    return int(rap.get("min_tests", MIN_TESTS))


def _coverage_floor(project: Project) -> float:
    """The project's own coverage threshold: ``[tool.coverage.report] fail_under`` (else 0)."""
    report = project.pyproject.get("tool", {}).get("coverage", {}).get("report", {})
    return float(report.get("fail_under", 0))


def _run_problem(project: Project, run: PytestRun) -> Outcome | None:
    """Judge a test run: it passed, enough tests ran, and they cover the package."""
    if run.result.returncode == PYTEST_NO_TESTS:
        return failed("pytest collected no tests", "write tests under tests/ named test_*.py")
    failure = tool_failure(run.result, "pytest", "run `uv run pytest` and fix the failing tests")
    if failure is not None:
        return failure
    counts = run.counts
    if counts is None:
        return failed("pytest wrote no readable JUnit report", "run `uv run pytest` and check it")
    needed = _min_tests(project)
    if counts.executed < needed:
        return failed(
            f"only {counts.executed} test(s) ran ({counts.skipped} skipped); at least "
            f"{needed} must run",
            "write unit tests of the stages and remove skips that hide tests "
            "([rap] min_tests in config/pipeline.toml sets the minimum)",
        )
    return _coverage_problem(project, run)


def _coverage_problem(project: Project, run: PytestRun) -> Outcome | None:
    """Fail when the tests cover the package less than the project's own threshold."""
    floor = _coverage_floor(project)
    if run.coverage is None and floor:
        return failed(
            "coverage of the package was not measured (pytest-cov is not installed)",
            "uv sync (pytest-cov is in the test dependency group)",
        )
    if run.coverage is not None and run.coverage < floor:
        return failed(
            f"tests cover {run.coverage:.1f}% of {project.package}, below the project's "
            f"threshold of {floor:g}% ([tool.coverage.report] fail_under)",
            "test the untested stages (`uv run pytest --cov` lists the lines)",
        )
    return None


def _backtest_blind(project: Project) -> Outcome | None:
    """Fail when the back test still passes after every committed expected hash was changed."""
    mutated = project.backtest_mutated
    if mutated is None:
        return None
    if mutated.returncode == PYTEST_NO_TESTS:
        return failed(
            "no test is marked backtest (pytest -m backtest collects nothing)",
            "mark the back test with @pytest.mark.backtest",
        )
    if mutated.ok:
        return failed(
            "the back test passes even when every expected hash is changed: it does not "
            "compare the outputs with tests/backtest/expected_hashes.json",
            "assert backtest.compare(actual, expected) == [] in tests/backtest/test_backtest.py",
        )
    return None


@SILVER.criterion("S6", "Testing framework with unit and back tests", "run")
def check_s6(project: Project) -> Outcome:
    """S6: unit tests and back tests that run, pass, cover the package and can fail.

    The suite must run at least ``[rap] min_tests`` tests (skipped ones do not
    count), cover the package to the project's own threshold, and its back
    test must fail when the committed expected hashes are changed (so it
    really compares the outputs).
    """
    if not list(project.root.glob("tests/**/test_*.py")):
        return failed("no test files (tests/**/test_*.py)", "write pytest tests under tests/")
    problem = _backtest_problem(project)
    if problem is not None:
        return problem
    run = project.test_run
    if run is None:
        why = "inside a test run started by rap-check" if os.environ.get(NESTED_ENV) else "asked"
        return unchecked(
            f"tests not run ({why})", "run rap-check without --no-tests/--no-run (uvx nox -s rap)"
        )
    problem = _run_problem(project, run) or _backtest_blind(project)
    if problem is not None:
        return problem
    counts = run.counts or PytestCounts()
    covered = f", {run.coverage:.0f}% of {project.package} covered" if run.coverage else ""
    return passed(
        f"pytest passed: {counts.executed} tests ran ({counts.skipped} skipped){covered}; "
        "the back test fails when the expected hashes change"
    )


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


LOWER_BOUND = re.compile(r"(>=|~=|===?|>)\s*\d")


def _unbounded(declared: list[str]) -> list[str]:
    """Return the runtime requirements with no lower bound (``polars``, ``numpy<3``)."""
    return [req for req in declared if not LOWER_BOUND.search(req.split(";")[0])]


def _requirement_key(requirement: str) -> tuple[str, str]:
    """Return (name, specifier with spaces removed and its parts sorted) of a requirement."""
    text = requirement.split(";", maxsplit=1)[0]
    specifier = re.sub(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?", "", text.strip())
    parts = sorted(part for part in specifier.replace(" ", "").split(",") if part)
    return _dependency_name(requirement), ",".join(parts)


def _recorded(items: list[dict[str, Any]]) -> dict[str, str | None]:
    """Requirements as uv.lock records them: name -> specifier (None when met from a path)."""
    recorded: dict[str, str | None] = {}
    for item in items:
        local = any(key in item for key in ("directory", "path", "git", "url", "editable"))
        parts = sorted(str(item.get("specifier", "")).replace(" ", "").split(","))
        recorded[_dependency_name(str(item.get("name", "")))] = (
            None if local else ",".join(parts).strip(",")
        )
    return recorded


def _differences(declared: list[Any], recorded: dict[str, str | None]) -> list[str]:
    """Requirements of pyproject.toml that the lock records differently, or not at all."""
    wanted = [req for req in declared if isinstance(req, str)]
    drift = []
    for requirement in wanted:
        dep, specifier = _requirement_key(requirement)
        if dep not in recorded or recorded[dep] not in (None, specifier):
            drift.append(requirement)
    names = {_dependency_name(req) for req in wanted}
    return drift + [f"{dep} (only in uv.lock)" for dep in recorded if dep not in names]


def _group(groups: dict[str, Any], name: str, seen: frozenset[str] = frozenset()) -> list[str]:
    """The requirements of a dependency group, its ``{include-group = ...}`` expanded."""
    found: list[str] = []
    for item in groups.get(name, []):
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict) and item.get("include-group") not in seen | {name}:
            found += _group(groups, str(item.get("include-group")), seen | {name})
    return found


def _lock_drift(project: Project, declared: list[str], lock: str) -> list[str]:
    """Return what pyproject.toml asks for that differs from what the lock was resolved for.

    uv records the project's own requirements in ``uv.lock`` (``[package.metadata]
    requires-dist`` and ``requires-dev`` of the project's package) and its
    ``requires-python``; a requirement changed in pyproject.toml after locking
    shows up here, offline and without uv, as ``uv lock --check`` would report it.
    A requirement met from a local path (``[tool.uv.sources]``) is compared by name.
    """
    data = tomllib.loads(lock)
    name = _dependency_name(str(project.pyproject.get("project", {}).get("name", "")))
    own: dict[str, Any] = next(
        (p for p in data.get("package", []) if _dependency_name(str(p.get("name", ""))) == name),
        {},
    )
    if not own:
        return [f"{name or 'the project'} itself (uv.lock was not made for this project)"]
    metadata = own.get("metadata", {})
    drift = _differences(declared, _recorded(metadata.get("requires-dist", [])))
    groups = project.pyproject.get("dependency-groups", {})
    for group, items in metadata.get("requires-dev", {}).items():
        found = _differences(_group(groups, group), _recorded(items))
        drift += [f"{req} (group {group})" for req in found]
    drift += [f"group {group}" for group in groups if group not in metadata.get("requires-dev", {})]
    python = project.pyproject.get("project", {}).get("requires-python")
    if python and data.get("requires-python", "").replace(" ", "") != python.replace(" ", ""):
        drift.append(f"requires-python {python}")
    return drift


def _lock_problem(project: Project, declared: list[str]) -> Outcome | None:
    """Fail when uv.lock is missing, out of date with pyproject.toml, or not committed."""
    lock = project.text("uv.lock")
    locked = _locked_packages(lock)
    if lock is None or locked is None:
        return failed("no readable uv.lock", "run `uv lock` and commit uv.lock")
    missing = [name for req in declared if (name := _dependency_name(req)) not in locked]
    drift = _lock_drift(project, declared, lock)
    if missing or drift:
        return failed(
            f"uv.lock does not match pyproject.toml: {first(missing + drift)}",
            "run `uv lock` and commit uv.lock",
        )
    if project.git.head is not None and "uv.lock" not in project.git.tracked:
        return failed("uv.lock is not committed", "git add uv.lock && git commit")
    return None


@SILVER.criterion("S7", "Dependency information, pinned", "static/git")
def check_s7(project: Project) -> Outcome:
    """S7: dependencies are declared with lower bounds and pinned by a committed, current lock."""
    declared = project.pyproject.get("project", {}).get("dependencies") or []
    if not declared:
        return failed(
            "pyproject.toml declares no [project] dependencies",
            "list the packages the code imports under [project] dependencies",
        )
    unbounded = _unbounded(declared)
    if unbounded:
        return failed(
            f"runtime dependencies without a lower bound: {first(unbounded)}",
            "give each dependency the oldest version the code works with, e.g. polars>=1.20",
        )
    problem = _lock_problem(project, declared)
    if problem is not None:
        return problem
    return passed(
        f"{len(declared)} dependencies declared with lower bounds; uv.lock is current and committed"
    )


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
