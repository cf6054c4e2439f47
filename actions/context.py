"""What every action needs to know about the person, read from the tracker in one place.

The conversation key is a keyed hash of the sender id: the gateways already send a hash, and
hashing again with the server's own key means nothing stored here can be joined back to a
channel id even by someone who holds the gateway's key alone.
"""

from __future__ import annotations

import functools
from typing import Any

from rasa_sdk import Tracker

from casework import CHANNELS
from privacy.keys import conversation_key as keyed_hash
from privacy.keys import hash_key_from_env


def language(tracker: Tracker) -> str:
    value = tracker.get_slot("language")
    return value if value in ("es", "en") else "es"


def channel(tracker: Tracker) -> str:
    """The channel the gateway names in the metadata; the REST channel otherwise."""
    metadata: dict[str, Any] = (tracker.latest_message or {}).get("metadata") or {}
    named = str(metadata.get("channel", "")).lower()
    return named if named in CHANNELS else "rest"


@functools.cache
def _secret() -> bytes:
    return hash_key_from_env()


def person_key(tracker: Tracker) -> str:
    return keyed_hash("rasa", tracker.sender_id, _secret())


def intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def text(tracker: Tracker) -> str:
    """The person's last message as typed (never logged: it may hold anything)."""
    return str((tracker.latest_message or {}).get("text") or "")


def entity(tracker: Tracker, name: str) -> str | None:
    for found in (tracker.latest_message or {}).get("entities") or []:
        if found.get("entity") == name and found.get("value"):
            return str(found["value"])
    return None


def _last_bot_turn(tracker: Tracker) -> list[dict[str, Any]]:
    """The events between the person's previous message and this one: the turn it answers."""
    users = [i for i, e in enumerate(tracker.events) if e.get("event") == "user"]
    if not users:
        return []
    before = users[-2] if len(users) > 1 else -1
    return list(tracker.events[before + 1 : users[-1]])


def question_asked_last(tracker: Tracker, question: str) -> bool:
    """Whether the bot asked ``question`` (set the `question` slot to it) in its last turn.

    A question asked earlier, with other messages since, is no longer the one being answered:
    a "sí" two turns later must not confirm it.
    """
    return any(
        e.get("event") == "slot" and e.get("name") == "question" and e.get("value") == question
        for e in _last_bot_turn(tracker)
    )
