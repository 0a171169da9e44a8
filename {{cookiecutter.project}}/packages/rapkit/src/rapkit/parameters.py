"""Typed, validated pipeline parameters (``[parameters]`` in the config).

Each pipeline declares its parameters as one small class::

    class Parameters(rapkit.Parameters):
        older_age: int = 65
        local_authorities: list[str] = []

and reads them with ``Parameters.load(raw)``. A key the class does not declare
(a typo such as ``local_authority``), a wrong type (``older_age = "65"``) or a
string where a list is expected is a :class:`~rapkit.errors.ConfigError` that
names the key, never silently ignored or iterated character by character.
The checking is pydantic's (already installed with Pandera), in strict mode.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

import pydantic

from .errors import ConfigError


class Parameters(pydantic.BaseModel):
    """Base class for a pipeline's parameters: unknown keys and loose types are errors."""

    model_config = pydantic.ConfigDict(extra="forbid", strict=True, frozen=True)

    @classmethod
    def load(cls, raw: Mapping[str, Any] | object, where: str = "[parameters]") -> Self:
        """Check ``raw`` (the ``[parameters]`` table) and return the typed parameters.

        Raises:
            ConfigError: naming each key that is unknown, missing or of the wrong type.
        """
        if not isinstance(raw, Mapping):
            msg = f"{where} must be a table of settings, not {type(raw).__name__} {raw!r}."
            raise ConfigError(msg)
        try:
            return cls.model_validate(dict(raw))
        except pydantic.ValidationError as exc:
            raise ConfigError(_explain(exc, cls, where)) from exc


def _explain(exc: pydantic.ValidationError, model: type[Parameters], where: str) -> str:
    """Turn pydantic's errors into one line per key, with the keys that are allowed."""
    lines = [f"{where} is not valid for this pipeline:"]
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(table)"
        if error["type"] == "extra_forbidden":
            allowed = ", ".join(sorted(_table_at(model, error["loc"][:-1]).model_fields)) or "none"
            lines.append(f"  - unknown key {key!r} (allowed: {allowed}); check its spelling.")
        elif error["type"] == "missing":
            lines.append(f"  - {key}: required, but not set.")
        else:
            value = error.get("input")
            lines.append(f"  - {key}: {error['msg']} (got {value!r}).")
    return "\n".join(lines)


def _table_at(
    model: type[pydantic.BaseModel], loc: tuple[int | str, ...]
) -> type[pydantic.BaseModel]:
    """Return the (nested) model of the table at ``loc``, so its own keys can be listed."""
    for part in loc:
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel)):
            return model
        model = annotation
    return model
