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

Speed without losing those promises (issue 14):

* each input is read from disk once for its SHA-256 (:func:`fingerprint`), each
  chunk hashed in a second thread (``hashlib`` releases the GIL) while the
  calling thread notes what the bytes hold (quotes, NUL bytes, carriage returns not
  followed by a line feed, valid UTF-8, spaces) and how many commas each line has,
  all from one ``bytes.translate`` per chunk. When a file holds none of the
  bytes that make CSV hard (no ``"``, no NUL, no lone carriage return, valid UTF-8), a
  row *is* a line and its fields are its commas plus one, so the whole-row check
  of :func:`csv_shape` compares each line's commas, kept by that same pass, with the
  header's (a multi-threaded Polars count of commas per line only when the lines
  change too often to keep). Any other file takes Python's strict ``csv`` parser, as
  before; either way a problem is then located and explained by the same row-by-row re-read;
* :func:`scan_typed_csv` reads columns with their final types directly when the
  bytes show that the text path (trim, then strict cast) could not give another
  answer, and otherwise reads text and casts. A typed read that fails is never
  reported as such: the runner runs the stage again on the text path (see
  :func:`careful_reads`), whose message names the file, line, column and value;
* raw inputs are proved unchanged at the end of a run without hashing them again
  (:func:`unchanged`): see that function for why a file's identity and
  timestamps are a sound proof, and when the file is hashed again anyway.
