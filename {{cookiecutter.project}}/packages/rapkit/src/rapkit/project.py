"""Find a project's own code: its package and the pipelines inside it.

A project generated from cookiecutter-rap names its import package in
``pyproject.toml``::

    [tool.rapkit]
    package = "my_rap_project"

and keeps one sub-package per analysis in ``<package>/pipelines/<name>/``. Each
pipeline sub-package provides ``build(parameters) -> Pipeline``,
``make_sample(rows, seed) -> dict[str, polars.DataFrame]`` and ``SAMPLE_ROWS``.
Pipelines are found by looking, not registered by hand, so adding one is adding
a folder (``new-pipeline NAME`` writes it for you).
"""

from __future__ import annotations

import importlib
import pkgutil
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

from .errors import ConfigError

if TYPE_CHECKING:
    import polars as pl

    from .config import PipelineConfig
    from .runner import Pipeline

PYPROJECT = "pyproject.toml"


@dataclass(frozen=True)
class PipelineModule:
    """What a pipeline sub-package provides to the runner and the command line."""

    name: str
    build: Callable[[Mapping[str, Any]], Pipeline]
    make_sample: Callable[[int, int], dict[str, pl.DataFrame]]
    sample_rows: int


def find_root(start: Path) -> Path:
    """Return the nearest folder at or above ``start`` that holds ``pyproject.toml``.

    Relative paths in the configuration are relative to this folder, so the same
    config works whichever directory a command is started from.
    """
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / PYPROJECT).is_file():
            return folder
    return Path.cwd().resolve()


def package_name(root: Path) -> str | None:
    """Return the project's import package named in ``[tool.rapkit] package``, if any.

    Without that setting, a ``src/`` layout holding exactly one package is used.
    """
    pyproject = root / PYPROJECT
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            msg = f"{pyproject} is not valid UTF-8 TOML: {exc}"
            raise ConfigError(msg) from exc
        named = data.get("tool", {}).get("rapkit", {}).get("package")
        if isinstance(named, str) and named:
            return named
    src = root / "src"
    found = [p.name for p in src.iterdir() if (p / "__init__.py").is_file()] if src.is_dir() else []
    return found[0] if len(found) == 1 else None


def pipeline_names(package: str) -> list[str]:
    """Return the names of the pipelines in ``<package>.pipelines``, sorted."""
    try:
        pipelines = importlib.import_module(f"{package}.pipelines")
    except ModuleNotFoundError as exc:
        if exc.name not in {package, f"{package}.pipelines"}:
            raise
        msg = f"Package {package!r} has no `pipelines` sub-package (src/{package}/pipelines/)."
        raise ConfigError(msg) from exc
    return sorted(info.name for info in pkgutil.iter_modules(pipelines.__path__) if info.ispkg)


def load_pipeline(package: str, name: str) -> PipelineModule:
    """Import the pipeline sub-package ``<package>.pipelines.<name>``."""
    available = pipeline_names(package)
    if name not in available:
        msg = (
            f"No pipeline called {name!r} in {package}.pipelines (found: "
            f"{', '.join(available) or 'none'}). Check `pipeline` in config/pipeline.toml."
        )
        raise ConfigError(msg)
    module: ModuleType = importlib.import_module(f"{package}.pipelines.{name}")
    missing = [
        attr for attr in ("build", "make_sample", "SAMPLE_ROWS") if not hasattr(module, attr)
    ]
    if missing:
        msg = (
            f"Pipeline {package}.pipelines.{name} does not provide {', '.join(missing)} "
            "(export them from its __init__.py)."
        )
        raise ConfigError(msg)
    return PipelineModule(
        name=name,
        build=cast("Callable[[Mapping[str, Any]], Pipeline]", module.build),
        make_sample=cast("Callable[[int, int], dict[str, pl.DataFrame]]", module.make_sample),
        sample_rows=int(module.SAMPLE_ROWS),
    )


def configured_pipeline(config: PipelineConfig, package: str | None = None) -> PipelineModule:
    """Load the pipeline that ``config`` names, from ``package`` or the project's own."""
    package = package or config.package
    if package is None:
        msg = (
            f"Cannot tell which package holds the pipelines for {config.root}: set "
            '`[tool.rapkit] package = "<import name>"` in pyproject.toml.'
        )
        raise ConfigError(msg)
    return load_pipeline(package, config.pipeline)


def project_version(package: str) -> str | None:
    """Return ``<package>.__version__`` (the project's own version), if it has one."""
    try:
        module = importlib.import_module(package)
    except ImportError:
        return None
    found = getattr(module, "__version__", None)
    return str(found) if found is not None else None
