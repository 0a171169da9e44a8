"""The generated project's pre-commit hooks pass on their very first run and change nothing."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from .conftest import clean_env, generate, git, which_or_skip

SAFETY_HOOKS = {"check-added-large-files", "no-data-files", "detect-secrets", "nbstripout", "mypy", "zizmor"}


def test_every_hook_installs_from_pypi_alone(default_project: Path) -> None:
    config = yaml.safe_load((default_project / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert [repo["repo"] for repo in config["repos"]] == ["local"]
    hooks = {hook["id"]: hook for hook in config["repos"][0]["hooks"]}
    assert set(hooks) >= SAFETY_HOOKS
    for hook in hooks.values():
        assert hook["language"] in {"python", "fail", "system"}, hook["id"]
        for requirement in hook.get("additional_dependencies", []):
            assert "==" in requirement, f"{hook['id']}: pin {requirement}"
    assert hooks["no-data-files"]["language"] == "fail"
    assert hooks["mypy"]["entry"].startswith("uv run --locked")
    assert (default_project / ".secrets.baseline").is_file()


@pytest.mark.generated
@pytest.mark.parametrize("ci", ["both", "none"])
def test_first_run_passes_without_modifying_files(tmp_path: Path, ci: str) -> None:
    """Fresh project, locked, committed: `pre-commit run --all-files` passes and leaves it clean."""
    project = generate(tmp_path, lock=True, ci=ci)
    assert (project / "uv.lock").is_file()
    assert git(project, "status", "--porcelain") == ""
    done = subprocess.run(
        [which_or_skip("pre-commit"), "run", "--all-files", "--show-diff-on-failure"],
        cwd=project,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    results = dict(
        re.findall(r"^(.+?)\.{3,}(?:\(no files to check\))?(Passed|Skipped)$", done.stdout, re.MULTILINE)
    )
    assert results["detect secrets"] == "Passed"
    assert results["mypy (strict)"] == "Passed"
    assert results["zizmor (GitHub Actions security audit)"] == ("Passed" if ci == "both" else "Skipped")
    assert git(project, "status", "--porcelain") == ""
