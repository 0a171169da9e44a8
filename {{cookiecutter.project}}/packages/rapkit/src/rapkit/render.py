"""Render Quarto reports to HTML without Quarto: the pure-Python path.

Quarto is the intended renderer, but it is a separate binary that locked-down
machines and some CI runners cannot install. So that reports are still executed
and checked everywhere, this module renders the same ``.qmd`` files with Python
libraries: jupytext reads the document into a notebook, nbclient runs every
code cell in a fresh kernel, and nbconvert writes one self-contained HTML file.

It honours the Quarto features the reports use: the front matter ``title``,
``subtitle``, ``author`` and ``date``; ``execute:`` defaults from
``_quarto.yml`` and the front matter; and per-cell ``#|`` options ``echo``,
``output``, ``include``, ``warning``, ``fig-cap`` and ``fig-alt``. Other Quarto
syntax (callouts, cross-references, inline code) is shown as plain text, so
write reports with plain Markdown and code cells.

``python -m <package>.render [reports/ or file.qmd ...]`` renders every report;
a failing cell stops it with the file, the cell and the error (exit status 1).
"""

from __future__ import annotations

import argparse
import html
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

import jupytext
import nbformat
import yaml
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from .errors import PipelineError
from .io import atomic_write_bytes

CHUNK_START = re.compile(r"^```\{python[^}]*\}[ \t]*$", re.MULTILINE)
OPTION_LINE = re.compile(r"^#\|\s?(.*)$")
# A Markdown raw HTML block, as rapkit.reporting.Html displays itself (see there why).
RAW_HTML = re.compile(r"\A\s*```\{=html\}\n(?P<html>.*)\n```\s*\Z", re.DOTALL)
HEADING = re.compile(r"^(#{2,3})\s+(.+?)\s*$", re.MULTILINE)
CELL_TIMEOUT = 600  # seconds; a report cell reads outputs and draws, it never runs the pipeline

# nbconvert's JupyterLab template, with images drawn as figures that carry the
# cell's fig-alt text and fig-cap caption (nbconvert alone has no alt text).
TEMPLATE = Path(__file__).with_name("report.html.j2")


class ReportRenderError(PipelineError):
    """A report could not be read, or one of its cells failed."""


def read_yaml(text: str, where: str) -> dict[str, Any]:
    """Parse YAML that must be a mapping (front matter, ``_quarto.yml``, cell options)."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        msg = f"{where}: invalid YAML: {exc}"
        raise ReportRenderError(msg) from exc
    if not isinstance(data, dict):
        msg = f"{where}: expected a YAML mapping, found {type(data).__name__}"
        raise ReportRenderError(msg)
    return data


def cell_options(source: str) -> dict[str, Any]:
    """Return the ``#| key: value`` options at the top of a code cell (Quarto's syntax)."""
    lines = []
    for line in source.splitlines():
        match = OPTION_LINE.match(line)
        if match is None:
            break
        lines.append(match.group(1))
    return read_yaml("\n".join(lines), "cell options") if lines else {}


def read_qmd(path: Path) -> tuple[nbformat.NotebookNode, dict[str, Any]]:
    """Read a ``.qmd`` file into a notebook and its front matter.

    jupytext reads ``.qmd`` natively only through the Quarto binary, so the
    Quarto code fences (```` ```{python} ````) are rewritten to the Markdown
    fences jupytext's Markdown reader turns into code cells.
    """
    text = path.read_text(encoding="utf-8")
    try:
        notebook = jupytext.reads(CHUNK_START.sub("```python", text), fmt="md")
    except yaml.YAMLError as exc:
        msg = f"{path} front matter: invalid YAML: {exc}"
        raise ReportRenderError(msg) from exc
    notebook = cast("nbformat.NotebookNode", notebook)
    front: dict[str, Any] = {}
    if notebook.cells and notebook.cells[0].cell_type == "raw":
        raw = notebook.cells.pop(0).source.strip()
        front = read_yaml(raw.strip("-\n"), f"{path} front matter")
    return notebook, front


