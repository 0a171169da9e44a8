"""Tests of configuration loading."""

from __future__ import annotations

from pathlib import Path

import pytest

from rapkit.config import load_config
from rapkit.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_relative_paths_resolve_against_project_root(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "")
    (tmp_path / "config").mkdir()
    config = load_config(
        write(tmp_path / "config" / "pipeline.toml", 'pipeline = "x"\n[inputs]\na = "data/a.csv"\n')
    )
    assert config.inputs == {"a": tmp_path.resolve() / "data" / "a.csv"}
    assert config.outputs_dir == tmp_path.resolve() / "outputs"
    assert len(config.sha256) == 64


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('pipeline = "x"\nextra = 1\n', "Unknown key"),
        ("[inputs]\n", "must set `pipeline"),
        ('pipeline = "x"\n[inputs]\na = 1\n', "must map input names to file paths"),
        ('pipeline = "x"\nstreaming = "yes"\n', "must be true or false"),
        ("pipeline = \n", "not valid UTF-8 TOML"),
        ('pipeline = "x"\nparameters = "x"\n', r"\[parameters\] in .* must be a table"),
        ('pipeline = "x"\nrap = 3\n', r"\[rap\] in .* must be a table"),
        ('pipeline = "x"\nsources = []\n', r"\[sources\] in .* must be a table"),
    ],
)
def test_bad_config_is_explained(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path / "pipeline.toml", text))


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Configuration file not found"):
        load_config(tmp_path / "nope.toml")


def test_package_comes_from_the_pyproject(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.rapkit]\npackage = "my_rap"\n')
    (tmp_path / "config").mkdir()
    config = load_config(write(tmp_path / "config" / "pipeline.toml", 'pipeline = "x"\n'))
    assert config.package == "my_rap"
    assert config.root == tmp_path.resolve()
    assert config.parameters == {}
