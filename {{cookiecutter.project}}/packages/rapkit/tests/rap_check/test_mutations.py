"""Mutation suite: rap-check cannot be fooled by a single change to a fresh project.

The session's default project (generated with its lock, ``uv lock``, as a
user gets it; see conftest.py) is copied, peer review and publication are attested, and it is checked once in full
(tests run): it must reach Gold. Each mutation then breaks one thing in a copy
of it, as a sceptical reviewer would, and the criterion that must notice has
to fail (or, for peer review, stay pending) and the level must drop below that
criterion's level. None may pass.

Cost: the expensive runs (S6 runs the test suite, G1 builds and installs the
wheel) happen only for the base and the mutations aimed at them; the other
mutations reuse the base's S6 and G1 results (they cannot affect them) and
read the pipeline run made once per session. About four minutes on 2 cores.
"""

from __future__ import annotations

import datetime as dt
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from rapkit.rap_check import Level, Status
from rapkit.rap_check.criteria import BY_ID, CRITERIA
from rapkit.rap_check.model import Result
from rapkit.rap_check.report import apply_attestation, reached_level

from .helpers import PACKAGE, commit, git, make_project, replace_in, write

WORKFLOW = ".github/workflows/ci.yml"
TESTS_STEP = 'run: uvx nox -s tests --force-python "$PYTHON"'
ATTESTED = f"""\
[[attestation]]
criterion = "B4"
status = "attested"
who = "Alex Patel, Statistician (reviewer)"
date = {dt.date.today().isoformat()}
evidence = "Reviewed v0.1.0: pipeline code, tests and outputs"

[[attestation]]
criterion = "B5"
status = "not_applicable"
who = "Sam Jones, Head of Profession"
date = {dt.date.today().isoformat()}
evidence = "Test project: never published"
"""
GITLAB = """\
workflow:
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    - if: $CI_PIPELINE_SOURCE == "schedule"
    - if: $CI_COMMIT_BRANCH
tests:
  script:
    - uvx nox -s tests
rap:
  script:
    - uvx nox -s rap
"""
Mutation = Callable[[Path], None]
STAGES = f"src/{PACKAGE}/pipelines/social_isolation/stages.py"


