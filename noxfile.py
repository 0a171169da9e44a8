#!/usr/bin/env -S uv run --script
# /// script
# dependencies = ["nox>=2025.2.9"]
# ///
"""Test the cookiecutter-rap template: ``nox`` runs lint and the full test suite."""

from __future__ import annotations

import shutil
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "lib", "tests"]

# The rapkit library, vendored into every generated project (braces are part of the name).
RAPKIT = Path(__file__).parent / "{{cookiecutter.project}}" / "packages" / "rapkit"
# Line and branch coverage of `rapkit` that its tests must keep, less a small margin below
# what was measured: the whole library, and the library without rap_check (whose tests
# generate whole projects and so exercise it less evenly).
RAPKIT_COVERAGE = 94
RAPKIT_CORE_COVERAGE = 95


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff over the template's own code (hooks, tests, noxfile)."""
    session.install("--group", "lint")
    session.run("ruff", "check", "hooks", "local_extensions.py", "tests", "bench", "docs", "noxfile.py")
    session.run(
        "ruff", "format", "--check", "hooks", "local_extensions.py", "tests", "bench", "docs", "noxfile.py"
    )


@nox.session
def lib(session: nox.Session) -> None:
    """The rapkit library on its own: ruff, ``mypy --strict`` and its test suite with coverage.

    Runs in ``packages/rapkit`` with the library's own configuration (its pyproject.toml),
    so the library is linted and type-checked once, here, not in every generated project.
    Pass pytest options after ``--``, e.g. ``nox -s lib -- -k parameters``.
    """
    # Caches go to the session's own folder: anything written under {{cookiecutter.project}}
    # would be copied, and fail to render, when cookiecutter generates a project.
    cache = Path(session.create_tmp()).resolve()
    env = {
        "RUFF_CACHE_DIR": str(cache / "ruff"),
        "MYPY_CACHE_DIR": str(cache / "mypy"),
        "PYTHONPYCACHEPREFIX": str(cache / "pycache"),
        "COVERAGE_FILE": str(cache / "coverage"),
        "HYPOTHESIS_STORAGE_DIRECTORY": str(cache / "hypothesis"),
        # Test folders live under this session's tmp (nox sets TMPDIR to it), inside this
        # repository: git must not take a test project without .git for part of ours.
        "GIT_CEILING_DIRECTORIES": str(cache),
    }
    session.chdir(RAPKIT)
    session.install("-e", ".[report]", "--group", "test", "--group", "lint")
    session.run("ruff", "check", ".", env=env)
    session.run("ruff", "format", "--check", ".", env=env)
    session.run("mypy", "--strict", env=env)  # src and tests ([tool.mypy] files)
    session.run(
        "pytest",
        "-p",
        "no:cacheprovider",
        "--cov=rapkit",
        "--cov-report=term-missing:skip-covered",
        f"--cov-fail-under={RAPKIT_COVERAGE}",
        *session.posargs,
        env=env,
        success_codes=[0],  # 5 (no tests collected) is a failure
    )
    session.log(f"Coverage of rapkit without rap_check (at least {RAPKIT_CORE_COVERAGE}%):")
    session.run(
        "coverage",
        "report",
        "--omit=*/rapkit/rap_check/*",
        "--format=total",
        f"--fail-under={RAPKIT_CORE_COVERAGE}",
        env=env,
    )


@nox.session
def tests(session: nox.Session) -> None:
    """Every test, including generating projects and running their own nox sessions.

    Pass pytest options after ``--``, e.g. ``nox -s tests -- -m "not generated"`` for the
    quick subset, or ``-- -m corpus`` for the bad-input corpus alone. Exit code 5
    (no tests collected) is a failure, not a pass. ``loadgroup`` keeps each starter's corpus
    cases on one worker, so each worker locks and installs a starter's project once.
    """
    session.install("--group", "test")
    session.run("pytest", "-n", "2", "--dist", "loadgroup", *session.posargs, success_codes=[0])


@nox.session
def docs(session: nox.Session) -> None:
    """Check the template's documentation, then render it with Quarto when Quarto is installed.

    The checks (every internal link and anchor resolves; every command shown names real
    options, sessions and subcommands), the starters' schema pages and the rapkit API
    reference (quartodoc, from the library's docstrings) run everywhere; rendering needs
    the Quarto binary. The built site's browser checks (axe-core, offline) are template
    tests marked ``generated``: ``nox -s tests -- tests/test_docs.py``.
    """
    # rapkit itself (not editable: nothing is written under {{cookiecutter.project}}):
    # the schema pages and the API reference's model columns come from its Pandera models.
    session.install("--group", "test", "--group", "docs", str(RAPKIT))
    session.run("pytest", "tests/test_docs.py", "-m", "not generated", *session.posargs)
    session.chdir("docs")
    session.run("python", "_schema_pages.py")  # docs/schemas/<starter>.qmd
    session.run("quartodoc", "build")  # the rapkit API reference, into docs/reference/
    quarto = shutil.which("quarto")
    if quarto:
        session.run(quarto, "render", external=True)
    else:
        session.log(
            "Quarto is not on PATH: checked links and commands and built the API reference "
            "(docs/reference/); skipped `quarto render docs`."
        )


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmark the generated pipeline against pandas and bare Polars (not run by default).

    Interleaved, fresh processes: the pipeline with every check on and off, pandas
    (pyarrow engine, typed) and a bare Polars script, at 1M and 10M rows (about three
    minutes on two cores), plus start-up. ``-- --full`` adds 100M rows in streaming mode
    under a 2 GiB cap. Results go to ``bench-results/`` (JSON and markdown); see
    docs/benchmarks.md, and ``-- --help`` for the options.
    """
    session.install("--group", "bench")
    session.run("python", "-m", "bench", *session.posargs)