"""

from __future__ import annotations

import codecs
import contextlib
import contextvars
import csv
import difflib
import hashlib
import io
import os
import queue
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from .errors import ConfigError, InputError
from .publish import sha256_file

_SNIFF_BYTES = 1 << 20  # decode the first MiB to catch files saved in a legacy encoding
_FLOAT_PRECISION = 6  # fixed decimal places make CSV bytes reproducible across platforms


def _umask() -> int:
    """Return the process umask (it can only be read by setting it)."""
    current = os.umask(0o022)
    os.umask(current)
    return current


_FILE_MODE = 0o666 & ~_umask()


# --- One pass over the bytes: hash and what the bytes hold ------------------------------------------

_CHUNK = 1 << 20
_SPACES = b" \t\x0b\x0c"  # ASCII white space that a trim would remove
# A file whose last change is this recent (by its own timestamp) may change again within the
# same timestamp tick, unseen by stat: such a file is hashed again at the end of the run.
_TIMESTAMP_SLACK_NS = 2_000_000_000
# The bytes that decide how a file may be read: commas and line feeds give each line's shape;
# a quote, NUL, carriage return, white space a trim removes, or any non-ASCII byte make a file
# not plain. One ``bytes.translate`` per chunk deletes every other byte (about 0.7 ms per MiB).
_SHAPE_BYTES = b",\n"
_SPECIAL = b'"\x00\r' + _SPACES + bytes(range(0x80, 0x100))
_ORDINARY = bytes(byte for byte in range(256) if byte not in _SHAPE_BYTES + _SPECIAL)
_NOT_COMMA_OR_LF = bytes(byte for byte in range(256) if byte not in _SHAPE_BYTES)
# A simple file whose lines change their number of commas more often than this is shaped by
# the Polars count (:func:`_simple_shape`) instead of the runs kept by :func:`fingerprint`.
_MAX_RUNS = 64
# ... and so is a file with a line of more commas than this (the unfinished line is carried
# from chunk to chunk, so a longer one would cost time quadratic in its length).
_MAX_LINE_COMMAS = 1 << 20

FileKey = tuple[Path, int, int, int, int, int]


def file_key(path: Path) -> FileKey:
    """Return what identifies a file's content without reading it.

    The resolved path, device, inode, size, modification and status-change
    times (nanoseconds). Writing to a file changes its mtime and ctime;
    replacing it (a save by rename) changes its inode; setting the mtime back
    (``touch -d``) still changes the ctime, which no user can set.
    """
    st = path.stat()
    return (path.resolve(), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


@dataclass(frozen=True)
class Fingerprint:
    """What one read of a file's bytes found.

    Attributes:
        key: the file's identity when it was read (see :func:`file_key`).
        sha256: the SHA-256 hex digest of its bytes.
        simple: no ``"``, no NUL byte, every carriage return followed by a line feed,
            and valid UTF-8: every line is one CSV row, split at each comma.
        ascii: every byte is ASCII.
        spaces: it holds a space, tab, vertical tab or form feed.
        recent: its last change was within two seconds of the read, closer than a
            coarse file system's timestamp resolution, so stat alone cannot prove
            it unchanged later.
        lines: for a simple file, its lines in order as runs of ``(commas, lines)``:
            consecutive lines with the same number of commas (a last line without a
            line feed included); ``None`` if the file is not simple, its lines
            change their number of commas more than ``_MAX_RUNS`` times, or a line has
            more than ``_MAX_LINE_COMMAS`` commas (:func:`csv_shape` then counts them).
    """

    key: FileKey
    sha256: str
    simple: bool
    ascii: bool
    spaces: bool
    recent: bool = field(default=False)
    lines: tuple[tuple[int, int], ...] | None = field(default=None)

    @property
    def plain(self) -> bool:
        """Whether no field can hold white space to trim or a character a cast reads oddly."""
        return self.simple and self.ascii and not self.spaces


_FINGERPRINTS: dict[FileKey, Fingerprint] = {}


class _LineRuns:
    """Each line's commas, kept as runs of equal lines, from a file's skeleton.

    The skeleton is the file's bytes reduced to commas and line feeds, fed in
    chunks. A run of lines equal to the current run's line is recognised by
    comparing whole blocks of bytes (C speed); only where the lines change is
    a line measured on its own, and a file whose lines change too often
    (``_MAX_RUNS``) is given up on (``irregular``).
    """

    def __init__(self) -> None:
        self.runs: list[list[int]] = []
        self.carry = b""
        self.irregular = False

    def feed(self, skeleton: bytes) -> None:
        """Add the lines completed by ``skeleton`` (commas and line feeds only)."""
        if self.irregular:
            return
        text = self.carry + skeleton
        cut = text.rfind(b"\n") + 1
        position = 0
        while position < cut:
            if self.runs:
                line = b"," * self.runs[-1][0] + b"\n"
                same = _repeats(text, position, cut, line)
                self.runs[-1][1] += same
                position += same * len(line)
                if position == cut:
                    break
            if len(self.runs) == _MAX_RUNS:
                self.irregular, self.carry = True, b""
                return
            end = text.index(b"\n", position)
            self.runs.append([end - position, 1])
            position = end + 1
        self.carry = text[cut:]
        if len(self.carry) > _MAX_LINE_COMMAS:  # copied into every chunk: not worth going on
            self.irregular, self.carry = True, b""

    def finish(self, last_byte: bytes) -> tuple[tuple[int, int], ...] | None:
        """Return the runs, counting a last line that has no line feed."""
        if last_byte not in (b"", b"\n"):  # the last line has no line feed: still a line
            self.feed(b"\n")  # its commas are in the carry
        if self.irregular:
            return None
        return tuple((commas, count) for commas, count in self.runs)


def _repeats(text: bytes, start: int, stop: int, line: bytes) -> int:
    """How many copies of ``line`` follow one another in ``text[start:stop]`` from ``start``."""
    most = (stop - start) // len(line)
    if text.startswith(line * most, start):
        return most
    low, high = 0, most - 1  # a binary search: a longer prefix matches only if a shorter one does
    while low < high:
        middle = (low + high + 1) // 2
        if text.startswith(line * middle, start):
            low = middle
        else:
            high = middle - 1
    return low


class _ByteFacts:
    """What the chunks of a file, fed in order, hold (see :class:`Fingerprint`)."""

    def __init__(self) -> None:
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.quote = self.nul = self.lone_cr = self.spaces = False
        self.ascii = self.utf8 = True
        self.pending_cr = False  # the previous chunk ended with "\r"
        self.lines = _LineRuns()
        self.last = b""

    def feed(self, chunk: bytes) -> None:
        """Look at the next chunk: one ``translate`` keeps the bytes that matter."""
        skeleton = chunk.translate(None, _ORDINARY)
        special = skeleton.translate(None, _SHAPE_BYTES)
        if special or self.pending_cr:
            self.quote = self.quote or b'"' in special
            self.nul = self.nul or b"\x00" in special
            self.spaces = self.spaces or any(space in special for space in _SPACES)
            if b"\r" in special or self.pending_cr:
                lone = chunk.count(b"\r") - chunk.count(b"\r\n") - chunk.endswith(b"\r")
                after_cr = self.pending_cr and not chunk.startswith(b"\n")
                self.lone_cr = self.lone_cr or lone > 0 or after_cr
                self.pending_cr = chunk.endswith(b"\r")
            skeleton = skeleton.translate(None, _NOT_COMMA_OR_LF)
        chunk_ascii = special.isascii()
        self.ascii = self.ascii and chunk_ascii
        if self.utf8 and not (chunk_ascii and not self.decoder.getstate()[0]):
            self._decode(chunk)
        if not (self.quote or self.nul or self.lone_cr):
            self.lines.feed(skeleton)
        self.last = chunk[-1:]

    def _decode(self, chunk: bytes, *, final: bool = False) -> None:
        try:
            self.decoder.decode(chunk, final=final)
        except UnicodeDecodeError:
            self.utf8 = False

    @property
    def simple(self) -> bool:
        """See :attr:`Fingerprint.simple` (call :meth:`finish` first)."""
        return not (self.quote or self.nul or self.lone_cr or self.pending_cr) and self.utf8

    def finish(self, key: FileKey, sha256: str) -> Fingerprint:
        """Return the fingerprint of the whole file, hashed to ``sha256``."""
        self._decode(b"", final=True)
        return Fingerprint(
            key=key,
            sha256=sha256,
            simple=self.simple,
            ascii=self.ascii,
            spaces=self.spaces,
            recent=time.time_ns() - max(key[4], key[5]) < _TIMESTAMP_SLACK_NS,
            lines=self.lines.finish(self.last) if self.simple else None,
        )


def fingerprint(path: Path) -> Fingerprint:
    """Read ``path`` once, in 1 MiB chunks: its SHA-256 and what its bytes hold.

    Memory stays bounded whatever the file's size. Each chunk is handed to a
    worker thread that hashes it (``hashlib`` releases the GIL for large
    buffers) while this thread looks at the same chunk: one
    ``bytes.translate`` keeps only the bytes that matter (:data:`_SPECIAL`,
    and the commas and line feeds that give each line's shape, kept as runs
    for :func:`csv_shape`), so the hash costs little wall time beyond the
    scan: about 0.27 s for 300 MB, where hashing alone takes 0.3 s. The result
    is cached by the file's identity (:func:`file_key`), so the runner's hash
    and the readers' whole-row check share one read. A file that changes
    while it is read is an :class:`InputError`.

    Raises:
        OSError: the file cannot be read (the caller says which input it is).
    """
    key = file_key(path)
    if key in _FINGERPRINTS:
        return _FINGERPRINTS[key]
    digest = hashlib.sha256()
    chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=4)

    def hash_chunks() -> None:
        while (chunk := chunks.get()) is not None:
            digest.update(chunk)

    facts = _ByteFacts()
    size = 0
    hasher = threading.Thread(target=hash_chunks, name="rapkit-sha256", daemon=True)
    hasher.start()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                chunks.put(chunk)
                size += len(chunk)
                facts.feed(chunk)
    finally:
        chunks.put(None)
        hasher.join()
    if file_key(path) != key or size != key[3]:
        msg = f"{path} changed while it was being read. Make sure nothing writes to it, then run again."
        raise InputError(msg)
    found = facts.finish(key, digest.hexdigest())
    _FINGERPRINTS[key] = found
    return found


def unchanged(path: Path, before: Fingerprint) -> bool:
    """Whether ``path`` still holds exactly the bytes that ``before`` hashed.

    Proved without reading the file again when it can be: every write to a
    file updates its modification and status-change times (``mtime``,
    ``ctime``), a replacement (editors and downloads save by rename) gives a
    new inode, and no user can set ``ctime`` back. So the same device, inode,
    size, ``mtime`` and ``ctime`` mean the same bytes. The proof fails only
    where a write lands within the file system's timestamp resolution of the
    previous one (up to two seconds on FAT, one on some network shares): a
    file last changed that recently before it was hashed (``before.recent``),
    or whose identity is not what it was, is hashed again and compared.
    A change made below the file system (writing to the raw disk) is out of
    reach of both proofs' assumptions and of any program reading the file.
    """
    try:
        now = file_key(path)
    except OSError:
        return False
    if now == before.key and not before.recent:
        return True
    try:
        return sha256_file(path) == before.sha256
    except OSError:
        return False


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


_SHAPES: dict[tuple[FileKey, int], CsvShape] = {}
_LAST_SHAPE: dict[Path, tuple[tuple[FileKey, int], CsvShape]] = {}


def last_shape(path: Path) -> CsvShape | None:
    """Return what the latest :func:`csv_shape` of ``path`` found, if the file is unchanged.

    ``None`` if it was never scanned (a reader that does not use
    :func:`scan_text_csv`) or has changed since.
    """
    key, shape = _LAST_SHAPE.get(path.resolve(), (None, None))
    if key is None or not path.is_file():
        return None
    return shape if key[0] == file_key(path) else None


def csv_shape(path: Path, *, skip_rows: int = 0) -> CsvShape:
    """Parse every row of ``path`` once, strictly, and return its header and row count.

    Polars parses only the columns a query selects, so a ragged row (an unquoted
    comma shifting the fields) or a stray quote in an unused column would never be
    seen. A file whose bytes are simple (:attr:`Fingerprint.simple`: no quotes,
    no NUL, no lone carriage return, valid UTF-8) has one row per line, so the
    commas of each line, kept by :func:`fingerprint` while it hashed the file,
    check every row (no second read); if the lines changed too often to keep, one
    Polars pass counts each line's commas (about a tenth of a second per million
    rows, in bounded memory). Any other file goes through Python's
    strict C csv parser in one streaming pass. The result is cached by the
    file's identity, because several readers may scan the same file. Only on an
    error is the file read again, row by row, to find the line to name.

    Raises:
        InputError: naming the file, the line and the problem.
    """
    require_file(path)
    try:
        facts = fingerprint(path)
    except OSError as exc:
        raise unreadable(path, exc) from exc
    key = (facts.key, skip_rows)
    if key in _SHAPES:
        _LAST_SHAPE[facts.key[0]] = (key, _SHAPES[key])
        return _SHAPES[key]
    shape = _uniform_shape(path, skip_rows, facts.lines) if facts.simple else None
    if shape is None and facts.simple:
        shape = _simple_shape(path, skip_rows)
    if shape is None:
        shape = _strict_shape(path, skip_rows)
    _SHAPES[key] = shape
    _LAST_SHAPE[facts.key[0]] = (key, shape)
    return shape


def _strict_shape(path: Path, skip_rows: int) -> CsvShape:
    """Parse every row with Python's strict csv reader (any file; the reference behaviour)."""
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
    return _shape_of(path, skip_rows, header, lengths)


