"""The hooks: pre-generation rejects bad answers; post-generation keeps what was chosen."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from cookiecutter.environment import StrictEnvironment
from cookiecutter.exceptions import FailedHookException
from hypothesis import given, settings
from hypothesis import strategies as st

from . import reserved_names
from .conftest import CONTEXT, DEFAULTS, TEMPLATE, clean_env, generate, git
from .test_generated import run_nox

LONG = "x" * 300

BAD_ANSWERS = [
    ({"project": "My Project"}, "is not a valid folder/distribution name"),
    ({"project": "9lives"}, "is not a valid folder/distribution name"),
    ({"project": "double--hyphen"}, "is not a valid folder/distribution name"),
    ({"project": "a" * 65}, "project is 65 characters long"),
    ({"project_name": "A" * 201}, "project_name is 201 characters long"),
    ({"project_name": LONG}, "project_name is 300 characters long"),
    ({"package": "p" * 65}, "package is 65 characters long"),
    ({"package": "my-package"}, "is not a valid Python import name"),
    ({"package": "Café"}, "is not a valid Python import name"),
    ({"package": "class"}, "is a Python keyword"),
    ({"package": "match"}, "is a Python keyword"),
    ({"package": "statistics"}, "would shadow the standard library"),
    ({"package": "logging"}, "would shadow the standard library"),
    # Any import name of the locked environment, not only the direct dependencies.
    *(
        ({"package": name}, "would shadow a module of the same name")
        for name in ("polars", "pandera", "jinja2", "packaging", "attr", "dateutil", "typing_extensions")
    ),
    ({"package": "test"}, "would shadow a module of the same name"),
    ({"package": "conftest"}, "would shadow a module of the same name"),
    # Names the generated .gitignore ignores: the code would never be committed.
    *(
        ({"package": name}, "is a name the project's .gitignore ignores")
        for name in ("logs", "build", "dist")
    ),
    ({"package": "credentials_store"}, "is a name the project's .gitignore ignores"),
    ({"project": "logs"}, "is a name the project's .gitignore ignores"),
    ({"project": "htmlcov"}, "is a name the project's .gitignore ignores"),
    ({"project_name": "Build"}, "is a name the project's .gitignore ignores"),
    ({"author_email": "not-an-email"}, "is not an email address"),
    ({"author_email": "a@b"}, "is not an email address"),
    ({"author_email": "x y@example.org"}, "is not an email address"),
    ({"author_email": "back\\slash@example.org"}, "is not an email address"),
    ({"author_email": "analyst@example.gov.uk\n"}, "is not an email address"),
    ({"author_email": " analyst@example.gov.uk"}, "is not an email address"),
    ({"author_email": "siân@example.gov.uk"}, "is not an email address"),
    ({"author_email": "analyst@exämple.gov.uk"}, "is not an email address"),
    ({"author_email": 'a"b@example.org'}, "is not an email address"),
    ({"author_name": "A. N.\nAnalyst"}, "author_name contains control characters"),
    ({"author_name": "A. N. Analyst\n"}, "author_name contains control characters"),
    ({"author_name": "Tab\tName"}, "author_name contains control characters"),
    ({"author_name": " "}, "author_name is empty"),
    ({"project_name": "Two\nLines"}, "project_name contains control characters"),
    ({"project_name": "Bell\x07"}, "project_name contains control characters"),
    ({"description": "One\nTwo"}, "description contains control characters"),
    ({"organisation": "Team\r"}, "organisation contains control characters"),
    ({"project_name": "Line\u2028separator"}, "project_name contains control characters"),
    ({"project_name": "   "}, "project_name is empty"),
]


@pytest.mark.parametrize(("answers", "message"), BAD_ANSWERS, ids=[repr(a)[:60] for a, _ in BAD_ANSWERS])
def test_bad_answer_is_rejected_with_message(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], answers: dict[str, str], message: str
) -> None:
    with pytest.raises(FailedHookException):
        generate(tmp_path, **answers)
    err = capfd.readouterr().err
    assert "cannot generate the project" in err
    assert message in err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == [], "nothing may be left behind"


def test_every_problem_is_reported_at_once(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(FailedHookException):
        generate(tmp_path, package="json", author_email="nobody")
    err = capfd.readouterr().err
    assert "would shadow the standard library" in err
    assert "is not an email address" in err


def test_derived_names_follow_project_name(tmp_path: Path) -> None:
    folder = generate(tmp_path, project_name="Green Space Access 2026")
    assert folder.name == "green-space-access-2026"
    assert (folder / "src" / "green_space_access_2026").is_dir()


def test_a_long_project_name_gives_a_folder_name_of_at_most_64_characters(tmp_path: Path) -> None:
    name = "Access to green space " * 9  # 198 characters, accepted as a title
    folder = generate(tmp_path, project_name=name.strip())
    assert len(folder.name) <= pre_gen.MAX_NAME
    assert folder.name.startswith("access-to-green-space-access")
    assert not folder.name.endswith("-")
    assert (folder / "src" / folder.name.replace("-", "_") / "__init__.py").is_file()


# A folder name longer than file systems allow: cookiecutter creates the folder before any
# hook runs, so the template's Jinja filter (local_extensions.py) refuses it while rendering.
TOO_LONG_FOR_A_FOLDER = ["a" * 300, "é" * 130]  # 300 bytes; 130 characters but 260 bytes


@pytest.mark.parametrize("project", TOO_LONG_FOR_A_FOLDER, ids=["300-ascii", "260-bytes"])
def test_a_project_too_long_for_a_folder_is_refused_before_anything_is_written(
    tmp_path: Path, project: str
) -> None:
    with pytest.raises(FailedHookException, match=f"project is {len(project)} characters long"):
        generate(tmp_path, project=project)
    assert list(tmp_path.iterdir()) == [], "nothing may be left behind"


def test_the_command_line_refuses_a_too_long_project_with_a_message_not_a_traceback(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cookiecutter", "--no-input", str(TEMPLATE), f"project={'a' * 300}"],
        cwd=tmp_path,
        env=clean_env(COOKIECUTTER_RAP_NO_LOCK="1", HOME=str(tmp_path / "home")),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "cannot generate the project" in output
    assert "project is 300 characters long: keep it to 64 or fewer" in output
    assert "Traceback" not in output
    assert [path for path in tmp_path.iterdir() if path.name != "home"] == [], "no project folder"


# --- The pre-generation hook's checks, called directly ---


def check(**overrides: str) -> list[str]:
    """The pre-generation hook's problems with the default answers, changed by ``overrides``."""
    answers = {**{k: v for k, v in CONTEXT.items() if isinstance(v, str)}, **DEFAULTS}
    answers |= {"project": "my-rap-project", "package": "my_rap_project", **overrides}
    return pre_gen.problems(answers)


