"""Synthetic inputs for the green space pipeline (invented places, never real data).

Each file has the columns, header text, code formats, markers and units of
the file it stands in for, so the importers are exercised as on real data:

* ``lsoa_parks_access``: the ONS "LSOA Parks only" sheet saved as CSV,
  including its double-spaced headers, empty cells where an LSOA has no
  postcode in a built-up area, and rows for areas outside the study (another
  local authority and Scottish data zones) that the pipeline must filter out;
* ``lsoa_boundaries``: the ONS Open Geography Portal LSOA (2011) attribute table;
* ``greenspace_pieces``: OS Open Greenspace sites after the GIS union and
  intersection described in ``importers/os_open_greenspace.py``, with sites
  that cross LSOA boundaries and sites nested inside others.

Codes, names and numbers are invented (local authority codes such as
E08000901 do not exist). The same seed and size always give the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

STUDY_LADS = (
    ("E08000901", "Northtown", "E12000002", "North West", "E92000001", "England"),
    ("E06000901", "Southvale", "E12000002", "North West", "E92000001", "England"),
    ("W06000901", "Glan-yr-Afon", "W92000004", "Wales", "W92000004", "Wales"),
)
OTHER_LAD = ("E07000901", "Eastbrook", "E12000002", "North West", "E92000001", "England")
SCOTTISH_LAD = ("S12000901", "Highmuir", "S92000003", "Scotland", "S92000003", "Scotland")
MAIN_FUNCTIONS = (
    ("Public Park Or Garden", 0.40),
    ("Playing Field", 0.18),
    ("Cemetery", 0.08),
    ("Religious Grounds", 0.08),
    ("Allotments Or Community Growing Spaces", 0.10),
    ("Golf Course", 0.04),
    ("Other Sports Facility", 0.12),
)
SITE_NAMES = {
    "Public Park Or Garden": "Park",
    "Playing Field": "Playing Fields",
    "Cemetery": "Cemetery",
    "Religious Grounds": "St Mary's Churchyard",
    "Allotments Or Community Growing Spaces": "Allotments",
    "Golf Course": "Golf Club",
    "Other Sports Facility": "Sports Ground",
}
NESTED_FUNCTIONS = ("Play Space", "Bowling Green", "Tennis Court")
PARKS_HEADER = (
    "Country code",
    "Country name",
    "Region code",
    "Region name",
    "LAD code",
    "LAD name",
    "MSOA code",
    "MSOA name",
    "LSOA code",
    "LSOA name",
    "Number of postcodes within built up area",
    "Average distance to nearest Park or Public Garden (m)",
    "Average size of nearest Park or Public Garden (m2)",
    "Average number of  Parks or Public Gardens within 1,000 m radius",
    "Average combined size of  Parks or Public Gardens within 1,000 m radius (m2)",
)


def _hex(rng: np.random.Generator, length: int) -> str:
    """Return a random upper-case hexadecimal string."""
    return "".join(f"{v:X}" for v in rng.integers(0, 16, size=length))


def _guid(rng: np.random.Generator) -> str:
    """Return a random GUID-shaped identifier (8-4-4-4-12 hexadecimal digits)."""
    raw = _hex(rng, 32)
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"


Site = tuple[str, str, str | None]  # OS site id, function, name (None if unnamed)


@dataclass
class _Pieces:
    """Rows of the pieces file being built, one list per column."""

    rng: np.random.Generator
    columns: dict[str, list[str | None]] = field(
        default_factory=lambda: {
            name: [] for name in ("LSOA11CD", "piece_id", "id", "function", "distName1")
        }
    )
    areas: list[float] = field(default_factory=list)

    def site_id(self) -> str:
        """Return a GUID-shaped site identifier, like OS Open Greenspace's ``id``."""
        return _guid(self.rng)

    def add(self, lsoa: str, sites: list[Site], area: float) -> None:
        """Add one piece of land covered by ``sites`` (id, function, name)."""
        piece = _hex(self.rng, 16).lower()
        for site_id, function, name in sites:
            for column, value in zip(
                ("LSOA11CD", "piece_id", "id", "function", "distName1"),
                (lsoa, piece, site_id, function, name),
                strict=True,
            ):
                self.columns[column].append(value)
            self.areas.append(round(area, 2))

    def frame(self) -> pl.DataFrame:
        """Return the pieces as the GIS export (areas as text with two decimals)."""
        return pl.DataFrame(
            {**self.columns, "piece_area_m2": [f"{a:.2f}" for a in self.areas]},
            schema=dict.fromkeys((*self.columns, "piece_area_m2"), pl.String),
        )


