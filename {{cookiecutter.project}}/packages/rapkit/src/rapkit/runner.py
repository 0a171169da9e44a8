"""Run a pipeline: read inputs, run each stage, validate, write outputs and a manifest.

A pipeline is a list of :class:`Stage` objects. Each stage is a small typed
function from Polars LazyFrames to a LazyFrame, plus the Pandera schema its
result must satisfy. The runner, not the stages, takes care of timing,
validation, logging, atomic writing and provenance, so a stage stays a few
lines of Polars that can be read and unit-tested on its own.

Two ways to run, chosen by ``streaming`` in the config:

* in memory (the default): each stage result is collected and validated as
  a DataFrame. Fastest while the data fits comfortably in memory.
* streaming: each stage result is written by Polars' streaming engine to a
  Parquet file in a temporary folder under ``data/interim/``, validated there
  by streaming queries, and scanned lazily by the next stage. Memory stays
  bounded, so inputs larger than memory complete; the folder is removed
  when the run ends, however it ends (error, Ctrl-C), and a folder left by a
  killed run is removed when the next run starts.

Outputs and manifest are published as one set (see :mod:`rapkit.publish`):
a failure or Ctrl-C at any point leaves the previous outputs whole. Problems
with files (unreadable input, disk full, an outputs folder that is a file)
are raised as :class:`~.errors.PipelineError` naming the file.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandera.polars as pa
import polars as pl

from . import io, manifest, publish
from .config import PipelineConfig
from .errors import ConfigError, InputError, PipelineError
from .inputs import Expect, data_rows, read_input  # issue 11 (inputs): expectations, aliases
from .io import csv_bytes, require_file
from .validation import BATCH_ROWS, locating_rows, validate_parquet, validate_table

log = logging.getLogger(__name__)

Reader = Callable[[Path], pl.LazyFrame]
StageFunction = Callable[..., pl.LazyFrame]


@dataclass(frozen=True)
class Stage:
    """One step of a pipeline.

    Attributes:
        name: short snake_case name, shown in logs and the manifest.
        func: the function; it receives the frames named in ``inputs``.
        inputs: which frames the function takes: raw inputs (keys of ``[inputs]``
            in the config) or earlier stage outputs. Either a mapping from the
            function's parameter names to frame names,
            ``{"residents": "residents_tidy"}`` (clearest: the wiring reads like a
            call), or a tuple of frame names passed in order.
        output: the name under which the result is available to later stages.
        schema: the Pandera model the result must satisfy.
        line_offset: for an import stage that keeps its file's rows in order (one
            output row per data line), the file line of output row 0 (2 for a CSV
            with one header row), so validation errors give file line numbers.
    """

    name: str
    func: StageFunction
    inputs: Mapping[str, str] | tuple[str, ...]
    output: str
    schema: type[pa.DataFrameModel]
    line_offset: int | None = None

    @property
    def sources(self) -> tuple[str, ...]:
        """The names of the frames this stage reads, in order."""
        if isinstance(self.inputs, Mapping):
            return tuple(self.inputs.values())
        return tuple(self.inputs)

    def call(self, frames: Mapping[str, pl.LazyFrame]) -> pl.LazyFrame:
        """Run the stage function on the frames it names (by keyword where wired so)."""
        if isinstance(self.inputs, Mapping):
            return self.func(**{param: frames[name] for param, name in self.inputs.items()})
        return self.func(*(frames[name] for name in self.inputs))


@dataclass(frozen=True)
class Pipeline:
    """The stages of an analysis and which of their results are published.

    Attributes:
        name: the pipeline's name (its folder in ``pipelines/``).
        readers: for each raw input name, how to read the file (as text).
        stages: the stages, in the order they run.
        outputs: names of stage outputs written to the outputs folder.
        expect: what each raw input must hold (see :class:`rapkit.inputs.Expect`);
            an input not listed gets ``Expect()``: at least one data row.
    """

    name: str
    readers: Mapping[str, Reader]
    stages: Sequence[Stage]
    outputs: Sequence[str]
    expect: Mapping[str, Expect] = field(default_factory=dict)

    def output_schemas(self) -> dict[str, type[pa.DataFrameModel]]:
        """Return the schema of every published output, by output name."""
        by_output = {stage.output: stage.schema for stage in self.stages}
        return {name: by_output[name] for name in self.outputs}


@dataclass
class RunResult:
    """What a successful run produced.

    ``missing_inputs`` maps each optional input that had no data rows to what the
    outputs lack without it (also recorded in the manifest).
    """

    outputs: dict[str, Path]
    manifest_path: Path
    stage_records: list[dict[str, Any]]
    missing_inputs: dict[str, str] = field(default_factory=dict)


def run_pipeline(
    pipeline: Pipeline,
    config: PipelineConfig,
    *,
    outputs_dir: Path | None = None,
    check_data: bool = True,
    batch_rows: int = BATCH_ROWS,
) -> RunResult:
    """Run ``pipeline`` with ``config`` and return where its outputs were written.

    Nothing is written to the outputs folder until every stage has run and
    validated; raw inputs are hashed once, as they are first read, and proved
    unmodified at the end by their file identity and timestamps (see
    :func:`rapkit.io.unchanged`).

    ``check_data=False`` skips the Pandera checks. It exists only so the
    template's benchmark can measure what validation costs; the command line
    always checks, and outputs of an unchecked run must never be published.
    ``batch_rows`` is how many rows streaming mode validates at a time.
    """
    if not check_data:
        log.warning("Data checks are OFF (benchmark only): do not use these outputs.")
    out_dir = outputs_dir or config.outputs_dir
    publish.ensure_folder(out_dir)  # fail before the work, not after it
    for note in publish.recover(out_dir):
        log.warning("Outputs folder %s: %s.", out_dir, note)
    if config.streaming:
        interim = config.root / "data" / "interim"
        for stale in publish.remove_stale_spills(interim):
            log.warning("Removed %s, left by a run that was killed.", stale)
        with publish.spill_folder(interim) as spill:
            return _run(
                pipeline, config, out_dir, spill, check_data=check_data, batch_rows=batch_rows
            )
    return _run(pipeline, config, out_dir, None, check_data=check_data, batch_rows=batch_rows)


def _run(
    pipeline: Pipeline,
    config: PipelineConfig,
    out_dir: Path,
    spill: Path | None,
    *,
    check_data: bool,
    batch_rows: int,
) -> RunResult:
    """Run the stages (spilling each result to Parquet in ``spill`` if given) and publish."""
    started = manifest.utc_now()
    input_paths = _input_paths(pipeline, config)
    prints = {name: _fingerprint_input(name, path) for name, path in input_paths.items()}

    # issue 11 (inputs): read with the config's aliases, then check declared expectations.
    with io.tracking_typed_reads() as typed:
        frames: dict[str, pl.LazyFrame] = {
            name: _read(pipeline, config, name, path) for name, path in input_paths.items()
        }
    retry = _Retry(pipeline, config, input_paths, typed)
    missing = _missing_inputs(pipeline, input_paths, frames)
    rows: dict[str, int] = {}
    records = []
    total = len(pipeline.stages)
    for number, stage in enumerate(pipeline.stages, start=1):
        progress = f"[{number}/{total}]"
        records.append(
            _run_stage(
                stage,
                frames,
                rows,
                config,
                progress,
                spill=spill,
                check_data=check_data,
                batch_rows=batch_rows,
                retry=retry,
            )
        )

    changed = [name for name, path in input_paths.items() if not io.unchanged(path, prints[name])]
    if changed:
        msg = f"Raw input(s) changed during the run: {', '.join(changed)}. Outputs not written."
        raise InputError(msg)

    streaming = spill is not None
    with _memory_guard("Writing the outputs", streaming=streaming):
        published = {
            name: frames[name].collect(engine="streaming" if streaming else "auto")
            for name in pipeline.outputs
        }
    ordered = {name: frame.sort(frame.columns) for name, frame in published.items()}
    payloads = {name: csv_bytes(frame) for name, frame in ordered.items()}
    document = manifest.build_manifest(
        config=config,
        pipeline_name=pipeline.name,
        started=started,
        inputs={
            name: (
                path,
                prints[name].sha256,
                rows.get(name) or _count_rows(frames[name], streaming=streaming),
            )
            for name, path in input_paths.items()
        },
        outputs={
            name: (out_dir / f"{name}.csv", payload, ordered[name].height)
            for name, payload in payloads.items()
        },
        stages=records,
        missing=missing,
    )
    files = publish.publish(
        out_dir, {f"{name}.csv": payload for name, payload in payloads.items()}, document
    )
    written = {name: files[f"{name}.csv"] for name in payloads}
    manifest_path = out_dir / manifest.MANIFEST_NAME
    log.info("Published %d output(s) and the manifest to %s", len(written), out_dir)
    log.info("Manifest: %s", manifest_path)
    return RunResult(
        outputs=written, manifest_path=manifest_path, stage_records=records, missing_inputs=missing
    )


def _missing_inputs(
    pipeline: Pipeline, paths: Mapping[str, Path], frames: Mapping[str, pl.LazyFrame]
) -> dict[str, str]:
    """Return the optional inputs with no data rows, each with what the outputs lack.

    :func:`read_input` has already refused an empty input that is not optional,
    so these are the gaps the outputs are published with: the manifest records
    them, so a report (and any later reader) can say what is missing.
    """
    missing = {}
    for name, path in paths.items():
        expect = pipeline.expect.get(name)
        if expect is not None and expect.optional and data_rows(path, frames[name]) == 0:
            missing[name] = expect.missing or "what this input provides"
    return missing


def _read(pipeline: Pipeline, config: PipelineConfig, name: str, path: Path) -> pl.LazyFrame:
    """Read one raw input with its reader, the config's aliases and its declared expectations."""
    return read_input(
        name,
        path,
        pipeline.readers[name],
        expect=pipeline.expect.get(name),
        aliases=config.aliases.get(name),
    )


