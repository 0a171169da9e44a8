"""The documentation says true things: links resolve, and the commands it shows exist.

Checked for the template's own site (``docs/``) and for the pages of a generated project
(its README, ``docs/`` and ``reports/README.md``). Commands are read from ``bash`` code
blocks and from inline code that starts with a command. By convention ``uvx nox`` runs in a
generated project and plain ``nox`` in the template repository.

Then both sites as readers meet them (marked ``generated``: they need the package index,
the real Quarto CLI, Chromium and axe-core, which ``.ci/run`` installs): the template's
site, built as ``nox -s docs`` builds it, and a generated project's site (``uvx nox -s
docs``), every page opened in headless Chromium with the network blocked
(``report_checks.check_site``); the starters' schema pages and the API reference list every
column of every Pandera model, and every signature shows its types.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from . import report_checks
from .conftest import CHOICES, CONTEXT, TEMPLATE, clean_env, generate, quarto_or_fail, which_or_skip
from .test_generated import run_nox

DOCS = TEMPLATE / "docs"
PACKAGE = "my_rap_project"  # the default package name, used in the docs' examples
FENCE = re.compile(r"^```+\s*\{?\.?([\w-]*)[^\n]*\n(.*?)^```+\s*$", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*(?:\{([^}]*)\})?\s*$", re.MULTILINE)
INLINE_COMMAND = re.compile(r"`((?:uvx nox|uv run python -m|python -m|nox -s|cruft) [^`]+)`")
KNOWN_PROGRAMS = {"cd", "git", "python", "python3", "uv", "uvx", "nox", "cookiecutter", "cruft", "quarto"}
# Files a generated project's docs link to that `nox -s docs` builds (checked in test_reports.py).
BUILT_BY_DOCS_SESSION = frozenset({"docs/data-dictionary.md", "docs/reference/index.qmd"})
# Pages of the template site that `nox -s docs` builds: the rapkit API reference
# (quartodoc) and the starters' schema pages (docs/_schema_pages.py).
SCHEMA_PAGES = ("social-isolation", "child-attainment", "green-space", "active-travel", "skills", "example")
TEMPLATE_BUILT = frozenset({"reference/index.qmd", *(f"schemas/{page}.qmd" for page in SCHEMA_PAGES)})


def template_pages() -> list[Path]:
    """Every page of the template's documentation site."""
    built = {"_site", "reference", "schemas"}  # Quarto's output, quartodoc's and _schema_pages.py's
    return sorted(p for p in DOCS.rglob("*.qmd") if not built & set(p.relative_to(DOCS).parts))


def generated_pages(project: Path) -> list[Path]:
    """The Markdown pages of a generated project that show links and commands."""
    pages = [project / "README.md", project / "reports" / "README.md", project / "CONTRIBUTING.md"]
    return pages + sorted((project / "docs").rglob("*.qmd"))


def without_code(text: str) -> str:
    """Remove fenced code blocks and inline code, where links are not links."""
    return re.sub(r"`[^`\n]*`", "", FENCE.sub("", text))


