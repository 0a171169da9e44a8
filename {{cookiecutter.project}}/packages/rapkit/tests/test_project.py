"""Tests of finding a project's package and its pipelines (rapkit.project)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rapkit.config import load_config
from rapkit.errors import ConfigError
from rapkit.project import (
    configured_pipeline,
    find_root,
    load_pipeline,
    package_name,
    pipeline_names,
    project_version,
)
from rapkit.runner import Pipeline

from .conftest import PACKAGE, PIPELINE, forget_demo_modules


def add_pipeline(root: Path, name: str, init: str) -> None:
    """Add ``src/demo_rap/pipelines/<name>/__init__.py`` with ``init`` to the demo project."""
    folder = root / "src" / PACKAGE / "pipelines" / name
    folder.mkdir()
    (folder / "__init__.py").write_text(init, encoding="utf-8")
    forget_demo_modules()


def test_package_is_named_in_the_pyproject(demo_project: Path) -> None:
    assert package_name(demo_project) == PACKAGE


def test_without_the_setting_the_single_src_package_is_used(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert package_name(tmp_path) is None, "no src folder: no package"
    (tmp_path / "src" / "only_one").mkdir(parents=True)
    (tmp_path / "src" / "only_one" / "__init__.py").touch()
    (tmp_path / "src" / "not_a_package").mkdir()
    assert package_name(tmp_path) == "only_one"
    (tmp_path / "src" / "second").mkdir()
    (tmp_path / "src" / "second" / "__init__.py").touch()
    assert package_name(tmp_path) is None, "two candidates: the setting is needed"


def test_an_empty_setting_falls_back_to_src(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.rapkit]\npackage = ""\n', encoding="utf-8")
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "src" / "pkg" / "__init__.py").touch()
    assert package_name(tmp_path) == "pkg"


def test_a_broken_pyproject_is_named(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[tool.rapkit\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=f"{pyproject} is not valid UTF-8 TOML"):
        package_name(tmp_path)


def test_root_is_found_from_any_folder_inside(demo_project: Path) -> None:
    inner = demo_project / "src" / PACKAGE / "pipelines"
    assert find_root(inner) == demo_project.resolve()


def test_pipelines_are_found_by_looking(demo_project: Path) -> None:
    assert pipeline_names(PACKAGE) == [PIPELINE]
    add_pipeline(demo_project, "another", "")
    (
        demo_project / "src" / PACKAGE / "pipelines" / "helpers.py"
    ).touch()  # a module, not a pipeline
    assert pipeline_names(PACKAGE) == ["another", PIPELINE]


def test_load_pipeline_returns_what_the_package_exports(demo_project: Path) -> None:
    module = load_pipeline(PACKAGE, PIPELINE)
    assert module.name == PIPELINE
    assert module.sample_rows == 500
    pipeline = module.build({})
    assert isinstance(pipeline, Pipeline)
    assert [stage.name for stage in pipeline.stages] == ["tidy", "summarise"]
    assert set(module.make_sample(20, 1)) == {"residents"}


def test_unknown_pipeline_lists_the_available_ones(demo_project: Path) -> None:
    add_pipeline(demo_project, "another", "")
    with pytest.raises(ConfigError) as caught:
        load_pipeline(PACKAGE, "residnets")
    message = str(caught.value)
    assert "No pipeline called 'residnets' in demo_rap.pipelines" in message
    assert f"(found: another, {PIPELINE})" in message
    assert "config/pipeline.toml" in message


def test_a_pipeline_must_export_build_make_sample_and_sample_rows(demo_project: Path) -> None:
    add_pipeline(demo_project, "half_done", "SAMPLE_ROWS = 10\n")
    with pytest.raises(ConfigError) as caught:
        load_pipeline(PACKAGE, "half_done")
    message = str(caught.value)
    assert "demo_rap.pipelines.half_done does not provide build, make_sample " in message
    assert "SAMPLE_ROWS" not in message.split("provide", 1)[1].split("(", maxsplit=1)[0]
    assert "__init__.py" in message
    add_pipeline(demo_project, "empty", "")
    with pytest.raises(ConfigError, match="does not provide build, make_sample, SAMPLE_ROWS "):
        load_pipeline(PACKAGE, "empty")


def test_a_package_without_pipelines_is_explained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bare_pkg").mkdir()
    (tmp_path / "bare_pkg" / "__init__.py").touch()
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ConfigError, match=r"'bare_pkg' has no `pipelines` sub-package"):
        pipeline_names("bare_pkg")
    with pytest.raises(ConfigError, match="'no_such_package_here' has no `pipelines`"):
        pipeline_names("no_such_package_here")


def test_an_import_error_inside_a_pipeline_is_not_hidden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "broken_pkg" / "pipelines").mkdir(parents=True)
    (tmp_path / "broken_pkg" / "__init__.py").touch()
    (tmp_path / "broken_pkg" / "pipelines" / "__init__.py").write_text("import not_installed_x\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError, match="not_installed_x"):
        pipeline_names("broken_pkg")


def test_configured_pipeline_needs_a_package(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    path = tmp_path / "pipeline.toml"
    path.write_text('pipeline = "residents"\n', encoding="utf-8")
    config = load_config(path)
    assert config.package is None
    with pytest.raises(ConfigError, match=r'set `\[tool.rapkit\] package = "<import name>"`'):
        configured_pipeline(config)


def test_configured_pipeline_uses_the_config_or_the_given_package(demo_project: Path) -> None:
    config = load_config(demo_project / "config" / "pipeline.toml")
    assert config.package == PACKAGE
    assert configured_pipeline(config).name == PIPELINE
    assert configured_pipeline(config, PACKAGE).name == PIPELINE


def test_project_version(demo_project: Path) -> None:
    assert project_version(PACKAGE) == "1.2.3"
    assert project_version("demo_rap.pipelines") is None, "a package without __version__"
    assert project_version("no_such_package_here") is None