@pytest.fixture(scope="session")
def attested_template(fresh_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fresh locked default project (committed and tagged) with B4 and B5 attested."""
    project = Path(
        shutil.copytree(fresh_template, tmp_path_factory.mktemp("attested") / "p", symlinks=True)
    )
    write(project, "rap-attestations.toml", ATTESTED)
    commit(project, "Record the review and the publication decision")
    return project


def assess(root: Path, outputs: Path, *, run_tests: bool, build: bool) -> dict[str, Result]:
    """Every criterion's result (attestations applied) on the project at ``root``."""
    with make_project(root, outputs, run_tests=run_tests, build_package=build) as project:
        found = {}
        for criterion in CRITERIA:
            outcome, notes = apply_attestation(criterion, criterion.check(project), project)
            found[criterion.id] = Result(criterion, outcome, notes)
    return found


def level_of(results: dict[str, Result]) -> Level | None:
    """The NHS level the results reach (pending and unchecked are not met)."""
    return reached_level(list(results.values()))[0]


@pytest.fixture(scope="session")
def base(attested_template: Path, run_dir: Path) -> dict[str, Result]:
    """The unmutated project's results, tests run and wheel built: the reference."""
    return assess(attested_template, run_dir, run_tests=True, build=True)


def test_the_unmutated_attested_project_is_gold(base: dict[str, Result]) -> None:
    not_met = {k: r.outcome.reason for k, r in base.items() if r.status is not Status.PASS}
    assert not_met == {
        "B4": not_met.get("B4"),
        "B5": not_met.get("B5"),
        "AF3": not_met.get("AF3"),
        "AF5": not_met.get("AF5"),
    }, not_met
    assert base["B4"].status is Status.ATTESTED
    assert base["B5"].status is Status.NOT_APPLICABLE
    assert "installed in a clean environment runs the pipeline" in base["G1"].outcome.reason
    assert "the back test fails when the expected hashes change" in base["S6"].outcome.reason
    assert level_of(base) is Level.GOLD


# --- the mutations: each one change to a fresh project -------------------------------------


def edit(relative: str, old: str, new: str) -> Mutation:
    """A mutation replacing ``old`` by ``new`` in one file."""
    return lambda root: replace_in(root / relative, old, new)


def add(relative: str, text: str) -> Mutation:
    """A mutation writing (or overwriting) a file."""

    def mutate(root: Path) -> None:
        write(root, relative, text)

    return mutate


def append(relative: str, text: str) -> Mutation:
    """A mutation adding text at the end of a file."""

    def mutate(root: Path) -> None:
        path = root / relative
        path.write_text(path.read_text(encoding="utf-8") + textwrap.dedent(text), "utf-8")

    return mutate


def force_add(relative: str, text: str) -> Mutation:
    """A mutation committing a file git ignores (``git add --force``)."""

    def mutate(root: Path) -> None:
        write(root, relative, text)
        git(root, "add", "--force", relative)

    return mutate


def remove(relative: str) -> Mutation:
    """A mutation deleting a file or folder."""

    def mutate(root: Path) -> None:
        path = root / relative
        shutil.rmtree(path) if path.is_dir() else path.unlink()

    return mutate


def both(first: Mutation, second: Mutation) -> Mutation:
    """Two edits that together make one change (a setting and the code it hides)."""

    def mutate(root: Path) -> None:
        first(root)
        second(root)

    return mutate


def gitlab_only(then: Mutation | None = None) -> Mutation:
    """Replace GitHub Actions with a GitLab CI configuration, then apply ``then``."""

    def mutate(root: Path) -> None:
        shutil.rmtree(root / ".github" / "workflows")
        write(root, ".gitlab-ci.yml", GITLAB)
        if then is not None:
            then(root)

    return mutate


def forge_review(root: Path) -> None:
    """Drop the attestations and forge a pull-request reference in a commit message."""
    (root / "rap-attestations.toml").write_text("", encoding="utf-8")
    commit(root, "Tidy wording (#1)")
    git(root, "commit", "--allow-empty", "-q", "-m", "Merge pull request #2 from org/fix")


def only_the_back_test(root: Path) -> None:
    """Delete every test except the back test (the pipelines' tests and the shared contract)."""
    shutil.rmtree(root / "tests" / "pipelines")
    for path in (root / "tests").glob("test_*.py"):
        path.unlink()


def unasserted_back_test(root: Path) -> None:
    """Keep the back test but drop its assertion on the committed hashes."""
    replace_in(
        root / "tests/backtest/test_backtest.py",
        "    assert backtest.compare(actual, expected) == []",
        "    backtest.compare(actual, expected)",
    )


MUTATIONS: dict[str, tuple[Mutation, str]] = {
    # G2: tests in CI, really run, on every change
    "tests job if: false": (edit(WORKFLOW, "  tests:\n", "  tests:\n    if: false\n"), "G2"),
    "tests job if: ${{ false }}": (
        edit(WORKFLOW, "  tests:\n", "  tests:\n    if: ${{ false }}\n"),
        "G2",
    ),
    "tests step echoed": (edit(WORKFLOW, TESTS_STEP, f"run: echo {TESTS_STEP[5:]}"), "G2"),
    "tests step || true": (edit(WORKFLOW, TESTS_STEP, TESTS_STEP + " || true"), "G2"),
    "tests step piped": (edit(WORKFLOW, TESTS_STEP, TESTS_STEP + " | tee tests.log"), "G2"),
    "tests step continue-on-error": (
        edit(
            WORKFLOW,
            f"        {TESTS_STEP}",
            f"        continue-on-error: true\n        {TESTS_STEP}",
        ),
        "G2",
    ),
    "tests job continue-on-error": (
        edit(WORKFLOW, "  tests:\n", "  tests:\n    continue-on-error: true\n"),
        "G2",
    ),
    "tests step set +e": (
        edit(
            WORKFLOW,
            TESTS_STEP,
            'run: |\n          set +e\n          uvx nox -s tests --force-python "$PYTHON"',
        ),
        "G2",
    ),
    "no CI at all": (remove(".github/workflows"), "G2"),
    # G3: the pipeline runs on a schedule
    "schedule removed": (edit(WORKFLOW, '  schedule:\n    - cron: "17 6 * * 1"', ""), "G3"),
    "pipeline and rap jobs disabled": (
        both(
            edit(WORKFLOW, "  pipeline:\n", "  pipeline:\n    if: false\n"),
            edit(WORKFLOW, "  rap:\n", "  rap:\n    if: false\n"),
        ),
        "G3",
    ),
    # GitLab CI
    "gitlab tests when: never": (
        gitlab_only(edit(".gitlab-ci.yml", "tests:\n", "tests:\n  when: never\n")),
        "G2",
    ),
    "gitlab tests allow_failure": (
        gitlab_only(edit(".gitlab-ci.yml", "tests:\n", "tests:\n  allow_failure: true\n")),
        "G2",
    ),
    "gitlab tests manual": (
        gitlab_only(edit(".gitlab-ci.yml", "tests:\n", "tests:\n  when: manual\n")),
        "G2",
    ),
    "gitlab tests rules never match": (
        gitlab_only(
            edit(
                ".gitlab-ci.yml",
                "tests:\n",
                'tests:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == "no_such_source"\n',
            )
        ),
        "G2",
    ),
    "gitlab rap job echoed": (
        gitlab_only(edit(".gitlab-ci.yml", "- uvx nox -s rap", "- echo uvx nox -s rap")),
        "G3",
    ),
    # B4: only an attestation is evidence of peer review
    "forged pull-request commits, no attestation": (forge_review, "B4"),
    "B4 attestation dated in the future": (
        edit("rap-attestations.toml", f"date = {dt.date.today().isoformat()}", "date = 2999-01-01"),
        "B4",
    ),
    "B4 attestation without who": (
        edit("rap-attestations.toml", 'who = "Alex Patel, Statistician (reviewer)"\n', ""),
        "B4",
    ),
    # S7: bounded dependencies, a lock that matches them
    "dependency bound removed": (edit("pyproject.toml", '"polars>=1.20"', '"polars"'), "S7"),
    "dependency raised, old lock kept": (
        edit("pyproject.toml", '"polars>=1.20"', '"polars>=99"'),
        "S7",
    ),
    "dependency added, old lock kept": (
        edit("pyproject.toml", '"polars>=1.20",', '"polars>=1.20",\n  "requests>=2.31",'),
        "S7",
    ),
    "lock deleted": (remove("uv.lock"), "S7"),
    # S3 (and DB2): no data in git
    "raw data force-added": (force_add("data/raw/patients.csv", "id,age\n1,40\n"), "S3"),
    "output force-added": (force_add("outputs/index.csv", "lsoa,score\nE0,1\n"), "S3"),
    # S5: the standard, not the project's excludes
    "ruff excludes src": (
        edit(
            "pyproject.toml",
            'extend-exclude = ["packages"]',
            'extend-exclude = ["packages", "src"]',
        ),
        "S5",
    ),
    "ruff ignores pyflakes, unused import added": (
        both(
            edit("pyproject.toml", "ignore = [\n", 'ignore = [\n  "F",\n'),
            edit(STAGES, "annotations\n", "annotations\n\nimport json\n"),
        ),
        "S5",
    ),
    "unformatted code": (append(STAGES, "\n\ndef ugly( x:int )->int :\n    return x\n"), "S5"),
    # S1: manual steps and reads outside the repository
    "stage reads an absolute path": (
        append(STAGES, '\n\nSHARED = "/mnt/shared/analysis/lookup.csv"\n'),
        "S1",
    ),
    "stage reads a network share": (
        append(STAGES, '\n\nSHARED = r"\\\\fileserver\\analysis\\lookup.csv"\n'),
        "S1",
    ),
    "stage reads the home folder": (
        append(STAGES, '\n\nSHARED = "~/Downloads/lookup.csv"\n'),
        "S1",
    ),
    "README asks for Excel": (
        append("README.md", "\nFinally, open outputs/index.csv in Excel and save it as XLSX.\n"),
        "S1",
    ),
    "docs ask to copy by hand": (
        append("docs/methodology.md", "\nThe figures are then copied by hand into the bulletin.\n"),
        "S1",
    ),
    # S6: tests that run, and a back test that can fail
    "only the back test left": (only_the_back_test, "S6"),
    "every test skipped": (
        append(
            "tests/conftest.py",
            "\n\ndef pytest_collection_modifyitems(items):\n    for item in items:\n        item.add_marker(__import__('pytest').mark.skip)\n",
        ),
        "S6",
    ),
    "back test assertion removed": (unasserted_back_test, "S6"),
    # G1: the wheel alone runs the pipeline
    "wheel leaves out the pipelines": (
        edit(
            "pyproject.toml",
            "[tool.hatch.build.targets.wheel]\n",
            '[tool.hatch.build.targets.wheel]\nexclude = ["src/*/pipelines/social_isolation"]\n',
        ),
        "G1",
    ),
    "no build system": (edit("pyproject.toml", "[build-system]", "[tool.not-build]"), "G1"),
    # other criteria, one change each
    "proprietary macro workbook": (force_add("analysis/model.xlsm", "binary"), "B1"),
    "README without run instructions": (add("README.md", "# My RAP project\n\nNotes.\n"), "B3"),
    "licence removed": (remove("LICENSE"), "B5"),
    "outputs no longer ignored": (edit(".gitignore", "outputs/*", "# outputs"), "S1"),
    "code runs at import time": (append(STAGES, '\n\nprint("loaded")\n'), "S4"),
    "changelog entry removed": (edit("CHANGELOG.md", "## [0.1.0]", "## [0.0.9]"), "G4"),
}
RUNS_TESTS = {"only the back test left", "every test skipped", "back test assertion removed"}
BUILDS = {"wheel leaves out the pipelines"}


def test_the_suite_has_at_least_thirty_mutations() -> None:
    assert len(MUTATIONS) >= 30


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_mutation_is_caught(
    name: str, attested_template: Path, run_dir: Path, base: dict[str, Result], tmp_path: Path
) -> None:
    mutate, criterion = MUTATIONS[name]
    copy = Path(shutil.copytree(attested_template, tmp_path / "project", symlinks=True))
    mutate(copy)
    commit(copy, f"Mutation: {name}")
    found = assess(copy, run_dir, run_tests=name in RUNS_TESTS, build=name in BUILDS)
    if name not in RUNS_TESTS:
        found["S6"] = base["S6"]  # cannot be affected: reuse the full run of the base
    if name not in BUILDS and found["G1"].status is Status.PASS:
        found["G1"] = base["G1"]  # the build was not tried: reuse the base's
    result = found[criterion]
    expected = Status.PENDING if criterion == "B4" else Status.FAIL
    assert result.status is expected, (
        f"{name}: {criterion} {result.status}: {result.outcome.reason}"
    )
    needed = BY_ID[criterion].level
    assert needed is not None
    reached = level_of(found)
    assert reached is None or reached < needed, f"{name}: still {reached}"
