"""Tests of the report helpers: loading a run safely, provenance, sources, data dictionary."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import altair as alt
import pandera.polars as pa
import polars as pl
import pytest

from rapkit import reporting
from rapkit.config import load_config
from rapkit.errors import ValidationFailedError
from rapkit.io import csv_bytes
from rapkit.manifest import read_manifest
from rapkit.project import configured_pipeline
from rapkit.runner import run_pipeline

from .conftest import Workspace


@pytest.fixture
def finished(workspace: Workspace) -> Workspace:
    """Run the configured pipeline in the workspace."""
    config = load_config(workspace.config_path)
    run_pipeline(configured_pipeline(config).build(config.parameters), config)
    return workspace


def test_load_run_reads_every_output_with_its_schema_types(finished: Workspace) -> None:
    run = reporting.load_run(finished.config_path)
    manifest = read_manifest(finished.outputs)
    assert set(run.tables) == {item["name"] for item in manifest["outputs"]}
    for name, table in run.tables.items():
        schema = run.schemas[name].to_schema()
        assert table.schema == pl.Schema(
            {column: spec.dtype.type for column, spec in schema.columns.items()}
        )
        written = (finished.outputs / f"{name}.csv").read_bytes()
        assert csv_bytes(table) == written, "the report sees exactly the published values"
        assert table.height == next(i["rows"] for i in manifest["outputs"] if i["name"] == name)


def test_load_run_without_a_run_says_to_run_the_pipeline(workspace: Workspace) -> None:
    with pytest.raises(reporting.ReportError, match="run the pipeline first"):
        reporting.load_run(workspace.config_path)


def test_load_run_refuses_an_output_edited_after_the_run(finished: Workspace) -> None:
    output = next(finished.outputs.glob("*.csv"))
    output.write_bytes(output.read_bytes() + b"\n")
    with pytest.raises(reporting.ReportError, match=f"{output.name} has changed since the run"):
        reporting.load_run(finished.config_path)


def test_load_run_refuses_a_missing_output(finished: Workspace) -> None:
    output = next(finished.outputs.glob("*.csv"))
    output.unlink()
    with pytest.raises(reporting.ReportError, match="is missing"):
        reporting.load_run(finished.config_path)


def test_load_run_refuses_outputs_of_a_different_configuration(finished: Workspace) -> None:
    with finished.config_path.open("a", encoding="utf-8") as handle:
        handle.write("\n# edited after the run\n")
    with pytest.raises(reporting.ReportError, match="has changed since the run"):
        reporting.load_run(finished.config_path)


def test_load_run_refuses_outputs_of_another_pipeline(finished: Workspace) -> None:
    path = finished.outputs / "manifest.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**document, "pipeline": "other"}), encoding="utf-8")
    with pytest.raises(reporting.ReportError, match="are from pipeline 'other', but"):
        reporting.load_run(finished.config_path)


def test_read_output_validates_against_the_schema(tmp_path: Path) -> None:
    class Shares(pa.DataFrameModel):
        share: pl.Float64 = pa.Field(ge=0, le=1)

    path = tmp_path / "shares.csv"
    path.write_text("share\n0.5\n1.5\n", encoding="utf-8")
    with pytest.raises(ValidationFailedError, match="share"):
        reporting.read_output(path, Shares)


MANIFEST: dict[str, Any] = {
    "pipeline": "demo",
    "started": "2026-01-02T03:04:05+00:00",
    "finished": "2026-01-02T03:04:09+00:00",
    "config": {"path": "config/pipeline.toml", "sha256": "c" * 64},
    "code": {"version": "1.2.3", "commit": "0123" * 10, "dirty": False},
    "environment": {
        "python": "3.12.1",
        "implementation": "cpython",
        "packages": {"polars": "1.30.0", "pandera": None},
    },
    "inputs": [
        {"name": "census", "path": "data/raw/c.csv", "sha256": "a" * 64, "rows": 12345},
        {"name": "lookup", "path": "data/raw/l.csv", "sha256": "b" * 64, "rows": 7},
    ],
    "outputs": [{"name": "index", "path": "outputs/index.csv", "sha256": "d" * 64, "rows": 99}],
}


def test_provenance_names_commit_run_config_and_every_file() -> None:
    text = reporting.provenance_markdown(MANIFEST)
    assert "git commit `012301230123`" in text
    assert "uncommitted" not in text
    assert "finished 2026-01-02T03:04:09+00:00" in text
    assert "`config/pipeline.toml`, sha256 `cccccccccccc`" in text
    assert "polars 1.30.0, pandera not installed" in text
    assert "| input | `census` | `data/raw/c.csv` | 12,345 | `aaaaaaaaaaaa` |" in text
    assert "| output | `index` | `outputs/index.csv` | 99 | `dddddddddddd` |" in text
    assert text.startswith("| Item | Details |"), "no empty table header cells"


def test_provenance_warns_about_uncommitted_changes_and_missing_git() -> None:
    dirty = {**MANIFEST, "code": {**MANIFEST["code"], "dirty": True}}
    assert "**with uncommitted changes**" in reporting.provenance_markdown(dirty)
    no_git = {**MANIFEST, "code": {"version": "1.2.3", "commit": None, "dirty": None}}
    assert "not under git version control" in reporting.provenance_markdown(no_git)


def test_sources_list_licences_and_each_attribution_once() -> None:
    sources = {
        "census": {
            "title": "Census 2021 TS037",
            "publisher": "ONS",
            "url": "https://www.nomisweb.co.uk/",
            "release": "2023-01",
            "retrieved": "2026-01-01",
            "licence": "OGL-UK-3.0",
        },
        "lookup": {
            "title": "LSOA lookup",
            "publisher": "ONS",
            "licence": "Open Government Licence v3.0",
        },
    }
    text = reporting.sources_markdown(MANIFEST, sources)
    assert "[Census 2021 TS037](https://www.nomisweb.co.uk/) (ONS)" in text
    assert "2023-01, retrieved 2026-01-01" in text
    assert "[Open Government Licence v3.0](https://www.nationalarchives.gov.uk/" in text
    assert text.count(reporting.LICENCES["OGL-UK-3.0"][2]) == 1


def test_sources_show_an_input_without_a_record_and_custom_attribution() -> None:
    sources = {"census": {"licence": "OGL-UK-3.0", "attribution": "Contains OS data © Crown"}}
    text = reporting.sources_markdown(MANIFEST, sources)
    assert "**not recorded**: add `[sources.lookup]` to the config" in text
    assert "- Contains OS data © Crown" in text
    assert reporting.LICENCES["OGL-UK-3.0"][2] not in text


def test_licences_are_recognised_by_identifier_or_name() -> None:
    name, link, statement = reporting.LICENCES["OGL-UK-3.0"]
    assert reporting.licence_details("OGL-UK-3.0") == (name, link, statement)
    assert reporting.licence_details("open government licence v3.0") == (name, link, statement)
    assert reporting.licence_details("Our own terms") == ("Our own terms", "", "")


def test_the_configuration_records_the_source_of_every_input(workspace: Workspace) -> None:
    config = load_config(workspace.config_path)
    assert set(config.inputs) <= set(config.sources), "add [sources.<input>] for every input"
    for name in config.inputs:
        licence = str(config.sources[name].get("licence", ""))
        assert reporting.licence_details(licence)[1] or licence == "synthetic", (
            f"[sources.{name}] should name a licence the reports know (see reporting.LICENCES)"
        )


class Example(pa.DataFrameModel):
    """Example table: one row per area."""

    code: pl.String = pa.Field(str_matches=r"^E01\d{6}$|^W01\d{6}$", unique=True)
    count: pl.UInt32 = pa.Field(ge=0, description="People counted.")
    share: pl.Float64 = pa.Field(in_range={"min_value": 0, "max_value": 1}, nullable=True)
    kind: pl.String = pa.Field(isin=["a", "b"])

    @pa.dataframe_check
    @classmethod
    def share_needs_count(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Give a share only where people were counted."""
        return data.lazyframe.select(pl.col("share").is_null() | (pl.col("count") > 0))