def _shape_of(
    path: Path, skip_rows: int, header: list[str] | None, lengths: Counter[int]
) -> CsvShape:
    """Turn a header and the count of rows by field count into a shape, or the error."""
    if header is None:
        msg = f"{path} is empty: expected a header row after {skip_rows} preamble row(s)."
        raise InputError(msg)
    blank = lengths.pop(0, 0)
    if set(lengths) - {len(header)}:
        raise _find_bad_row(path, skip_rows)
    return CsvShape(header=tuple(header), rows=sum(lengths.values()), blank_lines=blank)


_LINE = "line"


def _uniform_shape(
    path: Path, skip_rows: int, runs: tuple[tuple[int, int], ...] | None
) -> CsvShape | None:
    r"""Prove that every data line of a simple file has the header's number of commas.

    The common case, answered from the ``runs`` of lines that :func:`fingerprint`
    kept while hashing (:attr:`Fingerprint.lines`; no second read): every run
    after the header must have ``k`` commas, ``k`` being the header's. Exact only for a
    :attr:`Fingerprint.simple` file (every line one row, split at each comma),
    and only with ``k >= 1``: a blank line, or a line of spaces, has no comma,
    so it differs, whereas in a one-column file it would look like any other
    row. ``None`` whenever the lines are not all alike (blank lines, ragged
    rows, a one-column file, too many changes to keep): :func:`_simple_shape`
    then counts each line's fields and the exact verdict follows from those counts.
    """
    try:
        with _text(path, skip_rows) as text:
            reader = csv.reader(text, strict=True)
            header = next(reader, None)
            first_data_line = skip_rows + reader.line_num
    except (UnicodeDecodeError, OSError, csv.Error):
        return None
    if runs is None or header is None or len(header) < 2:  # one comma or more, see above
        return None
    rows = seen = 0
    for commas, count in runs:
        before_data = min(count, max(0, first_data_line - seen))
        seen += count
        if count > before_data and commas != len(header) - 1:
            return None
        rows += count - before_data
    return CsvShape(header=tuple(header), rows=rows)


