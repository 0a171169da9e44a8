"""Tests of the report maps: colour classes, hexagon layout, GeoJSON boundaries, the HTML."""

from __future__ import annotations

import itertools
import json
import math
import random
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rapkit import maps
from rapkit.config import load_config
from rapkit.errors import ConfigError
from rapkit.reporting import ReportError, Run


def luminance(colour: str) -> float:
    """WCAG relative luminance of a ``#RRGGBB`` colour (what greyscale printing keeps)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


# --- Colour classes ------------------------------------------------------------------


def test_quantile_breaks_split_the_areas_into_equal_classes() -> None:
    breaks = maps.class_breaks([float(v) for v in range(100)], 5)
    assert breaks == [20.0, 40.0, 60.0, 80.0]
    classes = [maps.classify(float(v), breaks) for v in range(100)]
    assert [classes.count(k) for k in range(5)] == [20] * 5


def test_a_value_on_a_break_is_in_the_higher_class_and_missing_values_have_none() -> None:
    assert maps.classify(20.0, [20.0, 40.0]) == 1
    assert maps.classify(19.99, [20.0, 40.0]) == 0
    assert maps.classify(None, [20.0]) is None
    assert maps.classify(math.nan, [20.0]) is None


def test_ties_never_straddle_a_break_so_there_are_fewer_classes() -> None:
    assert maps.class_breaks([1.0] * 8 + [2.0] * 2, 5) == [2.0]
    assert maps.class_breaks([3.0, 3.0, 3.0], 5) == []
    assert maps.class_breaks([None, math.nan, 1.0, 2.0], 2) == [2.0]
    with pytest.raises(ReportError, match="at least one colour class"):
        maps.class_breaks([1.0], 0)


@pytest.mark.parametrize("classes", [1, 2, 3, 4, 5])
def test_the_palette_darkens_with_the_value_and_reads_in_greyscale(classes: int) -> None:
    colours = maps.palette(classes)
    assert len(colours) == classes == len(set(colours))
    steps = [a - b for a, b in itertools.pairwise(luminance(c) for c in colours)]
    assert all(step >= 0.1 for step in steps), steps


def test_legend_labels_give_each_class_range_in_the_measure_format() -> None:
    labels = maps.legend_labels(0.05, 0.5, [0.1, 0.25], "percent")
    assert labels == ["5.0% to 10.0%", "10.0% to 25.0%", "25.0% to 50.0%"]


# --- Hexagon layout ------------------------------------------------------------------


def areas(groups: int, per_group: int) -> tuple[list[str], list[str]]:
    codes = [f"E0{g}{i:05d}" for g in range(groups) for i in range(per_group)]
    return codes, [f"E0800000{g}" for g in range(groups) for _ in range(per_group)]


def assert_no_overlap(layout: maps.HexLayout) -> None:
    """Hexagon centres at least one hexagon's width apart: the shapes never overlap."""
    points = sorted(layout.centres.values())
    least = math.sqrt(3) * layout.radius - 1e-6
    for i, (x1, y1) in enumerate(points):
        for x2, y2 in points[i + 1 :]:
            if x2 - x1 >= least:
                break
            assert math.hypot(x2 - x1, y2 - y1) >= least, ((x1, y1), (x2, y2))


def test_hex_layout_is_deterministic_whatever_the_row_order() -> None:
    codes, groups = areas(3, 40)
    pairs = list(zip(codes, groups, strict=True))
    random.Random(1).shuffle(pairs)  # noqa: S311 - a fixed shuffle, not a secret
    first = maps.hex_layout(codes, groups, group_names={"E08000000": "Northtown"})
    again = maps.hex_layout(
        [c for c, _ in pairs], [g for _, g in pairs], group_names={"E08000000": "Northtown"}
    )
    assert first == again
    assert set(first.centres) == set(codes)


