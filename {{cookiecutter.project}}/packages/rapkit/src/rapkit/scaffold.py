"""Add a pipeline to a project: ``python -m <package> new-pipeline NAME``.

Writes a small working pipeline (read a CSV, tidy it, summarise it, with typed
parameters and keyword wiring) and everything around it that a project's own
checks expect, so that lint, type checks and tests pass straight away:

* ``src/<package>/pipelines/NAME/``: ``__init__``, ``stages``, ``schemas``,
  ``pipeline`` and ``sample`` modules;
* ``config/NAME.toml``: a complete configuration (its own outputs folder, the
  ``[rap]`` table copied from ``config/pipeline.toml``, ``[sources]``);
* ``data/sample/NAME/``: the sample data, written by the new ``make_sample``;
* ``tests/pipelines/test_NAME.py``: stage, schema and parameter tests and a run
  end to end with ``--config config/NAME.toml``;
* ``reports/NAME.qmd``: a report on the outputs of that run.

The file templates are plain text in ``rapkit/templates/pipeline/``, filled with
:class:`string.Template` (``$name``, ``$package``...), so they are neither Jinja
nor code that runs. Nothing is ever overwritten: if any target exists, nothing
is written at all.
"""

from __future__ import annotations

import importlib
import json
import keyword
import re
import string
import tomllib
from datetime import date
from importlib import resources
from pathlib import Path

from .errors import ConfigError
from .io import write_frames_atomically
from .project import load_pipeline

NAME_PATTERN = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
SEED = 2021  # the seed of every bundled sample (see the sample-data command)

# Template file -> where it goes, relative to the project root.
TARGETS = {
    "__init__.py.tmpl": "src/{package}/pipelines/{name}/__init__.py",
    "stages.py.tmpl": "src/{package}/pipelines/{name}/stages.py",
    "schemas.py.tmpl": "src/{package}/pipelines/{name}/schemas.py",
    "pipeline.py.tmpl": "src/{package}/pipelines/{name}/pipeline.py",
    "sample.py.tmpl": "src/{package}/pipelines/{name}/sample.py",
    "config.toml.tmpl": "config/{name}.toml",
    "test.py.tmpl": "tests/pipelines/test_{name}.py",
    "report.qmd.tmpl": "reports/{name}.qmd",
}


def check_name(name: str, existing: set[str]) -> None:
    """Refuse a name that cannot be a pipeline: it becomes a module, a file and a config value.

    Raises:
        ConfigError: explaining what is wrong with ``name``.
    """
    if not NAME_PATTERN.fullmatch(name):
        msg = (
            f"{name!r} is not a valid pipeline name: use lower snake case, a letter first, "
            "then letters, digits and single underscores (e.g. housing_need)."
        )
        raise ConfigError(msg)
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        msg = f"{name!r} is a Python keyword and cannot name a pipeline module: choose another."
        raise ConfigError(msg)
    if name in existing:
        msg = f"A pipeline called {name!r} already exists: choose another name."
        raise ConfigError(msg)


def existing_pipelines(pipelines_dir: Path) -> set[str]:
    """Return the names already taken in ``pipelines/`` (sub-packages and modules)."""
    return {
        path.stem
        for path in pipelines_dir.iterdir()
        if (path.is_dir() and not path.name.startswith((".", "_"))) or path.suffix == ".py"
    }


def render(name: str, package: str, root: Path) -> dict[Path, str]:
    """Return the text of every file to write, by absolute path."""
    title, organisation = _citation(root)
    values = {
        "name": name,
        "package": package,
        "title": name.replace("_", " ").capitalize(),
        "project_json": json.dumps(title),
        "organisation_json": json.dumps(organisation),
        "rap": _toml_lines(
            _table(root / "config" / "pipeline.toml", "rap", {"target_level": "baseline"})
        ),
        "release": _toml_lines(
            _table(root / "config" / "pipeline.toml", "release", {"producer": organisation})
            | {"title": f"{name.replace('_', ' ').capitalize()}: high records by area"}
        ),
    }
    folder = resources.files(__package__) / "templates" / "pipeline"
    return {
        root / target.format(package=package, name=name): string.Template(
            (folder / template).read_text(encoding="utf-8")
        ).substitute(values)
        for template, target in TARGETS.items()
    }


def new_pipeline(root: Path, package: str, name: str) -> list[Path]:
    """Write the pipeline ``name`` into the project at ``root``; return what was written.

    Raises:
        ConfigError: the name is not valid or taken, the project has no
            ``src/<package>/pipelines/``, or a file to write already exists.
    """
    pipelines_dir = root / "src" / package / "pipelines"
    if not pipelines_dir.is_dir():
        msg = f"{pipelines_dir} does not exist: run new-pipeline in a cookiecutter-rap project."
        raise ConfigError(msg)
    check_name(name, existing_pipelines(pipelines_dir))
    files = render(name, package, root)
    sample_dir = root / "data" / "sample" / name
    clashes = [path for path in files if path.exists()]
    if sample_dir.exists():
        clashes.append(sample_dir)
    if clashes:
        listed = "\n  ".join(str(path) for path in clashes)
        msg = f"Not writing pipeline {name!r}: these exist (nothing changed):\n  {listed}"
        raise ConfigError(msg)
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8", newline="\n") as handle:  # "x": never overwrite
            handle.write(text)
    importlib.invalidate_caches()  # let the import system see the new package
    module = load_pipeline(package, name)
    written = write_frames_atomically(module.make_sample(module.sample_rows, SEED), sample_dir)
    return [*files, *written.values()]


def _table(path: Path, key: str, default: dict[str, object]) -> dict[str, object]:
    """Return the ``[key]`` table of the TOML file at ``path``, or ``default`` without one."""
    if not path.is_file():
        return dict(default)
    try:
        found = tomllib.loads(path.read_text(encoding="utf-8")).get(key, default)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        msg = f"{path} is not valid UTF-8 TOML: {exc}"
        raise ConfigError(msg) from exc
    return dict(found) if isinstance(found, dict) else dict(default)


def _toml_lines(table: dict[str, object]) -> str:
    """Return the simple values of ``table`` as ``key = value`` TOML lines."""
    lines = []
    for key, value in table.items():
        if isinstance(value, bool):
            lines.append(f"{key} = {str(value).lower()}")
        elif isinstance(value, int | float | str):
            lines.append(f"{key} = {json.dumps(value)}")  # a JSON string is a TOML string
        elif isinstance(value, date):
            lines.append(f"{key} = {value.isoformat()}")
    return "\n".join(lines)


def _citation(root: Path) -> tuple[str, str]:
    """Return the project's title and first author from ``CITATION.cff``, for the report."""
    path = root / "CITATION.cff"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    title = re.search(r'^title:\s*"?(.*?)"?\s*$', text, re.MULTILINE)
    author = re.search(r'^\s*-\s*name:\s*"?(.*?)"?\s*$', text, re.MULTILINE)
    return (title.group(1) if title else root.name, author.group(1) if author else "")
