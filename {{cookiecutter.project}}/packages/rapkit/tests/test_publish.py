"""Tests of publishing outputs as one set, recovery, and file errors as messages (issue 11)."""

from __future__ import annotations

import dataclasses
import errno
import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import polars as pl
import pytest

from rapkit import backtest, cli, project, publish
from rapkit.config import load_config
from rapkit.errors import PipelineError
from rapkit.logs import start_run_log
from rapkit.publish import MANIFEST_NAME, PublishError, PublishInterruptedError
from rapkit.reporting import ReportError, load_run

from .conftest import PACKAGE, Workspace


def manifest_for(outputs: dict[str, bytes]) -> bytes:
    """A minimal manifest listing ``outputs`` with their hashes, as the runner writes one."""
    listed = [
        {"name": name, "path": f"outputs/{name}", "sha256": publish.sha256_bytes(data)}
        for name, data in outputs.items()
    ]
    return json.dumps({"outputs": listed}).encode("utf-8")


OLD = {"a.csv": b"x\n1\n", "b.csv": b"y\n2\n", "gone.csv": b"z\n3\n"}
NEW = {"a.csv": b"x\n10\n", "b.csv": b"y\n20\n", "c.csv": b"w\n30\n"}


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes)."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def published_set(out: Path) -> dict[str, bytes]:
    """The outputs the manifest lists, plus the manifest, after checking they match."""
    document = publish.verify(out)
    names = [Path(item["path"]).name for item in document["outputs"]]
    return {name: (out / name).read_bytes() for name in [*names, MANIFEST_NAME]}


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An outputs folder holding an old published set, a tracked README and a log."""
    folder = tmp_path / "outputs"
    (folder / "logs").mkdir(parents=True)
    (folder / "logs" / "run-1.log").write_text("old log\n", encoding="utf-8")
    (folder / "README.md").write_text("tracked\n", encoding="utf-8")
    publish.publish(folder, OLD, manifest_for(OLD))
    return folder


def old_set() -> dict[str, bytes]:
    """What ``published_set`` returns for the old outputs."""
    return {**OLD, MANIFEST_NAME: manifest_for(OLD)}


def new_set() -> dict[str, bytes]:
    """What ``published_set`` returns for the new outputs."""
    return {**NEW, MANIFEST_NAME: manifest_for(NEW)}


def test_publish_replaces_the_set_and_leaves_other_files_alone(out: Path) -> None:
    publish.publish(out, NEW, manifest_for(NEW))
    assert published_set(out) == new_set()
    assert not (out / "gone.csv").exists(), "an output the new run no longer makes is removed"
    assert (out / "README.md").read_text(encoding="utf-8") == "tracked\n"
    assert (out / "logs" / "run-1.log").read_text(encoding="utf-8") == "old log\n"
    assert not list(out.glob(".staging-*"))


def renames_of_one_publish(out: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """Count the ``os.replace`` calls one publish makes (each one a step that can fail)."""
    calls = []
    real = os.replace

    def counting(src: object, dst: object) -> None:
        calls.append(dst)
        real(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", counting)
    publish.publish(out.parent / "scratch", NEW, manifest_for(NEW))
    monkeypatch.setattr(os, "replace", real)
    return len(calls)


@pytest.mark.parametrize("fault", [OSError(errno.ENOSPC, "No space left"), KeyboardInterrupt()])
def test_a_fault_at_any_rename_leaves_the_old_or_the_new_set_whole(
    out: Path, monkeypatch: pytest.MonkeyPatch, fault: BaseException
) -> None:
    steps = renames_of_one_publish(out, monkeypatch)
    assert steps == len(NEW) + 2  # the journal commit, every output, the manifest
    real = os.replace
    before = snapshot(out)
    for k in range(steps):
        calls = 0

        def failing(src: object, dst: object, k: int = k) -> None:
            nonlocal calls
            calls += 1
            if calls > k:
                raise fault
            real(src, dst)  # type: ignore[arg-type]

        monkeypatch.setattr(os, "replace", failing)
        with pytest.raises((PublishError, KeyboardInterrupt)) as caught:
            publish.publish(out, NEW, manifest_for(NEW))
        monkeypatch.setattr(os, "replace", real)
        if k == 0:  # the journal never committed: nothing changed at all
            assert snapshot(out) == before
            assert "Nothing was published" in str(caught.value) or isinstance(
                caught.value, KeyboardInterrupt
            )
        else:  # committed: a reader sees a mixed set refused until recovery finishes it
            assert "the next run, report or back test finishes publishing" in str(caught.value)
        publish.recover(out)
        assert published_set(out) in (old_set(), new_set())
        assert published_set(out) == (old_set() if k == 0 else new_set())
        assert not list(out.glob(".staging-*"))
        assert (out / "README.md").read_text(encoding="utf-8") == "tracked\n"
        # put the old set back for the next step
        publish.publish(out, OLD, manifest_for(OLD))
        assert snapshot(out) == before


@pytest.mark.parametrize("fault", [OSError(errno.EFBIG, "File too large"), KeyboardInterrupt()])
def test_a_fault_while_staging_any_file_changes_nothing(
    out: Path, monkeypatch: pytest.MonkeyPatch, fault: BaseException
) -> None:
    before = snapshot(out)
    real = publish._write_synced
    for k in range(len(NEW) + 1):
        calls = 0

        def failing(path: Path, data: bytes, k: int = k) -> None:
            nonlocal calls
            calls += 1
            if calls > k:
                raise fault
            real(path, data)

        monkeypatch.setattr(publish, "_write_synced", failing)
        with pytest.raises((PublishError, KeyboardInterrupt)):
            publish.publish(out, NEW, manifest_for(NEW))
        assert snapshot(out) == before, f"fault after {k} staged file(s) changed the outputs"


def test_readers_refuse_a_mixed_set_and_finish_an_interrupted_publish(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (out / "a.csv").write_bytes(b"x\n999\n")  # a mixed (or edited) set
    with pytest.raises(PublishError, match=r"do not match their manifest: a\.csv \(sha256"):
        backtest.output_hashes(out)
    publish.publish(out, OLD, manifest_for(OLD))
    real = os.replace
    calls = 0

    def crash_after_commit(src: object, dst: object) -> None:
        nonlocal calls
        calls += 1
        if calls > 2:  # journal and one output renamed, then the "crash"
            raise KeyboardInterrupt
        real(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", crash_after_commit)
    with pytest.raises(PublishInterruptedError, match="Interrupted while publishing"):
        publish.publish(out, NEW, manifest_for(NEW))
    monkeypatch.setattr(os, "replace", real)
    with pytest.raises(PublishError, match="do not match their manifest"):
        publish.verify(out)  # a reader that does not recover refuses the mix
    hashes = backtest.output_hashes(out)  # the back test rolls it forward first
    assert hashes == {name: publish.sha256_bytes(data) for name, data in NEW.items()}
    assert published_set(out) == new_set()


def test_an_abandoned_staging_folder_is_removed(out: Path) -> None:
    before = snapshot(out)
    stale = out / ".staging-killed"
    stale.mkdir()
    (stale / "a.csv").write_bytes(b"half")
    assert publish.recover(out) == ["removed an unfinished run's staged outputs (.staging-killed)"]
    assert snapshot(out) == before
    assert not stale.exists()


def test_a_staging_folder_that_cannot_be_finished_is_explained(out: Path) -> None:
    stale = out / ".staging-broken"
    stale.mkdir()
    (stale / publish.JOURNAL).write_text(
        json.dumps({"files": ["a.csv"], "sha256": {"a.csv": "0"}, "remove": []}), encoding="utf-8"
    )
    with pytest.raises(PublishError, match=r"Cannot finish or discard .*\.staging-broken"):
        publish.recover(out)


def test_outputs_folder_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "outputs"
    target.write_text("not a folder", encoding="utf-8")
    with pytest.raises(PublishError, match="is a file, not a folder"):
        publish.publish(target, NEW, manifest_for(NEW))
    with pytest.raises(PublishError, match=r"Cannot create the outputs folder .*: a part of"):
        publish.ensure_folder(target / "below")


def test_names_that_would_escape_the_folder_are_refused(tmp_path: Path) -> None:
    for name in ["../x.csv", "", "a/b.csv", publish.JOURNAL]:
        with pytest.raises(ValueError, match="not a plain file name"):
            publish.publish(tmp_path, {name: b""}, manifest_for({}))


def test_a_manifest_that_does_not_match_the_outputs_is_never_published(out: Path) -> None:
    before = snapshot(out)
    with pytest.raises(ValueError, match="does not list exactly the outputs"):
        publish.publish(out, NEW, manifest_for(OLD))
    assert snapshot(out) == before


def test_file_size_limit_while_publishing_is_a_message_and_changes_nothing(out: Path) -> None:
    # A real EFBIG from the kernel: the child process may not write files over 64 KiB.
    before = snapshot(out)
    script = textwrap.dedent(
        f"""
        import json, resource, sys
        from pathlib import Path
        from rapkit import publish
        resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))
        big = {{"a.csv": b"x\\n" + b"1\\n" * 100_000}}
        listed = [{{"path": "outputs/a.csv", "sha256": publish.sha256_bytes(big["a.csv"])}}]
        try:
            publish.publish(Path({str(out)!r}), big, json.dumps({{"outputs": listed}}).encode())
        except publish.PublishError as exc:
            print(exc)
            sys.exit(1)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1, done.stderr
    assert "larger than this system allows (file-size limit)" in done.stdout
    assert "Nothing was published" in done.stdout
    assert "Traceback" not in done.stderr
    assert snapshot(out) == before


