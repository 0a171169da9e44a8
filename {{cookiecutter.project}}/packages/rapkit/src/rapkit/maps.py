"""Choropleth maps for reports: pure-Python SVG, no tiles, no JavaScript library.

Every starter's results are per small area or local authority, and readers of such
releases expect a map with a way to find their own area. A map here is an inline SVG
(one shape per area, each with a ``<title>`` tooltip), an HTML legend of the class
breaks, and the map's data as a ranked table with a box to find an area: the table is
the non-map alternative that the map's text alternative points to.

The geometry is either

* a **schematic hexagon map** (:func:`hex_layout`), one hexagon per area, grouped by
  local authority (or region) and computed from the area codes alone. The sample data
  are invented areas with no boundaries, and a hexagon map also gives every area the same
  visual weight, however small it is on the ground; or
* **real boundaries** read from the GeoJSON file named by ``[map] boundaries`` in the
  configuration (an ONS Open Geography Portal download, for example), projected
  equirectangularly with the longitude scaled by the cosine of the mean latitude (good
  enough for an area the size of England) and simplified to the map's resolution.

Nothing needs GDAL, Shapely or GeoPandas, so reports install from PyPI alone.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from .reporting import (
    FIGURE_STYLE,
    Format,
    Html,
    ReportError,
    Run,
    _formatter,
    _slug,
    count,
    csv_link,
    table_html,
)

Point = tuple[float, float]
Ring = list[Point]
Polygon = list[Ring]  # the outer ring, then any holes

# A sequential palette, light (low) to dark (high): ColorBrewer's "Blues", which stays in
# order for common colour-vision deficiencies and in greyscale, ending in the Analysis
# Function's dark blue. Relative luminance falls by at least 0.1 from each class to the next.
SEQUENTIAL = ("#EFF3FF", "#BDD7E7", "#6BAED6", "#3182BD", "#12436D")
STROKE = "#505A5F"  # shape outlines: the lightest class still stands out on white
NO_DATA = "No data"
# Widths (px) of the wide and narrow hexagon layouts, as for charts (reporting.WIDE/NARROW).
WIDE_MAP, NARROW_MAP = 640, 300
LABEL_FONT = 13  # px, group labels of the hexagon map
MIN_RADIUS, MAX_RADIUS = 4.0, 18.0  # px, hexagon sizes (centre to corner)
SCHEMATIC = "Schematic hexagon map, one hexagon per area, not to scale"
SQRT3 = math.sqrt(3)


# --- Colour classes ------------------------------------------------------------------


def class_breaks(values: Iterable[float | None], classes: int = 5) -> list[float]:
    """Quantile class breaks: the lower bounds of classes 2..k, each class about equal in size.

    Quantiles suit area measures whose spread is uneven (a few extreme areas would
    leave equal-width classes almost empty). Tied values never straddle a break, so
    fewer than ``classes`` classes come back when the data have few distinct values.
    Returns ``[]`` (one class) for fewer than two distinct values.
    """
    ordered = sorted(v for v in values if v is not None and math.isfinite(v))
    if classes < 1:
        msg = f"A map needs at least one colour class, not {classes}."
        raise ReportError(msg)
    breaks: list[float] = []
    for i in range(1, classes):
        if not ordered:
            break
        candidate = ordered[min(len(ordered) - 1, (i * len(ordered)) // classes)]
        if candidate > ordered[0] and (not breaks or candidate > breaks[-1]):
            breaks.append(candidate)
    return breaks


def classify(value: float | None, breaks: Sequence[float]) -> int | None:
    """The class (0 = lowest) of a value; a value equal to a break is in the higher class."""
    if value is None or not math.isfinite(value):
        return None
    return sum(value >= b for b in breaks)


def palette(classes: int) -> tuple[str, ...]:
    """``classes`` colours of :data:`SEQUENTIAL`, spread from its lightest to its darkest."""
    if classes == 1:
        return (SEQUENTIAL[2],)
    last = len(SEQUENTIAL) - 1
    return tuple(SEQUENTIAL[round(i * last / (classes - 1))] for i in range(classes))


def legend_labels(low: float, high: float, breaks: Sequence[float], show: Format) -> list[str]:
    """A label per class: its range in the measure's own format, e.g. ``'12.0% to 15.5%'``."""
    fmt = show if callable(show) else _formatter("value", pl.Float64(), {"value": show})
    edges = [low, *breaks, high]
    return [f"{fmt(a)} to {fmt(b)}" for a, b in itertools.pairwise(edges)]