def test_data_dictionary_describes_columns_checks_and_rules() -> None:
    text = reporting.data_dictionary({"example": Example})
    assert text.startswith("## `example`\n\nExample table: one row per area.\n")
    assert "| `code` | String | no | yes | matches `^E01\\d{6}$\\|^W01\\d{6}$` |  |" in text, (
        "pipes in patterns must be escaped inside Markdown tables"
    )
    assert "| `count` | UInt32 | no | no | ≥ 0 | People counted. |" in text
    assert "| `share` | Float64 | yes | no | between 0 and 1 |  |" in text
    assert "| `kind` | String | no | no | one of `a`, `b` |  |" in text
    assert "- `share_needs_count`: Give a share only where people were counted." in text


def test_data_dictionary_covers_every_published_column(workspace: Workspace) -> None:
    config = load_config(workspace.config_path)
    schemas = configured_pipeline(config).build(config.parameters).output_schemas()
    text = reporting.data_dictionary(schemas)
    for name, model in schemas.items():
        assert f"## `{name}`" in text
        for column in model.to_schema().columns:
            assert f"| `{column}` |" in text


def test_data_dictionary_command_writes_the_file(workspace: Workspace, tmp_path: Path) -> None:
    target = tmp_path / "docs" / "data-dictionary.md"
    args = ["data-dictionary", str(target), "--config", str(workspace.config_path)]
    assert reporting.main(args) == 0
    assert target.read_text(encoding="utf-8").startswith("---\ntitle: Data dictionary\n---\n")


