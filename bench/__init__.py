"""Benchmark of the generated pipeline (template tooling; not copied into projects).

Run with ``nox -s bench`` or ``python -m bench --help``; see docs/benchmarks.md.
"""
