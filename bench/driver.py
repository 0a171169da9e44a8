"""Run a generated project's command line once, in the project's own environment.

``python driver.py PACKAGE [--no-checks] -- --config CONFIG run --out DIR`` does
what ``python -m PACKAGE --config CONFIG run --out DIR`` does (the project's
``__main__`` calls ``rapkit.cli.main(package=...)``, and so does this script),
so a measured run is the command a user types: start-up, imports, reading,
every stage, validation, writing outputs, the manifest and the run log.

``--no-checks`` runs the same command with ``run_pipeline(check_data=False)``
in place of the command line's ``run_pipeline``, only to measure what the data
checks cost: everything else is identical, so on minus off is validation.
After the run, one JSON line reports which heavy libraries the run imported
(is pandas on the run path?).
"""

from __future__ import annotations

import argparse
import functools
import json
import sys

HEAVY = ("pandas", "pandera", "pyarrow", "numpy", "polars")


def main() -> int:
    """Run the command line (checks on or off) and print the heavy modules it loaded."""
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("package")
    parser.add_argument("--no-checks", action="store_true")
    args = parser.parse_args(argv[:split])
    cli_args = argv[split + 1 :]

    from rapkit import cli

    if args.no_checks:
        if not hasattr(cli, "run_pipeline"):  # the command line's entry changed: say so
            print("rapkit.cli no longer calls run_pipeline: update bench/driver.py", file=sys.stderr)
            return 2
        cli.run_pipeline = functools.partial(cli.run_pipeline, check_data=False)
    status = cli.main(cli_args, package=args.package)
    print(json.dumps({"modules": {name: name in sys.modules for name in HEAVY}}))
    return status


if __name__ == "__main__":
    sys.exit(main())
