"""Case definitions of the bad-input corpus (issue 11: nothing wrong is ever published).

Each case starts from a copy of a generated project's own configuration and
sample inputs (which run cleanly), changes one thing, and expects the pipeline
to refuse: exit status 1 (130 for Ctrl-C), a message naming what an analyst
must fix (the file, the column or configuration key, the line where there is
one), no Python traceback, the previous outputs and manifest byte-identical,
the raw inputs untouched and no stray files (staging or temporary folders).
The one exception is an empty input the pipeline declares optional: that run
publishes, and must state the gap (``publishes_without``: exit 0, a warning
naming it, the manifest's ``missing_inputs`` naming it, inputs untouched).

The changes are made by code from the sample data rather than stored as files,
so they stay valid when a starter's sample changes, and each says in one place
what is wrong with it. Line numbers are physical lines of the file (the header
is line 1).

The cases describe the behaviour the issue asks for, not what a given version
of rapkit does: a case that fails names a gap, and is not weakened to pass.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

MEMORY = "memory"
STREAMING = "streaming"
BOTH = (MEMORY, STREAMING)

# Faults injected into the run (see FAULT_SCRIPT in tests/test_bad_inputs.py). Fault cases
# also make a valid change, so that outputs of the interrupted run differ from the last good
# ones and any output published before the fault is seen.
INTERRUPT_PUBLISH = "interrupt-publish"  # Ctrl-C just after the first output file is written
INTERRUPT_SPILL = "interrupt-spill"  # Ctrl-C just after a streaming stage spills to data/interim/
DISK_FULL = "disk-full"  # "No space left on device" opening the second file (first output written)


@dataclass
class Workspace:
    """A copy of one starter's configuration and inputs, with helpers to spoil them."""

    root: Path
    config: Path

    # --- configuration (edited as text, so invalid TOML can be written too) ---

    def text(self) -> str:
        """The configuration file's text."""
        return self.config.read_text(encoding="utf-8")

    def write(self, text: str) -> None:
        """Replace the configuration file's text."""
        self.config.write_text(text, encoding="utf-8")

    def line_of(self, key: str) -> int:
        """The line number of the first ``key = ...`` line of the configuration."""
        for number, line in enumerate(self.text().splitlines(), start=1):
            if re.match(rf"\s*{re.escape(key)}\s*=", line):
                return number
        msg = f"{key} not in {self.config}"
        raise KeyError(msg)

    def set(self, key: str, value: str) -> int:
        """Set ``key`` (first occurrence) to the TOML text ``value``; return its line number."""
        number = self.line_of(key)
        lines = self.text().splitlines(keepends=True)
        lines[number - 1] = f"{key} = {value}\n"
        self.write("".join(lines))
        return number

    def rename_key(self, old: str, new: str) -> int:
        """Rename a key, keeping its value (a misspelling); return its line number."""
        number = self.line_of(old)
        lines = self.text().splitlines(keepends=True)
        lines[number - 1] = lines[number - 1].replace(old, new, 1)
        self.write("".join(lines))
        return number

    def remove_key(self, key: str) -> None:
        """Delete the ``key = ...`` line."""
        lines = self.text().splitlines(keepends=True)
        del lines[self.line_of(key) - 1]
        self.write("".join(lines))

    def add_after(self, header: str, text: str) -> None:
        """Insert ``text`` (lines) just after the line ``header`` (e.g. ``[parameters]``)."""
        lines = self.text().splitlines(keepends=True)
        at = next(i for i, line in enumerate(lines) if line.strip() == header) + 1
        lines[at:at] = [text if text.endswith("\n") else text + "\n"]
        self.write("".join(lines))

    def append(self, text: str) -> None:
        """Add a table (e.g. ``[aliases.x]``) after everything else."""
        self.write(self.text().rstrip("\n") + "\n\n" + text + "\n")

    def prepend(self, text: str) -> None:
        """Add top-level settings before everything else."""
        self.write(text + "\n" + self.text())

    def drop_table(self, name: str) -> None:
        """Delete table ``[name]`` and its sub-tables ``[name.x]``."""
        kept: list[str] = []
        inside = False
        for line in self.text().splitlines(keepends=True):
            header = re.match(r"\s*\[([^\]]+)\]", line)
            if header:
                inside = header.group(1) == name or header.group(1).startswith(name + ".")
            if not inside:
                kept.append(line)
        self.write("".join(kept))

    # --- inputs ---

    def input(self, name: str) -> Path:
        """The file configured as input ``name``."""
        value = tomllib.loads(self.text())["inputs"][name]
        return self.root / value

    def point(self, name: str, path: str) -> None:
        """Point input ``name`` at ``path`` (relative to the project root)."""
        self.set(name, f'"{path}"')

    def lines(self, name: str) -> list[str]:
        """The input's lines, with their line endings."""
        return self.input(name).read_text(encoding="utf-8").splitlines(keepends=True)

    def write_lines(self, name: str, lines: list[str]) -> None:
        """Replace the input's lines."""
        self.input(name).write_text("".join(lines), encoding="utf-8")

    def header(self, name: str) -> list[str]:
        """The input's column names."""
        return next(csv.reader([self.lines(name)[0]]))

    def edit_field(self, name: str, line: int, column: str, value: str, *, quote: bool = True) -> int:
        """Set ``column`` on physical ``line`` to ``value``; return the line.

        With ``quote=False`` the value is written as it is, so ``1,057`` adds a
        field (a ragged row) instead of being one quoted field.
        """
        lines = self.lines(name)
        fields = next(csv.reader([lines[line - 1]]))
        position = self.header(name).index(column)
        marker = "\x00"
        fields[position] = value if quote else marker
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow(fields)
        lines[line - 1] = out.getvalue().replace(marker, value)
        self.write_lines(name, lines)
        return line

    def find_line(self, name: str, **where: str) -> int:
        """The first physical line whose fields equal ``where`` (column -> value)."""
        header = self.header(name)
        for number, line in enumerate(self.lines(name)[1:], start=2):
            fields = dict(zip(header, next(csv.reader([line])), strict=False))
            if all(fields.get(key) == value for key, value in where.items()):
                return number
        msg = f"no line of {name} with {where}"
        raise LookupError(msg)

    def find_line_matching(self, name: str, column: str, pattern: str) -> int:
        """The first physical line whose ``column`` matches the regular expression ``pattern``."""
        header = self.header(name)
        for number, line in enumerate(self.lines(name)[1:], start=2):
            fields = dict(zip(header, next(csv.reader([line])), strict=False))
            if re.match(pattern, fields.get(column, "")):
                return number
        msg = f"no line of {name} with {column} matching {pattern}"
        raise LookupError(msg)

    def rename_columns(self, name: str, renames: Callable[[str], str]) -> None:
        """Rewrite the header with ``renames`` applied to every column name."""
        lines = self.lines(name)
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow([renames(c) for c in self.header(name)])
        lines[0] = out.getvalue()
        self.write_lines(name, lines)

    def drop_column(self, name: str, column: str) -> None:
        """Remove ``column`` from every row."""
        rows = list(csv.reader(self.lines(name)))
        position = rows[0].index(column)
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([r[:position] + r[position + 1 :] for r in rows])
        self.input(name).write_text(out.getvalue(), encoding="utf-8")

    def header_only(self, name: str, tail: str = "") -> None:
        """Keep only the header line (plus ``tail``, e.g. a blank line)."""
        self.write_lines(name, [self.lines(name)[0], *([tail] if tail else [])])

    def write_bytes(self, name: str, data: bytes) -> None:
        """Replace the input's bytes."""
        self.input(name).write_bytes(data)


