"""Tests of the run manifest's records: git state, package versions, paths, back-test hashes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from rapkit import backtest, manifest
from rapkit.errors import PipelineError


def git(root: Path, *args: str) -> None:
    """Run git in ``root`` with a fixed identity (tests must not depend on the user's)."""
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],  # noqa: S607
        cwd=root,
        check=True,
        capture_output=True,
    )


def test_git_state_records_commit_and_uncommitted_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))  # no repository above
    assert manifest.git_state(tmp_path) == {"commit": None, "dirty": None}, "not a repository"
    git(tmp_path, "init", "-q")
    (tmp_path / "a.txt").write_text("one\n", encoding="utf-8")
    git(tmp_path, "add", "a.txt")
    git(tmp_path, "commit", "-q", "-m", "first")
    clean = manifest.git_state(tmp_path)
    assert len(clean["commit"]) == 40
    assert clean["dirty"] is False
    (tmp_path / "untracked.txt").write_text("not counted\n", encoding="utf-8")
    assert manifest.git_state(tmp_path)["dirty"] is False, "untracked files are not changes"
    (tmp_path / "a.txt").write_text("two\n", encoding="utf-8")
    assert manifest.git_state(tmp_path) == {"commit": clean["commit"], "dirty": True}


def test_package_versions_marks_missing_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(manifest, "RECORDED_PACKAGES", ("polars", "no-such-package-here"))
    versions = manifest.package_versions()
    assert versions["no-such-package-here"] is None
    assert versions["polars"]


def test_utc_now_is_iso_8601_in_seconds() -> None:
    stamp = manifest.utc_now()
    assert stamp.endswith("+00:00")
    assert "." not in stamp


def test_output_hashes_need_a_run(tmp_path: Path) -> None:
    with pytest.raises(PipelineError, match=f"No manifest in {tmp_path}: run the pipeline first"):
        backtest.output_hashes(tmp_path)


def test_compare_names_every_kind_of_difference() -> None:
    actual = {"a.csv": "1" * 64, "b.csv": "2" * 64, "new.csv": "3" * 64}
    expected = {"a.csv": "1" * 64, "b.csv": "9" * 64, "gone.csv": "4" * 64}
    assert backtest.compare(actual, expected) == [
        "b.csv: sha256 222222222222… != expected 999999999999…",
        "gone.csv: expected but not produced",
        "new.csv: produced but has no expected hash",
    ]
    assert backtest.compare(expected, expected) == []


def test_expected_hashes_round_trip_sorted(tmp_path: Path) -> None:
    path = tmp_path / "tests" / "backtest" / "expected_hashes.json"
    with pytest.raises(PipelineError, match="create them with `backtest --update`"):
        backtest.load_expected(path)
    backtest.save_expected(path, {"z.csv": "1", "a.csv": "2"})
    assert list(json.loads(path.read_text(encoding="utf-8"))) == ["a.csv", "z.csv"]
    assert backtest.load_expected(path) == {"a.csv": "2", "z.csv": "1"}
