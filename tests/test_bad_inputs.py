"""The bad-input corpus: every bad input, bad configuration and fault is refused cleanly.

For each case in ``tests/bad_inputs/cases.py``, in memory and in streaming mode
where the case says so: a copy of the starter's configuration and sample inputs
gets the outputs of a good run, then the bad change, then a run of the generated
project's command line (``python -m my_rap_project --config ... run``, in the
project's own locked environment). The run must exit 1 (130 for Ctrl-C), say
what is wrong (file, column or key, line) without a traceback, and leave every
file as it was: outputs and manifest byte-identical, inputs untouched, nothing
new but a run log (no staging or temporary folders). The exception is an empty
input the pipeline declares optional: that run publishes (exit 0) and must state
the gap, in its messages and in the manifest's ``missing_inputs``.

One locked project per starter is shared by every case (generated once per
test process); each case copies only the configuration and inputs. Run the
corpus on its own with ``pytest -m corpus -n 2``.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from .bad_inputs.cases import (
    CASES,
    DISK_FULL,
    INTERRUPT_PUBLISH,
    INTERRUPT_SPILL,
    STREAMING,
    Case,
    Workspace,
    copy_inputs,
)
from .conftest import CONTEXT, clean_env, generate, which_or_skip

# The corpus generates and locks projects, like the other slow tests: `-m "not generated"`
# leaves it out of the quick subset, `-m corpus` runs it alone.
pytestmark = [pytest.mark.corpus, pytest.mark.generated]

PACKAGE = "my_rap_project"
STARTERS = list(CONTEXT["_starters"])
RUN_TIMEOUT = 300

# Runs the project's command line with one fault injected. Publishing faults strike
# when the run opens its second file for writing under the project (run logs and
# bytecode aside): the first output is then already written, so a run that renames
# outputs one by one would leave a mix. An audit hook sees every such open, whatever
# code makes it, and raising there aborts it. Ctrl-C while spilling strikes just after
# a streaming stage's Parquet spill is written (by Polars, outside Python's view).
# FAULT INJECTED on stderr proves the fault happened.
FAULT_SCRIPT = """
import errno, os, runpy, sys

fault, package, *argv = sys.argv[1:]
root = os.getcwd()
writes = []

def is_output_write(args):
    path, mode, flags = args
    if not isinstance(path, (str, bytes, os.PathLike)):
        return False
    path = os.path.abspath(os.fsdecode(path))
    if not path.startswith(root + os.sep) or path.endswith((".log", ".pyc")) or "__pycache__" in path:
        return False
    if mode is not None:
        return any(letter in str(mode) for letter in "wax+")
    return bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))

def strike():
    print("FAULT INJECTED", file=sys.stderr)
    if fault == "disk-full":
        raise OSError(errno.ENOSPC, "No space left on device")
    raise KeyboardInterrupt

def hook(event, args):
    if event == "open" and fault != "interrupt-spill" and is_output_write(args):
        writes.append(args[0])
        if len(writes) == 2:
            strike()

if fault == "interrupt-spill":
    import polars as pl
    original = pl.LazyFrame.sink_parquet
    def spill_then_interrupt(*args, **kwargs):
        original(*args, **kwargs)
        strike()
    pl.LazyFrame.sink_parquet = spill_then_interrupt
sys.addaudithook(hook)
sys.argv = [package, *argv]
runpy.run_module(package, run_name="__main__", alter_sys=True)
"""


def corpus_ids() -> list[tuple[Case, str]]:
    """Every (case, mode) pair of the corpus."""
    return [(case, mode) for case in CASES for mode in case.modes]


# Cases whose behaviour issue 11 asks for but the pipelines do not give yet, with what is
# missing. Each is a strict xfail: it must keep failing until fixed (then an XPASS fails the
# run and the entry must go). Nothing here is a wrong number published with exit 0.
KNOWN_GAPS: dict[str, str] = {}


def marks(case: Case) -> list[pytest.MarkDecorator]:
    """The case's xdist group, and a strict xfail if it is a known gap."""
    found = [pytest.mark.xdist_group(case.starter)]
    gap = KNOWN_GAPS.get(f"{case.starter}-{case.name}")
    if gap:
        found.append(pytest.mark.xfail(strict=True, reason=f"not done yet: {gap}"))
    return found