@dataclass
class _Retry:
    """How to read again, on the careful text path, the inputs that were read typed.

    A typed read (:func:`rapkit.io.scan_typed_csv`) fails with Polars' terse
    message, or not at all where the text path would fail too; so when a stage
    fails on an input read typed, the stage runs again on the text path, whose
    verdict is the reference and whose message names file, line and value.
    """

    pipeline: Pipeline
    config: PipelineConfig
    paths: Mapping[str, Path]
    typed: set[Path]

    def inputs_of(self, stage: Stage) -> list[str]:
        """The stage's raw inputs that were read typed (not yet re-read)."""
        return [
            name for name in stage.sources if name in self.paths and self.paths[name] in self.typed
        ]

    def reread(self, names: Sequence[str], frames: dict[str, pl.LazyFrame]) -> None:
        """Replace the frames of ``names`` by their careful text reads."""
        with io.careful_reads():
            for name in names:
                frames[name] = _read(self.pipeline, self.config, name, self.paths[name])
                self.typed.discard(self.paths[name])


def _fingerprint_input(name: str, path: Path) -> io.Fingerprint:
    """Hash a raw input, or raise an :class:`InputError` saying why it cannot be read."""
    try:
        return io.fingerprint(path)
    except OSError as exc:
        msg = (
            f"Cannot read input {name!r} ({publish.describe_os_error(exc)}). "
            "Check that the file exists, is a file and is readable by you."
        )
        raise InputError(msg) from exc


