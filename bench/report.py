"""Summaries, ratios, target verdicts and the markdown table of a benchmark run.

Pure functions of the results document (``bench-results/results.json``), so
``python -m bench --render results.json`` can re-render a run, and tests can
check the arithmetic on runs with round numbers.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from typing import Any

# Issue 14's targets, judged at TARGET_ROWS with every check on.
TARGET_ROWS = 10_000_000
TARGET_VS_PANDAS = 3.0  # pipeline at least this many times faster than pandas (wall)
TARGET_VS_POLARS = 1.5  # pipeline wall at most this multiple of the bare Polars script's
TARGET_VALIDATION = 0.10  # (checks on - checks off) / checks on, at most
STREAMING_TARGET_ROWS = 100_000_000  # in streaming mode, under the cap
STREAMING_CAP_GIB = 2.0
MEASURES = ("wall", "cpu", "peak_rss_mib")
LABELS = {
    "pipeline": "pipeline, every check on",
    "pipeline-unchecked": "pipeline, checks off",
    "pandas": "pandas (pyarrow engine, typed), no checks",
    "polars": "bare Polars script, no checks",
    "floor": "floor: bare Polars after a checked run's fixed costs (Pandera import, hash, whole-row pass)",
}


def stats(values: Iterable[float | None]) -> dict[str, float | int | None]:
    """Median, minimum and maximum of the values that exist, and how many there were."""
    present = [value for value in values if value is not None]
    if not present:
        return {"median": None, "min": None, "max": None, "n": 0}
    return {
        "median": round(statistics.median(present), 4),
        "min": round(min(present), 4),
        "max": round(max(present), 4),
        "n": len(present),
    }


def variant_stats(size: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per variant: statistics of each measure over its successful runs, and its failures."""
    result: dict[str, dict[str, Any]] = {}
    for run in size["runs"]:
        entry = result.setdefault(run["variant"], {"ok": [], "failed": []})
        (entry["ok"] if run["status"] == "ok" else entry["failed"]).append(run)
    return {
        name: {
            **{
                measure: stats(run[measure] for run in entry["ok"])
                for measure in (*MEASURES, "peak_anon_mib")
            },
            "failures": [run["status"] for run in entry["failed"]],
        }
        for name, entry in result.items()
    }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator``, or None when either is missing or the denominator is 0."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def validation_share(on: float | None, off: float | None) -> float | None:
    """Share of the checked run's time spent on the checks: ``(on - off) / on``.

    Can be negative when the checks cost less than the noise between runs.
    """
    if on is None or off is None or not on:
        return None
    return (on - off) / on


def timed_validation_share(size: dict[str, Any]) -> float | None:
    """Median over the checked runs of their checks' own time over their wall time.

    The checks' time comes from rapkit's timers inside the run (see
    ``harness.checks_seconds``); None when no run recorded it.
    """
    shares = [
        run["checks_seconds"] / run["wall"]
        for run in size["runs"]
        if run["variant"] == "pipeline"
        and run["status"] == "ok"
        and run.get("checks_seconds") is not None
        and run["wall"]
    ]
    return statistics.median(shares) if shares else None


def cap_verdict(size: dict[str, Any], variant: str = "pipeline") -> dict[str, Any] | None:
    """Did ``variant`` stay under the memory cap at a streaming size?

    Under means every run succeeded and its peak resident memory (``ru_maxrss``:
    anonymous and file-backed pages) never exceeded the cap: the strict reading,
    since that is what the process held. With ``cap_mode = "rlimit"`` (the
    default) the address space was capped too, so a run that needed more failed;
    with ``"rss"`` it ran uncapped and only its peak counts. None when the size
    had no cap.
    """
    cap_gib = size.get("cap_gib")
    if cap_gib is None:
        return None
    runs = [run for run in size["runs"] if run["variant"] == variant]
    if not runs:
        return None
    cap_mib = cap_gib * 1024
    failed = [run["status"] for run in runs if run["status"] != "ok"]
    peak = max((run["peak_rss_mib"] or 0.0) for run in runs)
    anon = [run["peak_anon_mib"] for run in runs if run.get("peak_anon_mib") is not None]
    return {
        "under": not failed and peak <= cap_mib,
        "cap_gib": cap_gib,
        "peak_rss_mib": peak,
        "peak_anon_mib": max(anon) if anon else None,
        "failures": failed,
    }