PARAMS = [
    pytest.param(case, mode, id=f"{case.starter}-{case.name}-{mode}", marks=marks(case))
    for case, mode in corpus_ids()
]


@dataclass(frozen=True)
class Project:
    """A locked, installed generated project for one starter."""

    root: Path
    python: Path
    config_text: str


@pytest.fixture(scope="session")
def projects(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Project]:
    """Generate, lock and install one project per starter, the first time a case needs it."""
    made: dict[str, Project] = {}
    uv = which_or_skip("uv")

    def get(starter: str) -> Project:
        if starter not in made:
            root = generate(tmp_path_factory.mktemp(f"corpus-{starter}"), lock=True, starter=starter)
            subprocess.run(
                [uv, "sync", "--locked", "--no-default-groups", "--quiet"],
                cwd=root,
                env=clean_env(),
                check=True,
                timeout=900,
            )
            made[starter] = Project(
                root=root,
                python=root / ".venv" / "bin" / "python",
                config_text=(root / "config" / "pipeline.toml").read_text(encoding="utf-8"),
            )
        return made[starter]

    return get


def workspace(project: Project, root: Path, mode: str) -> Workspace:
    """A copy of the project's configuration and inputs under ``root``, in ``mode``."""
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text("# marks the project root of this corpus case\n", encoding="utf-8")
    config = root / "config" / "pipeline.toml"
    config.parent.mkdir()
    text = project.config_text
    if mode == STREAMING:
        assert "\nstreaming = false\n" in text
        text = text.replace("\nstreaming = false\n", "\nstreaming = true\n")
    config.write_text(text, encoding="utf-8")
    copy_inputs(project.root, root, text)
    for folder in ("interim", "raw", "processed"):
        (root / "data" / folder).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(project.root / "data" / folder / "README.md", root / "data" / folder / "README.md")
    return Workspace(root=root, config=config)


def run(project: Project, ws: Workspace, fault: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the pipeline of ``ws`` with the project's own environment (and ``fault``, if any)."""
    argv = ["--config", str(ws.config), "run"]
    command = (
        [str(project.python), "-c", FAULT_SCRIPT, fault, PACKAGE, *argv]
        if fault
        else [str(project.python), "-m", PACKAGE, *argv]
    )
    return subprocess.run(
        command,
        cwd=ws.root,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=RUN_TIMEOUT,
    )


@pytest.fixture(scope="session")
def good_outputs(
    projects: Callable[[str], Project], tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str, str], Path]:
    """The outputs folder of one good run per starter and mode (made when first needed)."""
    made: dict[tuple[str, str], Path] = {}

    def get(starter: str, mode: str) -> Path:
        if (starter, mode) not in made:
            project = projects(starter)
            ws = workspace(project, tmp_path_factory.mktemp(f"good-{starter}-{mode}") / "project", mode)
            done = run(project, ws)
            assert done.returncode == 0, (
                f"the unchanged {starter} project fails ({mode}):\n{done.stderr[-4000:]}"
            )
            made[starter, mode] = ws.root / "outputs"
        return made[starter, mode]

    return get


def snapshot(root: Path) -> dict[str, str]:
    """Every file and folder under ``root``: ``{relative path: sha256 of the bytes, or "dir"}``."""
    found = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        found[relative] = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def is_run_log(relative: str) -> bool:
    """A run's own log file, the one thing a failed run may add."""
    return re.fullmatch(r"outputs/logs/[^/]+\.log", relative) is not None


