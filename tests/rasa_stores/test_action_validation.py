"""The compiled check of the action server's answers accepts and refuses exactly what Rasa's
own `jsonschema.validate` does, and checks its schema once, not on every answer."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from rasa_stores import action_validation

ANSWERS: list[dict[str, Any]] = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "idioma", "value": "en"}], "responses": [{"text": "hi"}]},
    {"events": [{"event": "followup", "name": "action_listen"}]},
    {},
    # refused: the wrong shapes an action server that broke would send
    {"events": "slot"},
    {"events": [{"name": "idioma"}]},
    {"events": [{"event": "no_such_event"}]},
    {"responses": ["hi"]},
    {"events": [{"event": "slot", "name": 3}]},
]


def rasa_accepts(answer: dict[str, Any]) -> bool:
    try:
        jsonschema.validate(answer, RemoteAction.action_response_format_spec())
    except jsonschema.ValidationError:
        return False
    return True


@pytest.fixture
def action() -> RemoteAction:
    action_validation.install()
    return RemoteAction("action_answer_topic", EndpointConfig("http://127.0.0.1:9/webhook"))


@pytest.mark.parametrize("answer", ANSWERS)
def test_the_same_answers_are_accepted_and_refused(
    action: RemoteAction, answer: dict[str, Any]
) -> None:
    if rasa_accepts(answer):
        assert action._validate_action_result(answer) is True
    else:
        with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server"):
            action._validate_action_result(answer)


def test_the_cases_cover_both_outcomes() -> None:
    outcomes = {rasa_accepts(answer) for answer in ANSWERS}
    assert outcomes == {True, False}


def test_the_schema_is_checked_once_for_many_answers(
    action: RemoteAction, monkeypatch: pytest.MonkeyPatch
) -> None:
    action_validation._validator.cache_clear()
    checks: list[object] = []
    cls = jsonschema.validators.validator_for(RemoteAction.action_response_format_spec())
    original = cls.check_schema

    def counting(schema: object, *args: Any, **kwargs: Any) -> None:
        checks.append(schema)
        original(schema, *args, **kwargs)

    monkeypatch.setattr(cls, "check_schema", counting)
    for _ in range(50):
        action._validate_action_result({"events": [], "responses": [{"text": "hola"}]})
    assert len(checks) == 1


def test_install_is_idempotent_and_replaces_rasas_check() -> None:
    action_validation.install()
    first = RemoteAction._validate_action_result
    action_validation.install()
    assert RemoteAction._validate_action_result is first
    assert first is action_validation.validate_action_result