def summarise(size: dict[str, Any]) -> dict[str, Any]:
    """The ratios of one size and its cap verdicts.

    The targets are judged on median wall times, as a user experiences a run;
    the same ratios of CPU time are given beside them because they move less
    when other work shares the machine.
    """
    by = variant_stats(size)

    def median(variant: str, measure: str = "wall") -> float | None:
        return by.get(variant, {}).get(measure, {}).get("median")

    on, off = median("pipeline"), median("pipeline-unchecked")
    return {
        "rows": size["rows"],
        "speedup_vs_pandas": ratio(median("pandas"), on),
        "cpu_speedup_vs_pandas": ratio(median("pandas", "cpu"), median("pipeline", "cpu")),
        "vs_polars": ratio(on, median("polars")),
        "cpu_vs_polars": ratio(median("pipeline", "cpu"), median("polars", "cpu")),
        "validation_share": validation_share(on, off),
        "cpu_validation_share": validation_share(
            median("pipeline", "cpu"), median("pipeline-unchecked", "cpu")
        ),
        "timed_validation_share": timed_validation_share(size),
        "floor_vs_polars": ratio(median("floor"), median("polars")),
        "cpu_floor_vs_polars": ratio(median("floor", "cpu"), median("polars", "cpu")),
        "floor_speedup_vs_pandas": ratio(median("pandas"), median("floor")),
        "cpu_floor_speedup_vs_pandas": ratio(median("pandas", "cpu"), median("floor", "cpu")),
        "cap": {name: cap_verdict(size, name) for name in by} if size.get("cap_gib") is not None else None,
    }


def noisy(document: dict[str, Any]) -> bool:
    """Whether the machine was busier than its CPUs during the run (wall times then mislead)."""
    cpus = document.get("machine", {}).get("cpus") or 1
    peak = document.get("load_average_1min", {}).get("max")
    return peak is not None and peak > cpus


def _judge(wall: float | None, cpu: float | None, ok: Callable[[float], bool], *, busy: bool) -> str:
    """A ratio target's verdict, from the wall ratio, checked against the CPU ratio on a busy machine.

    The targets are about wall time. When other work kept the children waiting for a
    core, the wall ratio can say met (or missed) by accident; then the CPU ratio must
    agree, else the verdict is "unclear". On a quiet machine the wall ratio decides
    alone (Polars may legitimately use two cores where pandas uses one).
    """
    if wall is None:
        return "not measured"
    verdict = ok(wall)
    if busy and cpu is not None and ok(cpu) != verdict:
        return "unclear"
    return "met" if verdict else "MISSED"


def _with_timed_share(row: tuple[str, str, str], timed: float | None) -> tuple[str, str, str]:
    """Add validation's share timed inside the checked runs to the (on - off) / on verdict.

    Two measures of one cost: the difference of two whole runs, which carries
    the noise of both, and the checks' time from rapkit's timers inside each
    checked run. When both were measured and they disagree on the target, the
    verdict is "unclear".
    """
    if timed is None:
        return row
    name, measured, verdict = row
    ok = timed <= TARGET_VALIDATION
    text = f"timed inside the run {timed:.0%}"
    if verdict == "not measured":
        return (name, text, "met" if ok else "MISSED")
    if verdict in ("met", "MISSED") and ok != (verdict == "met"):
        verdict = "unclear"
    return (name, f"{measured}; {text}", verdict)


