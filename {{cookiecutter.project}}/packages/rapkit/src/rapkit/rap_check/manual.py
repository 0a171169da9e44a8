r"""Find manual steps and reads from outside the repository (S1, AF1).

"Minimal manual intervention" is about what a person has to do besides
running one command, so the check reads what the project tells people and
what its code and configuration read:

* the README and the documentation: instructions such as "open the output in
  Excel and save it" or "copy the figures by hand";
* the package's code and the configuration: absolute paths, home folders
  (``~/``), drive letters and network shares (``\\\\server``, ``/mnt/...``):
  inputs that exist only on one machine, so someone else cannot rerun the
  pipeline from the repository.

Each finding must be listed in ``docs/manual_steps.md`` (an entry naming the
application, the path, or the file that describes the step); sentences that
say *not* to do something ("never edited by hand") are not steps.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from . import docs
from .project import Project

MANUAL_STEPS = "docs/manual_steps.md"
APPS = r"Excel|LibreOffice|Calc|Google Sheets|SPSS|Stata|SAS|Access|Notepad|Word"
MANUAL = re.compile(
    rf"\b(?:open|load|edit|paste|copy|save|enter|type|fix|update|change)\w*\b(?:[^.!?]|\.(?=\S)){{0,60}}?"
    rf"\b(?:in|into|with|using|from)\s+(?P<app>{APPS})\b"
    r"|\b(?P<hand>by hand|manually|copy and paste|copy-paste|save as)\b",
    re.IGNORECASE,
)
NEGATION = re.compile(
    r"\b(?:never|not|no|without|instead of|rather than|avoid\w*|minimum)\b|n't\b", re.IGNORECASE
)
OUTSIDE = re.compile(r"^(?:~[/\\]|/(?!/)\S+/|[A-Za-z]:[\\/]|\\\\\S|//\w)")
DOC_GLOBS = ("README.md", "docs/**/*.md", "docs/**/*.qmd", "reports/**/*.qmd")


@dataclass(frozen=True)
class Finding:
    """A manual step or an outside read: where it is, what it says, the key to list it by."""

    where: str
    text: str
    key: str

    def __str__(self) -> str:
        """Show where the finding is and what it says."""
        return f"{self.where}: {self.text!r}"


def manual_instructions(project: Project) -> list[Finding]:
    """Instructions in the README and docs that ask a person to do a step by hand."""
    found = []
    for pattern in DOC_GLOBS:
        for path in sorted(project.root.glob(pattern)):
            relative = path.relative_to(project.root).as_posix()
            if relative == MANUAL_STEPS:
                continue
            text = " ".join(path.read_text(encoding="utf-8", errors="replace").split())
            for match in MANUAL.finditer(text):
                before = text[max(0, match.start() - 40) : match.start()]
                if NEGATION.search(before) or NEGATION.search(match.group(0)):
                    continue
                key = match.group("app") or relative
                found.append(Finding(relative, match.group(0), key))
    return found


def _code_strings(path: Path) -> list[tuple[int, str]]:
    """The string literals of a Python file (not docstrings), with their line numbers."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def outside_reads(project: Project) -> list[Finding]:
    """Absolute, home-folder and network-share paths in the package's code and the config."""
    found = []
    for path in sorted((project.root / "src").rglob("*.py")):
        relative = path.relative_to(project.root).as_posix()
        try:
            strings = _code_strings(path)
        except (SyntaxError, UnicodeDecodeError):
            continue  # S4 and S5 report code that does not parse
        found += [
            Finding(f"{relative}:{line}", value, value)
            for line, value in strings
            if OUTSIDE.match(value)
        ]
    for path in sorted((project.root / "config").rglob("*.toml")):
        relative = path.relative_to(project.root).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            code = line.split("#", 1)[0]
            for value in re.findall(r"[\"']([^\"']+)[\"']", code):
                if OUTSIDE.match(value):
                    found.append(Finding(f"{relative}:{number}", value, value))
    return found


def unlisted(project: Project, findings: list[Finding]) -> list[Finding]:
    """The findings ``docs/manual_steps.md`` does not list (by application, path or file)."""
    text = project.text(MANUAL_STEPS) or ""
    listed = " ".join(docs.entries(text)).lower()
    return [f for f in findings if f.key.lower() not in listed]