def test_data_dictionary_command_reports_a_bad_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.toml"
    args = ["data-dictionary", str(tmp_path / "dd.md"), "--config", str(missing)]
    assert reporting.main(args) == 1
    assert "Configuration file not found" in capsys.readouterr().err


def test_number_formats() -> None:
    assert reporting.percent(0.12345) == "12.3%"
    assert reporting.percent(1, digits=0) == "100%"
    assert reporting.count(1234567) == "1,234,567"


def test_setup_charts_makes_static_images_in_the_palette() -> None:
    reporting.setup_charts()
    chart = alt.Chart(pl.DataFrame({"x": ["a"], "y": [1]})).mark_bar().encode(x="x", y="y")
    bundle = chart._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert set(data) == {"image/png"}
    assert alt.theme.get() is not None
    assert alt.theme.active == "rap_report"


def test_sources_label_inputs_in_words() -> None:
    text = reporting.sources_markdown(
        MANIFEST, {"census": {"title": "T"}, "lookup": {"title": "L"}}
    )
    assert "| Census | T |" in text
    assert "| Lookup | L |" in text


# --- Page building blocks -------------------------------------------------------------


def csv_of(link_html: str, filename: str) -> str:
    """The CSV text a download link embeds, found by its file name."""
    match = re.search(
        rf'href="data:text/csv;charset=utf-8;base64,([A-Za-z0-9+/=]+)" download="{filename}"',
        link_html,
    )
    assert match is not None, f"no download link for {filename}"
    return base64.b64decode(match.group(1)).decode("utf-8")


def test_html_displays_as_a_raw_html_markdown_block() -> None:
    block = reporting.Html("<p>hi</p>")
    assert block._repr_markdown_() == "```{=html}\n<p>hi</p>\n```\n"
    assert not hasattr(block, "_repr_html_"), "text/html would make Quarto load CDN scripts"


def test_table_html_has_a_caption_labelled_headers_and_formats() -> None:
    frame = pl.DataFrame({"name": ["A & B", "C"], "n": [1234, None], "share": [0.5, 0.25]})
    page = reporting.table_html(
        frame,
        caption="Areas <by> share",
        labels={"name": "Area", "share": "Share"},
        formats={"share": "percent"},
    )
    assert "<caption>Areas &lt;by&gt; share</caption>" in page
    assert '<th scope="col">Area</th><th scope="col" class="num">n</th>' in page
    assert '<td>A &amp; B</td><td class="num">1,234</td><td class="num">50.0%</td>' in page
    assert '<td class="num">no data</td>' in page
    shown = reporting.table_html(frame, caption="c", formats={"share": lambda v: f"{v:.3f}"})
    assert ">0.250<" in shown