def test_the_default_answers_are_accepted() -> None:
    assert check() == []


@pytest.mark.parametrize(
    "answers",
    [
        {"author_name": "Siân O'Neil-Ørsted 王"},  # non-ASCII names are fine (UTF-8 everywhere)
        {"author_name": "Mehr\u200cdad"},  # a zero-width non-joiner belongs in some names
        {"project_name": 'Say """hello""" to O\'Neil \\o/'},
        {"author_email": "first.last+rap@sub-domain.example.gov.uk"},
        {"package": "logs_analysis", "project": "logs-analysis"},  # only the exact name is ignored
        {"package": "p" * 64, "project": "p" * 64},
        {"package": "jinja2_reports"},
    ],
    ids=repr,
)
def test_unusual_but_valid_answers_are_accepted(answers: dict[str, str]) -> None:
    assert check(**answers) == []


def test_reserved_names_are_lower_case_import_names() -> None:
    assert pre_gen.RESERVED
    assert all(name.isidentifier() and name == name.lower() for name in pre_gen.RESERVED)
    # The direct dependencies and a few of their own dependencies.
    assert {
        "polars",
        "pandera",
        "pydantic",
        "numpy",
        "rapkit",
        "jinja2",
        "packaging",
        "yaml",
    } <= pre_gen.RESERVED


