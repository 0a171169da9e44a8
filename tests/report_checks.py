"""Checks of a rendered report page, as its readers would meet it.

Static checks parse the HTML (nothing loaded from elsewhere, no placeholder or
configuration text, a data table and a CSV download beside every chart). The
browser checks open the page in headless Chromium with the network blocked and
run axe-core (WCAG 2.2 AA) in it, then measure the layout at a phone's and a
desktop's width. ``tests/test_reports.py`` runs them on every starter's report.
"""

from __future__ import annotations

import html
import itertools
import json
import os
import re
import shutil
import tomllib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

# Elements whose src/href the browser fetches when the page loads.
LOADED = {"script": "src", "img": "src", "iframe": "src", "link": "href", "source": "src", "video": "src"}
# Text that must never reach a published page: unfilled template placeholders and notes
# addressed to the analyst rather than the reader.
PLACEHOLDERS = re.compile(
    r"\{\{|\}\}|\{[a-z_]+\}|\bTODO\b|\bTBC\b|\bXXX\b|lorem ipsum|\(boundary release year\)"
    r"|\bRecord the\b|\bset (?:by|in) `?[a-z_]+|config/pipeline\.toml|\bpoint `?\[inputs\]"
    r"|\bnot recorded\b",
    re.IGNORECASE,
)
# Python's and Polars' names for a missing value, printed instead of a number.
RAW_MISSING = re.compile(r"\bNone\b|\bnan\b|\bNaN\b|\bnull\b")
WIDTHS = {"phone": 400, "desktop": 1280}