def targets(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Each target of issue 14: ``(target, measured, verdict)``.

    The verdict is "met", "MISSED", "unclear" (wall and CPU disagree on a busy
    machine) or "not measured". The last two rows judge the floor (the ``floor``
    variant) against the two speed targets: when the floor misses one, the
    pipeline cannot meet it without dropping a promise.
    """
    sizes = {size["rows"]: size for size in document.get("sizes", [])}
    summary = summarise(sizes[TARGET_ROWS]) if TARGET_ROWS in sizes else {}
    busy = noisy(document)
    at = f"{TARGET_ROWS:,} rows"

    def ratio_row(
        name: str, key: str, fmt: Callable[[float], str], ok: Callable[[float], bool]
    ) -> tuple[str, str, str]:
        wall, cpu = summary.get(key), summary.get(f"cpu_{key}")
        if wall is None:
            return (name, "not measured", "not measured")
        measured = f"{fmt(wall)} wall" + ("" if cpu is None else f", {fmt(cpu)} CPU")
        return (name, measured, _judge(wall, cpu, ok, busy=busy))

    # The speed targets: (who is judged, the bound, what it must do, the summary's key, when it
    # is met). The floor is judged by the same tests under the key "floor_<key>", in the last rows.
    speed: list[tuple[str, str, str, str, Callable[[float], bool]]] = [
        (
            "pipeline (checks on)",
            f"{TARGET_VS_PANDAS:g}x",
            f"at least {TARGET_VS_PANDAS:g}x faster than pandas",
            "speedup_vs_pandas",
            lambda v: v >= TARGET_VS_PANDAS,
        ),
        (
            "pipeline",
            f"{TARGET_VS_POLARS:g}x",
            f"at most {TARGET_VS_POLARS:g}x the bare Polars script's time",
            "vs_polars",
            lambda v: v <= TARGET_VS_POLARS,
        ),
    ]
    rows = [
        *(ratio_row(f"{at}: {who} {goal}", key, _ratio_text, ok) for who, _, goal, key, ok in speed),
        _with_timed_share(
            ratio_row(
                f"{at}: validation at most {TARGET_VALIDATION:.0%} of the run",
                "validation_share",
                lambda v: f"{v:.0%}",
                lambda v: v <= TARGET_VALIDATION,
            ),
            summary.get("timed_validation_share"),
        ),
    ]
    imported = [
        run["modules"]["pandas"]
        for size in document.get("sizes", [])
        for run in size["runs"]
        if run["variant"] == "pipeline" and "pandas" in run.get("modules", {})
    ]
    name = "pandas not imported by a run with every check on (unless a stage needs it)"
    if imported:
        pandas = any(imported)
        rows.append((name, "imported" if pandas else "not imported", "MISSED" if pandas else "met"))
    else:
        rows.append((name, "not measured", "not measured"))
    streaming = sizes.get(STREAMING_TARGET_ROWS)
    verdict = cap_verdict(streaming) if streaming else None
    name = f"{STREAMING_TARGET_ROWS:,} rows streaming, every check on, under a {STREAMING_CAP_GIB:g} GiB cap"
    if verdict is None:
        rows.append((name, "not measured (run with --full)", "not measured"))
    else:
        met = verdict["under"] and verdict["cap_gib"] <= STREAMING_CAP_GIB
        rows.append((name, _cap_text(verdict), "met" if met else "MISSED"))
    # Not targets: whether the two speed targets are within reach of a run that keeps its promises.
    rows += [
        ratio_row(f"{at}, can the pipeline reach {bound}? The floor {goal}", f"floor_{key}", _ratio_text, ok)
        for _, bound, goal, key, ok in speed
    ]
    return rows


def _cap_text(verdict: dict[str, Any]) -> str:
    text = f"peak RSS {verdict['peak_rss_mib']:,.0f} MiB of {verdict['cap_gib'] * 1024:,.0f}"
    if verdict["peak_anon_mib"] is not None:
        text += f" (anonymous {verdict['peak_anon_mib']:,.0f})"
    if verdict["failures"]:
        text += f"; {verdict['failures'][0]}"
    return text


def _num(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _cell(entry: dict[str, Any], spec: str) -> str:
    """``median (min)`` of one measure."""
    if entry["median"] is None:
        return "-"
    return f"{format(entry['median'], spec)} ({format(entry['min'], spec)})"


def _ratio_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _share_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def size_table(size: dict[str, Any]) -> list[str]:
    """The markdown table of one size: median (min) of each measure per variant, outputs, ratios."""
    by = variant_stats(size)
    mode = (
        "in memory"
        if size["mode"] == "memory"
        else f"streaming, cap {size['cap_gib']:g} GiB ({size['cap_mode']})"
    )
    lines = [
        (
            f"### {size['rows']:,} rows ({mode}; {size['repeats']} interleaved repeat(s), "
            f"input {size['input_bytes'] / 2**20:,.0f} MiB)"
        ),
        "",
        "| Variant | Wall s, median (min) | CPU s, median (min) | Peak RSS MiB, median (min) | Output vs pipeline |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for name, entry in by.items():
        failures = f"; {len(entry['failures'])} failed: {entry['failures'][0]}" if entry["failures"] else ""
        output = "(reference)" if name == "pipeline" else size["outputs"].get(name, "-")
        lines.append(
            f"| {LABELS.get(name, name)} | {_cell(entry['wall'], '.2f')} | {_cell(entry['cpu'], '.2f')} "
            f"| {_cell(entry['peak_rss_mib'], ',.0f')} | {output}{failures} |"
        )
    order = "; ".join(", ".join(names) for names in interleaving_of(size["runs"]))
    summary = summarise(size)
    lines += [
        "",
        f"Run order, one repeat after another: {order}.",
        (
            "Pipeline (checks on), from median wall (CPU) times: speed-up over pandas "
            f"**{_ratio_text(summary['speedup_vs_pandas'])}** ({_ratio_text(summary['cpu_speedup_vs_pandas'])}); "
            f"time relative to bare Polars **{_ratio_text(summary['vs_polars'])}** "
            f"({_ratio_text(summary['cpu_vs_polars'])}); validation share (on - off) / on "
            f"**{_share_text(summary['validation_share'])}** ({_share_text(summary['cpu_validation_share'])}); "
            f"validation timed inside the checked runs (rapkit's own timers, median) "
            f"**{_share_text(summary['timed_validation_share'])}**."
        ),
    ]
    if summary["floor_vs_polars"] is not None:
        lines.append(
            "Floor (bare Polars after the fixed costs of a checked run), from median wall (CPU) "
            f"times: **{_ratio_text(summary['floor_vs_polars'])}** "
            f"({_ratio_text(summary['cpu_floor_vs_polars'])}) the bare Polars script's time; "
            f"pandas **{_ratio_text(summary['floor_speedup_vs_pandas'])}** "
            f"({_ratio_text(summary['cpu_floor_speedup_vs_pandas'])}) slower than it."
        )
    for name, verdict in (summary["cap"] or {}).items():
        if verdict:
            state = "under the cap" if verdict["under"] else "OVER the cap"
            lines.append(f"- {LABELS.get(name, name)}: {state}: {_cap_text(verdict)}.")
    return lines


def startup_lines(startup: dict[str, Any]) -> list[str]:
    """Start-up: the CLI's ``--help``, the imports, heavy libraries loaded, slowest imports."""
    loaded = startup.get("loaded", {})
    after_cli = ", ".join(name for name, yes in loaded.get("after_cli", {}).items() if yes) or "none"
    after_pipeline = (
        ", ".join(name for name, yes in loaded.get("after_pipeline", {}).items() if yes) or "none"
    )
    lines = [
        "### Start-up",
        "",
        "| Step (fresh process) | Seconds, median (min) |",
        "| --- | ---: |",
        f"| `python -m <package> --help` (whole process) | {_cell(startup['help_wall'], '.2f')} |",
        f"| import the command line (`rapkit.cli`) | {_cell(startup['cli_import'], '.2f')} |",
        f"| then import the run path (the pipeline's stages and schemas) | {_cell(startup['pipeline_import'], '.2f')} |",
        "",
        f"Heavy libraries loaded after importing the CLI: {after_cli}; after the run path: {after_pipeline}.",
    ]
    if startup.get("top_imports"):
        slowest = ", ".join(f"`{name}` {seconds:.2f} s" for name, seconds in startup["top_imports"])
        lines.append(f"Slowest top-level imports (`-X importtime`, cumulative): {slowest}.")
    return lines


def run_modules(document: dict[str, Any]) -> str | None:
    """Which heavy libraries a full pipeline run (checks on) had imported, largest size."""
    for size in reversed(document.get("sizes", [])):
        for run in size["runs"]:
            if run["variant"] == "pipeline" and run.get("modules"):
                names = ", ".join(name for name, yes in run["modules"].items() if yes) or "none"
                pandas = "yes" if run["modules"].get("pandas") else "no"
                return f"Imported by a whole run with every check on: {names} (pandas: **{pandas}**)."
    return None


def markdown(document: dict[str, Any]) -> str:
    """Render a results document: machine, start-up, one table per size, the targets."""
    machine = document.get("machine", {})
    versions = ", ".join(f"{name} {number}" for name, number in machine.get("versions", {}).items())
    load = document.get("load_average_1min", {})
    lines = [
        f"## Benchmark {document.get('started', '')}",
        "",
        (
            f"{machine.get('cpus', '?')} CPUs, {machine.get('memory_gib', '?')} GiB, "
            f"{machine.get('platform', '?')}, Python {machine.get('python', '?')}; {versions}. "
            f"1-minute load average during the run: {load.get('min', '?')} to {load.get('max', '?')} "
            "(other work on the machine makes times noisy)."
        ),
        "",
    ]
    if "startup" in document:
        lines += [*startup_lines(document["startup"]), ""]
    modules = run_modules(document)
    if modules:
        lines += [modules, ""]
    for size in document.get("sizes", []):
        lines += [*size_table(size), ""]
    lines += ["### Targets (issue 14)", ""]
    if noisy(document):
        lines += [
            (
                "The load average exceeded the number of CPUs during this run: wall times are "
                "inflated and uneven, so a ratio target counts as met or missed only when the CPU "
                "ratio agrees (else: unclear). Re-run on a quiet machine for the verdict."
            ),
            "",
        ]
    lines += [
        (
            "The last two rows are not targets: they judge the floor, the bare Polars script "
            "after what every checked run pays (importing Pandera, hashing the input, the "
            "whole-row pass). When the floor misses a speed target, the pipeline cannot meet "
            "it without a cheaper hash or whole-row proof."
        ),
        "",
        "| Target | Measured | Verdict |",
        "| --- | --- | --- |",
    ]
    lines += [
        f"| {name} | {measured} | {verdict if verdict == 'not measured' else f'**{verdict}**'} |"
        for name, measured, verdict in targets(document)
    ]
    return "\n".join(lines) + "\n"


def interleaving_of(runs: Sequence[dict[str, Any]]) -> list[list[str]]:
    """The variant order of each repeat, as run (to show and test the interleaving)."""
    repeats: dict[int, list[tuple[int, str]]] = {}
    for run in runs:
        repeats.setdefault(run["repeat"], []).append((run["position"], run["variant"]))
    return [[name for _, name in sorted(repeats[r])] for r in sorted(repeats)]
