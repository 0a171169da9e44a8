"""Reject bad answers before cookiecutter writes anything.

Each problem is reported with what was wrong and what would be accepted, and
generation stops with exit status 1 so no half-made project is left behind.
"""

from __future__ import annotations

import json
import keyword
import re
import sys

# Names an import package must not take: they would shadow a module the
# generated project (or its tests and tools) imports.
RESERVED = {
    "conftest", "hypothesis", "mypy", "nox", "noxfile", "numpy", "pandas", "pandera",
    "polars", "pre_commit", "pytest", "ruff", "site", "src", "test", "tests", "yaml",
}  # fmt: skip

PROJECT_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
PACKAGE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
EMAIL_RE = re.compile(r"^[^@\s\"'<>]+@[^@\s\"'<>]+\.[A-Za-z]{2,}$")


def problems(answers: dict[str, str]) -> list[str]:
    """Return one message per invalid answer (empty when all are valid)."""
    found = []
    if not answers["project_name"].strip():
        found.append("project_name is empty: give the project a name, e.g. 'Social isolation RAP'.")
    project = answers["project"]
    if not PROJECT_RE.match(project):
        found.append(
            f"project {project!r} is not a valid folder/distribution name: use lower case "
            "ASCII letters and digits separated by single hyphens, starting with a letter "
            "(e.g. 'social-isolation-rap')."
        )
    package = answers["package"]
    if not PACKAGE_RE.match(package):
        found.append(
            f"package {package!r} is not a valid Python import name: use lower case ASCII "
            "letters, digits and underscores, starting with a letter (e.g. 'social_isolation_rap')."
        )
    elif keyword.iskeyword(package) or keyword.issoftkeyword(package):
        found.append(f"package {package!r} is a Python keyword: choose another name.")
    elif package in sys.stdlib_module_names:
        found.append(
            f"package {package!r} would shadow the standard library module of the same "
            "name: choose a more specific name (e.g. add your project's topic)."
        )
    elif package in RESERVED:
        found.append(
            f"package {package!r} would shadow a dependency or tool the project uses "
            f"({', '.join(sorted(RESERVED))}): choose another name."
        )
    email = answers["author_email"]
    if not EMAIL_RE.match(email):
        found.append(f"author_email {email!r} is not an email address like 'name@example.gov.uk'.")
    return found


def main() -> int:
    """Check the answers cookiecutter rendered into this file."""
    answers = json.loads(ANSWERS)
    found = problems(answers)
    if found:
        print("cookiecutter-rap: cannot generate the project:", file=sys.stderr)
        for message in found:
            print(f"  - {message}", file=sys.stderr)
        return 1
    return 0


# Cookiecutter renders the answers into this JSON text before running the hook.
ANSWERS = r"""{{ cookiecutter | tojson }}"""

if __name__ == "__main__":
    sys.exit(main())
