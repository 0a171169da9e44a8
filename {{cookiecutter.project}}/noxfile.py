#!/usr/bin/env -S uv run --script
# /// script
# dependencies = ["nox>=2025.2.9"]
# ///
"""Task runner: ``nox`` runs lint, typecheck, tests and reproduce; ``nox -s <name>`` one of them.

Every session installs the project from ``uv.lock`` into its own virtual
environment, so what runs here is exactly what runs in CI.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv"
nox.options.sessions = ["lint", "typecheck", "tests", "reproduce"]

ROOT = Path(__file__).parent
PACKAGE = next(p.name for p in (ROOT / "src").iterdir() if (p / "__init__.py").is_file())
# Sessions run on the oldest supported Python (from requires-python); CI runs the
# tests on newer ones with `nox -s tests --force-python 3.X`.
PYTHON = str(nox.project.load_toml("pyproject.toml")["project"]["requires-python"]).lstrip(">=")
BENCH_ROWS = 1_000_000  # default size for `nox -s bench`


def sync(session: nox.Session, *groups: str) -> None:
    """Install the locked project and dependency groups into the session's environment.

    A project generated without uv (or offline) has no uv.lock yet: rather than fail
    with "Unable to find lockfile", make it once here and say so, since the lock is
    what makes every later run install the same versions and must be committed.
    """
    if not (ROOT / "uv.lock").is_file():
        session.log("note: uv.lock is missing; creating it with `uv lock`. Commit uv.lock.")
        session.run_install("uv", "lock")
    args = ["uv", "sync", "--locked", "--no-default-groups"]
    for group in groups:
        args += ["--group", group]
    session.run_install(
        *args,
        f"--python={session.virtualenv.location}",
        env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location},
    )


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Ruff (lint and format check) and every pre-commit hook on all files."""
    sync(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    # The mypy hook is skipped here because the `typecheck` session runs mypy itself.
    session.run(
        "pre-commit",
        "run",
        "--all-files",
        "--show-diff-on-failure",
        *session.posargs,
        env={"SKIP": "mypy"},
    )


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """Mypy in strict mode over the package, the tests and this file."""
    sync(session, "dev")
    session.run("mypy", *session.posargs)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Pytest with coverage; pass extra pytest options after ``--``."""
    sync(session, "test")
    session.run(
        "pytest", f"--cov={PACKAGE}", "--cov-report=term", "--cov-report=xml", *session.posargs
    )


@nox.session(python=PYTHON)
def pipeline(session: nox.Session) -> None:
    """Run the pipeline on the configured inputs (the sample data by default)."""
    sync(session)
    session.run("python", "-m", PACKAGE, "run", *session.posargs)


@nox.session(python=PYTHON)
def reproduce(session: nox.Session) -> None:
    """Run the pipeline twice in fresh processes; outputs must match each other and the back test."""
    sync(session)
    with tempfile.TemporaryDirectory(prefix="reproduce-") as tmp:
        runs = [Path(tmp) / "first", Path(tmp) / "second"]
        for out in runs:
            session.run("python", "-m", PACKAGE, "run", "--out", str(out))
        hashes = [_output_hashes(out) for out in runs]
        if hashes[0] != hashes[1]:
            session.error(f"Outputs differ between two runs:\n{hashes[0]}\n{hashes[1]}")
        session.log(f"Both runs produced identical outputs: {sorted(hashes[0])}")
        session.run("python", "-m", PACKAGE, "backtest", "--out", str(runs[0]))


@nox.session(python=PYTHON, name="update-expected")
def update_expected(session: nox.Session) -> None:
    """Deliberately replace the back-test hashes with those of a fresh run (review the diff!)."""
    sync(session)
    with tempfile.TemporaryDirectory(prefix="expected-") as tmp:
        session.run("python", "-m", PACKAGE, "run", "--out", tmp)
        session.run("python", "-m", PACKAGE, "backtest", "--update", "--out", tmp)


@nox.session(python=PYTHON)
def report(session: nox.Session) -> None:
    """Run the pipeline, then render every report in reports/ to HTML (reports/_output/).

    Renders with ``quarto render`` when Quarto is on PATH; otherwise with the
    pure-Python path (``python -m rapkit.render``: jupytext, nbclient and
    nbconvert), which executes every cell of the same ``.qmd`` files.
    """
    sync(session, "report")
    session.run("python", "-m", PACKAGE, "run")
    quarto = shutil.which("quarto")
    if quarto:
        session.log(f"Rendering with Quarto ({quarto})")
        python = Path(session.bin) / "python"
        session.run(quarto, "render", "reports", external=True, env={"QUARTO_PYTHON": str(python)})
    else:
        session.log("Quarto is not on PATH: rendering with the pure-Python path instead")
        session.run("python", "-m", "rapkit.render", "reports")


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the documentation site: data dictionary, API reference (quartodoc), then Quarto."""
    sync(session, "docs")
    session.run("python", "-m", "rapkit.reporting", "data-dictionary", "docs/data-dictionary.md")
    session.chdir("docs")
    session.run("quartodoc", "build", "--verbose")
    quarto = shutil.which("quarto")
    if quarto:
        session.run(quarto, "render", external=True)
    else:
        session.log(
            "Quarto is not on PATH: skipped `quarto render docs`. Built the API reference "
            "(docs/reference/) and the data dictionary (docs/data-dictionary.md)."
        )


@nox.session(python=PYTHON)
def rap(session: nox.Session) -> None:
    """RAP self-check: run tests, pipeline and build; report the NHS RAP level.

    Fails when the machine-checkable criteria are below the target level in
    config/pipeline.toml. Criteria only a person can confirm (peer review, publication:
    rap-attestations.toml) are accepted as pending here, as CI cannot attest them; the
    headline still reports the level without them.
    """
    sync(session, "dev")
    session.run(
        "python",
        "-m",
        PACKAGE,
        "rap-check",
        "--accept-pending",
        "--json",
        "outputs/rap-check.json",
        *session.posargs,
    )


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Time the pipeline on synthetic inputs: ``nox -s bench`` (1M rows) or ``-- 5000000``.

    Makes inputs of that many rows with ``sample-data`` in a temporary copy of
    the project's configuration, runs the pipeline once in a fresh process with
    every data check on, and writes wall time, peak memory and rows per second
    to ``outputs/bench.json``. Set ``streaming = true`` in config/pipeline.toml
    first to time streaming mode.
    """
    sync(session)
    rows = int(session.posargs[0]) if session.posargs else BENCH_ROWS
    python = (
        Path(session.virtualenv.location) / ("Scripts" if os.name == "nt" else "bin") / "python"
    )
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        # A copy of the config in a folder marked as a project root (pyproject.toml), so
        # its relative input paths point at the synthetic inputs made here, not the real ones.
        root = Path(tmp)
        (root / "pyproject.toml").write_text("# marks the benchmark's project root\n")
        config = root / "config" / "pipeline.toml"
        config.parent.mkdir()
        shutil.copyfile(ROOT / "config" / "pipeline.toml", config)
        cli = [str(python), "-m", PACKAGE, "--config", str(config)]
        session.run(*cli, "sample-data", "--rows", str(rows), external=True)
        status, seconds, peak = _measure([*cli, "run", "--out", str(root / "outputs")])
    if status != 0:
        session.error(f"The pipeline failed (exit {status}); see the messages above.")
    result = {
        "rows": rows,
        "seconds": round(seconds, 3),
        "rows_per_second": round(rows / seconds),
        "peak_rss_mib": None if peak is None else round(peak / 2**20, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }
    target = ROOT / "outputs" / "bench.json"
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    session.log(
        f"{rows:,} rows in {seconds:.2f}s, peak memory {result['peak_rss_mib']} MiB: {target}"
    )


def _measure(command: list[str]) -> tuple[int, float, int | None]:
    """Run ``command``; return its exit status, wall seconds and peak resident memory in bytes.

    ``os.wait4`` reports the memory of this one child process (not available on
    Windows, where the peak is None).
    """
    start = time.perf_counter()
    process = subprocess.Popen(command)  # noqa: S603 - our own interpreter and package
    peak: int | None = None
    if sys.platform == "win32":
        status = process.wait()
    else:
        _, wait_status, usage = os.wait4(process.pid, 0)
        status = process.returncode = os.waitstatus_to_exitcode(wait_status)
        peak = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    return status, time.perf_counter() - start, peak


def _output_hashes(out: Path) -> dict[str, str]:
    """Read ``{output path: sha256}`` from a run's manifest."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {Path(item["path"]).name: item["sha256"] for item in manifest["outputs"]}


if __name__ == "__main__":
    nox.main()
