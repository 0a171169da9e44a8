"""Tests of the Nomis API CSV importer: periods, measures, markers and header variants."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from rapkit.errors import InputError, ValidationFailedError
from rapkit.importers.nomis_api import (
    NomisObservations,
    aps_rates,
    parse_period,
    read_nomis_api,
    tidy_nomis_api,
)
from rapkit.validation import validate

HEADER = (
    "DATE,DATE_NAME,GEOGRAPHY,GEOGRAPHY_NAME,GEOGRAPHY_CODE,GEOGRAPHY_TYPE,VARIABLE,"
    "VARIABLE_NAME,MEASURES,MEASURES_NAME,OBS_VALUE,OBS_STATUS,OBS_STATUS_NAME,OBS_CONF,"
    "RECORD_OFFSET,RECORD_COUNT\n"
)
NAMES = {20599: "Variable", 21001: "Numerator", 21002: "Denominator", 21003: "Confidence"}


def line(
    value: str,
    measure: int = 20599,
    *,
    period: str = "Jan 2023-Dec 2023",
    status: str = "A",
    code: str = "E08000009",
) -> str:
    return (
        f"2023-12,{period},1946157089,Trafford,{code},local authorities,1290,"
        f"% with RQF4+ - aged 16-64,{measure},{NAMES[measure]},{value},{status},Normal Value,F,"
        "{offset},{count}"
    )


def write(tmp_path: Path, *lines: str, header: str = HEADER, total: int | None = None) -> Path:
    """Write rows with RECORD_OFFSET and RECORD_COUNT filled in (``total`` overrides the count)."""
    count = len(lines) if total is None else total
    body = "".join(f"{text.format(offset=i, count=count)}\n" for i, text in enumerate(lines))
    path = tmp_path / "nm_17_5.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def tidy(path: Path) -> pl.DataFrame:
    return validate(tidy_nomis_api(read_nomis_api(path)).collect(), NomisObservations, where="t")


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("Jan 2023-Dec 2023", dt.date(2023, 1, 1), dt.date(2023, 12, 31)),
        ("Apr 2022-Mar 2023", dt.date(2022, 4, 1), dt.date(2023, 3, 31)),
        ("Oct 2019-Sep 2020", dt.date(2019, 10, 1), dt.date(2020, 9, 30)),
        ("Mar 2020-Feb 2021", dt.date(2020, 3, 1), dt.date(2021, 2, 28)),
        (" 2021 ", dt.date(2021, 1, 1), dt.date(2021, 12, 31)),
        ("Q1 2021", None, None),
    ],
)
def test_parse_period(text: str, start: dt.date | None, end: dt.date | None) -> None:
    parsed = pl.DataFrame({"date_name": [text]}).select(parse_period())
    assert parsed.row(0) == (start, end)


def test_reads_and_types_observations(tmp_path: Path) -> None:
    table = tidy(write(tmp_path, line("45.2"), line("62300", 21001)))
    first = table.row(0, named=True)
    assert first["period_start"] == dt.date(2023, 1, 1)
    assert first["period_end"] == dt.date(2023, 12, 31)
    assert (first["area_code"], first["measure_code"], first["value"]) == ("E08000009", 20599, 45.2)
    assert first["variable_name"] == "% with RQF4+ - aged 16-64"
    assert first["value_flag"] is None


@pytest.mark.parametrize(
    ("cell", "flag"), [("", "blank"), ("!", "!"), ("*", "*"), ("~", "~"), ("-", "-")]
)
def test_shortfall_markers_become_null_with_flag(tmp_path: Path, cell: str, flag: str) -> None:
    table = tidy(write(tmp_path, line(cell, status="!")))
    assert table.select("value", "value_flag", "obs_status").row(0) == (None, flag, "!")


def test_all_suppressed_gives_all_null_rates(tmp_path: Path) -> None:
    rows = [line("", measure) for measure in NAMES]
    observations = tidy(write(tmp_path, *rows))
    rates = aps_rates(observations.lazy(), ["area_code", "period_start"]).collect()
    assert rates.height == 1
    assert rates.select("value_pct", "numerator", "denominator", "ci_pct").row(0) == (None,) * 4
    assert rates["value_flag"].item() == "blank"


def test_aps_rates_puts_measures_side_by_side(tmp_path: Path) -> None:
    rows = [line("45.2"), line("62300", 21001), line("137800", 21002), line("3.1", 21003)]
    rates = aps_rates(tidy(write(tmp_path, *rows)).lazy(), ["area_code"]).collect()
    assert rates.row(0) == ("E08000009", 45.2, 62300.0, 137800.0, 3.1, None, "A")


def test_unknown_period_format_fails_schema_with_the_row(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailedError, match="period_start"):
        tidy(write(tmp_path, line("45.2", period="Q1 2023")))


def test_wrong_geography_code_fails_schema(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailedError, match="area_code"):
        tidy(write(tmp_path, line("45.2", code="1946157089")))


def test_missing_column_is_named_with_a_hint(tmp_path: Path) -> None:
    path = write(tmp_path, "x", header=HEADER.replace("OBS_VALUE", "OBS_VALU"))
    with pytest.raises(InputError, match="'OBS_VALUE' \\(did you mean 'OBS_VALU'\\?\\)"):
        read_nomis_api(path)


def test_lower_case_headers_are_explained(tmp_path: Path) -> None:
    path = write(tmp_path, line("45.2"), header=HEADER.lower())
    with pytest.raises(InputError, match="lower-case headers"):
        read_nomis_api(path)


def test_text_that_is_not_a_number_or_marker_fails(tmp_path: Path) -> None:
    with pytest.raises(pl.exceptions.InvalidOperationError):
        tidy(write(tmp_path, line("about 45")))


def test_incomplete_paged_download_fails_clearly(tmp_path: Path) -> None:
    path = write(tmp_path, line("45.2"), line("62300", 21001), total=25_001)
    with pytest.raises(
        InputError, match="has 2 rows but RECORD_COUNT says the query returned 25001"
    ):
        read_nomis_api(path)


def test_header_only_file_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no rows of data"):
        read_nomis_api(write(tmp_path))