def _simple_shape(path: Path, skip_rows: int) -> CsvShape | None:
    """Count each data line's fields with Polars, for a file whose rows are its lines.

    Exact only for a :attr:`Fingerprint.simple` file: with no quote character a
    field cannot hold a comma or a line break, so Python's csv reader would split
    each line at its commas, and a blank line is a row of no fields. The file is
    read as one text column (no separator or quote character can occur in it),
    in Polars' streaming engine. ``None`` if Polars cannot read it so; the caller
    then uses the strict reader.
    """
    try:
        with _text(path, skip_rows) as text:
            reader = csv.reader(text, strict=True)
            header = next(reader, None)
            first_data_line = skip_rows + reader.line_num  # 0-based index of the first data line
    except (UnicodeDecodeError, OSError, csv.Error):
        return None
    fields = (
        pl.when(pl.col(_LINE).is_null())
        .then(0)
        .otherwise(pl.col(_LINE).str.count_matches(",", literal=True) + 1)
    )
    try:
        counts = (
            pl.scan_csv(
                path,
                has_header=False,
                separator="\x00",  # never in a simple file: each line is one field
                quote_char=None,
                schema={_LINE: pl.String},
                raise_if_empty=False,
                encoding="utf8",
            )
            .with_row_index("_line")
            .filter(pl.col("_line") >= first_data_line)
            .group_by(fields.alias("fields"))
            .agg(pl.len().alias("rows"))
            .collect(engine="streaming")
        )
    except pl.exceptions.PolarsError:
        return None
    lengths = Counter(dict(zip(counts["fields"].to_list(), counts["rows"].to_list(), strict=True)))
    return _shape_of(path, skip_rows, header, lengths)


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
    frame = _scan_csv(path, shape, skip_rows, {})
    if shape.blank_lines:  # a blank line is no row (an empty download is header + blank line)
        frame = frame.filter(~pl.all_horizontal(pl.all().is_null()))
    renames = column_aliases(path, shape.header)
    return _remember_rows(frame.rename(renames) if renames else frame, shape.rows)


