"""The bare Polars script plus what every checked pipeline run pays, however its checks are written.

Before the bare Polars query (:mod:`polars_reference`), this script pays two costs
that a run of the generated pipeline cannot avoid while it keeps its promises:

* importing Pandera, the library every stage's schema is written in (with numpy
  and pydantic, which Pandera imports);
* fingerprinting the input with ``rapkit.io.fingerprint``: the SHA-256 that the
  manifest records and the byte pass that proves every row whole (one read, the
  hash in a second thread), exactly as the pipeline does.

It does nothing else: no validation, no table in memory, no manifest, no atomic
publish. So it is the floor of issue 14's targets: when this script misses a target,
no change to how the pipeline reads or validates can meet it; only a cheaper hash
or whole-row proof, or dropping one of them, could. The harness runs it with the
generated project's Python (rapkit and Pandera are installed there).

Usage: ``python floor_reference.py residents.csv area_summary.csv [--older-age 65] [--streaming]``
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script, beside polars_reference

import polars_reference


def pay_fixed_costs(source: Path) -> None:
    """Import Pandera and fingerprint ``source`` as the pipeline does."""
    import pandera.polars  # noqa: F401 - the import is the cost being measured
    from rapkit.io import fingerprint

    found = fingerprint(source)
    if not found.simple:  # the pipeline would take the careful road: this is no longer its floor
        msg = f"{source} is not a simple CSV: the floor is measured on plain inputs only"
        raise SystemExit(msg)


def main(argv: Sequence[str] | None = None) -> int:
    """Pay the fixed costs, then run the bare Polars script with the same arguments."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and not args[0].startswith("-"):  # else the bare script prints its usage
        pay_fixed_costs(Path(args[0]))
    return polars_reference.main(args)


if __name__ == "__main__":
    raise SystemExit(main())
