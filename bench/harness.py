"""Benchmark the generated pipeline against idiomatic pandas and a bare Polars script.

``nox -s bench`` (or ``python -m bench``) generates a project from this
template (``starter=none``: the record-level ``example`` pipeline), installs it
once with ``uv sync``, makes inputs with its ``sample-data --rows N`` command
(kept between runs: same seed, same file), and measures, interleaved in one
run, each variant in a fresh child process:

* ``pipeline``: the project's command line, ``run``, every data check on;
* ``pipeline-unchecked``: the same command with the checks off
  (``run_pipeline(check_data=False)``), to measure what validation costs;
* ``pandas``: pandas at its best for this job (``bench/pandas_reference.py``:
  pyarrow engine, typed read, no validation);
* ``polars``: a bare Polars script (``bench/polars_reference.py``: typed
  ``scan_csv``, ``group_by``, ``write_csv``), the practical limit;
* ``floor``: that script after paying what every checked run pays
  (``bench/floor_reference.py``: importing Pandera, hashing the input and the
  whole-row byte pass), the fastest a pipeline keeping its promises could be.

Repeat ``r`` runs every variant once, the order rotated by ``r``, so a change
of load on the (shared) machine hits every variant alike. Each run reports
wall time, CPU time (user + system of that child, from ``os.wait4``) and peak
resident memory (``ru_maxrss``). The outputs of pandas, Polars and the
unchecked run must equal the pipeline's. Start-up (importing the command line
and the run path) is measured too. POSIX only (Linux, macOS).

Sizes above ``--in-memory-max-rows`` (``--full`` adds 100M rows) run in
streaming mode (``streaming = true``) under a memory cap, without pandas.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import report

TEMPLATE = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
PACKAGE = "bench_rap"
PIPELINE = "example"
OUTPUT = "area_summary.csv"
DEFAULT_ROWS = ("1M", "10M")
FULL_ROWS = ("100M",)  # added by --full, in streaming mode
_SUFFIXES = {"": 1, "k": 1_000, "m": 1_000_000}
GIB = 1 << 30
MIB = 1 << 20
# Variants in their base order (repeat r starts at index r).
VARIANTS = ("pipeline", "pipeline-unchecked", "pandas", "polars", "floor")
STREAMING_VARIANTS = ("pipeline", "pipeline-unchecked", "polars")
# How often the harness reads a child's /proc/<pid>/status for its anonymous memory.
SAMPLE_SECONDS = 0.05


def parse_rows(text: str) -> int:
    """Parse a row count such as ``50000``, ``10k``, ``1M`` or ``1_000_000``."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmM]?)", text.replace("_", "").replace(",", ""))
    if not match:
        msg = f"not a row count: {text!r} (use e.g. 10000, 10k, 1M)"
        raise argparse.ArgumentTypeError(msg)
    rows = round(float(match[1]) * _SUFFIXES[match[2].lower()])
    if rows < 1:
        msg = f"row count must be at least 1: {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return rows


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Read the command line; the defaults take about three minutes on two cores."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--rows",
        nargs="+",
        type=parse_rows,
        default=[parse_rows(r) for r in DEFAULT_ROWS],
        help=f"input sizes (default {' '.join(DEFAULT_ROWS)})",
    )
    parser.add_argument(
        "--full", action="store_true", help=f"also {' '.join(FULL_ROWS)} rows, streaming, under --cap-gb"
    )
    parser.add_argument(
        "--variants",
        nargs="+",
        choices=VARIANTS,
        default=list(VARIANTS),
        help="which variants to run (default all; ratios need the pipeline and the other side)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="interleaved repeats per size (default 3)")
    parser.add_argument(
        "--repeat-streaming", type=int, default=1, help="repeats of the streaming sizes (default 1)"
    )
    parser.add_argument(
        "--startup-repeat", type=int, default=3, help="repeats of the start-up probes (default 3)"
    )
    parser.add_argument("--out", type=Path, default=TEMPLATE / "bench-results")
    parser.add_argument("--work", type=Path, help="where to generate the project and data (default OUT/work)")
    parser.add_argument(
        "--cap-gb", type=float, default=2.0, help="memory cap of the streaming sizes, GiB (default 2)"
    )
    parser.add_argument(
        "--cap-mode",
        choices=("rlimit", "rss"),
        default="rlimit",
        help="rlimit: cap the address space (RLIMIT_AS, as `ulimit -v`) and judge peak RSS (default); "
        "rss: run uncapped and judge peak RSS only, to time a run that the cap would stop",
    )
    parser.add_argument(
        "--in-memory-max-rows",
        type=parse_rows,
        default=parse_rows("10M"),
        help="largest size run in memory, with pandas (default 10M); larger sizes stream",
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a run is stopped as hung")
    parser.add_argument(
        "--render", type=Path, metavar="JSON", help="only rewrite the markdown of a results.json"
    )
    args = parser.parse_args(argv)
    if args.full:
        args.rows = sorted({*args.rows, *(parse_rows(r) for r in FULL_ROWS)})
    if min(args.repeat, args.repeat_streaming, args.startup_repeat) < 1:
        parser.error("repeats must be at least 1")
    return args


@dataclass
class Usage:
    """What one child process cost."""

    status: int
    wall: float
    cpu: float  # user + system seconds of the child (and its children, if it waited for them)
    peak_rss_mib: float  # ru_maxrss: resident memory, anonymous and file-backed
    peak_anon_mib: float | None  # largest RssAnon sampled from /proc (Linux), else None
    stdout: str
    stderr: str


@dataclass
class Run:
    """One measured run of one variant."""

    rows: int
    variant: str
    repeat: int
    position: int  # order within its repeat (0 = first)
    mode: str  # "memory" or "streaming"
    wall: float | None = None
    cpu: float | None = None
    peak_rss_mib: float | None = None
    peak_anon_mib: float | None = None
    status: str = "ok"
    load_1min: float | None = None  # the machine's load average when the run ended
    modules: dict[str, bool] = field(default_factory=dict)
    # Seconds the run's own timers give its checks ("of which checks ...s" in rapkit's log).
    checks_seconds: float | None = None


def _anon_mib(pid: int) -> float | None:
    """The anonymous resident memory of ``pid`` now (Linux ``/proc``), in MiB."""
    try:
        text = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return None
    match = re.search(r"^RssAnon:\s+(\d+) kB", text, flags=re.MULTILINE)
    return int(match[1]) / 1024 if match else None


def measure(
    command: Sequence[str],
    *,
    cwd: Path,
    scratch: Path,
    env: dict[str, str],
    cap_bytes: int | None = None,
    timeout: float | None = None,
) -> Usage:
    """Run ``command`` in a fresh process and measure it.

    ``os.wait4`` gives the resource usage of this child alone (``RUSAGE_CHILDREN``
    would be the maximum over every child so far). While it runs, the harness
    samples its anonymous memory, which, unlike ``ru_maxrss``, excludes file
    pages the kernel can drop (a memory-mapped input). ``cap_bytes`` sets an
    address-space limit (``RLIMIT_AS``, what ``ulimit -v`` sets). A run still
    going after ``timeout`` seconds is killed (status -9): a process that hits
    an address-space cap can hang rather than fail.
    """
    limit: Callable[[], None] | None = None
    if cap_bytes is not None:

        def limit() -> None:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (cap_bytes, cap_bytes))

    scratch.mkdir(parents=True, exist_ok=True)
    out_path, err_path = scratch / "stdout.txt", scratch / "stderr.txt"
    peak_anon: float | None = None
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.perf_counter()
        # The harness starts no threads, so setting a limit between fork and exec is safe.
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err, preexec_fn=limit)  # noqa: PLW1509
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            anon = _anon_mib(process.pid)
            if anon is not None:
                peak_anon = max(peak_anon or 0.0, anon)
            if timeout is not None and time.perf_counter() - start > timeout:
                process.send_signal(signal.SIGKILL)
            time.sleep(SAMPLE_SECONDS)
        wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return Usage(
        status=process.returncode,
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        peak_rss_mib=usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024) / MIB,
        peak_anon_mib=peak_anon,
        stdout=out_path.read_text(encoding="utf-8", errors="replace"),
        stderr=err_path.read_text(encoding="utf-8", errors="replace"),
    )


