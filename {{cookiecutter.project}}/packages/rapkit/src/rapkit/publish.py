"""Publish a run's outputs and manifest as one transaction: old set or new set, never a mix.

A run's outputs (``<name>.csv``) and its ``manifest.json`` only make sense
together: the manifest records the SHA-256 of every output. Renaming files one
by one would let a crash, a full disk or Ctrl-C leave some outputs new and
others old, with a manifest that no longer matches them. So a publish goes
through these steps, in this order:

1. **Stage.** Every file is written to ``<outputs_dir>/.staging-<random>/``
   (the same file system as the outputs, so renames are atomic) and flushed
   to disk with ``fsync``. Any failure here (disk full, file-size limit,
   Ctrl-C) removes the staging folder; the published files were never touched.
2. **Verify.** Each staged file is read back and its SHA-256 compared with
   the bytes meant to be written, and with the hash the staged manifest lists.
3. **Commit.** A small journal, ``PUBLISH.json``, is written atomically into
   the staging folder. It lists the files to move (manifest last) and the
   outputs of the previous run that the new run no longer produces. Before
   the journal exists the new set does not count; once it exists it must win.
4. **Swap.** Each staged file is renamed over its published name in the
   journal's order, the manifest last; obsolete outputs are deleted; then the
   journal and the staging folder are removed. Ctrl-C is held back during
   this step (it takes milliseconds) and delivered when it ends.

**Recovery** (:func:`recover`) runs at the start of every run and before a
report or back test reads the outputs. A staging folder *with* a journal is
an interrupted swap: it is rolled forward (the renames are repeated; a file
already moved is recognised by its hash). A staging folder *without* one is
an abandoned stage: it is deleted. Readers also check the files against the
manifest's hashes (:func:`verify`) and refuse a mixed set with a message.

Publishing and recovery hold an exclusive ``flock`` on the outputs folder
itself (no lock file is left behind), so two runs, or a run and a report,
never swap at the same time. Where ``fcntl`` is missing (Windows) there is no
lock: do not run two pipelines into the same folder at once there.

Only names this module wrote are ever moved or deleted: ``outputs/logs/``,
``outputs/README.md`` and any other file in the folder are left alone.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import FrameType
from typing import Any

from .errors import PipelineError

STAGING_PREFIX = ".staging-"
JOURNAL = "PUBLISH.json"
MANIFEST_NAME = "manifest.json"

try:  # POSIX
    import fcntl

    _HAS_FLOCK = True
except ImportError:  # pragma: no cover - Windows has no flock
    _HAS_FLOCK = False


class PublishError(PipelineError):
    """The outputs could not be written or published; the message says what is on disk now."""


class PublishInterruptedError(KeyboardInterrupt):
    """Ctrl-C arrived while publishing; the message says which set is now published."""


def _umask() -> int:
    """Return the process umask (it can only be read by setting it)."""
    current = os.umask(0o022)
    os.umask(current)
    return current


_FILE_MODE = 0o666 & ~_umask()

_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EFBIG: "the file is larger than this system allows (file-size limit)",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "the file system is read-only",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EEXIST: "a file of that name is in the way",
    errno.EISDIR: "it is a folder, not a file",
}


def describe_os_error(exc: OSError) -> str:
    """Say in words what went wrong with a file (``"<file>: the disk is full"``)."""
    reason = _REASONS.get(exc.errno or 0) or exc.strerror or str(exc)
    where = exc.filename if exc.filename is not None else "(unknown file)"
    return f"{where}: {reason}"


def sha256_bytes(data: bytes) -> str:
    """Return the SHA-256 hex digest of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Return the SHA-256 hex digest of the file at ``path``, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def folder_lock(folder: Path, *, blocking: bool = True) -> Iterator[bool]:
    """Hold an exclusive ``flock`` on ``folder`` itself; yield whether it was obtained.

    Locking the folder's own file descriptor leaves no lock file behind. The
    lock is released when the block ends or the process dies (even by SIGKILL),
    which is what makes "is anyone still using this folder?" answerable.
    """
    if not _HAS_FLOCK:  # pragma: no cover - Windows
        yield True
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _fsync_folder(folder: Path) -> None:
    """Make renames and deletions in ``folder`` durable (a no-op where folders cannot be synced)."""
    if not _HAS_FLOCK:  # pragma: no cover - Windows cannot open folders
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_synced(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file at ``path`` and flush it to disk."""
    with path.open("xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    path.chmod(_FILE_MODE)


def _check_name(name: str) -> None:
    """Refuse a published name that is not a plain file name (it could escape the folder)."""
    if not name or name in {".", ".."} or "/" in name or "\\" in name or name == JOURNAL:
        msg = f"Output name {name!r} is not a plain file name."
        raise ValueError(msg)


def ensure_folder(out_dir: Path) -> None:
    """Create ``out_dir`` if needed, or raise a :class:`PublishError` saying why it cannot be used."""
    if out_dir.exists() and not out_dir.is_dir():
        msg = f"The outputs folder {out_dir} is a file, not a folder: set outputs_dir to a folder."
        raise PublishError(msg)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        msg = f"Cannot create the outputs folder {out_dir} ({describe_os_error(exc)})."
        raise PublishError(msg) from exc
    if not os.access(out_dir, os.W_OK | os.X_OK):
        msg = f"Cannot write to the outputs folder {out_dir}: permission denied."
        raise PublishError(msg)


def publish(out_dir: Path, outputs: Mapping[str, bytes], manifest: bytes) -> dict[str, Path]:
    """Publish ``outputs`` (file name -> bytes) and ``manifest`` in ``out_dir`` as one set.

    Returns the published path of every output. Raises :class:`PublishError`
    (an OSError explained, and what is on disk now) or :class:`PublishInterruptedError`.
    """
    for name in outputs:
        _check_name(name)
    ensure_folder(out_dir)
    recover(out_dir)
    with folder_lock(out_dir):
        try:
            staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir))
        except OSError as exc:
            msg = f"Cannot write outputs to {out_dir} ({describe_os_error(exc)}). Nothing was published."
            raise PublishError(msg) from exc
        try:
            journal = _stage(out_dir, staging, outputs, manifest)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            msg = (
                f"Could not write the outputs ({describe_os_error(exc)}). Nothing was "
                f"published: the previous outputs in {out_dir} are unchanged."
            )
            raise PublishError(msg) from exc
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        with _sigint_held_back(out_dir):
            _swap_or_explain(out_dir, staging, journal)
    return {name: out_dir / name for name in outputs}


def _stage(
    out_dir: Path, staging: Path, outputs: Mapping[str, bytes], manifest: bytes
) -> dict[str, Any]:
    """Write, sync and verify every file in ``staging``, then commit the journal; return it."""
    files = {**outputs, MANIFEST_NAME: manifest}
    for name, data in files.items():
        _write_synced(staging / name, data)
    hashes = {name: sha256_bytes(data) for name, data in files.items()}
    for name, digest in hashes.items():
        if sha256_file(staging / name) != digest:  # pragma: no cover - a failing disk
            msg = f"{staging / name} does not read back as written."
            raise OSError(errno.EIO, msg, str(staging / name))
    listed = {Path(item["path"]).name: item["sha256"] for item in json.loads(manifest)["outputs"]}
    if listed != {name: hashes[name] for name in outputs}:
        msg = "The manifest does not list exactly the outputs being published, with their hashes."
        raise ValueError(msg)
    previous = _listed_outputs(out_dir)
    journal = {
        "files": [*outputs, MANIFEST_NAME],  # the manifest is renamed last
        "sha256": hashes,
        "remove": sorted(name for name in previous if name not in files),
    }
    tmp = staging / f".{JOURNAL}.tmp"
    _write_synced(tmp, json.dumps(journal, indent=2).encode("utf-8"))
    _fsync_folder(staging)
    tmp.replace(staging / JOURNAL)  # the commit point
    _fsync_folder(staging)
    return journal


def _listed_outputs(out_dir: Path) -> list[str]:
    """Return the file names of the outputs the current manifest lists (none if unreadable)."""
    try:
        document = json.loads((out_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
        names = [Path(item["path"]).name for item in document["outputs"]]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    safe = []
    for name in names:
        with contextlib.suppress(ValueError):
            _check_name(name)
            safe.append(name)
    return safe


def _swap_or_explain(out_dir: Path, staging: Path, journal: Mapping[str, Any]) -> None:
    """Roll the committed set forward, explaining what is on disk if that fails part-way."""
    try:
        _roll_forward(out_dir, staging, journal)
    except OSError as exc:
        msg = (
            f"Publishing to {out_dir} stopped part-way ({describe_os_error(exc)}). The complete "
            f"new outputs are kept in {staging}; the next run, report or back test finishes "
            "publishing them, and until then readers refuse the mixed set."
        )
        raise PublishError(msg) from exc
    except KeyboardInterrupt as exc:
        msg = (
            f"Interrupted while publishing to {out_dir}: the complete new outputs are kept in "
            f"{staging} and the next run, report or back test finishes publishing them."
        )
        raise PublishInterruptedError(msg) from exc


def _roll_forward(out_dir: Path, staging: Path, journal: Mapping[str, Any]) -> None:
    """Move every journalled file into place (idempotent), delete obsolete outputs, clean up."""
    for name in journal["files"]:
        _check_name(name)
        source, target = staging / name, out_dir / name
        if source.exists():
            source.replace(target)
        elif not (target.is_file() and sha256_file(target) == journal["sha256"][name]):
            msg = f"cannot finish an interrupted publish: {source} is missing"
            raise OSError(errno.ENOENT, msg, str(source))
    for name in journal["remove"]:
        _check_name(name)
        (out_dir / name).unlink(missing_ok=True)
    _fsync_folder(out_dir)
    (staging / JOURNAL).unlink()
    shutil.rmtree(staging)


def recover_before_reading(out_dir: Path) -> None:
    """Finish an interrupted publish before the outputs are read (back test, report).

    Raises:
        PipelineError: the staged set could not be completed; says to run again.
    """
    try:
        recover(out_dir)
    except PipelineError as exc:
        msg = (
            f"The outputs in {out_dir} were left part-published by an interrupted run and "
            f"could not be completed ({exc}): run the pipeline again."
        )
        raise PipelineError(msg) from exc


def recover(out_dir: Path) -> list[str]:
    """Finish or discard what an interrupted publish left in ``out_dir``; return what was done.

    A staging folder with a journal is rolled forward (the new set was
    complete and verified); one without a journal is deleted (the old set
    stands). Takes the folder lock, so a publish in progress is never touched.
    """
    if not out_dir.is_dir():
        return []
    done = []
    with folder_lock(out_dir):
        for staging in sorted(out_dir.glob(f"{STAGING_PREFIX}*")):
            if not staging.is_dir():
                continue
            journal_path = staging / JOURNAL
            try:
                if journal_path.is_file():
                    journal = json.loads(journal_path.read_text(encoding="utf-8"))
                    _roll_forward(out_dir, staging, journal)
                    done.append(
                        f"finished publishing an interrupted run's outputs ({staging.name})"
                    )
                else:
                    shutil.rmtree(staging)
                    done.append(f"removed an unfinished run's staged outputs ({staging.name})")
            except (OSError, ValueError, KeyError, TypeError) as exc:
                reason = describe_os_error(exc) if isinstance(exc, OSError) else repr(exc)
                msg = (
                    f"Cannot finish or discard the interrupted publish in {staging} ({reason}). "
                    "Delete that folder and run the pipeline again."
                )
                raise PublishError(msg) from exc
    return done


def verify(out_dir: Path) -> dict[str, Any]:
    """Return the manifest of ``out_dir`` after checking every output it lists against its hash.

    Raises :class:`PublishError` if there is no manifest, or an output is
    missing or differs: the set is mixed (an interrupted publish that could
    not be finished) or was edited after the run.
    """
    path = out_dir / MANIFEST_NAME
    try:
        document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        msg = f"No run manifest in {out_dir}: run the pipeline first."
        raise PublishError(msg) from exc
    except (OSError, ValueError) as exc:
        msg = f"Cannot read the run manifest {path} ({exc}): run the pipeline again."
        raise PublishError(msg) from exc
    wrong = []
    for item in document.get("outputs", []):
        target = out_dir / Path(item["path"]).name
        if not target.is_file():
            wrong.append(f"{target.name} (missing)")
        elif sha256_file(target) != item["sha256"]:
            wrong.append(f"{target.name} (sha256 differs)")
    if wrong:
        msg = (
            f"The outputs in {out_dir} do not match their manifest: {', '.join(wrong)}. They are "
            "a mixed or edited set, so they are not used: run the pipeline again."
        )
        raise PublishError(msg)
    return document


@contextlib.contextmanager
def _sigint_held_back(out_dir: Path) -> Iterator[None]:
    """Delay Ctrl-C until the block ends, then raise it saying the new set was published."""
    if threading.current_thread() is not threading.main_thread():  # pragma: no cover
        yield
        return
    received: list[int] = []

    def remember(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)

    previous = signal.signal(signal.SIGINT, remember)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        msg = f"Interrupted: the new outputs were published completely in {out_dir} first."
        raise PublishInterruptedError(msg)


@contextlib.contextmanager
def spill_folder(interim: Path) -> Iterator[Path]:
    """Yield a new temporary folder under ``interim``, removed however the block ends.

    The folder is locked while in use, so the next run can tell a folder left
    by a killed run (no lock) from one in use by a run still going, and
    removes only the former (:func:`remove_stale_spills`).
    """
    try:
        interim.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=".run-", dir=interim))
    except OSError as exc:
        msg = f"Cannot create a temporary folder for streaming ({describe_os_error(exc)})."
        raise PublishError(msg) from exc
    try:
        with folder_lock(folder):
            yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def remove_stale_spills(interim: Path) -> list[Path]:
    """Remove temporary streaming folders in ``interim`` that no live run holds; return them."""
    removed = []
    for folder in sorted(interim.glob(".run-*")) if interim.is_dir() else []:
        if not folder.is_dir():
            continue
        with folder_lock(folder, blocking=False) as free:
            if free:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
    return removed
