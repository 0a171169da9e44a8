"""Tests of the fast read path (issue 14): one hash pass, whole-row check, typed reads.

Each fast road is checked against the careful road it replaces, on the same
files: the verdict (the shape, the values or the error message) must be the same.
"""

from __future__ import annotations

import hashlib
import importlib
import itertools
import math
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapkit import cli, io, rap_check
from rapkit.cli import main
from rapkit.errors import InputError
from rapkit.io import (
    careful_reads,
    csv_shape,
    fingerprint,
    scan_typed_csv,
    tracking_typed_reads,
    unchanged,
)

from .conftest import PACKAGE, PIPELINE, Workspace

_names = itertools.count()


def write(folder: Path, data: bytes) -> Path:
    """Write ``data`` to a new file (a new name each time: the caches key on the file)."""
    path = folder / f"f{next(_names)}.csv"
    path.write_bytes(data)
    return path


def verdict(shape: object) -> object:
    """Call ``shape`` and return its result, or the message of the InputError it raised."""
    try:
        return shape()  # type: ignore[operator]
    except InputError as exc:
        return f"error: {exc}"


# --- One pass over the bytes --------------------------------------------------------------------


def test_fingerprint_hashes_and_notes_what_the_bytes_hold(tmp_path: Path) -> None:
    data = b"a,b\r\n1,2\r\n"
    facts = fingerprint(write(tmp_path, data))
    assert facts.sha256 == hashlib.sha256(data).hexdigest()
    assert facts.simple
    assert facts.ascii
    assert not facts.spaces
    assert facts.plain
    assert not fingerprint(write(tmp_path, b'a,b\n"1",2\n')).simple  # a quote
    assert not fingerprint(write(tmp_path, b"a,b\n1\r2\n")).simple  # a lone carriage return
    assert not fingerprint(write(tmp_path, b"a,b\n1,2\r")).simple  # one at the very end
    assert not fingerprint(write(tmp_path, b"a,b\n1,\x00\n")).simple  # a NUL byte
    assert not fingerprint(write(tmp_path, b"a,b\n1,2 \n")).plain  # a space to trim
    caf = "a\nCaf\u00e9\n".encode()
    assert fingerprint(write(tmp_path, caf)).simple
    assert not fingerprint(write(tmp_path, caf)).ascii


def test_bytes_split_across_chunks_are_judged_whole(tmp_path: Path) -> None:
    # A two-byte character and a CRLF each straddle the 1 MiB chunk boundary.
    pad = b"x" * (io._CHUNK - 1)
    assert fingerprint(write(tmp_path, pad + "\u00e9\n".encode())).simple
    assert fingerprint(write(tmp_path, pad + b"\r\n1\n")).simple
    assert not fingerprint(write(tmp_path, pad + b"\r1\n")).simple
    late = fingerprint(write(tmp_path, b"a\n" + pad + b"\xe9\n"))  # invalid after the 1st MiB
    assert not late.simple