_CHECKS = re.compile(r"of which checks (\d+(?:\.\d+)?)s\)")


def checks_seconds(log: str) -> float | None:
    """Sum the validation time of every stage from rapkit's run log (None if it has none).

    rapkit times each stage's checks (``validate_table``: the fast pass, and Pandera
    when a check fails) and logs ``(0.69s, of which checks 0.08s)``. This measures
    validation inside the run itself, so it does not carry the noise of two whole
    runs, as the difference between checks on and off does.
    """
    found = _CHECKS.findall(log)
    return round(sum(float(seconds) for seconds in found), 3) if found else None


def interleave(variants: Sequence[str], repeats: int) -> list[tuple[int, int, str]]:
    """The run order: ``(repeat, position, variant)``, every variant once per repeat, rotated.

    Repeat ``r`` starts with variant ``r`` (modulo their number), so no variant
    always runs first (cold caches) or always follows the same neighbour, and
    a load change during the run is shared by every variant.
    """
    order = []
    for repeat in range(repeats):
        shift = repeat % len(variants)
        rotated = [*variants[shift:], *variants[:shift]]
        order += [(repeat, position, name) for position, name in enumerate(rotated)]
    return order


def child_env() -> dict[str, str]:
    """The environment for the generated project's tools (no outer virtualenv)."""
    # nox sets UV_PROJECT_ENVIRONMENT to its own venv: the project must get its own .venv.
    hidden = {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "UV_PYTHON", "COOKIECUTTER_RAP_NO_LOCK"}
    return {k: v for k, v in os.environ.items() if k not in hidden}


