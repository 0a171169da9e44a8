"""Reading inputs safely and writing outputs atomically.

Two promises are kept here, so that stages never have to think about them:

* inputs are read as text (``infer_schema=False``) and checked before any stage
  sees them: a missing file, a file that is not UTF-8 anywhere, a row with too
  many or too few fields (an unquoted comma such as ``1,057`` shifts every later
  column), an unclosed quote or a missing column gives an
  :class:`~.errors.InputError` naming the file, the line and what to do. Every
  row is parsed whole once, even though only the needed columns are read into
  the pipeline;
* column aliases from the config (``[aliases.<input>] columns``) are applied to
  the header before any reader checks its columns, so every importer honours
  them (see :mod:`rapkit.inputs`);
* outputs are written to a temporary file in the destination folder and then
  renamed over the old file, so a reader (or a crash) never sees a half-written
  file, and nothing is replaced until the whole run has succeeded.
"""

from __future__ import annotations

import contextlib
import contextvars
import csv
import difflib
import hashlib
import io
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from .errors import ConfigError, InputError

_SNIFF_BYTES = 1 << 20  # decode the first MiB to catch files saved in a legacy encoding
_FLOAT_PRECISION = 6  # fixed decimal places make CSV bytes reproducible across platforms


def _umask() -> int:
    """Return the process umask (it can only be read by setting it)."""
    current = os.umask(0o022)
    os.umask(current)
    return current


_FILE_MODE = 0o666 & ~_umask()