def pandoc_id(heading: str) -> str:
    """The identifier pandoc (and so Quarto) gives a heading, for #anchor links."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = unicodedata.normalize("NFC", text).lower()
    text = re.sub(r"[^\w\s.-]", "", text)
    text = re.sub(r"\s+", "-", text.strip())
    return re.sub(r"^[^a-z]+", "", text) or "section"


def anchors(page: Path) -> set[str]:
    """Every heading identifier of a page (explicit ``{#id}`` or pandoc's automatic one)."""
    found = set()
    for title, attributes in HEADING.findall(FENCE.sub("", page.read_text(encoding="utf-8"))):
        explicit = re.search(r"#([\w-]+)", attributes or "")
        found.add(explicit.group(1) if explicit else pandoc_id(title))
    return found


def broken_links(page: Path, root: Path, built: frozenset[str] = frozenset()) -> list[str]:
    """Return every internal link of ``page`` whose file or anchor does not exist."""
    problems = []
    for target in LINK.findall(without_code(page.read_text(encoding="utf-8"))):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ...
            continue
        path_part, _, anchor = target.partition("#")
        resolved = (page.parent / path_part).resolve() if path_part else page
        relative = resolved.relative_to(root.resolve()).as_posix() if resolved.is_relative_to(root) else ""
        if relative in built:
            continue
        if not resolved.exists():
            problems.append(f"{page.relative_to(root)}: {target} (no such file)")
        elif anchor and resolved.is_file() and anchor not in anchors(resolved):
            problems.append(f"{page.relative_to(root)}: {target} (no heading #{anchor})")
    return problems


def quarto_targets(config: Path) -> Iterator[str]:
    """Every page a Quarto ``_quarto.yml`` navigation refers to."""

    def walk(node: object) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in {"href", "file"} and isinstance(value, str):
                    yield value
                else:
                    yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)
        elif isinstance(node, str) and node.endswith((".qmd", ".md")):
            yield node

    yield from walk(yaml.safe_load(config.read_text(encoding="utf-8")).get("website", {}))


def commands(page: Path) -> Iterator[list[str]]:
    """Every shell command shown on ``page``, as argument lists."""
    text = page.read_text(encoding="utf-8")
    lines = [
        line
        for language, body in FENCE.findall(text)
        if language in {"bash", "sh", "shell", "console"}
        for line in body.splitlines()
    ]
    lines += INLINE_COMMAND.findall(without_fences(text))
    for line in lines:
        for part in re.split(r"&&|\|\||;", line):
            words = shlex.split(part, comments=True)
            if words:
                yield words


def without_fences(text: str) -> str:
    """Remove fenced code blocks only."""
    return FENCE.sub("", text)


def test_template_docs_links_resolve() -> None:
    problems = [problem for page in template_pages() for problem in broken_links(page, TEMPLATE)]
    assert problems == []


def test_template_docs_navigation_covers_every_page() -> None:
    config = DOCS / "_quarto.yml"
    targets = set(quarto_targets(config))
    missing = sorted(t for t in targets - TEMPLATE_BUILT if not (DOCS / t).is_file())
    assert missing == [], f"_quarto.yml refers to missing pages: {missing}"
    pages = {p.relative_to(DOCS).as_posix() for p in template_pages()}
    assert sorted(pages - targets) == [], "every page should be reachable from the sidebar"


def test_every_starter_has_a_catalogue_page() -> None:
    catalogue = (DOCS / "starters" / "index.qmd").read_text(encoding="utf-8")
    for starter in CHOICES["starter"]:
        assert f"(`{starter}`)" in catalogue, f"starter {starter!r} is missing from the catalogue"
        page = "example" if starter == "none" else starter.replace("_", "-")
        text = (DOCS / "starters" / f"{page}.qmd").read_text(encoding="utf-8")
        assert f"`starter={starter}`" in text


def test_options_page_documents_every_option() -> None:
    text = (DOCS / "options.qmd").read_text(encoding="utf-8")
    for option in CONTEXT:
        if option.startswith("_"):
            continue
        assert f"`{option}`" in text, f"option {option!r} is not documented"
        for value in CHOICES.get(option, []):
            assert value in text, f"{option}={value} is not documented"


def test_options_page_states_the_real_defaults() -> None:
    text = (DOCS / "options.qmd").read_text(encoding="utf-8")
    for option, values in CHOICES.items():
        stated = re.search(rf"^`{option}` \[([^\]]+)\]", text, flags=re.MULTILINE)
        assert stated is not None, f"options.qmd should state the default of {option!r}"
        assert stated.group(1).strip("`") == values[0], f"the default of {option!r} is {values[0]!r}"


def test_pandoc_identifiers() -> None:
    assert pandoc_id("We cannot reach GitHub") == "we-cannot-reach-github"
    assert pandoc_id("1. Stages and `schemas`!") == "stages-and-schemas"
    assert pandoc_id("RAP levels (NHS)") == "rap-levels-nhs"


def test_link_checker_finds_broken_links(tmp_path: Path) -> None:
    (tmp_path / "a.qmd").write_text("# Title\n\n## Real part\n", encoding="utf-8")
    page = tmp_path / "b.qmd"
    page.write_text(
        "[ok](a.qmd) [ok](a.qmd#real-part) [bad](missing.qmd) [bad](a.qmd#nope) "
        "[web](https://example.org) `[not](a link)`\n\n```bash\n[no](code.qmd)\n```\n",
        encoding="utf-8",
    )
    assert broken_links(page, tmp_path) == [
        "b.qmd: missing.qmd (no such file)",
        "b.qmd: a.qmd#nope (no heading #nope)",
    ]


# ---------------------------------------------------------------- commands


def nox_sessions(noxfile: Path) -> set[str]:
    """Names of the sessions a noxfile defines (``@nox.session`` functions)."""
    names = set()
    for node in ast.walk(ast.parse(noxfile.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            target = call.func if call else decorator
            if ast.unparse(target) != "nox.session":
                continue
            name = next((k.value for k in (call.keywords if call else []) if k.arg == "name"), None)
            names.add(name.value if isinstance(name, ast.Constant) else node.name)
    return names


def argparse_interface(module: Path) -> tuple[set[str], set[str]]:
    """Subcommands and option strings an argparse command line in ``module`` accepts."""
    subcommands, options = set(), {"--help", "-h"}
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            strings = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if node.func.attr == "add_parser" and strings:
                subcommands.add(strings[0])
            elif node.func.attr == "add_argument":
                options.update(s for s in strings if s.startswith("-"))
    return subcommands, options


def module_source(program: str, project: Path) -> Path | None:
    """The file behind ``python -m PROGRAM`` in a generated project, or None.

    ``python -m <package>`` is the rapkit command line (the package's ``__main__`` calls
    it), and ``rapkit.*`` modules live in the vendored library under ``packages/rapkit``.
    """
    library = project / "packages" / "rapkit" / "src"
    parts = program.split(".")
    if parts == [PACKAGE] and (project / "src" / PACKAGE / "__main__.py").is_file():
        parts = ["rapkit"]
    base = library if parts[0] == "rapkit" else project / "src"
    module = base / Path(*parts)
    candidates = (
        [module / "cli.py", module / "__main__.py"] if module.is_dir() else [module.with_suffix(".py")]
    )
    return next((c for c in candidates if c.is_file()), None)


def check_command(words: list[str], project: Path, *, in_project: bool = False) -> str | None:
    """Return what is wrong with one documented command, or None if it refers to real things.

    ``in_project``: the command is shown in a generated project's own pages, where every
    ``nox`` runs that project's sessions.
    """
    if words[0] not in KNOWN_PROGRAMS:
        return f"unknown program {words[0]!r}: add it to KNOWN_PROGRAMS if it is real"
    if words[:2] == ["uv", "run"]:
        words = words[2:]
    generated = in_project or words[0] == "uvx"
    if words[0] == "uvx":
        words = words[1:]
    if words[:2] == ["python", "-m"] or words[:2] == ["python3", "-m"]:
        words = words[2:]
    program, args = words[0], words[1:]
    if program == "nox":
        noxfile = project / "noxfile.py" if generated else TEMPLATE / "noxfile.py"
        known = nox_sessions(noxfile)
        named = []
        if "-s" in args:
            for arg in args[args.index("-s") + 1 :]:
                if arg.startswith("-"):
                    break
                named.append(arg)
        unknown = sorted(set(named) - known)
        return f"nox session(s) {unknown} not in {noxfile.name} ({sorted(known)})" if unknown else None
    if program == "cookiecutter":
        for arg in args:
            key, equals, value = arg.partition("=")
            if equals and not arg.startswith("-"):
                if key not in CONTEXT or key.startswith("_"):
                    return f"cookiecutter has no option {key!r}"
                if key in CHOICES and value not in CHOICES[key]:
                    return f"{key}={value} is not one of {CHOICES[key]}"
        return None
    if program == "cruft":
        cruft = which_or_skip("cruft")
        help_text = subprocess.run([cruft, args[0], "--help"], capture_output=True, text=True, check=False)
        if help_text.returncode != 0:
            return f"cruft has no command {args[0]!r}"
        missing = [a for a in args[1:] if a.startswith("--") and a not in help_text.stdout]
        return f"cruft {args[0]} has no option(s) {missing}" if missing else None
    if program.split(".")[0] in {PACKAGE, "rapkit"}:
        source = module_source(program, project)
        if source is None:
            return f"no module {program} in the generated project"
        subcommands, options = argparse_interface(source)
        positionals = [a for a in args if not a.startswith("-")]
        if subcommands and not set(positionals) & subcommands:
            return f"{program} {' '.join(args)}: no subcommand among {sorted(subcommands)}"
        unknown = [a for a in args if a.startswith("-") and a.split("=")[0] not in options]
        return f"{program}: unknown option(s) {unknown}" if unknown else None
    if program == "quarto" and args[:1] not in (["render"], ["preview"]):
        return f"quarto {args[:1]}: only render and preview are documented"
    return None


def test_template_docs_commands_are_real(default_project: Path) -> None:
    pages = [*template_pages(), TEMPLATE / "README.md"]
    problems = [
        f"{page.relative_to(TEMPLATE)}: {' '.join(words)}: {problem}"
        for page in pages
        for words in commands(page)
        if (problem := check_command(words, default_project))
    ]
    assert problems == []


def test_command_checker_catches_what_does_not_exist(default_project: Path) -> None:
    def check(line: str) -> str | None:
        return check_command(shlex.split(line), default_project)

    assert check("uvx nox -s lint tests") is None
    assert check("nox -s tests -- -m 'not generated'") is None
    assert "report" in str(check("nox -s report"))  # a generated session, not a template one
    assert "reprot" in str(check("uvx nox -s reprot"))
    assert check(f"uv run python -m {PACKAGE} --config c.toml run --out x") is None
    assert check("python -m rapkit.reporting data-dictionary docs/dd.md") is None
    assert "no subcommand" in str(check(f"python -m {PACKAGE} runn"))
    assert "unknown option" in str(check(f"python -m {PACKAGE} run --outt x"))
    assert "no module" in str(check(f"python -m {PACKAGE}.nothing"))
    assert check("python -m cookiecutter --no-input . starter=none ci=gitlab") is None
    assert "not one of" in str(check("python -m cookiecutter . starter=loneliness"))
    assert "no option" in str(check("cookiecutter . colour=blue"))
    assert "unknown program" in str(check("make all"))


@pytest.mark.parametrize("starter", CHOICES["starter"])
def test_generated_docs_links_commands_and_modules_exist(tmp_path: Path, starter: str) -> None:
    project = generate(tmp_path, starter=starter)
    config_path = project / "docs" / "_quarto.yml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    package = project / "src" / config["quartodoc"]["package"]
    assert not (package / "cli.py").exists(), "the framework lives in rapkit, not in the project"
    names = [item["name"] for section in config["quartodoc"]["sections"] for item in section["contents"]]
    missing = [
        name
        for name in names
        if not (package / Path(*name.split("."))).with_suffix(".py").is_file()
        and not (package / Path(*name.split(".")) / "__init__.py").is_file()
    ]
    assert missing == [], f"quartodoc sections name modules that do not exist: {missing}"
    pages = [t for t in quarto_targets(config_path) if f"docs/{t}" not in BUILT_BY_DOCS_SESSION]
    assert [t for t in pages if not (project / "docs" / t).is_file()] == []
    assert len(list((project / "docs" / "starters").iterdir())) == 1
    assert len(list((project / "reports").glob("*.qmd"))) == 1
    problems = []
    for page in generated_pages(project):
        problems += broken_links(page, project, BUILT_BY_DOCS_SESSION)
        problems += [
            f"{page.relative_to(project)}: {' '.join(words)}: {problem}"
            for words in commands(page)
            if (problem := check_command(words, project, in_project=True))
        ]
    assert problems == []


def test_cruft_workflow_from_the_updating_page(tmp_path: Path) -> None:
    """`cruft create` from a local clone, then `cruft check`, as docs/updating.qmd shows."""
    cruft = which_or_skip("cruft")
    env = {**clean_env(), "COOKIECUTTER_RAP_NO_LOCK": "1"}
    created = subprocess.run(
        [cruft, "create", str(TEMPLATE), "--no-input", "--output-dir", str(tmp_path),
         "--extra-context", '{"licence": "Apache-2.0"}'],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    project = tmp_path / "my-rap-project"
    assert "Apache License" in (project / "LICENSE").read_text(encoding="utf-8")
    assert '"licence": "Apache-2.0"' in (project / ".cruft.json").read_text(encoding="utf-8")
    checked = subprocess.run(
        [cruft, "check"], cwd=project, capture_output=True, text=True, env=env, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


# ---------------------------------------------------------------- the site, as readers meet it
#
# The template's docs site built as `nox -s docs` builds it (starters' schema pages, the
# quartodoc API reference, then the real Quarto CLI), once per session in a copy of docs/,
# then opened page by page in headless Chromium with the network blocked.


PIPELINES = TEMPLATE / "{{cookiecutter.project}}" / "src" / "{{cookiecutter.package}}" / "pipelines"
RAPKIT = TEMPLATE / "{{cookiecutter.project}}" / "packages" / "rapkit"


def test_every_starter_has_a_schema_page_in_the_sidebar() -> None:
    pipelines = sorted(p.name.replace("_", "-") for p in PIPELINES.iterdir() if (p / "schemas.py").is_file())
    assert sorted(SCHEMA_PAGES) == pipelines
    assert len(pipelines) == len(CHOICES["starter"])
    targets = set(quarto_targets(DOCS / "_quarto.yml"))
    assert {f"schemas/{page}.qmd" for page in SCHEMA_PAGES} <= targets


@dataclass(frozen=True)
class Site:
    """The template's docs site, built in ``docs`` (a copy) with the tools in ``python``'s venv."""

    docs: Path
    python: Path

    @property
    def html(self) -> Path:
        return self.docs / "_site"


def run_checked(args: list[str], cwd: Path, **env: str) -> str:
    """Run a build step; fail with its output when it fails."""
    done = subprocess.run(
        args, cwd=cwd, env=clean_env(**env), capture_output=True, text=True, check=False, timeout=900
    )
    assert done.returncode == 0, f"{' '.join(args)}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="session")
def docs_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """Build the site once: rapkit and the `docs` group in a fresh venv, then the three steps.

    The same steps as ``nox -s docs``, in a copy of ``docs/`` beside a link to the
    template's project folder (quartodoc and the schema pages read the library and the
    starters through ``../{{cookiecutter.project}}``), so the working tree is not touched.
    """
    quarto = quarto_or_fail("to build the docs sites")
    root = tmp_path_factory.mktemp("docs-site")
    docs = root / "docs"
    shutil.copytree(
        DOCS, docs, ignore=shutil.ignore_patterns("_site", "reference", "schemas", ".quarto", "objects.json")
    )
    (root / "{{cookiecutter.project}}").symlink_to(TEMPLATE / "{{cookiecutter.project}}")
    uv = which_or_skip("uv")
    venv = root / "venv"
    run_checked([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], root)
    python = venv / "bin" / "python"
    group = tomllib.loads((TEMPLATE / "pyproject.toml").read_text(encoding="utf-8"))["dependency-groups"][
        "docs"
    ]
    run_checked([uv, "pip", "install", "--quiet", "--python", str(python), *group, str(RAPKIT)], root)
    path = f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"
    run_checked([str(python), "_schema_pages.py"], docs, PATH=path)
    run_checked([str(venv / "bin" / "quartodoc"), "build"], docs, PATH=path)
    run_checked([quarto, "render"], docs, PATH=path)
    return Site(docs, python)


@pytest.mark.generated
@pytest.mark.xdist_group("docs-site")
def test_docs_site_in_the_browser(docs_site: Site) -> None:
    """Every page: nothing fetched from elsewhere, no serious or critical axe-core violation
    (WCAG 2.2 AA), no sideways scroll at 400 or 1280 px, no console error.

    ``DOCS_SCREENSHOTS=folder`` keeps a screenshot of each page at each width.
    """
    shots = os.environ.get("DOCS_SCREENSHOTS")
    results = report_checks.check_site(docs_site.html, Path(shots) if shots else None)
    pages = {f"{Path(t).with_suffix('.html').as_posix()}" for t in quarto_targets(DOCS / "_quarto.yml")}
    assert pages <= set(results), f"pages not checked: {sorted(pages - set(results))}"
    assert len(results) > len(pages), "the API reference has a page per module"
    problems = {page: found for page, result in results.items() if (found := result.problems())}
    assert problems == {}, json.dumps(problems, indent=2)


@pytest.mark.generated
@pytest.mark.xdist_group("docs-site")
def test_generated_project_docs_site_in_the_browser(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A generated project's own site (``uvx nox -s docs``, the default starter), checked the same way.

    There is no pure-Python path for the docs site: without Quarto the session builds the
    data dictionary and the API reference pages and says it skipped rendering.
    """
    quarto_or_fail("to build the docs sites")
    project = generate(tmp_path_factory.mktemp("project-docs"), lock=True)
    done = run_nox(project, "docs")
    assert done.returncode == 0, (done.stdout + done.stderr)[-5000:]
    site = project / "docs" / "_site"
    shots = os.environ.get("DOCS_SCREENSHOTS")
    results = report_checks.check_site(site, Path(shots) / "project" if shots else None)
    assert {"index.html", "data-dictionary.html", "reference/index.html"} <= set(results)
    problems = {page: found for page, result in results.items() if (found := result.problems())}
    assert problems == {}, json.dumps(problems, indent=2)


def section(page: str, ident: str) -> str:
    """The HTML of the ``<section id=ident>`` of a page, with the sections nested in it."""
    start = page.index(f'<section id="{ident}"')
    depth = 0
    for tag in re.finditer(r"<(/?)section\b", page[start:]):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return page[start : start + tag.end()]
    return page[start:]


def listed_columns(html: str) -> set[str]:
    """The column names a data-dictionary table lists (first cell of each row, as code)."""
    return set(re.findall(r"<tr[^>]*>\s*<td[^>]*><code>([^<]+)</code></td>", html))


COLUMNS_SCRIPT = """
import importlib, json, sys
from pathlib import Path
import pandera.polars as pa
import yaml
sys.path.insert(0, ".")
import _schema_pages
config = yaml.safe_load(open("_quarto.yml", encoding="utf-8"))["quartodoc"]
models = {}
source = Path(config["source_dir"]) / "rapkit"
for part in config["sections"]:
    for name in part["contents"]:
        file = source / (name.replace(".", "/") + ".py")
        if "pandera" not in file.read_text(encoding="utf-8"):
            continue  # no models (and rapkit.render needs the report extra to import)
        module = importlib.import_module(f"rapkit.{name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, pa.DataFrameModel) and value.__module__ == module.__name__:
                models[f"{module.__name__}.{value.__name__}"] = [name, list(value.to_schema().columns)]
print(json.dumps({"starters": _schema_pages.columns(), "rapkit": models}))
"""


@pytest.fixture(scope="session")
def schema_columns(docs_site: Site) -> dict[str, Any]:
    """Every column of every Pandera model, as Pandera sees it, from the site's venv."""
    return json.loads(run_checked([str(docs_site.python), "-c", COLUMNS_SCRIPT], docs_site.docs))


@pytest.mark.generated
@pytest.mark.xdist_group("docs-site")
def test_schema_pages_list_every_column(docs_site: Site, schema_columns: dict[str, Any]) -> None:
    starters: dict[str, dict[str, list[str]]] = schema_columns["starters"]
    assert sorted(starters) == sorted(SCHEMA_PAGES)
    missing = []
    for slug, models in starters.items():
        assert models, f"{slug}: no Pandera models found"
        page = (docs_site.html / "schemas" / f"{slug}.html").read_text(encoding="utf-8")
        for model, columns in models.items():
            listed = listed_columns(section(page, pandoc_id(f"`{model}`")))
            missing += [f"schemas/{slug}: {model}.{column}" for column in columns if column not in listed]
    assert missing == []


@pytest.mark.generated
@pytest.mark.xdist_group("docs-site")
def test_api_reference_lists_every_model_column(docs_site: Site, schema_columns: dict[str, Any]) -> None:
    models: dict[str, list[Any]] = schema_columns["rapkit"]
    assert len(models) >= 5, "the importers define Pandera models"
    missing = []
    for path, (module, columns) in models.items():
        page = (docs_site.html / "reference" / f"{module}.html").read_text(encoding="utf-8")
        model = section(page, path)
        assert "doc-section-columns" in model, f"{path}: no Columns section"
        listed = listed_columns(model)
        missing += [f"{path}.{column}" for column in columns if column not in listed]
    assert missing == []


# quartodoc writes each object's heading (with its path as anchor), then its signature.
SIGNATURE = re.compile(
    r"^#+ [^\n]*\{ #(?P<path>[\w.]+) \}\n\n```python\n(?P<signature>.*?)\n```$", re.MULTILINE | re.DOTALL
)
CALL = re.compile(r"(?P<name>[\w.]+)\((?P<params>.*)\)(?: -> (?P<returns>.+))?", re.DOTALL)


def top_level_split(params: str) -> list[str]:
    """Split a parameter list at the commas outside brackets (``Mapping[str, int]`` stays whole)."""
    parts, depth, current = [], 0, ""
    for char in params:
        depth += (char in "[({") - (char in "])}")
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def signature_problems(reference: str) -> list[str]:
    """Functions whose signature shows no return type, and parameters shown without a type."""
    problems = []
    for match in SIGNATURE.finditer(reference):
        call = CALL.fullmatch(match["signature"])
        if call is None:
            problems.append(f"{match['path']}: unreadable signature {match['signature']!r}")
            continue
        is_class = match["path"].rsplit(".", 1)[-1][:1].isupper()
        if not is_class and not call["returns"]:
            problems.append(f"{match['path']}: no return type")
        params = [p.strip() for p in top_level_split(call["params"]) if p.strip()]
        problems += [
            f"{match['path']}: {p} has no type" for p in params if p not in {"*", "/"} and ":" not in p
        ]
    return problems


def test_signature_checker() -> None:
    text = (
        "## read { #rapkit.io.read }\n\n```python\nio.read(path: Path, *, rows: int = 5) -> pl.DataFrame\n```\n"
        "## Thing { #rapkit.io.Thing }\n\n"
        "```python\nio.Thing(name: str, pairs: dict[str, tuple[int, int]] | None = None)\n```\n"
        "## bad { #rapkit.io.bad }\n\n```python\nio.bad(\n    path,\n    other: int,\n)\n```\n"
        "## worse { #rapkit.io.worse }\n\n```python\nio.worse(path: Path) None\n```\n"
        "An example:\n\n```python\nprint(1)\n```\n"
    )
    assert signature_problems(text) == [
        "rapkit.io.bad: no return type",
        "rapkit.io.bad: path has no type",
        "rapkit.io.worse: unreadable signature 'io.worse(path: Path) None'",
    ]


@pytest.mark.generated
@pytest.mark.xdist_group("docs-site")
def test_api_reference_shows_types_and_no_stray_markup(docs_site: Site) -> None:
    reference = docs_site.docs / "reference"
    pages = sorted(reference.glob("*.qmd"))
    assert len(pages) > 10
    problems = []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        problems += [f"{page.name}: {p}" for p in signature_problems(text)]
        assert SIGNATURE.search(text) or page.name == "index.qmd", f"{page.name}: no signature found"
        shown = report_checks.visible_text(
            (docs_site.html / "reference" / page.with_suffix(".html").name).read_text(encoding="utf-8"),
            keep_code=False,
        )
        problems += [
            f"{page.name}: stray markup ...{shown[max(m.start() - 40, 0) : m.end() + 40]}..."
            for m in re.finditer(r"::(?=\s|$)|:(?:py:)?(?:class|func|meth|mod|attr|exc|obj|data):|>>>", shown)
        ]
    assert problems == []
