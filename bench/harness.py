"""Benchmark the generated example pipeline against an idiomatic pandas reference.

``nox -s bench`` (or ``python -m bench``) generates a project from this
template, makes record-level inputs with its ``sample-data --rows N`` command,
and runs, each in a fresh child process:

* ``polars``: the generated pipeline in memory (the default config), with
  every Pandera data check on, and again with the checks off (to measure their
  cost);
* ``polars-streaming``: the same with ``streaming = true``, under an address
  space cap (``RLIMIT_AS``, as ``prlimit --as`` sets) to show that memory stays
  bounded, checks on and off;
* ``pandas``: the same stages written in pandas (``bench/pandas_reference.py``),
  whose output must equal the pipeline's.

Wall time, peak resident memory (``ru_maxrss`` of that child, via
``os.wait4``) and rows per second are written to ``bench-results/`` as JSON
and a markdown table. POSIX only (Linux, macOS). Runs above
``--in-memory-max-rows`` skip the in-memory and pandas variants, which need
many times the input size in memory.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

TEMPLATE = Path(__file__).resolve().parents[1]
DRIVER = Path(__file__).with_name("driver.py")
PROFILER = Path(__file__).with_name("profile_checks.py")
PACKAGE = "bench_rap"
DEFAULT_ROWS = ("1M",)
FULL_ROWS = ("1M", "10M", "50M")
_SUFFIXES = {"": 1, "k": 1_000, "m": 1_000_000}
GIB = 1 << 30
MIB = 1 << 20

# glibc reserves 64 MiB of address space per thread arena (up to 8 per core): reservations,
# not memory in use, but an address-space cap (RLIMIT_AS) counts them. Two arenas keep the cap
# about memory actually used.
CAP_ENV = ("MALLOC_ARENA_MAX=2",)
TARGET_SPEEDUP = 6.0  # at 10M rows, checks on, against pandas
TARGET_OVERHEAD = 0.15  # share of wall time spent on validation at 10M rows


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
    """Read the command line; every option has a light default."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--rows",
        nargs="+",
        type=parse_rows,
        default=[parse_rows(r) for r in DEFAULT_ROWS],
        help=f"input sizes (default {' '.join(DEFAULT_ROWS)}; full set {' '.join(FULL_ROWS)})",
    )
    parser.add_argument("--out", type=Path, default=TEMPLATE / "bench-results")
    parser.add_argument("--work", type=Path, help="where to generate the project and data")
    parser.add_argument(
        "--cap-gb", type=float, default=2.0, help="address space cap for streaming runs (GiB)"
    )
    parser.add_argument(
        "--cap-env",
        nargs="*",
        default=list(CAP_ENV),
        metavar="NAME=VALUE",
        help="environment of the capped runs (default %(default)s: see docs/benchmarks.md)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per variant; best is kept")
    parser.add_argument(
        "--render", type=Path, metavar="JSON", help="only rewrite the markdown of a results.json"
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a run is stopped as hung")
    parser.add_argument(
        "--in-memory-max-rows",
        type=parse_rows,
        default=parse_rows("10M"),
        help="largest size for the in-memory and pandas variants (default 10M)",
    )
    return parser.parse_args(argv)


@dataclass
class Run:
    """One measured child process."""

    rows: int
    variant: str
    checks: bool
    seconds: float | None = None
    peak_rss_mib: float | None = None
    cap_gib: float | None = None
    status: str = "ok"
    stages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rows_per_second(self) -> float | None:
        """Throughput, or None when the run failed."""
        return self.rows / self.seconds if self.seconds else None

    def as_dict(self) -> dict[str, Any]:
        """The run as JSON-ready data."""
        return {**asdict(self), "rows_per_second": self.rows_per_second}


def measure(
    command: Sequence[str],
    *,
    cwd: Path,
    scratch: Path,
    env: dict[str, str],
    cap_bytes: int | None = None,
    timeout: float | None = None,
) -> tuple[float, float, int, str, str]:
    """Run ``command``; return wall seconds, peak RSS (MiB), exit status, stdout and stderr.

    ``os.wait4`` gives the resource usage of this child alone, unlike
    ``RUSAGE_CHILDREN``, which is the maximum over every child so far. A run
    still going after ``timeout`` seconds is killed (status -9): a process that
    hits an address-space cap can hang rather than fail.
    """
    limit: Callable[[], None] | None = None
    if cap_bytes is not None:

        def limit() -> None:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (cap_bytes, cap_bytes))

    out_path, err_path = scratch / "stdout.txt", scratch / "stderr.txt"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.perf_counter()
        # The harness has no threads, so setting a limit between fork and exec is safe.
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=err,
            preexec_fn=limit,  # noqa: PLW1509
        )
        timer = threading.Timer(timeout, process.kill) if timeout else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        if timer:
            timer.cancel()
            timer.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    stdout = out_path.read_text(encoding="utf-8", errors="replace")
    stderr = err_path.read_text(encoding="utf-8", errors="replace")
    peak = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024) / MIB
    return seconds, peak, process.returncode, stdout, stderr