GITIGNORE = TEMPLATE / "{{cookiecutter.project}}" / ".gitignore"


def test_the_hook_knows_the_generated_gitignore() -> None:
    """``IGNORED_ANYWHERE`` is exactly the unanchored patterns of the generated .gitignore."""
    text = GITIGNORE.read_text(encoding="utf-8")
    assert list(pre_gen.IGNORED_ANYWHERE) == pre_gen.gitignore_patterns(text)


def candidate_names() -> list[str]:
    """Names to compare the hook's verdict with git's: every word of the .gitignore, and more."""
    words = re.findall(r"[a-z][a-z0-9_]*", GITIGNORE.read_text(encoding="utf-8").lower())
    return sorted({*words, "logs", "build", "dist", "credentials", "credentials_x", "my_rap", "src", "rap"})


def test_ignored_names_agree_with_git_check_ignore(tmp_path: Path) -> None:
    shutil.copyfile(GITIGNORE, tmp_path / ".gitignore")
    git(tmp_path, "init", "--quiet")
    names = candidate_names()
    paths = [f"src/{name}/__init__.py" for name in names]
    done = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin"],
        cwd=tmp_path,
        input="\n".join(paths),
        capture_output=True,
        text=True,
        check=False,
    )
    ignored_by_git = set(done.stdout.split())
    for name in names:
        by_git = f"src/{name}/__init__.py" in ignored_by_git
        assert pre_gen.ignored_name(name, pre_gen.IGNORED_ANYWHERE) is by_git, name
    assert {"logs", "build", "dist", "credentials_x", "htmlcov"} <= {
        name for name in names if pre_gen.ignored_name(name, pre_gen.IGNORED_ANYWHERE)
    }


@pytest.mark.generated
def test_shipped_reserved_names_match_a_locked_project(tmp_path: Path) -> None:
    """The hook's RESERVED block is what tests/reserved_names.py derives from a fresh lock.

    Fails after a dependency change or a lock refresh: then run
    ``python -m tests.reserved_names PATH/TO/LOCKED/PROJECT`` and commit the hook.
    """
    project = generate(tmp_path, lock=True)
    assert (project / "uv.lock").is_file()
    source = (HOOKS / "pre_gen_project.py").read_text(encoding="utf-8")
    derived = reserved_names.block(reserved_names.reserved_from(project))
    assert reserved_names.shipped_block(source) == derived, (
        f"hooks/pre_gen_project.py's reserved names are out of date: run "
        f"`python -m tests.reserved_names {project}` and commit the change"
    )


# Edge answers the hook accepts must still give a project uv can lock.
LOCKABLE_EDGES = [
    {"author_name": "Siân O'Neil-Ørsted \\ 王", "project_name": 'Say "hi" \\ to Ørsted'},
    {"project_name": "Access to green space " * 9, "author_email": "first.last+rap@sub.example.gov.uk"},
    {"package": "jinja2_reports", "project": "p" * 64},
]


