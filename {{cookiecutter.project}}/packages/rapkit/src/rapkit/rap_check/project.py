"""Facts about the project that the checks read: files, git, pyproject, and runs.

Every fact is gathered once, when a check first asks for it, so checks stay
one-liners over evidence and the expensive parts (running the tests and the
pipeline) happen at most once per self-check.

Any repository can be checked: the pipeline configuration
(``config/pipeline.toml``) is optional. Without it there is no pipeline to run
or to read schemas from, and the criteria that need one fail and say why.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from xml.etree import ElementTree as ET

import pandera.polars as pa

from ..config import PipelineConfig
from ..errors import ConfigError, PipelineError
from ..manifest import MANIFEST_NAME
from ..project import configured_pipeline, package_name
from .attestations import ATTESTATIONS_FILE, Attestation, load_attestations
from .ci import CIJob, default_nox_sessions, load_ci_jobs

# Set in the environment of the test run the self-check starts, so a test that
# calls the self-check cannot start the test suite again (endless recursion).
NESTED_ENV = "RAP_CHECK_NESTED"
TOOL_TIMEOUT_SECONDS = 3600
# Shown in messages when the project's import package cannot be told.
UNKNOWN_PACKAGE = "<package>"
_VERSION_RE = re.compile(r"^__version__\s*=\s*[\"']([^\"']+)[\"']", re.MULTILINE)


@dataclass(frozen=True)
class Options:
    """How thorough the self-check is.

    Attributes:
        run_pipeline: run the pipeline on the configured inputs; when false, read
            the latest run in ``outputs_dir`` instead.
        run_tests: run the test suite with pytest.
        build_package: build the sdist and wheel with uv, install the wheel into a
            clean environment and run the pipeline from it (G1).
        max_age_days: warn when an attestation is older than this.
        today: the date attestations are compared with.
        outputs_dir: where the latest run is, when the pipeline is not run
            (default: ``outputs_dir`` from the configuration, else ``outputs``).

    """

    run_pipeline: bool = True
    run_tests: bool = True
    build_package: bool = True
    max_age_days: int = 365
    today: date = field(default_factory=lambda: datetime.now(UTC).date())
    outputs_dir: Path | None = None


@dataclass(frozen=True)
class ToolResult:
    """The exit status and combined output of a command the self-check ran."""

    command: tuple[str, ...]
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        """Whether the command succeeded."""
        return self.returncode == 0

    def tail(self, lines: int = 3) -> str:
        """Return the last non-empty lines of output, joined, for a one-line reason."""
        kept = [line.strip() for line in self.output.splitlines() if line.strip()]
        return " | ".join(kept[-lines:])


def run_python(args: list[str], cwd: Path, *, env: dict[str, str] | None = None) -> ToolResult:
    """Run ``python <args>`` with this interpreter (the project's environment) in ``cwd``."""
    return run_command([sys.executable, *args], cwd, env=env)


def run_command(args: list[str], cwd: Path, *, env: dict[str, str] | None = None) -> ToolResult:
    """Run a command (no shell) in ``cwd``; a command that cannot start gives exit 127."""
    command = tuple(args)
    try:
        done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            command,
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
            env=env,
            timeout=TOOL_TIMEOUT_SECONDS,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return ToolResult(command, 127, f"{type(exc).__name__}: {exc}")
    return ToolResult(command, done.returncode, done.stdout + done.stderr)


@dataclass(frozen=True)
class PytestCounts:
    """What pytest's JUnit XML report says: tests collected, skipped, failed, errored."""

    tests: int = 0
    skipped: int = 0
    failures: int = 0
    errors: int = 0

    @property
    def executed(self) -> int:
        """Tests that ran (not skipped)."""
        return self.tests - self.skipped


@dataclass(frozen=True)
class PytestRun:
    """The test suite's run: pytest's result, its counts and the package's coverage (percent)."""

    result: ToolResult
    counts: PytestCounts | None
    coverage: float | None


def read_junit(path: Path) -> PytestCounts | None:
    """Sum the counts of every test suite in a JUnit XML report (None if unreadable)."""
    try:
        root = ET.parse(path).getroot()  # noqa: S314 - written by our own pytest run
    except (OSError, ET.ParseError):
        return None
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    total = dict.fromkeys(("tests", "skipped", "failures", "errors"), 0)
    for suite in suites:
        for key in total:
            total[key] += int(suite.get(key, "0"))
    return PytestCounts(**total)


def read_coverage(path: Path) -> float | None:
    """Read the total coverage percentage from coverage.py's JSON report (None if missing)."""
    try:
        return float(json.loads(path.read_text(encoding="utf-8"))["totals"]["percent_covered"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


@dataclass(frozen=True)
class GitFacts:
    """What local git metadata says about the project (nothing here needs a network)."""

    available: bool
    head: str | None = None
    commit_messages: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    dirty_paths: tuple[str, ...] = ()
    remote: str | None = None
    tracked: tuple[str, ...] = ()


def _git(root: Path, *args: str) -> str | None:
    """Run a read-only git command in ``root``; return its output, or None if it failed."""
    git = shutil.which("git")
    if git is None:
        return None
    done = subprocess.run(  # noqa: S603 - fixed git arguments, no shell
        [git, *args], cwd=root, capture_output=True, text=True, check=False, timeout=60
    )
    return done.stdout if done.returncode == 0 else None


def read_git(root: Path) -> GitFacts:
    """Collect the git facts of the repository that contains ``root``."""
    head = _git(root, "rev-parse", "--verify", "--quiet", "HEAD")
    if head is None:
        return GitFacts(available=(root / ".git").exists())
    log = _git(root, "log", "--format=%B%x1e") or ""
    messages = tuple(entry.strip() for entry in log.split("\x1e") if entry.strip())
    status = _git(root, "status", "--porcelain") or ""
    return GitFacts(
        available=True,
        head=head.strip(),
        commit_messages=messages,
        tags=tuple((_git(root, "tag", "--merged", "HEAD") or "").split()),
        dirty_paths=tuple(line[3:] for line in status.splitlines() if line.strip()),
        remote=((_git(root, "remote", "get-url", "origin") or "").strip() or None),
        tracked=tuple((_git(root, "ls-files", "-z") or "").split("\0")[:-1]),
    )


@dataclass(frozen=True)
class PipelineRun:
    """Evidence of a pipeline run: the outputs folder, its manifest and its log.

    Attributes:
        out_dir: the folder the run wrote to.
        ran_now: true when the self-check ran the pipeline itself.
        result: the command's result (``None`` when reading an earlier run).
        manifest: the parsed ``manifest.json`` (``None`` if missing or unreadable).
        log_text: the text of the run's log file (``None`` if there is none).
        problem: why there is no usable evidence (empty when there is).

    """

    out_dir: Path
    ran_now: bool
    result: ToolResult | None = None
    manifest: dict[str, Any] | None = None
    log_text: str | None = None
    problem: str = ""


def read_run(out_dir: Path, *, ran_now: bool, result: ToolResult | None = None) -> PipelineRun:
    """Read the manifest and the newest log of the run in ``out_dir``."""
    if result is not None and not result.ok:
        problem = f"the pipeline run failed (exit {result.returncode}): {result.tail()}"
        return PipelineRun(out_dir, ran_now, result, problem=problem)
    try:
        manifest = json.loads((out_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        problem = f"no readable {MANIFEST_NAME} in {out_dir}"
        return PipelineRun(out_dir, ran_now, result, problem=problem)
    logs = sorted((out_dir / "logs").glob("run-*.log"))
    log_text = logs[-1].read_text(encoding="utf-8", errors="replace") if logs else None
    return PipelineRun(out_dir, ran_now, result, manifest, log_text)


class Project:
    """The project being checked, with its facts gathered lazily.

    Use it as a context manager: when the self-check runs the pipeline, the
    outputs go to a temporary folder that is removed on exit, so a check never
    replaces the outputs of your last real run.
    """

    def __init__(
        self, root: Path, config: PipelineConfig | None = None, options: Options | None = None
    ) -> None:
        """Describe the project at ``root``, configured by ``config`` when it has one."""
        self.root = root.resolve()
        self.config = config
        self.options = options or Options()
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        self._ruff_results: dict[tuple[str, ...], ToolResult] = {}

    def __enter__(self) -> Self:
        """Return the project; its temporary files are removed on exit."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Remove the temporary outputs of the self-check's own pipeline run."""
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None

    def path(self, relative: str) -> Path:
        """Return the absolute path of ``relative`` (POSIX style) in the project."""
        return self.root / relative

    def text(self, relative: str) -> str | None:
        """Return the text of a project file, or None if it does not exist."""
        path = self.path(relative)
        return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None

    @cached_property
    def pyproject(self) -> dict[str, Any]:
        """The parsed ``pyproject.toml`` (empty if missing or invalid)."""
        try:
            return tomllib.loads(self.text("pyproject.toml") or "")
        except tomllib.TOMLDecodeError:
            return {}

    @cached_property
    def package_name(self) -> str | None:
        """The import name: ``[tool.rapkit] package``, else the single package under ``src/``."""
        try:
            return package_name(self.root)
        except ConfigError:
            return None  # an unreadable pyproject.toml names no package

    @property
    def package(self) -> str:
        """The import name, or ``<package>`` in messages when it cannot be told."""
        return self.package_name or UNKNOWN_PACKAGE

    @cached_property
    def version(self) -> str | None:
        """The project version: static in pyproject, or read from the hatch version file."""
        project = self.pyproject.get("project", {})
        if "version" in project:
            return str(project["version"])
        source = self.pyproject.get("tool", {}).get("hatch", {}).get("version", {}).get("path")
        text = self.text(str(source)) if source else None
        found = _VERSION_RE.search(text or "")
        return found.group(1) if found else None

    @cached_property
    def entry_points(self) -> frozenset[str]:
        """Names that start the pipeline: the package (``python -m``) and any scripts."""
        scripts = self.pyproject.get("project", {}).get("scripts", {})
        main = (self.root / "src" / self.package / "__main__.py").is_file()
        return frozenset(scripts) | ({self.package} if main else set())

    @cached_property
    def declared_outputs(self) -> dict[str, type[pa.DataFrameModel]]:
        """The published outputs of the configured pipeline and their Pandera schemas.

        Raises:
            ConfigError: there is no configuration, or its pipeline cannot be loaded
                (criteria ask :attr:`pipeline_problem` first).

        """
        if self.config is None:
            msg = f"{self.root} has no pipeline configuration"
            raise ConfigError(msg)
        module = configured_pipeline(self.config, self.package_name)
        return module.build(self.config.parameters).output_schemas()

    @cached_property
    def pipeline_problem(self) -> str:
        """Why the configured pipeline cannot be loaded (empty when it can)."""
        if self.config is None:
            return "no pipeline configuration"
        if self.package_name is not None and importlib.util.find_spec(self.package_name) is None:
            return (
                f"package {self.package_name!r} is not installed in the environment running "
                f"rap-check ({sys.executable}); run it from the project: `uv run rapkit rap-check`"
            )
        try:
            self.declared_outputs  # noqa: B018 - loading it is the test
        except (PipelineError, ImportError) as exc:
            return str(exc)
        return ""

    @cached_property
    def ci(self) -> tuple[list[CIJob], list[str]]:
        """Every CI job (GitHub Actions, GitLab CI) and any CI file that could not be read."""
        return load_ci_jobs(self.root)

    @cached_property
    def nox_defaults(self) -> frozenset[str]:
        """The sessions a bare ``nox`` runs."""
        return default_nox_sessions(self.root)

    @cached_property
    def attestations(self) -> tuple[dict[str, Attestation], list[str]]:
        """Valid attestations by criterion id, and problems with the file."""
        return load_attestations(self.path(ATTESTATIONS_FILE), self.options.today)

    @cached_property
    def git(self) -> GitFacts:
        """Local git metadata."""
        return read_git(self.root)

    def is_ignored(self, relative: str) -> bool:
        """Whether git would ignore a file at ``relative`` (whether or not it exists)."""
        return _git(self.root, "check-ignore", "--quiet", "--no-index", relative) is not None

    @cached_property
    def pipeline_run(self) -> PipelineRun:
        """Run the pipeline (or read the latest run when ``run_pipeline`` is false)."""
        if self.config is None:
            out_dir = self.options.outputs_dir or self.root / "outputs"
            return PipelineRun(out_dir, ran_now=False, problem="no pipeline configuration")
        if not self.options.run_pipeline:
            out_dir = self.options.outputs_dir or self.config.outputs_dir
            return read_run(out_dir, ran_now=False)
        out_dir = self.scratch() / "outputs"
        args = ["-m", self.package, "--config", str(self.config.path), "run", "--out", str(out_dir)]
        result = run_python(args, self.root)
        return read_run(out_dir, ran_now=True, result=result)

    def scratch(self) -> Path:
        """A temporary folder of this self-check, removed when the project is closed."""
        if self._scratch is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="rap-check-")
        return Path(self._scratch.name)

    @cached_property
    def test_run(self) -> PytestRun | None:
        """Run the test suite with pytest (and coverage); None when tests were not to be run."""
        if not self.options.run_tests or os.environ.get(NESTED_ENV):
            return None
        env = {**os.environ, NESTED_ENV: "1"}
        junit = self.scratch() / "junit.xml"
        coverage = self.scratch() / "coverage.json"
        args = ["-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}"]
        measured = importlib.util.find_spec("pytest_cov") is not None and self.package_name
        if measured:
            args += [f"--cov={self.package_name}", f"--cov-report=json:{coverage}"]
        result = run_python(args, self.root, env=env)
        return PytestRun(result, read_junit(junit), read_coverage(coverage) if measured else None)

    @cached_property
    def backtest_mutated(self) -> ToolResult | None:
        """Run the back tests on a copy whose committed expected hashes were all changed.

        A back test that really compares outputs with the committed hashes must
        fail then; one that passes checks nothing. None when tests are not run.
        """
        if not self.options.run_tests or os.environ.get(NESTED_ENV):
            return None
        copy = self.scratch() / "mutated"
        shutil.copytree(
            self.root,
            copy,
            ignore=shutil.ignore_patterns(".git", ".venv", ".nox", "outputs", "raw", "_site"),
            symlinks=True,
        )
        expected = copy / "tests" / "backtest" / "expected_hashes.json"
        if expected.is_file():
            text = expected.read_text(encoding="utf-8")
            flipped = re.sub(
                r"[0-9a-f]{64}", lambda m: "0" * 64 if m[0] != "0" * 64 else "1" * 64, text
            )
            expected.write_text(flipped, encoding="utf-8")
        src = str(copy / "src")
        env = {
            **os.environ,
            NESTED_ENV: "1",
            "PYTHONPATH": os.pathsep.join([src, *filter(None, [os.environ.get("PYTHONPATH")])]),
        }
        return run_python(
            ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "backtest"], copy, env=env
        )

    @cached_property
    def package_build(self) -> PackageBuild | None:
        """Build, install into a clean environment and run the package; None when not asked."""
        if not self.options.build_package or self.config is None:
            return None
        return build_and_run(self, self.config.path, self.scratch() / "build")

    def ruff(self, *args: str) -> ToolResult:
        """Run ``ruff`` from the project's environment once per argument list.

        Ruff takes well under a second, so it runs even with ``--no-run``.
        """
        if args not in self._ruff_results:
            self._ruff_results[args] = run_python(["-m", "ruff", *args], self.root)
        return self._ruff_results[args]


@dataclass(frozen=True)
class PackageBuild:
    """What building the package and running it from its installed wheel showed.

    Attributes:
        problem: the first step that failed and why (empty when every step worked).
        wheel: the wheel's file name (empty when none was built).
        missing: package files under ``src/`` that the wheel leaves out.

    """

    problem: str = ""
    wheel: str = ""
    missing: tuple[str, ...] = ()


def find_uv() -> str | None:
    """The uv executable: ``$UV`` (set by ``uv run``), else uv on PATH."""
    found = os.environ.get("UV") or shutil.which("uv")
    return found if found and Path(found).is_file() else None


def _local_sources(project: Project) -> list[str]:
    """Paths of ``[tool.uv.sources]`` dependencies (a library vendored in the repository)."""
    sources = project.pyproject.get("tool", {}).get("uv", {}).get("sources", {})
    return [
        str(project.root / entry["path"])
        for entry in sources.values()
        if isinstance(entry, dict) and "path" in entry
    ]


def build_and_run(project: Project, config: Path, work: Path) -> PackageBuild:
    """Build sdist and wheel, install the wheel in a clean venv, and run the pipeline from it.

    The pipeline runs in a folder outside the repository with a fresh
    interpreter, so only what the wheel installed can be imported: a wheel
    that leaves out part of the package fails here.
    """
    uv = find_uv()
    if uv is None:
        return PackageBuild("uv is not installed, so the package cannot be built here")
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    dist = work / "dist"
    built = run_command(
        [uv, "build", "--sdist", "--wheel", "--out-dir", str(dist)], project.root, env=env
    )
    wheels = sorted(dist.glob("*.whl"))
    if not built.ok or not wheels or not list(dist.glob("*.tar.gz")):
        return PackageBuild(f"`uv build` failed: {built.tail()}")
    with zipfile.ZipFile(wheels[0]) as archive:
        packed = set(archive.namelist())
    source = project.root / "src"
    missing = tuple(
        path.relative_to(source).as_posix()
        for path in sorted((source / project.package).rglob("*.py"))
        if path.relative_to(source).as_posix() not in packed
    )
    if missing:
        return PackageBuild(
            f"the wheel leaves out {len(missing)} package file(s)", wheels[0].name, missing
        )
    venv = work / "venv"
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    steps = (
        [uv, "venv", "--quiet", "--python", sys.executable, str(venv)],
        [
            uv,
            "pip",
            "install",
            "--quiet",
            "--python",
            str(python),
            str(wheels[0]),
            *_local_sources(project),
        ],
    )
    for step in steps:
        done = run_command(step, work, env=env)
        if not done.ok:
            return PackageBuild(f"installing the wheel failed: {done.tail()}", wheels[0].name)
    out = str(work / "out")
    args = [str(python), "-m", project.package, "--config", str(config), "run", "--out", out]
    ran = run_command(args, work, env=env)
    if not ran.ok:
        return PackageBuild(
            f"the installed wheel cannot run the pipeline: {ran.tail()}", wheels[0].name
        )
    return PackageBuild("", wheels[0].name)