def _input_paths(pipeline: Pipeline, config: PipelineConfig) -> dict[str, Path]:
    """Return the configured path of every input the pipeline reads."""
    missing = [name for name in pipeline.readers if name not in config.inputs]
    if missing:
        msg = (
            f"Pipeline {pipeline.name!r} needs input(s) {', '.join(missing)}, "
            f"but [inputs] in {config.path} does not set them."
        )
        raise ConfigError(msg)
    paths = {name: config.inputs[name] for name in pipeline.readers}
    for path in paths.values():
        require_file(path)
    return paths


def _run_stage(
    stage: Stage,
    frames: dict[str, pl.LazyFrame],
    rows: dict[str, int],
    config: PipelineConfig,
    progress: str,
    *,
    spill: Path | None = None,
    check_data: bool = True,
    batch_rows: int = BATCH_ROWS,
    retry: _Retry | None = None,
) -> dict[str, Any]:
    """Run one stage, validate its result and record rows and timing."""
    start = time.perf_counter()
    sources = ", ".join(
        f"{name} ({config.inputs[name]})" if name in config.inputs else name
        for name in stage.sources
    )
    where = f"Stage {stage.name!r} (from {sources})"
    streaming = spill is not None
    rows_in = {}
    with _memory_guard(where, streaming=streaming):
        for name in stage.sources:
            if name not in rows:
                rows[name] = _count_rows(frames[name], streaming=streaming)
            rows_in[name] = rows[name]
    spill_to = spill / f"{stage.output}.parquet" if spill is not None else None
    try:
        with _memory_guard(where, streaming=streaming):
            try:
                collected = _compute(stage, frames, spill_to)
            except pl.exceptions.PolarsError:
                typed = retry.inputs_of(stage) if retry is not None else []
                if retry is None or not typed:
                    raise
                log.debug("Typed read of %s failed; reading as text", typed, exc_info=True)
                retry.reread(typed, frames)
                collected = _compute(stage, frames, spill_to)
    except pl.exceptions.PolarsError as exc:
        log.debug("Polars error in stage %s", stage.name, exc_info=True)
        summary = str(exc).split("\n\n", maxsplit=1)[0]  # the rest is Polars' query plan
        msg = f"Stage {stage.name!r} failed reading {sources}: {type(exc).__name__}: {summary}"
        raw = [config.inputs[name] for name in stage.sources if name in config.inputs]
        raise InputError(msg + _locate_failed_cast(summary, raw)) from exc
    except OSError as exc:
        msg = (
            f"Stage {stage.name!r} could not read or write a file: {publish.describe_os_error(exc)}"
        )
        raise InputError(msg) from exc
    raw_paths = [config.inputs[name] for name in stage.sources if name in config.inputs]
    locator = (
        functools.partial(io.find_source_line, raw_paths)
        if raw_paths and stage.line_offset is None
        else None
    )
    checking = time.perf_counter()
    # locating_rows: a reshaping import stage names the raw line of a bad row
    with locating_rows(locator), _memory_guard(where, streaming=streaming):
        if spill is None:
            validated = (
                validate_table(collected, stage.schema, where=where, line_offset=stage.line_offset)
                if check_data
                else collected
            )
            frames[stage.output] = validated.lazy()
            rows[stage.output] = validated.height
        else:
            path = spill / f"{stage.output}.parquet"
            frames[stage.output] = pl.scan_parquet(path)
            rows[stage.output] = (
                validate_parquet(
                    path,
                    stage.schema,
                    where=where,
                    line_offset=stage.line_offset,
                    batch_rows=batch_rows,
                )
                if check_data
                else _count_rows(frames[stage.output])  # Parquet: its footer says
            )
    seconds = time.perf_counter() - start
    checked = time.perf_counter() - checking  # validation's share of the stage's time
    log.info(
        "%s %s: %s rows in -> %d rows out, %s %s (%.2fs, of which checks %.2fs)",
        progress,
        stage.name,
        ", ".join(f"{name}={count}" for name, count in rows_in.items()),
        rows[stage.output],
        "valid against" if check_data else "NOT checked against",
        stage.schema.__name__,
        seconds,
        checked,
    )
    return {
        "name": stage.name,
        "inputs": list(stage.sources),
        "output": stage.output,
        "rows_in": rows_in,
        "rows_out": rows[stage.output],
        "seconds": round(seconds, 4),
        "schema": f"{stage.schema.__module__}.{stage.schema.__qualname__}",
    }


