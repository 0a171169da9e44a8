"""The analysis pipelines: one sub-package per problem, found automatically.

Each sub-package (``pipelines/<name>/``) holds ``stages.py`` (the functions),
``schemas.py`` (what each stage guarantees), ``pipeline.py`` (the wiring and the
typed parameters) and ``sample.py`` (synthetic inputs), and its ``__init__.py``
exports ``build``, ``make_sample`` and ``SAMPLE_ROWS``. ``pipeline`` in
``config/pipeline.toml`` names the one to run; ``python -m <package>
new-pipeline NAME`` adds another.
"""
