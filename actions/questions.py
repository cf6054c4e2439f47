"""The yes/no questions as states: kept or dropped at each message, asked again once, answered.

What decides is `actions/question_scope.py`; these actions only read the tracker, call it and
say the words (all in domain.yml). `action_scope_question` is the `question` slot's custom
mapping, so Rasa runs it on every message before it predicts the next action, and the rules
in nlu/data/rules/questions.yml see a question only while the message can answer it.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

import casework
from actions import context, replies
from actions.question_scope import scope

logger = logging.getLogger(__name__)

Events = list[dict[str, Any]]

#: how each question is asked (again), by the response or the reply that asks it
_ASKED_BY: Final = {"consent": "utter_handoff_consent", "erasure": "utter_confirm_delete"}
#: what a "no" to each question gets
_NO: Final = {
    "consent": "utter_human_contact",
    "erasure": "utter_data_kept",
    "place": "utter_place_declined",
    "services": "utter_services_declined",
}


def ask(question: str) -> Events:
    """The events of asking ``question`` (first time): what the gate checks next turn."""
    return [SlotSet("question", question), SlotSet("question_repeated", False)]


def answered() -> Events:
    return [SlotSet("question", None), SlotSet("question_repeated", False)]


class ActionScopeQuestion(Action):
    """The `question` slot's mapping: keep the question for its answer, drop it otherwise."""

    def name(self) -> str:
        return "action_scope_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        pending = tracker.get_slot("question")
        if pending is None:
            return []
        repeated = bool(tracker.get_slot("question_repeated"))
        result = scope(
            pending=pending,
            asked_last_turn=context.question_asked_last(tracker, pending),
            repeated=repeated,
            intent=context.intent(tracker),
            answers=context.entity(tracker, "question"),
        )
        events: Events = []
        if result.question != pending:
            events.append(SlotSet("question", result.question))
        if result.repeated != repeated:
            events.append(SlotSet("question_repeated", result.repeated))
        return events


class ActionReaskQuestion(Action):
    """An unclear answer to consent or erasure: the question once more, with why."""

    def name(self) -> str:
        return "action_reask_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        question = tracker.get_slot("question")
        if context.intent(tracker) == "ask_privacy":
            dispatcher.utter_message(response="utter_privacy")  # what is kept: then decide
        else:
            dispatcher.utter_message(response="utter_answer_needed")
        dispatcher.utter_message(response=_ASKED_BY.get(question, "utter_handoff_consent"))
        # the same question, asked in this turn: the gate keeps it for the next message only
        return [SlotSet("question", question), SlotSet("question_repeated", True)]


class ActionAnswerNo(Action):
    """A "no" to the question asked last: nothing is done, and the person knows it."""

    def name(self) -> str:
        return "action_answer_no"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        question = tracker.get_slot("question")
        dispatcher.utter_message(response=_NO.get(question, "utter_deny"))
        return answered()


class ActionBareAnswer(Action):
    """A yes or no with no question pending: a button pressed late says so; typed, the menu."""

    def name(self) -> str:
        return "action_bare_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        if context.entity(tracker, "question") is not None:
            dispatcher.utter_message(response="utter_stale_answer")
        elif context.intent(tracker) == "deny":
            dispatcher.utter_message(response="utter_deny")
        else:
            dispatcher.utter_message(response="utter_affirm")
        return []


class ActionPlaceHelp(Action):
    """ "Dale" to the place question, or "no sé cómo se llama": how to name the place."""

    def name(self) -> str:
        return "action_place_help"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        reply = replies.place_help(context.language(tracker), context.channel(tracker))
        dispatcher.utter_message(text=reply.text, buttons=reply.buttons or None)
        return ask("place")


class ActionCancel(Action):
    """ "Ya no necesito": leaves an open handoff (closed as withdrawn) or a pending question."""

    def name(self) -> str:
        return "action_cancel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        pending = tracker.get_slot("question")  # kept for "cancela" by the gate
        events: Events = answered() if pending else []
        try:
            handoff = casework.open_handoff_for(context.person_key(tracker))
            if handoff is not None:
                casework.close_handoff(handoff.id, outcome="withdrawn")
        except Exception as exc:
            logger.error("handoff could not be withdrawn: %s", type(exc).__name__)
            dispatcher.utter_message(response="utter_human_contact")
            return events
        if handoff is not None:
            dispatcher.utter_message(response="utter_handoff_withdrawn")
            return [*events, SlotSet("handoff_open", False)]
        if pending == "consent":
            dispatcher.utter_message(response="utter_consent_dropped")
        elif pending == "erasure":
            dispatcher.utter_message(response="utter_erasure_dropped")
        else:
            dispatcher.utter_message(response="utter_nothing_to_cancel")
        return events