def generate_project(work: Path) -> Path:
    """Generate a fresh project with the example pipeline (``starter=none``) in ``work``; install it.

    ``uv sync`` uses uv's one shared cache, so only the first run downloads. It
    compiles the bytecode: a user's second run finds it written by the first, but
    with ``PYTHONDONTWRITEBYTECODE`` set (as in some CI and sandbox shells) every
    measured run would otherwise compile each imported module again (about 1.3 s
    of the pipeline's start-up, and some of bare Polars').
    """
    from cookiecutter.main import cookiecutter

    shutil.rmtree(work / PACKAGE.replace("_", "-"), ignore_errors=True)  # always the current code
    os.environ["COOKIECUTTER_RAP_NO_LOCK"] = "1"
    try:
        folder = Path(
            cookiecutter(
                str(TEMPLATE),
                no_input=True,
                overwrite_if_exists=True,
                extra_context={"project_name": "Bench RAP", "package": PACKAGE, "starter": "none"},
                output_dir=str(work),
            )
        )
    finally:
        os.environ.pop("COOKIECUTTER_RAP_NO_LOCK", None)
    uv = [uv_path] if (uv_path := shutil.which("uv")) else [sys.executable, "-m", "uv"]
    subprocess.run(
        [*uv, "sync", "--quiet", "--no-default-groups", "--compile-bytecode"],
        cwd=folder,
        env=child_env(),
        check=True,
    )
    return folder


def write_config(project: Path, source: Path, out: Path, *, streaming: bool) -> Path:
    """Write a pipeline config inside ``project`` that reads ``source``."""
    path = project / "config" / f"bench-{'streaming' if streaming else 'memory'}.toml"
    path.write_text(
        f'pipeline = "{PIPELINE}"\noutputs_dir = {json.dumps(out.as_posix())}\n'
        f"streaming = {'true' if streaming else 'false'}\n\n"
        f"[inputs]\nresidents = {json.dumps(source.as_posix())}\n\n"
        "[parameters]\nolder_age = 65\n",
        encoding="utf-8",
    )
    return path


