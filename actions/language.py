"""Keeps the `language` slot: run by action_extract_slots (custom slot mapping) every turn."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.language_choice import conversation_language


def _hint(metadata: Any) -> str | None:
    """ "es" or "en" from the gateway's `language_hint` ("es-419", "en-US", "pt-BR" -> None)."""
    if not isinstance(metadata, dict):
        return None
    code = str(metadata.get("language_hint") or "").lower()[:2]
    return code or None


def _confidence(value: Any) -> float | None:
    """The detector's `language_confidence`, or None from a model that gives none."""
    return float(value) if isinstance(value, int | float) else None


class ActionSetLanguage(Action):
    def name(self) -> str:
        return "action_set_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        message = tracker.latest_message or {}
        current = tracker.get_slot("language")
        language = conversation_language(
            intent=(message.get("intent") or {}).get("name"),
            text=message.get("text") or "",
            detected=message.get("language"),
            ambiguous=bool(message.get("language_ambiguous", True)),
            current=current,
            hint=_hint(message.get("metadata")),
            confidence=_confidence(message.get("language_confidence")),
        )
        if language is None or language == current:
            return []
        return [SlotSet("language", language)]
