"""Leak probe: data, logs and secrets written anywhere in a generated project stay out of git.

The first part needs only git: it writes files of every common data format where
analysts tend to leave them and checks that git would not pick any of them up, while the
bundled synthetic sample data stays tracked. The second part (``generated``: it installs
pre-commit hook environments from the package index) checks that the pre-commit guards
catch what ``git add --force`` or a careless config file would let through.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from .conftest import clean_env, generate, git, which_or_skip

DATA_SUFFIXES = [
    "csv", "tsv", "txt.gz", "xlsx", "xlsm", "xlsb", "xls", "ods", "parquet", "pq", "feather",
    "arrow", "ipc", "avro", "orc", "sav", "zsav", "por", "dta", "sas7bdat", "xpt", "rds",
    "RData", "rda", "sqlite", "sqlite3", "db", "duckdb", "accdb", "mdb", "h5", "hdf5", "pkl",
    "pickle", "npy", "npz", "gpkg", "shp", "geojson", "zip", "gz", "7z", "tar", "jsonl", "ndjson",
    # Windows tools often write upper-case extensions; git on Linux is case-sensitive.
    "CSV", "TSV", "XLSX", "XLS", "ODS", "PARQUET", "SAV", "DTA", "SQLITE", "JSONL",
]  # fmt: skip
FOLDERS = [
    "", "notebooks", "outputs", "outputs/tables", "reports", "docs", "config", "tests",
    "src/my_rap_project", "data", "data/raw", "data/raw/2024", "data/interim", "data/processed",
]  # fmt: skip
# Data as JSON under data/ and outputs/ (configuration JSON elsewhere is allowed),
# logs (they may hold data values) and local secrets.
OTHER_LEAKS = [
    "data/raw/extract.json", "data/interim/records.json", "data/processed/deep/table.json",
    "outputs/manifest.json", "outputs/tables/result.json",
    "outputs/logs/run-20250101T000000Z.log", "logs/debug.log", "pipeline.log",
    ".env", ".env.local", ".env.production", "config/local.toml", "config/local-db.toml",
    "credentials.json", "service-account.pem", "private.key", ".secrets",
]  # fmt: skip


def untracked(project: Path) -> list[str]:
    """Files git would add with ``git add --all`` (untracked and not ignored)."""
    return git(project, "status", "--porcelain", "--untracked-files=all").splitlines()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A freshly generated, committed project (default answers, not locked)."""
    return generate(tmp_path)


def test_data_logs_and_secrets_anywhere_are_ignored(project: Path) -> None:
    planted = [f"{folder}/probe.{suffix}".lstrip("/") for folder in FOLDERS for suffix in DATA_SUFFIXES]
    planted += OTHER_LEAKS
    for name in planted:
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"area_code,value\nE01000001,42\n")
    assert len(planted) == len(FOLDERS) * len(DATA_SUFFIXES) + len(OTHER_LEAKS)

    assert untracked(project) == []
    done = subprocess.run(
        ["git", "check-ignore", "--no-index", "--verbose", "--non-matching", "--stdin"],
        cwd=project,
        input="\n".join(planted),
        capture_output=True,
        text=True,
        check=False,
    )
    not_ignored = [line for line in done.stdout.splitlines() if line.startswith("::")]
    assert not_ignored == []


def test_sample_data_is_tracked_and_new_samples_can_be_added(project: Path) -> None:
    on_disk = sorted(str(p.relative_to(project)) for p in (project / "data" / "sample").rglob("*.csv"))
    assert on_disk, "the project ships synthetic sample CSVs"
    assert git(project, "ls-files", "data/sample").split() == sorted([*on_disk, "data/sample/README.md"])
    pipeline = next(p.name for p in (project / "data" / "sample").iterdir() if p.is_dir())
    new_sample = project / "data" / "sample" / pipeline / "extra.csv"
    new_sample.write_text("a,b\n1,2\n", encoding="utf-8")
    assert untracked(project) == [f"?? data/sample/{pipeline}/extra.csv"]


