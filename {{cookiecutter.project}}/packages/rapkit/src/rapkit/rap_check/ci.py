"""Read CI configuration (GitHub Actions and GitLab CI) into jobs: triggers and commands.

G2 (tests run in CI) and G3 (the process runs on a schedule or event) are
about what CI *does*, so a workflow file existing is not enough: each job is
reduced to the events that start it and the shell commands it runs, and the
criteria look for the right commands under the right triggers.
"""

from __future__ import annotations

import ast
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# Events that mean "someone changed the code" (G2) and "time passed or data arrived" (G3).
CHANGE_EVENTS = frozenset({"push", "pull_request", "pull_request_target", "merge_request"})
UNATTENDED_EVENTS = frozenset(
    {"schedule", "repository_dispatch", "workflow_run", "trigger", "api", "pipeline"}
)
GITLAB_RESERVED = frozenset(
    {
        "after_script", "before_script", "cache", "default", "image", "include", "pages",
        "services", "stages", "variables", "workflow",
    }
)  # fmt: skip
# $CI_PIPELINE_SOURCE values, and `only:` keywords, mapped to our event names.
GITLAB_SOURCES = {
    "push": "push",
    "merge_request_event": "merge_request",
    "schedule": "schedule",
    "trigger": "trigger",
    "api": "api",
    "pipeline": "pipeline",
    "parent_pipeline": "pipeline",
    "web": "manual",
}
GITLAB_ONLY = {
    "branches": "push",
    "tags": "push",
    "merge_requests": "merge_request",
    "schedules": "schedule",
    "triggers": "trigger",
    "api": "api",
    "pipelines": "pipeline",
    "web": "manual",
}
GITLAB_DEFAULT_EVENTS = frozenset({"push", "merge_request"})  # no rules: every pipeline
_SOURCE_RE = re.compile(r"\$CI_PIPELINE_SOURCE\s*==\s*[\"']([a-z_]+)[\"']")
_SESSION_FLAGS = frozenset({"-s", "--session", "--sessions", "-e"})


@dataclass(frozen=True)
class CIJob:
    """One CI job: where it is defined, what starts it, and the commands it runs."""

    file: str
    name: str
    triggers: frozenset[str]
    commands: tuple[str, ...]


def load_ci_jobs(root: Path) -> tuple[list[CIJob], list[str]]:
    """Return every CI job in the project, and a message per file that could not be read."""
    jobs: list[CIJob] = []
    problems: list[str] = []
    workflows = sorted((root / ".github" / "workflows").glob("*.y*ml"))
    for path in workflows:
        document = _load_yaml(path, root, problems)
        jobs += github_jobs(document, path.relative_to(root).as_posix(), root)
    gitlab = root / ".gitlab-ci.yml"
    if gitlab.is_file():
        jobs += gitlab_jobs(_load_yaml(gitlab, root, problems), ".gitlab-ci.yml")
    return jobs, problems


def _load_yaml(path: Path, root: Path, problems: list[str]) -> dict[Any, Any]:
    """Parse a YAML file into a mapping; record a problem and return {} if that fails."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        problems.append(f"{path.relative_to(root).as_posix()} is not valid YAML: {exc}")
        return {}
    return loaded if isinstance(loaded, dict) else {}


def github_triggers(document: dict[Any, Any]) -> frozenset[str]:
    """Return the events in a workflow's ``on:`` (YAML 1.1 reads the key ``on`` as True)."""
    on = document.get("on", document.get(True))
    if isinstance(on, str):
        return frozenset({on})
    if isinstance(on, list):
        return frozenset(str(event) for event in on)
    if isinstance(on, dict):
        events = {str(event) for event in on}
        schedule = on.get("schedule")
        if not (isinstance(schedule, list) and any("cron" in item for item in schedule)):
            events.discard("schedule")  # a schedule without a cron entry never fires
        return frozenset(events)
    return frozenset()


def github_jobs(
    document: dict[Any, Any], file: str, root: Path, seen: frozenset[str] = frozenset()
) -> list[CIJob]:
    """Return the jobs of one workflow; local reusable workflows contribute their commands."""
    triggers = github_triggers(document)
    jobs = document.get("jobs")
    found = []
    for name, job in (jobs if isinstance(jobs, dict) else {}).items():
        if not isinstance(job, dict):
            continue
        commands = [str(step["run"]) for step in job.get("steps") or [] if "run" in step]
        uses = str(job.get("uses", ""))
        if uses.startswith("./") and uses not in seen:
            called = _load_yaml(root / uses, root, [])
            for inner in github_jobs(called, uses.removeprefix("./"), root, seen | {uses}):
                commands += inner.commands
        found.append(CIJob(file, str(name), triggers, tuple(commands)))
    return found


