"""A generated project's report and docs sessions work end to end, and publish the tested numbers.

One locked project runs ``nox -s report docs`` once (the pipeline, the report through
Quarto or, without Quarto, the pure-Python path, then the data dictionary and quartodoc).
The tests then read the outputs and the HTML separately and compare them.
"""

from __future__ import annotations

import ast
import csv
import html
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from .conftest import CHOICES, generate, git
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


def visible_text(page: str) -> str:
    """The text a reader sees: no styles, scripts or tags, entities decoded, spaces collapsed."""
    body = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


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


def check_report_page(report: str, charts_at_least: int = 1) -> None:
    """Charts embedded with alt text and captions, nothing from the internet, no errors."""
    images = re.findall(r"<img\b[^>]*>", report)
    charts = [img for img in images if re.search(r'src="data:image/png;base64,[A-Za-z0-9+/=]{1000,}"', img)]
    assert len(charts) >= charts_at_least, "the charts are embedded in the HTML"
    for chart in charts:
        alt = re.search(r'alt="([^"]*)"', chart)
        assert alt is not None, f"chart without alt text: {chart[:200]}"
        assert len(alt.group(1)) > 20, "alt text describes the chart"
    assert len(re.findall(r"<figcaption>", report)) >= charts_at_least
    assert not re.search(r'src="https?://', report), "nothing is loaded from the internet"
    body = report[report.index("<body") :]
    for marker in ("Traceback", "Error:", 'data-mime-type="application/vnd.jupyter.stderr"'):
        assert marker not in body


def test_report_embeds_accessible_images_and_has_no_errors(report: str) -> None:
    check_report_page(report, charts_at_least=2)


@pytest.mark.parametrize("starter", [s for s in CHOICES["starter"] if s != "none"])
def test_every_starter_report_renders_from_its_outputs(tmp_path: Path, starter: str) -> None:
    project = generate(tmp_path, lock=True, starter=starter)
    log = nox_log(project, "report")
    reports = sorted((project / "reports").glob("*.qmd"))
    assert len(reports) == 1, "each starter ships one report, named after its pipeline"
    page = (project / "reports" / "_output" / f"{reports[0].stem}.html").read_text(encoding="utf-8")
    check_report_page(page)
    text = visible_text(page)
    manifest = json.loads((project / "outputs" / "manifest.json").read_text(encoding="utf-8"))
    for item in manifest["inputs"] + manifest["outputs"]:
        assert f"{item['path']} {item['rows']:,} {item['sha256'][:12]}" in text
    assert "not recorded" not in text, "every input's source is recorded in [sources]"
    assert f"git commit {git(project, 'rev-parse', 'HEAD')[:12]}" in text
    assert "rendering with the pure-Python path" in log or "Rendering with Quarto" in log


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