_FAILED_CAST = re.compile(
    r"conversion from `str` to `(?P<dtype>[^`]+)` failed in column '(?P<column>[^']+)'"
    r".*?values: (?P<values>\[.*\])",
)
_NOT_FINITE_NOTE = " (not a finite number)"


def _locate_failed_cast(summary: str, paths: Sequence[Path]) -> str:
    """Return lines naming the raw file, line and published column behind a failed cast.

    Polars says which (internal) column and which texts failed, not where they
    are; an importer may also have renamed or reshaped the column. The stage's
    raw inputs are searched for the failing texts (see :func:`io.find_bad_cells`).
    Returns ``""`` when the error is not a cast or no cell is found.
    """
    match = _FAILED_CAST.search(summary)
    if match is None or not paths:
        return ""
    try:
        values = [str(v) for v in json.loads(match["values"])]
    except ValueError:
        return ""
    values = [v.removesuffix(_NOT_FINITE_NOTE) for v in values]
    found = [
        io.describe_bad_cell(path, cell, match["dtype"])
        for path in paths
        for cell in io.find_bad_cells(path, match["column"], values)
    ]
    return "".join(f"\n  - {line}" for line in found)


def _compute(
    stage: Stage, frames: Mapping[str, pl.LazyFrame], spill_to: Path | None
) -> pl.DataFrame:
    """Run the stage: collect its result, or stream it to ``spill_to`` (then an empty frame)."""
    result = stage.call(frames)
    if spill_to is None:
        return result.collect()
    result.sink_parquet(spill_to)
    return pl.DataFrame()


