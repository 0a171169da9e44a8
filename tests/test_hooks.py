"""The pre-generation hook rejects bad answers with a message, before writing anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from cookiecutter.exceptions import FailedHookException

from .conftest import generate

BAD_ANSWERS = [
    ({"project": "My Project"}, "is not a valid folder/distribution name"),
    ({"project": "9lives"}, "is not a valid folder/distribution name"),
    ({"project": "double--hyphen"}, "is not a valid folder/distribution name"),
    ({"package": "my-package"}, "is not a valid Python import name"),
    ({"package": "Café"}, "is not a valid Python import name"),
    ({"package": "class"}, "is a Python keyword"),
    ({"package": "match"}, "is a Python keyword"),
    ({"package": "statistics"}, "would shadow the standard library"),
    ({"package": "logging"}, "would shadow the standard library"),
    ({"package": "polars"}, "would shadow a dependency or tool"),
    ({"package": "pandera"}, "would shadow a dependency or tool"),
    ({"package": "test"}, "would shadow a dependency or tool"),
    ({"author_email": "not-an-email"}, "is not an email address"),
    ({"author_email": "a@b"}, "is not an email address"),
    ({"author_email": "x y@example.org"}, "is not an email address"),
    ({"project_name": "   "}, "project_name is empty"),
]


@pytest.mark.parametrize(("answers", "message"), BAD_ANSWERS, ids=[str(a) for a, _ in BAD_ANSWERS])
def test_bad_answer_is_rejected_with_message(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], answers: dict[str, str], message: str
) -> None:
    with pytest.raises(FailedHookException):
        generate(tmp_path, **answers)
    err = capfd.readouterr().err
    assert "cannot generate the project" in err
    assert message in err
    assert list(tmp_path.iterdir()) == [], "nothing may be left behind"


def test_every_problem_is_reported_at_once(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(FailedHookException):
        generate(tmp_path, package="json", author_email="nobody")
    err = capfd.readouterr().err
    assert "would shadow the standard library" in err
    assert "is not an email address" in err


def test_derived_names_follow_project_name(tmp_path: Path) -> None:
    folder = generate(tmp_path, project_name="Green Space Access 2026")
    assert folder.name == "green-space-access-2026"
    assert (folder / "src" / "green_space_access_2026").is_dir()