@pytest.mark.generated
@pytest.mark.parametrize("answers", LOCKABLE_EDGES, ids=["quotes-and-unicode", "long-title", "long-slug"])
def test_accepted_edge_answers_give_a_project_uv_can_lock(tmp_path: Path, answers: dict[str, str]) -> None:
    project = generate(tmp_path, lock=False, **{k: v.strip() for k, v in answers.items()})
    done = subprocess.run(
        ["uv", "lock", "--quiet"], cwd=project, env=clean_env(), capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert (project / "uv.lock").is_file()
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["authors"][0]["email"] == answers.get("author_email", DEFAULTS_EMAIL)
    citation = yaml.safe_load((project / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["title"] == answers.get("project_name", CONTEXT["project_name"]).strip()


DEFAULTS_EMAIL = CONTEXT["author_email"]


# --- The post-generation hook, step by step, on copies of the template (no cookiecutter run) ---

HOOKS = TEMPLATE / "hooks"
PROJECT_TEMPLATE = TEMPLATE / "{{cookiecutter.project}}"
# The package folder keeps its unrendered name in a copy of the template.
TEMPLATE_PACKAGE = "{{cookiecutter.package}}"


def load_module(path: Path) -> ModuleType:
    """Import a Python file as a module without putting its folder on sys.path."""
    spec = importlib.util.spec_from_file_location(f"hook_{path.stem}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_hook(name: str) -> ModuleType:
    """Import a hook file as a module: unrendered, it is plain Python."""
    return load_module(HOOKS / f"{name}.py")


post_gen = load_hook("post_gen_project")
pre_gen = load_hook("pre_gen_project")


def answers_for(**overrides: str) -> dict[str, Any]:
    """The answers the hook receives for a copy of the template, defaults otherwise."""
    return {
        **{
            key: value for key, value in CONTEXT.items() if isinstance(value, str) and not key.startswith("_")
        },
        **DEFAULTS,
        "project": "my-rap-project",
        "package": TEMPLATE_PACKAGE,
        "_starters": CONTEXT["_starters"],
        "_starter_files": CONTEXT["_starter_files"],
        **overrides,
    }


@pytest.fixture
def template_copy(tmp_path: Path) -> Path:
    """A copy of the project template's files, as cookiecutter would write them before the hook."""
    root = tmp_path / "project"
    shutil.copytree(PROJECT_TEMPLATE, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def tree(root: Path) -> set[str]:
    """Every file under ``root``, as paths relative to it."""
    return {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()}


def files_of(root: Path, pipeline: str) -> set[str]:
    """The files the catalogue says belong to ``pipeline`` (folders expanded)."""
    found = set()
    for path in post_gen.starter_paths(root, answers_for(), pipeline):
        assert path.exists(), f"{path.relative_to(root)} is in the catalogue but not in the template"
        relative = path.relative_to(root).as_posix()
        found |= {relative} if path.is_file() else {f"{relative}/{name}" for name in tree(path)}
    return found


@pytest.mark.parametrize("starter", list(CONTEXT["_starters"]))
def test_keep_chosen_starter_removes_exactly_the_other_starters_files(
    template_copy: Path, starter: str
) -> None:
    catalogue = CONTEXT["_starters"]
    pipeline = catalogue[starter]["pipeline"]
    others = {spec["pipeline"] for spec in catalogue.values()} - {pipeline}
    before = tree(template_copy)
    config = (template_copy / "config" / "starters" / f"{pipeline}.toml").read_bytes()
    hashes = (template_copy / "tests" / "backtest" / "expected" / f"{pipeline}.json").read_bytes()
    removed = set().union(*(files_of(template_copy, other) for other in others))

    assert post_gen.keep_chosen_starter(template_copy, answers_for(starter=starter)) == pipeline

    after = tree(template_copy)
    moved = {f"config/starters/{pipeline}.toml", f"tests/backtest/expected/{pipeline}.json"}
    assert before - after == removed | moved
    assert after - before == {"config/pipeline.toml", "tests/backtest/expected_hashes.json"}
    assert (template_copy / "config" / "pipeline.toml").read_bytes() == config
    assert (template_copy / "tests" / "backtest" / "expected_hashes.json").read_bytes() == hashes
    assert not (template_copy / "config" / "starters").exists()
    assert not (template_copy / "tests" / "backtest" / "expected").exists()
    # The catalogue is complete: no file named after another starter survives
    # (outside the library, whose importers are shared by every starter).
    names = {name for other in others for name in (other, f"test_{other}")}
    leftovers = [
        path
        for path in after
        if not path.startswith("packages/") and {Path(p).stem for p in Path(path).parts} & names
    ]
    assert leftovers == []


def test_keep_chosen_starter_keeps_a_file_the_catalogue_does_not_know(template_copy: Path) -> None:
    stray = template_copy / "config" / "starters" / "unlisted.toml"
    stray.write_text("pipeline = 'unlisted'\n", encoding="utf-8")
    post_gen.keep_chosen_starter(template_copy, answers_for())
    assert stray.is_file(), "a file outside the catalogue must stay visible, not vanish with its folder"


@pytest.mark.parametrize(
    ("ci", "github", "gitlab"),
    [("github", True, False), ("gitlab", False, True), ("both", True, True), ("none", False, False)],
)
def test_keep_chosen_ci(template_copy: Path, ci: str, github: bool, gitlab: bool) -> None:
    assert sorted(CONTEXT["ci"]) == ["both", "github", "gitlab", "none"]
    post_gen.keep_chosen_ci(template_copy, answers_for(ci=ci))
    assert (template_copy / ".github").exists() is github
    assert (template_copy / ".github" / "workflows" / "ci.yml").is_file() is github
    assert (template_copy / ".github" / "dependabot.yml").is_file() is github
    assert (template_copy / ".gitlab-ci.yml").is_file() is gitlab
    assert (template_copy / ".gitlab").exists() is gitlab


@pytest.mark.parametrize("licence", CONTEXT["licence"])
def test_keep_chosen_licence(template_copy: Path, licence: str) -> None:
    text = (template_copy / "LICENSES" / f"{licence}.txt").read_text(encoding="utf-8")
    post_gen.keep_chosen_licence(template_copy, answers_for(licence=licence))
    assert (template_copy / "LICENSE").read_text(encoding="utf-8") == text
    assert sorted(p.name for p in (template_copy / "LICENSES").iterdir()) == ["OGL-UK-3.0.md"]


def test_drop_library_tests_keeps_the_library(template_copy: Path) -> None:
    library = template_copy / "packages" / "rapkit"
    assert (library / "tests").is_dir()
    post_gen.drop_library_tests(template_copy, answers_for())
    assert not (library / "tests").exists()
    assert (library / "src" / "rapkit" / "__init__.py").is_file()
    assert (library / "pyproject.toml").is_file()


def test_lock_dependencies_without_uv_prints_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("COOKIECUTTER_RAP_NO_LOCK", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert post_gen.lock_dependencies(tmp_path, answers_for()) is False
    assert "uv not found; run `uv lock` later" in capsys.readouterr().out
    assert not (tmp_path / "uv.lock").exists()


def test_lock_dependencies_reports_a_failed_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_uv = bin_dir / "uv"
    fake_uv.write_text("#!/bin/sh\necho 'index unreachable' >&2\nexit 2\n", encoding="utf-8")
    fake_uv.chmod(0o755)
    monkeypatch.delenv("COOKIECUTTER_RAP_NO_LOCK", raising=False)
    monkeypatch.setenv("PATH", str(bin_dir))
    assert post_gen.lock_dependencies(tmp_path, answers_for()) is False
    out = capsys.readouterr().out
    assert "`uv lock` failed" in out
    assert "index unreachable" in out


def test_lock_dependencies_can_be_switched_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COOKIECUTTER_RAP_NO_LOCK", "1")
    assert post_gen.lock_dependencies(tmp_path, answers_for()) is False
    assert capsys.readouterr().out == ""


def small_package(root: Path, version: str = "0.1.0") -> Path:
    """A folder with just the package's __init__.py, enough for git_commit and tag_first_release."""
    init = root / "src" / "pkg" / "__init__.py"
    init.parent.mkdir(parents=True)
    init.write_text(f'"""A package."""\n\n__version__ = "{version}"\n', encoding="utf-8")
    return root


@pytest.mark.usefixtures("no_git_identity")
def test_git_commit_and_tag_without_git_identity_use_the_answers(tmp_path: Path) -> None:
    root = small_package(tmp_path / "project")
    answers = answers_for(package="pkg", author_name="Siân O'Neil", author_email="sian@example.gov.uk")
    assert post_gen.git_commit(root, answers) is True
    assert post_gen.tag_first_release(root, answers) is True
    assert git(root, "log", "--format=%an <%ae>|%s").strip() == (
        "Siân O'Neil <sian@example.gov.uk>|Initial commit from cookiecutter-rap"
    )
    assert git(root, "tag", "--list").split() == ["v0.1.0"]
    assert git(root, "status", "--porcelain") == ""


def test_git_commit_without_git_prints_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = small_package(tmp_path / "project")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert post_gen.git_commit(root, answers_for(package="pkg")) is False
    assert post_gen.tag_first_release(root, answers_for(package="pkg")) is False
    assert "git not found" in capsys.readouterr().out
    assert not (root / ".git").exists()


def test_git_commit_failure_leaves_a_complete_project_and_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = small_package(tmp_path / "project")
    (root / ".git").write_text("not a repository\n", encoding="utf-8")  # git init cannot work here
    assert post_gen.git_commit(root, answers_for(package="pkg")) is False
    assert "the project is complete but not committed" in capsys.readouterr().out
    assert (root / "src" / "pkg" / "__init__.py").is_file()


def test_next_steps_name_the_folder_and_package() -> None:
    text = post_gen.next_steps(answers_for(project="green-space-rap", package="green_space_rap"))
    assert "cd green-space-rap" in text
    assert "uv run python -m green_space_rap run" in text


# --- Answers reach the hooks as JSON, whatever characters they contain ---


def render_hook(name: str, answers: dict[str, Any]) -> ModuleType:
    """Render a hook as cookiecutter does and import the result (not as __main__)."""
    source = (HOOKS / f"{name}.py").read_text(encoding="utf-8")
    rendered = StrictEnvironment(keep_trailing_newline=True).from_string(source).render(cookiecutter=answers)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}.py"
        path.write_text(rendered, encoding="utf-8")
        return load_module(path)


def test_the_post_generation_hook_has_one_rendered_line() -> None:
    source = (HOOKS / "post_gen_project.py").read_text(encoding="utf-8")
    assert [line for line in source.splitlines() if "{{" in line or "{%" in line] == [
        'ANSWERS_JSON = r"""{{ cookiecutter | tojson }}"""'
    ]


@settings(max_examples=60, deadline=None)
@given(text=st.text(), tail=st.sampled_from(["", "\\", '"', '"""', "\\\\", "'''", "\n"]))
def test_any_answer_survives_rendering_into_the_hooks(text: str, tail: str) -> None:
    answers = answers_for(project_name=text + tail, description=tail + text + tail, author_name=text)
    for name, variable in (("post_gen_project", "ANSWERS_JSON"), ("pre_gen_project", "ANSWERS")):
        assert json.loads(getattr(render_hook(name, answers), variable)) == answers


def test_quotes_and_backslashes_in_answers_generate_a_project(tmp_path: Path) -> None:
    name = 'Say """hello""" to O\'Neil'
    description = 'Counts "things" in C:\\data\\'
    project = generate(tmp_path, project_name=name, description=description)
    assert project.name == "say-hello-to-oneil"
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["description"] == description
    citation = yaml.safe_load((project / "CITATION.cff").read_text(encoding="utf-8"))
    assert (citation["title"], citation["abstract"]) == (name, description)
    assert (project / "README.md").read_text(encoding="utf-8").startswith(f"# {name}\n")
    assert (project / "config" / "pipeline.toml").is_file()


@pytest.mark.generated
def test_a_project_generated_without_a_lock_passes_nox_and_gets_its_lock(tmp_path: Path) -> None:
    """Without uv on PATH (or offline) the hook cannot lock; the first nox session does, with a note."""
    project = generate(tmp_path, lock=False)
    assert not (project / "uv.lock").exists()
    done = run_nox(project, "lint", "tests")
    assert done.returncode == 0, f"nox failed in {project}:\n{done.stdout[-6000:]}\n{done.stderr[-6000:]}"
    assert "Unable to find lockfile" not in done.stderr
    assert "uv.lock is missing; creating it with `uv lock`. Commit uv.lock." in done.stderr
    assert done.stderr.count("uv.lock is missing") == 1, "only the first session needs to lock"
    assert git(project, "status", "--porcelain") == "?? uv.lock\n"
