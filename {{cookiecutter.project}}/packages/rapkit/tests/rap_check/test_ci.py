"""G2 and G3 read what CI does: the events that start each job and the commands it runs.

These run on tiny synthetic repositories (a README and a workflow file), so they
need no generated project.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rapkit.rap_check import Status
from rapkit.rap_check.ci import load_ci_jobs, runs_pipeline, runs_tests

from .helpers import PACKAGE, PUSH_TESTS, SCHEDULED_RUN, check, make_repo, write


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with a README and no CI yet."""
    return make_repo(tmp_path / "repo", {"README.md": "# A repository\n"})


def test_no_ci_fails_g2_and_g3_with_the_fix(repo: Path) -> None:
    for criterion, fix in (("G2", "ci=github"), ("G3", "cron")):
        outcome = check(repo, criterion)
        assert outcome.status is Status.FAIL
        assert "no CI configuration" in outcome.reason
        assert fix in outcome.fix


def test_tests_on_push_without_a_scheduled_run_fails_only_g3(repo: Path) -> None:
    write(repo, ".github/workflows/ci.yml", PUSH_TESTS)
    assert check(repo, "G2").status is Status.PASS
    assert check(repo, "G3").status is Status.FAIL


def test_a_schedule_without_cron_never_fires(repo: Path) -> None:
    write(repo, ".github/workflows/rap.yml", SCHEDULED_RUN.replace('- cron: "0 6 * * 1"', "[]"))
    assert check(repo, "G3").status is Status.FAIL


def test_lint_only_ci_does_not_run_the_tests(repo: Path) -> None:
    write(repo, ".github/workflows/ci.yml", PUSH_TESTS.replace("lint tests", "lint"))
    outcome = check(repo, "G2")
    assert outcome.status is Status.FAIL
    assert "no CI job runs the tests" in outcome.reason


def test_ci_criteria_pass_with_tests_on_push_and_a_scheduled_run(repo: Path) -> None:
    write(repo, ".github/workflows/ci.yml", PUSH_TESTS)
    write(repo, ".github/workflows/rap.yml", SCHEDULED_RUN)
    assert check(repo, "G2").status is Status.PASS
    assert check(repo, "G3").status is Status.PASS


def test_gitlab_schedule_rule_and_default_push_jobs(repo: Path) -> None:
    write(
        repo,
        ".gitlab-ci.yml",
        """\
        .uv:
          image: python:3.12
          before_script: [pip install uv nox]
        tests:
          extends: .uv
          script: [nox -s tests]
        rap:
          extends: .uv
          rules:
            - if: $CI_PIPELINE_SOURCE == "schedule"
          script:
            - nox -s rap
        """,
    )
    jobs, problems = load_ci_jobs(repo)
    assert problems == []
    by_name = {job.name: job for job in jobs}
    assert by_name["tests"].triggers == {"push", "merge_request"}
    assert by_name["rap"].triggers == {"schedule"}
    assert by_name["rap"].commands == ("pip install uv nox", "nox -s rap")
    assert check(repo, "G2").status is Status.PASS
    assert check(repo, "G3").status is Status.PASS


def test_gitlab_jobs_inherit_workflow_rules(repo: Path) -> None:
    write(
        repo,
        ".gitlab-ci.yml",
        """\
        workflow:
          rules:
            - if: $CI_PIPELINE_SOURCE == "merge_request_event"
            - if: $CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS
              when: never
            - if: $CI_PIPELINE_SOURCE == "schedule"
            - if: $CI_COMMIT_BRANCH
        default:
          before_script: [python -m pip install uv]
        pipeline:
          script: [uvx nox -s pipeline reproduce]
        """,
    )
    (job,) = load_ci_jobs(repo)[0]
    assert job.triggers == {"merge_request", "schedule", "push"}
    assert job.commands == ("python -m pip install uv", "uvx nox -s pipeline reproduce")
    outcome = check(repo, "G3")
    assert outcome.status is Status.PASS
    assert "set the schedule up in GitLab" in outcome.reason
    assert check(repo, "G2").status is Status.FAIL  # nothing runs the tests