def test_secrets_template_and_config_are_tracked(project: Path) -> None:
    tracked = set(git(project, "ls-files").split())
    assert {".env.example", ".secrets.baseline", "config/pipeline.toml"} <= tracked
    assert ".env" not in tracked


def precommit(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run pre-commit in a generated project (hook environments are cached in ~/.cache)."""
    return subprocess.run(
        [which_or_skip("pre-commit"), "run", *args],
        cwd=project,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.generated
def test_secret_hook_catches_planted_credentials(project: Path) -> None:
    """A fake AWS access key in code and a password in a config file fail the commit."""
    fake_key = "AKIA" + "Z4Q7XK2M9PLW3RTB"  # split so this file itself holds no key
    (project / "src" / "my_rap_project" / "cloud.py").write_text(
        f'"""Cloud storage settings."""\n\nACCESS_KEY_ID = "{fake_key}"\n', encoding="utf-8"
    )
    (project / "config" / "database.toml").write_text(
        '[database]\nhost = "db.internal"\nuser = "analyst"\npassword = "' + "Zx9-qLp2-vT7m-Kd4w" + '"\n',
        encoding="utf-8",
    )
    git(project, "add", "src/my_rap_project/cloud.py", "config/database.toml")
    done = precommit(project, "detect-secrets")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "src/my_rap_project/cloud.py" in done.stdout
    assert "AWS Access Key" in done.stdout
    assert "config/database.toml" in done.stdout
    assert "Secret Keyword" in done.stdout

    git(project, "rm", "--cached", "--quiet", "src/my_rap_project/cloud.py", "config/database.toml")
    clean = precommit(project, "detect-secrets", "--all-files")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert git(project, "diff", "--stat") == "", "the hook must not rewrite the baseline"


@pytest.mark.generated
def test_data_hook_refuses_force_added_data_outside_sample(project: Path) -> None:
    for name in ("outputs/leak.csv", "notebooks/extract.PARQUET", "data/raw/records.json"):
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("area_code,value\nE01000001,42\n", encoding="utf-8")
        git(project, "add", "--force", name)
    done = precommit(project, "no-data-files")
    assert done.returncode == 1, done.stdout + done.stderr
    for name in ("outputs/leak.csv", "notebooks/extract.PARQUET", "data/raw/records.json"):
        assert name in done.stdout
    assert "Data files must not be committed" in done.stdout

    git(project, "reset", "--quiet")
    sample = sorted(str(p.relative_to(project)) for p in (project / "data" / "sample").rglob("*.csv"))
    allowed = precommit(project, "no-data-files", "--files", *sample, "tests/backtest/expected_hashes.json")
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr


@pytest.mark.generated
def test_notebook_outputs_are_stripped_and_large_files_refused(project: Path) -> None:
    notebook = project / "notebooks" / "explore.ipynb"
    notebook.parent.mkdir()
    cell = {
        "cell_type": "code",
        "execution_count": 3,
        "id": "a1b2c3d4",
        "metadata": {},
        "outputs": [{"name": "stdout", "output_type": "stream", "text": ["E01000001 Jane Doe 42\n"]}],
        "source": ["print(frame.head())"],
    }
    notebook.write_text(
        json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n",
        encoding="utf-8",
    )
    big = project / "docs" / "scan.pdf"
    big.parent.mkdir(exist_ok=True)
    big.write_bytes(b"%PDF-1.7\n" + b"0" * (2 * 1024 * 1024))
    git(project, "add", "notebooks/explore.ipynb", "docs/scan.pdf")

    stripped = precommit(project, "nbstripout")
    assert stripped.returncode == 1, stripped.stdout + stripped.stderr
    cleaned = json.loads(notebook.read_text(encoding="utf-8"))["cells"][0]
    assert cleaned["outputs"] == []
    assert cleaned["execution_count"] is None
    assert "Jane Doe" not in notebook.read_text(encoding="utf-8")

    large = precommit(project, "check-added-large-files")
    assert large.returncode == 1, large.stdout + large.stderr
    assert "docs/scan.pdf" in large.stdout
