"""Tests of the DfE explore-education-statistics (EES) importer and its edge cases."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapkit.errors import ConfigError, InputError, ValidationFailedError
from rapkit.importers.ees import (
    EesLocalAuthority,
    academic_year_label,
    read_ees,
    tidy_ees,
)
from rapkit.io import using_column_aliases
from rapkit.validation import validate

HEADER = (
    "time_period,time_identifier,geographic_level,country_code,country_name,region_code,"
    "region_name,old_la_code,new_la_code,la_name,version,breakdown_topic,breakdown,"
    "t_pupils,avg_att8"
)
NATIONAL = "202324,Academic year,National,E92000001,England,,,,,,Revised,Total,Total,{n},{att8}"
REGIONAL = (
    "202324,Academic year,Regional,E92000001,England,E12000001,North East,,,,Revised,"
    "Total,Total,{n},{att8}"
)
LA = (
    "{period},Academic year,Local authority,E92000001,England,E12000001,North East,{old},{code},"
    "Authority {old},Revised,{topic},{breakdown},{n},{att8}"
)
MEASURES = {"t_pupils": pl.Int64(), "avg_att8": pl.Float64()}


def la_row(
    code: str = "E06000101",
    *,
    n: str = "100",
    att8: str = "45.2",
    breakdown: str = "Total",
    period: str = "202324",
    old: str = "101",
) -> str:
    """One local authority row of the test file."""
    topic = "Total" if breakdown == "Total" else "Disadvantage"
    return LA.format(
        period=period, old=old, code=code, topic=topic, breakdown=breakdown, n=n, att8=att8
    )


def write(path: Path, *rows: str, header: str = HEADER, bom: bool = False) -> Path:
    """Write an EES-style CSV (optionally with the byte order mark Excel adds)."""
    text = "\n".join([header, *rows]) + "\n"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


def read_la(path: Path, **options: object) -> pl.DataFrame:
    """Read and tidy local authority rows, validated by the standard EES schema."""
    raw = read_ees(
        path,
        geographic_level="Local authority",
        measures=list(MEASURES),
        keep=("breakdown",),
        **options,  # type: ignore[arg-type]
    )
    tidy = tidy_ees(
        raw, geographic_level="Local authority", measures=MEASURES, keep=("breakdown",)
    ).collect()
    standard = list(EesLocalAuthority.to_schema().columns)
    validate(tidy.select(standard), EesLocalAuthority, where="test")
    return tidy


def test_reads_one_level_and_derives_the_academic_year(tmp_path: Path) -> None:
    path = write(
        tmp_path / "ks4.csv",
        NATIONAL.format(n="600000", att8="46.1"),
        REGIONAL.format(n="30000", att8="44.0"),
        la_row("E06000101", n="1200", att8="45.2", old="101"),
        la_row("E08000102", n="2400", att8="43.9", old="102"),
    )
    raw = read_ees(path, geographic_level="Local authority", measures=list(MEASURES))
    tidy = tidy_ees(raw, geographic_level="Local authority", measures=MEASURES).collect()
    assert tidy["area_code"].to_list() == ["E06000101", "E08000102"]
    assert tidy["academic_year"].to_list() == ["2023/24", "2023/24"]
    assert tidy["time_period"].dtype == pl.Int64
    assert tidy["old_la_code"].to_list() == ["101", "102"]
    assert tidy["t_pupils"].to_list() == [1200, 2400]
    assert tidy["avg_att8"].to_list() == [45.2, 43.9]
    assert tidy["avg_att8_flag"].to_list() == [None, None]


def test_national_level_uses_country_columns(tmp_path: Path) -> None:
    path = write(tmp_path / "ks4.csv", NATIONAL.format(n="600000", att8="46.1"), la_row())
    raw = read_ees(path, geographic_level="National", measures=["t_pupils"])
    tidy = tidy_ees(raw, geographic_level="National", measures={"t_pupils": pl.Int64()}).collect()
    assert tidy.select("area_code", "area_name", "t_pupils").rows() == [
        ("E92000001", "England", 600000)
    ]
    assert "region_code" not in tidy.columns


def test_regional_level_includes_inner_and_outer_london(tmp_path: Path) -> None:
    # DfE files put Inner and Outer London (E13) at the Regional level beside the regions.
    inner = REGIONAL.format(n="10", att8="50.0").replace(
        "E12000001,North East", "E13000001,Inner London"
    )
    path = write(tmp_path / "ks4.csv", REGIONAL.format(n="20", att8="44.0"), inner)
    raw = read_ees(path, geographic_level="Regional", measures=["t_pupils"])
    tidy = tidy_ees(raw, geographic_level="Regional", measures={"t_pupils": pl.Int64()}).collect()
    assert tidy["area_code"].to_list() == ["E12000001", "E13000001"]


def test_markers_become_null_with_a_flag_never_zero(tmp_path: Path) -> None:
    path = write(
        tmp_path / "ks4.csv",
        la_row("E06000101", n="c", att8="c"),
        la_row("E06000102", n="40", att8="low", old="102"),
        la_row("E06000103", n="x", att8=":", old="103"),
        la_row("E06000104", n="z", att8="k", old="104"),
    )
    tidy = read_la(path)
    assert tidy["t_pupils"].null_count() == 3
    assert tidy["avg_att8"].null_count() == 4
    assert tidy["t_pupils_flag"].to_list() == ["c", None, "x", "z"]
    assert tidy["avg_att8_flag"].to_list() == ["c", "low", ":", "k"]


def test_every_cell_suppressed_still_reads(tmp_path: Path) -> None:
    path = write(
        tmp_path / "ks4.csv", *(la_row(f"E06000{i}", n="c", att8="c") for i in range(101, 104))
    )
    tidy = read_la(path)
    assert tidy.height == 3
    assert tidy["t_pupils"].is_null().all()
    assert tidy["avg_att8"].is_null().all()
    assert set(tidy["avg_att8_flag"]) == {"c"}


def test_unknown_text_in_a_measure_fails_rather_than_vanishing(tmp_path: Path) -> None:
    path = write(tmp_path / "ks4.csv", la_row(att8="n/a"))
    raw = read_ees(path, geographic_level="Local authority", measures=list(MEASURES))
    with pytest.raises(pl.exceptions.InvalidOperationError):
        tidy_ees(raw, geographic_level="Local authority", measures=MEASURES).collect()


def test_filters_keep_chosen_breakdowns(tmp_path: Path) -> None:
    path = write(
        tmp_path / "ks4.csv",
        la_row(breakdown="Total", n="100"),
        la_row(breakdown="Disadvantaged", n="30"),
        la_row(breakdown="Disadvantaged all other", n="70"),
    )
    tidy = read_la(path, filters={"breakdown": ["Disadvantaged", "Disadvantaged all other"]})
    assert tidy["breakdown"].to_list() == ["Disadvantaged", "Disadvantaged all other"]
    assert tidy["t_pupils"].to_list() == [30, 70]


def test_level_missing_from_file_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path / "ks4.csv", NATIONAL.format(n="1", att8="40.0"))
    with pytest.raises(InputError, match=r"no rows with geographic_level 'Local authority'") as err:
        read_ees(path, geographic_level="Local authority", measures=list(MEASURES))
    assert "['National']" in str(err.value)
    assert str(path) in str(err.value)


def test_filter_leaving_no_rows_names_the_values_present(tmp_path: Path) -> None:
    path = write(tmp_path / "ks4.csv", la_row(breakdown="Disadvantaged"), la_row(breakdown="Total"))
    with pytest.raises(InputError, match="no Local authority rows left after filtering") as err:
        read_ees(
            path,
            geographic_level="Local authority",
            measures=list(MEASURES),
            filters={"breakdown": ["Not disadvantaged"]},
        )
    assert "['Disadvantaged', 'Total']" in str(err.value)


def test_header_only_file_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path / "ks4.csv")
    with pytest.raises(InputError, match="the file has no data rows"):
        read_ees(path, geographic_level="Local authority", measures=list(MEASURES))


def test_unknown_level_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path / "ks4.csv", la_row())
    with pytest.raises(InputError, match="Unknown EES geographic_level 'LA'"):
        read_ees(path, geographic_level="LA", measures=list(MEASURES))


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("E07000240", "E07000240"),  # a lower-tier district in an upper-tier LA file
        ("E01000001", "E01000001"),  # an LSOA
        ("", "blank"),
    ],
)
def test_area_code_of_wrong_type_fails_by_name(tmp_path: Path, code: str, reason: str) -> None:
    path = write(tmp_path / "ks4.csv", la_row(), la_row(code, old="102"))
    with pytest.raises(InputError, match="not a Local authority GSS code") as err:
        read_ees(path, geographic_level="Local authority", measures=list(MEASURES))
    assert reason in str(err.value)


def test_superseded_la_code_is_still_a_valid_la_code(tmp_path: Path) -> None:
    # Northamptonshire (E10000021) is a genuine upper-tier code in files before 2021/22:
    # the importer keeps it; the deprivation join is where a vintage mismatch must fail.
    path = write(tmp_path / "ks4.csv", la_row("E10000021", period="201920", old="928"))
    assert read_la(path)["area_code"].to_list() == ["E10000021"]


@pytest.mark.parametrize("period", ["2023", "202325", "2023/24", "20232"])
def test_time_period_must_be_an_academic_year(tmp_path: Path, period: str) -> None:
    path = write(tmp_path / "ks4.csv", la_row(period=period))
    with pytest.raises(InputError, match="time_period must be six digits"):
        read_ees(path, geographic_level="Local authority", measures=list(MEASURES))


def test_non_academic_time_identifier_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "ks4.csv", la_row().replace("Academic year", "Calendar year"))
    with pytest.raises(InputError, match=r"\['Calendar year'\] is not an academic year"):
        read_ees(path, geographic_level="Local authority", measures=list(MEASURES))


def test_missing_measure_column_names_it(tmp_path: Path) -> None:
    path = write(tmp_path / "ks4.csv", la_row(), header=HEADER.replace("avg_att8", "avg_att_8"))
    with pytest.raises(InputError, match=r"'avg_att8' \(did you mean 'avg_att_8'\?\)"):
        read_ees(path, geographic_level="Local authority", measures=list(MEASURES))


def test_config_column_aliases_read_renamed_columns(tmp_path: Path) -> None:
    header = HEADER.replace("avg_att8", "attainment8_average")
    path = write(tmp_path / "ks4.csv", la_row(att8="47.0"), header=header)
    with using_column_aliases("[aliases.ks4] columns", {"attainment8_average": "avg_att8"}):
        tidy = read_la(path)
    assert tidy["avg_att8"].to_list() == [47.0]


def test_config_alias_for_an_absent_column_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "ks4.csv", la_row(att8="47.0"))
    aliases = {"attainment8_average": "avg_att8"}
    with (
        using_column_aliases("[aliases.ks4] columns", aliases),
        pytest.raises(ConfigError, match=r"\[aliases.ks4\] columns: .*'attainment8_average'"),
    ):
        read_la(path)


def test_byte_order_mark_and_padded_values_are_handled(tmp_path: Path) -> None:
    row = la_row(n=" 100", att8="45.2 ").replace("Local authority", " Local authority ")
    path = write(tmp_path / "ks4.csv", row, bom=True)
    tidy = read_la(path)
    assert tidy.select("time_period", "t_pupils", "avg_att8").row(0) == (202324, 100, 45.2)


def test_schema_rejects_a_label_that_does_not_match_the_period(tmp_path: Path) -> None:
    tidy = read_la(write(tmp_path / "ks4.csv", la_row()))
    bad = tidy.select(list(EesLocalAuthority.to_schema().columns)).with_columns(
        pl.lit("2022/23").alias("academic_year")
    )
    with pytest.raises(ValidationFailedError, match="academic_year does not match time_period"):
        validate(bad, EesLocalAuthority, where="test")


@given(st.integers(min_value=1999, max_value=2098))
def test_academic_year_label_property(start: int) -> None:
    period = f"{start}{(start + 1) % 100:02d}"
    label = pl.select(academic_year_label(pl.lit(int(period)))).item()
    assert label == f"{start}/{(start + 1) % 100:02d}"
