"""Tests of the pure-Python report renderer (used when Quarto is not installed)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import pytest

from rapkit import render

QMD = """---
title: "Test report"
subtitle: "Rendered without Quarto"
author: "Analysis team"
---

## Findings

Plain *Markdown* text.

```{python}
#| label: setup
import sys
from IPython.display import Markdown
hidden = "hidden-source-marker"
print("printed-output-marker")
print("a warning", file=sys.stderr)
```

```{python}
#| echo: true
#| warning: true
shown = 6 * 7
print(f"answer {shown}")
print("kept warning", file=sys.stderr)
```

```{python}
#| fig-cap: "Caption of the chart."
#| fig-alt: "Alt text of the chart."
import altair as alt
import polars as pl
from rapkit.reporting import setup_charts
setup_charts()
alt.Chart(pl.DataFrame({"x": ["a", "b"], "y": [1, 2]}), title="B is bigger").mark_bar().encode(x="x", y="y")
```

```{python}
#| include: false
print("excluded-cell-marker")
```

```{python}
#| output: false
print("suppressed-output-marker")
```

```{python}
Markdown("Generated **markdown** with a [link](https://example.org).")
```
"""

PROJECT = """project:
  output-dir: _output
execute:
  echo: false
  warning: false
"""


def visible_text(page: str) -> str:
    """Return the text a reader sees: no styles, scripts or tags, entities decoded."""
    body = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", body)).split())


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Render one report that uses every supported option, once for all tests."""
    folder = tmp_path_factory.mktemp("reports")
    (folder / "_quarto.yml").write_text(PROJECT, encoding="utf-8")
    (folder / "demo.qmd").write_text(QMD, encoding="utf-8")
    target = render.render(folder / "demo.qmd")
    assert target == folder / "_output" / "demo.html"
    return target.read_text(encoding="utf-8")


def test_front_matter_becomes_the_title_block(rendered: str) -> None:
    assert "<title>Test report</title>" in rendered
    assert re.search(r"<h1[^>]*>Test report", rendered)
    assert "Rendered without Quarto" in rendered
    assert "Analysis team" in rendered
    assert "<em>Markdown</em>" in rendered


def test_echo_false_hides_code_but_keeps_its_output(rendered: str) -> None:
    assert "hidden-source-marker" not in rendered
    assert "printed-output-marker" in rendered
    assert "shown = 6 * 7" in visible_text(rendered), "a cell with echo: true shows its code"
    assert "answer 42" in rendered


def test_warning_option_controls_stderr(rendered: str) -> None:
    assert "a warning" not in rendered
    assert "kept warning" in rendered


def test_include_and_output_options(rendered: str) -> None:
    assert "excluded-cell-marker" not in rendered
    assert "suppressed-output-marker" not in rendered


def test_figures_are_embedded_with_alt_text_and_caption(rendered: str) -> None:
    figure = re.search(r"<figure[^>]*>(.*?)</figure>", rendered, flags=re.DOTALL)
    assert figure is not None
    assert re.search(r'src="data:image/png;base64,[A-Za-z0-9+/=]{100,}"', figure.group(1))
    assert 'alt="Alt text of the chart."' in figure.group(1)
    assert "<figcaption>Caption of the chart.</figcaption>" in figure.group(1)


def test_markdown_output_is_rendered(rendered: str) -> None:
    assert '<strong>markdown</strong> with a <a href="https://example.org">link</a>' in rendered


def test_a_failing_cell_names_the_file_cell_line_and_error(tmp_path: Path) -> None:
    report = tmp_path / "broken.qmd"
    report.write_text(
        '---\ntitle: "Broken"\n---\n\n```{python}\nx = 1\n```\n\nText.\n\n'
        "```{python}\n#| label: divide\ny = x / 0\n```\n",
        encoding="utf-8",
    )
    with pytest.raises(render.ReportRenderError) as caught:
        render.render(report, tmp_path / "out")
    message = str(caught.value)
    assert f"{report}: code cell 2 (line 12) failed with ZeroDivisionError" in message
    assert "y = x / 0" in message
    assert not (tmp_path / "out").exists(), "no HTML for a failed report"


def test_cell_options() -> None:
    source = "#| echo: false\n#| fig-cap: 'A: caption'\nx = 1\n#| not an option\n"
    assert render.cell_options(source) == {"echo": False, "fig-cap": "A: caption"}
    assert render.cell_options("x = 1") == {}
    with pytest.raises(render.ReportRenderError, match="cell options: invalid YAML"):
        render.cell_options("#| echo: [unclosed\n")


def test_find_reports(tmp_path: Path) -> None:
    (tmp_path / "a.qmd").write_text("# A\n", encoding="utf-8")
    (tmp_path / "_partial.qmd").write_text("# partial\n", encoding="utf-8")
    assert render.find_reports([tmp_path]) == [tmp_path / "a.qmd"]
    with pytest.raises(render.ReportRenderError, match=r"Not a \.qmd file"):
        render.find_reports([tmp_path / "missing.qmd"])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(render.ReportRenderError, match=r"No \.qmd reports"):
        render.find_reports([empty])


def test_main_reports_errors_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.qmd"
    bad.write_text("---\ntitle: [unclosed\n---\n\nText\n", encoding="utf-8")
    assert render.main([str(bad)]) == 1
    error = capsys.readouterr().err
    assert error.startswith(f"error: {bad} front matter: invalid YAML")
    assert "Traceback" not in error


STYLED = """---
title: "Styled"
---

## First section

```{python}
from rapkit.reporting import Html
Html('<div class="raw-marker"><b>raw</b></div>')
```

### A sub-section

Text.
"""


@pytest.fixture(scope="module")
def styled(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Render a report with a table of contents, a stylesheet and a raw HTML block."""
    folder = tmp_path_factory.mktemp("styled")
    (folder / "_quarto.yml").write_text(
        "format:\n  html:\n    toc: true\n    css: site.css\n", encoding="utf-8"
    )
    (folder / "site.css").write_text(".css-marker { color: #0b0c0c; }\n", encoding="utf-8")
    (folder / "styled.qmd").write_text(STYLED, encoding="utf-8")
    return render.render(folder / "styled.qmd").read_text(encoding="utf-8")


def test_raw_html_blocks_are_published_as_html(styled: str) -> None:
    assert '<div class="raw-marker"><b>raw</b></div>' in styled
    assert "{=html}" not in styled


def test_toc_true_draws_a_table_of_contents(styled: str) -> None:
    nav = re.search(r'<nav [^>]*id="TOC"[^>]*>(.*?)</nav>', styled, flags=re.DOTALL)
    assert nav is not None
    assert '<a href="#First-section">First section</a>' in nav.group(1)
    assert '<li class="toc-level-3"><a href="#A-sub-section">' in nav.group(1)
    assert 'id="First-section"' in styled, "the links match nbconvert's heading ids"


def test_project_stylesheets_are_inlined(styled: str) -> None:
    head = styled[: styled.index("</head>")]
    assert ".css-marker { color: #0b0c0c; }" in head


def test_no_toc_without_headings_or_when_not_asked(rendered: str) -> None:
    assert 'id="TOC"' not in rendered
    cell = nbformat.v4.new_markdown_cell("no headings here")  # type: ignore[no-untyped-call]
    notebook = nbformat.v4.new_notebook(cells=[cell])  # type: ignore[no-untyped-call]
    assert render.contents(notebook) == ""


def test_a_missing_stylesheet_is_named(tmp_path: Path) -> None:
    with pytest.raises(render.ReportRenderError, match=r"css file 'gone\.css' not found"):
        render.stylesheets(tmp_path, {"css": ["gone.css"]})
