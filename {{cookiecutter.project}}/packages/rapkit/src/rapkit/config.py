"""Read the pipeline configuration (``config/pipeline.toml``).

Paths, parameters and switches live in configuration, not in code, so a
different run (real data instead of the sample, a new release of a source)
is a change to one TOML file that is reviewed and recorded like any other.
The run manifest stores the SHA-256 of the file that was used.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .project import find_root, package_name

DEFAULT_CONFIG = Path("config") / "pipeline.toml"
_KNOWN_KEYS = {
    "pipeline",
    "outputs_dir",
    "streaming",
    "inputs",
    "parameters",
    "rap",
    "sources",
    "release",
}


@dataclass(frozen=True)
class PipelineConfig:
    """A validated configuration, with every path made absolute."""

    path: Path
    root: Path
    sha256: str
    pipeline: str
    inputs: dict[str, Path]
    outputs_dir: Path
    streaming: bool = False
    parameters: dict[str, Any] = field(default_factory=dict)
    rap: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, Any] = field(default_factory=dict)
    release: dict[str, Any] = field(default_factory=dict)  # read by rapkit.reporting
    package: str | None = None


def load_config(path: Path | None = None) -> PipelineConfig:
    """Load and check the configuration file at ``path`` (default ``config/pipeline.toml``)."""
    if path is None:
        path = find_root(Path.cwd()) / DEFAULT_CONFIG
    path = path.resolve()
    if not path.is_file():
        msg = (
            f"Configuration file not found: {path}. Pass --config PATH or create {DEFAULT_CONFIG}."
        )
        raise ConfigError(msg)
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        msg = f"Configuration file {path} is not valid UTF-8 TOML: {exc}"
        raise ConfigError(msg) from exc

    unknown = sorted(set(data) - _KNOWN_KEYS)
    if unknown:
        msg = (
            f"Unknown key(s) {', '.join(unknown)} in {path}. "
            f"Allowed top-level keys: {', '.join(sorted(_KNOWN_KEYS))}."
        )
        raise ConfigError(msg)
    pipeline = data.get("pipeline")
    if not isinstance(pipeline, str) or not pipeline:
        msg = f'{path} must set `pipeline = "<name>"` (a folder in the pipelines package).'
        raise ConfigError(msg)
    inputs = data.get("inputs", {})
    if not isinstance(inputs, dict) or not all(isinstance(v, str) for v in inputs.values()):
        msg = f"[inputs] in {path} must map input names to file paths (strings)."
        raise ConfigError(msg)
    streaming = data.get("streaming", False)
    if not isinstance(streaming, bool):
        msg = f"`streaming` in {path} must be true or false, not {streaming!r}."
        raise ConfigError(msg)

    tables = {key: data.get(key, {}) for key in ("parameters", "rap", "sources", "release")}
    for key, value in tables.items():
        if not isinstance(value, dict):
            msg = f"[{key}] in {path} must be a table of settings, not {value!r}."
            raise ConfigError(msg)

    root = find_root(path.parent)
    return PipelineConfig(
        path=path,
        root=root,
        sha256=hashlib.sha256(raw).hexdigest(),
        pipeline=pipeline,
        inputs={name: _absolute(root, value) for name, value in inputs.items()},
        outputs_dir=_absolute(root, str(data.get("outputs_dir", "outputs"))),
        streaming=streaming,
        parameters=dict(tables["parameters"]),
        rap=dict(tables["rap"]),
        sources=dict(tables["sources"]),
        release=dict(tables["release"]),
        package=package_name(root),
    )


def _absolute(root: Path, value: str) -> Path:
    """Resolve ``value`` against the project root unless it is already absolute."""
    candidate = Path(value).expanduser()
    return candidate if candidate.is_absolute() else (root / candidate)