def _site(pieces: _Pieces, lad_name: str, number: int) -> Site:
    """Draw a main site: (id, function, name); many OS sites are unnamed."""
    names, weights = zip(*MAIN_FUNCTIONS, strict=True)
    function = str(pieces.rng.choice(names, p=np.array(weights) / sum(weights)))
    name = f"{lad_name} {SITE_NAMES[function]} {number + 1}" if pieces.rng.random() < 0.6 else None
    return pieces.site_id(), function, name


def _green_pieces(pieces: _Pieces, lsoas: pl.DataFrame) -> None:
    """Add green space pieces for every LSOA: nested sites, boundary-crossing sites, none."""
    rng = pieces.rng
    previous: Site | None = None
    for number, (code, lad_name, area) in enumerate(
        lsoas.select("code", "lad_name", "area").iter_rows()
    ):
        if rng.random() < 0.15:  # no green space at all in this LSOA
            previous = None
            continue
        budget = float(area) * float(rng.beta(1.3, 5.0))
        shares = rng.dirichlet(np.ones(int(rng.integers(1, 4))))
        for index, share in enumerate(shares):
            crosses = index == 0 and previous is not None and rng.random() < 0.3
            site = previous if crosses and previous is not None else _site(pieces, lad_name, number)
            land = budget * float(share)
            if rng.random() < 0.3:  # a smaller site nested inside this one
                nested = (pieces.site_id(), str(rng.choice(NESTED_FUNCTIONS)), None)
                inner = land * float(rng.uniform(0.05, 0.3))
                pieces.add(code, [site, nested], inner)
                land -= inner
            pieces.add(code, [site], land)
            previous = site