Change = Callable[[Workspace], object]


@dataclass(frozen=True)
class Case:
    """One bad input, configuration or fault, and what the refusal must say.

    ``expect`` items must all appear in the output; an item that is a tuple is
    satisfied by any one of its strings. ``line`` (a number, or a function of
    the changed workspace giving one) must appear as ``line N``.
    """

    name: str
    starter: str
    change: Change
    expect: tuple[str | tuple[str, ...], ...] = ()
    line: int | Callable[[Workspace], int] | None = None
    modes: tuple[str, ...] = BOTH
    exit_code: int = 1
    fault: str | None = None
    absent: tuple[str, ...] = field(default=())
    # An optional input left empty: the run publishes (exit 0) without it, and the manifest's
    # missing_inputs must name this input (the one case where outputs may change).
    publishes_without: str | None = None


# --- Files by starter -----------------------------------------------------------------

SI_HEALTH = "census2021-ts037-lsoa.csv"
SI_LOOKUP = "lsoa21-msoa21-lad22-lookup-synthetic.csv"
SI_TENURE = "census2021-ts054-lsoa.csv"
SI_PARTNERSHIP = "census2021-ts002-lsoa.csv"
SI_HOUSEHOLD_SIZE = "census2021-ts017-lsoa.csv"
CA_KS4 = "ks4_la_characteristics.csv"
CA_IOD = "iod2025_lad_summary.csv"
GS_PARKS = "lsoa_parks_access.csv"
GS_BOUNDARIES = "lsoa_boundaries.csv"
GS_PIECES = "greenspace_pieces.csv"
AT_TRAVEL = "travel_to_work.csv"
AT_TRAFFIC = "traffic_aadf.csv"
AT_WALKING = "walking_cycling.csv"
AT_COUNT_POINTS = "count_point_lsoa.csv"
SK_APS = "aps.csv"
SK_QUALIFICATIONS = "qualifications.csv"
SK_LOOKUP = "lsoa_lookup.csv"
EX_RESIDENTS = "residents.csv"