def gitlab_jobs(document: dict[Any, Any], file: str) -> list[CIJob]:
    """Return the jobs of a ``.gitlab-ci.yml`` (hidden ``.templates`` are not jobs).

    Jobs without their own ``rules:`` run in every pipeline that ``workflow: rules:``
    lets start, so they inherit its events (for example scheduled pipelines).
    """
    default = document.get("default")
    default = default if isinstance(default, dict) else {}
    workflow = document.get("workflow")
    rules = workflow.get("rules") if isinstance(workflow, dict) else None
    inherited = rule_events(rules) if isinstance(rules, list) else GITLAB_DEFAULT_EVENTS
    found = []
    for name, job in document.items():
        if not isinstance(name, str) or name in GITLAB_RESERVED or name.startswith("."):
            continue
        if not isinstance(job, dict):
            continue
        merged = _resolve_extends(name, document)
        before = merged.get("before_script", default.get("before_script", []))
        commands = [*_as_list(before), *_as_list(merged.get("script", []))]
        found.append(CIJob(file, name, gitlab_triggers(merged, inherited), tuple(commands)))
    return found


def _resolve_extends(
    name: str, document: dict[Any, Any], seen: frozenset[str] = frozenset()
) -> dict[Any, Any]:
    """Return job ``name`` with the keys of the jobs it ``extends`` merged under its own."""
    job = document.get(name)
    if not isinstance(job, dict) or name in seen:
        return {}
    merged: dict[Any, Any] = {}
    for parent in _as_list(job.get("extends", [])):
        merged.update(_resolve_extends(parent, document, seen | {name}))
    merged.update(job)
    return merged


def rule_events(rules: list[Any]) -> frozenset[str]:
    """Return the events a list of GitLab ``rules:`` lets run (``when: never`` excluded)."""
    events: set[str] = set()
    for rule in rules:
        if not isinstance(rule, dict) or rule.get("when") == "never":
            continue
        sources = _SOURCE_RE.findall(str(rule.get("if", "")))
        events |= {GITLAB_SOURCES.get(source, source) for source in sources} or {"push"}
    return frozenset(events)


def gitlab_triggers(
    job: dict[Any, Any], inherited: frozenset[str] = GITLAB_DEFAULT_EVENTS
) -> frozenset[str]:
    """Return the events a GitLab job runs on, from its ``rules:``, ``only:`` or the workflow."""
    rules = job.get("rules")
    if isinstance(rules, list):
        return rule_events(rules)
    only = job.get("only")
    if only is not None:
        refs = only.get("refs", []) if isinstance(only, dict) else only
        return frozenset(GITLAB_ONLY.get(str(ref), "push") for ref in _as_list(refs))
    return inherited


def _as_list(value: Any) -> list[str]:
    """Return ``value`` as a list of strings (GitLab accepts a string or a list)."""
    if isinstance(value, list):
        return [str(item) for item in value]
    return [str(value)] if value else []


def _words(command: str) -> list[list[str]]:
    """Split a (possibly multi-line) shell command into the words of each line."""
    lines = command.replace("\\\n", " ").splitlines()
    split = []
    for line in lines:
        try:
            split.append(shlex.split(line, comments=True))
        except ValueError:  # unbalanced quotes: fall back to whitespace
            split.append(line.split())
    return [words for words in split if words]


def _nox_sessions(words: list[str]) -> list[str] | None:
    """Return the sessions a nox command line names, [] for its defaults, None if not nox."""
    if "nox" not in words:
        return None
    sessions: list[str] = []
    taking = False
    for word in words[words.index("nox") + 1 :]:
        if word in _SESSION_FLAGS:
            taking = True
        elif word.startswith("-"):
            taking = False
        elif taking:
            sessions.append(word)
    return sessions


def default_nox_sessions(root: Path) -> frozenset[str]:
    """Return the sessions ``nox`` runs with no ``-s`` (``nox.options.sessions`` in noxfile.py)."""
    path = root / "noxfile.py"
    if not path.is_file():
        return frozenset()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "nox.options.sessions":
            value = ast.literal_eval(node.value)
            return frozenset(str(item) for item in value)
    return frozenset()


def runs_tests(command: str, nox_defaults: frozenset[str]) -> bool:
    """Whether a CI command runs the test suite (pytest, or the nox ``tests`` session)."""
    for words in _words(command):
        if "pytest" in words:
            return True
        sessions = _nox_sessions(words)
        if sessions is not None and "tests" in (sessions or nox_defaults):
            return True
    return False


def runs_pipeline(command: str, entry_points: frozenset[str], nox_defaults: frozenset[str]) -> bool:
    """Whether a CI command runs the pipeline (directly, or via a nox session that does).

    ``entry_points`` are the names the pipeline is started by: the package (for
    ``python -m <package> run``) and any ``[project.scripts]`` names.
    """
    runners = {"pipeline", "reproduce", "rap"}
    for words in _words(command):
        for position, word in enumerate(words):
            if word in entry_points and {"run", "rap-check"} & set(words[position + 1 :]):
                return True
        sessions = _nox_sessions(words)
        if sessions is not None and runners & set(sessions or nox_defaults):
            return True
    return False
