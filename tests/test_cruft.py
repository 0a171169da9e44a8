"""Projects made with cruft can be updated from newer template versions, keeping local work."""

from __future__ import annotations

import json
import shutil
import subprocess
import tomllib
from pathlib import Path

from .conftest import TEMPLATE, clean_env, git, uv_in, which_or_skip

IDENTITY = ["-c", "user.name=Template Tester", "-c", "user.email=tester@example.gov.uk"]


def stages_file(project: Path) -> Path:
    """The chosen pipeline's stages module (the file analysts edit most)."""
    pipeline = tomllib.loads((project / "config" / "pipeline.toml").read_text(encoding="utf-8"))["pipeline"]
    return project / "src" / "my_rap_project" / "pipelines" / pipeline / "stages.py"


def commit(folder: Path, message: str) -> str:
    """Commit everything in ``folder`` and return the commit's hash."""
    git(folder, "add", "--all")
    git(folder, *IDENTITY, "commit", "--quiet", "--no-verify", "-m", message)
    return git(folder, "rev-parse", "HEAD").strip()


def template_repository(tmp_path: Path) -> Path:
    """A git repository holding a copy of this template's working tree (version 1)."""
    repo = tmp_path / "template"
    shutil.copytree(
        TEMPLATE,
        repo,
        ignore=shutil.ignore_patterns(
            ".git", ".nox", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache"
        ),
    )
    git(repo, "init", "--quiet", "--initial-branch=main")
    commit(repo, "Template v1")
    return repo