def test_table_html_rejects_an_unknown_format() -> None:
    with pytest.raises(reporting.ReportError, match="Unknown format 'pct' for column 'share'"):
        reporting.table_html(pl.DataFrame({"share": [0.1]}), caption="c", formats={"share": "pct"})


def test_table_offers_its_numbers_as_csv() -> None:
    frame = pl.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    block = reporting.table(frame, caption="Two rows")
    assert csv_of(block.html, "two-rows.csv") == frame.write_csv()
    assert "Download this table: two-rows.csv" in block.html


def bar_chart(rows: int, title: str = "A is largest") -> Any:
    """A bar chart drawn from a Polars frame (Altair's chaining methods are untyped)."""
    frame = pl.DataFrame({"area": [f"Area {i}" for i in range(rows)], "value": list(range(rows))})
    return alt.Chart(frame, title=title).mark_bar().encode(x="value:Q", y="area:N")


def test_figure_is_a_responsive_svg_with_its_data_and_a_csv_download() -> None:
    reporting.setup_charts()
    chart = bar_chart(3)
    block = reporting.figure(
        chart, name="By area", alt="Area 2 has the largest value.", caption="Values by area."
    )
    page = block.html
    svgs = re.findall(r"<svg [^>]*>", page)
    assert len(svgs) == 2, "a wide and a narrow layout"
    for svg in svgs:
        assert not re.search(r' (width|height)="', svg), "sized by its container, not fixed"
        assert 'viewBox="' in svg
        assert re.search(r'style="max-width:\d+px"', svg)
        assert 'aria-hidden="true"' in svg
    assert (
        'role="img" aria-label="Area 2 has the largest value. The numbers are in the data table '
        'below the chart."'
    ) in page
    assert '<figcaption id="cap-by-area">Values by area.</figcaption>' in page
    assert '<details class="rap-data" id="data-by-area" open>' in page, "short tables start open"
    assert csv_of(page, "by-area.csv") == chart.data.write_csv(), "exactly the plotted numbers"


def test_figure_collapses_a_long_table_and_takes_explicit_data() -> None:
    chart = bar_chart(12)
    plotted = pl.DataFrame({"area": ["x"], "value": [1]})
    page = reporting.figure(chart, name="long", alt="a", caption="c").html
    assert '<details class="rap-data" id="data-long">' in page
    assert "(12 rows)" in page
    explicit = reporting.figure(chart, name="e", alt="a", caption="c", data=plotted).html
    assert csv_of(explicit, "e.csv") == plotted.write_csv()


def test_figure_needs_a_polars_frame() -> None:
    layered = bar_chart(2) + bar_chart(2)
    with pytest.raises(reporting.ReportError, match="Figure 'layered': pass data="):
        reporting.figure(layered, name="layered", alt="a", caption="c")


def test_narrow_layout_wraps_a_long_title_to_fit() -> None:
    title = "A long title that states the finding of the chart in a whole sentence of words"
    svg = reporting.chart_svg(bar_chart(2, title=title), reporting.NARROW)
    natural = re.search(r'style="max-width:(\d+)px"', svg)
    assert natural is not None
    assert int(natural.group(1)) < reporting.NARROW + 120, "the title does not widen the chart"
    assert svg.count("<text") > 3


def test_reference_line_is_labelled() -> None:
    for axis in ("x", "y"):
        spec = (bar_chart(2) + reporting.reference_line(1.5, "Threshold 1.5", axis=axis)).to_dict()
        marks = [layer["mark"]["type"] for layer in spec["layer"][1]["layer"]]
        assert marks == ["rule", "text"]
        assert "Threshold 1.5" in json.dumps(spec)
        svg = reporting.chart_svg(
            bar_chart(2) + reporting.reference_line(1.5, "Threshold 1.5", axis=axis), 300
        )
        assert "Threshold 1.5" in svg


def test_size_text() -> None:
    assert reporting.size_text(500) == "500 bytes"
    assert reporting.size_text(2048) == "2.0 KB"
    assert reporting.size_text(3 * 2**20) == "3.0 MB"


# --- Release basics and downloads -----------------------------------------------------

RELEASE = """
[release]
title = "Older residents"
producer = "Demo Team"
status = "official statistics in development"
contact_name = "A. Analyst"
contact_email = "a@example.org"
"""


