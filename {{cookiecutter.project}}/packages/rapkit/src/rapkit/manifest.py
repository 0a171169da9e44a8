"""The run manifest: a record of exactly what produced the outputs.

``outputs/manifest.json`` lists every input and output with its SHA-256 and
row count, every stage with its row counts, timing and schema, the hash of the
configuration, the git commit (and whether the tree had uncommitted changes),
and the Python and package versions. A reader of a published number can trace
it back to the code and the data, and a re-run can be checked against it.
The manifest is published together with the outputs, as one set, by
:mod:`rapkit.publish`.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from . import __version__, publish
from .config import PipelineConfig
from .project import project_version

MANIFEST_NAME = publish.MANIFEST_NAME
RECORDED_PACKAGES = ("polars", "pandera", "numpy")


def utc_now() -> str:
    """Return the current UTC time as an ISO 8601 string (seconds precision)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def git_state(root: Path) -> dict[str, Any]:
    """Return the HEAD commit and whether the work tree is dirty, or nulls without git."""
    try:
        commit = _git(root, "rev-parse", "HEAD")
        dirty = bool(_git(root, "status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": dirty}


def _git(root: Path, *args: str) -> str:
    """Run a read-only git command in ``root`` and return its output."""
    done = subprocess.run(  # noqa: S603 - fixed git arguments, no shell
        ["git", *args],  # noqa: S607 - git is looked up on PATH on purpose
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return done.stdout.strip()


def package_versions() -> dict[str, str | None]:
    """Return the installed versions of the packages that shape the outputs."""
    versions: dict[str, str | None] = {}
    for name in RECORDED_PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return versions


def _relative(path: Path, root: Path) -> str:
    """Show ``path`` relative to the project root when it is inside it (POSIX style)."""
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def build_manifest(
    *,
    config: PipelineConfig,
    pipeline_name: str,
    started: str,
    inputs: dict[str, tuple[Path, str, int]],
    outputs: dict[str, tuple[Path, bytes, int]],
    stages: list[dict[str, Any]],
    missing: Mapping[str, str] | None = None,
) -> bytes:
    """Return the bytes of ``manifest.json`` for outputs about to be published.

    ``outputs`` maps each output name to its published path, its bytes and its
    row count: the hashes are of the bytes being published, so the manifest can
    be staged and verified together with the outputs (see :mod:`rapkit.publish`).
    ``missing`` maps each optional input that had no data rows to what the outputs
    lack without it; ``missing_inputs`` lists them (empty when nothing is missing),
    so the gap travels with the numbers.
    """
    root = config.root
    document = {
        "pipeline": pipeline_name,
        "started": started,
        "finished": utc_now(),
        "config": {"path": _relative(config.path, root), "sha256": config.sha256},
        "code": {
            "package": config.package,
            "version": project_version(config.package) if config.package else None,
            "rapkit": __version__,
            **git_state(root),
        },
        "environment": {
            "python": platform.python_version(),
            "implementation": sys.implementation.name,
            "platform": platform.platform(),
            "packages": package_versions(),
        },
        "inputs": [
            {"name": name, "path": _relative(path, root), "sha256": digest, "rows": rows}
            for name, (path, digest, rows) in inputs.items()
        ],
        "outputs": [
            {
                "name": name,
                "path": _relative(path, root),
                "sha256": publish.sha256_bytes(data),
                "rows": rows,
            }
            for name, (path, data, rows) in outputs.items()
        ],
        "missing_inputs": [
            {"name": name, "path": _relative(inputs[name][0], root), "missing": what}
            for name, what in (missing or {}).items()
        ],
        "stages": stages,
    }
    return (json.dumps(document, indent=2) + "\n").encode("utf-8")


def read_manifest(out_dir: Path) -> dict[str, Any]:
    """Read the manifest written by the last successful run into ``out_dir``."""
    loaded: dict[str, Any] = json.loads((out_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    return loaded
