"""Tests of ``new-pipeline``: scaffolding a working pipeline into a tiny fake project."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from rapkit import cli, scaffold
from rapkit.errors import ConfigError

FILES = (
    "src/{package}/pipelines/demo/__init__.py",
    "src/{package}/pipelines/demo/stages.py",
    "src/{package}/pipelines/demo/schemas.py",
    "src/{package}/pipelines/demo/pipeline.py",
    "src/{package}/pipelines/demo/sample.py",
    "config/demo.toml",
    "tests/pipelines/test_demo.py",
    "reports/demo.qmd",
    "data/sample/demo/records.csv",
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, str]]:
    """A minimal project: pyproject naming its package, one pipeline, a config, a citation.

    Each test gets its own package name, so imports never leak between tests.
    """
    package = "fake_" + re.sub(r"\W", "_", tmp_path.name)
    root = tmp_path / "project"
    pipelines = root / "src" / package / "pipelines"
    (pipelines / "existing").mkdir(parents=True)
    (root / "src" / package / "__init__.py").write_text('"""Fake."""\n', encoding="utf-8")
    (pipelines / "__init__.py").write_text('"""Pipelines."""\n', encoding="utf-8")
    (pipelines / "existing" / "__init__.py").write_text('"""Taken."""\n', encoding="utf-8")
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "fake"\n[tool.rapkit]\npackage = "{package}"\n', encoding="utf-8"
    )
    (root / "config").mkdir()
    (root / "config" / "pipeline.toml").write_text(
        'pipeline = "existing"\n[rap]\ntarget_level = "silver"\nattestation_max_age_days = 90\n',
        encoding="utf-8",
    )
    (root / "CITATION.cff").write_text(
        'title: "Fake Project"\nauthors:\n  - name: "Fake Team"\n', encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(root / "src"))
    monkeypatch.chdir(root)
    yield root, package
    for name in [m for m in sys.modules if m == package or m.startswith(f"{package}.")]:
        del sys.modules[name]


def test_writes_a_complete_pipeline_that_runs(project: tuple[Path, str]) -> None:
    root, package = project
    written = scaffold.new_pipeline(root, package, "demo")
    expected = {root / f.format(package=package) for f in FILES}
    assert set(written) == expected
    for path in expected:
        if path.suffix == ".py":
            ast.parse(path.read_text(encoding="utf-8"), filename=str(path))  # valid Python
        assert not re.search(r"\$\{?[a-z_]", path.read_text(encoding="utf-8"))  # all filled
    config = tomllib.loads((root / "config" / "demo.toml").read_text(encoding="utf-8"))
    assert config["pipeline"] == "demo"
    assert config["inputs"] == {"records": "data/sample/demo/records.csv"}
    assert config["rap"] == {"target_level": "silver", "attestation_max_age_days": 90}
    assert set(config["sources"]) == set(config["inputs"])
    report = (root / "reports" / "demo.qmd").read_text(encoding="utf-8")
    assert 'subtitle: "Fake Project"' in report
    assert 'author: "Fake Team"' in report
    test = (root / "tests" / "pipelines" / "test_demo.py").read_text(encoding="utf-8")
    assert f"from {package}.pipelines.demo import (" in test

    sample = pl.read_csv(root / "data" / "sample" / "demo" / "records.csv")
    assert sample.columns == ["record_id", "area_code", "lad_code", "value"]
    assert sample.height == 2_000

    assert cli.main(["--config", "config/demo.toml", "run"], package=package) == 0
    summary = pl.read_csv(root / "outputs" / "demo" / "area_summary.csv")
    assert summary["records"].sum() == sample.height
    assert summary["high_records"].sum() == sample.filter(pl.col("value") >= 50).height


def test_cli_prints_what_it_wrote_and_next_steps(
    project: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    root, package = project
    assert cli.main(["new-pipeline", "demo"], package=package) == 0
    out = capsys.readouterr().out
    assert "config/demo.toml" in out
    assert f"src/{package}/pipelines/demo/stages.py" in out
    assert f"python -m {package} --config config/demo.toml run" in out
    assert (root / "reports" / "demo.qmd").is_file()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Demo", "lower snake case"),
        ("1demo", "lower snake case"),
        ("demo-x", "lower snake case"),
        ("demo__x", "lower snake case"),
        ("demo_", "lower snake case"),
        ("", "lower snake case"),
        ("class", "Python keyword"),
        ("match", "Python keyword"),
        ("existing", "already exists"),
    ],
)
def test_refuses_bad_or_taken_names(
    project: tuple[Path, str], name: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root, package = project
    before = sorted(root.rglob("*"))
    assert cli.main(["new-pipeline", name], package=package) == 1
    assert message in capsys.readouterr().err
    assert sorted(root.rglob("*")) == before  # nothing written


def test_never_overwrites_an_existing_file(project: tuple[Path, str]) -> None:
    root, package = project
    mine = root / "tests" / "pipelines" / "test_demo.py"
    mine.parent.mkdir(parents=True)
    mine.write_text("# my own test\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(str(mine))):
        scaffold.new_pipeline(root, package, "demo")
    assert mine.read_text(encoding="utf-8") == "# my own test\n"
    assert not (root / "src" / package / "pipelines" / "demo").exists()
    assert not (root / "config" / "demo.toml").exists()


def test_never_mixes_with_existing_sample_data(project: tuple[Path, str]) -> None:
    root, package = project
    (root / "data" / "sample" / "demo").mkdir(parents=True)
    with pytest.raises(ConfigError, match=r"these exist \(nothing changed\)"):
        scaffold.new_pipeline(root, package, "demo")
    assert not (root / "config" / "demo.toml").exists()


def test_needs_a_pipelines_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="pipelines does not exist"):
        scaffold.new_pipeline(tmp_path, "nothing", "demo")


def test_defaults_when_the_project_has_no_config_or_citation(project: tuple[Path, str]) -> None:
    root, package = project
    (root / "config" / "pipeline.toml").unlink()
    (root / "CITATION.cff").unlink()
    scaffold.new_pipeline(root, package, "demo")
    config = tomllib.loads((root / "config" / "demo.toml").read_text(encoding="utf-8"))
    assert config["rap"] == {"target_level": "baseline"}
    assert 'subtitle: "project"' in (root / "reports" / "demo.qmd").read_text(encoding="utf-8")
