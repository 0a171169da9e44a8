"""A generated project's report and docs sessions work end to end, and publish the tested numbers.

One locked project runs ``nox -s report docs`` once (the pipeline, the report through
Quarto or, without Quarto, the pure-Python path, then the data dictionary and quartodoc).
The tests then read the outputs and the HTML separately and compare them.

Then every starter's report is rendered both ways, by the real Quarto CLI (``nox -s
report``) and by the pure-Python path (``python -m rapkit.render``), and each page is
checked as a reader meets it (``tests/report_checks.py``): opened in headless Chromium
with the network blocked, with axe-core, at a phone's and a desktop's width. These need
Quarto, Chromium and axe-core: ``.ci/run`` installs them, and the test fails (it does
not skip) when one is missing.
"""

from __future__ import annotations

import ast
import csv
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from . import report_checks
from .conftest import CHOICES, clean_env, generate, git, quarto_or_fail
from .test_generated import run_nox

pytestmark = pytest.mark.generated


@dataclass(frozen=True)
class Built:
    """A generated project after ``nox -s report docs``, and what the session printed."""

    project: Path
    log: str


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    project = generate(tmp_path_factory.mktemp("reports"), lock=True, starter="none")
    assert (project / "uv.lock").is_file(), "the project must be locked (needs the package index)"
    return Built(project, nox_log(project, "report", "docs"))


def nox_log(project: Path, *sessions: str) -> str:
    """Run the generated project's own nox sessions; return what they printed if they pass."""
    done = run_nox(project, *sessions)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-5000:]
    return log


visible_text = report_checks.visible_text


@pytest.fixture(scope="module")
def report(built: Built) -> str:
    path = built.project / "reports" / "_output" / "example.html"
    assert path.is_file(), f"no rendered report; session log:\n{built.log[-3000:]}"
    return path.read_text(encoding="utf-8")


def test_session_says_which_renderer_it_used(built: Built) -> None:
    if shutil.which("quarto"):
        assert "Rendering with Quarto" in built.log
    else:
        assert "Quarto is not on PATH: rendering with the pure-Python path instead" in built.log
        assert "Quarto is not on PATH: skipped `quarto render docs`" in built.log