def cruft(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run cruft without locking (the post-generation hook skips `uv lock`)."""
    return subprocess.run(
        [which_or_skip("cruft"), *args],
        cwd=cwd,
        env=clean_env(COOKIECUTTER_RAP_NO_LOCK="1"),
        capture_output=True,
        text=True,
        check=False,
    )


def create(repo: Path, out: Path) -> Path:
    """``cruft create`` a project from ``repo`` and commit its .cruft.json, as the README says."""
    done = cruft("create", "--no-input", "--output-dir", str(out), str(repo), cwd=out.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    project = out / "my-rap-project"
    assert git(project, "status", "--porcelain").strip() == "?? .cruft.json"
    commit(project, "Link the project to its template (cruft)")
    return project


def test_cruft_create_makes_a_linked_project(tmp_path: Path) -> None:
    repo = template_repository(tmp_path)
    project = create(repo, tmp_path / "out")
    state = json.loads((project / ".cruft.json").read_text(encoding="utf-8"))
    assert state["template"] == str(repo)
    assert state["commit"] == git(repo, "rev-parse", "HEAD").strip()
    assert state["context"]["cookiecutter"]["package"] == "my_rap_project"
    assert stages_file(project).is_file()
    checked = cruft("check", cwd=project)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_cruft_update_applies_template_changes_and_keeps_local_ones(tmp_path: Path) -> None:
    repo = template_repository(tmp_path)
    project = create(repo, tmp_path / "out")

    local_change = "\n\n# Local note: our own adjustment to the example stages.\n"
    with stages_file(project).open("a", encoding="utf-8") as stages:
        stages.write(local_change)
    commit(project, "Adjust a stage locally")

    template_change = "\n## Template v2\n\nA section added by a newer version of the template.\n"
    with (repo / "{{cookiecutter.project}}" / "CONTRIBUTING.md").open("a", encoding="utf-8") as doc:
        doc.write(template_change)
    v2 = commit(repo, "Template v2")

    outdated = cruft("check", cwd=project)
    assert outdated.returncode != 0, "cruft check should report the newer template"
    done = cruft("update", "--skip-apply-ask", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr

    assert (project / "CONTRIBUTING.md").read_text(encoding="utf-8").endswith(template_change)
    assert stages_file(project).read_text(encoding="utf-8").endswith(local_change)
    assert json.loads((project / ".cruft.json").read_text(encoding="utf-8"))["commit"] == v2
    assert sorted(git(project, "status", "--porcelain").splitlines()) == [
        " M .cruft.json",
        "M  CONTRIBUTING.md",
    ]
    assert not list(project.rglob("*.rej"))
    assert cruft("check", cwd=project).returncode == 0


def uv(project: Path, *args: str) -> str:
    """Run uv in a generated project's own environment and return its output."""
    done = uv_in(project, *args)
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout


def locked_rapkit(project: Path) -> str:
    """Lock the project and return the rapkit version uv.lock records for packages/rapkit."""
    uv(project, "lock", "--quiet")
    lock = tomllib.loads((project / "uv.lock").read_text(encoding="utf-8"))
    [rapkit] = [package for package in lock["package"] if package["name"] == "rapkit"]
    assert rapkit["source"] == {"directory": "packages/rapkit"}
    assert "version" in rapkit, "uv.lock records no rapkit version: give packages/rapkit a static version"
    return str(rapkit["version"])


def installed_rapkit(project: Path) -> str:
    """The rapkit version the project's synced environment imports, and its io functions."""
    script = "import rapkit, rapkit.io; print(rapkit.__version__, sorted(vars(rapkit.io)))"
    return uv(project, "run", "--no-dev", "--quiet", "python", "-c", script)


def changed_paths(project: Path) -> list[str]:
    """Every path git sees as changed, staged or not, including new files."""
    status = git(project, "status", "--porcelain", "--untracked-files=all")
    return sorted(line[3:] for line in status.splitlines())


def replace_once(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in ``path``."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not in {path} exactly once"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_cruft_update_of_the_library_changes_only_the_library(tmp_path: Path) -> None:
    repo = template_repository(tmp_path)
    project = create(repo, tmp_path / "out")
    library = "packages/rapkit"
    metadata = tomllib.loads((project / library / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "version" in metadata, f"{library}/pyproject.toml needs a static version, or uv.lock records none"
    old = metadata["version"]
    assert locked_rapkit(project) == old
    assert installed_rapkit(project).startswith(f"{old} ")

    local_change = "\n\n# Local note: our own adjustment to the stages.\n"
    with stages_file(project).open("a", encoding="utf-8") as stages:
        stages.write(local_change)
    commit(project, "Lock, and adjust a stage locally")

    # A new library release in the template: a new version and one new function.
    template_library = repo / "{{cookiecutter.project}}" / library
    new = "99.0.0"
    replace_once(template_library / "pyproject.toml", f'version = "{old}"', f'version = "{new}"')
    new_function = (
        '\n\ndef added_in_v99() -> str:\n    """A function new in this release."""\n    return "v99"\n'
    )
    with (template_library / "src" / "rapkit" / "io.py").open("a", encoding="utf-8") as io_module:
        io_module.write(new_function)
    commit(repo, f"rapkit {new}")

    done = cruft("update", "-y", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr

    assert changed_paths(project) == [
        ".cruft.json",
        f"{library}/pyproject.toml",
        f"{library}/src/rapkit/io.py",
    ]
    assert not list(project.rglob("*.rej"))
    assert (project / library / "src" / "rapkit" / "io.py").read_text(encoding="utf-8").endswith(new_function)
    assert stages_file(project).read_text(encoding="utf-8").endswith(local_change)
    assert not (project / library / "tests").exists(), "the library's tests stay in the template"
    assert locked_rapkit(project) == new
    assert "uv.lock" in changed_paths(project)
    installed = installed_rapkit(project)
    assert installed.startswith(f"{new} "), "uv sync kept the old library installed"
    assert "'added_in_v99'" in installed

    # A library change without a new version (a fix between releases) reaches the environment too.
    with (project / library / "src" / "rapkit" / "io.py").open("a", encoding="utf-8") as io_module:
        io_module.write('\n\ndef fixed_later() -> None:\n    """A change with no version bump."""\n')
    assert "'fixed_later'" in installed_rapkit(project), "uv sync did not rebuild the changed library"