def make_data(project: Path, rows: int, log: Callable[[str], None]) -> Path:
    """The residents file of ``rows`` rows, made by the project's ``sample-data`` once and kept."""
    data = project.parent / f"data-{rows}"
    source = data / "residents.csv"
    if not source.is_file():
        log(f"{rows:,} rows: generating sample data (kept in {data} for the next run)")
        partial = data / "partial"
        shutil.rmtree(partial, ignore_errors=True)
        subprocess.run(
            [
                project / ".venv" / "bin" / "python",
                "-m",
                PACKAGE,
                "sample-data",
                "--rows",
                str(rows),
                "--out",
                partial,
            ],
            cwd=project,
            env=child_env(),
            check=True,
            capture_output=True,
        )
        (partial / "residents.csv").replace(source)  # only a whole file is ever reused
        partial.rmdir()
    return source


def commands(
    project: Path, source: Path, data: Path, *, streaming: bool
) -> dict[str, tuple[list[str], Path, Path]]:
    """Each variant's command line, working folder and the CSV it writes."""
    python = str(project / ".venv" / "bin" / "python")
    out = {name: data / f"out-{name}" for name in VARIANTS}
    config = write_config(project, source, out["pipeline"], streaming=streaming)
    cli = ["--", "--config", str(config), "run"]
    streaming_flag = ["--streaming"] if streaming else []
    for folder in out.values():
        folder.mkdir(parents=True, exist_ok=True)
    return {
        "pipeline": (
            [python, str(HERE / "driver.py"), PACKAGE, *cli, "--out", str(out["pipeline"])],
            project,
            out["pipeline"] / OUTPUT,
        ),
        "pipeline-unchecked": (
            [
                python,
                str(HERE / "driver.py"),
                PACKAGE,
                "--no-checks",
                *cli,
                "--out",
                str(out["pipeline-unchecked"]),
            ],
            project,
            out["pipeline-unchecked"] / OUTPUT,
        ),
        # pandas needs pyarrow, which the project does not install: the harness's own environment.
        "pandas": (
            [sys.executable, "-m", "bench.pandas_reference", str(source), str(out["pandas"] / OUTPUT)],
            TEMPLATE,
            out["pandas"] / OUTPUT,
        ),
        # The project's Python: the same Polars as the pipeline.
        "polars": (
            [
                python,
                str(HERE / "polars_reference.py"),
                str(source),
                str(out["polars"] / OUTPUT),
                *streaming_flag,
            ],
            project,
            out["polars"] / OUTPUT,
        ),
        # The project's Python: its rapkit and Pandera.
        "floor": (
            [python, str(HERE / "floor_reference.py"), str(source), str(out["floor"] / OUTPUT)],
            project,
            out["floor"] / OUTPUT,
        ),
    }


