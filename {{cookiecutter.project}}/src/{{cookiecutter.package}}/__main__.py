"""``python -m <package>``: the rapkit command line, for this project's pipelines."""

from rapkit.cli import main

raise SystemExit(main(package=__package__))
