"""``python -m bench``: run the benchmark."""

from bench.harness import main

raise SystemExit(main())