def sha256_file(path: Path) -> str:
    """Return the SHA-256 hex digest of the file at ``path``, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def require_file(path: Path) -> None:
    """Raise an :class:`InputError` that says what to do if ``path`` is not a file."""
    if path.is_dir():
        msg = f"Input path is a folder, not a file: {path}. Point the input at a CSV file."
        raise InputError(msg)
    if not path.is_file():
        msg = (
            f"Input file not found: {path}. Check the path in config/pipeline.toml, "
            "or run `sample-data` to recreate the bundled sample inputs."
        )
        raise InputError(msg)


def read_header(path: Path, *, skip_rows: int = 0) -> list[str]:
    """Return the column names of a CSV file, checking it exists and is UTF-8 text."""
    require_file(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise unreadable(path, exc) from exc
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        cut_at_end = len(head) == _SNIFF_BYTES and exc.start >= len(head) - 3
        if not cut_at_end:  # a multi-byte character cut by the sniff window is fine
            line = head[: exc.start].count(b"\n") + 1
            msg = (
                f"{path} is not UTF-8 text (undecodable byte at line {line}). "
                "Re-save it as 'CSV UTF-8' (in Excel: Save As > CSV UTF-8), then run again."
            )
            raise InputError(msg) from exc
        text = head[: exc.start].decode("utf-8-sig")
    lines = text.splitlines()
    if len(lines) <= skip_rows:
        msg = f"{path} is empty: expected a header row after {skip_rows} preamble row(s)."
        raise InputError(msg)
    published = next(csv.reader([lines[skip_rows]]))
    return [column_aliases(path, published).get(name, name) for name in published]


# --- Column aliases ------------------------------------------------------------------------------

_COLUMN_ALIASES: contextvars.ContextVar[tuple[str, Mapping[str, str]] | None] = (
    contextvars.ContextVar("rapkit_column_aliases", default=None)
)


@contextlib.contextmanager
def using_column_aliases(where: str, aliases: Mapping[str, str]) -> Iterator[None]:
    """Rename published columns (``old -> new``) in every header read inside the block.

    The runner wraps each input's reader in this, so that every importer, the
    pipeline's own readers included, sees the names the pipeline expects without
    knowing aliases exist. ``where`` names the config table, for messages.
    """
    token = _COLUMN_ALIASES.set((where, dict(aliases)) if aliases else None)
    try:
        yield
    finally:
        _COLUMN_ALIASES.reset(token)


_CATEGORY_ALIASES: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "rapkit_category_aliases", default=None
)
_CATEGORIES_USED: contextvars.ContextVar[list[bool] | None] = contextvars.ContextVar(
    "rapkit_categories_used", default=None
)


@contextlib.contextmanager
def using_category_aliases(aliases: Mapping[str, str]) -> Iterator[list[bool]]:
    """Make ``aliases`` (published label -> expected label) available to importers.

    Yields a one-item list that becomes ``[True]`` once an importer has applied
    them, so the caller can reject aliases given for an input without categories.
    """
    used: list[bool] = []
    token = _CATEGORY_ALIASES.set(dict(aliases))
    used_token = _CATEGORIES_USED.set(used)
    try:
        yield used
    finally:
        _CATEGORY_ALIASES.reset(token)
        _CATEGORIES_USED.reset(used_token)


def category_aliases() -> dict[str, str]:
    """Return the configured category aliases for the input being read (importers call this)."""
    used = _CATEGORIES_USED.get()
    if used is not None and not used:
        used.append(True)
    return dict(_CATEGORY_ALIASES.get() or {})


def column_aliases(path: Path, published: Iterable[str]) -> dict[str, str]:
    """Return the active column aliases, checking each names a column of ``path``.

    An alias for a column the file does not have is a configuration mistake (a
    typo, or an alias written for another layout), so it is an error naming both.
    """
    active = _COLUMN_ALIASES.get()
    if active is None:
        return {}
    where, aliases = active
    present = list(published)
    unknown = [old for old in aliases if old not in present]
    if unknown:
        msg = (
            f"{where}: column(s) {', '.join(repr(c) for c in unknown)} are not in {path}. "
            f"Columns found: {', '.join(repr(c) for c in present)}."
        )
        raise ConfigError(msg)
    return dict(aliases)


def check_columns(path: Path, header: Iterable[str], required: Iterable[str]) -> None:
    """Raise an :class:`InputError` listing every required column missing from ``header``."""
    present = list(header)
    missing = [name for name in required if name not in present]
    if not missing:
        return
    hints = []
    for name in missing:
        close = difflib.get_close_matches(name, present, n=1)
        hints.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    msg = (
        f"{path} is missing required column(s): {', '.join(hints)}. "
        f"Columns found: {', '.join(repr(c) for c in present)}. If the publisher renamed a "
        'column, map it in the config: [aliases.<input>] columns = {published = "expected"}.'
    )
    raise InputError(msg)


# --- Whole-file structure -------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvShape:
    """What one full pass over a CSV file found.

    Attributes:
        header: the column names as published (before aliases).
        rows: data rows after the header (blank lines are not counted).
        blank_lines: blank lines after the header (Polars reads each as a row of nulls).
    """

    header: tuple[str, ...]
    rows: int
    blank_lines: int = 0


_SHAPES: dict[tuple[Path, int, int, int], CsvShape] = {}
_LAST_SHAPE: dict[Path, tuple[tuple[Path, int, int, int], CsvShape]] = {}


def last_shape(path: Path) -> CsvShape | None:
    """Return what the latest :func:`csv_shape` of ``path`` found, if the file is unchanged.

    ``None`` if it was never scanned (a reader that does not use
    :func:`scan_text_csv`) or has changed since.
    """
    key, shape = _LAST_SHAPE.get(path.resolve(), (None, None))
    if key is None or not path.is_file():
        return None
    stat = path.stat()
    return shape if (key[1], key[2]) == (stat.st_size, stat.st_mtime_ns) else None


def csv_shape(path: Path, *, skip_rows: int = 0) -> CsvShape:
    """Parse every row of ``path`` once, strictly, and return its header and row count.

    Polars parses only the columns a query selects, so a ragged row (an unquoted
    comma shifting the fields) or a stray quote in an unused column would never be
    seen. Python's C csv parser reads the whole file in one streaming pass; the
    per-row work (``len``) stays in C, so memory is bounded and a 1M-row file
    takes about a second. The result is cached by path, size and modification
    time, because several readers may scan the same file. Only on an error is
    the file read again, row by row, to find the line to name.

    Raises:
        InputError: naming the file, the line and the problem.
    """
    require_file(path)
    stat = path.stat()
    key = (path.resolve(), stat.st_size, stat.st_mtime_ns, skip_rows)
    if key in _SHAPES:
        _LAST_SHAPE[key[0]] = (key, _SHAPES[key])
        return _SHAPES[key]
    try:
        with _text(path, skip_rows) as text:
            reader = csv.reader(text, strict=True)
            header = next(reader, None)
            lengths = Counter(map(len, reader))
    except UnicodeDecodeError as exc:
        raise _encoding_error(path) from exc
    except OSError as exc:
        raise unreadable(path, exc) from exc
    except csv.Error as exc:
        raise _find_bad_row(path, skip_rows) from exc
    if header is None:
        msg = f"{path} is empty: expected a header row after {skip_rows} preamble row(s)."
        raise InputError(msg)
    blank = lengths.pop(0, 0)
    if set(lengths) - {len(header)}:
        raise _find_bad_row(path, skip_rows)
    shape = CsvShape(header=tuple(header), rows=sum(lengths.values()), blank_lines=blank)
    _SHAPES[key] = shape
    _LAST_SHAPE[key[0]] = (key, shape)
    return shape


@contextlib.contextmanager
def _text(path: Path, skip_rows: int) -> Iterator[io.TextIOWrapper]:
    """Open ``path`` as strict UTF-8 text (BOM dropped) positioned after ``skip_rows`` lines."""
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text:
        for _ in range(skip_rows):
            text.readline()
        yield text


def unreadable(path: Path, exc: OSError) -> InputError:
    """Return the error for a file the operating system will not let us read."""
    reason = exc.strerror or type(exc).__name__
    return InputError(f"{path} cannot be read ({reason}). Check its permissions, then run again.")


def _encoding_error(path: Path) -> InputError:
    """Return the error for a file that is not UTF-8, naming the first bad line."""
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                msg = (
                    f"{path} is not UTF-8 text (undecodable byte {line[exc.start : exc.start + 1]!r} "
                    f"at line {number}). Re-save it as 'CSV UTF-8' (in Excel: Save As > "
                    "CSV UTF-8), then run again."
                )
                return InputError(msg)
    return InputError(f"{path} is not UTF-8 text. Re-save it as 'CSV UTF-8', then run again.")


def _find_bad_row(path: Path, skip_rows: int) -> InputError:
    """Re-read ``path`` row by row and describe its first malformed row (error path only)."""
    with _text(path, skip_rows) as text:
        reader = csv.reader(text, strict=True)
        start = skip_rows + 1
        expected: int | None = None
        try:
            for row in reader:
                line = start
                start = skip_rows + reader.line_num + 1
                if expected is None:
                    expected = len(row)
                elif row and len(row) != expected:
                    return _ragged(path, line, row, expected)
        except csv.Error as exc:
            problem = str(exc)
            if "unexpected end of data" in problem or "EOF" in problem:
                problem = "a quote opened here is never closed"
            msg = (
                f"{path}, line {start}: malformed CSV ({problem}). A field that contains a "
                'comma, quote or line break must be enclosed in double quotes ("), with any '
                'quote inside it doubled ("").'
            )
            return InputError(msg)
    return InputError(f"{path}: malformed CSV.")  # pragma: no cover - first pass found one


def _ragged(path: Path, line: int, row: list[str], expected: int) -> InputError:
    """Return the error for a row whose field count differs from the header's."""
    if len(row) > expected:
        hint = (
            "An unquoted comma inside a value (such as a thousands separator in 1,057) "
            "shifts every later column: quote the value or remove the comma."
        )
    else:
        hint = "The row looks truncated: was the file cut short or edited by hand?"
    msg = f"{path}, line {line}: {len(row)} fields, but the header has {expected}. {hint}"
    return InputError(msg)