PARKS_DISTANCE = "Average distance to nearest Park or Public Garden (m)"


# --- Changes that need more than one line -----------------------------------------------


def census_as_percent_long_form(ws: Workspace) -> None:
    """TS037 republished in the long form with ``measure = Percent``: percentages, not counts."""
    rows = list(csv.reader(ws.lines("health")))
    header, body = rows[0], rows[1:]
    categories = header[4:]  # after date, geography, geography code and the total
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["area_code", "area_name", "geography", "period", "indicator", "General health", "measure", "unit", "value"])  # fmt: skip
    for row in body:
        total = int(row[3])
        for label, count in zip(categories, row[4:], strict=True):
            category = label.split(": ", 1)[1]
            percent = round(100 * int(count) / total)
            writer.writerow([row[2], row[1], "LSOA 2021", row[0], "General health", category, "Percent", "Percentage", percent])  # fmt: skip
    ws.input("health").write_text(out.getvalue(), encoding="utf-8")


def lookup_2011(ws: Workspace) -> None:
    """The 2011 LSOA lookup (LSOA11CD ...) where the 2021 one is expected."""
    ws.rename_columns("lookup", lambda c: re.sub(r"^(LSOA|MSOA)21", r"\g<1>11", c).replace("LAD22", "LAD11"))


def boundaries_2021(ws: Workspace) -> None:
    """LSOA 2021 boundaries where the configured vintage is 2011."""
    ws.rename_columns("lsoa_boundaries", lambda c: c.replace("LSOA11", "LSOA21"))


def travel_2011_qs701(ws: Workspace) -> None:
    """A 2011 Census Nomis table (QS701EW, "All categories" total) for the 2021 TS061."""

    def rename(column: str) -> str:
        column = column.replace(
            "Method of travel to workplace: Total: All usual residents aged 16 years and over in "
            "employment the week before the census",
            "Method of Travel to Work: All categories: Method of travel to work",
        )
        return column.replace("Method of travel to workplace:", "Method of Travel to Work:") + (
            "; measures: Value" if column.startswith("Method") else ""
        )

    ws.rename_columns("travel_to_work", rename)
    lines = ws.lines("travel_to_work")
    ws.write_lines("travel_to_work", [lines[0], *(re.sub(r"^2021,", "2011,", line) for line in lines[1:])])


def qualifications_2011_qs501(ws: Workspace) -> None:
    """A 2011 Census Nomis table (QS501EW) for the 2021 TS067."""
    ws.rename_columns(
        "qualifications",
        lambda c: c.replace(
            "Highest level of qualification: Total: All usual residents aged 16 years and over",
            "Qualifications: All categories: Highest level of qualification",
        ).replace("Highest level of qualification:", "Qualifications:"),
    )
    lines = ws.lines("qualifications")
    ws.write_lines("qualifications", [lines[0], *(re.sub(r"^2021,", "2011,", line) for line in lines[1:])])


def truncate_last_row(ws: Workspace, name: str) -> None:
    """Cut the last row in the middle of a field (a download that stopped)."""
    lines = ws.lines(name)
    last = lines[-1].rstrip("\n")
    lines[-1] = last[: last.rindex(",", 0, last.rindex(",")) + 2]
    ws.write_lines(name, lines)