def child_env() -> dict[str, str]:
    """The environment for the generated project's tools (no outer virtualenv)."""
    # nox sets UV_PROJECT_ENVIRONMENT to its own venv: the project must get its own .venv.
    hidden = {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "UV_PYTHON", "COOKIECUTTER_RAP_NO_LOCK"}
    return {k: v for k, v in os.environ.items() if k not in hidden}


def generate_project(work: Path) -> Path:
    """Generate a project with the example pipeline (``starter=none``) into ``work``; install it."""
    from cookiecutter.main import cookiecutter

    shutil.rmtree(work / PACKAGE.replace("_", "-"), ignore_errors=True)  # always fresh
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
    subprocess.run([*uv, "sync", "--quiet", "--no-default-groups"], cwd=folder, env=child_env(), check=True)
    return folder


def write_config(project: Path, source: Path, out: Path, *, streaming: bool) -> Path:
    """Write a pipeline config inside ``project`` that reads ``source``."""
    path = project / "config" / f"bench-{'streaming' if streaming else 'memory'}.toml"
    path.write_text(
        f'pipeline = "example"\noutputs_dir = {json.dumps(out.as_posix())}\n'
        f"streaming = {'true' if streaming else 'false'}\n\n"
        f"[inputs]\nresidents = {json.dumps(source.as_posix())}\n\n"
        "[parameters]\nolder_age = 65\n",
        encoding="utf-8",
    )
    return path


def best(runs: list[Run]) -> Run:
    """The fastest successful run of a repeated variant, else the last failure."""
    ok = [run for run in runs if run.status == "ok"]
    return min(ok, key=lambda run: run.seconds or 0) if ok else runs[-1]


def bench_size(project: Path, rows: int, args: argparse.Namespace, log: Callable[[str], None]) -> list[Run]:
    """Make inputs of ``rows`` rows and measure every variant on them."""
    python = str(project / ".venv" / "bin" / "python")
    data = project.parent / f"data-{rows}"
    env = child_env()
    source = data / "residents.csv"
    if not source.is_file():  # kept between runs of the harness: same seed, same file
        log(f"{rows:,} rows: generating sample data")
        subprocess.run(
            [python, "-m", PACKAGE, "sample-data", "--rows", str(rows), "--out", str(data)],
            cwd=project,
            env=env,
            check=True,
            capture_output=True,
        )
    cap = round(args.cap_gb * GIB)
    in_memory = rows <= args.in_memory_max_rows
    variants: list[tuple[str, bool, int | None, list[str]]] = []
    for streaming in (False, True):
        if not streaming and not in_memory:
            continue
        name = "polars-streaming" if streaming else "polars"
        config = write_config(project, source, data / f"out-{name}", streaming=streaming)
        command = [python, str(DRIVER), PACKAGE, str(config), str(data / f"out-{name}")]
        variants.append((name, True, cap if streaming else None, command))
        variants.append((name, False, cap if streaming else None, [*command, "--no-checks"]))
    if in_memory:
        reference = [sys.executable, "-m", "bench.pandas_reference", str(source), str(data / "pandas.csv")]
        variants.append(("pandas", False, None, reference))

    results = []
    for name, checks, cap_bytes, command in variants:
        attempts = []
        for _ in range(args.repeat):
            cwd = TEMPLATE if name == "pandas" else project
            run_env = {**env, **dict(item.split("=", 1) for item in args.cap_env)} if cap_bytes else env
            seconds, peak, status, stdout, stderr = measure(
                command, cwd=cwd, scratch=data, env=run_env, cap_bytes=cap_bytes, timeout=args.timeout
            )
            run = Run(
                rows=rows,
                variant=name,
                checks=checks,
                seconds=round(seconds, 3),
                peak_rss_mib=round(peak, 1),
                cap_gib=args.cap_gb if cap_bytes else None,
            )
            if status == -9:
                run.status = f"killed after {args.timeout:g} s (hung?)"
                run.seconds = None
            elif status != 0:
                run.status = f"failed (exit {status}): {stderr.strip().splitlines()[-1:] or ''}"
                run.seconds = None
            elif name != "pandas":
                run.stages = json.loads(stdout.strip().splitlines()[-1])
            attempts.append(run)
        run = best(attempts)
        log(
            f"{rows:,} rows: {name} checks={'on' if checks else 'off'}: {run.seconds}s, "
            f"{run.peak_rss_mib} MiB, {run.status}"
        )
        results.append(run)
    if in_memory:
        results.append(compare_outputs(rows, data / "out-polars" / "area_summary.csv", data / "pandas.csv"))
    return results


