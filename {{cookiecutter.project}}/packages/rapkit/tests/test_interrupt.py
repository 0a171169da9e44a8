"""A real Ctrl-C: SIGINT sent to a running ``python -m <package> run`` process.

Other tests raise ``KeyboardInterrupt`` from inside the process; this one sends
the signal the terminal sends, to a separate process, while it works on a sample
large enough to take seconds, so the interrupt lands mid-run (in Polars' work
as often as in Python's). The run must stop with status 130 and one line of
explanation, no traceback, the previous outputs byte for byte as they were, and
no staging or streaming spill folder left behind.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rapkit import cli
from rapkit.io import write_frames_atomically
from rapkit.project import load_pipeline

from .conftest import PACKAGE, PIPELINE, Workspace

ROWS = 2_000_000  # seconds of work: reading, hashing, validating
STARTED = "Pipeline 'residents', config"  # logged by the command line as the run begins
TIMEOUT = 120
LOG_LEVELS = ("DEBUG ", "INFO ", "WARNING ", "ERROR ", "CRITICAL ")


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (run logs aside) with the SHA-256 of its bytes; folders too."""
    return {
        path.relative_to(folder).as_posix(): (
            "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
        )
        for path in sorted(folder.rglob("*"))
        if "logs" not in path.relative_to(folder).parts
    }


def default_sigint() -> None:
    """In the child: take SIGINT's default action (a parent that ignores it passes that on)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def spilled(interim: Path) -> bool:
    """Whether a streaming run has started writing a stage's result under ``interim``."""
    return any(interim.glob(".run-*/*.parquet"))


def interrupt_mid_run(workspace: Workspace, *, streaming: bool) -> tuple[int, str]:
    """Start the run, send SIGINT once it is under way, and return its status and stderr."""
    path = os.pathsep.join([str(workspace.src), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path}
    process = subprocess.Popen(
        [sys.executable, "-m", PACKAGE, "--config", str(workspace.config_path), "run"],
        cwd=workspace.root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_sigint,  # noqa: PLW1509 - no threads to deadlock in this test process
    )
    assert process.stderr is not None
    seen = []
    try:
        for line in process.stderr:  # wait for the run to begin, not for a guessed time
            seen.append(line)
            if STARTED in line:
                break
        deadline = time.monotonic() + TIMEOUT
        interim = workspace.root / "data" / "interim"
        while streaming and not spilled(interim) and process.poll() is None:
            assert time.monotonic() < deadline, "no stage was spilled in time"
            time.sleep(0.01)
        assert process.poll() is None, "the run ended before it could be interrupted:\n" + "".join(
            seen
        )
        process.send_signal(signal.SIGINT)
        _, rest = process.communicate(timeout=TIMEOUT)
    finally:
        if process.poll() is None:  # pragma: no cover - only when the test itself fails
            process.kill()
            process.wait()
    return process.returncode, "".join(seen) + rest


@pytest.mark.slow
@pytest.mark.parametrize("streaming", [False, True], ids=["memory", "streaming"])
def test_a_real_sigint_mid_run_stops_with_130_and_keeps_the_last_outputs(
    workspace: Workspace, streaming: bool
) -> None:
    # The last good outputs, from the small sample.
    assert cli.main(["--config", str(workspace.config_path), "run"], package=PACKAGE) == 0
    before = snapshot(workspace.outputs)
    module = load_pipeline(PACKAGE, PIPELINE)
    write_frames_atomically(module.make_sample(ROWS, 7), workspace.inputs["residents"].parent)
    if streaming:
        text = workspace.config_path.read_text(encoding="utf-8")
        workspace.config_path.write_text(f"streaming = true\n{text}", encoding="utf-8")

    status, stderr = interrupt_mid_run(workspace, streaming=streaming)

    assert status == 130, stderr[-3000:]
    assert "Traceback" not in stderr
    messages = [line for line in stderr.splitlines() if not line.startswith(LOG_LEVELS)]
    assert messages == ["Interrupted: nothing was published."]
    assert snapshot(workspace.outputs) == before
    assert not list((workspace.root / "data" / "interim").glob(".run-*"))  # no spill folder
    assert not list(workspace.outputs.glob(".staging-*"))
