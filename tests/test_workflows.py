"""CI configuration of generated projects (and of the template itself) is valid, safe and real.

Each CI option's files are validated against the schemas vendored by check-jsonschema
(GitHub workflows, Dependabot, GitLab CI) and audited by zizmor offline; the workflows
must really call the project's nox sessions, run on a schedule and by hand, pin every
action to a full commit SHA and grant only the permissions each job needs.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import TEMPLATE, generate, which_or_skip

CI_FILES = {
    "github": [".github/workflows/ci.yml", ".github/dependabot.yml", ".github/pull_request_template.md"],
    "gitlab": [".gitlab-ci.yml", ".gitlab/merge_request_templates/Default.md"],
}
SCHEMAS = {
    ".github/workflows/ci.yml": "vendor.github-workflows",
    ".github/dependabot.yml": "vendor.dependabot",
    ".gitlab-ci.yml": "vendor.gitlab-ci",
}
PROVIDERS = {"github": ["github"], "gitlab": ["gitlab"], "both": ["github", "gitlab"], "none": []}
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"@[0-9a-f]{40} # v\d+(\.\d+)*$")


def load_yaml(path: Path) -> Any:
    """Parse a YAML file."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    """The ``on:`` table; PyYAML reads the bare key ``on`` as the boolean True."""
    return workflow.get("on", workflow.get(True))


def run_tool(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a command line tool and capture its output."""
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One project per CI option (not locked)."""
    return {ci: generate(tmp_path_factory.mktemp(f"ci-{ci}"), ci=ci) for ci in PROVIDERS}


@pytest.fixture(scope="module")
def workflow(projects: dict[str, Path]) -> dict[Any, Any]:
    """The generated GitHub Actions workflow."""
    return load_yaml(projects["github"] / ".github" / "workflows" / "ci.yml")


@pytest.fixture(scope="module")
def gitlab(projects: dict[str, Path]) -> dict[str, Any]:
    """The generated GitLab CI configuration."""
    return load_yaml(projects["gitlab"] / ".gitlab-ci.yml")


@pytest.mark.parametrize("ci", PROVIDERS)
def test_only_the_chosen_providers_files_are_generated(projects: dict[str, Path], ci: str) -> None:
    project = projects[ci]
    for provider, files in CI_FILES.items():
        for name in files:
            assert (project / name).is_file() == (provider in PROVIDERS[ci]), name
    assert (project / ".github").exists() == ("github" in PROVIDERS[ci])
    assert (project / ".gitlab").exists() == ("gitlab" in PROVIDERS[ci])


@pytest.mark.parametrize("ci", PROVIDERS)
def test_ci_files_match_their_schemas(projects: dict[str, Path], ci: str) -> None:
    tool = which_or_skip("check-jsonschema")
    project = projects[ci]
    checked = [name for name in SCHEMAS if (project / name).is_file()]
    assert len(checked) == {"github": 2, "gitlab": 1, "both": 3, "none": 0}[ci]
    for name in checked:
        done = run_tool(tool, "--builtin-schema", SCHEMAS[name], name, cwd=project)
        assert done.returncode == 0, f"{name}:\n{done.stdout}{done.stderr}"


@pytest.mark.parametrize("ci", PROVIDERS)
def test_zizmor_finds_nothing(projects: dict[str, Path], ci: str) -> None:
    """zizmor audits the workflows, Dependabot and pre-commit configuration, offline."""
    tool = which_or_skip("zizmor")
    done = run_tool(tool, "--offline", "--no-progress", ".", cwd=projects[ci])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings to report" in done.stdout
    audited = done.stderr
    assert ".pre-commit-config.yaml" in audited
    assert ("workflows/ci.yml" in audited) == ("github" in PROVIDERS[ci])


def test_workflow_triggers_include_schedule_and_manual_runs(workflow: dict[Any, Any]) -> None:
    on = triggers(workflow)
    assert {"push", "pull_request", "schedule", "workflow_dispatch"} <= set(on)
    cron = on["schedule"][0]["cron"].split()
    assert len(cron) == 5
    assert cron[2:4] == ["*", "*"], "the schedule should be weekly or more often"


def test_workflow_runs_every_nox_session(workflow: dict[Any, Any]) -> None:
    runs = {
        job_name: [step.get("run", "") for step in job["steps"]] for job_name, job in workflow["jobs"].items()
    }
    commands = [line.strip() for lines in runs.values() for run in lines for line in run.splitlines()]
    for expected in (
        "uvx nox -s lint",
        "uvx nox -s typecheck",
        'uvx nox -s tests --force-python "$PYTHON"',
        "uvx nox -s pipeline reproduce",
        "uvx nox -s report docs",
        "uvx nox -s rap",
    ):
        assert expected in commands, f"{expected!r} not run by the workflow"
    tests = workflow["jobs"]["tests"]
    assert tests["strategy"]["matrix"]["python"] == "${{ fromJSON(needs.pythons.outputs.versions) }}"
    assert tests["steps"][-1]["env"]["PYTHON"] == "${{ matrix.python }}"
    report_steps = [step.get("uses", "") for step in workflow["jobs"]["report"]["steps"]]
    assert any(uses.startswith("quarto-dev/quarto-actions/setup@") for uses in report_steps)
    cruft = next(step for step in workflow["jobs"]["lint"]["steps"] if "cruft check" in step.get("run", ""))
    assert cruft["continue-on-error"] is True


@pytest.mark.parametrize(
    ("floor", "expected"),
    [("3.11", ["3.11", "3.12", "3.13"]), ("3.12", ["3.12", "3.13"]), ("3.13", ["3.13"])],
)
def test_workflow_reads_the_python_floor_from_pyproject(
    tmp_path: Path, floor: str, expected: list[str]
) -> None:
    """Run the workflow's own step that turns requires-python into the test matrix."""
    project = generate(tmp_path, ci="github", python_version=floor)
    steps = load_yaml(project / ".github" / "workflows" / "ci.yml")["jobs"]["pythons"]["steps"]
    script = next(step["run"] for step in steps if step.get("id") == "versions")
    output = tmp_path / "github_output"
    env = {**os.environ, "GITHUB_OUTPUT": str(output)}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    done = subprocess.run(
        [which_or_skip("bash"), "-c", script],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert output.read_text(encoding="utf-8").strip() == "versions=" + str(expected).replace("'", '"')


def test_workflow_actions_are_pinned_to_commit_shas(
    projects: dict[str, Path], workflow: dict[Any, Any]
) -> None:
    uses = [step["uses"] for job in workflow["jobs"].values() for step in job["steps"] if "uses" in step]
    assert {use.split("@")[0] for use in uses} == {
        "actions/checkout",
        "actions/setup-python",
        "astral-sh/setup-uv",
        "quarto-dev/quarto-actions/setup",
        "actions/upload-pages-artifact",
        "actions/configure-pages",
        "actions/deploy-pages",
    }
    assert [use for use in uses if not PINNED.match(use)] == []
    lines = (projects["github"] / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8").splitlines()
    uses_lines = [line for line in lines if "uses:" in line]
    assert uses_lines
    assert [line for line in uses_lines if not VERSION_COMMENT.search(line)] == []


def test_workflow_grants_least_privilege(workflow: dict[Any, Any]) -> None:
    assert workflow["permissions"] == {}
    assert workflow["concurrency"]["cancel-in-progress"] is True
    for name, job in workflow["jobs"].items():
        expected = {"pages": "write", "id-token": "write"} if name == "pages" else {"contents": "read"}
        assert job["permissions"] == expected, name
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, name
    pages = workflow["jobs"]["pages"]
    assert "default_branch" in pages["if"]
    assert "pull_request" in pages["if"]
    assert set(pages["needs"]) == set(workflow["jobs"]) - {"pages", "pythons"}


def test_dependabot_updates_actions_and_uv_weekly_grouped(projects: dict[str, Path]) -> None:
    config = load_yaml(projects["github"] / ".github" / "dependabot.yml")
    ecosystems = {update["package-ecosystem"]: update for update in config["updates"]}
    assert set(ecosystems) == {"github-actions", "uv"}
    for update in ecosystems.values():
        assert update["schedule"]["interval"] == "weekly"
        assert update["groups"]


def test_gitlab_runs_every_nox_session_with_rules(gitlab: dict[str, Any]) -> None:
    scripts = [line for job in gitlab.values() if isinstance(job, dict) for line in job.get("script", [])]
    for expected in (
        "uvx nox -s lint",
        "uvx nox -s typecheck",
        "uvx nox -s tests --force-python $PYTHON",
        "uvx nox -s pipeline reproduce",
        "uvx nox -s report docs",
        "uvx nox -s rap",
        "uvx cruft check",
    ):
        assert expected in scripts, f"{expected!r} not run by .gitlab-ci.yml"
    sources = " ".join(rule["if"] for rule in gitlab["workflow"]["rules"])
    for source in ('"schedule"', '"web"', '"merge_request_event"', "$CI_COMMIT_BRANCH"):
        assert source in sources
    assert gitlab["default"]["interruptible"] is True
    assert gitlab["default"]["image"] == "python:$PYTHON_FLOOR"
    assert "pip install --quiet --upgrade uv" in gitlab["default"]["before_script"][0]
    assert gitlab["template-updates"]["allow_failure"] is True
    assert gitlab["pages"]["rules"] == [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]
    assert gitlab["pages"]["artifacts"]["paths"] == ["public"]
    assert gitlab["pages"]["stage"] == gitlab["stages"][-1]
    assert any("quarto-cli==" in line for line in gitlab["report"]["script"])


@pytest.mark.parametrize(("floor", "expected"), [("3.11", ["3.11", "3.12", "3.13"]), ("3.13", ["3.13"])])
def test_gitlab_tests_every_supported_python(tmp_path: Path, floor: str, expected: list[str]) -> None:
    config = load_yaml(generate(tmp_path, ci="gitlab", python_version=floor) / ".gitlab-ci.yml")
    assert config["variables"]["PYTHON_FLOOR"] == floor
    assert config["tests"]["parallel"]["matrix"] == [{"PYTHON": expected}]


def test_review_checklists_ask_for_peer_review(projects: dict[str, Path]) -> None:
    for name in (".github/pull_request_template.md", ".gitlab/merge_request_templates/Default.md"):
        text = (projects["both"] / name).read_text(encoding="utf-8")
        assert "## Reviewer checklist" in text
        assert text.count("- [ ]") >= 8


def test_template_repository_workflow_runs_nox_on_linux_and_windows() -> None:
    path = TEMPLATE / ".github" / "workflows" / "ci.yml"
    for tool, args in (
        ("check-jsonschema", ["--builtin-schema", "vendor.github-workflows", str(path)]),
        ("zizmor", ["--offline", "--no-progress", str(path)]),
    ):
        done = run_tool(which_or_skip(tool), *args, cwd=TEMPLATE)
        assert done.returncode == 0, done.stdout + done.stderr
    workflow = load_yaml(path)
    nox = workflow["jobs"]["nox"]
    assert nox["strategy"]["matrix"]["os"] == ["ubuntu-latest", "windows-latest"]
    assert [step["run"] for step in nox["steps"] if "run" in step] == ["uvx nox"]
    assert workflow["permissions"] == {}
    uses = [step["uses"] for job in workflow["jobs"].values() for step in job["steps"] if "uses" in step]
    assert [use for use in uses if not PINNED.match(use)] == []