def _heading(front: Mapping[str, Any]) -> str:
    """Markdown for the title block Quarto draws from the front matter."""
    lines = [f"# {front.get('title', 'Report')}"]
    if front.get("subtitle"):
        lines.append(f"\n*{front['subtitle']}*")
    byline = ", ".join(str(front[key]) for key in ("author", "date") if front.get(key))
    if byline:
        lines.append(f"\n{byline}")
    return "\n".join(lines)


def prepare(notebook: nbformat.NotebookNode, execute: Mapping[str, Any]) -> None:
    """Apply the execute defaults and each cell's options as nbconvert tags and metadata."""
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        options = {**execute, **cell_options(cell.source)}
        cell.metadata["quarto"] = options
        tags = set(cell.metadata.get("tags", []))
        if not options.get("echo", True):
            tags.add("remove_input")
        if not options.get("output", True):
            tags.add("remove_output")
        if not options.get("include", True):
            tags.add("remove_cell")
        cell.metadata["tags"] = sorted(tags)


def execute(notebook: nbformat.NotebookNode, path: Path, text: str) -> None:
    """Run every cell in a fresh kernel started in the report's folder; fail on the first error."""
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        client.execute()
    except CellExecutionError as exc:
        failed = [
            (number, cell)
            for number, cell in enumerate(
                (cell for cell in notebook.cells if cell.cell_type == "code"), start=1
            )
            if any(output.get("output_type") == "error" for output in cell.get("outputs", []))
        ]
        if not failed:  # pragma: no cover - nbclient records the error on the cell it ran
            msg = f"{path}: a code cell failed with {exc.ename}: {exc.evalue}"
            raise ReportRenderError(msg) from exc
        number, cell = failed[0]
        line = text[: text.find(cell.source)].count("\n") + 1 if cell.source in text else "?"
        msg = (
            f"{path}: code cell {number} (line {line}) failed with {exc.ename}: {exc.evalue}\n"
            f"--- cell source ---\n{cell.source}\n-------------------"
        )
        raise ReportRenderError(msg) from exc


def drop_warnings(notebook: nbformat.NotebookNode) -> None:
    """Remove stderr output (warnings) from cells whose ``warning`` option is false."""
    for cell in notebook.cells:
        if cell.cell_type == "code" and not cell.metadata["quarto"].get("warning", True):
            cell.outputs = [
                output
                for output in cell.outputs
                if not (output.get("output_type") == "stream" and output.get("name") == "stderr")
            ]


def raw_html_outputs(notebook: nbformat.NotebookNode) -> None:
    """Publish Markdown raw HTML blocks as HTML, as pandoc does for Quarto."""
    for cell in notebook.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            markdown = output.get("data", {}).get("text/markdown")
            match = RAW_HTML.match(markdown) if isinstance(markdown, str) else None
            if match is not None:
                output["data"] = {"text/html": match.group("html")}


def heading_id(text: str) -> str:
    """The id nbconvert gives a Markdown heading (spaces become hyphens, the rest URL-quoted)."""
    return quote(text.replace(" ", "-"), safe="?/:@!$&'()*+,;=")


def contents(notebook: nbformat.NotebookNode) -> str:
    """HTML for a table of contents of the level-2 and level-3 headings.

    ``toc: true`` in ``_quarto.yml`` asks for one; nbconvert draws none, and readers
    of a long release need it most on a phone.
    """
    items = []
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        for hashes, title in HEADING.findall(cell.source):
            level = len(hashes)
            items.append(
                f'<li class="toc-level-{level}"><a href="#{html.escape(heading_id(title))}">'
                f"{html.escape(title)}</a></li>"
            )
    if not items:
        return ""
    return (
        '<nav id="TOC" aria-label="Contents"><p><strong>Contents</strong></p>'
        f"<ul>{''.join(items)}</ul></nav>"
    )


