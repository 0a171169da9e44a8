"""Back test: compare this run's outputs with committed expected hashes.

``tests/backtest/expected_hashes.json`` holds the SHA-256 of every output the
pipeline writes from the bundled sample data. A change that alters any
published number therefore fails the back test until someone updates the
expected hashes on purpose (``python -m <package> backtest --update``) and the
change is reviewed.
"""

from __future__ import annotations

import json
from pathlib import Path

from . import publish
from .errors import PipelineError
from .io import atomic_write_bytes

EXPECTED = Path("tests") / "backtest" / "expected_hashes.json"


def output_hashes(out_dir: Path) -> dict[str, str]:
    """Return ``{output file name: sha256}`` from the manifest of the run in ``out_dir``.

    An interrupted publish is finished first, and the files are checked against
    the manifest, so the back test never passes on a mixed or edited set.
    """
    if not (out_dir / publish.MANIFEST_NAME).is_file() and not any(
        out_dir.glob(f"{publish.STAGING_PREFIX}*")
    ):
        msg = f"No manifest in {out_dir}: run the pipeline first (python -m <package> run)."
        raise PipelineError(msg)
    publish.recover_before_reading(out_dir)
    document = publish.verify(out_dir)
    return {Path(item["path"]).name: item["sha256"] for item in document["outputs"]}


def compare(actual: dict[str, str], expected: dict[str, str]) -> list[str]:
    """Return one line per difference between two ``{file: sha256}`` maps (empty if equal)."""
    problems = []
    for name in sorted(set(actual) | set(expected)):
        if name not in actual:
            problems.append(f"{name}: expected but not produced")
        elif name not in expected:
            problems.append(f"{name}: produced but has no expected hash")
        elif actual[name] != expected[name]:
            problems.append(
                f"{name}: sha256 {actual[name][:12]}… != expected {expected[name][:12]}…"
            )
    return problems


def load_expected(path: Path) -> dict[str, str]:
    """Read the committed expected hashes."""
    if not path.is_file():
        msg = f"No expected hashes at {path}: create them with `backtest --update`."
        raise PipelineError(msg)
    loaded: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def save_expected(path: Path, hashes: dict[str, str]) -> None:
    """Write expected hashes, sorted, so the file diffs cleanly in review."""
    text = json.dumps(dict(sorted(hashes.items())), indent=2) + "\n"
    atomic_write_bytes(path, text.encode("utf-8"))