def released(workspace: Workspace, table: str = RELEASE) -> reporting.Run:
    """Add a [release] table to the demo configuration, run the pipeline, load the run."""
    with workspace.config_path.open("a", encoding="utf-8") as handle:
        handle.write(table)
    config = load_config(workspace.config_path)
    run_pipeline(configured_pipeline(config).build(config.parameters), config)
    return reporting.load_run(workspace.config_path)


def test_release_defaults_come_from_the_run(workspace: Workspace) -> None:
    run = released(workspace)
    release = reporting.release_of(run)
    assert release.status == "Official statistics in development"
    assert release.published == dt.date.fromisoformat(run.manifest["finished"][:10])
    assert release.next_release is None
    assert "a@example.org" in release.revisions
    block = reporting.release_html(release).html
    assert "<dt>Next release</dt><dd>Not planned</dd>" in block
    assert '<a href="mailto:a@example.org">a@example.org</a>' in block
    cite = reporting.citation_markdown(release)
    assert f"Demo Team ({release.published.year}). Older residents. Published " in cite
    assert "**Revisions and corrections.**" in cite


def test_release_dates_and_url_from_the_configuration(workspace: Workspace) -> None:
    table = RELEASE + (
        'publication_date = 2026-03-31\nnext_release = "2027-03-31"\n'
        'url = "https://example.org/r"\nrevisions = "Revised 1 April 2026: table 2."\n'
    )
    release = reporting.release_of(released(workspace, table))
    assert release.published == dt.date(2026, 3, 31)
    assert release.next_release == dt.date(2027, 3, 31)
    assert release.citation().endswith("Published 31 March 2026. https://example.org/r")
    assert "<dd>31 March 2027</dd>" in reporting.release_html(release).html
    assert release.revisions == "Revised 1 April 2026: table 2."


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('colour = "blue"\n', r"Unknown key\(s\) colour in \[release\]"),
        ('next_release = "soon"\n', r"\[release\] next_release .* must be a date"),
    ],
)
def test_release_errors_name_the_key(workspace: Workspace, extra: str, message: str) -> None:
    run = released(workspace, RELEASE + extra)
    with pytest.raises(reporting.ReportError, match=message):
        reporting.release_of(run)


def test_release_needs_the_basics_and_a_known_status(workspace: Workspace) -> None:
    run = released(workspace, RELEASE.replace('contact_name = "A. Analyst"\n', ""))
    with pytest.raises(reporting.ReportError, match="must set contact_name"):
        reporting.release_of(run)
    release = {**run.config.release, "contact_name": "x", "status": "draft"}
    bad = dataclasses.replace(run, config=dataclasses.replace(run.config, release=release))
    with pytest.raises(reporting.ReportError, match=r"status .* is 'draft'; use one of"):
        reporting.release_of(bad)


def test_outputs_are_listed_with_downloads_rows_and_sizes(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = released(workspace)
    page = reporting.outputs_html(run, {"area_summary": "One row per area"}).html
    for item in run.manifest["outputs"]:
        path = run.outputs_dir / Path(item["path"]).name
        assert csv_of(page, path.name) == path.read_text(encoding="utf-8")
        assert f'<td class="num">{reporting.count(item["rows"])}</td>' in page
        assert reporting.size_text(path.stat().st_size) in page
    monkeypatch.setattr(reporting, "EMBED_LIMIT", 0)
    linked = reporting.outputs_html(run).html
    first = run.manifest["outputs"][0]
    assert f'href="{first["path"]}" download="{Path(first["path"]).name}"' in linked


def test_sample_notice_only_for_the_bundled_sample(workspace: Workspace) -> None:
    run = released(workspace)
    assert reporting.uses_sample_data(run)
    assert "Synthetic data." in reporting.sample_notice(run, "the Census").html
    real = {
        name: workspace.root / "data" / "raw" / path.name
        for name, path in run.config.inputs.items()
    }
    elsewhere = dataclasses.replace(run, config=dataclasses.replace(run.config, inputs=real))
    assert reporting.sample_notice(elsewhere, "the Census").html == ""