def test_hex_layout_keeps_each_group_together_under_its_label() -> None:
    codes, groups = areas(4, 30)
    layout = maps.hex_layout(codes, groups, width=640)
    boxes = []
    for group in sorted(set(groups)):
        xs, ys = zip(
            *(layout.centres[c] for c, g in zip(codes, groups, strict=True) if g == group),
            strict=True,
        )
        boxes.append((min(xs), min(ys), max(xs), max(ys)))
    for a, b in itertools.combinations(boxes, 2):
        apart = a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1]
        assert apart, (a, b)
    assert [label.text for label in layout.labels] == sorted(set(groups))
    assert layout.width <= 640 + 1e-6


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=8),
    st.sampled_from([maps.WIDE_MAP, maps.NARROW_MAP]),
)
def test_hexagons_never_overlap_and_stay_within_the_map(sizes: list[int], width: int) -> None:
    codes = [f"A{g}-{i}" for g, n in enumerate(sizes) for i in range(n)]
    groups = [f"G{g}" for g, n in enumerate(sizes) for _ in range(n)]
    layout = maps.hex_layout(codes, groups, width=width)
    assert len(layout.centres) == len(codes)
    assert_no_overlap(layout)
    half = math.sqrt(3) / 2 * layout.radius
    for x, y in layout.centres.values():
        assert half - 1e-6 <= x <= layout.width - half + 1e-6
        assert layout.radius - 1e-6 <= y <= layout.height - layout.radius + 1e-6


def test_hexagons_shrink_to_fit_the_height_they_are_given() -> None:
    codes, groups = areas(3, 100)
    wide = maps.hex_layout(codes, groups, width=640, max_height=480)
    assert wide.height <= 480
    small = maps.hex_layout(codes[:10], groups[:10], width=640)
    assert small.radius == maps.MAX_RADIUS > wide.radius


def test_hex_layout_refuses_repeated_codes_and_mismatched_groups() -> None:
    with pytest.raises(ReportError, match="codes repeat: A"):
        maps.hex_layout(["A", "A", "B"])
    with pytest.raises(ReportError, match="one group per area"):
        maps.hex_layout(["A", "B"], ["G"])


def test_hexagon_path_has_six_corners() -> None:
    path = maps.hexagon_path((10.0, 10.0), 5.0)
    assert path.startswith("M")
    assert path.endswith("Z")
    assert path.count("L") == 5


# --- Boundaries ----------------------------------------------------------------------


def square(x: float, y: float, size: float = 0.01) -> list[list[float]]:
    return [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]


def write_geojson(path: Path, features: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return path


def feature(code: str, geometry: dict[str, Any], **properties: str) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"LSOA21CD": code, "LSOA21NM": f"Area {code}", **properties},
        "geometry": geometry,
    }


@pytest.fixture
def boundary_file(tmp_path: Path) -> Path:
    """Three areas: a polygon, a polygon with a hole and a two-part multipolygon."""
    return write_geojson(
        tmp_path / "lsoa.geojson",
        [
            feature("E01000001", {"type": "Polygon", "coordinates": [square(-1.5, 53.0)]}),
            feature(
                "E01000002",
                {
                    "type": "Polygon",
                    "coordinates": [square(-1.49, 53.0), square(-1.487, 53.003, 0.002)],
                },
            ),
            feature(
                "E01000003",
                {
                    "type": "MultiPolygon",
                    "coordinates": [[square(-1.5, 53.01)], [square(-1.48, 53.01)]],
                },
            ),
            feature("E01009999", {"type": "Polygon", "coordinates": [square(0.0, 51.0)]}),
        ],
    )


def test_read_geojson_finds_the_code_property_and_reads_multipolygons(boundary_file: Path) -> None:
    codes = ["E01000001", "E01000002", "E01000003"]
    read = maps.read_geojson(boundary_file, codes)
    assert read.code_property == "LSOA21CD"
    assert set(read.shapes) == set(codes), "features of other areas are skipped"
    assert len(read.shapes["E01000003"]) == 2, "both parts of the multipolygon"
    assert len(read.shapes["E01000002"][0]) == 2, "the outer ring and the hole"
    assert len(read.sha256) == 64