# --- Hexagon layout ------------------------------------------------------------------


@dataclass(frozen=True)
class Label:
    """A group's label on a hexagon map: its text and where its baseline starts."""

    text: str
    x: float
    y: float


@dataclass(frozen=True)
class HexLayout:
    """Hexagon centres by area code, the hexagon radius and the group labels (px)."""

    centres: dict[str, Point]
    radius: float
    labels: list[Label]
    width: float
    height: float


def hex_layout(
    codes: Sequence[str],
    groups: Sequence[str] | None = None,
    *,
    width: float = WIDE_MAP,
    max_height: float | None = None,
    group_names: Mapping[str, str] | None = None,
) -> HexLayout:
    """Place one pointy-top hexagon per area, the areas of each group in a block of their own.

    The layout depends only on the codes and groups (both sorted first), so the same
    outputs always give the same map. Each group is a block of hexagons in code order
    under its label, near-square, or as wide as the map when the blocks stack one per row;
    blocks are packed left to right in rows no wider than ``width``. The
    hexagons are as large as fits in ``max_height`` (default: three quarters of the
    width), between 4 and 18 px across the flats' half. Hexagons are cells of one grid
    within a block and blocks never share space, so no two hexagons overlap.

    Raises:
        ReportError: an area code appears twice, or ``groups`` is not one per code.

    """
    groups = list(groups) if groups is not None else [""] * len(codes)
    if len(groups) != len(codes):
        msg = f"The hexagon map needs one group per area: {len(codes)} codes, {len(groups)} groups."
        raise ReportError(msg)
    if len(set(codes)) < len(codes):
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        msg = f"The map needs one row per area, but these codes repeat: {', '.join(repeated[:5])}."
        raise ReportError(msg)
    members: dict[str, list[str]] = {}
    for code, group in sorted(zip(codes, groups, strict=True), key=lambda pair: (pair[1], pair[0])):
        members.setdefault(group, []).append(code)
    names = {group: (group_names or {}).get(group, group) for group in members}
    limit = max_height if max_height is not None else 0.75 * width
    radius = MAX_RADIUS
    layout = _pack(members, names, width, radius)
    while layout.height > limit and radius > MIN_RADIUS:
        radius = max(radius - 0.5, MIN_RADIUS)
        layout = _pack(members, names, width, radius)
    return layout


