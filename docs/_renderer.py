"""quartodoc renderer for the rapkit API reference (``renderer: {style: _renderer.py}``).

quartodoc's Markdown renderer, plus what readers of this reference need:

- every signature shows its parameter types and its return type (quartodoc 0.11 shows
  parameter annotations on request, ``show_signature_annotations``, but never the return);
- every Pandera model (``DataFrameModel``) lists its columns: type, nullable, unique,
  checks and description, as ``rapkit.reporting.data_dictionary`` writes them for a
  project's data dictionary (quartodoc alone shows only the class docstring);
- reStructuredText that Google-style parsing leaves in the text becomes Markdown: Sphinx
  roles (``:class:`~rapkit.errors.ConfigError```) become code, ``::`` literal blocks and
  ``>>>`` examples become code blocks, instead of stray ``::``, ``:class:`` and ``>``.

quartodoc imports this file from ``docs/`` (the folder ``quartodoc build`` runs in).
Pandera models are looked up by importing rapkit, so rapkit must be installed there.
"""

from __future__ import annotations

import importlib
import re
import textwrap

from plum import dispatch
from quartodoc import MdRenderer, layout
from quartodoc._griffe_compat import dataclasses as dc

ROLE = re.compile(
    r":(?:py:)?(?:class|func|meth|mod|attr|data|exc|obj|const|term):`(~?)([^`<]*?)(?:\s*<([^>]+)>)?`"
)
LITERAL = re.compile(r"(?m)^(?P<lead>[^\n]*?)\s*::\n\n(?P<block>(?:(?:[ ]{4}[^\n]*)?\n)+)")
DOCTEST = re.compile(r"(?m)^(?:>>> [^\n]*\n)(?:(?:>>> |\.\.\. )[^\n]*\n)*(?:(?!>>> )[^\n]+\n)*")
FENCE = re.compile(r"(?ms)^```.*?^```[ \t]*$")


def _role(match: re.Match[str]) -> str:
    """``:class:`~a.b.C``` reads ``C``; ``:func:`a.b``` reads ``a.b``; ``:x:`text <t>``` reads text."""
    short, target, titled = match.groups()
    if titled:
        return f"`{target.strip()}`"
    name = target.lstrip(".")
    return f"`{name.rsplit('.', 1)[-1] if short else name}`"


def _literal(match: re.Match[str]) -> str:
    """A reST literal block (``text::`` then an indented block) as a fenced code block."""
    lead = match["lead"].rstrip()
    code = textwrap.dedent(match["block"]).strip("\n")
    sentence = f"{lead}:\n\n" if lead else ""
    return f"{sentence}```\n{code}\n```\n\n"


def _doctest(match: re.Match[str]) -> str:
    """A ``>>>`` example and its printed result as a Python code block (not a block quote)."""
    return f"```python\n{match.group(0).rstrip()}\n```\n"


def as_markdown(text: str) -> str:
    """Turn the reStructuredText left in rendered docstrings into Markdown (code fences untouched)."""
    parts, last = [], 0
    for fence in FENCE.finditer(text):
        parts += [_prose(text[last : fence.start()]), fence.group(0)]
        last = fence.end()
    return "".join([*parts, _prose(text[last:])])


def _prose(text: str) -> str:
    text = ROLE.sub(_role, text)
    text = LITERAL.sub(_literal, text if text.endswith("\n") else text + "\n")
    return DOCTEST.sub(_doctest, text)


def _model(path: str) -> type | None:
    """The Pandera ``DataFrameModel`` at ``path`` (``rapkit.x.Name``), or None if it is not one."""
    import pandera.polars as pa

    module, _, name = path.rpartition(".")
    try:
        value = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):  # a nested class: not a model
        return None
    return value if isinstance(value, type) and issubclass(value, pa.DataFrameModel) else None


class Renderer(MdRenderer):
    """quartodoc's Markdown renderer with types, model columns and no reST leftovers."""

    style = "rapkit"

    def __init__(self, *args: object, show_signature_annotations: bool = True, **kwargs: object) -> None:
        super().__init__(*args, show_signature_annotations=show_signature_annotations, **kwargs)

    @dispatch
    def render(self, el: layout.Page) -> str:
        return as_markdown(super().render(el))

    @dispatch
    def render(self, el: dc.Class) -> str:  # noqa: F811 (plum: one method per argument type)
        text = super().render(el)  # the docstring, before the class's members
        model = _model(el.path)
        if model is None:
            return text
        return f"{text}\n\n{self._columns(model)}"

    @dispatch
    def signature(self, el: dc.Function, source: dc.Alias | None = None) -> str:
        text = super().signature(el, source)
        returns = el.returns
        if not returns or el.name == "__init__":
            return text
        return f"{text.removesuffix(chr(10) + '```')} -> {returns}\n```"

    def _columns(self, model: type) -> str:
        """The model's columns as the data dictionary lists them, under a Columns heading."""
        from rapkit.reporting import data_dictionary

        section = data_dictionary({model.__name__: model})
        table = section[section.index("| Column |") :].split("\nSchema: ")[0].strip()
        level = "#" * self.crnt_header_level  # already one below the class's own heading
        return f"{level} Columns {{.doc-section .doc-section-columns}}\n\n{table}"

    def _summary_row(self, link: str, description: str) -> str:
        return super()._summary_row(link, as_markdown(description).strip())