def bench_size(
    project: Path, rows: int, args: argparse.Namespace, log: Callable[[str], None]
) -> dict[str, Any]:
    """Measure every variant of one size, interleaved; compare their outputs with the pipeline's."""
    source = make_data(project, rows, log)
    data = source.parent
    streaming = rows > args.in_memory_max_rows
    variants = [name for name in (STREAMING_VARIANTS if streaming else VARIANTS) if name in args.variants]
    repeats = args.repeat_streaming if streaming else args.repeat
    cap_bytes = round(args.cap_gb * GIB) if streaming and args.cap_mode == "rlimit" else None
    env = child_env()
    if cap_bytes:
        # glibc reserves 64 MiB of address space per thread arena: RLIMIT_AS counts it.
        env["MALLOC_ARENA_MAX"] = "2"
    table = commands(project, source, data, streaming=streaming)
    for _, _, target in table.values():
        target.unlink(missing_ok=True)  # a failed run must not leave an old output to compare
    runs = []
    for repeat, position, name in interleave(variants, repeats):
        command, cwd, _ = table[name]
        usage = measure(
            command, cwd=cwd, scratch=data / "scratch", env=env, cap_bytes=cap_bytes, timeout=args.timeout
        )
        run = Run(
            rows=rows,
            variant=name,
            repeat=repeat,
            position=position,
            mode="streaming" if streaming else "memory",
            wall=round(usage.wall, 3),
            cpu=round(usage.cpu, 3),
            peak_rss_mib=round(usage.peak_rss_mib, 1),
            peak_anon_mib=None if usage.peak_anon_mib is None else round(usage.peak_anon_mib, 1),
            load_1min=round(os.getloadavg()[0], 2),
        )
        if usage.status == -signal.SIGKILL:
            run.status = f"killed after {args.timeout:g} s (hung?)"
        elif usage.status != 0:
            last = usage.stderr.strip().splitlines()[-1:] or [""]
            run.status = f"failed (exit {usage.status}): {last[0][:200]}"
        elif name.startswith("pipeline"):
            run.modules = json.loads(usage.stdout.strip().splitlines()[-1])["modules"]
            if name == "pipeline":
                run.checks_seconds = checks_seconds(usage.stderr)
        log(
            f"{rows:,} rows, repeat {repeat + 1}/{repeats}: {name}: wall {run.wall:.2f} s, "
            f"CPU {run.cpu:.2f} s, peak RSS {run.peak_rss_mib:,.0f} MiB, {run.status}"
        )
        runs.append(run)
    outputs = {
        name: compare_outputs(table["pipeline"][2], table[name][2])
        for name in variants
        if name != "pipeline" and "pipeline" in variants
    }
    return {
        "rows": rows,
        "mode": "streaming" if streaming else "memory",
        "repeats": repeats,
        "cap_gib": args.cap_gb if streaming else None,
        "cap_mode": args.cap_mode if streaming else None,
        "input_bytes": source.stat().st_size,
        "runs": [asdict(run) for run in runs],
        "outputs": outputs,
    }


def compare_outputs(expected: Path, actual: Path) -> str:
    """Whether ``actual`` holds the same table as ``expected`` (the pipeline's output).

    Returns ``"byte-identical"``, ``"equal"`` (same frame, different bytes),
    or ``"MISMATCH: ..."`` / ``"missing: ..."``; never raises.
    """
    import polars as pl
    from polars.testing import assert_frame_equal

    if not expected.is_file():
        return "not compared: the pipeline wrote no output"
    if not actual.is_file():
        return f"missing: {actual}"
    if expected.read_bytes() == actual.read_bytes():
        return "byte-identical"
    try:
        assert_frame_equal(pl.read_csv(expected), pl.read_csv(actual), check_dtypes=False)
    except (AssertionError, pl.exceptions.PolarsError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"MISMATCH: {first}"
    return "equal"


IMPORT_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)\s*$")


def top_imports(importtime_stderr: str, count: int = 8) -> list[tuple[str, float]]:
    """The slowest top-level packages in ``python -X importtime`` output: ``(package, seconds)``.

    Each package's time is the cumulative time of the line that imported it
    (so it includes what it imported that was not loaded yet): ``rapkit`` is
    the whole library, ``polars`` or ``pandera`` the share of whichever
    imported it first.
    """
    times: dict[str, float] = {}
    for line in importtime_stderr.splitlines():
        match = IMPORT_LINE.match(line)
        if match and "." not in match[4]:
            times[match[4]] = max(times.get(match[4], 0.0), int(match[2]) / 1e6)
    return sorted(times.items(), key=lambda item: -item[1])[:count]


