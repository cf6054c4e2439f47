"""Rasa's check of the action server's answers, with the schema compiled once instead of on
every call.

Rasa 3.6 checks each answer of the action server against its response schema with
`jsonschema.validate(result, schema)` (`RemoteAction._validate_action_result`). That function
first checks the *schema itself* against the JSON Schema meta-schema (draft 2020-12, since
Rasa's schema names no draft), then builds a validator, on every call. Profiled under load
(py-spy, eight conversations at once), this was 65 % of the Rasa process's time: more than
the intent classifier and the dialogue policies together, three custom actions a message.

Here the same check is done with one validator built, and its schema checked, once per
action class. What is accepted and refused does not change: the same draft, the same schema, the
same `ValidationError` with Rasa's hint appended to its message. `install()` is called where
Rasa loads our modules (the REST channel both profiles use, rasa_stores/channel.py); it is
idempotent.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_INSTALLED = "_rasa_stores_compiled_validation"


@cache
def _validator(action_class: type[RemoteAction]) -> Validator:
    """The validator of one action class's response schema (a static method of the class: the
    same schema every call), the schema checked against the meta-schema once."""
    schema = action_class.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(action: RemoteAction, result: dict[str, Any]) -> bool:
    """Rasa's `_validate_action_result`, with a compiled validator."""
    try:
        _validator(action.__class__).validate(result)
        return True
    except ValidationError as e:
        # the same hint Rasa adds (rasa/core/actions/action.py)
        e.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise e


def install() -> None:
    """Make every `RemoteAction` use the compiled check (once per process)."""
    if getattr(RemoteAction, _INSTALLED, False):
        return
    RemoteAction._validate_action_result = validate_action_result
    setattr(RemoteAction, _INSTALLED, True)
