"""The split between the analysis and the rapkit library holds in every generated project.

A project's ``src/<package>/`` holds only the analyst's pipelines; the framework is the
rapkit library, vendored in ``packages/rapkit`` and installed through a uv path source.
The analyst's own pages (README, docs, QA log, attestations) are theirs to rewrite: no
test of the project may depend on their wording.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from .conftest import CHOICES, TEMPLATE, generate, uv_in

LIBRARY = TEMPLATE / "{{cookiecutter.project}}" / "packages" / "rapkit"
DEFAULT_SRC_LIMIT = 1300  # lines of Python in the default starter's src/<package>/ (issue 10)


def python_lines(folder: Path) -> int:
    """Lines of Python under ``folder``."""
    return sum(len(p.read_text(encoding="utf-8").splitlines()) for p in folder.rglob("*.py"))


def private_rapkit_imports(folder: Path) -> list[str]:
    """Every import in ``folder`` of a private (underscore) rapkit module or name."""
    found = []
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "rapkit":
                modules = (node.module or "").split(".")
                names = [alias.name for alias in node.names]
                if any(part.startswith("_") for part in modules) or any(n.startswith("_") for n in names):
                    found.append(f"{path.name}: from {node.module} import {', '.join(names)}")
            elif isinstance(node, ast.Import):
                found += [
                    f"{path.name}: import {a.name}"
                    for a in node.names
                    if a.name.split(".")[0] == "rapkit" and any(p.startswith("_") for p in a.name.split("."))
                ]
    return found


@pytest.mark.parametrize("starter", CHOICES["starter"])
def test_src_holds_only_the_analysis(tmp_path: Path, starter: str) -> None:
    project = generate(tmp_path, starter=starter)
    package = project / "src" / "my_rap_project"
    assert sorted(p.name for p in package.iterdir()) == ["__init__.py", "__main__.py", "pipelines"]
    pipelines = [p.name for p in (package / "pipelines").iterdir() if p.is_dir()]
    assert len(pipelines) == 1, pipelines
    assert private_rapkit_imports(package) == []
    assert "rapkit" in (package / "__main__.py").read_text(encoding="utf-8")
    if starter == CHOICES["starter"][0]:
        assert python_lines(package) <= DEFAULT_SRC_LIMIT


def test_private_import_finder_finds_private_names(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        "from rapkit.runner import _run\nimport rapkit._x\nfrom rapkit import Stage\n"
    )
    assert private_rapkit_imports(tmp_path) == [
        "a.py: from rapkit.runner import _run",
        "a.py: import rapkit._x",
    ]


def test_project_depends_on_the_vendored_library(default_project: Path) -> None:
    pyproject = tomllib.loads((default_project / "pyproject.toml").read_text(encoding="utf-8"))
    assert any(re.match(r"rapkit\b", dep) for dep in pyproject["project"]["dependencies"])
    assert pyproject["tool"]["uv"]["sources"]["rapkit"] == {"path": "packages/rapkit"}
    assert pyproject["tool"]["rapkit"]["package"] == "my_rap_project"
    library = default_project / "packages" / "rapkit"
    meta = tomllib.loads((library / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["name"] == "rapkit"
    assert not (library / "tests").exists(), "the library's tests run in the template, not in projects"
    for path in LIBRARY.rglob("*"):
        relative = path.relative_to(LIBRARY)
        if path.is_file() and relative.parts[0] != "tests" and "__pycache__" not in relative.parts:
            copied = library / relative
            assert copied.read_bytes() == path.read_bytes(), f"{relative} differs from the template's"


# --- A locked default project, shared by the slower tests below -----------------------------


@pytest.fixture(scope="module")
def locked_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A default project with uv.lock, its environment synced once."""
    project = generate(tmp_path_factory.mktemp("locked"), lock=True)
    done = uv_in(project, "sync", "--locked", "--quiet")
    assert done.returncode == 0, done.stderr
    return project


def uv_run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a command in the project's own locked environment."""
    return uv_in(project, "run", "--locked", "--quiet", *args)


@pytest.mark.generated
def test_lock_records_the_vendored_library(locked_project: Path) -> None:
    lock = tomllib.loads((locked_project / "uv.lock").read_text(encoding="utf-8"))
    rapkit = next(p for p in lock["package"] if p["name"] == "rapkit")
    assert rapkit["source"] == {"directory": "packages/rapkit"}
    library = tomllib.loads((LIBRARY / "pyproject.toml").read_text(encoding="utf-8"))
    assert rapkit["version"] == library["project"]["version"]
    done = uv_run(locked_project, "python", "-c", "import rapkit; print(rapkit.__version__)")
    assert done.stdout.strip() == library["project"]["version"]


@pytest.mark.generated
@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--config", "config/pipeline.toml"],
        ["--config", "config/pipeline.toml", "run"],
        ["run", "--debug"],
    ],
    ids=["option-after", "option-before", "debug-after"],
)
def test_options_work_in_either_order(locked_project: Path, argv: list[str]) -> None:
    done = uv_run(locked_project, "python", "-m", "my_rap_project", *argv)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (locked_project / "outputs" / "manifest.json").is_file()


@pytest.mark.generated
def test_python_m_package_names_unknown_pipeline(locked_project: Path, tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    text = (locked_project / "config" / "pipeline.toml").read_text(encoding="utf-8")
    config.write_text(re.sub(r'(?m)^pipeline = ".*"$', 'pipeline = "nonesuch"', text), encoding="utf-8")
    done = uv_run(locked_project, "python", "-m", "my_rap_project", "run", "--config", str(config))
    assert done.returncode == 1
    assert "No pipeline called 'nonesuch'" in done.stderr
    assert "social_isolation" in done.stderr  # the pipelines that do exist are listed
    assert "Traceback" not in done.stderr


def junit_outcomes(junit: Path) -> dict[str, str]:
    """Outcome of every test case in a JUnit XML report: passed, failed, error or skipped."""
    outcomes = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        kinds = [child.tag for child in case if child.tag in {"failure", "error", "skipped"}]
        outcomes[name] = kinds[0] if kinds else "passed"
    return outcomes


def rewrite_analysts_pages(project: Path) -> None:
    """Rename every README heading and rewrite the records an analyst owns."""
    readme = project / "README.md"
    text = readme.read_text(encoding="utf-8")
    readme.write_text(re.sub(r"(?m)^(#+) (.+)$", r"\1 Renamed: \2 (edited)", text), encoding="utf-8")
    for page in ("qa_log.md", "assumptions.md", "peer_review.md", "manual_steps.md", "methodology.md"):
        (project / "docs" / page).write_text(f"# Our {page}\n\nRewritten by the team.\n", encoding="utf-8")
    (project / "rap-attestations.toml").write_text(
        '[B4]\nby = "A. Reviewer"\ndate = 2026-11-01\nevidence = "Reviewed in person"\n', encoding="utf-8"
    )


@pytest.mark.generated
def test_rewriting_the_analysts_pages_changes_no_test_result(locked_project: Path, tmp_path: Path) -> None:
    copy = tmp_path / "project"
    shutil.copytree(locked_project, copy, symlinks=True, ignore=shutil.ignore_patterns("outputs", ".venv"))
    before = tmp_path / "before.xml"
    after = tmp_path / "after.xml"
    first = uv_run(copy, "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={before}")
    assert first.returncode == 0, first.stdout[-3000:]
    rewrite_analysts_pages(copy)
    uv_run(copy, "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={after}")
    outcomes = junit_outcomes(before)
    assert len(outcomes) >= 20
    assert set(outcomes.values()) == {"passed"}
    assert junit_outcomes(after) == outcomes
