"""Reading inputs safely and writing outputs atomically.

Two promises are kept here, so that stages never have to think about them:

* inputs are read as text (``infer_schema=False``) and checked before any stage
  sees them: a missing file, a file that is not UTF-8 or a missing column gives
  an :class:`~.errors.InputError` naming the file and what to do;
* outputs are written to a temporary file in the destination folder and then
  renamed over the old file, so a reader (or a crash) never sees a half-written
  file, and nothing is replaced until the whole run has succeeded.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import polars as pl

from .errors import InputError

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
    if not path.is_file():
        msg = (
            f"Input file not found: {path}. Check the path in config/pipeline.toml, "
            "or run `sample-data` to recreate the bundled sample inputs."
        )
        raise InputError(msg)


def read_header(path: Path, *, skip_rows: int = 0) -> list[str]:
    """Return the column names of a CSV file, checking it exists and is UTF-8 text."""
    require_file(path)
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
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
    return next(csv.reader([lines[skip_rows]]))


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
        f"Columns found: {', '.join(repr(c) for c in present)}."
    )
    raise InputError(msg)


def scan_text_csv(path: Path, *, required: Iterable[str] = (), skip_rows: int = 0) -> pl.LazyFrame:
    """Lazily scan a CSV with every column as text, after checking its header.

    Types are never inferred: published files put markers such as ``c`` or
    ``[x]`` in numeric columns, and inference would either fail far from the
    cause or silently turn a column into text. Importers cast explicitly.
    """
    header = read_header(path, skip_rows=skip_rows)
    check_columns(path, header, required)
    return pl.scan_csv(path, infer_schema=False, skip_rows=skip_rows, encoding="utf8")


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