def to_html(notebook: nbformat.NotebookNode, title: str) -> str:
    """Convert an executed notebook to one self-contained HTML page (images inline)."""
    exporter = HTMLExporter(
        template_name="lab",
        extra_template_paths=[str(TEMPLATE.parent)],
        template_file=TEMPLATE.name,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(
            remove_input_tags={"remove_input"},
            remove_all_outputs_tags={"remove_output"},
            remove_cell_tags={"remove_cell"},
            enabled=True,
        ),
        enabled=True,
    )
    body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": title}})
    return str(body)


def stylesheets(folder: Path, html_options: Mapping[str, Any]) -> str:
    """The ``css`` files of ``format: html`` in ``_quarto.yml``, as one inline style element.

    Quarto embeds them; inlining them here gives both renderers the same styles.
    """
    names = html_options.get("css", [])
    styles = []
    for name in [names] if isinstance(names, str) else names:
        sheet = folder / str(name)
        if not sheet.is_file():
            msg = f"{folder / '_quarto.yml'}: css file {name!r} not found ({sheet})"
            raise ReportRenderError(msg)
        styles.append(sheet.read_text(encoding="utf-8"))
    return f"<style>\n{''.join(styles)}</style>\n" if styles else ""


def project_options(folder: Path) -> dict[str, Any]:
    """Read the Quarto project file (``_quarto.yml``) next to the reports, if there is one."""
    config = folder / "_quarto.yml"
    if not config.is_file():
        return {}
    return read_yaml(config.read_text(encoding="utf-8"), str(config))


def render(path: Path, out_dir: Path | None = None) -> Path:
    """Execute and render one ``.qmd`` report; return the HTML file written.

    The output goes where ``quarto render`` would put it: the project's
    ``output-dir`` (from ``_quarto.yml``) or next to the report.
    """
    path = path.resolve()
    project = project_options(path.parent)
    notebook, front = read_qmd(path)
    execute_options = {**project.get("execute", {}), **front.get("execute", {})}
    prepare(notebook, execute_options)
    html_options = project.get("format", {}).get("html", {}) or {}
    toc = contents(notebook) if {**html_options, **front}.get("toc") else ""
    notebook.cells.insert(0, nbformat.v4.new_markdown_cell(_heading(front)))
    execute(notebook, path, path.read_text(encoding="utf-8"))
    drop_warnings(notebook)
    raw_html_outputs(notebook)
    if toc:
        notebook.cells.insert(1, nbformat.v4.new_markdown_cell(toc))
    html = to_html(notebook, str(front.get("title", path.stem)))
    html = html.replace("</head>", stylesheets(path.parent, html_options) + "</head>", 1)
    target_dir = out_dir or path.parent / project.get("project", {}).get("output-dir", ".")
    target = target_dir / f"{path.stem}.html"
    atomic_write_bytes(target, html.encode("utf-8"))
    return target


def find_reports(paths: Sequence[Path]) -> list[Path]:
    """Expand folders to the ``.qmd`` files Quarto would render (not ``_``-prefixed ones)."""
    found = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.glob("*.qmd") if not p.name.startswith("_"))
        elif path.suffix == ".qmd" and path.is_file():
            found.append(path)
        else:
            msg = f"Not a .qmd file or a folder of them: {path}"
            raise ReportRenderError(msg)
    if not found:
        msg = f"No .qmd reports in {', '.join(map(str, paths))}"
        raise ReportRenderError(msg)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Render the reports named on the command line (default: the ``reports`` folder)."""
    parser = argparse.ArgumentParser(prog=f"python -m {__name__}", description=__doc__)
    parser.add_argument("paths", nargs="*", type=Path, default=[Path("reports")])
    parser.add_argument("--out", type=Path, help="write HTML here (default: as Quarto would)")
    args = parser.parse_args(argv)
    try:
        for report in find_reports(args.paths):
            print(f"Rendering {report} (pure-Python path: jupytext, nbclient, nbconvert)")  # noqa: T201
            print(f"Wrote {render(report, args.out)}")  # noqa: T201
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)  # noqa: T201 - the command's own message
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
