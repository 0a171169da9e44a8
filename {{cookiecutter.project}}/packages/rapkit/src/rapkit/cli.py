"""Command-line interface: ``python -m <package> <command>`` (or ``rapkit <command>``).

Commands:
    run          run the configured pipeline and write outputs and a manifest
    sample-data  (re)generate the synthetic sample inputs, at any size
    backtest     compare outputs with the committed expected hashes
    rap-check    check the project against the NHS RAP levels (and AF, Duck Book)
    new-pipeline add a pipeline (code, config, sample data, test, report) to the project

Options may come before or after the command (``--config PATH run`` and
``run --config PATH`` are the same). Expected problems (bad input, bad
configuration, unreadable files, a full disk, an unusable outputs folder)
print a clear message and exit with status 1; ``--debug`` adds the Python
traceback. Ctrl-C stops with status 130 and no traceback; the previous
outputs stay whole (see :mod:`rapkit.publish`).

A project's ``__main__.py`` calls :func:`main` with its own package name, so
``python -m <package>`` runs that project's pipelines.

Each command imports what it needs when it runs (issue 14): ``--help`` loads
neither Polars nor Pandera, and ``run`` does not load the RAP self-check (and
its YAML parser), the scaffolder or the back test.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__, publish
from .errors import PipelineError
from .project import PYPROJECT, configured_pipeline, find_root, package_name, project_version

if TYPE_CHECKING:
    from .config import PipelineConfig
    from .runner import Pipeline, RunResult

log = logging.getLogger(__name__)

# The levels of rapkit.rap_check.Level, spelt out so that building the parser does not import
# the self-check (tests/test_cli.py checks they agree).
TARGET_LEVELS = ("baseline", "silver", "gold")


def _common_options(*, top: bool) -> argparse.ArgumentParser:
    """Options accepted both before and after the command.

    On the commands they default to "not given" (``SUPPRESS``) so that a value
    given before the command is not overwritten by the command's default.
    """
    common = argparse.ArgumentParser(add_help=False)
    default: object = None if top else argparse.SUPPRESS
    common.add_argument(
        "--debug",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="show tracebacks and debug logs",
    )
    common.add_argument(
        "--config",
        type=Path,
        default=default,
        help="configuration file (default config/pipeline.toml)",
    )
    return common


def build_parser(package: str | None = None) -> argparse.ArgumentParser:
    """Describe the commands and their options."""
    parser = argparse.ArgumentParser(
        prog=f"python -m {package}" if package else "rapkit",
        description=__doc__.split("\n")[0],
        parents=[_common_options(top=True)],
    )
    version = f"{package} {project_version(package)}, " if package else ""
    parser.add_argument("--version", action="version", version=f"{version}rapkit {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    common = [_common_options(top=False)]

    run = commands.add_parser(
        "run", help="run the pipeline on the configured inputs", parents=common
    )
    run.add_argument("--out", type=Path, help="write outputs here instead of outputs_dir")

    sample = commands.add_parser(
        "sample-data", help="write the synthetic sample inputs", parents=common
    )
    sample.add_argument("--rows", type=int, help="approximate size (default: the bundled size)")
    sample.add_argument("--seed", type=int, default=2021, help="random seed (default 2021)")
    sample.add_argument(
        "--out", type=Path, help="folder to write to (default: data/sample/<pipeline>)"
    )

    check = commands.add_parser(
        "backtest", help="compare outputs with the expected hashes", parents=common
    )
    check.add_argument("--out", type=Path, help="outputs folder to check (default outputs_dir)")
    check.add_argument("--expected", type=Path, help="expected hashes file")
    check.add_argument("--update", action="store_true", help="replace the expected hashes")
    _add_rap_check(commands, common)
    new = commands.add_parser(
        "new-pipeline", help="add a pipeline: code, config, sample data, test, report"
    )
    new.add_argument("name", help="the new pipeline's name, in lower snake case (housing_need)")
    return parser


def _add_rap_check(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: list[argparse.ArgumentParser],
) -> None:
    """Describe ``rap-check`` and its options."""
    rap = commands.add_parser(
        "rap-check",
        help="check a project (default: this one) against the NHS RAP levels (runs tests and "
        "pipeline)",
        parents=common,
    )
    rap.add_argument(
        "path",
        nargs="?",
        type=Path,
        help="repository to check (default: the project of the current folder); "
        "need not be a cookiecutter-rap project",
    )
    rap.add_argument(
        "--target",
        choices=TARGET_LEVELS,
        help="level to reach (default: [rap] target_level in the configuration, else baseline)",
    )
    rap.add_argument("--json", type=Path, help="also write the report as JSON to this file")
    rap.add_argument(
        "--no-run",
        action="store_true",
        help="run neither tests nor pipeline, nor build the package; judge the latest run in "
        "outputs_dir (fast)",
    )
    rap.add_argument("--no-tests", action="store_true", help="do not run the test suite")
    rap.add_argument(
        "--accept-pending",
        action="store_true",
        help="exit 0 when the machine-checkable criteria reach the target, although criteria "
        "only a person can confirm (peer review B4, publication B5) are not yet attested in "
        "rap-attestations.toml: for CI, which cannot attest. The headline still says the "
        "level without them",
    )
    rap.add_argument(
        "--max-age-days",
        type=int,
        help="warn about attestations older than this (default [rap] attestation_max_age_days "
        "or 365)",
    )


def main(argv: Sequence[str] | None = None, *, package: str | None = None) -> int:
    """Run the command line for ``package`` (default: ``[tool.rapkit] package``); return the status."""
    args = build_parser(package).parse_args(argv)
    try:
        return _dispatch(args, package)
    except PipelineError as exc:
        if args.debug:
            log.exception("Pipeline failed")
        print(f"error: {exc}", file=sys.stderr)  # noqa: T201 - the CLI's own message
        return 1
    except OSError as exc:  # a file problem no lower layer explained: still no traceback
        if args.debug:
            log.exception("File error")
        print(f"error: {publish.describe_os_error(exc)}", file=sys.stderr)  # noqa: T201
        return 1
    except KeyboardInterrupt as exc:
        if args.debug:
            log.exception("Interrupted")
        message = str(exc) or "Interrupted: nothing was published."
        print(message, file=sys.stderr)  # noqa: T201
        return 130


def _dispatch(args: argparse.Namespace, package: str | None) -> int:
    """Run the chosen command."""
    if args.command == "new-pipeline":
        return _new_pipeline(args.name, package)
    if args.command == "rap-check":
        return _rap_check(args)
    from .config import load_config  # noqa: PLC0415 - each command imports what it uses

    config = load_config(args.config)
    if args.command == "backtest":
        return _backtest(args, config.outputs_dir, config.root)
    module = configured_pipeline(config, package)
    if args.command == "run":
        from .logs import start_run_log  # noqa: PLC0415

        out_dir = args.out.resolve() if args.out else config.outputs_dir
        publish.ensure_folder(out_dir)
        log_path = start_run_log(out_dir / "logs", debug=args.debug)
        log.info(
            "Pipeline %r, config %s (sha256 %s)", config.pipeline, config.path, config.sha256[:12]
        )
        log.info("Log file: %s (may contain data values: keep it out of git)", log_path)
        result = run_pipeline(module.build(config.parameters), config, outputs_dir=out_dir)
        log.info("Done: %d output(s), manifest %s", len(result.outputs), result.manifest_path)
        for name, what in result.missing_inputs.items():
            log.warning(
                "Published WITHOUT input %r (it had no data rows; it is optional). Missing from "
                "the outputs: %s. The manifest lists it under missing_inputs.",
                name,
                what,
            )
        return 0
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    rows = args.rows if args.rows is not None else module.sample_rows
    if rows < 1:
        msg = f"--rows must be at least 1, not {rows}."
        raise PipelineError(msg)
    out = args.out or config.root / "data" / "sample" / config.pipeline
    from .io import write_frames_atomically  # noqa: PLC0415

    try:
        files = module.make_sample(rows, args.seed)
    except ValueError as exc:  # a size the synthetic generator cannot make
        msg = f"sample-data --rows {rows}: {exc}"
        raise PipelineError(msg) from exc
    written = write_frames_atomically(files, out)
    log.info("Wrote %d sample file(s) to %s", len(written), out)
    return 0


def run_pipeline(
    pipeline: Pipeline, config: PipelineConfig, *, outputs_dir: Path, check_data: bool = True
) -> RunResult:
    """Run ``pipeline`` (see :func:`rapkit.runner.run_pipeline`), importing the runner now.

    ``check_data`` is for the template's benchmark driver only (checks off).
    """
    from .runner import run_pipeline as run  # noqa: PLC0415 - Polars and Pandera: only `run`

    return run(pipeline, config, outputs_dir=outputs_dir, check_data=check_data)


def _rap_check_config(args: argparse.Namespace) -> tuple[Path, PipelineConfig | None]:
    """Return the root of the repository to check and its configuration, if it has one.

    The configuration is optional: any repository can be checked, and one without
    ``config/pipeline.toml`` fails the criteria that need a pipeline. A ``--config``
    given explicitly must exist.
    """
    from .config import DEFAULT_CONFIG, load_config  # noqa: PLC0415

    root = args.path.resolve() if args.path else find_root(Path.cwd())
    if args.path is not None and not root.is_dir():
        msg = f"rap-check: {args.path} is not a folder."
        raise PipelineError(msg)
    path = args.config or root / DEFAULT_CONFIG
    if args.config is None and not path.is_file():
        return root, None
    config = load_config(path)
    return (root if args.path else config.root), config


def _rap_check(args: argparse.Namespace) -> int:
    """Evaluate every RAP criterion; exit 1 if the project is below its target level.

    The level counts only criteria that are met; ``--accept-pending`` compares the
    machine-checkable level (pending attestations counted as met) with the target.
    """
    from . import rap_check  # noqa: PLC0415 - heavy (YAML): only this command needs it

    root, config = _rap_check_config(args)
    rap = config.rap if config is not None else {}
    try:
        target = rap_check.Level.parse(args.target or str(rap.get("target_level", "baseline")))
    except ValueError as exc:
        where = config.path if config is not None else "the configuration"
        msg = f"[rap] target_level in {where}: {exc}"
        raise PipelineError(msg) from exc
    max_age = args.max_age_days
    if max_age is None:
        max_age = int(rap.get("attestation_max_age_days", 365))
    options = rap_check.Options(
        run_pipeline=not args.no_run,
        run_tests=not (args.no_run or args.no_tests),
        build_package=not args.no_run,
        max_age_days=max_age,
    )
    with rap_check.Project(root, config, options) as project:
        report = rap_check.evaluate(project, target=target, accept_pending=args.accept_pending)
        print(rap_check.render_table(report))  # noqa: T201 - the command's output
        if args.json:
            rap_check.write_json(report, project, args.json.resolve())
    return 0 if report.meets_target else 1


def _new_pipeline(name: str, package: str | None) -> int:
    """Scaffold pipeline ``name`` in the project around the current directory."""
    root = find_root(Path.cwd())
    package = package or package_name(root)
    if package is None:
        msg = f"No package to add a pipeline to: set [tool.rapkit] package in {root / PYPROJECT}."
        raise PipelineError(msg)
    from . import scaffold  # noqa: PLC0415

    written = scaffold.new_pipeline(root, package, name)
    print(f"Wrote pipeline {name!r}:")  # noqa: T201 - the command's output
    for path in written:
        print(f"  {path.relative_to(root).as_posix()}")  # noqa: T201
    print(  # noqa: T201
        "Next steps:\n"
        f"  python -m {package} --config config/{name}.toml run   # run it on its sample\n"
        f"  uvx nox   # lint, type checks and tests, including tests/pipelines/test_{name}.py\n"
        "Then make it yours: replace the stages, schemas and sample in "
        f"src/{package}/pipelines/{name}/ and point config/{name}.toml at real inputs.\n"
        f"reports/{name}.qmd reads the outputs of that config's run (outputs/{name}/).\n"
        "See docs/analyst-guide.md."
    )
    return 0


def _backtest(args: argparse.Namespace, outputs_dir: Path, root: Path) -> int:
    """Compare (or with --update, record) output hashes."""
    from . import backtest  # noqa: PLC0415

    out_dir = args.out.resolve() if args.out else outputs_dir
    expected_path = args.expected or root / backtest.EXPECTED
    actual = backtest.output_hashes(out_dir)
    if args.update:
        backtest.save_expected(expected_path, actual)
        print(f"Updated {expected_path} with {len(actual)} output hash(es).")  # noqa: T201
        return 0
    problems = backtest.compare(actual, backtest.load_expected(expected_path))
    if problems:
        details = "\n  ".join(problems)
        msg = (
            f"Outputs in {out_dir} differ from {expected_path}:\n  {details}\n"
            "If the change is intended, run `backtest --update` and commit the new hashes."
        )
        raise PipelineError(msg)
    print(f"Back test passed: {len(actual)} output(s) match {expected_path}.")  # noqa: T201
    return 0
