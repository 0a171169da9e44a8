"""Fast tests of rap-check on tiny synthetic repositories: no generated project needed.

They pin the criteria table (where each criterion lives, in report order), the
level rule, and that a repository which is not a cookiecutter-rap project is
still checked honestly: the criteria that need a pipeline fail and say why.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from rapkit.cli import main
from rapkit.errors import ConfigError
from rapkit.rap_check import Level, Report, Status, evaluate, summary
from rapkit.rap_check.criteria import CRITERIA, FAMILIES
from rapkit.rap_check.model import Family, Result, failed, passed, pending, unchecked
from rapkit.rap_check.report import reached_level

from .helpers import check, commit, fake_results, git, make_project, make_repo, write

PIPELINE_CRITERIA = ("S1", "S8", "S9", "DB5")
FAMILY_MODULES = {
    "baseline": ["B1", "B2", "B3", "B4", "B5"],
    "silver": [f"S{n}" for n in range(1, 10)],
    "gold": ["G1", "G2", "G3", "G4"],
    "analysis_function": [f"AF{n}" for n in range(1, 8)],
    "duck_book": [f"DB{n}" for n in range(1, 7)],
}
MIT = "MIT License\n\nCopyright (c) 2026 Someone\n"


@pytest.fixture
def plain_repo(tmp_path: Path) -> Path:
    """A repository that is not a cookiecutter-rap project: git and a README only."""
    return make_repo(tmp_path / "plain", {"README.md": "# Notes\n\nSome analysis notes.\n"})


# --- the criteria table -------------------------------------------------------------------


def test_each_family_module_holds_and_lists_its_criteria() -> None:
    for module_name, ids in FAMILY_MODULES.items():
        module = importlib.import_module(f"rapkit.rap_check.{module_name}")
        families = [value for value in vars(module).values() if isinstance(value, Family)]
        registered = [c.id for family in families for c in family.criteria]
        assert registered == ids, module_name
        doc = module.__doc__ or ""
        assert all(f"{criterion}  " in doc for criterion in ids), (module_name, doc)


def test_criteria_are_in_report_order_with_unique_ids() -> None:
    ids = [criterion.id for criterion in CRITERIA]
    assert ids == [i for family_ids in FAMILY_MODULES.values() for i in family_ids]
    assert len(FAMILIES) == len(FAMILY_MODULES)
    assert {c.level for c in CRITERIA if c.id[0] in "BSG"} == set(Level)
    assert all(c.level is None for c in CRITERIA if c.id.startswith(("AF", "DB")))


def test_equivalent_criteria_share_the_nhs_check() -> None:
    by_id = {criterion.id: criterion for criterion in CRITERIA}
    for criterion in CRITERIA:
        if criterion.same_as is not None:
            assert criterion.check is by_id[criterion.same_as].check, criterion.id
            assert criterion.attestable is by_id[criterion.same_as].attestable


def test_a_family_rejects_an_id_registered_twice() -> None:
    family = Family("Test")
    family.add("T1", "first", "static", lambda _project: passed("ok"))
    with pytest.raises(ValueError, match="T1 is registered twice"):
        family.criterion("T1", "again", "static")(lambda _project: passed("ok"))


def test_level_rule() -> None:
    assert reached_level(fake_results()) == (Level.GOLD, None)
    level, blocker = reached_level(fake_results(G4=failed("no tag", "tag it")))
    assert level is Level.SILVER
    assert blocker is not None
    assert blocker.criterion.id == "G4"
    level, _ = reached_level(fake_results(S1=failed("x", "y"), G4=failed("x", "y")))
    assert level is Level.BASELINE
    assert reached_level(fake_results(B2=failed("x", "y")))[0] is None
    waiting = fake_results(B4=pending("no review", "review"))
    assert reached_level(waiting)[0] is None  # pending is not met: B4 is a Baseline criterion
    assert reached_level(waiting, accept_pending=True)[0] is Level.GOLD
    unrun = fake_results(S6=unchecked("not run", "run it"))
    assert reached_level(unrun, accept_pending=True)[0] is Level.BASELINE  # skipped never counts


# --- a repository that is not a cookiecutter-rap project -----------------------------------


def test_plain_repository_fails_the_pipeline_criteria_saying_why(plain_repo: Path) -> None:
    with make_project(plain_repo, None, run_pipeline=True, run_tests=True) as project:
        assert project.config is None
        report = evaluate(project, target=Level.GOLD)
        with pytest.raises(ConfigError, match="no pipeline configuration"):
            _ = project.declared_outputs
    results = {r.criterion.id: r for r in report.results}
    for criterion in ("S8", "S9", "DB5"):
        outcome = results[criterion].outcome
        assert outcome.status is Status.FAIL, (criterion, outcome)
        assert outcome.reason.startswith("not checkable here: no config/pipeline.toml")
        assert "config/pipeline.toml" in outcome.fix
    assert results["S1"].status is Status.FAIL  # outputs/ not ignored, before the run
    assert results["B2"].status is Status.PASS  # what can be checked is checked
    assert report.level is None
    assert not report.meets_target


def test_pipeline_criteria_fail_even_when_everything_before_the_run_is_in_place(
    plain_repo: Path,
) -> None:
    write(plain_repo, ".gitignore", "outputs/*\n")
    write(plain_repo, "docs/manual_steps.md", "# Manual steps\n\nNo manual steps.\n")
    commit(plain_repo)
    outcome = check(plain_repo, "S1")
    assert outcome.status is Status.FAIL
    assert "not checkable here" in outcome.reason


def test_no_code_is_not_reusable_code(plain_repo: Path) -> None:
    outcome = check(plain_repo, "S4")
    assert outcome.status is Status.FAIL
    assert "no Python code in src/<package>/" in outcome.reason


@pytest.mark.parametrize("target", ["baseline", "gold"])
def test_rapkit_command_checks_a_plain_repository(plain_repo: Path, target: str) -> None:
    rapkit = Path(sys.executable).with_name("rapkit")
    done = subprocess.run(
        [str(rapkit), "rap-check", str(plain_repo), "--target", target, "--no-run"],
        capture_output=True,
        text=True,
        check=False,
        cwd=plain_repo.parent,
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr == ""
    assert f"Target {target.capitalize()}: not met." in done.stdout
    assert "NHS RAP: below Baseline (Baseline blocked by B1" in done.stdout
    for criterion in ("B1", "S9", "G2"):
        assert f"  {criterion:<4} FAIL" in done.stdout


def test_python_m_rapkit_writes_the_json_report(plain_repo: Path, tmp_path: Path) -> None:
    report = tmp_path / "rap.json"
    command = ["rap-check", str(plain_repo), "--no-run", "--json", str(report)]
    done = subprocess.run(
        [sys.executable, "-m", "rapkit", *command],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    document = json.loads(report.read_text(encoding="utf-8"))
    assert document["target_level"] == "baseline"
    assert document["level"] is None
    statuses = {item["id"]: item["status"] for item in document["criteria"]}
    assert {statuses[c] for c in PIPELINE_CRITERIA} == {"fail"}


def test_missing_path_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rap-check", str(tmp_path / "nowhere")]) == 1
    assert "nowhere is not a folder" in capsys.readouterr().err


def test_target_option_overrides_the_configured_level(
    plain_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        plain_repo, "config/pipeline.toml", 'pipeline = "x"\n\n[rap]\ntarget_level = "platinum"\n'
    )
    assert main(["rap-check", str(plain_repo), "--no-run"]) == 1
    assert "unknown RAP level 'platinum'" in capsys.readouterr().err
    assert main(["rap-check", str(plain_repo), "--no-run", "--target", "silver"]) == 1
    captured = capsys.readouterr()
    assert "Target Silver: not met." in captured.out
    assert "S9   FAIL      Data handled and output in tidy format: the configured pipeline " in (
        captured.out
    )  # a configuration whose pipeline cannot be loaded fails, saying so


def test_help_shows_path_and_target(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["rap-check", "--help"])
    out = capsys.readouterr().out
    assert "--no-run" in out
    assert "{baseline,silver,gold}" in out
    assert "path" in out


# --- which package is checked ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "package"),
    [
        (
            {"pyproject.toml": '[tool.rapkit]\npackage = "named"\n', "src/other/__init__.py": ""},
            "named",
        ),
        ({"src/only/__init__.py": ""}, "only"),
        ({"src/one/__init__.py": "", "src/two/__init__.py": ""}, "<package>"),
        ({"pyproject.toml": "not toml ["}, "<package>"),
    ],
)
def test_package_is_named_in_pyproject_or_the_single_one_under_src(
    tmp_path: Path, files: dict[str, str], package: str
) -> None:
    make_repo(tmp_path, files, init=False)
    with make_project(tmp_path, None) as project:
        assert project.package == package


# --- criteria on small synthetic repositories -----------------------------------------------


def test_licence_and_readme_section_leave_publication_pending(plain_repo: Path) -> None:
    write(plain_repo, "LICENSE", MIT)
    assert check(plain_repo, "B5").status is Status.FAIL  # README has no licence section
    write(plain_repo, "README.md", "# Notes\n\n## Licence\n\nMIT.\n")
    outcome = check(plain_repo, "B5")
    assert outcome.status is Status.PENDING
    assert "MIT License" in outcome.reason


def test_release_needs_version_changelog_and_tag_to_agree(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "repo",
        {
            "pyproject.toml": '[project]\nname = "demo"\nversion = "1.2.0"\n',
            "CHANGELOG.md": "# Changelog\n\n## [1.2.0] - 2026-01-01\n\n- First release.\n",
        },
    )
    assert "no release tag" in check(repo, "G4").reason
    git(repo, "tag", "-a", "v1.1.0", "-m", "old")
    assert "does not match the version 1.2.0" in check(repo, "G4").reason
    git(repo, "tag", "-a", "v1.2.0", "-m", "new")
    assert check(repo, "G4").status is Status.PASS


def test_not_installed_distribution_fails_g1(tmp_path: Path) -> None:
    pyproject = (
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
        '[project]\nname = "surely-not-installed-rap-demo"\nversion = "0.1.0"\n'
    )
    repo = make_repo(tmp_path / "repo", {"pyproject.toml": pyproject})
    outcome = check(repo, "G1")
    assert outcome.status is Status.FAIL
    assert "is not installed" in outcome.reason


def test_locked_and_committed_dependencies_pass_s7(tmp_path: Path) -> None:
    pyproject = '[project]\nname = "demo"\nversion = "0.1.0"\ndependencies = ["Polars>=1"]\n'
    repo = make_repo(tmp_path / "repo", {"pyproject.toml": pyproject})
    assert "no readable uv.lock" in check(repo, "S7").reason
    write(repo, "uv.lock", '[[package]]\nname = "polars"\nversion = "1.0"\n')
    assert "uv.lock was not made for this project" in check(repo, "S7").reason
    own = (
        '[[package]]\nname = "demo"\nversion = "0.1.0"\nsource = { editable = "." }\n\n'
        '[package.metadata]\nrequires-dist = [{ name = "polars", specifier = ">=1" }]\n'
    )
    write(repo, "uv.lock", '[[package]]\nname = "polars"\nversion = "1.0"\n\n' + own)
    assert "not committed" in check(repo, "S7").reason
    commit(repo)
    assert check(repo, "S7").status is Status.PASS


def test_real_data_and_secrets_in_git_fail_the_duck_book(plain_repo: Path) -> None:
    write(plain_repo, "data/sample/small.csv", "a\n1\n")
    commit(plain_repo)
    assert check(plain_repo, "DB2").status is Status.PASS
    write(plain_repo, "data/raw/people.csv", "id\n1\n")
    commit(plain_repo)
    assert "data/raw/people.csv" in check(plain_repo, "DB2").reason
    write(plain_repo, ".gitignore", ".env\n")
    write(plain_repo, ".env.example", "API_KEY=\n")
    commit(plain_repo)
    assert check(plain_repo, "DB1").status is Status.PASS
    write(plain_repo, "deploy/id_rsa", "key\n")
    commit(plain_repo)
    assert "deploy/id_rsa" in check(plain_repo, "DB1").reason


def test_dependency_groups_must_be_separate(tmp_path: Path) -> None:
    pyproject = '[project]\nname = "d"\nrequires-python = ">=3.11"\n\n[dependency-groups]\n'
    repo = make_repo(tmp_path / "repo", {"pyproject.toml": pyproject + "test = []\n"})
    assert check(repo, "DB6").status is Status.FAIL
    write(repo, "pyproject.toml", pyproject + "test = []\nlint = []\n")
    assert check(repo, "DB6").status is Status.PASS


def test_pipeline_of_a_package_not_installed_here_is_not_checkable(plain_repo: Path) -> None:
    write(plain_repo, "pyproject.toml", '[tool.rapkit]\npackage = "surely_absent_rap_demo"\n')
    write(plain_repo, "config/pipeline.toml", 'pipeline = "demo"\n')
    outcome = check(plain_repo, "S9")
    assert outcome.status is Status.FAIL
    assert "'surely_absent_rap_demo' is not installed in the environment" in outcome.reason
    assert "uv run rapkit rap-check" in outcome.reason


def report_of(results: list[Result], *, accept_pending: bool = False) -> Report:
    """A report of fake results aiming at Gold."""
    level, blocker = reached_level(results)
    machine, machine_blocker = reached_level(results, accept_pending=True)
    return Report(
        tuple(results), level, machine, Level.GOLD, accept_pending, blocker, machine_blocker, ()
    )


def test_headline_counts_pending_as_not_met_and_names_both_levels() -> None:
    waiting = fake_results(B4=pending("no review", "attest"), B5=pending("unpublished", "attest"))
    line = summary(report_of(waiting))
    assert line == (
        "NHS RAP: below Baseline (B4, B5 need a person's confirmation); "
        "machine-checkable criteria: Gold. Target Gold: not met."
    )
    accepted = summary(report_of(waiting, accept_pending=True))
    assert accepted.endswith(
        "Target Gold: met with pending attestations accepted (--accept-pending)."
    )
    assert summary(report_of(fake_results())) == (
        "NHS RAP: Gold; machine-checkable criteria: Gold. Target Gold: met."
    )


def test_headline_names_a_failure_behind_a_pending_criterion() -> None:
    results = fake_results(B4=pending("no review", "attest"), G2=failed("no CI job", "add CI"))
    line = summary(report_of(results, accept_pending=True))
    assert line.startswith("NHS RAP: below Baseline (B4 needs a person's confirmation)")
    assert "machine-checkable criteria: Silver (Gold blocked by G2: no CI job)" in line
    assert line.endswith("Target Gold: not met.")
