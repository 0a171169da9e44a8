"""The contract every pipeline of this project keeps, whichever it is.

Parametrised over the pipelines in ``src/<package>/pipelines/`` (found by
:func:`rapkit.project.pipeline_names`, so a pipeline added with ``new-pipeline``
is covered too), each run with the configuration in ``config/`` that names it:

* every input declares what it must hold (:class:`rapkit.Expect`);
* an empty (header-only) input stops the run, naming the file, and publishes
  nothing, unless the pipeline declares it optional: then the run publishes,
  and the manifest says what the outputs lack;
* the pipeline's own synthetic sample is valid at any size, and streaming mode
  publishes the same bytes as in-memory mode.

What is particular to one pipeline (its stages, schemas, parameters, aliases)
is tested in ``tests/pipelines/test_<pipeline>.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapkit.config import PipelineConfig, load_config
from rapkit.inputs import Expect
from rapkit.project import load_pipeline, pipeline_names

from .conftest import (
    PACKAGE,
    ROOT,
    copy_workspace,
    keep_header_only,
    main,
    run_error,
    run_on_sample,
)


def configs_by_pipeline() -> dict[str, PipelineConfig]:
    """The configuration of each pipeline: ``config/pipeline.toml`` first, then ``config/*.toml``."""
    found: dict[str, PipelineConfig] = {}
    main_config = ROOT / "config" / "pipeline.toml"
    for path in [main_config, *sorted((ROOT / "config").glob("*.toml"))]:
        if path.is_file():
            config = load_config(path)
            found.setdefault(config.pipeline, config)
    return found


if PACKAGE is None:
    msg = "[tool.rapkit] package is not set in pyproject.toml"
    raise RuntimeError(msg)
OWN_PACKAGE: str = PACKAGE
PIPELINES = pipeline_names(OWN_PACKAGE)
CONFIGS = configs_by_pipeline()


def expectations(pipeline: str) -> dict[str, Expect]:
    """What each input of ``pipeline`` declares, as built from its configuration."""
    module = load_pipeline(OWN_PACKAGE, pipeline)
    return dict(module.build(CONFIGS[pipeline].parameters).expect)


INPUTS = [
    pytest.param(pipeline, name, id=f"{pipeline}-{name}")
    for pipeline in PIPELINES
    if pipeline in CONFIGS
    for name in CONFIGS[pipeline].inputs
]


def test_every_pipeline_has_a_configuration() -> None:
    assert PIPELINES, f"no pipelines in src/{OWN_PACKAGE}/pipelines/"
    missing = [name for name in PIPELINES if name not in CONFIGS]
    assert not missing, f"no config/*.toml runs {missing}"


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_every_input_declares_its_expectations(pipeline: str) -> None:
    module = load_pipeline(OWN_PACKAGE, pipeline)
    built = module.build(CONFIGS[pipeline].parameters)
    assert set(built.expect) == set(built.readers) == set(CONFIGS[pipeline].inputs)
    for name, expect in built.expect.items():
        assert expect.min_rows >= 1, name
        # An optional input must say what the outputs lack without it: the manifest and
        # the report repeat it to readers.
        assert expect.missing or not expect.optional, f"optional input {name!r} has no `missing`"


@pytest.mark.parametrize(("pipeline", "name"), INPUTS)
def test_every_input_must_have_data_rows_unless_optional(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pipeline: str, name: str
) -> None:
    workspace = copy_workspace(tmp_path, CONFIGS[pipeline])
    keep_header_only(workspace.inputs[name])
    expect = expectations(pipeline)[name]
    if not expect.optional:
        error = run_error(workspace.config_path, capsys)
        assert workspace.inputs[name].name in error
        assert re.search(r"no (data )?rows", error), error
        assert not list(workspace.outputs.glob("*.csv"))  # nothing published
        return
    # Optional: published without it, and the gap travels with the numbers.
    assert main(["--config", str(workspace.config_path), "run"]) == 0
    manifest = json.loads((workspace.outputs / "manifest.json").read_text(encoding="utf-8"))
    assert [(entry["name"], entry["missing"]) for entry in manifest["missing_inputs"]] == [
        (name, expect.missing)
    ]
    assert f"Published WITHOUT input {name!r}" in capsys.readouterr().err


@pytest.mark.parametrize("pipeline", PIPELINES)
@settings(max_examples=3, deadline=None)
@given(rows=st.integers(min_value=1, max_value=2000), seed=st.integers(0, 2**32 - 1))
def test_sample_of_any_size_validates_and_runs(
    tmp_path_factory: pytest.TempPathFactory, pipeline: str, rows: int, seed: int
) -> None:
    files = load_pipeline(OWN_PACKAGE, pipeline).make_sample(rows, seed)
    folder = tmp_path_factory.mktemp("sample")
    assert run_on_sample(folder, CONFIGS[pipeline], files, batch_rows=97) >= 1
