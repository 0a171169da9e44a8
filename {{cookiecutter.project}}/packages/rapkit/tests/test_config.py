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
        ('pipeline = "x"\n[inputs]\na = 1\n', r"inputs.a must be the path of a file"),
        ('pipeline = "x"\n[inputs]\na = ""\n', r"inputs.a must be the path of a file"),
        ('pipeline = "x"\ninputs = "a.csv"\n', r"\[inputs\] in .* must be a table"),
        ('pipeline = "x"\nstreaming = "yes"\n', "must be true or false"),
        ("pipeline = \n", "not valid UTF-8 TOML"),
        ('pipeline = "x"\nparameters = "x"\n', r"\[parameters\] in .* must be a table"),
        ('pipeline = "x"\nrap = 3\n', r"\[rap\] in .* must be a table"),
        ('pipeline = "x"\nsources = []\n', r"\[sources\] in .* must be a table"),
        ('pipeline = "  "\n', "must set `pipeline"),
        ('pipeline = "x"\n[rap]\ntarget = "gold"\n', r"unknown key\(s\) in \[rap\]: target"),
        ('pipeline = "x"\n[rap]\ntarget_level = 3\n', "rap.target_level must be a string"),
        ('pipeline = "x"\n[rap]\nattestation_max_age_days = "1"\n', "attestation_max_age_days"),
        ('pipeline = "x"\n[sources.a]\ntitle = "t"\n', r"\[sources.a\] describes an input"),
        (
            'pipeline = "x"\n[inputs]\na = "a.csv"\n[sources.a]\nyear = 2021\n',
            r"\[sources.a\] must be a table of text fields",
        ),
        ('pipeline = "x"\noutputs_dir = ""\n', "outputs_dir must be a folder path"),
        ('pipeline = "x"\noutputs_dir = 3\n', "outputs_dir must be a folder path"),
        ('pipeline = "x"\noutputs_dir = "."\n', r"outputs_dir = '\.' is the project folder"),
        ('pipeline = "x"\noutputs_dir = ".."\n', r"outputs_dir = '\.\.' is the project folder"),
        ('pipeline = "x"\noutputs_dir = "data/raw/out"\n', r"inside data/raw/"),
        ('pipeline = "x"\noutputs_dir = "src"\n', r"inside src/"),
        (
            'pipeline = "x"\n[aliases.b]\ncolumns = {x = "y"}\n',
            r"\[aliases.b\] is for an unknown input 'b'",
        ),
        (
            'pipeline = "x"\n[inputs]\na = "a.csv"\n[aliases.a]\ncolums = {x = "y"}\n',
            r"unknown key\(s\) in \[aliases.a\]: colums",
        ),
        (
            'pipeline = "x"\n[inputs]\na = "a.csv"\n[aliases.a]\ncolumns = {x = 1}\n',
            r"aliases.a.columns must map each published name",
        ),
        (
            'pipeline = "x"\naliases = {a = 1}\n[inputs]\na = "a.csv"\n',
            r"\[aliases.a\] must be a table",
        ),
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


def test_an_input_that_is_a_folder_is_named(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "")
    (tmp_path / "data").mkdir()
    with pytest.raises(ConfigError, match=r"inputs.a = 'data' is a folder"):
        load_config(write(tmp_path / "pipeline.toml", 'pipeline = "x"\n[inputs]\na = "data"\n'))


def test_outputs_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "")
    write(tmp_path / "out", "")
    with pytest.raises(ConfigError, match=r"outputs_dir = 'out' is a file"):
        load_config(write(tmp_path / "pipeline.toml", 'pipeline = "x"\noutputs_dir = "out"\n'))


def test_aliases_are_loaded_per_input(tmp_path: Path) -> None:
    text = (
        'pipeline = "x"\n[inputs]\na = "a.csv"\n'
        '[aliases.a]\ncolumns = {"Count Point" = "count_point_id"}\ncategories = {Fair = "Fair health"}\n'
    )
    config = load_config(write(tmp_path / "pipeline.toml", text))
    assert config.aliases["a"].columns == {"Count Point": "count_point_id"}
    assert config.aliases["a"].categories == {"Fair": "Fair health"}