def test_report_numbers_equal_the_pipeline_outputs(built: Built, report: str) -> None:
    with (built.project / "outputs" / "area_summary.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    residents = sum(int(row["residents"]) for row in rows)
    older = sum(int(row["older_residents"]) for row in rows)
    highest = max(rows, key=lambda row: float(row["older_residents_frac"]))
    lowest = min(rows, key=lambda row: float(row["older_residents_frac"]))
    text = visible_text(report)
    assert f"counted {residents:,} residents in {len(rows):,} small areas" in text
    assert f"{older:,} of them ( {older / residents:.1%} )" in text
    assert (
        f"ranged from {float(lowest['older_residents_frac']):.1%} in {lowest['lsoa_code']} "
        f"to {float(highest['older_residents_frac']):.1%} in {highest['lsoa_code']}"
    ) in text
    by_lad: dict[str, list[int]] = {}
    for row in rows:
        totals = by_lad.setdefault(row["lad_code"], [0, 0, 0])
        totals[0] += 1
        totals[1] += int(row["residents"])
        totals[2] += int(row["older_residents"])
    for lad, (areas, lad_residents, lad_older) in by_lad.items():
        assert f"{lad} {areas} {lad_residents:,} {lad_older:,} {lad_older / lad_residents:.1%}" in text
    top_ten = sorted(rows, key=lambda row: float(row["older_residents_frac"]), reverse=True)[:10]
    for row in top_ten:
        share = f"{float(row['older_residents_frac']):.1%}"
        assert f"{row['lsoa_code']} {row['lad_code']} {int(row['residents']):,} " in text
        assert share in text


def test_report_states_provenance_from_the_manifest(built: Built, report: str) -> None:
    manifest = json.loads((built.project / "outputs" / "manifest.json").read_text(encoding="utf-8"))
    text = visible_text(report)
    assert f"git commit {git(built.project, 'rev-parse', 'HEAD')[:12]}" in text
    assert f"finished {manifest['finished']}" in text
    for item in manifest["inputs"] + manifest["outputs"]:
        assert f"{item['path']} {item['rows']:,} {item['sha256'][:12]}" in text
    assert "Synthetic residents" in text, "the sources section comes from [sources] in the config"
    assert "Open Government Licence v3.0" in text


def test_report_has_charts_with_their_data_and_no_errors(report: str) -> None:
    assert report_checks.chart_problems(report) == []
    assert len(re.findall(r'class="rap-figure[^"]*"', report)) >= 2
    assert report_checks.external_references(report) == [], "nothing is loaded from the internet"
    body = report[report.index("<body") :]
    for marker in ("Traceback", "Error:", 'data-mime-type="application/vnd.jupyter.stderr"'):
        assert marker not in body


STARTERS = list(CHOICES["starter"])
# The output and column of the areas each starter's map shows (every starter is per area).
MAP_AREAS = {
    "social_isolation": ("index", "lsoa_code"),
    "child_attainment": ("attainment_gaps", "la_code"),
    "green_space": ("green_space_lsoa", "lsoa_code"),
    "active_travel": ("active_travel_index", "lsoa_code"),
    "skills": ("lsoa_qualifications", "lsoa_code"),
    "none": ("area_summary", "lsoa_code"),
}


def output_codes(project: Path, output: str, column: str) -> set[str]:
    """The distinct area codes in one output file of a run."""
    with (project / "outputs" / f"{output}.csv").open(encoding="utf-8", newline="") as handle:
        return {row[column] for row in csv.DictReader(handle)}


@pytest.mark.parametrize("starter", STARTERS)
def test_every_starter_report_in_both_renderers(
    tmp_path: Path, starter: str, request: pytest.FixtureRequest
) -> None:
    """One project per starter: rendered by Quarto and by the pure-Python path, both checked.

    One test per starter, not one per check, so that parallel workers never generate and
    render the same project twice (each takes about a minute).
    """
    quarto_or_fail("to test the reports")
    project = generate(tmp_path, lock=True, starter=starter)
    log = nox_log(project, "report")
    assert "Rendering with Quarto" in log
    reports = sorted((project / "reports").glob("*.qmd"))
    assert len(reports) == 1, "each starter ships one report, named after its pipeline"
    name = reports[0].stem
    # The pure-Python path, in the environment `nox -s report` made (locked `report` group).
    python = next((project / ".nox").glob("report*/bin/python"))
    venv = python.parent.parent
    done = subprocess.run(
        [str(python), "-m", "rapkit.render", "reports", "--out", "reports/_output/python"],
        cwd=project,
        # As nox runs it: the session's environment first on PATH, for the Jupyter kernel too.
        env=clean_env(VIRTUAL_ENV=str(venv), PATH=f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"),
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    pages = {
        "quarto": project / "reports" / "_output" / f"{name}.html",
        "python": project / "reports" / "_output" / "python" / f"{name}.html",
    }
    manifest = json.loads((project / "outputs" / "manifest.json").read_text(encoding="utf-8"))
    keys = report_checks.config_keys(project / "config" / "pipeline.toml")
    assert set(MAP_AREAS) == set(STARTERS), "say which output each starter's map shows"
    codes = output_codes(project, *MAP_AREAS[starter])
    shots = Path(os.environ.get("REPORT_SCREENSHOTS", tmp_path / "screenshots")) / starter
    problems: dict[str, list[str]] = {}
    for renderer, path in pages.items():
        page = path.read_text(encoding="utf-8")
        text = visible_text(page)
        found = (
            [f"loads {url}" for url in report_checks.external_references(page)]
            + report_checks.placeholder_problems(page, keys)
            + report_checks.chart_problems(page)
            + report_checks.heading_problems(page)
            + report_checks.map_problems(page, codes)
        )
        found += [
            f"provenance misses {item['path']}"
            for item in manifest["inputs"] + manifest["outputs"]
            if f"{item['path']} {item['rows']:,} {item['sha256'][:12]}" not in text
        ]
        if f"git commit {git(project, 'rev-parse', 'HEAD')[:12]}" not in text:
            found.append("no git commit in the provenance")
        for basic in (
            "Published",
            "Next release",
            "Statistics status",
            "Contact",
            "How to cite",
            "Revisions and corrections",
        ):
            if basic not in text:
                found.append(f"release basics: no {basic!r}")
        browser = report_checks.check_in_browser(path, shots / renderer)
        found += browser.problems()
        found += [
            f"map shows {shown} of {len(codes)} areas at {width} px wide"
            for width, counts in browser.map_shapes.items()
            for shown in counts
            if shown != len(codes)
        ]
        if browser.find is None:
            found.append("no box to find an area in the map's table")
        if found:
            problems[renderer] = found
    assert problems == {}, json.dumps(problems, indent=2)


def test_generated_files_are_ignored_by_git(built: Built) -> None:
    assert git(built.project, "status", "--porcelain") == ""


def public_names(module: Path) -> list[str]:
    """Top-level public functions and classes of a module, as quartodoc documents them."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_")
    ]


def test_quartodoc_writes_a_page_per_public_function(built: Built) -> None:
    config = yaml.safe_load((built.project / "docs" / "_quarto.yml").read_text(encoding="utf-8"))
    package = config["quartodoc"]["package"]
    reference = built.project / "docs" / "reference"
    assert (reference / "index.qmd").is_file()
    expected = []
    for section in config["quartodoc"]["sections"]:
        for item in section["contents"]:
            module = built.project / "src" / package / Path(*item["name"].split("."))
            source = module / "__init__.py" if module.is_dir() else module.with_suffix(".py")
            expected += [f"{package}.{item['name']}.{name}.qmd" for name in public_names(source)]
    assert len(expected) >= 5
    missing = [name for name in expected if not (reference / name).is_file()]
    assert missing == []
    pipeline = next(p.name for p in (built.project / "src" / package / "pipelines").iterdir() if p.is_dir())
    stages = built.project / "src" / package / "pipelines" / pipeline / "stages.py"
    first = public_names(stages)[0]
    page = (reference / f"{package}.pipelines.{pipeline}.stages.{first}.qmd").read_text(encoding="utf-8")
    docstring = ast.get_docstring(
        next(n for n in ast.parse(stages.read_text()).body if getattr(n, "name", "") == first)
    )
    assert docstring is not None
    assert docstring.splitlines()[0] in page, "pages are generated from the docstrings"


def test_data_dictionary_lists_every_output_column(built: Built) -> None:
    dictionary = (built.project / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    with (built.project / "outputs" / "area_summary.csv").open(encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert "## `area_summary`" in dictionary
    for column in header:
        assert f"| `{column}` |" in dictionary
