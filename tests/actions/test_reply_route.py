"""The sealed reply route the gateway sends with every message (metadata ``reply_route``) is kept
on a handoff only when the person consented, never for an urgent handoff they did not agree to,
and never written to the log, not even when the handoff cannot be recorded."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine

import casework
from actions.handoff import ActionEmergencyFollowup, ActionOpenHandoff
from tests.actions.conftest import ASKED_CONSENT, handoffs, make_tracker
from tests.actions.conftest import run_action as run

pytestmark = pytest.mark.asyncio

#: the gateway's ROUTE_KEY, which the action server never has: here only to make a real token
ROUTE_KEY = Fernet.generate_key()


def sealed(address: str, channel: str = "telegram") -> str:
    """A reply route as bot/routes.py seals it."""
    payload = json.dumps({"c": channel, "a": address}, separators=(",", ":")).encode()
    return "fernet:" + Fernet(ROUTE_KEY).encrypt(payload).decode()


def turn(text: str, intent: str, metadata: dict[str, Any], **kw: Any) -> Any:
    """The person's answer to the consent question the bot asked in its last turn."""
    kw.setdefault("events", ASKED_CONSENT)
    return make_tracker(text, intent, extra={"metadata": metadata}, **kw)


async def test_a_consented_handoff_keeps_the_sealed_route_and_closing_it_forgets_it(
    directory: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    route = sealed("610000")
    metadata = {"channel": "telegram", "language_hint": "es", "reply_route": route}
    with caplog.at_level(logging.DEBUG):
        dispatcher, _ = await run(ActionOpenHandoff(), turn("/affirm", "affirm", metadata))
    assert dispatcher.messages[0]["response"] == "utter_handoff_opened"
    [row] = handoffs(directory)
    assert row.consented and not row.urgent and row.channel == "telegram"
    assert row.reply_route == route
    assert route not in caplog.text and route.removeprefix("fernet:") not in caplog.text
    casework.close_handoff(row.id, engine=directory)
    assert handoffs(directory)[0].reply_route == ""


async def test_an_urgent_handoff_without_consent_keeps_no_route_until_the_person_agrees(
    directory: Engine,
) -> None:
    route = sealed("50760000000", "whatsapp")
    metadata = {"channel": "whatsapp", "reply_route": route}
    danger = turn("me quiero matar", "emergency", metadata)
    danger.latest_message["emergency_guard"] = {"category": "suicide"}
    _, _ = await run(ActionEmergencyFollowup(), danger)
    [row] = handoffs(directory)
    assert row.urgent and not row.consented
    assert row.reply_route == ""
    # later the person says yes to a caseworker: the same handoff now keeps the route
    later = sealed("50760000000", "whatsapp")
    await run(ActionOpenHandoff(), turn("sí", "affirm", {**metadata, "reply_route": later}))
    [row] = handoffs(directory)
    assert row.urgent and row.consented and row.reply_route == later
    # a second emergency (no consent asked) leaves the kept route as it is
    await run(ActionEmergencyFollowup(), danger)
    assert handoffs(directory)[0].reply_route == later


@pytest.mark.parametrize(
    "stray",
    [
        "610000",  # a chat id in clear
        "+507 6000-0000",
        "fernet:" + "A" * 194,  # too long for the column
        "fernet:no spaces or quotes allowed in a token here at all",
        {"c": "telegram", "a": "610000"},
        None,
    ],
)
async def test_a_value_that_is_not_a_sealed_route_is_not_kept(
    directory: Engine, stray: Any
) -> None:
    metadata = {"channel": "telegram", "reply_route": stray}
    dispatcher, _ = await run(ActionOpenHandoff(), turn("/affirm", "affirm", metadata))
    assert dispatcher.messages[0]["response"] == "utter_handoff_opened"
    [row] = handoffs(directory)
    assert row.consented and row.reply_route == ""


async def test_no_route_from_a_channel_that_sends_none(directory: Engine) -> None:
    await run(ActionOpenHandoff(), turn("/affirm", "affirm", {}))
    [row] = handoffs(directory)
    assert row.consented and row.channel == "rest" and row.reply_route == ""


async def test_a_handoff_that_cannot_be_recorded_logs_neither_route_nor_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # a database without the tables: the insert fails, and SQLAlchemy's error quotes its values
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite'}")
    monkeypatch.setenv("HASH_KEY", "test-key-" + "x" * 40)
    route = sealed("610001")
    events = [{"event": "user", "text": "tengo miedo de volver", "parse_data": {}}, *ASKED_CONSENT]
    metadata = {"channel": "telegram", "reply_route": route}
    with caplog.at_level(logging.DEBUG):
        dispatcher, _ = await run(
            ActionOpenHandoff(), turn("/affirm", "affirm", metadata, events=events)
        )
    assert dispatcher.messages[0]["response"] == "utter_human_contact"
    assert "handoff could not be recorded: OperationalError" in caplog.text
    assert route.removeprefix("fernet:")[:20] not in caplog.text
    assert "tengo miedo" not in caplog.text
