"""The bad-input corpus: realistic bad inputs, bad configurations and faults.

``cases.py`` defines each case as a small change, made by code, to a copy of a
generated project's configuration and sample inputs; ``tests/test_bad_inputs.py``
runs them. See the docstring of ``cases.py`` for what every case must give.
"""
