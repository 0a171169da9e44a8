"""Tests of typed pipeline parameters (rapkit.Parameters)."""

from __future__ import annotations

import pydantic
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapkit import ConfigError, Parameters


class Demo(Parameters):
    """Two parameters of the kinds pipelines use most: a number and a list of codes."""

    older_age: int = 65
    local_authorities: list[str] = pydantic.Field(default_factory=list)


def test_defaults_apply_to_an_empty_table() -> None:
    loaded = Demo.load({})
    assert loaded.older_age == 65
    assert loaded.local_authorities == []


@given(age=st.integers(), codes=st.lists(st.text(max_size=12), max_size=5))
def test_valid_values_are_kept_exactly(age: int, codes: list[str]) -> None:
    loaded = Demo.load({"older_age": age, "local_authorities": codes})
    assert (loaded.older_age, loaded.local_authorities) == (age, codes)


@given(
    key=st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=20).filter(
        lambda key: key not in Demo.model_fields
    )
)
def test_an_unknown_key_is_named_with_the_allowed_keys(key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Demo.load({key: 1})
    message = str(caught.value)
    assert message.startswith("[parameters] is not valid for this pipeline:")
    assert f"unknown key {key!r} (allowed: local_authorities, older_age)" in message


def test_a_typo_is_not_silently_ignored() -> None:
    with pytest.raises(ConfigError, match="unknown key 'local_authority'"):
        Demo.load({"local_authority": ["E08000001"]})


@pytest.mark.parametrize(("value", "shown"), [("65", "'65'"), (65.0, "65.0"), (True, "True")])
def test_a_wrong_type_names_the_key_and_the_value(value: object, shown: str) -> None:
    with pytest.raises(ConfigError, match=rf"older_age: .* \(got {shown}\)"):
        Demo.load({"older_age": value})


def test_a_string_where_a_list_is_expected_is_an_error() -> None:
    with pytest.raises(ConfigError) as caught:
        Demo.load({"local_authorities": "E08000001"})
    message = str(caught.value)
    assert "local_authorities: " in message
    assert "(got 'E08000001')" in message


def test_a_bad_item_in_a_list_names_its_position() -> None:
    with pytest.raises(ConfigError, match=r"local_authorities\.1: .* \(got 7\)"):
        Demo.load({"local_authorities": ["E08000001", 7]})


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        Demo.load({"older_age": "old", "colour": "red"})
    lines = str(caught.value).splitlines()
    assert len(lines) == 3
    assert any("unknown key 'colour'" in line for line in lines)
    assert any(line.startswith("  - older_age: ") for line in lines)


@pytest.mark.parametrize("raw", ["x", 3, ["older_age"], None])
def test_parameters_must_be_a_table(raw: object) -> None:
    with pytest.raises(ConfigError, match=r"\[parameters\] must be a table of settings, not"):
        Demo.load(raw)


def test_where_names_the_table_in_messages() -> None:
    with pytest.raises(ConfigError, match=r"^\[parameters\] in config/x.toml is not valid"):
        Demo.load({"nope": 1}, where="[parameters] in config/x.toml")


def test_parameters_are_frozen() -> None:
    loaded = Demo.load({})
    with pytest.raises(ValueError, match="frozen"):
        loaded.older_age = 3