def unclosed_quote(ws: Workspace, name: str, line: int, column: str) -> int:
    """Open a quote in ``column`` on ``line`` that is never closed."""
    lines = ws.lines(name)
    fields = next(csv.reader([lines[line - 1]]))
    fields[ws.header(name).index(column)] = '"' + fields[ws.header(name).index(column)]
    lines[line - 1] = ",".join(fields) + "\n"
    ws.write_lines(name, lines)
    return line


def latin1_byte(ws: Workspace, name: str, line: int, column: str) -> int:
    """Save one name in Windows-1252 (``á`` as byte 0xE1) in an otherwise UTF-8 file."""
    ws.edit_field(name, line, column, "Sámpleton")
    data = ws.input(name).read_bytes().replace("Sámpleton".encode(), "Sámpleton".encode("cp1252"))
    ws.write_bytes(name, data)
    return line


def invalid_byte_after_first_mib(ws: Workspace) -> None:
    """Residents grown past 2 MiB (more synthetic people), with byte 0xFF after the first MiB."""
    lines = ws.lines("residents")
    header, body = lines[0], lines[1:]
    grown = [header]
    size = len(header)
    person = 0
    while size < 2 * 2**20:
        for line in body:
            person += 1
            fields = line.split(",", 1)
            grown.append(f"{person},{fields[1]}")
            size += len(grown[-1])
    data = "".join(grown).encode()
    cut = data.index(b"\n", 2**20 + 1000) + 1  # the start of a line after the first MiB
    ws.write_bytes("residents", data[:cut] + b"\xff" + data[cut:])


def duplicate_area(ws: Workspace) -> None:
    """The lookup lists an LSOA twice."""
    lines = ws.lines("lookup")
    ws.write_lines("lookup", [*lines, lines[2]])


def outputs_dir_is_a_file(ws: Workspace) -> None:
    """``outputs_dir`` names an existing file."""
    (ws.root / "results").write_text("not a folder\n", encoding="utf-8")
    ws.set("outputs_dir", '"results"')


def input_is_a_directory(ws: Workspace, name: str, path: str) -> None:
    """Input ``name`` points at a directory (an unreadable input)."""
    (ws.root / path).mkdir(parents=True)
    ws.point(name, path)


def parameters_is_a_string(ws: Workspace) -> None:
    """``parameters = "x"`` instead of a table."""
    ws.drop_table("parameters")
    ws.prepend('parameters = "x"')


def ks4_la_line(ws: Workspace) -> int:
    """A local-authority line of the KS4 file that the pipeline uses (all pupils)."""
    return ws.find_line("ks4", geographic_level="Local authority", breakdown_topic="Total", breakdown="Total")


def walking_la_line(ws: Workspace) -> int:
    """The CW0301 line the pipeline reads for a local authority (its configured mode and purpose)."""
    for number, line in enumerate(ws.lines("walking_cycling")[1:], start=2):
        fields = next(csv.reader([line]))
        if re.match(r"E0[6-9]", fields[0]) and fields[3:6] == ["Walking or cycling", "Travel", "At least once per week"]:  # fmt: skip
            return number
    msg = "no local-authority travel row in walking_cycling"
    raise LookupError(msg)


def nth_line_of(ws: Workspace, key: str, n: int) -> int:
    """The line number of the ``n``-th (1-based) ``key = ...`` line of the configuration."""
    found = [i for i, line in enumerate(ws.text().splitlines(), 1) if re.match(rf"\s*{key}\s*=", line)]
    return found[n - 1]


def duplicate_key(ws: Workspace, key: str) -> None:
    """Repeat the ``key = ...`` line just after itself (TOML forbids it)."""
    number = ws.line_of(key)
    lines = ws.text().splitlines(keepends=True)
    lines.insert(number, lines[number - 1])
    ws.write("".join(lines))


def line_of_byte(ws: Workspace, name: str, byte: bytes) -> int:
    """The physical line of the first occurrence of ``byte`` in input ``name``."""
    data = ws.input(name).read_bytes()
    return data[: data.index(byte)].count(b"\n") + 1


def one_local_authority(ws: Workspace) -> None:
    """A valid change that alters every output, so a half-published run would show."""
    ws.set("local_authorities", '["E08999001"]')


def new_older_age(ws: Workspace) -> None:
    """A valid change that alters the output, so a half-published run would show."""
    ws.set("older_age", "70")


# --- The corpus -------------------------------------------------------------------------

SI, CA, GS, AT, SK, EX = (
    "social_isolation",
    "child_attainment",
    "green_space",
    "active_travel",
    "skills",
    "none",
)

