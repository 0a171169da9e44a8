"""Read the pipeline configuration (``config/pipeline.toml``).

Paths, parameters and switches live in configuration, not in code, so a
different run (real data instead of the sample, a new release of a source)
is a change to one TOML file that is reviewed and recorded like any other.
The run manifest stores the SHA-256 of the file that was used.

Every key is checked: an unknown key at any level (a typo), a wrong type, an
empty or unsafe path (``outputs_dir = ""`` or ``"."`` would write into the
project root; a folder inside ``data/raw`` or ``src`` would mix outputs with
inputs or code) or an input path that is a folder stops the run with a
:class:`~.errors.ConfigError` that names the key.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .inputs import InputAliases
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
    "aliases",
    "map",
}
_MAP_KEYS = {"boundaries", "code_property"}
_RAP_KEYS = {"target_level", "attestation_max_age_days", "min_tests"}
_ALIAS_KEYS = {"columns", "categories"}
# Folders (relative to the project root) that outputs must never be written into.
_PROTECTED = (Path("data") / "raw", Path("data") / "sample", Path("src"), Path("config"))


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
    aliases: dict[str, InputAliases] = field(default_factory=dict)
    map: dict[str, Any] = field(default_factory=dict)  # read by rapkit.maps


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

    where = f"Configuration file {path}"
    unknown = sorted(set(data) - _KNOWN_KEYS)
    if unknown:
        msg = (
            f"Unknown key(s) {', '.join(unknown)} in {path}. "
            f"Allowed top-level keys: {', '.join(sorted(_KNOWN_KEYS))}."
        )
        raise ConfigError(msg)
    pipeline = data.get("pipeline")
    if not isinstance(pipeline, str) or not pipeline.strip():
        msg = f'{path} must set `pipeline = "<name>"` (a folder in the pipelines package).'
        raise ConfigError(msg)
    streaming = data.get("streaming", False)
    if not isinstance(streaming, bool):
        msg = f"`streaming` in {path} must be true or false, not {streaming!r}."
        raise ConfigError(msg)
    tables = {
        key: data.get(key, {})
        for key in ("inputs", "parameters", "rap", "sources", "release", "aliases", "map")
    }
    for key, value in tables.items():
        if not isinstance(value, dict):
            msg = f"[{key}] in {path} must be a table of settings, not {value!r}."
            raise ConfigError(msg)

    root = find_root(path.parent)
    inputs = {
        name: _input_path(root, name, value, where) for name, value in tables["inputs"].items()
    }
    _check_rap(tables["rap"], where)
    _check_sources(tables["sources"], inputs, where)
    return PipelineConfig(
        path=path,
        root=root,
        sha256=hashlib.sha256(raw).hexdigest(),
        pipeline=pipeline,
        inputs=inputs,
        outputs_dir=_outputs_dir(root, data.get("outputs_dir", "outputs"), where),
        streaming=streaming,
        parameters=dict(tables["parameters"]),
        rap=dict(tables["rap"]),
        sources=dict(tables["sources"]),
        release=dict(tables["release"]),
        package=package_name(root),
        aliases=_aliases(tables["aliases"], inputs, where),
        map=_map(tables["map"], root, where),
    )


def _input_path(root: Path, name: str, value: object, where: str) -> Path:
    """Return the absolute path of input ``name``, rejecting empty paths and folders."""
    if not isinstance(value, str) or not value.strip():
        msg = f"{where}: inputs.{name} must be the path of a file (a non-empty string), not {value!r}."
        raise ConfigError(msg)
    path = _absolute(root, value)
    if path.is_dir():
        msg = f"{where}: inputs.{name} = {value!r} is a folder; point it at the input file."
        raise ConfigError(msg)
    return path


def _outputs_dir(root: Path, value: object, where: str) -> Path:
    """Return the absolute outputs folder, refusing paths where outputs would do harm.

    Outputs replace files of the same name, so the project root (``""`` or
    ``"."``), an input or code folder, or an existing file are never acceptable.
    """
    if not isinstance(value, str) or not value.strip():
        msg = f'{where}: outputs_dir must be a folder path such as "outputs", not {value!r}.'
        raise ConfigError(msg)
    path = _absolute(root, value).resolve()
    project = root.resolve()
    if path == project or project.is_relative_to(path):
        msg = (
            f"{where}: outputs_dir = {value!r} is the project folder (or above it): outputs "
            'would overwrite project files. Use a folder of its own, such as "outputs".'
        )
        raise ConfigError(msg)
    for protected in _PROTECTED:
        if path.is_relative_to(project / protected):
            msg = (
                f"{where}: outputs_dir = {value!r} is inside {protected.as_posix()}/, which "
                'holds inputs or code. Use a folder of its own, such as "outputs".'
            )
            raise ConfigError(msg)
    if path.exists() and not path.is_dir():
        msg = f"{where}: outputs_dir = {value!r} is a file, not a folder."
        raise ConfigError(msg)
    return path


def _check_rap(rap: dict[str, Any], where: str) -> None:
    """Reject unknown or mistyped keys in ``[rap]``."""
    unknown = sorted(set(rap) - _RAP_KEYS)
    if unknown:
        msg = f"{where}: unknown key(s) in [rap]: {', '.join(unknown)} (allowed: {', '.join(sorted(_RAP_KEYS))})."
        raise ConfigError(msg)
    if "target_level" in rap and not isinstance(rap["target_level"], str):
        msg = f"{where}: rap.target_level must be a string, not {rap['target_level']!r}."
        raise ConfigError(msg)
    age = rap.get("attestation_max_age_days", 1)
    if not isinstance(age, int) or isinstance(age, bool) or age < 1:
        msg = f"{where}: rap.attestation_max_age_days must be a positive whole number, not {age!r}."
        raise ConfigError(msg)


def _check_sources(sources: dict[str, Any], inputs: dict[str, Path], where: str) -> None:
    """Each ``[sources.<input>]`` must describe a configured input, with text values."""
    for name, table in sources.items():
        if name not in inputs:
            msg = (
                f"{where}: [sources.{name}] describes an input that [inputs] does not set "
                f"(inputs: {', '.join(inputs) or 'none'})."
            )
            raise ConfigError(msg)
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            msg = f"{where}: [sources.{name}] must be a table of text fields (title, url, ...)."
            raise ConfigError(msg)


def _map(table: dict[str, Any], root: Path, where: str) -> dict[str, Any]:
    """Check ``[map]``: the GeoJSON boundary file of the report's map, and its code property.

    Without ``boundaries`` the report draws a schematic hexagon map (one hexagon per
    area), which is all the synthetic sample areas can have.
    """
    unknown = sorted(set(table) - _MAP_KEYS)
    if unknown:
        msg = f"{where}: unknown key(s) in [map]: {', '.join(unknown)} (allowed: {', '.join(sorted(_MAP_KEYS))})."
        raise ConfigError(msg)
    checked: dict[str, Any] = {}
    for key, value in table.items():
        if not isinstance(value, str) or not value.strip():
            msg = f"{where}: map.{key} must be a non-empty string, not {value!r}."
            raise ConfigError(msg)
        checked[key] = value
    if "boundaries" in checked:
        path = _absolute(root, checked["boundaries"])
        if path.suffix.casefold() not in {".geojson", ".json"}:
            msg = f"{where}: map.boundaries = {checked['boundaries']!r} must be a GeoJSON file (.geojson or .json)."
            raise ConfigError(msg)
        if path.is_dir():
            msg = f"{where}: map.boundaries = {checked['boundaries']!r} is a folder; point it at the GeoJSON file."
            raise ConfigError(msg)
        checked["boundaries"] = path
    return checked


def _aliases(raw: dict[str, Any], inputs: dict[str, Path], where: str) -> dict[str, InputAliases]:
    """Check ``[aliases.<input>]`` tables: known inputs, known keys, text to text."""
    checked = {}
    for name, table in raw.items():
        if name not in inputs:
            msg = (
                f"{where}: [aliases.{name}] is for an unknown input {name!r} "
                f"(inputs: {', '.join(inputs) or 'none'})."
            )
            raise ConfigError(msg)
        if not isinstance(table, dict):
            msg = f"{where}: [aliases.{name}] must be a table with `columns` and/or `categories`."
            raise ConfigError(msg)
        unknown = sorted(set(table) - _ALIAS_KEYS)
        if unknown:
            msg = (
                f"{where}: unknown key(s) in [aliases.{name}]: {', '.join(unknown)} "
                "(allowed: columns, categories)."
            )
            raise ConfigError(msg)
        parts = {}
        for key in sorted(_ALIAS_KEYS):
            mapping = table.get(key, {})
            valid = isinstance(mapping, dict) and all(
                isinstance(old, str) and isinstance(new, str) and new.strip()
                for old, new in mapping.items()
            )
            if not valid:
                msg = (
                    f"{where}: aliases.{name}.{key} must map each published name to the "
                    f'expected one, e.g. {{ "published" = "expected" }}; got {mapping!r}.'
                )
                raise ConfigError(msg)
            parts[key] = dict(mapping)
        checked[name] = InputAliases(columns=parts["columns"], categories=parts["categories"])
    return checked


def _absolute(root: Path, value: str) -> Path:
    """Resolve ``value`` against the project root unless it is already absolute."""
    candidate = Path(value).expanduser()
    return candidate if candidate.is_absolute() else (root / candidate)