def scan_text_csv(path: Path, *, required: Iterable[str] = (), skip_rows: int = 0) -> pl.LazyFrame:
    """Lazily scan a CSV with every column as text, after checking its header.

    Types are never inferred: published files put markers such as ``c`` or
    ``[x]`` in numeric columns, and inference would either fail far from the
    cause or silently turn a column into text. Importers cast explicitly.
    Every row is parsed once, strictly (see :func:`csv_shape`), and configured
    column aliases are applied, so the frame has the names the pipeline expects.
    """
    header = read_header(path, skip_rows=skip_rows)
    check_columns(path, header, required)
    shape = csv_shape(path, skip_rows=skip_rows)
    frame = pl.scan_csv(path, infer_schema=False, skip_rows=skip_rows, encoding="utf8")
    if shape.blank_lines:  # a blank line is no row (an empty download is header + blank line)
        frame = frame.filter(~pl.all_horizontal(pl.all().is_null()))
    renames = column_aliases(path, shape.header)
    return frame.rename(renames) if renames else frame


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """Serialise ``frame`` to CSV bytes in a reproducible way (fixed float precision, LF)."""
    return frame.write_csv(float_precision=_FLOAT_PRECISION, line_terminator="\n").encode("utf-8")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.chmod(_FILE_MODE)  # mkstemp creates 0600; give the usual permissions
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_frames_atomically(frames: dict[str, pl.DataFrame], out_dir: Path) -> dict[str, Path]:
    """Write every frame as ``<name>.csv`` in ``out_dir``; serialise all before replacing any.

    Serialising first means an error in one output (for example a column type
    that cannot be written) leaves every previous output untouched.
    """
    payloads = {name: csv_bytes(frame) for name, frame in frames.items()}
    written = {}
    for name, payload in payloads.items():
        target = out_dir / f"{name}.csv"
        atomic_write_bytes(target, payload)
        written[name] = target
    return written