def test_the_runner_reads_each_input_once_to_hash_it(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashed: list[Path] = []

    class Recording(dict[io.FileKey, io.Fingerprint]):
        def __setitem__(self, key: io.FileKey, value: io.Fingerprint) -> None:
            hashed.append(key[0])
            super().__setitem__(key, value)

    monkeypatch.setattr(io, "_FINGERPRINTS", Recording())
    monkeypatch.setattr(io, "_TIMESTAMP_SLACK_NS", 0)  # the inputs were just written
    monkeypatch.setattr(io, "sha256_file", lambda _: pytest.fail("hashed a second time"))
    assert main(["--config", str(workspace.config_path), "run"], package="demo_rap") == 0
    assert sorted(hashed) == sorted(path.resolve() for path in workspace.inputs.values())


# --- Proof that inputs did not change ---------------------------------------------------------


def test_unchanged_needs_no_second_read_of_an_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(io, "_TIMESTAMP_SLACK_NS", 0)
    path = write(tmp_path, b"a\n1\n")
    before = fingerprint(path)
    assert not before.recent
    monkeypatch.setattr(io, "sha256_file", lambda _: pytest.fail("read again"))
    assert unchanged(path, before)
    path.write_bytes(b"a\n2\n")  # same size, new bytes: mtime and ctime move
    monkeypatch.undo()
    assert not unchanged(path, before)


def test_a_recently_changed_file_is_hashed_again(tmp_path: Path) -> None:
    path = write(tmp_path, b"a\n1\n")
    before = fingerprint(path)
    assert before.recent  # written just now: timestamps alone cannot be trusted
    assert unchanged(path, before)
    path.write_bytes(b"a\n3\n")
    assert not unchanged(path, before)
    path.unlink()
    assert not unchanged(path, before)


def test_a_file_replaced_by_rename_is_noticed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(io, "_TIMESTAMP_SLACK_NS", 0)
    path = write(tmp_path, b"a\n1\n")
    before = fingerprint(path)
    other = write(tmp_path, b"a\n1\n")
    os.utime(other, ns=(before.key[4], before.key[4]))  # same size and mtime, new inode
    other.replace(path)
    assert fingerprint(path).key != before.key
    assert unchanged(path, before)  # same bytes: the re-hash says so
    assert fingerprint(path).sha256 == before.sha256


def test_a_file_changed_while_it_is_hashed_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, b"a\n1\n")
    keys = iter([io.file_key(path), (*io.file_key(path)[:5], 0)])
    monkeypatch.setattr(io, "file_key", lambda _: next(keys))
    with pytest.raises(InputError, match="changed while it was being read"):
        fingerprint(path)


# --- Whole-row check: the Polars road and Python's csv reader agree ----------------------------

