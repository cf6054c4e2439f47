"""A person when the bot cannot help: explained, consented, recorded, and what happens next.

The consent question says exactly what a caseworker would see. Only on "yes" is a handoff
recorded, with a summary of the person's last messages scrubbed of phone numbers, e-mails and
document numbers (`privacy/redact.py`) before it is stored, and with the sealed reply route
the gateway sent with the message (metadata ``reply_route``: the chat id or phone number,
encrypted under the gateway's ROUTE_KEY, which this server never has), so a caseworker's
answer can reach the person. An urgent handoff the person did not agree to keeps no route.
The route is never logged.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

import casework
from actions import context, replies
from actions.orientation import INTENT_TOPIC
from actions.questions import answered, ask
from content.topic_cues import other_needs

logger = logging.getLogger(__name__)
TOPIC_INTENT = {topic: intent for intent, topic in INTENT_TOPIC.items()}

Events = list[dict[str, Any]]
#: user messages summarised for the caseworker (after scrubbing)
SUMMARY_MESSAGES = 3
#: the metadata key of the sealed reply route (bot/relay.py sends it)
REPLY_ROUTE = "reply_route"
#: what a sealed route looks like (bot/routes.py: "fernet:" and a Fernet token, at most 200
#: characters, the handoff column's size); anything else in the metadata is not kept
_SEALED_ROUTE = re.compile(r"fernet:[A-Za-z0-9_=-]{40,193}")


def summary(tracker: Tracker) -> str:
    """The last few things the person wrote (not button presses), oldest first."""
    texts = [
        str(e.get("text") or "")
        for e in tracker.events
        if e.get("event") == "user" and not str(e.get("text") or "").startswith("/")
    ]
    return " | ".join(t[:200] for t in texts[-SUMMARY_MESSAGES:])


def sealed_route(tracker: Tracker) -> str:
    """The sealed reply route of the latest message, or "" (none sent, or not one of ours).

    The action server cannot open it and does not try: it checks the shape only, so a stray
    value from another client of the REST channel is not stored; the gateway refuses any
    route it did not seal when a caseworker's reply comes back with it.
    """
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    value = metadata.get(REPLY_ROUTE) if isinstance(metadata, dict) else None
    return value if isinstance(value, str) and _SEALED_ROUTE.fullmatch(value) else ""


def _open_handoff(tracker: Tracker, *, summary: str, urgent: bool, consented: bool) -> None:
    """One place that says what a handoff carries from the conversation: the way back to the
    person only when they consented."""
    casework.open_handoff(
        conversation_key=context.person_key(tracker),
        channel=context.channel(tracker),
        language=context.language(tracker),
        topic=tracker.get_slot("topic"),
        corregimiento=tracker.get_slot("corregimiento"),
        summary=summary,
        urgent=urgent,
        consented=consented,
        reply_route=sealed_route(tracker) if consented else "",
    )


class ActionExplainHandoff(Action):
    def name(self) -> str:
        return "action_explain_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        dispatcher.utter_message(response="utter_handoff_consent")
        return ask("consent")


class ActionOpenHandoff(Action):
    def name(self) -> str:
        return "action_open_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        if not context.question_asked_last(tracker, "consent"):
            # the rules see the question only in the turn after it (actions/question_scope.py);
            # should a yes reach here otherwise, it is not consent
            dispatcher.utter_message(response="utter_stale_answer")
            return answered()
        try:
            _open_handoff(tracker, summary=summary(tracker), urgent=False, consented=True)
        except Exception as exc:
            # the kind only: a database error quotes the row's values (summary, sealed route)
            logger.error("handoff could not be recorded: %s", type(exc).__name__)
            dispatcher.utter_message(response="utter_human_contact")
            return answered()
        dispatcher.utter_message(response="utter_handoff_opened")
        return [*answered(), SlotSet("handoff_open", True)]


class ActionHandoffHold(Action):
    """While the caseworker has the case: the message waits for them; once they have closed
    it, the bot says so and answers again from the next message on."""

    def name(self) -> str:
        return "action_handoff_hold"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        try:
            still_open = casework.open_handoff_for(context.person_key(tracker)) is not None
        except Exception:
            logger.exception("handoff state unknown; holding")
            still_open = True
        if still_open:
            dispatcher.utter_message(response="utter_handoff_hold")
            return []
        dispatcher.utter_message(response="utter_handoff_closed")
        return [SlotSet("handoff_open", False)]


class ActionEmergencyFollowup(Action):
    """After the numbers (a plain response, so they go out even if this server is down): the
    hotline that fits the danger the safety net recognised, an urgent handoff with no words of
    the person in it, and the offer of a person."""

    def name(self) -> str:
        return "action_emergency_followup"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        guard = (tracker.latest_message or {}).get("emergency_guard") or {}
        # the line that fits this danger best (domain: utter_emergency_<category>), if any
        fitting = f"utter_emergency_{guard.get('category')}"
        if fitting in (domain.get("responses") or {}):
            dispatcher.utter_message(response=fitting)
        # a question pending was dropped by the gate (an emergency goes elsewhere)
        events: Events = []
        try:
            _open_handoff(
                tracker,
                summary=f"emergency: {guard.get('category', 'unspecified')}",
                urgent=True,
                consented=False,
            )
        except Exception:
            logger.exception("urgent handoff could not be recorded")
            return events
        dispatcher.utter_message(response="utter_emergency_handoff")
        # a long message that also told of other needs: offered for when the person is safe
        others = other_needs(str((tracker.latest_message or {}).get("text") or ""), None)
        if others:
            language = context.language(tracker)
            dispatcher.utter_message(text=replies.also_mentioned(others, language, emergency=True))
        return events


class ActionNotUnderstood(Action):
    """First miss: rephrase, with the menu. Second miss in a row: offer a person."""

    def name(self) -> str:
        return "action_not_understood"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        intents = [
            (e.get("parse_data") or {}).get("intent", {}).get("name")
            for e in tracker.events
            if e.get("event") == "user"
        ]
        if len(intents) >= 2 and intents[-2] == "nlu_fallback":
            dispatcher.utter_message(response="utter_default_twice")
            return await ActionExplainHandoff().run(dispatcher, tracker, domain)
        message = tracker.latest_message or {}
        needs = other_needs(str(message.get("text") or ""), None)
        if needs:
            # several needs pulled the model apart: ask which first rather than "not understood"
            intents = [TOPIC_INTENT[t] for t in needs]
            reply = replies.several_needs(needs, intents, context.language(tracker))
            dispatcher.utter_message(text=reply.text, buttons=reply.buttons)
            return []
        dispatcher.utter_message(response="utter_default")
        return []
