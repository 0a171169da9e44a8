"""Pandera schemas: what each stage of the example pipeline guarantees.

Every check here runs on every row of every run (the runner validates
collected frames), so a schema is a contract a reader can rely on.
"""

import pandera.polars as pa
import polars as pl

LSOA_CODE = r"^[EW]01\d{6}$"  # GSS code of a Lower layer Super Output Area (2021)
LAD_CODE = r"^[EW]0[6-9]\d{6}$"  # GSS code of a local authority district


class Residents(pa.DataFrameModel):
    """One row per resident, as imported from the record-level file."""

    person_id: pl.Int64 = pa.Field(ge=1, unique=True, description="Synthetic person identifier.")
    lsoa_code: pl.String = pa.Field(str_matches=LSOA_CODE, description="LSOA of residence.")
    lad_code: pl.String = pa.Field(str_matches=LAD_CODE, description="Local authority district.")
    age: pl.Int64 = pa.Field(ge=0, le=120, description="Age in completed years.")

    class Config:
        """Reject columns the schema does not know about."""

        strict = True


class AreaSummary(pa.DataFrameModel):
    """One row per LSOA: residents, older residents (see ``older_age``), and their share."""

    lsoa_code: pl.String = pa.Field(
        str_matches=LSOA_CODE, unique=True, description="GSS code of the LSOA (2021)."
    )
    lad_code: pl.String = pa.Field(
        str_matches=LAD_CODE, description="GSS code of the local authority district."
    )
    residents: pl.UInt32 = pa.Field(ge=1, description="Residents of the LSOA.")
    older_residents: pl.UInt32 = pa.Field(
        ge=0, description="Residents aged `older_age` (config, default 65) or over."
    )
    older_residents_frac: pl.Float64 = pa.Field(
        ge=0, le=1, description="older_residents / residents, a fraction from 0 to 1."
    )

    class Config:
        """Reject columns the schema does not know about."""

        strict = True

    @pa.dataframe_check
    @classmethod
    def older_residents_within_total(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Older residents can never outnumber all residents."""
        return data.lazyframe.select(pl.col("older_residents") <= pl.col("residents"))