def run(workspace: Workspace) -> int:
    """Run the demo pipeline through the command line."""
    return cli.main(["--config", str(workspace.config_path), "run"], package=PACKAGE)


def test_disk_full_during_a_run_is_exit_1_and_keeps_the_previous_outputs(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(workspace) == 0
    before = {k: v for k, v in snapshot(workspace.outputs).items() if not k.startswith("logs/")}

    def full(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(publish, "_write_synced", full)
    capsys.readouterr()
    assert run(workspace) == 1
    err = capsys.readouterr().err
    assert "the disk is full" in err
    assert "previous outputs" in err
    assert "Traceback" not in err
    after = {k: v for k, v in snapshot(workspace.outputs).items() if not k.startswith("logs/")}
    assert after == before


def test_ctrl_c_while_staging_is_130_and_leaves_no_staging_folder(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(path: Path, data: bytes) -> None:
        path.write_bytes(data[:3])  # a partial temporary file
        raise KeyboardInterrupt

    monkeypatch.setattr(publish, "_write_synced", interrupted)
    assert run(workspace) == 130
    assert "Interrupted: nothing was published." in capsys.readouterr().err
    assert not list(workspace.outputs.glob(".staging-*"))
    assert not (workspace.outputs / MANIFEST_NAME).exists()


def test_unreadable_input_is_exit_1_naming_the_file(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Tests run as root, so permissions are simulated: reading the input is refused.
    target = workspace.inputs["residents"]
    real_open = Path.open

    def guarded(self: Path, *args: object, **kwargs: object) -> object:
        if self == target:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", guarded)
    assert run(workspace) == 1
    err = capsys.readouterr().err
    assert f"Cannot read input 'residents' ({target}: permission denied)" in err
    assert "Traceback" not in err


def test_outputs_dir_that_is_a_file_is_exit_1(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace.outputs.write_text("oops", encoding="utf-8")
    assert run(workspace) == 1  # the configuration check names the key
    assert "outputs_dir = 'outputs' is a file, not a folder" in capsys.readouterr().err
    # --out bypasses the configuration: the publishing step refuses a file as well.
    workspace.outputs.unlink()
    target = workspace.outputs.parent / "elsewhere"
    target.write_text("oops", encoding="utf-8")
    argv = ["--config", str(workspace.config_path), "run", "--out", str(target)]
    assert cli.main(argv, package=PACKAGE) == 1
    assert f"The outputs folder {target} is a file, not a folder" in capsys.readouterr().err


def test_an_unexplained_os_error_is_still_a_message(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system", "/somewhere/file")

    monkeypatch.setattr(cli, "run_pipeline", broken)
    assert run(workspace) == 1
    assert "error: /somewhere/file: the file system is read-only" in capsys.readouterr().err


def test_stale_spill_folders_are_removed_but_not_one_in_use(tmp_path: Path) -> None:
    interim = tmp_path / "interim"
    stale = interim / ".run-killed"
    stale.mkdir(parents=True)
    (stale / "stage.parquet").write_bytes(b"x")
    with publish.spill_folder(interim) as live:
        assert publish.remove_stale_spills(interim) == [stale]
        assert live.is_dir(), "a folder held by a running run is kept"
    assert not live.exists()
    assert list(interim.iterdir()) == []


def test_spill_folder_is_removed_on_ctrl_c(tmp_path: Path) -> None:
    def interrupted() -> None:
        with publish.spill_folder(tmp_path) as folder:
            (folder / "stage.parquet").write_bytes(b"x")
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert list(tmp_path.iterdir()) == []


def test_a_log_folder_that_is_a_file_is_a_message(tmp_path: Path) -> None:
    (tmp_path / "logs").write_text("not a folder", encoding="utf-8")
    with pytest.raises(PipelineError, match=r"Cannot write the run log .*logs"):
        start_run_log(tmp_path / "logs")


def test_a_run_finishes_what_an_interrupted_run_left(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    assert run(workspace) == 0
    (workspace.outputs / ".staging-killed").mkdir()
    interim = workspace.root / "data" / "interim" / ".run-killed"
    interim.mkdir(parents=True)
    text = workspace.config_path.read_text(encoding="utf-8")
    workspace.config_path.write_text(text.replace("[inputs]", "streaming = true\n\n[inputs]"))
    with caplog.at_level(logging.WARNING):
        assert run(workspace) == 0
    assert "removed an unfinished run's staged outputs (.staging-killed)" in caplog.text
    assert f"Removed {interim}, left by a run that was killed" in caplog.text
    assert not interim.exists()
    assert not list(workspace.outputs.glob(".staging-*"))


def test_a_report_refuses_outputs_it_cannot_recover(workspace: Workspace) -> None:
    assert run(workspace) == 0
    broken = workspace.outputs / ".staging-broken"
    broken.mkdir()
    (broken / publish.JOURNAL).write_text("{not json", encoding="utf-8")
    with pytest.raises(ReportError, match="left part-published by an interrupted run"):
        load_run(workspace.config_path)
    with pytest.raises(PipelineError, match="left part-published by an interrupted run"):
        backtest.output_hashes(workspace.outputs)


def test_a_sample_size_the_generator_cannot_make_is_a_message(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def too_big(rows: int, seed: int) -> dict[str, pl.DataFrame]:
        msg = f"At most 999,999 synthetic LSOAs, not {rows:,}."
        raise ValueError(msg)

    real = project.configured_pipeline(load_config(workspace.config_path), PACKAGE)
    module = dataclasses.replace(real, make_sample=too_big)
    monkeypatch.setattr(cli, "configured_pipeline", lambda *_args: module)
    argv = ["--config", str(workspace.config_path), "sample-data", "--rows", "2000000"]
    assert cli.main(argv, package=PACKAGE) == 1
    assert "sample-data --rows 2000000: At most 999,999" in capsys.readouterr().err


def test_a_real_ctrl_c_during_the_swap_is_held_back_until_the_set_is_whole(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = publish._roll_forward

    def signalled(out_dir: Path, staging: Path, journal: dict[str, object]) -> None:
        os.kill(os.getpid(), signal.SIGINT)  # arrives while the renames are under way
        real(out_dir, staging, journal)

    monkeypatch.setattr(publish, "_roll_forward", signalled)
    with pytest.raises(PublishInterruptedError, match="new outputs were published completely"):
        publish.publish(out, NEW, manifest_for(NEW))
    assert published_set(out) == new_set()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
