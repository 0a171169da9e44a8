"""Run a generated project's pipeline once, in the project's own environment.

The benchmark harness starts this script with the generated project's Python
so that it measures one fresh process: imports, reading, every stage, Pandera
validation, writing outputs and the manifest. ``--no-checks`` turns the data
checks off (``run_pipeline(check_data=False)``), only to measure what they
cost. The stage records are printed as one JSON line for the harness.

Usage: ``python driver.py PACKAGE CONFIG OUT_DIR [--no-checks]``
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from rapkit.config import load_config
from rapkit.project import configured_pipeline
from rapkit.runner import run_pipeline


def main() -> int:
    """Parse the arguments, run the pipeline, print the stage records."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("package")
    parser.add_argument("config", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--no-checks", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    config = load_config(args.config)
    module = configured_pipeline(config, args.package)
    result = run_pipeline(
        module.build(config.parameters),
        config,
        outputs_dir=args.out,
        check_data=not args.no_checks,
    )
    print(json.dumps(result.stage_records))
    return 0


if __name__ == "__main__":
    sys.exit(main())