class _Loaded(HTMLParser):
    """Collect the URLs of everything the page loads, and the text of code elements."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = LOADED.get(tag)
        for name, value in attrs:
            if value and (name == wanted or (name == "srcset" and tag in {"img", "source"})):
                self.urls.append(value)
            if name == "style" and value and "url(" in value:
                self.urls += re.findall(r"url\(['\"]?([^'\")]+)", value)


def external_references(page: str) -> list[str]:
    """URLs the page would fetch from another machine (anything not inline or local)."""
    parser = _Loaded()
    parser.feed(page)
    styles = " ".join(re.findall(r"<style\b[^>]*>(.*?)</style>", page, flags=re.DOTALL))
    urls = parser.urls + re.findall(r"@import\s+(?:url\()?['\"]?([^'\");]+)", styles)
    urls += re.findall(r"url\(['\"]?((?:https?:)?//[^'\")]+)", styles)
    return sorted({url for url in urls if re.match(r"(?:https?:)?//", url.strip())})


def visible_text(page: str, *, keep_code: bool = True) -> str:
    """The text a reader sees: no styles, scripts, SVG or tags; entities decoded; spaces collapsed."""
    body = re.sub(r"<(style|script|svg|title)\b.*?</\1>", " ", page, flags=re.DOTALL)
    if not keep_code:
        body = re.sub(r"<code\b.*?</code>", " ", body, flags=re.DOTALL)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def config_keys(config: Path) -> set[str]:
    """Every key of a TOML file that reads as a key (contains an underscore), at any depth."""
    keys: set[str] = set()

    def walk(table: dict[str, Any]) -> None:
        for key, value in table.items():
            if "_" in key:
                keys.add(key)
            if isinstance(value, dict):
                walk(value)

    walk(tomllib.loads(config.read_text(encoding="utf-8")))
    return keys


def placeholder_problems(page: str, keys: set[str]) -> list[str]:
    """Configuration key names, placeholders and notes to the analyst in the prose."""
    text = visible_text(page, keep_code=False)
    problems = [
        f"placeholder or note to the analyst: ...{text[max(m.start() - 40, 0) : m.end() + 40]}..."
        for pattern in (PLACEHOLDERS, RAW_MISSING)
        for m in pattern.finditer(text)
    ]
    problems += [
        f"configuration key {key!r} in the text"
        for key in sorted(keys)
        if re.search(rf"\b{re.escape(key)}\b", text)
    ]
    return problems


def chart_problems(page: str) -> list[str]:
    """Every chart needs alt text, a data table and a CSV download of its numbers."""
    figures = [
        ident
        for tag, ident in re.findall(r'(<figure\b[^>]*\bid="fig-([a-z0-9-]+)"[^>]*>)', page)
        if "rap-figure" in tag
    ]
    if not figures:
        return ["no charts (rapkit.reporting.figure)"]
    problems = []
    for ident in figures:
        block = page[page.index(f'id="fig-{ident}"') :]
        label = re.search(
            r'<div\b[^>]*aria-label="([^"]+)"[^>]*role="img"|<div\b[^>]*role="img"[^>]*aria-label="([^"]+)"',
            block,
        )
        if label is None or "data table" not in (label.group(1) or label.group(2)):
            problems.append(f"chart {ident}: no alt text pointing to its data table")
        if f'id="data-{ident}"' not in page or "<table" not in block[: block.find("</details>")]:
            problems.append(f"chart {ident}: no data table")
        if f'download="{ident}.csv"' not in block:
            problems.append(f"chart {ident}: no CSV download")
    if "Files published with this release" not in page:
        problems.append("no list of output files")
    return problems


def map_problems(page: str, codes: set[str]) -> list[str]:
    """A choropleth of every area: one shape per area in each layout, a legend, alt text, a table.

    ``codes`` are the area codes of the output the map shows. Each map (a ``rap-map``
    figure) must draw each of them exactly once per SVG layout, each shape with a
    tooltip, say which geometry it shows, and list every area in its data table.
    """
    figures = re.findall(r'<figure\b[^>]*class="[^"]*\brap-map\b[^"]*"[^>]*\bid="fig-([a-z0-9-]+)"', page)
    if not figures:
        return ["no map (rapkit.maps.area_map)"]
    problems = []
    for ident in figures:
        start = page.index(f'id="fig-{ident}"')
        block = page[start : page.index("</figure>", start)]
        svgs = [svg for svg in re.findall(r"<svg\b.*?</svg>", block, flags=re.DOTALL) if "data-code=" in svg]
        if not svgs:
            problems.append(f"map {ident}: no SVG with a shape per area")
        for number, svg in enumerate(svgs):
            drawn = re.findall(r'<path\b[^>]*\bdata-code="([^"]+)"[^>]*>\s*<title>[^<]+</title>', svg)
            if sorted(drawn) != sorted(codes):
                extra, absent = sorted(set(drawn) - codes), sorted(codes - set(drawn))
                problems.append(
                    f"map {ident} layout {number}: {len(drawn)} shapes with a tooltip for {len(codes)} "
                    f"areas (not drawn: {absent[:3]}, unknown: {extra[:3]}, repeated: {len(drawn) - len(set(drawn))})"
                )
        legend = re.search(r'<ul\b[^>]*class="rap-legend"[^>]*>(.*?)</ul>', block, flags=re.DOTALL)
        if legend is None or len(re.findall(r"<li>", legend.group(1))) < 2:
            problems.append(f"map {ident}: no legend of its colour classes")
        image = re.search(r'<div\b[^>]*role="img"[^>]*>', block)
        label = re.search(r'aria-label="([^"]+)"', image.group(0)) if image else None
        if label is None or "data table" not in label.group(1):
            problems.append(f"map {ident}: no alt text pointing to its data table")
        if f'href="#data-{ident}"' not in block:
            problems.append(f"map {ident}: the caption does not link to its table")
        if (
            "Schematic hexagon map, one hexagon per area, not to scale" not in block
            and "Boundaries from" not in block
        ):
            problems.append(f"map {ident}: does not say which geometry it shows")
        table = re.search(rf'<details\b[^>]*id="data-{ident}".*?</details>', page, flags=re.DOTALL)
        body = re.search(r"<tbody>(.*?)</tbody>", table.group(0), flags=re.DOTALL) if table else None
        rows = len(re.findall(r"<tr\b", body.group(1))) if body else 0
        if rows != len(codes):
            problems.append(f"map {ident}: its table has {rows} rows for {len(codes)} areas")
        if f'id="find-{ident}"' not in page:
            problems.append(f"map {ident}: no box to find an area")
    return problems


def heading_problems(page: str) -> list[str]:
    """One h1, and no heading level skipped on the way down."""
    levels = [int(level) for level in re.findall(r"<h([1-6])\b", page)]
    problems = [] if levels.count(1) == 1 else [f"{levels.count(1)} h1 headings"]
    problems += [f"heading level jumps from h{a} to h{b}" for a, b in itertools.pairwise(levels) if b > a + 1]
    return problems


@dataclass
class BrowserResult:
    """What headless Chromium saw when it opened a page with the network blocked."""

    external_requests: list[str] = field(default_factory=list)
    violations: list[dict[str, Any]] = field(default_factory=list)  # serious or critical
    overflow: dict[str, int] = field(default_factory=dict)  # width -> page overflow in px
    wide_charts: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    screenshots: list[Path] = field(default_factory=list)
    map_shapes: dict[str, list[int]] = field(default_factory=dict)  # width -> shapes shown per map
    find: dict[str, Any] | None = None  # what searching the first map's table for an area gave

    def problems(self) -> list[str]:
        """Everything that fails the page, as sentences."""
        found = [f"request left the machine: {url}" for url in self.external_requests]
        found += [
            f"axe {v['impact']}: {v['id']} ({v['help']}) at {', '.join(v['targets'][:3])}"
            for v in self.violations
        ]
        found += [
            f"sideways scroll of {px} px at {width} px wide" for width, px in self.overflow.items() if px > 0
        ]
        found += [f"chart wider than its column: {chart}" for chart in self.wide_charts]
        found += [f"console error: {message}" for message in self.console_errors]
        if self.find is not None:
            hit = self.find
            if not (hit["open"] and 1 <= hit["shown"] < max(hit["total"], 2) and hit["status"]):
                found.append(f"finding area {hit['code']} in the map's table did not work: {hit}")
        return found


def chromium() -> str:
    """The system's Chromium (Debian package ``chromium``); the CI script installs it."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    message = "Chromium is required for the browser checks: apt-get install chromium (.ci/run does)."
    raise RuntimeError(message)


