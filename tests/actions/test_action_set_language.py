"""action_set_language on real rasa-sdk trackers, as the action server receives them."""

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.language import ActionSetLanguage


def tracker(text: str, intent: str, language: str, ambiguous: bool, slot: str | None) -> Tracker:
    latest: dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99},
        "entities": [],
        "language": language,
        "language_ambiguous": ambiguous,
    }
    return Tracker("3b1f0c", {"language": slot}, latest, [], False, None, None, "action_listen")


async def run(t: Tracker) -> list[dict[str, Any]]:
    return await ActionSetLanguage().run(CollectingDispatcher(), t, {})


@pytest.mark.asyncio
async def test_english_message_in_a_spanish_conversation_switches_to_english() -> None:
    assert await run(tracker("where can i see a doctor", "ask_health", "en", False, "es")) == [
        SlotSet("language", "en")
    ]


@pytest.mark.asyncio
async def test_ambiguous_message_keeps_the_language() -> None:
    assert await run(tracker("ok", "affirm", "es", True, "en")) == []


@pytest.mark.asyncio
async def test_same_language_sets_nothing() -> None:
    assert await run(tracker("hola", "greet", "es", False, "es")) == []


@pytest.mark.asyncio
async def test_change_language_written_in_spanish_switches_to_english() -> None:
    assert await run(tracker("hablame en ingles", "change_language", "es", False, "es")) == [
        SlotSet("language", "en")
    ]


@pytest.mark.asyncio
async def test_parse_without_language_keys_changes_nothing() -> None:
    t = Tracker(
        "3b1f0c",
        {"language": "en"},
        {"text": "hi", "intent": {"name": "greet"}},
        [],
        False,
        None,
        None,
        "action_listen",
    )
    assert await run(t) == []


def hinted(text: str, language: str, ambiguous: bool, slot: str | None, hint: str) -> Tracker:
    t = tracker(text, "greet", language, ambiguous, slot)
    t.latest_message["metadata"] = {"channel": "telegram", "language_hint": hint}
    return t


@pytest.mark.asyncio
async def test_the_channel_hint_decides_an_ambiguous_first_message() -> None:
    assert await run(hinted("/start", "es", True, None, "en")) == [SlotSet("language", "en")]


@pytest.mark.asyncio
async def test_the_hint_never_overrides_the_conversation_or_a_clear_message() -> None:
    assert await run(hinted("ok", "es", True, "es", "en")) == []
    assert await run(hinted("hola buenas tardes", "es", False, None, "en")) == [
        SlotSet("language", "es")
    ]
    assert await run(hinted("/start", "es", True, None, "pt")) == []