def bench_startup(project: Path, args: argparse.Namespace, log: Callable[[str], None]) -> dict[str, Any]:
    """Start-up: ``python -m PACKAGE --help`` and the import of the CLI and run path, fresh processes."""
    python = str(project / ".venv" / "bin" / "python")
    env = child_env()
    scratch = project.parent / "startup"
    probes = {
        "help": [python, "-m", PACKAGE, "--help"],
        "imports": [python, str(HERE / "startup.py"), PACKAGE, PIPELINE],
    }
    help_walls, cli, run_path, loaded = [], [], [], {}
    for _, _, name in interleave(tuple(probes), args.startup_repeat):
        usage = measure(probes[name], cwd=project, scratch=scratch, env=env, timeout=args.timeout)
        if usage.status != 0:
            msg = f"start-up probe {name} failed: {usage.stderr.strip()[-500:]}"
            raise RuntimeError(msg)
        if name == "help":
            help_walls.append(usage.wall)
        else:
            result = json.loads(usage.stdout.strip().splitlines()[-1])
            cli.append(result["cli_import_seconds"])
            run_path.append(result["pipeline_import_seconds"])
            loaded = {
                "after_cli": result["loaded_after_cli"],
                "after_pipeline": result["loaded_after_pipeline"],
            }
    profile = measure(
        [python, "-X", "importtime", "-c", f"import rapkit.cli, {PACKAGE}.pipelines.{PIPELINE}"],
        cwd=project,
        scratch=scratch,
        env=env,
    )
    startup = {
        "help_wall": report.stats(help_walls),
        "cli_import": report.stats(cli),
        "pipeline_import": report.stats(run_path),
        "loaded": loaded,
        "top_imports": top_imports(profile.stderr),
    }
    log(
        f"start-up: --help {startup['help_wall']['median']:.2f} s, import CLI "
        f"{startup['cli_import']['median']:.2f} s, then pipeline {startup['pipeline_import']['median']:.2f} s; "
        f"pandas loaded: {loaded['after_pipeline']['pandas']}"
    )
    return startup


def machine(project: Path) -> dict[str, Any]:
    """Describe the machine and the library versions (the pipeline's from its own venv)."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GIB
    script = "import importlib.metadata as m; print(m.version('polars'), m.version('pandera'), m.version('rapkit'))"
    pipeline_polars, pandera, rapkit = subprocess.run(
        [str(project / ".venv" / "bin" / "python"), "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env=child_env(),
    ).stdout.split()
    from importlib.metadata import version

    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(memory, 1),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "versions": {
            "rapkit": rapkit,
            "polars": pipeline_polars,
            "pandera": pandera,
            "pandas": version("pandas"),
            "pyarrow": version("pyarrow"),
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark (or only re-render a results.json) and write the results."""
    args = parse_args(argv)
    if args.render:
        document = json.loads(args.render.read_text(encoding="utf-8"))
        text = report.markdown(document)
        args.render.with_suffix(".md").write_text(text, encoding="utf-8")
        print(text)
        return 0
    work = (args.work or args.out / "work").resolve()
    work.mkdir(parents=True, exist_ok=True)

    def log(message: str) -> None:
        print(f"[bench] {message}", flush=True)

    started = time.perf_counter()
    log(f"generating and installing a project in {work}")
    project = generate_project(work)
    document: dict[str, Any] = {
        "started": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "machine": machine(project),
        "options": {
            "rows": args.rows,
            "repeat": args.repeat,
            "repeat_streaming": args.repeat_streaming,
            "variants": args.variants,
            "cap_gib": args.cap_gb,
            "cap_mode": args.cap_mode,
            "in_memory_max_rows": args.in_memory_max_rows,
        },
    }
    loads = [os.getloadavg()[0]]
    document["startup"] = bench_startup(project, args, log)
    sizes = []
    for rows in args.rows:
        sizes.append(bench_size(project, rows, args, log))
        loads.append(os.getloadavg()[0])
    document["sizes"] = sizes
    document["load_average_1min"] = {"min": round(min(loads), 2), "max": round(max(loads), 2)}
    document["finished"] = datetime.now(UTC).replace(microsecond=0).isoformat()
    document["harness_seconds"] = round(time.perf_counter() - started, 1)
    text = report.markdown(document)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    (args.out / "results.md").write_text(text, encoding="utf-8")
    print(text)
    log(f"wrote {args.out / 'results.json'} and results.md in {document['harness_seconds']:.0f} s")
    return 0