def test_reusable_workflow_commands_count(repo: Path) -> None:
    write(
        repo,
        ".github/workflows/checks.yml",
        PUSH_TESTS.replace("on:\n  push:\n  pull_request:", "on: workflow_call"),
    )
    caller = "on: [push]\njobs:\n  call:\n    uses: ./.github/workflows/checks.yml\n"
    write(repo, ".github/workflows/ci.yml", caller)
    outcome = check(repo, "G2")
    assert outcome.status is Status.PASS
    assert "ci.yml" in outcome.reason


def test_invalid_ci_yaml_fails_with_the_file_name(repo: Path) -> None:
    write(repo, ".github/workflows/broken.yml", "on: [push\n")
    outcome = check(repo, "G2")
    assert outcome.status is Status.FAIL
    assert "broken.yml" in outcome.reason


@pytest.mark.parametrize(
    ("command", "tests", "pipeline"),
    [
        ("uv run pytest -q", True, False),
        ("uvx nox", True, True),  # the default sessions include tests and reproduce
        ("uvx nox -s lint typecheck", False, False),
        ("uvx nox -s tests --force-python 3.12", True, False),
        ("nox --session reproduce", False, True),
        (f"uv run python -m {PACKAGE} run --out x", False, True),
        (f"uv run python -m {PACKAGE} backtest", False, False),
        ("echo pytest-is-not-run", False, False),
        ("set -e\\\n  && uv run pytest", True, False),
    ],
)
def test_commands_are_classified(command: str, tests: bool, pipeline: bool) -> None:
    defaults = frozenset({"lint", "typecheck", "tests", "reproduce"})
    entry = frozenset({PACKAGE})
    assert runs_tests(command, defaults) is tests
    assert runs_pipeline(command, entry, defaults) is pipeline


@pytest.mark.parametrize(
    ("command", "counts"),
    [
        ("uvx nox -s tests", True),
        ("cd app; uvx nox -s tests  # comment", True),
        ("uvx nox -s tests && echo done", True),
        ("echo uvx nox -s tests", False),
        ("printf 'uvx nox -s tests'", False),
        ("uvx nox -s tests || true", False),
        ("uvx nox -s tests || exit 0", False),
        ("pytest -q | tee pytest.log", False),  # the pipe's last command decides
        ("set +e\nuvx nox -s tests", False),
        ("uv run pytest", True),
    ],
)
def test_only_commands_whose_failure_fails_ci_run_the_tests(command: str, counts: bool) -> None:
    assert runs_tests(command, frozenset()) is counts


@pytest.mark.parametrize(
    ("job", "why"),
    [
        ("    if: false\n", "if: False"),
        ("    if: ${{ false }}\n", "never runs"),
        ("    continue-on-error: true\n", "continue-on-error"),
    ],
)
def test_a_github_job_that_cannot_fail_is_not_counted(repo: Path, job: str, why: str) -> None:
    write(
        repo, ".github/workflows/ci.yml", PUSH_TESTS.replace("    runs-on:", job + "    runs-on:")
    )
    (found,), _ = load_ci_jobs(repo)
    assert why in found.disabled
    outcome = check(repo, "G2")
    assert outcome.status is Status.FAIL
    assert "not counted, as they cannot fail CI: tests:" in outcome.reason


def test_a_github_step_that_cannot_fail_is_not_counted(repo: Path) -> None:
    step = "      - run: uvx nox -s lint tests"
    for change in ("        if: false\n", "        continue-on-error: true\n"):
        write(repo, ".github/workflows/ci.yml", PUSH_TESTS.replace(step, step + "\n" + change))
        assert check(repo, "G2").status is Status.FAIL, change


GITLAB_TESTS = "tests:\n  script:\n    - uvx nox -s tests\n"


@pytest.mark.parametrize(
    "extra",
    [
        "  when: never\n",
        "  when: manual\n",
        "  allow_failure: true\n",
        "  allow_failure:\n    exit_codes: [1]\n",
        '  rules:\n    - if: $CI_PIPELINE_SOURCE == "no_such_source"\n',
        "  rules:\n    - when: never\n",
    ],
)
def test_a_gitlab_job_that_cannot_fail_or_never_runs_is_not_counted(repo: Path, extra: str) -> None:
    write(repo, ".gitlab-ci.yml", GITLAB_TESTS)
    assert check(repo, "G2").status is Status.PASS
    write(repo, ".gitlab-ci.yml", GITLAB_TESTS.replace("tests:\n", "tests:\n" + extra))
    assert check(repo, "G2").status is Status.FAIL
