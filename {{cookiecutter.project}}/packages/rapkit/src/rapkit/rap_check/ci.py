"""Read CI configuration (GitHub Actions and GitLab CI) into jobs: triggers and commands.

G2 (tests run in CI) and G3 (the process runs on a schedule or event) are
about what CI *does*, so a workflow file existing is not enough: each job is
reduced to the events that start it and the shell commands it runs, and the
criteria look for the right commands under the right triggers.

A job or step that cannot fail CI does not count, because a check whose
failure nobody sees is no check: a job switched off (GitHub ``if: false``,
GitLab ``when: never`` or ``rules`` that match no pipeline), started only by
hand (``when: manual``), or allowed to fail (``continue-on-error``,
``allow_failure``); and a command that is only printed (``echo uvx nox -s
tests``), whose failure is swallowed (``|| true``, ``set +e``) or piped into
another command (the pipe's last command decides the exit status).
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
# Commands that only print or do nothing: a test command after them is text, not a run.
_INERT = frozenset({"echo", "printf", "true", ":", "cat"})
_SEPARATORS = frozenset({"&&", ";", "||", "|"})
_SWALLOWED = re.compile(r"\|\|\s*(true|:|exit\s+0|echo)\b|^\s*set\s+\+e\b", re.MULTILINE)
_FALSE = frozenset({"false", "0", "${{false}}", "${{0}}", "${{!true}}"})


@dataclass(frozen=True)
class CIJob:
    """One CI job: where it is defined, what starts it, and the commands it runs."""

    file: str
    name: str
    triggers: frozenset[str]
    commands: tuple[str, ...]
    disabled: str = ""  # why the job cannot fail CI (empty when it can)


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


def is_false(condition: Any) -> bool:
    """Whether a GitHub ``if:`` condition is the constant false (the job or step never runs)."""
    if condition is False:
        return True
    return str(condition).replace(" ", "").lower() in _FALSE


def _github_disabled(job: dict[Any, Any]) -> str:
    """Why a GitHub Actions job never runs or can never fail the workflow (empty if neither)."""
    if "if" in job and is_false(job["if"]):
        return f"if: {job['if']} (never runs)"
    if job.get("continue-on-error") is True:
        return "continue-on-error: true (its failure never fails the workflow)"
    return ""


def _github_step_commands(job: dict[Any, Any]) -> list[str]:
    """The commands of the steps that run and whose failure fails the job."""
    commands = []
    for step in job.get("steps") or []:
        if not isinstance(step, dict) or "run" not in step:
            continue
        if ("if" in step and is_false(step["if"])) or step.get("continue-on-error") is True:
            continue
        commands.append(str(step["run"]))
    return commands


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
        commands = _github_step_commands(job)
        uses = str(job.get("uses", ""))
        if uses.startswith("./") and uses not in seen:
            called = _load_yaml(root / uses, root, [])
            for inner in github_jobs(called, uses.removeprefix("./"), root, seen | {uses}):
                if not inner.disabled:
                    commands += inner.commands
        found.append(CIJob(file, str(name), triggers, tuple(commands), _github_disabled(job)))
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
        triggers = gitlab_triggers(merged, inherited)
        found.append(CIJob(file, name, triggers, tuple(commands), _gitlab_disabled(merged)))
    return found


def _gitlab_disabled(job: dict[Any, Any]) -> str:
    """Why a GitLab job never runs by itself or can never fail the pipeline (empty if neither)."""
    when = job.get("when")
    if when in {"never", "manual"}:
        return f"when: {when} (never runs by itself)"
    if job.get("allow_failure") not in (None, False):
        return f"allow_failure: {job['allow_failure']} (its failure never fails the pipeline)"
    return ""


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
    """Return the events a list of GitLab ``rules:`` lets run (``when: never``/``manual`` excluded).

    A rule whose ``if:`` names a pipeline source that does not exist matches no
    event we know, so a job with only such rules runs on nothing.
    """
    events: set[str] = set()
    for rule in rules:
        if not isinstance(rule, dict) or rule.get("when") in {"never", "manual"}:
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
    """Split a shell script into the words of each simple command that really runs and counts.

    A line whose failure is swallowed (``|| true``, ``set +e``) contributes
    nothing; nor does a command that only prints (``echo``), or one whose
    output is piped into another command (the last command of a pipe decides
    its exit status).
    """
    if _SWALLOWED.search(command):
        return []
    lines = command.replace("\\\n", " ").splitlines()
    found = []
    for line in lines:
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True  # words as the shell splits them, operators apart
        try:
            words = list(lexer)
        except ValueError:  # unbalanced quotes: fall back to whitespace
            words = line.split()
        found += _simple_commands(words)
    return found


def _simple_commands(words: list[str]) -> list[list[str]]:
    """Split one line's words at ``&&``, ``;``, ``||`` and ``|``; keep the commands that count."""
    commands: list[list[str]] = []
    current: list[str] = []
    for word in [*words, ";"]:
        if word not in _SEPARATORS:
            current.append(word)
            continue
        if current and current[0] not in _INERT and word != "|":
            commands.append(current)
        current = []
    return commands


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
