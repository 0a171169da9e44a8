"""Write one page per starter listing every Pandera schema of its pipeline, column by column.

The starters' schemas live in the template under a Jinja-named folder
(``{{cookiecutter.project}}/src/{{cookiecutter.package}}/pipelines/<name>/schemas.py``), so
quartodoc cannot import them. Their code holds no Jinja, though (only the folder names do),
so this script imports each starter as ``my_rap_project.pipelines.<name>`` (the default
package name) and writes ``schemas/<starter>.qmd`` with the data dictionary of every
``DataFrameModel`` the starter defines: each column's type, whether it may be null or must
be unique, its checks and its description, from Pandera's own view of the model
(``rapkit.reporting.data_dictionary``, as a generated project's data dictionary is written).

Run it from ``docs/`` with rapkit installed, before ``quarto render`` (``nox -s docs`` does):
``python _schema_pages.py``. The pages are built, not committed (``docs/schemas/``).
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
import tomllib
import types
from pathlib import Path

import pandera.polars as pa
from rapkit.reporting import data_dictionary

DOCS = Path(__file__).resolve().parent
PROJECT = DOCS.parent / "{{cookiecutter.project}}"
PIPELINES = PROJECT / "src" / "{{cookiecutter.package}}" / "pipelines"
PACKAGE = "my_rap_project"  # the default package name, as every example in these docs uses
OUT = DOCS / "schemas"


def starters() -> dict[str, str]:
    """Each starter's pipeline folder name, by the page it gets (``none`` is the example)."""
    return {
        name.replace("_", "-"): name
        for name in sorted(p.name for p in PIPELINES.iterdir() if (p / "schemas.py").is_file())
    }


def _import_pipelines() -> None:
    """Make ``my_rap_project.pipelines`` importable from the template's Jinja-named folder."""
    if f"{PACKAGE}.pipelines" in sys.modules:
        return
    package = types.ModuleType(PACKAGE)
    package.__path__ = []
    sys.modules[PACKAGE] = package
    spec = importlib.util.spec_from_file_location(
        f"{PACKAGE}.pipelines", PIPELINES / "__init__.py", submodule_search_locations=[str(PIPELINES)]
    )
    if spec is None or spec.loader is None:
        message = f"cannot import the starters' pipelines from {PIPELINES}"
        raise ImportError(message)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)


def models(pipeline: str) -> dict[str, type[pa.DataFrameModel]]:
    """Every Pandera model ``pipelines/<pipeline>/schemas.py`` defines, in the order it defines them."""
    _import_pipelines()
    module = importlib.import_module(f"{PACKAGE}.pipelines.{pipeline}.schemas")
    return {
        name: value
        for name, value in vars(module).items()
        if isinstance(value, type)
        and issubclass(value, pa.DataFrameModel)
        and value.__module__ == module.__name__
    }


def parameters(pipeline: str) -> dict[str, object]:
    """The ``[parameters]`` the starter ships with (``config/starters/<pipeline>.toml``).

    Only the release metadata of that file is Jinja (``{{ cookiecutter.x | tojson }}``,
    always a whole value), so those values are blanked before reading it as TOML.
    """
    text = (PROJECT / "config" / "starters" / f"{pipeline}.toml").read_text(encoding="utf-8")
    config = tomllib.loads(re.sub(r"\{\{.*?\}\}", '""', text))
    return dict(config.get("parameters", {}))


def published(pipeline: str) -> dict[str, str]:
    """The output file name each published model is written as, by model name."""
    _import_pipelines()
    build = importlib.import_module(f"{PACKAGE}.pipelines.{pipeline}").build
    schemas = build(parameters(pipeline)).output_schemas()
    return {model.__name__: name for name, model in schemas.items()}


def columns() -> dict[str, dict[str, list[str]]]:
    """Every column of every model, by model and page: what the pages must list (for the tests)."""
    return {
        page: {name: list(model.to_schema().columns) for name, model in models(pipeline).items()}
        for page, pipeline in starters().items()
    }


def page(pipeline: str) -> str:
    """The Markdown page of one starter's schemas."""
    outputs = published(pipeline)
    sections = []
    for name, model in models(pipeline).items():
        section = data_dictionary({name: model}).rstrip()
        if name in outputs:
            section += f" Published as `outputs/{outputs[name]}.csv`."
        sections.append(section)
    starter = "none" if pipeline == "example" else pipeline
    return (
        f"---\ntitle: 'Schemas of the `{pipeline}` pipeline'\n---\n\n"
        f"What each stage of the `{pipeline}` pipeline (`starter={starter}`) guarantees: every "
        f"Pandera model in `src/{PACKAGE}/pipelines/{pipeline}/schemas.py`, each column with its "
        "type, whether it may be null or must be unique, its checks and its description. A run "
        "validates every row of every stage's result against these models, so this page cannot "
        "drift from what the data are checked to be: it is generated from them by "
        "`docs/_schema_pages.py` (`nox -s docs`). A generated project writes the same table for "
        "its published outputs into `docs/data-dictionary.md`.\n\n" + "\n\n".join(sections) + "\n"
    )


def main() -> None:
    """Write ``schemas/<starter>.qmd`` for every starter."""
    OUT.mkdir(exist_ok=True)
    for slug, pipeline in starters().items():
        target = OUT / f"{slug}.qmd"
        target.write_text(page(pipeline), encoding="utf-8")
        print(f"wrote {target.relative_to(DOCS)}")


if __name__ == "__main__":
    main()
