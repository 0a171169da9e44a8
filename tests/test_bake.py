"""Generate every value of every option and check the result."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from .conftest import CHOICES, DEFAULTS, generate, git

JINJA = re.compile(r"\{\{\s*cookiecutter|\{%-?\s|cookiecutter\.(project|package|starter)")
TEXT_SUFFIXES = {".py", ".toml", ".md", ".yml", ".yaml", ".cfg", ".cff", ".txt", ".qmd", ".json", ".csv"}

# Every (option, value) pair, each with the other options at their defaults.
OPTION_VALUES = [(option, value) for option, values in CHOICES.items() for value in values]

STARTER_PIPELINE = {
    "social_isolation": "social_isolation",
    "child_attainment": "child_attainment",
    "green_space": "green_space",
    "active_travel": "active_travel",
    "skills": "skills",
    "none": "example",
}


def text_files(folder: Path) -> list[Path]:
    """Every text file in a generated project, outside git's own folder."""
    return [
        path
        for path in folder.rglob("*")
        if path.is_file() and ".git" not in path.parts and path.suffix in TEXT_SUFFIXES
    ]


@pytest.mark.parametrize(("option", "value"), OPTION_VALUES, ids=[f"{o}={v}" for o, v in OPTION_VALUES])
def test_every_option_value_generates_a_clean_project(tmp_path: Path, option: str, value: str) -> None:
    if option == "starter" and value not in STARTER_PIPELINE:
        pytest.fail(f"starter {value!r} is offered in cookiecutter.json but not implemented")
    project = generate(tmp_path, **{option: value})
    answers = {**DEFAULTS, option: value}

    leftovers = [str(p) for p in text_files(project) if JINJA.search(p.read_text(encoding="utf-8"))]
    assert leftovers == [], f"unrendered Jinja in {leftovers}"
    for path in project.rglob("*.py"):
        ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = [p.name for p in project.rglob("*")]
    assert not [n for n in names if "{{" in n or "cookiecutter" in n]

    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["requires-python"] == f">={answers['python_version']}"
    assert pyproject["project"]["license"] == answers["licence"]
    licence_text = (project / "LICENSE").read_text(encoding="utf-8")
    assert {"MIT": "MIT License", "Apache-2.0": "Apache License", "BSD-3-Clause": "BSD 3-Clause"}[
        answers["licence"]
    ] in licence_text
    assert sorted(p.name for p in (project / "LICENSES").iterdir()) == ["OGL-UK-3.0.md"]

    config = tomllib.loads((project / "config" / "pipeline.toml").read_text(encoding="utf-8"))
    pipeline = STARTER_PIPELINE[answers["starter"]]
    assert config["pipeline"] == pipeline
    package = project / "src" / "my_rap_project"
    assert sorted(
        p.name for p in (package / "pipelines").iterdir() if p.is_dir() and p.name != "__pycache__"
    ) == [pipeline]
    assert sorted(p.name for p in (project / "data" / "sample").iterdir() if p.is_dir()) == [pipeline]
    for path in config["inputs"].values():
        assert (project / path).is_file(), f"configured input {path} is missing"
    assert (project / "tests" / "backtest" / "expected_hashes.json").is_file()
    assert not (project / "config" / "starters").exists()
    assert not (project / "tests" / "backtest" / "expected").exists()

    github = (project / ".github" / "workflows").is_dir()
    gitlab = (project / ".gitlab-ci.yml").is_file()
    assert (github, gitlab) == {
        "github": (True, False),
        "gitlab": (False, True),
        "both": (True, True),
        "none": (False, False),
    }[answers["ci"]]

    for path in [*project.rglob("*.yml"), *project.rglob("*.yaml"), project / "CITATION.cff"]:
        if ".git" not in path.parts:
            yaml.safe_load(path.read_text(encoding="utf-8"))


def test_generated_project_is_committed(default_project: Path) -> None:
    assert git(default_project, "log", "--format=%s").strip() == "Initial commit from cookiecutter-rap"
    assert git(default_project, "status", "--porcelain") == ""
    assert git(default_project, "branch", "--show-current").strip() == "main"


@pytest.mark.parametrize(
    ("project_name", "author_name", "project", "package"),
    [
        ("Ysgol Gymraeg", "Siân O'Neil", "ysgol-gymraeg", "ysgol_gymraeg"),
        (
            'Project "Alpha": children\'s services',
            'Zoë "Zed" D\'Arcy',
            "project-alpha-childrens-services",
            "project_alpha_childrens_services",
        ),
        ("Énergie & Santé 2025", "Łukasz Żółć", "energie-sante-2025", "energie_sante_2025"),
    ],
)
def test_odd_but_valid_names_work(
    tmp_path: Path, project_name: str, author_name: str, project: str, package: str
) -> None:
    folder = generate(tmp_path, project_name=project_name, author_name=author_name)
    assert folder.name == project
    assert (folder / "src" / package / "__init__.py").is_file()
    pyproject = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["authors"][0]["name"] == author_name
    assert pyproject["project"]["name"] == project
    citation = yaml.safe_load((folder / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["title"] == project_name
    assert citation["authors"][1]["name"] == author_name
    assert (folder / "README.md").read_text(encoding="utf-8").startswith(f"# {project_name}\n")
    for path in folder.rglob("*.py"):
        ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_generation_without_git_identity_still_commits(tmp_path: Path, no_git_identity: None) -> None:
    folder = generate(tmp_path, author_name="Siân O'Neil", author_email="sian@example.gov.uk")
    assert git(folder, "log", "--format=%an <%ae>").strip() == "Siân O'Neil <sian@example.gov.uk>"


def test_generation_without_git_succeeds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    python_only = tmp_path / "bin"
    python_only.mkdir()
    monkeypatch.setenv("PATH", str(python_only))
    folder = generate(tmp_path / "out")
    assert (folder / "pyproject.toml").is_file()
    assert not (folder / ".git").exists()