def profile_checks(project: Path, rows: int) -> dict[str, Any]:
    """Time each column's Pandera checks on the tidy residents table (in memory)."""
    python = str(project / ".venv" / "bin" / "python")
    source = project.parent / f"data-{rows}" / "residents.csv"
    done = subprocess.run(
        [python, str(PROFILER), PACKAGE, str(source)],
        cwd=project,
        env=child_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare_outputs(rows: int, polars_csv: Path, pandas_csv: Path) -> Run:
    """Check that pandas and the pipeline produced the same table (as a pseudo-run)."""
    import polars as pl
    from polars.testing import assert_frame_equal

    run = Run(rows=rows, variant="pandas-equals-polars", checks=False)
    try:
        assert_frame_equal(pl.read_csv(polars_csv), pl.read_csv(pandas_csv), check_dtypes=False)
    except (AssertionError, OSError, pl.exceptions.PolarsError) as exc:
        run.status = f"MISMATCH: {exc}"
    else:
        same_bytes = polars_csv.read_bytes() == pandas_csv.read_bytes()
        run.status = "equal" + (" (byte-identical CSV)" if same_bytes else "")
    return run


def summarise(runs: list[Run]) -> list[dict[str, Any]]:
    """Per size: speed-up over pandas, validation overhead, streaming under the cap."""
    sizes = sorted({run.rows for run in runs})
    summary = []
    for rows in sizes:
        by = {(run.variant, run.checks): run for run in runs if run.rows == rows}

        def seconds(variant: str, checks: bool, by: dict[tuple[str, bool], Run] = by) -> float | None:
            run = by.get((variant, checks))
            return run.seconds if run and run.status == "ok" else None

        pandas, on, off = seconds("pandas", False), seconds("polars", True), seconds("polars", False)
        s_on, s_off = seconds("polars-streaming", True), seconds("polars-streaming", False)
        streaming = by.get(("polars-streaming", True))
        match = by.get(("pandas-equals-polars", False))
        summary.append(
            {
                "rows": rows,
                "speedup_vs_pandas": round(pandas / on, 2) if pandas and on else None,
                "speedup_vs_pandas_streaming": round(pandas / s_on, 2) if pandas and s_on else None,
                "validation_overhead": round((on - off) / on, 3) if on and off else None,
                "validation_overhead_streaming": round((s_on - s_off) / s_on, 3) if s_on and s_off else None,
                "streaming_under_cap": (streaming.status == "ok") if streaming else None,
                "cap_gib": streaming.cap_gib if streaming else None,
                "pandas_output": match.status if match else None,
            }
        )
    return summary


def machine(project: Path) -> dict[str, Any]:
    """Describe the machine and the library versions (the pipeline's from its own venv)."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GIB
    script = "import importlib.metadata as m; print(m.version('polars'), m.version('pandera'))"
    pipeline_polars, pandera = subprocess.run(
        [str(project / ".venv" / "bin" / "python"), "-c", script],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    versions = {"polars": pipeline_polars, "pandera": pandera, "pandas": version("pandas")}
    return {
        "load_average_1min": round(os.getloadavg()[0], 2),  # other work on the machine
        "cpus": os.cpu_count(),
        "memory_gib": round(memory, 1),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "versions": versions,
    }


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def markdown(document: dict[str, Any]) -> str:
    """Render the results as two markdown tables (runs, then summary against the targets)."""
    lines = [
        "| Rows | Variant | Data checks | Wall (s) | Peak RSS (MiB) | Rows/s | Status |",
        "| ---: | --- | --- | ---: | ---: | ---: | --- |",
    ]
    for run in document["runs"]:
        if run["variant"] == "pandas-equals-polars":
            continue
        cap = f", cap {run['cap_gib']:g} GiB" if run["cap_gib"] else ""
        checks = "on" if run["checks"] else ("none" if run["variant"] == "pandas" else "off")
        lines.append(
            f"| {run['rows']:,} | {run['variant']}{cap} | {checks} | {_fmt(run['seconds'], '.2f')} "
            f"| {_fmt(run['peak_rss_mib'], ',.0f')} | {_fmt(run['rows_per_second'], ',.0f')} "
            f"| {run['status']} |"
        )
    lines += [
        "",
        (
            "| Rows | Speed-up vs pandas (in memory / streaming) | Validation overhead "
            "(in memory / streaming) | Streaming under cap | pandas output |"
        ),
        "| ---: | ---: | ---: | --- | --- |",
    ]
    for item in document["summary"]:
        under = {True: f"yes ({item['cap_gib']:g} GiB)", False: "NO", None: "-"}[item["streaming_under_cap"]]
        lines.append(
            f"| {item['rows']:,} | {_ratio(item['speedup_vs_pandas'])} / "
            f"{_ratio(item['speedup_vs_pandas_streaming'])} "
            f"| {_percent(item['validation_overhead'])} / "
            f"{_percent(item['validation_overhead_streaming'])} "
            f"| {under} | {item['pandas_output'] or '-'} |"
        )
    for profile in document.get("check_profiles", []):
        wall = next(
            (
                run["seconds"]
                for run in document["runs"]
                if (run["rows"], run["variant"], run["checks"]) == (profile["rows"], "polars", True)
            ),
            None,
        )
        share = (
            f" That is {profile['validate_seconds'] / wall:.0%} of the {wall:.2f} s in-memory run "
            "with checks on."
            if wall
            else ""
        )
        lines += [
            "",
            (
                f"Where validation time goes at {profile['rows']:,} rows (in memory; read and tidy "
                f"{profile['read_and_tidy_seconds']:.2f} s, runner's validation {profile['validate_seconds']:.2f} s)."
                f"{share} Pandera alone on the whole schema, with its own `unique`: "
                f"{profile.get('pandera_whole_schema_seconds', float('nan')):.2f} s; by column:"
            ),
            "",
            "| Column | Checks | Seconds |",
            "| --- | --- | ---: |",
        ]
        lines += [
            f"| {name} | {', '.join(item['checks'])} | {item['seconds']:.2f} |"
            for name, item in profile["columns"].items()
        ]
    return "\n".join(lines) + "\n"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}x"


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.0f}%"


def write_results(document: dict[str, Any], out: Path) -> tuple[Path, Path]:
    """Write ``results.json`` and ``results.md`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out / "results.json", out / "results.md"
    json_path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    md_path.write_text(markdown(document), encoding="utf-8")
    return json_path, md_path


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and write the results."""
    args = parse_args(argv)
    if args.render:
        document = json.loads(args.render.read_text(encoding="utf-8"))
        args.render.with_suffix(".md").write_text(markdown(document), encoding="utf-8")
        print(markdown(document))
        return 0
    work = (args.work or args.out / "work").resolve()
    work.mkdir(parents=True, exist_ok=True)

    def log(message: str) -> None:
        print(f"[bench] {message}", flush=True)

    log(f"generating a project in {work}")
    project = generate_project(work)
    started = datetime.now(UTC).replace(microsecond=0).isoformat()
    load_at_start = round(os.getloadavg()[0], 2)
    runs: list[Run] = []
    profiles = []
    for rows in args.rows:
        runs.extend(bench_size(project, rows, args, log))
        if rows <= args.in_memory_max_rows:
            profiles.append(profile_checks(project, rows))
    document = {
        "started": started,
        "finished": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "load_average_1min_at_start": load_at_start,
        "machine": machine(project),
        "options": {
            "rows": args.rows,
            "cap_gib": args.cap_gb,
            "cap_env": args.cap_env,
            "repeat": args.repeat,
            "in_memory_max_rows": args.in_memory_max_rows,
        },
        "runs": [run.as_dict() for run in runs],
        "check_profiles": profiles,
    }
    document["summary"] = summarise(runs)
    json_path, md_path = write_results(document, args.out)
    log(f"wrote {json_path} and {md_path}")
    print(md_path.read_text(encoding="utf-8"))
    return 0
