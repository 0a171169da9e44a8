"""``python -m rapkit``: the command line, for the project in the current folder."""

from .cli import main

raise SystemExit(main())
