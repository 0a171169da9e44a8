"""Logging to the console and to a per-run log file under ``outputs/logs/``.

Logs record what the pipeline did (stages, row counts, validation results,
the route taken through any decision). They may contain data values, for
example in validation error examples: the logs folder is ignored by git, and
logs must be treated with the same care as the data.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from .errors import PipelineError

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
_HANDLER_NAMES = ("rap-console", "rap-file")


def start_run_log(logs_dir: Path, *, debug: bool = False) -> Path:
    """Send log records to the console and to a new file in ``logs_dir``; return its path."""
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    log_path = logs_dir / f"run-{run_id}.log"
    try:
        logs_dir.mkdir(parents=True, exist_ok=True)
        file_handler = logging.FileHandler(log_path, encoding="utf-8")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        msg = f"Cannot write the run log {log_path} ({reason}): check that {logs_dir} is a writable folder."
        raise PipelineError(msg) from exc
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    for handler in list(root.handlers):
        if handler.get_name() in _HANDLER_NAMES:  # from an earlier run in this process
            root.removeHandler(handler)
            handler.close()
    console = logging.StreamHandler()
    console.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    file_handler.setFormatter(logging.Formatter(FORMAT))
    handlers: tuple[logging.Handler, ...] = (console, file_handler)
    for name, handler in zip(_HANDLER_NAMES, handlers, strict=True):
        handler.set_name(name)
        root.addHandler(handler)
    return log_path