# --- Finding the raw cells behind a failed cast ---------------------------------------------------


@dataclass(frozen=True)
class BadCell:
    """A cell of a raw input whose text a typed cast rejected.

    Attributes:
        line: the line of the file the row starts on (the header is line ``skip_rows + 1``).
        column: the column name as published (before aliases or importer renames).
        value: the cell's text.
    """

    line: int
    column: str
    value: str


def _same_name(published: str, internal: str) -> bool:
    """Whether a published header names an internal column (``OBS_VALUE`` -> ``obs_value``)."""

    def squash(name: str) -> str:
        return "".join(ch for ch in name.lower() if ch.isalnum())

    return squash(published) == squash(internal)


def find_bad_cells(
    path: Path, column: str, values: Iterable[str], *, limit: int = 5
) -> list[BadCell]:
    """Return the cells of ``path`` holding ``values`` that a cast of ``column`` rejected.

    Polars names the failing column by its name inside the pipeline and the
    failing text, but not the row, and an importer may have renamed or
    reshaped the column (``OBS_VALUE`` -> ``obs_value``, a year per column ->
    one ``value`` column). So the raw file is read again as text, with the
    same preamble rows skipped, and every cell holding a failing text (ignoring
    surrounding spaces) is reported. Cells in a column of the same name win;
    otherwise every column holding the text is reported. Error path only.
    """
    wanted = {value.strip() for value in values}
    skip_rows = _skip_rows_of(path)
    named: list[BadCell] = []
    other: list[BadCell] = []
    try:
        with _text(path, skip_rows) as text:
            reader = csv.reader(text)
            header = next(reader, [])
            start = skip_rows + reader.line_num + 1
            for row in reader:
                for name, cell in zip(header, row, strict=False):
                    stripped = cell.strip()
                    if stripped in wanted or stripped.replace(",", "") in wanted:
                        hits = named if _same_name(name, column) else other
                        hits.append(BadCell(line=start, column=name, value=cell))
                if len(named) >= limit:
                    break
                start = skip_rows + reader.line_num + 1
    except (OSError, UnicodeDecodeError, csv.Error):
        return []
    return (named or other)[:limit]


def _skip_rows_of(path: Path) -> int:
    """Return the preamble rows the latest whole-file scan of ``path`` skipped (0 if none)."""
    key, _ = _LAST_SHAPE.get(path.resolve(), (None, None))
    return key[3] if key is not None else 0


def describe_bad_cell(path: Path, cell: BadCell, dtype: str) -> str:
    """Say which raw cell a cast rejected and why, in the words of the file's publisher."""
    text = cell.value.strip()
    if text.replace(",", "").lstrip("+-").lower() in {"nan", "inf", "infinity"}:
        why = "is not a finite number"
    elif "," in text:
        why = (
            f"is not a number ({dtype}): it holds a comma (a thousands separator, such as "
            "1,234, must be written 1234 in this file; a decimal comma as a point)"
        )
    else:
        why = f"is not a number ({dtype})"
    return f"{path}, line {cell.line}, column {cell.column!r}: value {cell.value!r} {why}"


def find_source_line(paths: Iterable[Path], values: Mapping[str, object]) -> str | None:
    """Return ``"line N of FILE"`` for the raw row that a reshaped row most likely came from.

    The raw row is the one holding the most of the row's values as whole cells
    (an area code, its name, the failing count), if at least two and no other
    row holds as many. ``None`` when no row stands out. Error path only: it
    reads each file once per call.
    """
    texts = {str(v).strip() for v in values.values() if v is not None and str(v).strip()}
    best: list[tuple[int, Path]] = []
    best_score = 1
    for path in paths:
        skip_rows = _skip_rows_of(path)
        try:
            with _text(path, skip_rows) as text:
                reader = csv.reader(text)
                next(reader, None)
                start = skip_rows + reader.line_num + 1
                for row in reader:
                    score = len(texts.intersection(cell.strip() for cell in row))
                    if score > best_score:
                        best, best_score = [(start, path)], score
                    elif score == best_score and best:
                        best.append((start, path))
                    start = skip_rows + reader.line_num + 1
        except (OSError, UnicodeDecodeError, csv.Error):
            continue
    if len(best) != 1:
        return None
    line, path = best[0]
    return f"line {line} of {path.name}"