def _count_rows(frame: pl.LazyFrame, *, streaming: bool = False) -> int:
    """Count the rows of a (lazy) frame, without reading a raw input again where possible.

    A frame straight from :func:`rapkit.io.scan_text_csv` or
    :func:`rapkit.io.scan_typed_csv` has a known count: their whole-row check
    counted the file's rows. Any other frame is counted by a query. Polars
    answers ``pl.len()`` over a CSV scan by memory-mapping the whole file,
    which fails under an address-space limit on a file larger than it; so in
    streaming mode the count is of one column's values and nulls, which the
    streaming engine reads in bounded chunks.
    """
    known = io.known_rows(frame)
    if known is not None:
        return known
    try:
        if streaming and frame.collect_schema().len():
            first = pl.first()
            counted = frame.select(first.count() + first.null_count())
            return int(counted.collect(engine="streaming").item())
        return int(frame.select(pl.len()).collect().item())
    except pl.exceptions.PolarsError as exc:
        msg = f"Could not read an input: {type(exc).__name__}: {exc}"
        raise InputError(msg) from exc


def _is_out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` says the process could not get memory (or address space)."""
    if isinstance(exc, MemoryError):
        return True
    if isinstance(exc, OSError) and exc.errno == errno.ENOMEM:
        return True
    text = str(exc)
    return "Cannot allocate memory" in text or "OutOfMemory" in text or "os error 12" in text


@contextlib.contextmanager
def _memory_guard(where: str, *, streaming: bool) -> Iterator[None]:
    """Turn running out of memory inside the block into a message naming ``where`` and what to do.

    Python says only ``MemoryError``, Polars ``Cannot allocate memory (os error
    12)`` with no file, and the run's log would otherwise end there. Polars
    reports some failures as a Rust panic (a ``BaseException``), caught here
    only when it says memory ran out.
    """
    try:
        yield
    except PipelineError:
        raise
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt | SystemExit) or not _is_out_of_memory(exc):
            raise
        advice = (
            "Give the run more memory (a higher `ulimit -v` or container limit), "
            "or work on a smaller extract."
            if streaming
            else "Set `streaming = true` in the config to process the data in bounded "
            "memory, or give the run more memory."
        )
        msg = f"{where} ran out of memory ({type(exc).__name__}: {exc}). {advice}"
        raise PipelineError(msg) from exc
