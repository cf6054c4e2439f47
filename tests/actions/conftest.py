"""Actions run against a real, migrated and seeded SQLite directory, as the server runs them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import Engine, select

from casework import Handoff
from referral_directory.placedb import forget_place_index
from referral_directory.seed import load_seed
from store import db


@pytest.fixture
def directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'directory.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("HASH_KEY", "test-key-" + "x" * 40)
    eng = db.engine(url)
    db.migrate(eng)
    load_seed(eng)
    forget_place_index()
    yield eng
    eng.dispose()
    forget_place_index()


def make_tracker(
    text: str,
    intent: str,
    *,
    slots: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    events: list[dict[str, Any]] | None = None,
    sender: str = "c0ffee",
    extra: dict[str, Any] | None = None,
) -> Tracker:
    latest: dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99},
        "entities": entities or [],
        **(extra or {}),
    }
    all_slots = {"language": "es", **(slots or {})}
    return Tracker(sender, all_slots, latest, events or [], False, None, None, "action_listen")


#: the bot's last turn asked for consent to a handoff ("¿Te paso con una persona?")
ASKED_CONSENT: list[dict[str, Any]] = [
    {"event": "user", "text": "quiero hablar con una persona", "parse_data": {}},
    {"event": "action", "name": "action_explain_handoff"},
    {"event": "slot", "name": "question", "value": "consent"},
    {"event": "action", "name": "action_listen"},
    {"event": "user", "text": "si", "parse_data": {}},
]


async def run_action(
    action: Any, tracker: Any
) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    """Run an action as the server would: what it said, and the events it returned."""
    dispatcher = CollectingDispatcher()
    return dispatcher, await action.run(dispatcher, tracker, {})


def handoffs(eng: Engine) -> list[Handoff]:
    with db.session(eng) as s:
        return list(s.scalars(select(Handoff)))
