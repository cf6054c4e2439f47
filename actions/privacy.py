"""Erasure on request: confirmed first, then everything linked to the person's key.

The rows in the directory database go at once. The conversation itself lives in Rasa's tracker
store, which Rasa holds locked while this action runs; so the action asks Rasa, once this turn
is over, to replace the conversation's events with none (`PUT /conversations/{id}/tracker/
events`, behind the API token), retrying for a while if Rasa is busy. A caseworker's text the
gateway holds for the person (WhatsApp, outside the 24-hour window) is dropped there too.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import quote

import httpx
from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

import casework
from actions import clients, context
from actions.question_scope import confirms_erasure, refuses
from actions.questions import answered, ask
from privacy import keys

logger = logging.getLogger(__name__)

Events = list[dict[str, Any]]
_pending: set[asyncio.Task[bool]] = set()


def rasa_token() -> str:
    """RASA_TOKEN, checked at start by scripts/run-actions (privacy/keys.py)."""
    return keys.secret("RASA_TOKEN")


async def wipe_tracker(sender_id: str, attempts: int = 10, delay: float = 0.5) -> bool:
    """Empty the conversation in Rasa's tracker store; True once Rasa confirms."""
    url = f"{clients.rasa_url()}/conversations/{quote(sender_id, safe='')}/tracker/events"
    async with httpx.AsyncClient(timeout=10) as client:
        for _ in range(attempts):
            await asyncio.sleep(delay)
            try:
                response = await client.put(url, params={"token": rasa_token()}, json=[])
                if response.status_code == 200:
                    return True
                logger.warning("tracker erasure answered %s", response.status_code)
            except httpx.HTTPError as exc:
                logger.warning("tracker erasure failed: %s", type(exc).__name__)
    logger.error("tracker erasure gave up after %s attempts", attempts)
    return False


class ActionAskDeleteConfirmation(Action):
    def name(self) -> str:
        return "action_ask_delete_confirmation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        dispatcher.utter_message(response="utter_confirm_delete")
        return ask("erasure")


class ActionDeleteMyData(Action):
    def name(self) -> str:
        return "action_delete_my_data"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        if not context.question_asked_last(tracker, "erasure"):
            # the rules see the question only in the turn after it (actions/question_scope.py);
            # should a yes reach here otherwise, nothing is erased on it
            dispatcher.utter_message(response="utter_stale_answer")
            return answered()
        message = context.text(tracker)
        if not confirms_erasure(message):
            # "¿y eso qué significa? ¿se borra lo del caso también?", "Yes, show me places":
            # not the yes to this question; asked again once, then nothing is erased; a
            # refusal read as a request to erase ("no, don't delete anything") keeps all now
            if tracker.get_slot("question_repeated") or refuses(message):
                dispatcher.utter_message(response="utter_data_kept")
                return answered()
            dispatcher.utter_message(response="utter_privacy")
            dispatcher.utter_message(response="utter_confirm_delete")
            return [SlotSet("question", "erasure"), SlotSet("question_repeated", True)]
        key = context.person_key(tracker)
        try:
            casework.erase_person(key)
        except Exception:
            logger.exception("erasure of casework rows failed")
            dispatcher.utter_message(response="utter_delete_failed")
            return answered()
        loop = asyncio.get_running_loop()
        for task in (
            loop.create_task(wipe_tracker(tracker.sender_id)),
            loop.create_task(clients.drop_held_replies(key)),
        ):
            _pending.add(task)
            task.add_done_callback(_pending.discard)
        dispatcher.utter_message(response="utter_data_deleted")
        return [*answered(), SlotSet("handoff_open", False)]