_PIECES = st.sampled_from(
    [
        *("1", "a", ",", ",", ",", "\n", "\n", "\r\n", "\r", "", " ", '"', '""', '"x,y"', '"a\nb"'),
        *("\ufeff", "\u00e9", "\x00", "x\xff"),
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=st.sampled_from(["a,b,c\n", "a,b\r\n", "a\n", "\ufeffa,b\n", "t\n\na,b\n"]),
    body=st.lists(_PIECES, max_size=30),
    skip_rows=st.sampled_from([0, 0, 2]),
    max_runs=st.sampled_from([1, 2, 64]),
)
def test_the_fast_whole_row_check_agrees_with_the_strict_reader(
    tmp_path_factory: pytest.TempPathFactory,
    header: str,
    body: list[str],
    skip_rows: int,
    max_runs: int,
) -> None:
    # max_runs: a file whose lines change their commas more often than that is not kept as
    # runs by the hashing read, so the Polars count of each line's fields decides instead.
    folder = tmp_path_factory.mktemp("rows")
    data = (header + "".join(body)).encode("utf-8", errors="surrogateescape")
    data = data.replace(b"x\xc3\xbf", b"x\xff")  # "x\xff" stands for an invalid byte
    path = write(folder, data)
    strict = verdict(lambda: io._strict_shape(path, skip_rows))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(io, "_MAX_RUNS", max_runs)
        assert verdict(lambda: csv_shape(path, skip_rows=skip_rows)) == strict


_SIMPLE_PIECES = st.sampled_from(["1", "ab", ",", ",", ",", "\n", "\n", "\r\n", "", " ", "\u00e9"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=st.sampled_from(["a,b,c\n", "a,b\r\n", "a\n", "\ufeffa,b\n", "t\n\na,b\n", "a,b"]),
    body=st.lists(_SIMPLE_PIECES, max_size=40),
    skip_rows=st.sampled_from([0, 0, 2]),
    chunk=st.sampled_from([1, 2, 3, 7, 1 << 20]),
)
def test_the_line_skeleton_check_agrees_with_the_strict_reader(
    tmp_path_factory: pytest.TempPathFactory,
    header: str,
    body: list[str],
    skip_rows: int,
    chunk: int,
) -> None:
    # Simple files (no quotes): the skeleton check either gives the strict reader's shape or
    # declines (None), whatever the chunk boundaries; declining hands over to the Polars count.
    path = write(tmp_path_factory.mktemp("rows"), (header + "".join(body)).encode())
    strict = verdict(lambda: io._strict_shape(path, skip_rows))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(io, "_CHUNK", chunk)
        patch.setattr(io, "_FINGERPRINTS", {})  # the runs are kept by the (chunked) hashing read
        assert fingerprint(path).simple
        uniform = io._uniform_shape(path, skip_rows, fingerprint(path).lines)
    assert uniform is None or uniform == strict


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(st.sampled_from(["", "x", "a,b", ",,", "1,2,3", "\u00e9,\r"]), max_size=40),
    newline_at_end=st.booleans(),
    chunk=st.sampled_from([1, 2, 3, 5, 1 << 20]),
    max_runs=st.sampled_from([1, 3, 64]),
)
def test_the_hashing_read_keeps_each_lines_commas(
    tmp_path_factory: pytest.TempPathFactory,
    lines: list[str],
    newline_at_end: bool,
    chunk: int,
    max_runs: int,
) -> None:
    # The runs of equal lines that fingerprint() keeps are exactly each line's commas, in
    # order, whatever the chunk boundaries; a file with more changes than _MAX_RUNS has none.
    text = "\n".join(lines) + ("\n" if newline_at_end and lines else "")
    path = write(tmp_path_factory.mktemp("runs"), text.encode())
    expected = [line.count(",") for line in text.split("\n")]
    if text.endswith("\n") or not text:
        expected.pop()  # no line after the last line feed
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(io, "_CHUNK", chunk)
        patch.setattr(io, "_MAX_RUNS", max_runs)
        patch.setattr(io, "_FINGERPRINTS", {})
        facts = fingerprint(path)
    assert facts.sha256 == hashlib.sha256(text.encode()).hexdigest()
    if not facts.simple:  # a carriage return at the very end: lines are not rows
        assert text.endswith("\r")
        assert facts.lines is None
        return
    changes = sum(
        1 for before, after in zip([None, *expected], expected, strict=False) if before != after
    )
    if changes > max_runs:
        assert facts.lines is None
    else:
        assert facts.lines is not None
        assert [commas for commas, count in facts.lines for _ in range(count)] == expected


def test_a_line_too_long_to_keep_is_left_to_the_polars_count(tmp_path: Path) -> None:
    # Each chunk's unfinished line is carried into the next; one of more commas than
    # _MAX_LINE_COMMAS is not carried on (copying it for every chunk would be quadratic).
    path = write(tmp_path, b"a,b\n" + b"1," * 40 + b"1\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(io, "_CHUNK", 16)
        patch.setattr(io, "_MAX_LINE_COMMAS", 20)
        patch.setattr(io, "_FINGERPRINTS", {})
        facts = fingerprint(path)
        assert facts.simple
        assert facts.lines is None
        with pytest.raises(InputError, match="line 2: 41 fields, but the header has 2"):
            csv_shape(path)


def test_the_skeleton_check_proves_a_regular_file_and_declines_otherwise(tmp_path: Path) -> None:
    regular = write(tmp_path, b"a,b,c\n" + b"1,x,3\r\n" * 1000 + b"4,,")
    assert io._uniform_shape(regular, 0, fingerprint(regular).lines) == io.CsvShape(
        header=("a", "b", "c"), rows=1001
    )
    for data in (b"a,b\n1,2\n\n", b"a,b\n1,2\n3", b"a,b\n1,2\n 3\n", b"a\n1\n", b"a,b\n1,2,3\n"):
        path = write(tmp_path, data)
        assert io._uniform_shape(path, 0, fingerprint(path).lines) is None, data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"a,b,c\n1,2,3\nx,1,057,4\n", r"line 3: 4 fields, but the header has 3"),
        (b"a,b,c\r\n1,2,3\r\n4,5\r\n", r"line 3: 2 fields, but the header has 3"),
        (b"a,b\n1,2\n \n", r"line 3: 1 fields, but the header has 2"),
        (b"\xef\xbb\xbfa,b\n1,2\n3\n", r"line 3: 1 fields"),
    ],
)
def test_the_fast_check_names_the_same_line(tmp_path: Path, data: bytes, message: str) -> None:
    path = write(tmp_path, data)
    assert fingerprint(path).simple
    with pytest.raises(InputError, match=message):
        csv_shape(path)