def _scan_csv(
    path: Path,
    shape: CsvShape,
    skip_rows: int,
    overrides: Mapping[str, pl.DataType | type[pl.DataType]],
) -> pl.LazyFrame:
    """Lazily scan ``path`` with every column as text except ``overrides``, the schema given.

    The header is already known (:func:`csv_shape` parsed it), so the schema is
    passed whole: Polars then reads the file in bounded chunks. Left to read
    the header itself (``infer_schema=False``), Polars memory-maps the whole
    file, which under an address-space limit (``ulimit -v``, the benchmark's
    2 GiB cap) fails on a file larger than the limit even in streaming mode.
    A header with repeated or empty names cannot be a schema; Polars renames
    those, so it reads the header itself.
    """
    names = list(shape.header)
    if len(set(names)) == len(names) and all(names):
        schema = {name: overrides.get(name, pl.String) for name in names}
        return pl.scan_csv(path, schema=schema, skip_rows=skip_rows, encoding="utf8")
    return pl.scan_csv(
        path, infer_schema=False, schema_overrides=overrides, skip_rows=skip_rows, encoding="utf8"
    )


# Frames returned by the readers, by id, with their row counts (the frame is kept so the id is not reused).
_KNOWN_ROWS: dict[int, tuple[pl.LazyFrame, int]] = {}


def _remember_rows(frame: pl.LazyFrame, rows: int) -> pl.LazyFrame:
    """Record that ``frame`` has ``rows`` rows (its file's data rows) and return it."""
    _KNOWN_ROWS[id(frame)] = (frame, rows)
    return frame


def known_rows(frame: pl.LazyFrame) -> int | None:
    """The row count of a frame returned by :func:`scan_text_csv` or :func:`scan_typed_csv`.

    Their whole-row check (:func:`csv_shape`) has counted the file's data rows,
    so the runner need not scan the file again to count them (a count of a CSV
    scan memory-maps the whole file in Polars). ``None`` for any other frame,
    including one derived from a reader's frame (a filter may drop rows).
    """
    known = _KNOWN_ROWS.get(id(frame))
    return known[1] if known is not None and known[0] is frame else None


# --- Typed reads -----------------------------------------------------------------------------------

