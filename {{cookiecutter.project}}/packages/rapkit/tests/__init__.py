"""Tests of the rapkit library (run by `nox -s lib` in the template repository)."""
