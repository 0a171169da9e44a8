"""The starter catalogue in cookiecutter.json is the one list of starters.

The post-generation hook removes the starters not chosen using ``_starters`` and
``_starter_files``; these tests hold the template's files, the pipelines' imports and
the documentation to the same list, so adding a starter means adding it there.
"""

from __future__ import annotations

import ast
import fnmatch
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from cookiecutter.main import cookiecutter

from .conftest import CHOICES, CONTEXT, TEMPLATE

CATALOGUE: dict[str, dict[str, Any]] = CONTEXT["_starters"]
FILES: list[str] = CONTEXT["_starter_files"]
PROJECT_TEMPLATE = TEMPLATE / "{{cookiecutter.project}}"
PIPELINES = PROJECT_TEMPLATE / "src" / "{{cookiecutter.package}}" / "pipelines"
LIBRARY = PROJECT_TEMPLATE / "packages" / "rapkit"
DOCS = TEMPLATE / "docs"
# A row of the table in docs/starters/index.qmd: link, starter name, ..., importers.
ROW = re.compile(
    r"^\| \[(?P<label>[^\]]+)\]\((?P<page>[\w-]+)\.qmd\) \(`(?P<name>\w+)`\) \|.*\| (?P<importers>[^|]+) \|$"
)


def test_catalogue_matches_the_starter_question() -> None:
    assert list(CATALOGUE) == CHOICES["starter"]
    assert [k for k in CONTEXT["__prompts__"]["starter"] if k != "__prompt__"] == CHOICES["starter"]
    pipelines = [spec["pipeline"] for spec in CATALOGUE.values()]
    assert len(set(pipelines)) == len(pipelines), "two starters share a pipeline folder"
    assert all(set(spec) == {"label", "pipeline", "docs_page", "importers"} for spec in CATALOGUE.values())


@pytest.mark.parametrize("starter", list(CATALOGUE))
def test_every_file_the_catalogue_names_exists(starter: str) -> None:
    spec = CATALOGUE[starter]
    missing = [
        pattern
        for pattern in FILES
        if not (
            PROJECT_TEMPLATE / pattern.format(package="{{cookiecutter.package}}", pipeline=spec["pipeline"])
        ).exists()
    ]
    assert missing == [], f"starter {starter!r} lacks {missing}"
    assert (PIPELINES / spec["pipeline"] / "__init__.py").is_file()
    assert (DOCS / "starters" / f"{spec['docs_page']}.qmd").is_file()


def test_every_pipeline_folder_belongs_to_a_starter() -> None:
    folders = {p.name for p in PIPELINES.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == {spec["pipeline"] for spec in CATALOGUE.values()}


def importers_used(folder: Path) -> set[str]:
    """The ``rapkit.importers`` modules that the Python files in ``folder`` import."""
    found: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.ImportFrom) and node.module == "rapkit.importers":
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rapkit.importers."):
                found.add(node.module.split(".")[2])  # type: ignore[union-attr]
            elif isinstance(node, ast.Import):
                found |= {a.name.split(".")[2] for a in node.names if a.name.startswith("rapkit.importers.")}
    return found


@pytest.mark.parametrize("starter", list(CATALOGUE))
def test_catalogue_lists_the_importers_each_pipeline_imports(starter: str) -> None:
    spec = CATALOGUE[starter]
    assert importers_used(PIPELINES / spec["pipeline"]) == set(spec["importers"])
    assert spec["importers"] == sorted(spec["importers"])
    for name in spec["importers"]:
        assert (LIBRARY / "src" / "rapkit" / "importers" / f"{name}.py").is_file()


def test_starter_catalogue_page_lists_exactly_the_catalogue() -> None:
    text = (DOCS / "starters" / "index.qmd").read_text(encoding="utf-8")
    rows = [match.groupdict() for line in text.splitlines() if (match := ROW.match(line))]
    assert len(rows) == len([line for line in text.splitlines() if line.startswith("| [")])
    documented = {
        row["name"]: {
            "label": row["label"],
            "pipeline": CATALOGUE.get(row["name"], {}).get("pipeline"),
            "docs_page": row["page"],
            "importers": re.findall(r"`(\w+)`", row["importers"]),
        }
        for row in rows
    }
    assert [row["name"] for row in rows] == list(CATALOGUE)
    assert documented == CATALOGUE


def test_options_page_lists_exactly_the_starters() -> None:
    text = (DOCS / "options.qmd").read_text(encoding="utf-8")
    entry = re.search(r"^`starter` \[`(\w+)`\]\n: (.*?)\n\n", text, re.MULTILINE | re.DOTALL)
    assert entry is not None, "options.qmd has no `starter` entry"
    assert entry.group(1) == CHOICES["starter"][0], "the default shown is not cookiecutter's default"
    before_links = entry.group(2).split(";")[0]
    assert re.findall(r"`(\w+)`", before_links) == CHOICES["starter"]


# --- The library is copied, never rendered ---


@pytest.mark.parametrize(
    ("path", "copied"),
    [
        ("packages/rapkit", True),
        ("packages/rapkit/src/rapkit/report.html.j2", True),
        ("packages/rapkit/src/rapkit/importers/census.py", True),
        ("packages", False),
        ("src/{{cookiecutter.package}}/__init__.py", False),
        ("pyproject.toml", False),
    ],
)
def test_copy_without_render_covers_the_library(path: str, copied: bool) -> None:
    # Cookiecutter matches these patterns with fnmatch against paths relative to the
    # project template folder, first for each folder, then for each file.
    assert any(fnmatch.fnmatch(path, pattern) for pattern in CONTEXT["_copy_without_render"]) is copied


def files(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (no caches) with its bytes, by relative path."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_generated_library_is_the_template_library_byte_for_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = tmp_path / "template"
    caches = shutil.ignore_patterns("__pycache__", "*_cache", ".venv")
    for part in ("hooks", "{{cookiecutter.project}}"):
        shutil.copytree(TEMPLATE / part, template / part, ignore=caches)
    shutil.copy2(TEMPLATE / "cookiecutter.json", template)
    # Text that Jinja would replace, or fail on, if the library were rendered.
    probe = template / "{{cookiecutter.project}}" / "packages" / "rapkit" / "src" / "rapkit" / "probe.py"
    probe.write_text(
        '"""{{ cookiecutter.package }} {% if missing %}x{% endif %} ${{ github.ref }}"""\n', encoding="utf-8"
    )
    monkeypatch.setenv("COOKIECUTTER_RAP_NO_LOCK", "1")
    project = Path(cookiecutter(str(template), no_input=True, output_dir=str(tmp_path / "out")))

    library = template / "{{cookiecutter.project}}" / "packages" / "rapkit"
    expected = {path: data for path, data in files(library).items() if not path.startswith("tests/")}
    assert "src/rapkit/probe.py" in expected
    assert files(project / "packages" / "rapkit") == expected