def test_a_ragged_row_far_into_a_large_simple_file_is_found(tmp_path: Path) -> None:
    path = write(tmp_path, b"a,b\n" + b"1,2\n" * 400_000 + b"3,4,5\n" + b"1,2\n" * 10)
    with pytest.raises(InputError, match="line 400002: 3 fields"):
        csv_shape(path)
    good = write(tmp_path, b"a,b\n" + b"1,2\n" * 400_000 + b"\n")
    assert csv_shape(good) == io.CsvShape(header=("a", "b"), rows=400_000, blank_lines=1)


def test_a_file_polars_cannot_read_line_by_line_takes_the_strict_road(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object, **__: object) -> pl.LazyFrame:
        raise pl.exceptions.ComputeError("no")

    monkeypatch.setattr(pl, "scan_csv", broken)
    assert csv_shape(write(tmp_path, b"a,b\n1,2\n")).rows == 1


# --- Typed reads: the same values, or a failure the text road explains -------------------------

_CELLS = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.floats(allow_nan=True).map(str),
    st.sampled_from(["", "NaN", "nan", "inf", "-inf", "Infinity", "1e3", "+5", "05", "1.0"]),
    st.sampled_from(["1,057", "c", "[x]", "..", "-", "1_0", "0x10", " 7", "7 ", "\t", "\u00a07"]),
    st.text(alphabet="0123456789+-.eE", max_size=6),
)
_TYPES: list[pl.DataType | type[pl.DataType]] = [
    pl.Int64,
    pl.Int32,
    pl.UInt8,
    pl.Float64,
    pl.Float32,
    pl.String,
]


def same(left: list[object], right: list[object]) -> bool:
    """Whether two columns hold the same values, NaN equal to NaN."""

    def key(value: object) -> object:
        return "nan" if isinstance(value, float) and math.isnan(value) else value

    return [key(v) for v in left] == [key(v) for v in right]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dtype=st.sampled_from(_TYPES), cells=st.lists(_CELLS, min_size=1, max_size=5))
def test_a_typed_read_gives_the_text_roads_values_or_fails(
    tmp_path_factory: pytest.TempPathFactory,
    dtype: pl.DataType | type[pl.DataType],
    cells: list[str],
) -> None:
    if any(("\n" in cell or "," in cell or '"' in cell) for cell in cells):
        cells = [f'"{cell}"' if "," in cell else cell for cell in cells]
    data = ("x,y\n" + "".join(f"{cell},k\n" for cell in cells)).encode()
    path = write(tmp_path_factory.mktemp("typed"), data)
    columns = {"x": dtype, "y": pl.String}
    try:
        with careful_reads():
            expected: object = scan_typed_csv(path, columns).collect()["x"].to_list()
    except pl.exceptions.PolarsError:
        expected = "error"
    try:
        fast: object = scan_typed_csv(path, columns).collect()["x"].to_list()
    except pl.exceptions.PolarsError:
        assert expected == "error" or fingerprint(path).plain  # the runner re-reads as text
        return
    assert expected != "error", f"the typed read accepted {cells!r}, the text road refuses it"
    assert isinstance(expected, list)
    assert isinstance(fast, list)
    assert same(fast, expected)


