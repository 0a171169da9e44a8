"""Tests of the RAP self-check on a whole project generated from the template.

Each criterion is tested on a private copy of a freshly generated default
project: the fresh copy must meet every criterion a machine can check, and
removing or breaking what a criterion is about must make exactly that criterion
fail, with its fix. The copy is made from the files git tracks, committed and
tagged like a newly generated project (see ``conftest.py``).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pandera.polars as pa
import polars as pl
import pytest

from rapkit.cli import main
from rapkit.config import load_config
from rapkit.rap_check import Level, Status, evaluate, summary
from rapkit.rap_check.criteria import BY_ID
from rapkit.rap_check.model import Result
from rapkit.rap_check.project import NESTED_ENV, PytestCounts, PytestRun, ToolResult
from rapkit.rap_check.report import render_table

from .helpers import (
    HUMAN,
    PACKAGE,
    PUSH_TESTS,
    SCHEDULED_RUN,
    VERSION,
    check,
    commit,
    git,
    make_project,
    replace_in,
    write,
)


def expected_fresh_failures(root: Path) -> set[str]:
    """Criteria a fresh copy must fail because it lacks CI or a lock file.

    The default project has GitHub Actions and is locked when generated.
    """
    has_ci = (root / ".gitlab-ci.yml").is_file() or any((root / ".github").glob("workflows/*.y*ml"))
    return (set() if has_ci else {"G2", "G3"}) | (set() if (root / "uv.lock").is_file() else {"S7"})


def copy_run(run_dir: Path, tmp_path: Path) -> Path:
    """Copy the pipeline run, so a test can damage it."""
    return Path(shutil.copytree(run_dir, tmp_path / "run"))


def package_dir(root: Path) -> Path:
    """Return the package folder in a project copy."""
    return root / "src" / PACKAGE


# --- the fresh project ----------------------------------------------------------------


def test_fresh_project_meets_every_machine_checkable_criterion(fresh: Path, run_dir: Path) -> None:
    assert expected_fresh_failures(fresh) == set()
    with make_project(fresh, run_dir) as project:
        report = evaluate(project, target=Level.GOLD)
    statuses = {r.criterion.id: r.status for r in report.results}
    failures = expected_fresh_failures(fresh)
    assert {c for c, s in statuses.items() if s is Status.PENDING} == HUMAN
    assert {c for c, s in statuses.items() if s is Status.UNCHECKED} == {"S6"}  # tests not run
    assert {c for c, s in statuses.items() if s is Status.FAIL} == failures
    others = set(statuses) - HUMAN - failures - {"S6"}
    assert all(statuses[c] is Status.PASS for c in others), report
    assert not failures
    assert report.level is None  # B4 and B5 (Baseline) wait for a person
    assert report.machine_level is Level.BASELINE  # S6 was not run here: unchecked is not met
    assert not report.meets_target


def test_path_argument_checks_that_project_with_its_configuration(
    fresh: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # not inside the project: PATH says which one
    assert main(["rap-check", str(fresh), "--no-run"]) == 1  # [rap] target_level = "gold"
    out = capsys.readouterr().out
    assert "S6   unchecked" in out
    assert "Target Gold: not met." in out
    assert main(["rap-check", str(fresh), "--no-run", "--target", "baseline"]) == 1
    assert "Target Baseline: not met." in capsys.readouterr().out  # B4, B5 pending
    command = ["rap-check", str(fresh), "--no-run", "--target", "baseline", "--accept-pending"]
    assert main(command) == 0
    out = capsys.readouterr().out
    assert "Target Baseline: met with pending attestations accepted (--accept-pending)." in out


@pytest.mark.slow  # runs the pipeline in a subprocess
def test_command_reports_level_and_writes_json(fresh: Path, tmp_path: Path) -> None:
    report_path = tmp_path / "report" / "rap.json"
    config = str(fresh / "config" / "pipeline.toml")
    status = main(["--config", config, "rap-check", "--no-tests", "--json", str(report_path)])
    document = json.loads(report_path.read_text(encoding="utf-8"))
    failures = expected_fresh_failures(fresh)
    assert status == 1  # below Baseline: B4 and B5 are pending
    assert document["level"] is None
    assert document["machine_level"] == "baseline"  # S6 unchecked (--no-tests) is not met
    assert document["target_level"] == "gold"
    assert sorted(document["pending"]) == sorted(HUMAN)
    assert document["unchecked"] == ["S6"]
    assert document["summary"].startswith("NHS RAP: ")
    by_id = {item["id"]: item for item in document["criteria"]}
    assert set(by_id) == set(BY_ID)
    assert by_id["S1"]["status"] == "pass", by_id["S1"]  # the pipeline really ran
    assert by_id["S8"]["status"] == "pass", by_id["S8"]
    assert {by_id[c]["status"] for c in failures} <= {"fail"}
    assert all(by_id[c]["fix"] for c in failures)


def test_no_run_without_earlier_outputs_is_unchecked(fresh: Path) -> None:
    outcome = check(fresh, "S1", fresh / "outputs")
    assert outcome.status is Status.UNCHECKED
    assert "drop --no-run" in outcome.fix


def test_no_run_warns_when_the_run_is_not_from_this_commit(fresh: Path, run_dir: Path) -> None:
    outcome = check(fresh, "S8", run_dir)
    assert outcome.status is Status.PASS
    assert any("not from the current git commit" in w for w in outcome.warnings)


def test_bad_target_level_is_a_clear_error(fresh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = fresh / "config" / "pipeline.toml"
    replace_in(config, 'target_level = "gold"', 'target_level = "platinum"')
    assert main(["--config", str(config), "rap-check", "--no-run"]) == 1
    assert "unknown RAP level 'platinum'" in capsys.readouterr().err


# --- each criterion fails when what it is about is missing or broken --------------------

Breaker = Callable[[Path], object]


def readme_without_run_instructions(root: Path) -> None:
    """Keep the words, drop every heading and code block."""
    prose = " ".join(["This analysis estimates things from published data."] * 40)
    write(root, "README.md", f"# Project\n\n{prose}\n\n## Licence\n\nMIT.\n")


def readme_without_run_command(root: Path) -> None:
    """Write a 'Getting started' section whose code block does not run the pipeline."""
    prose = " ".join(["This analysis estimates things from published data."] * 40)
    block = "```bash\npip install uv\n```"
    write(root, "README.md", f"# P\n\n{prose}\n\n## Getting started\n\n{block}\n\n## Licence\n")


def short_readme(root: Path) -> None:
    """Run instructions, but nothing else."""
    readme = f"# P\n\n## How to run\n\n```bash\nuv run python -m {PACKAGE} run\n```\n"
    write(root, "README.md", readme)


def commit_proprietary_artefact(root: Path) -> None:
    """Commit a macro workbook as part of the pipeline."""
    write(root, "pipeline/model.xlsm", "binary")
    git(root, "add", "--force", "pipeline/model.xlsm")
    commit(root)


def remove_readme_section(root: Path, heading: str) -> None:
    """Rename a README heading so it no longer names what it holds."""
    replace_in(root / "README.md", heading, "## Notes")


def unignore(root: Path, line: str) -> None:
    """Remove a line from .gitignore."""
    replace_in(root / ".gitignore", f"{line}\n", "")


def add_module(root: Path, name: str, code: str) -> None:
    """Add a module to the package."""
    write(root, f"src/{PACKAGE}/{name}.py", code)


def complex_function(root: Path) -> None:
    """Add a function with more branches than the complexity limit."""
    branches = "".join(f"    if x == {n}:\n        return {n}\n" for n in range(12))
    add_module(
        root,
        "tangled",
        f'"""Tangled."""\n\n\ndef f(x: int) -> int:\n    """F."""\n{branches}    return -1\n',
    )


def break_changelog(root: Path) -> None:
    """Remove the entry for the current version."""
    replace_in(root / "CHANGELOG.md", f"## [{VERSION}]", "## [0.0.1]")


def retag(root: Path, tag: str) -> None:
    """Replace every release tag with ``tag``."""
    for old in git(root, "tag").split():
        git(root, "tag", "-d", old)
    if tag:
        git(root, "tag", "-a", tag, "-m", tag)


def bump_version(root: Path) -> None:
    """Release 9.9.9 in code and changelog, but do not tag it."""
    replace_in(package_dir(root) / "__init__.py", f'"{VERSION}"', '"9.9.9"')
    replace_in(root / "CHANGELOG.md", "## [Unreleased]", "## [Unreleased]\n\n## [9.9.9]\n\n- Bump.")
    replace_in(root / "CITATION.cff", f"version: {VERSION}", "version: 9.9.9")


def remove_ci(root: Path) -> None:
    """No CI configuration at all."""
    shutil.rmtree(root / ".github" / "workflows", ignore_errors=True)
    (root / ".gitlab-ci.yml").unlink(missing_ok=True)


def ci_without_tests(root: Path) -> None:
    """Write a workflow on push that only lints."""
    remove_ci(root)
    write(root, ".github/workflows/ci.yml", PUSH_TESTS.replace("lint tests", "lint"))


def ci_without_schedule(root: Path) -> None:
    """Run tests on push, but nothing runs the pipeline on a schedule or event."""
    remove_ci(root)
    write(root, ".github/workflows/ci.yml", PUSH_TESTS)


def schedule_without_cron(root: Path) -> None:
    """Write a schedule key with no cron entry (it never fires)."""
    remove_ci(root)
    write(root, ".github/workflows/rap.yml", SCHEDULED_RUN.replace('- cron: "0 6 * * 1"', "[]"))


def commit_secret(root: Path) -> None:
    """Commit a private key by mistake."""
    marker = "-----BEGIN RSA " + "PRIVATE KEY-----"  # split, so this file holds no key
    write(root, "config/deploy.txt", f"{marker}\nabc\n")
    commit(root)


def commit_real_data(root: Path) -> None:
    """Force-add a real data file under data/raw."""
    write(root, "data/raw/patients.csv", "id,age\n1,40\n")
    git(root, "add", "--force", "data/raw/patients.csv")
    commit(root)


def remove_tests(root: Path) -> None:
    """Delete every test file."""
    for path in root.glob("tests/**/test_*.py"):
        path.unlink()


def remove_method_docs(root: Path) -> None:
    """Delete the methodology page and the starter pages and reports that describe methods."""
    (root / "docs" / "methodology.md").unlink()
    for folder in (root / "docs" / "starters", root / "reports"):
        shutil.rmtree(folder, ignore_errors=True)


def remove(relative: str) -> Breaker:
    """Return a breaker that deletes a file or folder."""

    def breaker(root: Path) -> None:
        path = root / relative
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()

    return breaker


def edit(relative: str, old: str, new: str) -> Breaker:
    """Return a breaker that replaces text in a file."""
    return lambda root: replace_in(root / relative, old, new)


BREAKERS: list[tuple[str, Breaker, str]] = [
    ("B1", commit_proprietary_artefact, "rewrite those steps in Python"),
    ("B2", remove(".git"), "git init"),
    ("B3", readme_without_run_instructions, "Getting started"),
    ("B3", readme_without_run_command, f"python -m {PACKAGE} run"),
    ("B3", short_readme, "how to install and run it"),
    ("B3", remove("README.md"), "add README.md"),
    ("B5", remove("LICENSE"), "open licence"),
    (
        "B5",
        lambda root: remove_readme_section(root, "## Contributing, licence and citation"),
        "Licence",
    ),
    ("S1", remove("docs/manual_steps.md"), "docs/manual_steps.md"),
    (
        "S1",
        lambda root: write(root, "docs/manual_steps.md", "# Manual steps\n\nTBC.\n"),
        "No manual steps",
    ),
    ("S1", lambda root: unignore(root, "outputs/*"), ".gitignore"),
    ("S2", remove_method_docs, "docs/methodology.md"),
    ("S2", lambda root: remove_readme_section(root, "## Project layout"), "Project layout"),
    (
        "S2",
        lambda root: add_module(root, "undocumented", "def f() -> int:\n    return 1\n"),
        "docstrings",
    ),
    ("S3", remove("docs"), "create them"),
    ("S3", lambda root: unignore(root, "data/raw/*"), ".gitignore"),
    ("S3", lambda root: write(root, "analysis.py", "x = 1\n"), "move the code into src/"),
    (
        "S4",
        lambda root: add_module(root, "script", '"""Script."""\n\nprint("hi")\n'),
        "into a function",
    ),
    ("S4", complex_function, "split the listed functions"),
    ("S5", edit(".pre-commit-config.yaml", "ruff", "black"), "pre-commit"),
    ("S5", lambda root: add_module(root, "messy", '"""Messy."""\n\nX=[1,2]\n'), "ruff format"),
    ("S6", remove("tests/backtest/expected_hashes.json"), "backtest --update"),
    ("S6", remove_tests, "write pytest tests"),
    ("S7", remove("uv.lock"), "uv lock"),
    (
        "S7",
        edit("pyproject.toml", "dependencies = [\n", 'dependencies = [\n  "xlsxwriter>=3",\n'),
        "uv lock",
    ),
    ("G1", edit("pyproject.toml", "[build-system]", "[tool.not-build-system]"), "build-backend"),
    ("G2", remove_ci, "ci=github"),
    ("G2", ci_without_tests, "uvx nox"),
    ("G3", remove_ci, "schedule"),
    ("G3", ci_without_schedule, "cron"),
    ("G3", schedule_without_cron, "cron"),
    ("G4", break_changelog, f"## [{VERSION}]"),
    ("G4", lambda root: retag(root, ""), f"git tag -a v{VERSION}"),
    ("G4", bump_version, "git tag -a v9.9.9"),
    ("G4", edit(f"src/{PACKAGE}/__init__.py", f'"{VERSION}"', '"one"'), "0.1.0"),
    ("AF6", remove("docs/qa_log.md"), "QA log"),
    ("AF6", edit("docs/qa_log.md", "QA level: moderate", "QA: tbc"), "QA level"),
    ("AF6", lambda root: write(root, "docs/qa_log.md", "# QA\n\nQA level: lower\n"), "date"),
    ("DB1", commit_secret, "rotate the secret"),
    ("DB1", remove(".env.example"), ".env.example"),
    ("DB2", commit_real_data, "git rm --cached"),
    ("DB3", remove("docs/assumptions.md"), "docs/assumptions.md"),
    ("DB4", edit("CITATION.cff", f"version: {VERSION}", "version: 0.0.0"), "CITATION.cff"),
    ("DB4", remove("CODE_OF_CONDUCT.md"), "cookiecutter-rap"),
    ("DB6", edit("pyproject.toml", "lint = [", "linting = ["), "dependency-groups"),
]


@pytest.mark.parametrize(
    ("criterion", "breaker", "fix"),
    BREAKERS,
    ids=[f"{c}-{n}" for n, (c, _, _) in enumerate(BREAKERS)],
)
def test_breaking_a_criterion_fails_it_with_the_fix(
    fresh: Path, run_dir: Path, criterion: str, breaker: Breaker, fix: str
) -> None:
    if criterion in expected_fresh_failures(fresh) & {"G2", "G3"}:  # set up what it needs first
        write(fresh, ".github/workflows/ci.yml", PUSH_TESTS)
        write(fresh, ".github/workflows/rap.yml", SCHEDULED_RUN)
        commit(fresh)
    assert check(fresh, criterion, run_dir).status is not Status.FAIL, "must not fail before"
    breaker(fresh)
    outcome = check(fresh, criterion, run_dir)
    assert outcome.status is Status.FAIL, outcome
    assert fix in outcome.fix, outcome
    assert outcome.reason


def test_quarto_page_titled_methodology_documents_the_method(fresh: Path) -> None:
    remove_method_docs(fresh)
    assert check(fresh, "S2").status is Status.FAIL
    body = " ".join(["Each stage computes one documented step of the indicator."] * 6)
    write(fresh, "docs/methodology.qmd", f"---\ntitle: Methodology\n---\n\n{body}\n")
    assert check(fresh, "S2").status is Status.PASS
    write(fresh, "docs/methodology.qmd", "---\ntitle: Methodology\n---\n\nTo do.\n")
    assert check(fresh, "S2").status is Status.FAIL


@pytest.mark.slow  # runs the pipeline in a subprocess
def test_failing_run_fails_the_run_criteria(fresh: Path) -> None:
    config = fresh / "config" / "pipeline.toml"
    first_input = next(iter(load_config(config).inputs.values()))
    first_input.write_text("wrong,header\n1,2\n", encoding="utf-8")
    with make_project(fresh, None, run_pipeline=True) as project:
        for criterion in ("S1", "S8", "S9", "DB5"):
            outcome = BY_ID[criterion].check(project)
            assert outcome.status is Status.FAIL, (criterion, outcome)
            assert "the pipeline run failed" in outcome.reason
            assert "No module named" not in outcome.reason  # it failed on the input
            assert f"python -m {PACKAGE} run" in outcome.fix


def test_missing_output_fails_s1(fresh: Path, run_dir: Path, tmp_path: Path) -> None:
    damaged = copy_run(run_dir, tmp_path)
    next(damaged.glob("*.csv")).unlink()
    outcome = check(fresh, "S1", damaged)
    assert outcome.status is Status.FAIL
    assert "every output" in outcome.fix


def test_missing_log_or_manifest_record_fails_s8(
    fresh: Path, run_dir: Path, tmp_path: Path
) -> None:
    damaged = copy_run(run_dir, tmp_path)
    shutil.rmtree(damaged / "logs")
    assert "start_run_log" in check(fresh, "S8", damaged).fix
    damaged = copy_run(run_dir, tmp_path / "again")
    manifest = json.loads((damaged / "manifest.json").read_text())
    manifest["config"].pop("sha256")
    (damaged / "manifest.json").write_text(json.dumps(manifest))
    outcome = check(fresh, "S8", damaged)
    assert outcome.status is Status.FAIL
    assert "manifest: config hash" in outcome.reason


def test_untidy_output_fails_s9(fresh: Path, run_dir: Path, tmp_path: Path) -> None:
    damaged = copy_run(run_dir, tmp_path)
    path = next(damaged.glob("*.csv"))
    header, rest = path.read_text(encoding="utf-8").split("\n", 1)
    first = header.split(",")[0]
    path.write_text(header.replace(first, first.upper() + " Code", 1) + "\n" + rest)
    outcome = check(fresh, "S9", damaged)
    assert outcome.status is Status.FAIL
    assert "snake_case" in outcome.reason


def test_loose_output_schema_fails_s9(fresh: Path, run_dir: Path) -> None:
    class Loose(pa.DataFrameModel):
        value: pl.Int64

    with make_project(fresh, run_dir) as project:
        project.__dict__["declared_outputs"] = {"loose": Loose}
        outcome = BY_ID["S9"].check(project)
    assert outcome.status is Status.FAIL
    assert "strict = True" in outcome.fix


def test_changed_input_fails_db5(fresh: Path, run_dir: Path) -> None:
    path = next(iter(load_config(fresh / "config" / "pipeline.toml").inputs.values()))
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    outcome = check(fresh, "DB5", run_dir)
    assert outcome.status is Status.FAIL
    assert "never edit inputs by hand" in outcome.fix


PASSING = ToolResult(("pytest",), 0, "12 passed in 1.0s")
BLIND = ToolResult(("pytest",), 0, "1 passed")  # the back test passed on changed hashes
CAUGHT = ToolResult(("pytest",), 1, "1 failed")


@pytest.mark.parametrize(
    ("run", "mutated", "status", "text"),
    [
        (PytestRun(PASSING, PytestCounts(12), 90.0), CAUGHT, Status.PASS, "12 tests ran"),
        (
            PytestRun(
                ToolResult(("pytest",), 1, "1 failed, 11 passed"), PytestCounts(12, 0, 1), 90
            ),
            CAUGHT,
            Status.FAIL,
            "1 failed",
        ),
        (
            PytestRun(ToolResult(("pytest",), 5, "no tests ran"), PytestCounts(), None),
            CAUGHT,
            Status.FAIL,
            "collected no tests",
        ),
        (
            PytestRun(ToolResult(("pytest",), 1, "No module named pytest"), None, None),
            CAUGHT,
            Status.FAIL,
            "not installed",
        ),
        (PytestRun(PASSING, PytestCounts(3), 90.0), CAUGHT, Status.FAIL, "only 3 test(s) ran"),
        (PytestRun(PASSING, PytestCounts(12, 12), 90.0), CAUGHT, Status.FAIL, "(12 skipped)"),
        (PytestRun(PASSING, PytestCounts(12), 50.0), CAUGHT, Status.FAIL, "threshold of 85%"),
        (PytestRun(PASSING, PytestCounts(12), None), CAUGHT, Status.FAIL, "not measured"),
        (PytestRun(PASSING, None, 90.0), CAUGHT, Status.FAIL, "no readable JUnit"),
        (PytestRun(PASSING, PytestCounts(12), 90.0), BLIND, Status.FAIL, "does not compare"),
        (
            PytestRun(PASSING, PytestCounts(12), 90.0),
            ToolResult(("pytest",), 5, ""),
            Status.FAIL,
            "no test is marked backtest",
        ),
    ],
)
def test_s6_reads_the_test_run(
    fresh: Path, run: PytestRun, mutated: ToolResult, status: Status, text: str
) -> None:
    with make_project(fresh, None) as project:
        project.__dict__["test_run"] = run
        project.__dict__["backtest_mutated"] = mutated
        outcome = BY_ID["S6"].check(project)
    assert outcome.status is status
    assert text in outcome.reason


def test_s6_does_not_start_tests_inside_its_own_test_run(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(NESTED_ENV, "1")
    outcome = check(fresh, "S6", None, run_tests=True)
    assert outcome.status is Status.UNCHECKED
    assert "inside a test run" in outcome.reason


def test_locked_dependencies_pass_s7_and_a_missing_one_fails(fresh: Path) -> None:
    assert check(fresh, "S7").status is Status.PASS
    replace_in(fresh / "uv.lock", 'name = "polars"', 'name = "pandas"')
    outcome = check(fresh, "S7")
    assert outcome.status is Status.FAIL
    assert "polars" in outcome.reason


# --- attestations -------------------------------------------------------------------------


def attest(root: Path, criterion: str, *, days_ago: int = 10, **fields: str) -> None:
    """Write one attestation into rap-attestations.toml."""
    when = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=days_ago)).isoformat()
    values = {"status": "attested", "who": "Sam Jones", "evidence": "https://example.org/pr/1"}
    values.update(fields)
    lines = [f'{k} = "{v}"' for k, v in values.items() if v != "-"]
    text = "[[attestation]]\n" + f'criterion = "{criterion}"\n' + f"date = {when}\n"
    write(root, "rap-attestations.toml", text + "\n".join(lines) + "\n")


def results_of(root: Path, run_dir: Path, max_age_days: int = 365) -> dict[str, Result]:
    """Evaluate every criterion and return the results by id."""
    with make_project(root, run_dir, max_age_days=max_age_days) as project:
        return {r.criterion.id: r for r in evaluate(project, target=Level.GOLD).results}


def test_attestation_settles_a_pending_criterion_and_its_equivalent(
    fresh: Path, run_dir: Path
) -> None:
    attest(fresh, "B4")
    results = results_of(fresh, run_dir)
    for criterion in ("B4", "AF3"):
        assert results[criterion].status is Status.ATTESTED
        assert "Sam Jones" in results[criterion].outcome.reason
        assert results[criterion].outcome.warnings == ()


def test_old_attestation_warns(fresh: Path, run_dir: Path) -> None:
    attest(fresh, "B4", days_ago=400)
    result = results_of(fresh, run_dir, max_age_days=365)["B4"]
    assert result.status is Status.ATTESTED
    assert "400 days old" in result.outcome.warnings[0]


def test_not_applicable_attestation(fresh: Path, run_dir: Path) -> None:
    attest(fresh, "B5", status="not_applicable", evidence="contains unpublished methods")
    assert results_of(fresh, run_dir)["B5"].status is Status.NOT_APPLICABLE


@pytest.mark.parametrize(
    ("fields", "days_ago", "problem"),
    [({"who": "-"}, 1, "missing who"), ({"status": "yes"}, 1, "status 'yes'"), ({}, -5, "future")],
)
def test_malformed_attestation_is_reported_and_ignored(
    fresh: Path, run_dir: Path, fields: dict[str, str], days_ago: int, problem: str
) -> None:
    attest(fresh, "B4", days_ago=days_ago, **fields)
    with make_project(fresh, run_dir) as project:
        report = evaluate(project, target=Level.GOLD)
    assert {r.criterion.id: r.status for r in report.results}["B4"] is Status.PENDING
    assert any(problem in warning for warning in report.warnings), report.warnings


def test_attestation_cannot_override_a_failure_or_a_machine_check(
    fresh: Path, run_dir: Path
) -> None:
    (fresh / "LICENSE").unlink()
    attest(fresh, "B5")
    assert results_of(fresh, run_dir)["B5"].status is Status.FAIL
    attest(fresh, "S5")
    result = results_of(fresh, run_dir)["S5"]
    assert result.status is Status.PASS
    assert "ignored" in result.notes[0]


def test_merged_pull_request_is_only_supporting_information(fresh: Path) -> None:
    git(fresh, "commit", "--allow-empty", "-q", "-m", "Merge pull request #7 from org/fix\n\nFix.")
    outcome = check(fresh, "B4")
    assert outcome.status is Status.PENDING  # anyone can write that commit message
    assert "mentions 1 merged pull/merge request(s) (supporting information only" in outcome.reason


def test_pending_is_not_met_unless_accepted(fresh: Path, run_dir: Path) -> None:
    write(fresh, ".github/workflows/ci.yml", PUSH_TESTS)
    write(fresh, ".github/workflows/rap.yml", SCHEDULED_RUN)
    with make_project(fresh, run_dir) as project:
        report = evaluate(project, target=Level.BASELINE)
        accepted = evaluate(project, target=Level.BASELINE, accept_pending=True)
    assert report.level is None
    assert not report.meets_target
    assert summary(report).startswith(
        "NHS RAP: below Baseline (B4, B5 need a person's confirmation)"
    )
    assert accepted.level is None  # the headline never changes
    assert accepted.machine_level is not None
    assert accepted.meets_target


def test_summary_names_the_blocker_and_the_pending(fresh: Path, run_dir: Path) -> None:
    retag(fresh, "")
    write(fresh, ".github/workflows/ci.yml", PUSH_TESTS)
    write(fresh, ".github/workflows/rap.yml", SCHEDULED_RUN)
    with make_project(fresh, run_dir) as project:
        project.__dict__["test_run"] = PytestRun(PASSING, PytestCounts(40), 95.0)
        project.__dict__["backtest_mutated"] = CAUGHT
        report = evaluate(project, target=Level.GOLD)
    line = summary(report)
    assert line.startswith("NHS RAP: below Baseline (B4, B5 need a person's confirmation)")
    if "S7" not in expected_fresh_failures(fresh):
        assert "machine-checkable criteria: Silver (Gold blocked by G4: no release tag" in line
    assert line.endswith("Target Gold: not met.")
    table = render_table(report)
    assert f"fix: tag the release: git tag -a v{VERSION}" in table
    assert table.endswith(line)