def axe_script() -> str:
    """axe-core's browser bundle (``npm install axe-core``; ``AXE_CORE_JS`` names the file)."""
    path = Path(os.environ.get("AXE_CORE_JS", "node_modules/axe-core/axe.min.js"))
    if not path.is_file():
        message = (
            f"axe-core is required for the accessibility checks: no {path} (set AXE_CORE_JS; .ci/run does)."
        )
        raise RuntimeError(message)
    return path.read_text(encoding="utf-8")


MEASURE = """() => {
  const column = (el) => { let p = el.parentElement; while (p && p.clientWidth === 0) p = p.parentElement; return p; };
  const wide = [];
  for (const fig of document.querySelectorAll('figure, .rap-table, table, svg, img')) {
    const box = fig.getBoundingClientRect();
    if (box.width === 0) continue;
    const parent = column(fig);
    if (parent && box.width > parent.getBoundingClientRect().width + 1 && !fig.closest('.rap-table, main table, .jp-RenderedHTMLCommon table'))
      wide.push((fig.id || fig.className.baseVal || fig.className || fig.tagName) + ' ' + Math.round(box.width) + '>' + Math.round(parent.getBoundingClientRect().width));
  }
  return {overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth, wide};
}"""


SHAPES = """() => Array.from(document.querySelectorAll('figure.rap-map')).map((fig) =>
  Array.from(fig.querySelectorAll('path[data-code]')).filter((p) => p.getBoundingClientRect().width > 0).length)"""

FIND = """() => {
  const box = document.querySelector('.rap-find input');
  const shape = document.querySelector('figure.rap-map path[data-code]');
  if (!box || !shape) return null;
  const code = shape.dataset.code;
  box.value = code;
  box.dispatchEvent(new Event('input'));
  const details = document.getElementById(box.id.replace(/^find-/, 'data-'));
  const rows = Array.from(details.querySelectorAll('tbody tr'));
  return {code, total: rows.length, shown: rows.filter((r) => !r.hidden).length, open: details.open,
          visible: !box.closest('[hidden]'), status: document.getElementById(box.id + '-status').textContent};
}"""