def test_read_geojson_with_no_matching_code_fails_naming_the_file(boundary_file: Path) -> None:
    with pytest.raises(
        ReportError,
        match=r"None of the 2 area codes .*lsoa\.geojson \(property none matched; properties found: LSOA21CD, LSOA21NM\)",
    ):
        maps.read_geojson(boundary_file, ["E01900001", "E01900002"])
    with pytest.raises(ReportError, match="None of the 1 area codes"):
        maps.read_geojson(boundary_file, ["E01000001"], code_property="LSOA11CD")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "is not GeoJSON"),
        ('{"type": "Feature"}', "not a GeoJSON FeatureCollection"),
        (
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "properties": {"CD": "A"},
                            "geometry": {"type": "Point", "coordinates": [0, 0]},
                        }
                    ],
                }
            ),
            "is a Point geometry",
        ),
    ],
)
def test_read_geojson_refuses_what_is_not_polygon_geojson(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text(text, "utf-8")
    with pytest.raises(ReportError, match=message):
        maps.read_geojson(path, ["A"])
    with pytest.raises(ReportError, match="does not exist"):
        maps.read_geojson(tmp_path / "missing.geojson", ["A"])


def test_projection_keeps_proportions_at_england_latitudes() -> None:
    # A square of 1 degree by 1 degree at 52.5N is about 0.61 as wide as it is tall.
    shapes = {"A": [[[(0.0, 52.0), (1.0, 52.0), (1.0, 53.0), (0.0, 53.0), (0.0, 52.0)]]]}
    projected, width, height = maps.project(shapes, 100.0)
    xs = [x for x, _ in projected["A"][0][0]]
    ys = [y for _, y in projected["A"][0][0]]
    assert max(xs) - min(xs) == pytest.approx(width)
    assert width == pytest.approx(math.cos(math.radians(52.5)) * height)
    assert height == pytest.approx(100.0), "a tall shape fits the height"
    assert ys[0] > ys[2], "north is up"
    # British National Grid metres are only scaled.
    grid = {"A": [[[(400000.0, 300000.0), (402000.0, 300000.0), (402000.0, 301000.0)]]]}
    _, flat_width, flat_height = maps.project(grid, 100.0)
    assert (flat_width, flat_height) == pytest.approx((100.0, 50.0))


def test_simplify_drops_points_the_map_cannot_show_but_keeps_the_shape() -> None:
    wiggly = [(float(i), 0.01 * (i % 2)) for i in range(50)] + [
        (49.0, 10.0),
        (0.0, 10.0),
        (0.0, 0.0),
    ]
    simplified = maps.simplify(wiggly, 0.5)
    assert len(simplified) < 10
    assert (49.0, 10.0) in simplified
    assert simplified[0] == simplified[-1]
    tiny = [(0.0, 0.0), (0.1, 0.0), (0.1, 0.1), (0.05, 0.12), (0.0, 0.1), (0.0, 0.0)]
    assert len(maps.simplify(tiny, 5.0)) >= 4


# --- The map on the page -------------------------------------------------------------


def sample_frame() -> pl.DataFrame:
    codes, groups = areas(3, 12)
    return pl.DataFrame(
        {
            "code": codes,
            "name": [f"Area {c}" for c in codes],
            "lad": groups,
            "lad_name": [f"Town {g[-1]}" for g in groups],
            "share": [None if i == 5 else i / 100 for i in range(len(codes))],
        }
    )


def draw(frame: pl.DataFrame, boundaries: maps.Boundaries | None = None) -> str:
    return maps.choropleth(
        frame,
        name="Map share",
        code="code",
        value="share",
        label="Share of residents",
        alt="Map of the share; Town 2 has the highest shares.",
        caption="Share of residents by area.",
        area_name="name",
        group="lad",
        group_name="lad_name",
        value_format="percent",
        boundaries=boundaries,
        labels={"code": "Area code", "name": "Area", "lad": "LA code", "lad_name": "LA"},
    ).html


def shapes_in(svg: str) -> list[str]:
    return re.findall(r'<path d="[^"]+" fill="[^"]+" data-code="([^"]+)"><title>', svg)


def test_hexagon_map_draws_one_hexagon_per_area_in_each_layout() -> None:
    frame = sample_frame()
    page = draw(frame)
    svgs = re.findall(r"<svg\b.*?</svg>", page, flags=re.DOTALL)
    maps_svgs = [svg for svg in svgs if "data-code" in svg]
    assert len(maps_svgs) == 2, "a wide and a narrow layout"
    for svg in maps_svgs:
        assert sorted(shapes_in(svg)) == sorted(frame["code"])
        assert 'aria-hidden="true"' in svg
        for name in ("Town 0", "Town 1", "Town 2"):
            assert f">{name}</text>" in svg
    assert "<title>Area E0000003 (E0000003): 3.0%</title>" in page
    assert "<title>Area E0000005 (E0000005): no data</title>" in page
    assert maps.SCHEMATIC + "; areas are grouped by local authority." in page


def test_map_has_a_legend_with_the_class_breaks_and_counts() -> None:
    page = draw(sample_frame())
    legend = re.search(r'<ul class="rap-legend".*?</ul>', page, flags=re.DOTALL)
    assert legend is not None
    items = re.findall(r"<span>([^<]+)</span>", legend.group(0))
    assert items[:5] == [
        "0.0% to 8.0% (7 areas)",
        "8.0% to 15.0% (7 areas)",
        "15.0% to 22.0% (7 areas)",
        "22.0% to 29.0% (7 areas)",
        "29.0% to 35.0% (7 areas)",
    ]
    assert items[5] == "No data (1 area)"
    fills = re.findall(r'<rect width="24" height="14" fill="(#[0-9A-F]{6})"', legend.group(0))
    assert tuple(fills) == maps.palette(5)
    assert "Share of residents" in page[page.index("rap-legend-title") :]


def test_map_alt_text_states_the_finding_and_points_to_a_searchable_ranked_table() -> None:
    frame = sample_frame()
    page = draw(frame)
    label = re.search(r'<div role="img" aria-label="([^"]+)"', page)
    assert label is not None
    assert label.group(1).startswith("Map of the share; Town 2 has the highest shares.")
    assert "data table below the map" in label.group(1)
    assert 'id="fig-map-share"' in page
    assert 'href="#data-map-share"' in page
    table = page[page.index('<details class="rap-data rap-map-data" id="data-map-share"') :]
    rows = re.findall(r'<tr><td class="num">([^<]+)</td><td>([^<]+)</td>', table)
    assert len(rows) == frame.height
    assert rows[0] == ("1", "E0200011"), "ranked, highest first"
    assert rows[-1] == ("no data", "E0000005"), "areas without a value last"
    assert 'for="find-map-share"' in page
    assert '<input type="search" id="find-map-share"' in page
    assert "<script>" in page
    assert "src=" not in page.split("<script>")[1].split("</script>")[0]
    assert 'download="map-share.csv"' in page
    assert "http" not in page.replace("http://www.w3.org/2000/svg", "")


def test_map_refuses_missing_columns_and_repeated_areas() -> None:
    frame = sample_frame()
    with pytest.raises(ReportError, match="no column nope"):
        maps.choropleth(frame, name="m", code="code", value="nope", label="x", alt="x", caption="x")
    with pytest.raises(ReportError, match="codes repeat: E0000000"):
        draw(pl.concat([frame, frame.head(1)]))


def test_boundary_map_lists_the_areas_missing_from_the_boundary_file(boundary_file: Path) -> None:
    frame = pl.DataFrame(
        {
            "code": ["E01000001", "E01000002", "E01000003", "E01000404"],
            "name": ["A", "B", "C", "D"],
            "lad": ["L"] * 4,
            "lad_name": ["Town"] * 4,
            "share": [0.1, 0.2, 0.3, 0.4],
        }
    )
    boundaries = maps.read_geojson(boundary_file, frame["code"])
    page = draw(frame, boundaries)
    svg = re.search(r"<svg\b.*?</svg>", page, flags=re.DOTALL)
    assert svg is not None
    assert sorted(shapes_in(svg.group(0))) == ["E01000001", "E01000002", "E01000003"]
    multipolygon = re.search(r'd="([^"]+)" fill="[^"]+" data-code="E01000003"', page)
    assert multipolygon is not None
    assert multipolygon.group(1).count("M") == 2
    assert "1 of 4 areas are not on the map" in page
    assert "the boundary file has no shape for E01000404" in page
    assert "Boundaries from lsoa.geojson" in page
    assert maps.SCHEMATIC not in page
    assert "E01000404" in page[page.index("<table") :], "still in the table"


def fake_run(config_map: dict[str, Any]) -> Run:
    """A run as :func:`maps.area_map` sees it: only its configuration's ``[map]`` is read."""
    return cast("Run", SimpleNamespace(config=SimpleNamespace(map=config_map)))


def test_area_map_uses_the_configured_boundaries_or_the_hexagon_layout(
    boundary_file: Path,
) -> None:
    frame = pl.DataFrame({"code": ["E01000001", "E01000003"], "share": [0.1, 0.2]})
    options: dict[str, Any] = {
        "name": "m",
        "value": "share",
        "label": "Share",
        "alt": "A.",
        "caption": "C.",
    }
    hexes = maps.area_map(fake_run({}), frame, code="code", **options).html
    assert maps.SCHEMATIC in hexes
    drawn = maps.area_map(
        fake_run({"boundaries": boundary_file}), frame, code="code", **options
    ).html
    assert "Boundaries from lsoa.geojson" in drawn
    assert "not on the map" not in drawn
    with pytest.raises(ReportError, match="None of the 2 area codes"):
        maps.area_map(
            fake_run({"boundaries": boundary_file, "code_property": "LSOA21NM"}),
            frame,
            code="code",
            **options,
        )


# --- Configuration -------------------------------------------------------------------


def config_with(tmp_path: Path, table: str) -> Path:
    (tmp_path / "pyproject.toml").write_text("", "utf-8")
    (tmp_path / "config").mkdir(exist_ok=True)
    path = tmp_path / "config" / "pipeline.toml"
    path.write_text(f'pipeline = "x"\n{table}', "utf-8")
    return path


def test_map_config_is_optional_and_resolves_the_boundary_path(tmp_path: Path) -> None:
    assert load_config(config_with(tmp_path, "")).map == {}
    assert load_config(config_with(tmp_path, "[map]\n# boundaries = 'x'\n")).map == {}
    config = load_config(
        config_with(
            tmp_path, '[map]\nboundaries = "data/raw/b.geojson"\ncode_property = "LSOA21CD"\n'
        )
    )
    assert config.map == {
        "boundaries": tmp_path.resolve() / "data" / "raw" / "b.geojson",
        "code_property": "LSOA21CD",
    }


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[map]\nboundary = "b.geojson"\n', r"unknown key\(s\) in \[map\]: boundary"),
        ("[map]\nboundaries = 3\n", "map.boundaries must be a non-empty string"),
        ('[map]\nboundaries = "b.shp"\n', "must be a GeoJSON file"),
        ('[map]\nboundaries = "config.geojson"\n', "is a folder"),
        ('[map]\ncode_property = ""\n', "map.code_property must be a non-empty string"),
        ('map = "b.geojson"\n', r"\[map\] in .* must be a table"),
    ],
)
def test_map_config_mistakes_name_the_key(tmp_path: Path, table: str, message: str) -> None:
    (tmp_path / "config.geojson").mkdir()
    with pytest.raises(ConfigError, match=message):
        load_config(config_with(tmp_path, table))