def _pack(
    members: Mapping[str, Sequence[str]], names: Mapping[str, str], width: float, radius: float
) -> HexLayout:
    """Pack the groups' blocks of hexagons of ``radius`` into rows ``width`` px wide."""
    step_x, step_y = SQRT3 * radius, 1.5 * radius
    label_h = LABEL_FONT * 1.6 if any(names.values()) else 0.0
    gap = max(step_x, 12.0)
    fit = max(1, int((width - step_x / 2) // step_x))  # hexagons across the whole map

    def block(areas: int, columns: int, text: str) -> tuple[int, int, float]:
        columns = max(1, min(columns, fit, areas))
        rows = math.ceil(areas / columns)
        block_w = columns * step_x + (step_x / 2 if rows > 1 else 0.0)
        return columns, rows, max(block_w, len(text) * LABEL_FONT * 0.62)

    # First pass: near-square blocks, packed into shelves (rows of blocks).
    shelves: list[list[str]] = [[]]
    x = 0.0
    for group, areas in members.items():
        slot = block(len(areas), math.ceil(math.sqrt(len(areas) * 1.2)), names[group])[2]
        if shelves[-1] and x + slot > width:
            shelves.append([])
            x = 0.0
        shelves[-1].append(group)
        x += slot + gap
    # Second pass: when the blocks stack one per shelf (a narrow map), each spreads across it.
    spread = all(len(shelf) == 1 for shelf in shelves)
    centres: dict[str, Point] = {}
    labels: list[Label] = []
    y = right = 0.0
    for shelf in shelves:
        x = shelf_h = 0.0
        for group in shelf:
            areas = members[group]
            square = math.ceil(math.sqrt(len(areas) * 1.2))
            columns, rows, slot = block(len(areas), fit if spread else square, names[group])
            if names[group]:
                labels.append(Label(names[group], x, y + LABEL_FONT))
            top = y + label_h + radius
            for i, code in enumerate(areas):
                row, column = divmod(i, columns)
                centres[code] = (
                    x + step_x / 2 + column * step_x + (step_x / 2) * (row % 2),
                    top + row * step_y,
                )
            shelf_h = max(shelf_h, label_h + 2 * radius + (rows - 1) * step_y)
            right = max(right, x + slot)
            x += slot + gap
        y += shelf_h + gap
    return HexLayout(centres, radius, labels, right, y - gap)


def hexagon_path(centre: Point, radius: float) -> str:
    """SVG path data of a pointy-top hexagon (drawn slightly smaller, leaving a thin gap)."""
    cx, cy = centre
    r = radius * 0.94
    corners = [
        (cx + r * math.cos(math.radians(60 * k - 30)), cy + r * math.sin(math.radians(60 * k - 30)))
        for k in range(6)
    ]
    return "M" + "L".join(f"{px:.1f},{py:.1f}" for px, py in corners) + "Z"


# --- Boundaries from GeoJSON ---------------------------------------------------------


@dataclass(frozen=True)
class Boundaries:
    """Polygons by area code, read from a GeoJSON file (before projection)."""

    path: Path
    code_property: str
    shapes: dict[str, list[Polygon]]
    sha256: str


def _polygons(geometry: Mapping[str, Any] | None, where: str) -> list[Polygon]:
    """The polygons of a GeoJSON ``Polygon`` or ``MultiPolygon`` geometry."""
    if geometry is None:
        return []
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates") or []
    if kind == "Polygon":
        parts = [coordinates]
    elif kind == "MultiPolygon":
        parts = list(coordinates)
    elif kind == "GeometryCollection":
        return [p for g in geometry.get("geometries", []) for p in _polygons(g, where)]
    else:
        msg = f"{where} is a {kind} geometry; an area boundary must be a Polygon or MultiPolygon."
        raise ReportError(msg)
    return [[[(float(p[0]), float(p[1])) for p in ring] for ring in polygon] for polygon in parts]


def read_geojson(path: Path, codes: Iterable[str], code_property: str | None = None) -> Boundaries:
    """Read the boundaries of the areas in ``codes`` from a GeoJSON FeatureCollection.

    ``code_property`` names the feature property that holds the area code (ONS files
    call it e.g. ``LSOA21CD`` or ``LAD24CD``); without it, the property whose values
    match most of ``codes`` is used. Features for other areas are skipped.

    Raises:
        ReportError: the file is missing or not GeoJSON, a geometry is not a polygon,
            or no feature matches any of ``codes`` (naming the file and property).

    """
    wanted = set(codes)
    try:
        document = json.loads(path.read_bytes())
    except FileNotFoundError as exc:
        msg = f"The boundary file {path} ([map] boundaries in the configuration) does not exist."
        raise ReportError(msg) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = f"The boundary file {path} is not GeoJSON: {exc}"
        raise ReportError(msg) from exc
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list):
        msg = f"The boundary file {path} is not a GeoJSON FeatureCollection (no 'features' list)."
        raise ReportError(msg)
    properties = [f.get("properties") or {} for f in features]
    if code_property is None:
        code_property = _code_property(properties, wanted)
    shapes: dict[str, list[Polygon]] = {}
    for number, (feature, props) in enumerate(zip(features, properties, strict=True)):
        code = str(props.get(code_property, "")) if code_property else ""
        if code in wanted:
            where = f"Feature {number} ({code}) of {path}"
            shapes.setdefault(code, []).extend(_polygons(feature.get("geometry"), where))
    if not shapes:
        keys = sorted({key for props in properties[:50] for key in props})
        example = ", ".join(sorted(wanted)[:3])
        msg = (
            f"None of the {len(wanted)} area codes in the outputs (e.g. {example}) is in the boundary "
            f"file {path} (property {code_property or 'none matched'}; properties found: "
            f"{', '.join(keys) or 'none'}). Use boundaries of the same geography and vintage as the "
            "outputs, or set [map] code_property to the property that holds the codes."
        )
        raise ReportError(msg)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return Boundaries(path, code_property or "", shapes, digest)


def _code_property(properties: Sequence[Mapping[str, Any]], wanted: set[str]) -> str | None:
    """The feature property whose values are most often one of the ``wanted`` codes."""
    matches: dict[str, int] = {}
    for props in properties:
        for key, value in props.items():
            if str(value) in wanted:
                matches[key] = matches.get(key, 0) + 1
    return max(sorted(matches), key=lambda k: matches[k]) if matches else None


def project(
    shapes: Mapping[str, list[Polygon]], width: float, height: float | None = None
) -> tuple[dict[str, list[Polygon]], float, float]:
    """Project polygons to SVG pixels, north up, to fit ``width`` by ``height`` (default square).

    Return the projected polygons and the drawing's width and height. Longitude and
    latitude (every coordinate within +-180) are projected equirectangularly, the
    longitude scaled by the cosine of the mean latitude so shapes keep their proportions
    at England's latitudes. Larger numbers are taken to be metres of a projected grid
    (British National Grid) and only scaled.
    """
    points = [p for polygons in shapes.values() for poly in polygons for ring in poly for p in ring]
    if not points:
        return {}, 0.0, 0.0
    geographic = all(abs(x) <= 180 and abs(y) <= 90 for x, y in points)
    ys = [y for _, y in points]
    squeeze = math.cos(math.radians((min(ys) + max(ys)) / 2)) if geographic else 1.0
    xs = [x * squeeze for x, _ in points]
    x_span, y_span = max(max(xs) - min(xs), 1e-12), max(max(ys) - min(ys), 1e-12)
    scale = min(width / x_span, (height or width) / y_span)
    left, top = min(xs), max(ys)
    projected = {
        code: [
            [[((x * squeeze - left) * scale, (top - y) * scale) for x, y in ring] for ring in poly]
            for poly in polygons
        ]
        for code, polygons in shapes.items()
    }
    return projected, x_span * scale, y_span * scale


def simplify(ring: Ring, tolerance: float) -> Ring:
    """Douglas-Peucker simplification of a closed ring; never fewer than four points.

    Boundary files are far more detailed than a map a few hundred pixels wide can
    show: dropping points closer than ``tolerance`` px to the simplified line keeps
    the page small without a visible change.
    """
    if len(ring) <= 4:
        return ring
    keep = [False] * len(ring)
    keep[0] = keep[-1] = True
    stack = [(0, len(ring) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = ring[first], ring[last]
        length = math.hypot(bx - ax, by - ay)
        best, index = -1.0, first
        for i in range(first + 1, last):
            px, py = ring[i]
            if length == 0:
                distance = math.hypot(px - ax, py - ay)
            else:
                distance = abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / length
            if distance > best:
                best, index = distance, i
        if best > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    simplified = [p for p, kept in zip(ring, keep, strict=True) if kept]
    return simplified if len(simplified) >= 4 else ring


def polygon_path(polygons: Sequence[Polygon], tolerance: float = 0.4) -> str:
    """SVG path data of an area's polygons (holes drawn by the even-odd fill rule)."""
    parts = []
    for polygon in polygons:
        for ring in polygon:
            points = simplify(ring, tolerance)
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points) + "Z")
    return "".join(parts)


# --- The map -------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """One area on the map: its code, readable name, group, value and colour class."""

    code: str
    name: str
    group: str
    value: float | None
    klass: int | None


MAP_STYLE = """<style>
.rap-map svg { max-width: 100%; }
.rap-figure ul.rap-legend { list-style: none; padding: 0; margin: 0.5rem 0; display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; }
.rap-figure .rap-legend li { display: flex; align-items: center; gap: 0.4rem; margin: 0; }
.rap-figure .rap-legend svg { flex: none; display: inline-block; width: 1.6rem; height: 1rem; }
.rap-legend-title { font-weight: bold; margin: 0.75rem 0 0; }
.rap-legend-how { font-weight: normal; }
.rap-find { margin: 0.75rem 0; }
.rap-map-data > summary { padding: 0.3rem 0; }
.rap-find input { font: inherit; padding: 0.25rem; border: 2px solid #0b0c0c; max-width: 100%; }
.rap-find input:focus { outline: 3px solid #ffdd00; }
.rap-map-note { font-size: 0.95rem; }
</style>"""


def _hatch(ident: str) -> str:
    """An SVG pattern for areas with no data: grey diagonal lines, distinct in greyscale."""
    return (
        f'<defs><pattern id="{ident}" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#6f777b" stroke-width="2"/></pattern></defs>'
    )


def _shape(area: Area, path: str, colours: Sequence[str], hatch: str, tip: str) -> str:
    """One area's ``<path>``, with its name, code and value as a tooltip."""
    fill = colours[area.klass] if area.klass is not None else f"url(#{hatch})"
    return (
        f'<path d="{path}" fill="{fill}" data-code="{html.escape(area.code)}">'
        f"<title>{html.escape(tip)}</title></path>"
    )


def _svg(width: float, height: float, body: str, css_class: str) -> str:
    """An SVG that scales to its column, at most its natural width, hidden from screen readers."""
    return (
        f'<div class="rap-chart {css_class}"><svg xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" style="max-width:{width:.0f}px" '
        f'aria-hidden="true" focusable="false" font-family="Arial, Helvetica, sans-serif">{body}</svg></div>'
    )


def choropleth(
    frame: pl.DataFrame,
    *,
    name: str,
    code: str,
    value: str,
    label: str,
    alt: str,
    caption: str,
    area_name: str | None = None,
    group: str | None = None,
    group_name: str | None = None,
    group_label: str = "local authority",
    value_format: Format = "decimal2",
    classes: int = 5,
    boundaries: Boundaries | None = None,
    labels: Mapping[str, str] | None = None,
) -> Html:
    """A choropleth of ``value`` by area, its legend, and its data as a searchable ranked table.

    Without ``boundaries`` the map is a schematic hexagon map (:func:`hex_layout`), areas
    grouped by ``group`` (labelled with ``group_name`` where given); with them, each area
    is drawn with its boundary, and areas missing from the boundary file are listed on
    the page. ``alt`` should state the finding; it is completed with a pointer to the
    table. ``labels`` gives readable headers for the table's columns.

    Raises:
        ReportError: a column is missing, an area repeats, or no area is in the boundaries.

    """
    wanted = [c for c in (code, value, area_name, group, group_name) if c]
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        msg = f"Map {name!r}: no column {', '.join(missing)} in the frame (columns: {', '.join(frame.columns)})."
        raise ReportError(msg)
    ident = _slug(name)
    data = frame.select(list(dict.fromkeys(wanted))).sort(
        value, code, descending=[True, False], nulls_last=True
    )
    if data[code].is_duplicated().any():
        repeated = data.filter(data[code].is_duplicated())[code].unique().sort().to_list()
        msg = f"Map {name!r}: one row per area is needed, but these codes repeat: {', '.join(repeated[:5])}."
        raise ReportError(msg)
    values = [None if v is None else float(v) for v in data[value].to_list()]
    breaks = class_breaks([v for v in values if v is not None], classes)
    colours = palette(len(breaks) + 1)
    areas = [
        Area(
            code=str(c),
            name=str(row.get(area_name) or c) if area_name else str(c),
            group=str(row.get(group) or "") if group else "",
            value=v,
            klass=classify(v, breaks),
        )
        for c, v, row in zip(data[code].to_list(), values, data.iter_rows(named=True), strict=True)
    ]
    fmt = (
        value_format
        if callable(value_format)
        else _formatter(value, pl.Float64(), {value: value_format})
    )

    def tip(area: Area) -> str:
        shown = NO_DATA.lower() if area.value is None else fmt(area.value)
        where = f"{area.name} ({area.code})" if area.name != area.code else area.code
        return f"{where}: {shown}"

    note = ""
    if boundaries is None:
        names = (
            dict(zip(data[group].to_list(), data[group_name].to_list(), strict=True))
            if group and group_name
            else None
        )
        svgs = [
            _hex_svg(
                areas, tip, colours, ident=ident, width=width, height=height, css=css, names=names
            )
            for width, height, css in (
                (WIDE_MAP, 0.75 * WIDE_MAP, "rap-chart-wide"),
                (NARROW_MAP, 1.6 * NARROW_MAP, "rap-chart-narrow"),
            )
        ]
        geometry = f"{SCHEMATIC}; areas are grouped by {group_label}." if group else f"{SCHEMATIC}."
    else:
        svg, absent = _boundary_svg(areas, tip, colours, ident, boundaries)
        svgs = [svg]
        geometry = (
            f"Boundaries from {boundaries.path.name} (SHA-256 {boundaries.sha256[:12]}), "
            "simplified to the map's resolution."
        )
        if absent:
            listed = ", ".join(absent[:10]) + (
                f" and {count(len(absent) - 10)} more" if len(absent) > 10 else ""
            )
            note = (
                f'<p class="rap-map-note" role="note"><strong>{count(len(absent))} of {count(len(areas))} areas '
                f"are not on the map</strong>: the boundary file has no shape for {html.escape(listed)}. "
                "They are in the table below the map.</p>"
            )
    present = [a.value for a in areas if a.value is not None]
    low, high = (min(present), max(present)) if present else (0.0, 0.0)
    legend = _legend(
        label, legend_labels(low, high, breaks, fmt), colours, areas=areas, ident=ident
    )
    description = f"{alt.rstrip()} Every area and its value is in the data table below the map, with a box to find an area."
    headers = {code: "Code", value: label, "rank": "Rank (1 = highest)"} | dict(labels or {})
    ranked = data.with_columns(
        pl.col(value).rank("min", descending=True).cast(pl.Int64).alias("rank")
    ).select("rank", *[c for c in wanted if c != value], value)
    parts = [
        FIGURE_STYLE,
        MAP_STYLE,
        f'<figure class="rap-figure rap-map" id="fig-{ident}" role="group" aria-labelledby="cap-{ident}">',
        f'<div role="img" aria-label="{html.escape(description)}">',
        *svgs,
        "</div>",
        legend,
        note,
        (
            f'<figcaption id="cap-{ident}">{html.escape(caption.rstrip())} {html.escape(geometry)} '
            "Hover over an area to see its name and value, or "
            f'<a href="#data-{ident}">find it in the table</a>.</figcaption>'
        ),
        "</figure>",
        _finder(ident),
        f'<details class="rap-data rap-map-data" id="data-{ident}"{" open" if data.height <= 10 else ""}>',
        f"<summary>Data table for this map: every area, highest first ({count(data.height)} rows)</summary>",
        table_html(
            ranked,
            caption=f"Data for the map: {caption.rstrip('.')}",
            labels=headers,
            formats={value: value_format},
        ),
        "</details>",
        _finder_script(ident),
        f'<p class="rap-download">{csv_link(ranked, f"{ident}.csv", f"Download the data for this map: {ident}.csv")}</p>',
    ]
    return Html("\n".join(part for part in parts if part))


def _hex_svg(
    areas: Sequence[Area],
    tip: Callable[[Area], str],
    colours: Sequence[str],
    *,
    ident: str,
    width: float,
    height: float,
    css: str,
    names: Mapping[str, str] | None,
) -> str:
    """The hexagon map at one width (the page shows the wide or the narrow one)."""
    layout = hex_layout(
        [a.code for a in areas],
        [a.group for a in areas],
        width=width,
        max_height=height,
        group_names=names,
    )
    hatch = f"{ident}-{css}-nodata"
    shapes = "".join(
        _shape(a, hexagon_path(layout.centres[a.code], layout.radius), colours, hatch, tip(a))
        for a in areas
    )
    texts = "".join(
        f'<text x="{lab.x:.1f}" y="{lab.y:.1f}" font-size="{LABEL_FONT}" fill="#0b0c0c">{html.escape(lab.text)}</text>'
        for lab in layout.labels
    )
    body = f'{_hatch(hatch)}<g stroke="{STROKE}" stroke-width="0.75">{shapes}</g>{texts}'
    return _svg(layout.width, layout.height + 2, body, css)


def _boundary_svg(
    areas: Sequence[Area],
    tip: Callable[[Area], str],
    colours: Sequence[str],
    ident: str,
    boundaries: Boundaries,
) -> tuple[str, list[str]]:
    """The map of real boundaries, and the codes that have no shape in the file."""
    drawn = [a for a in areas if a.code in boundaries.shapes]
    absent = sorted(a.code for a in areas if a.code not in boundaries.shapes)
    if not drawn:
        msg = f"None of the areas of the map is in the boundary file {boundaries.path}."
        raise ReportError(msg)
    projected, width, height = project(
        {a.code: boundaries.shapes[a.code] for a in drawn}, WIDE_MAP, 0.9 * WIDE_MAP
    )
    hatch = f"{ident}-nodata"
    shapes = "".join(
        _shape(a, polygon_path(projected[a.code]), colours, hatch, tip(a)) for a in drawn
    )
    body = (
        f'{_hatch(hatch)}<g stroke="{STROKE}" stroke-width="0.5" fill-rule="evenodd">{shapes}</g>'
    )
    return _svg(width + 1, height + 1, body, "rap-map-boundaries"), absent


def _legend(
    label: str, texts: Sequence[str], colours: Sequence[str], *, areas: Sequence[Area], ident: str
) -> str:
    """The legend: a swatch, the class range and the number of areas, for every class."""
    counts = [sum(a.klass == k for a in areas) for k in range(len(colours))]
    items = [
        (
            f'<rect width="24" height="14" fill="{colour}" stroke="{STROKE}"/>',
            f"{text} ({_areas(n)})",
        )
        for colour, text, n in zip(colours, texts, counts, strict=True)
    ]
    no_data = sum(a.klass is None for a in areas)
    if no_data:
        hatch = f"{ident}-legend-nodata"
        items.append(
            (
                f'{_hatch(hatch)}<rect width="24" height="14" fill="url(#{hatch})" stroke="{STROKE}"/>',
                f"{NO_DATA} ({_areas(no_data)})",
            )
        )
    rows = "".join(
        f'<li><svg viewBox="0 0 24 14" aria-hidden="true" focusable="false">{swatch}</svg><span>{html.escape(text)}</span></li>'
        for swatch, text in items
    )
    how = (
        f"{len(colours)} groups with about equal numbers of areas; a value on a boundary is in the higher group"
        if len(colours) > 1
        else "every area has the same value"
    )
    return (
        f'<p class="rap-legend-title" id="legend-{ident}">{html.escape(label)} '
        f'<span class="rap-legend-how">({how})</span></p>'
        f'<ul class="rap-legend" aria-labelledby="legend-{ident}">{rows}</ul>'
    )


def _areas(number: int) -> str:
    """``'1 area'``, ``'12 areas'``."""
    return f"{count(number)} area" + ("" if number == 1 else "s")


def _finder(ident: str) -> str:
    """A search box that filters the map's table; hidden until its script runs."""
    return (
        f'<div class="rap-find" id="find-{ident}-box" hidden><label for="find-{ident}">Find an area '
        f'(name or code)</label> <input type="search" id="find-{ident}" autocomplete="off">'
        f' <span role="status" id="find-{ident}-status"></span></div>'
    )


def _finder_script(ident: str) -> str:
    """The search box's script: inline, a few lines, no library."""
    return (
        "<script>(() => {"
        f"const box = document.getElementById('find-{ident}');"
        f"const details = document.getElementById('data-{ident}');"
        f"const status = document.getElementById('find-{ident}-status');"
        "if (!box || !details) return;"
        "const rows = Array.from(details.querySelectorAll('tbody tr'));"
        "box.parentElement.hidden = false;"
        "box.addEventListener('input', () => {"
        "const query = box.value.trim().toLowerCase(); let shown = 0;"
        "for (const row of rows) { const match = !query || row.textContent.toLowerCase().includes(query);"
        " row.hidden = !match; if (match) shown += 1; }"
        "if (query) details.open = true;"
        "status.textContent = query ? `${shown} of ${rows.length} areas match` : '';"
        "});"
        "})();</script>"
    )


def top_class(frame: pl.DataFrame, value: str, classes: int = 5) -> pl.DataFrame:
    """The rows in the map's highest colour class, to state the map's finding in its text."""
    breaks = class_breaks(frame[value].drop_nulls().cast(pl.Float64).to_list(), classes)
    if not breaks:
        return frame.filter(pl.col(value).is_not_null())
    return frame.filter(pl.col(value) >= breaks[-1])


def boundaries_of(run: Run, codes: Iterable[str]) -> Boundaries | None:
    """The boundaries named by ``[map]`` in the run's configuration, or None for the hexagon map."""
    settings = run.config.map
    path = settings.get("boundaries")
    if not path:
        return None
    return read_geojson(Path(path), codes, settings.get("code_property"))


def area_map(
    run: Run,
    frame: pl.DataFrame,
    *,
    name: str,
    code: str,
    value: str,
    label: str,
    alt: str,
    caption: str,
    area_name: str | None = None,
    group: str | None = None,
    group_name: str | None = None,
    group_label: str = "local authority",
    value_format: Format = "decimal2",
    labels: Mapping[str, str] | None = None,
) -> Html:
    """A choropleth of ``value`` by area, with the geometry the run's configuration asks for.

    ``[map] boundaries`` names a GeoJSON boundary file; without it the map is the
    schematic hexagon map, which is what the sample data (invented areas) need. The
    other arguments are as for :func:`choropleth`: ``code`` and ``value`` name the
    columns of area codes and of the measure, ``label`` is the measure's name in the
    legend and the table, ``alt`` states the map's finding.

    Raises:
        ReportError: a column is missing, an area repeats, or the configured boundary
            file is missing, not GeoJSON or matches none of the areas.

    """
    boundaries = boundaries_of(run, (str(c) for c in frame[code].to_list()))
    return choropleth(
        frame,
        name=name,
        code=code,
        value=value,
        label=label,
        alt=alt,
        caption=caption,
        area_name=area_name,
        group=group,
        group_name=group_name,
        group_label=group_label,
        value_format=value_format,
        boundaries=boundaries,
        labels=labels,
    )
