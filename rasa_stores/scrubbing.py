"""Rasa events with personal data replaced, before they reach a database.

Rasa's SQL tracker store writes each event's whole dictionary: the person's text, the parse
data with its entities, the channel's metadata, every slot value and every bot message. Rasa
Open Source anonymizes none of it. Every string of the event goes through the project's
scrubber (privacy/redact.py: phones, e-mails, documents, card numbers and long digit runs;
privacy/names.py: names a person gives), except the fields that are Rasa's own vocabulary
(event types, action, intent, slot and entity names, ids, timestamps), which hold no text of a
person and which Rasa needs unchanged to rebuild the tracker.
"""

from __future__ import annotations

from typing import Any

from privacy.names import redact_names
from privacy.redact import redact

#: keys whose values are Rasa's vocabulary or ids, never a person's words
_STRUCTURAL = frozenset(
    {
        "event",
        "timestamp",
        "policy",
        "input_channel",
        "message_id",
        "entity",
        "extractor",
        "role",
        "group",
        "action_name",
        "intent_name",
        "model_id",
        "assistant_id",
    }
)
#: at the top of an event, "name" is the action's or the slot's; deeper it may be anything
_TOP_LEVEL_STRUCTURAL = _STRUCTURAL | {"name"}


def scrub_text(text: str, region: str = "PA") -> str:
    """One string with phones, e-mails, documents, cards and announced names replaced."""
    text, _ = redact_names(text)
    return redact(text, region).text


def scrub_event(event: dict[str, Any], region: str = "PA") -> dict[str, Any]:
    """A copy of one event's dictionary (`Event.as_dict()`) with every string that may hold a
    person's words scrubbed; Rasa's own fields, numbers, booleans and None are kept."""
    return {
        k: v if k in _TOP_LEVEL_STRUCTURAL and isinstance(v, str) else _scrub(v, region, k)
        for k, v in event.items()
    }


def _scrub(value: Any, region: str, key: str | None) -> Any:
    if isinstance(value, str):
        return value if key in _STRUCTURAL else scrub_text(value, region)
    if isinstance(value, dict):
        return {k: _scrub(v, region, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v, region, key) for v in value]
    return value