def test_a_plain_file_is_read_typed_and_others_as_text(tmp_path: Path) -> None:
    columns = {"n": pl.Int64, "s": pl.String}
    plain = write(tmp_path, b"n,s\n1,a\n2,b\n")
    with tracking_typed_reads() as typed:
        frame = scan_typed_csv(plain, columns).collect()
    assert typed == {plain}
    assert frame.schema == pl.Schema({"n": pl.Int64, "s": pl.String})
    padded = write(tmp_path, b"n,s\n 1, a\n2,b\n")
    with tracking_typed_reads() as typed:
        frame = scan_typed_csv(padded, columns).collect()
    assert typed == set()
    assert frame.rows() == [(1, "a"), (2, "b")]
    blank = write(tmp_path, b"n,s\n1,a\n\n2,b\n")
    assert scan_typed_csv(blank, columns).collect().rows() == [(1, "a"), (2, "b")]


def test_a_typed_read_honours_column_aliases(tmp_path: Path) -> None:
    path = write(tmp_path, b"Count,s\n1,a\n")
    with io.using_column_aliases("[aliases.t] columns", {"Count": "n"}):
        frame = scan_typed_csv(path, {"n": pl.Int64}).collect()
    assert frame.to_dict(as_series=False) == {"n": [1]}


# --- The runner: a failed typed read is explained by the text road ------------------------------


def _config_with(workspace: Workspace, residents: bytes) -> Path:
    workspace.inputs["residents"].write_bytes(residents)
    return workspace.config_path


def _typed_residents(path: Path) -> pl.LazyFrame:
    return scan_typed_csv(
        path,
        {"person_id": pl.Int64, "lsoa_code": pl.String, "lad_code": pl.String, "age": pl.Int64},
    )


@pytest.mark.parametrize(
    "bad",
    [b"2,E01000001,E08000001,sixty\n", b'2,E01000001,E08000001,"1,057"\n', b"2,E01,E08,NaN\n"],
)
def test_a_bad_value_gives_the_text_roads_message(
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    bad: bytes,
) -> None:
    header = b"person_id,lsoa_code,lad_code,age\n1,E01000001,E08000001,30\n"
    config = _config_with(workspace, header + bad)
    stages = importlib.import_module(f"{PACKAGE}.pipelines.{PIPELINE}.stages")

    def text_residents(path: Path) -> pl.LazyFrame:
        with careful_reads():
            return _typed_residents(path)

    messages = []
    for reader in (text_residents, _typed_residents):
        monkeypatch.setattr(stages, "read_residents", reader)
        monkeypatch.setattr(stages, "tidy", lambda raw: raw)
        assert main(["--config", str(config), "run"], package=PACKAGE) == 1
        messages.append(capsys.readouterr().err.split("error: ", 1)[-1])
    assert messages[0] == messages[1]
    assert "line 3" in messages[1]
    assert "'age'" in messages[1]


# --- Start-up: each command imports what it uses --------------------------------------------------


def _imported_after(code: str, cwd: Path) -> set[str]:
    """Run ``code`` in a fresh interpreter and return the top-level modules it imported."""
    script = code + "\nimport sys\nprint(' '.join(sorted(sys.modules)))\n"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, check=True
    )
    return set(done.stdout.strip().splitlines()[-1].split())


def test_help_imports_neither_polars_nor_pandera(tmp_path: Path) -> None:
    modules = _imported_after("from rapkit.cli import build_parser\nbuild_parser('demo')", tmp_path)
    assert not {"polars", "pandera", "pydantic", "yaml", "rapkit.runner"} & modules


def test_the_run_path_imports_no_pandas_and_no_self_check(workspace: Workspace) -> None:
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(workspace.src)!r})\n"
        "from rapkit.cli import main\n"
        f"assert main(['--config', {str(workspace.config_path)!r}, 'run'], package='demo_rap') == 0"
    )
    modules = _imported_after(code, workspace.root)
    assert "rapkit.runner" in modules  # the run did happen
    assert not {"pandas", "yaml", "jinja2", "rapkit.rap_check", "rapkit.scaffold"} & modules


def test_the_cli_spells_the_self_check_levels() -> None:
    assert tuple(level.name.lower() for level in rap_check.Level) == cli.TARGET_LEVELS
