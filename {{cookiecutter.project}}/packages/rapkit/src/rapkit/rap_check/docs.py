"""Small readers for Markdown: headings, sections, fenced code blocks and list entries.

The documentation criteria are about content ("the README says how to run
the pipeline"), so the checks read the structure of the documents rather than
only testing that a file exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\S")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)


@dataclass(frozen=True)
class Section:
    """A heading and the text under it, up to the next heading of the same or higher rank."""

    level: int
    title: str
    body: str


def _split(markdown: str) -> tuple[list[tuple[int, str, int]], list[str], list[str]]:
    """Return (headings with their line numbers, code blocks, lines) outside code fences."""
    headings: list[tuple[int, str, int]] = []
    blocks: list[str] = []
    lines = markdown.splitlines()
    fence: list[str] | None = None
    for number, line in enumerate(lines):
        if _FENCE.match(line):
            if fence is None:
                fence = []
            else:
                blocks.append("\n".join(fence))
                fence = None
        elif fence is not None:
            fence.append(line)
        elif found := _HEADING.match(line):
            headings.append((len(found.group(1)), found.group(2), number))
    return headings, blocks, lines


def _front_matter_title(markdown: str) -> Section | None:
    """Return a Quarto/Markdown YAML front-matter ``title:`` as a section over the whole body."""
    found = _FRONT_MATTER.match(markdown)
    if found is None:
        return None
    title = re.search(r"^title:\s*[\"']?(.+?)[\"']?\s*$", found.group(1), re.MULTILINE)
    return Section(0, title.group(1), markdown[found.end() :]) if title else None


def sections(markdown: str) -> list[Section]:
    """Return every section of a Markdown document (a front-matter title counts as one)."""
    headings, _, lines = _split(markdown)
    titled = _front_matter_title(markdown)
    found = [titled] if titled else []
    for index, (level, title, start) in enumerate(headings):
        end = next((line for lvl, _, line in headings[index + 1 :] if lvl <= level), len(lines))
        found.append(Section(level, title, "\n".join(lines[start + 1 : end])))
    return found


def code_blocks(markdown: str) -> list[str]:
    """Return the contents of every fenced code block."""
    return _split(markdown)[1]


def word_count(text: str) -> int:
    """Count the words of a text (Markdown punctuation is not a word)."""
    return len(re.findall(r"[A-Za-z0-9][\w'.-]*", text))


def find_section(markdown: str, pattern: str) -> Section | None:
    """Return the first section whose heading matches ``pattern`` (case-insensitive)."""
    regex = re.compile(pattern, re.IGNORECASE)
    return next((s for s in sections(markdown) if regex.search(s.title)), None)


def entries(markdown: str) -> list[str]:
    """Return the list items and table data rows (not header or rule rows) outside code."""
    found = []
    in_code = False
    in_table_body = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            in_code = not in_code
            continue
        is_table = line.strip().startswith("|")
        if in_code:
            continue
        if _LIST_ITEM.match(line):
            found.append(line.strip())
        elif is_table and _TABLE_RULE.match(line):
            in_table_body = True
        elif is_table and in_table_body:
            found.append(line.strip())
        in_table_body = in_table_body and is_table
    return found
