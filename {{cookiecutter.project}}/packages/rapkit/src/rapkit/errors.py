"""Errors the pipeline expects and explains to the user.

Anything raised as a :class:`PipelineError` is a problem with inputs or
configuration that the user can fix. The command line prints its message and
exits with status 1, without a Python traceback (unless ``--debug`` is given).
Any other exception is a bug in the code and is shown in full.
"""


class PipelineError(Exception):
    """A problem the user can fix: the message says what went wrong and what to do."""


class ConfigError(PipelineError):
    """The configuration file is missing, malformed or refers to something unknown."""


class InputError(PipelineError):
    """An input file is missing, unreadable or has the wrong columns."""


class ValidationFailedError(PipelineError):
    """Data did not pass the Pandera schema at a stage boundary."""