def check_in_browser(page: Path, screenshots: Path | None = None) -> BrowserResult:
    """Open ``page`` in headless Chromium, offline; run axe-core and measure the layout."""
    from playwright.sync_api import sync_playwright

    result = BrowserResult()
    axe = axe_script()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        try:
            _check_page(browser, page.resolve().as_uri(), page.stem, axe, result, screenshots)
        finally:
            browser.close()
    return result


def _check_page(
    browser: Any,
    url: str,
    name: str,
    axe: str,
    result: BrowserResult,
    screenshots: Path | None,
    local: tuple[str, ...] = (),
    axe_at: tuple[str, ...] = ("desktop",),
) -> None:
    """Open ``url`` at each width with every request not to ``local`` (or a file) refused.

    Adds to ``result`` what it finds: refused requests, serious or critical axe-core
    violations (at the widths named in ``axe_at``), sideways scroll, too-wide charts (at
    the desktop width) and console errors.
    """
    for label, width in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": 900})

        def block(route: Any) -> None:
            requested = route.request.url
            if requested.startswith(("file:", "data:", "blob:", "about:", *local)):
                route.continue_()
            else:
                result.external_requests.append(requested)
                route.abort()

        context.route("**/*", block)
        tab = context.new_page()
        tab.on("console", lambda m: result.console_errors.append(m.text) if m.type == "error" else None)
        tab.goto(url, wait_until="load")
        measured = tab.evaluate(MEASURE)
        result.overflow[str(width)] = max(result.overflow.get(str(width), 0), int(measured["overflow"]))
        result.map_shapes[str(width)] = tab.evaluate(SHAPES)
        if label == "desktop":
            result.wide_charts += measured["wide"]
            result.find = tab.evaluate(FIND)
        if label in axe_at:
            tab.add_script_tag(content=axe)
            found = tab.evaluate(
                """async () => (await axe.run(document, {runOnly: {type: 'tag', values:
                ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})).violations"""
            )
            result.violations += [
                {
                    "id": v["id"],
                    "impact": v["impact"],
                    "help": f"{v['help']}, at {width} px",
                    "targets": [json.dumps(n["target"]) for n in v["nodes"]],
                }
                for v in found
                if v["impact"] in {"serious", "critical"}
            ]
        if screenshots is not None:
            screenshots.mkdir(parents=True, exist_ok=True)
            shot = screenshots / f"{name}-{width}.png"
            tab.screenshot(path=str(shot), full_page=True)
            result.screenshots.append(shot)
        context.close()


def check_site(site: Path, screenshots: Path | None = None) -> dict[str, BrowserResult]:
    """Check every page of a rendered website (``site``: Quarto's ``_site`` folder), served locally.

    Served over HTTP on 127.0.0.1, as readers meet a published site (a site's search
    index is fetched, which browsers refuse from ``file:`` pages); any other request is
    refused and recorded. axe-core runs at both widths: a site's navigation changes at a
    phone's width (menus and search collapse to buttons). Returns each page's result, by
    its path in the site.
    """
    import functools
    import http.server
    import threading

    from playwright.sync_api import sync_playwright

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Say nothing: the test reports what matters."""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}/"
    axe = axe_script()
    results: dict[str, BrowserResult] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
            try:
                for page in sorted(site.rglob("*.html")):
                    if "site_libs" in page.relative_to(site).parts:
                        continue
                    path = page.relative_to(site).as_posix()
                    shots = None if screenshots is None else screenshots / page.parent.relative_to(site)
                    result = results[path] = BrowserResult()
                    _check_page(
                        browser,
                        origin + path,
                        page.stem,
                        axe,
                        result,
                        shots,
                        local=(origin,),
                        axe_at=tuple(WIDTHS),
                    )
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return results