_CAREFUL: contextvars.ContextVar[bool] = contextvars.ContextVar("rapkit_careful", default=False)
_TYPED_FAST: contextvars.ContextVar[set[Path] | None] = contextvars.ContextVar(
    "rapkit_typed_fast", default=None
)
_NUMERIC = (
    pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64,
    pl.Float32, pl.Float64,
)  # fmt: skip


@contextlib.contextmanager
def careful_reads() -> Iterator[None]:
    """Make every :func:`scan_typed_csv` inside the block take the text path.

    The runner re-runs a stage so when a typed read failed: the text path's
    strict cast fails on the same cell, and its error names the column and the
    value, which the runner then locates in the file.
    """
    token = _CAREFUL.set(True)
    try:
        yield
    finally:
        _CAREFUL.reset(token)


@contextlib.contextmanager
def tracking_typed_reads() -> Iterator[set[Path]]:
    """Yield the set of files that :func:`scan_typed_csv` read typed inside the block."""
    fast: set[Path] = set()
    token = _TYPED_FAST.set(fast)
    try:
        yield fast
    finally:
        _TYPED_FAST.reset(token)


def scan_typed_csv(
    path: Path, columns: Mapping[str, pl.DataType | type[pl.DataType]], *, skip_rows: int = 0
) -> pl.LazyFrame:
    """Lazily read ``columns`` (name -> type) of a CSV, each trimmed and cast strictly.

    The result is what :func:`scan_text_csv` followed by
    ``pl.col(name).str.strip_chars().cast(dtype)`` gives, column by column, and
    a value that does not cast is an error, never a null. It is usually
    reached faster: a number column is read by Polars' CSV parser straight into
    its type (no text is made, trimmed and cast) when the file's bytes show the
    two roads cannot differ: a :attr:`Fingerprint.plain` file (simple, ASCII, no
    white space, so no value needs trimming and no field is blank but not
    empty), with no blank lines. Text columns are trimmed unless the file is
    plain. Other types, or a file that is not plain, take the text path.

    A typed read fails only at collection, with Polars' terse message; the
    runner then re-runs the stage inside :func:`careful_reads`, so the analyst
    sees the text path's verdict and message (file, line, column and value).
    """
    names = list(columns)
    if _CAREFUL.get():
        text = scan_text_csv(path, required=names, skip_rows=skip_rows)
        return _remember_rows(_text_typed(text, columns), csv_shape(path, skip_rows=skip_rows).rows)
    header = read_header(path, skip_rows=skip_rows)
    check_columns(path, header, names)
    shape = csv_shape(path, skip_rows=skip_rows)
    facts = fingerprint(path)
    typed = facts.plain and not shape.blank_lines
    published = {new: old for old, new in column_aliases(path, shape.header).items()}
    overrides = {
        published.get(name, name): dtype
        for name, dtype in columns.items()
        if typed and _is_numeric(dtype)
    }
    frame = _scan_csv(path, shape, skip_rows, overrides)
    if shape.blank_lines:
        frame = frame.filter(~pl.all_horizontal(pl.all().is_null()))
    exprs = []
    for name, dtype in columns.items():
        column = pl.col(published.get(name, name))
        read_typed = published.get(name, name) in overrides
        if read_typed or (dtype == pl.String and facts.plain):
            exprs.append(column.alias(name))
        else:
            exprs.append(_cast_text(column, dtype).alias(name))
    if overrides:
        tracked = _TYPED_FAST.get()
        if tracked is not None:
            tracked.add(path)
    return _remember_rows(frame.select(exprs), shape.rows)


def _is_numeric(dtype: pl.DataType | type[pl.DataType]) -> bool:
    """Whether Polars' CSV parser reads ``dtype`` exactly as a strict cast of trimmed text."""
    return any(dtype == numeric for numeric in _NUMERIC)


def _cast_text(column: pl.Expr, dtype: pl.DataType | type[pl.DataType]) -> pl.Expr:
    """Trim a text column and cast it strictly (text stays text)."""
    trimmed = column.str.strip_chars()
    return trimmed if dtype == pl.String else trimmed.cast(dtype)


def _text_typed(
    frame: pl.LazyFrame, columns: Mapping[str, pl.DataType | type[pl.DataType]]
) -> pl.LazyFrame:
    """The reference road: the text frame's columns trimmed and cast strictly."""
    return frame.select(
        _cast_text(pl.col(name), dtype).alias(name) for name, dtype in columns.items()
    )


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
    return key[1] if key is not None else 0


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