def _lsoas(rows: int, rng: np.random.Generator) -> pl.DataFrame:
    """Draw the study LSOAs (codes, names, LAD, area), in contiguous blocks per LAD."""
    lad = np.minimum(np.arange(rows) * len(STUDY_LADS) // rows, len(STUDY_LADS) - 1)
    number_in_lad = np.concatenate([np.arange((lad == i).sum()) for i in range(len(STUDY_LADS))])
    area = np.clip(rng.lognormal(np.log(400_000), 0.9, size=rows), 20_000, 60_000_000)
    frame = pl.DataFrame({"lad": lad, "n": number_in_lad, "area": area.round(6)})
    # Codes keep six digits at any size (wrapping past 999999), and MSOA numbers never
    # collide across authorities (the stride grows past 1000 MSOAs per authority).
    stride = max(1_000, int(number_in_lad.max()) // 5 + 1)
    lad_columns = {
        k: [row[i] for row in STUDY_LADS] for i, k in enumerate(("lad_code", "lad_name"))
    }
    return frame.with_columns(
        pl.col("lad")
        .replace_strict(dict(enumerate(lad_columns["lad_code"])), return_dtype=pl.String)
        .alias("lad_code"),
        pl.col("lad")
        .replace_strict(dict(enumerate(lad_columns["lad_name"])), return_dtype=pl.String)
        .alias("lad_name"),
        pl.int_range(pl.len()).alias("i"),
    ).with_columns(
        pl.format(
            "{}01{}",
            pl.col("lad_code").str.head(1),
            ((pl.col("i") + 100_001) % 1_000_000).cast(pl.String).str.zfill(6),
        ).alias("code"),
        pl.format(
            "{}02{}",
            pl.col("lad_code").str.head(1),
            ((pl.col("lad") * stride + pl.col("n") // 5 + 100_001) % 1_000_000)
            .cast(pl.String)
            .str.zfill(6),
        ).alias("msoa"),
        pl.format(
            "{} {}", pl.col("lad_name"), (pl.col("n") // 5 + 1).cast(pl.String).str.zfill(3)
        ).alias("msoa_name"),
        pl.format(
            "{} {}{}",
            pl.col("lad_name"),
            (pl.col("n") // 5 + 1).cast(pl.String).str.zfill(3),
            pl.col("n").mod(5).replace_strict(dict(enumerate("ABCDE")), return_dtype=pl.String),
        ).alias("name"),
    )


def _boundaries(lsoas: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Return the ONS Open Geography LSOA 2011 attribute table for the study LSOAs."""
    n = lsoas.height
    east = rng.integers(330_000, 400_000, size=n)
    north = rng.integers(380_000, 420_000, size=n)
    guid = [_guid(rng).lower() for _ in range(n)]
    return pl.DataFrame(
        {
            "FID": [str(i) for i in range(1, n + 1)],
            "LSOA11CD": lsoas["code"],
            "LSOA11NM": lsoas["name"],
            "LSOA11NMW": lsoas["name"],
            "BNG_E": east.astype(str),
            "BNG_N": north.astype(str),
            "LONG": [f"{-2.0 + (e - 365_000) / 68_000:.5f}" for e in east],
            "LAT": [f"{53.5 + (n_ - 400_000) / 111_000:.5f}" for n_ in north],
            "Shape__Area": [f"{a:.6f}" for a in lsoas["area"]],
            "Shape__Length": [f"{4.4 * np.sqrt(a):.6f}" for a in lsoas["area"]],
            "GlobalID": guid,
        }
    )


def _access_rows(
    lsoas: pl.DataFrame, green_frac: dict[str, float], rng: np.random.Generator
) -> list[list[str | None]]:
    """ONS parks rows for the study LSOAs: more green space, shorter distances."""
    rows: list[list[str | None]] = []
    lad_info = {lad[0]: lad for lad in STUDY_LADS}
    columns = ("code", "name", "msoa", "msoa_name", "lad_code")
    for code, name, msoa, msoa_name, lad_code in lsoas.select(columns).iter_rows():
        country, region = lad_info[lad_code][4:6], lad_info[lad_code][2:4]
        base = [*country, *region, lad_code, lad_info[lad_code][1], msoa, msoa_name, code, name]
        postcodes = 0 if rng.random() < 0.06 else int(rng.integers(5, 60))
        if postcodes == 0:  # no postcode in a built-up area: ONS leaves the averages empty
            rows.append([*base, "0", None, None, None, None])
            continue
        closeness = 1.0 + 6.0 * green_frac.get(code, 0.0)
        distance = float(rng.lognormal(np.log(420.0), 0.55)) / closeness
        nearest = float(rng.lognormal(np.log(25_000.0), 1.0))
        count = float(rng.gamma(3.0, 1.4)) * min(closeness, 3.0)
        combined = count * float(rng.lognormal(np.log(30_000.0), 0.6))
        rows.append(
            [
                *base,
                str(postcodes),
                f"{distance:.10g}",
                f"{nearest:.10g}",
                f"{count:.10g}",
                f"{combined:.10g}",
            ]
        )
    return rows


def _outside_rows(rng: np.random.Generator, count: int) -> list[list[str | None]]:
    """Rows the ONS GB table holds beyond the study area: another LAD and Scotland."""
    rows: list[list[str | None]] = []
    for lad, letter, start in ((OTHER_LAD, "E", 200_001), (SCOTTISH_LAD, "S", 300_001)):
        for i in range(count):
            code = f"{letter}01{start + i}"
            msoa = f"{letter}02{start + i // 5}"
            distance = float(rng.lognormal(np.log(500.0), 0.6))
            rows.append(
                [
                    *lad[4:6],
                    *lad[2:4],
                    lad[0],
                    lad[1],
                    msoa,
                    f"{lad[1]} {i // 5 + 1:03d}",
                    code,
                    f"{lad[1]} {i // 5 + 1:03d}{'ABCDE'[i % 5]}",
                    str(int(rng.integers(5, 60))),
                    f"{distance:.10g}",
                    f"{float(rng.lognormal(np.log(20_000.0), 1.0)):.10g}",
                    f"{float(rng.gamma(3.0, 1.2)):.10g}",
                    f"{float(rng.lognormal(np.log(80_000.0), 0.7)):.10g}",
                ]
            )
    return rows


def make_sample(rows: int, seed: int) -> dict[str, pl.DataFrame]:
    """Return the three synthetic input files for ``rows`` study LSOAs, keyed by file name."""
    rng = np.random.default_rng(seed)
    lsoas = _lsoas(rows, rng)
    pieces = _Pieces(rng)
    _green_pieces(pieces, lsoas)
    piece_frame = pieces.frame()
    green = (
        piece_frame.unique(["LSOA11CD", "piece_id"])
        .group_by("LSOA11CD")
        .agg(pl.col("piece_area_m2").cast(pl.Float64).sum())
        .join(lsoas.select(pl.col("code").alias("LSOA11CD"), "area"), on="LSOA11CD")
    )
    green_frac = dict(
        zip(green["LSOA11CD"], (green["piece_area_m2"] / green["area"]).to_list(), strict=True)
    )
    access = _access_rows(lsoas, green_frac, rng) + _outside_rows(rng, max(1, rows // 25))
    parks = pl.DataFrame(access, schema=dict.fromkeys(PARKS_HEADER, pl.String), orient="row")
    return {
        "lsoa_parks_access": parks,
        "lsoa_boundaries": _boundaries(lsoas, rng),
        "greenspace_pieces": piece_frame,
    }
