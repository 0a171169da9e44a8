"""Tests of the report helpers: loading a run safely, provenance, sources, data dictionary."""

from __future__ import annotations

import json
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
    assert "| input | census | `data/raw/c.csv` | 12,345 | `aaaaaaaaaaaa` |" in text
    assert "| output | index | `outputs/index.csv` | 99 | `dddddddddddd` |" in text


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