# fmt: off
CASES: list[Case] = [
    # --- social_isolation ---
    Case("misspelt-parameter", SI, lambda ws: ws.rename_key("local_authorities", "local_authority"),
         expect=("local_authority",)),
    Case("unknown-pipeline", SI, lambda ws: ws.set("pipeline", '"socail_isolation"'),
         expect=("socail_isolation",), modes=(MEMORY,)),
    Case("string-where-list-expected", SI, lambda ws: ws.set("local_authorities", '"E08999001"'),
         expect=("local_authorities",), modes=(MEMORY,)),
    Case("parameter-below-minimum", SI, lambda ws: ws.set("eight_or_more_household_size", "7"),
         expect=("eight_or_more_household_size",), modes=(MEMORY,)),
    Case("alias-for-unknown-input", SI,
         lambda ws: ws.append('[aliases.wellbeing]\ncategories = { "Fair" = "Fair health" }'),
         expect=("wellbeing",), modes=(MEMORY,)),
    Case("ragged-row-thousands-separator", SI,
         lambda ws: ws.edit_field("health", 6, "General health: Good health", "1,057", quote=False),
         expect=(SI_HEALTH,), line=6),
    Case("unclosed-quote", SI, lambda ws: unclosed_quote(ws, "lookup", 10, "LSOA21NM"),
         expect=(SI_LOOKUP,), line=10),
    Case("percent-measure-read-as-counts", SI, census_as_percent_long_form,
         expect=(SI_HEALTH, "Percent")),
    Case("unknown-area-code", SI, lambda ws: ws.edit_field("tenure", 4, "geography code", "E01999999"),
         expect=(SI_TENURE, "E01999999")),
    Case("truncated-row", SI, lambda ws: truncate_last_row(ws, "household_size"),
         expect=(SI_HOUSEHOLD_SIZE,), line=lambda ws: len(ws.lines("household_size"))),
    Case("negative-count", SI,
         lambda ws: ws.edit_field("health", 9, "General health: Very bad health", "-12"),
         expect=(SI_HEALTH, "Very bad health"), line=9),
    Case("2011-lsoa-lookup", SI, lookup_2011, expect=(SI_LOOKUP, "2011")),
    Case("header-only-required-input", SI, lambda ws: ws.header_only("partnership"),
         expect=(SI_PARTNERSHIP,)),
    Case("wrong-encoding", SI, lambda ws: latin1_byte(ws, "lookup", 4, "LSOA21NM"),
         expect=(SI_LOOKUP, "UTF-8"), line=4),
    Case("duplicated-area", SI, duplicate_area, expect=(SI_LOOKUP, "E01900002"), modes=(MEMORY,)),
    Case("missing-input-key", SI, lambda ws: ws.remove_key("tenure"), expect=("tenure",), modes=(MEMORY,)),
    Case("ctrl-c-while-publishing", SI, one_local_authority, exit_code=130, fault=INTERRUPT_PUBLISH,
         modes=(MEMORY,)),
    Case("disk-full-while-publishing", SI, one_local_authority, fault=DISK_FULL, modes=(MEMORY,),
         expect=(("No space left on device", "disk full", "disk is full"),)),
    # --- child_attainment ---
    Case("parameters-is-a-string", CA, parameters_is_a_string, expect=("parameters",), modes=(MEMORY,)),
    Case("missing-column", CA, lambda ws: ws.drop_column("ks4", "avg_att8"), expect=(CA_KS4, "avg_att8")),
    Case("quoted-thousands-separator", CA,
         lambda ws: ws.edit_field("ks4", ks4_la_line(ws), "t_pupils", "1,234"), expect=(CA_KS4, "t_pupils"),
         line=ks4_la_line),
    Case("nan-in-float-column", CA, lambda ws: ws.edit_field("ks4", ks4_la_line(ws), "avg_att8", "NaN"),
         expect=(CA_KS4, "avg_att8"), line=ks4_la_line),
    Case("missing-input-file", CA, lambda ws: ws.point("ks4", "data/raw/ks4_2024.csv"),
         expect=("ks4_2024.csv",), modes=(MEMORY,)),
    Case("header-only-deprivation", CA, lambda ws: ws.header_only("deprivation"), expect=(CA_IOD,)),
    Case("unknown-choice", CA, lambda ws: ws.set("deprivation_domain", '"imdd"'),
         expect=("deprivation_domain", "imdd"), modes=(MEMORY,)),
    Case("input-is-a-directory", CA, lambda ws: input_is_a_directory(ws, "deprivation", "data/raw/iod.csv"),
         expect=("iod.csv",), modes=(MEMORY,)),
    Case("wrong-type-parameter", CA, lambda ws: ws.set("min_pupils", '"ten"'), expect=("min_pupils",),
         modes=(MEMORY,)),
    Case("alias-for-unknown-column", CA,
         lambda ws: ws.append('[aliases.ks4]\ncolumns = { no_such_column = "avg_att8" }'),
         expect=("no_such_column",), modes=(MEMORY,)),
    # --- green_space ---
    Case("outputs-dir-is-a-file", GS, outputs_dir_is_a_file, expect=("outputs_dir",)),
    Case("nan-string-in-float-column", GS,
         lambda ws: ws.edit_field("parks_access", 3, PARKS_DISTANCE, "NaN"), expect=(GS_PARKS, PARKS_DISTANCE),
         line=3),
    Case("inf-string-in-float-column", GS,
         lambda ws: ws.edit_field("greenspace_pieces", 5, "piece_area_m2", "inf"),
         expect=(GS_PIECES, "piece_area_m2"), line=5),
    Case("2021-codes-for-2011-vintage", GS, boundaries_2021, expect=(GS_BOUNDARIES, "2021")),
    Case("unknown-lsoa-in-pieces", GS,
         lambda ws: ws.edit_field("greenspace_pieces", 4, "LSOA11CD", "E01199999"),
         expect=(GS_PIECES, "E01199999")),
    Case("string-where-list-expected", GS, lambda ws: ws.set("lad_codes", '"E08000901"'),
         expect=("lad_codes",), modes=(MEMORY,)),
    Case("negative-area", GS, lambda ws: ws.edit_field("greenspace_pieces", 6, "piece_area_m2", "-5.0"),
         expect=(GS_PIECES, "piece_area_m2"), line=6, modes=(MEMORY,)),
    Case("unknown-vintage", GS, lambda ws: ws.set("lsoa_vintage", '"2001"'), expect=("lsoa_vintage",),
         modes=(MEMORY,)),
    # --- active_travel ---
    # Optional: publishes without the cycle traffic component, with the gap stated (not a refusal).
    Case("header-only-optional-input", AT, lambda ws: ws.header_only("traffic_aadf"),
         expect=(AT_TRAFFIC, "Published WITHOUT input 'traffic_aadf'"), exit_code=0,
         publishes_without="traffic_aadf"),
    # A year the download does not cover gave "no data" for cycle traffic in every area, exit 0.
    Case("traffic-year-not-in-the-counts", AT, lambda ws: ws.set("traffic_year", "2019"),
         expect=("traffic_year = 2019", "[2022, 2023]")),
    Case("unknown-config-key", AT, lambda ws: ws.prepend('output_dir = "out"'), expect=("output_dir",),
         modes=(MEMORY,)),
    Case("2011-census-table", AT, travel_2011_qs701, expect=(AT_TRAVEL, "2011")),
    Case("duplicated-config-key", AT, lambda ws: duplicate_key(ws, "traffic_year"),
         expect=("pipeline.toml",), line=lambda ws: nth_line_of(ws, "traffic_year", 2), modes=(MEMORY,)),
    Case("invalid-toml", AT, lambda ws: ws.set("active_lives_mode", '"Walking or cycling'),
         expect=("pipeline.toml",), line=lambda ws: ws.line_of("active_lives_mode"), modes=(MEMORY,)),
    Case("label-not-in-table", AT, lambda ws: ws.set("active_lives_mode", '"Walking or cycing"'),
         expect=("Walking or cycing", AT_WALKING), modes=(MEMORY,)),
    Case("inf-string-in-float-column", AT, lambda ws: ws.edit_field("walking_cycling", walking_la_line(ws), "2023", "inf"),
         expect=(AT_WALKING, "2023"), line=walking_la_line),
    Case("unknown-area-code", AT, lambda ws: ws.edit_field("count_point_lsoa", 3, "LSOA21CD", "E01999999"),
         expect=(AT_COUNT_POINTS, "E01999999")),
    Case("ragged-row-thousands-separator", AT,
         lambda ws: ws.edit_field("traffic_aadf", 4, "pedal_cycles", "1,057", quote=False),
         expect=(AT_TRAFFIC,), line=4),
    Case("streaming-not-a-bool", AT, lambda ws: ws.set("streaming", '"yes"'), expect=("streaming",),
         modes=(MEMORY,)),
    Case("outputs-dir-is-the-project-root", AT, lambda ws: ws.set("outputs_dir", '"."'),
         expect=("outputs_dir",), modes=(MEMORY,)),
    # --- skills ---
    Case("empty-nomis-download", SK, lambda ws: ws.header_only("qualifications", "\n"),
         expect=(SK_QUALIFICATIONS,), absent=("e.g. None",)),
    Case("string-where-list-expected", SK,
         lambda ws: ws.set("level4_plus", '"Level 4 qualifications or above"'), expect=("level4_plus",),
         modes=(MEMORY,)),
    Case("non-numeric-value", SK, lambda ws: ws.edit_field("aps", 4, "OBS_VALUE", "7l.9"),
         expect=(SK_APS, "OBS_VALUE"), line=4),
    Case("2011-census-table", SK, qualifications_2011_qs501, expect=(SK_QUALIFICATIONS, "2011")),
    Case("missing-column", SK, lambda ws: ws.drop_column("aps", "MEASURES"), expect=(SK_APS, "MEASURES"),
         modes=(MEMORY,)),
    Case("unknown-category-label", SK, lambda ws: ws.set("no_qualifications", '["No qualification"]'),
         expect=("No qualification",), modes=(MEMORY,)),
    Case("invalid-byte", SK, lambda ws: latin1_byte(ws, "lsoa_lookup", 50, "LSOA21NM"),
         expect=(SK_LOOKUP,), line=50),
    Case("truncated-row", SK, lambda ws: truncate_last_row(ws, "aps"), expect=(SK_APS,),
         line=lambda ws: len(ws.lines("aps"))),
    # --- example (starter = none) ---
    Case("outputs-dir-empty", EX, lambda ws: ws.set("outputs_dir", '""'), expect=("outputs_dir",)),
    Case("wrong-type-parameter", EX, lambda ws: ws.set("older_age", '"sixty-five"'), expect=("older_age",)),
    Case("invalid-byte-after-first-mib", EX, invalid_byte_after_first_mib, expect=(EX_RESIDENTS,),
         line=lambda ws: line_of_byte(ws, "residents", b"\xff")),
    Case("missing-column", EX, lambda ws: ws.drop_column("residents", "age"), expect=(EX_RESIDENTS, "age"),
         modes=(MEMORY,)),
    Case("non-numeric-value", EX, lambda ws: ws.edit_field("residents", 102, "age", "forty"),
         expect=(EX_RESIDENTS, "age"), line=102),
    Case("negative-value", EX, lambda ws: ws.edit_field("residents", 7, "age", "-3"),
         expect=(EX_RESIDENTS, "age"), line=7, modes=(MEMORY,)),
    Case("unknown-parameter", EX, lambda ws: ws.add_after("[parameters]", "oldest_age = 100"),
         expect=("oldest_age",), modes=(MEMORY,)),
    Case("missing-input-file", EX, lambda ws: ws.input("residents").unlink(), expect=(EX_RESIDENTS,),
         modes=(MEMORY,)),
    Case("empty-input-file", EX, lambda ws: ws.write_bytes("residents", b""), expect=(EX_RESIDENTS,),
         modes=(MEMORY,)),
    Case("input-is-a-directory", EX, lambda ws: input_is_a_directory(ws, "residents", "data/raw/residents"),
         expect=("residents",), modes=(STREAMING,)),
    Case("ctrl-c-while-publishing", EX, new_older_age, exit_code=130, fault=INTERRUPT_PUBLISH),
    Case("ctrl-c-while-spilling", EX, new_older_age, exit_code=130, fault=INTERRUPT_SPILL,
         modes=(STREAMING,)),
    Case("disk-full-while-publishing", EX, new_older_age, fault=DISK_FULL,
         expect=(("No space left on device", "disk full", "disk is full"),), modes=(STREAMING,)),
]
# fmt: on


def copy_inputs(project: Path, root: Path, config_text: str) -> None:
    """Copy the files the configuration names from ``project`` into ``root`` (same paths)."""
    for value in tomllib.loads(config_text).get("inputs", {}).values():
        target = root / value
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(project / value, target)