def check_expected(case: Case, ws: Workspace, output: str) -> list[str]:
    """What the run's output lacks (or has that it must not), as readable problems."""
    problems = []
    for item in case.expect:
        options = (item,) if isinstance(item, str) else item
        if not any(option in output for option in options):
            problems.append(f"the message does not name {' or '.join(map(repr, options))}")
    line = case.line(ws) if callable(case.line) else case.line
    if line is not None and not re.search(rf"\bline {line}\b", output):
        problems.append(f"the message does not give the line ('line {line}')")
    problems += [f"the message says {text!r}" for text in case.absent if text in output]
    if "Traceback" in output:
        problems.append("the output has a Python traceback")
    return problems


def check_files(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Files changed, removed or added by the run (other than a new run log)."""
    problems = [f"{path} changed" for path in before if path in after and after[path] != before[path]]
    problems += [f"{path} was removed" for path in before if path not in after]
    problems += [f"{path} was left behind" for path in after if path not in before and not is_run_log(path)]
    return problems


def check_published_with_gap(
    missing: str, ws: Workspace, before: dict[str, str], after: dict[str, str]
) -> list[str]:
    """For an empty optional input: new outputs, whose manifest names the gap; nothing else changed."""
    problems = [
        f"{path} changed"
        for path in before
        if not path.startswith("outputs/") and after.get(path) != before[path]
    ]
    problems += [f"{path} was left behind" for path in after if path not in before and not is_run_log(path)]
    manifest = json.loads((ws.root / "outputs" / "manifest.json").read_text(encoding="utf-8"))
    named = [entry["name"] for entry in manifest.get("missing_inputs", [])]
    if named != [missing]:
        problems.append(f"the manifest's missing_inputs names {named}, not [{missing!r}]")
    return problems


@pytest.mark.parametrize(("case", "mode"), PARAMS)
def test_bad_input_is_refused_and_publishes_nothing(
    case: Case,
    mode: str,
    projects: Callable[[str], Project],
    good_outputs: Callable[[str, str], Path],
    tmp_path: Path,
) -> None:
    project = projects(case.starter)
    ws = workspace(project, tmp_path / "project", mode)
    shutil.copytree(good_outputs(case.starter, mode), ws.root / "outputs")
    case.change(ws)
    before = snapshot(ws.root)

    done = run(project, ws, case.fault)

    output = done.stdout + done.stderr
    problems = []
    if done.returncode != case.exit_code:
        problems.append(f"exit status {done.returncode}, expected {case.exit_code}")
    if case.fault and "FAULT INJECTED" not in done.stderr:
        problems.append(f"the {case.fault} fault was never triggered")
    problems += check_expected(case, ws, output)
    if case.publishes_without:
        problems += check_published_with_gap(case.publishes_without, ws, before, snapshot(ws.root))
    else:
        problems += check_files(before, snapshot(ws.root))
    assert not problems, "\n".join(["", *problems, "--- output of the run:", output[-3000:]])


def test_the_corpus_covers_every_starter_both_modes_and_the_issue_classes() -> None:
    pairs = corpus_ids()
    assert len(pairs) >= 50
    assert {case.starter for case in CASES} == set(STARTERS)
    assert {mode for _, mode in pairs} == {"memory", "streaming"}
    assert {case.fault for case in CASES} >= {INTERRUPT_PUBLISH, INTERRUPT_SPILL, DISK_FULL}
    names = {case.name for case in CASES}
    for expected in (
        "header-only-optional-input", "ragged-row-thousands-separator", "nan-in-float-column",
        "percent-measure-read-as-counts", "misspelt-parameter", "outputs-dir-empty", "outputs-dir-is-a-file",
        "unclosed-quote", "invalid-byte-after-first-mib", "parameters-is-a-string", "unknown-pipeline",
        "input-is-a-directory", "unknown-area-code", "truncated-row", "empty-nomis-download",
        "2011-census-table", "2011-lsoa-lookup", "wrong-type-parameter", "string-where-list-expected",
        "unknown-config-key", "missing-input-file", "missing-column", "wrong-encoding", "duplicated-config-key",
        "negative-count", "ctrl-c-while-publishing", "disk-full-while-publishing",
    ):  # fmt: skip
        assert expected in names, expected
    ids = [f"{case.starter}-{case.name}" for case in CASES]
    assert len(ids) == len(set(ids)), "case names repeat within a starter"
