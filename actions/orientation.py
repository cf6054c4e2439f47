"""Topic -> answer -> services: the actions of an orientation conversation.

Thin on purpose: the words come from the content store (`referral_directory/content.py`), the
services from the directory (`referral_directory/offer.py`), the rendering from
`referral_directory/replies.py`. When the store or the database fails, the person still gets a
reply that names the IOM contact, and the error goes to the log without their words.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import context
from referral_directory import api, casework, replies
from referral_directory.content import TOPICS, get_topic_content
from referral_directory.offer import national, offer

logger = logging.getLogger(__name__)

#: the contract's intents that carry an orientation topic
INTENT_TOPIC = {
    "ask_regularization": "regularization",
    "ask_refuge": "refuge",
    "ask_work_permit": "work_permit",
    "ask_employment": "employment",
    "ask_health": "health",
    "ask_psychosocial": "psychosocial",
    "ask_voluntary_return": "voluntary_return",
    "report_discrimination": "discrimination",
}
assert set(INTENT_TOPIC.values()) == set(TOPICS)

Events = list[dict[str, Any]]


def _send(dispatcher: CollectingDispatcher, reply: replies.Reply) -> None:
    dispatcher.utter_message(text=reply.text, buttons=reply.buttons or None)


def _topic_types(topic: str | None, language: str) -> list[str]:
    if topic is None:
        return []
    return list(get_topic_content(topic, language).service_types)


def send_services(
    dispatcher: CollectingDispatcher, tracker: Tracker, place: str, offset: int = 0
) -> Events:
    """One page of services for the place and the conversation's topic; logs the referral."""
    language, topic = context.language(tracker), tracker.get_slot("topic")
    try:
        found = offer(place, _topic_types(topic, language), language)
    except Exception:
        logger.exception("directory search failed")
        dispatcher.utter_message(response="utter_directory_unavailable")
        return []
    if found.place["resolved"] is None:
        _send(dispatcher, replies.unknown_place(place, found.place["suggestions"], language))
        fallback = national(_topic_types(topic, language), language)
        if fallback:
            dispatcher.utter_message(text=replies.words(language)["national_instead"])
            country = replies.words(language)["country"]
            _send(dispatcher, replies.service_page(fallback, country, language))
            _log(tracker, None, [h["id"] for h in fallback[: replies.PAGE_SIZE]])
        return [SlotSet("corregimiento", None)]
    resolved = found.place["resolved"]
    page = replies.service_page(found.services, resolved, language, offset)
    _send(dispatcher, page)
    shown = found.services[offset : offset + replies.PAGE_SIZE]
    if shown:
        _log(tracker, resolved, [h["id"] for h in shown])
    return [SlotSet("corregimiento", resolved), SlotSet("services_offset", float(offset))]


def _log(tracker: Tracker, place: str | None, service_ids: list[str]) -> None:
    try:
        casework.log_referral(
            conversation_key=context.person_key(tracker),
            channel=context.channel(tracker),
            language=context.language(tracker),
            topic=tracker.get_slot("topic"),
            corregimiento=place,
            service_ids=service_ids,
            handoff=casework.open_handoff_for(context.person_key(tracker)) is not None,
        )
    except Exception:  # the person got their answer; the report loses one row
        logger.exception("referral log write failed")


class ActionAnswerTopic(Action):
    """The topic's short answer with its source, then services near the person."""

    def name(self) -> str:
        return "action_answer_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        topic = INTENT_TOPIC.get(context.intent(tracker) or "") or tracker.get_slot("topic")
        language = context.language(tracker)
        if topic is None:
            dispatcher.utter_message(response="utter_help")
            return []
        try:
            content = get_topic_content(topic, language)
        except Exception:
            logger.exception("content store failed for topic %s", topic)
            dispatcher.utter_message(response="utter_content_unavailable")
            return [SlotSet("topic", topic)]
        dispatcher.utter_message(text=replies.topic_answer(content))
        events: Events = [SlotSet("topic", topic)]
        place = context.entity(tracker, "corregimiento") or tracker.get_slot("corregimiento")
        if place:
            return events + send_services(dispatcher, _with_topic(tracker, topic), place)
        _send(dispatcher, replies.ask_place(language))
        return events


def _with_topic(tracker: Tracker, topic: str) -> Tracker:
    tracker.slots["topic"] = topic  # the SlotSet above reaches Rasa only after this action
    return tracker


class ActionShowServices(Action):
    """Services for the place just given, or the question that asks for it."""

    def name(self) -> str:
        return "action_show_services"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        language = context.language(tracker)
        place = context.entity(tracker, "corregimiento")
        text = (tracker.latest_message or {}).get("text") or ""
        if place is None and context.intent(tracker) == "inform_location":
            if text.startswith("/"):  # the "another place" button
                dispatcher.utter_message(text=replies.words(language)["type_place"])
                return []
            # no known place in the words: let the directory try, then suggest
            return send_services(dispatcher, tracker, replies.place_query(text))
        place = place or tracker.get_slot("corregimiento")
        if not place:
            _send(dispatcher, replies.ask_place(language))
            return []
        return send_services(dispatcher, tracker, place)


class ActionMoreServices(Action):
    def name(self) -> str:
        return "action_more_services"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        place = tracker.get_slot("corregimiento")
        if not place:
            _send(dispatcher, replies.ask_place(context.language(tracker)))
            return []
        offset = int(tracker.get_slot("services_offset") or 0) + replies.PAGE_SIZE
        return send_services(dispatcher, tracker, place, offset)


def _shown(tracker: Tracker) -> list[Any]:
    place = tracker.get_slot("corregimiento")
    if not place:
        return []
    language = context.language(tracker)
    end = int(tracker.get_slot("services_offset") or 0) + replies.PAGE_SIZE
    return list(
        offer(place, _topic_types(tracker.get_slot("topic"), language), language).services[:end]
    )


class ActionReferralCard(Action):
    def name(self) -> str:
        return "action_referral_card"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        language = context.language(tracker)
        try:
            shown = _shown(tracker)
        except Exception:
            logger.exception("directory search failed")
            dispatcher.utter_message(response="utter_directory_unavailable")
            return []
        if not shown:
            _send(dispatcher, replies.ask_place(language))
            return []
        dispatcher.utter_message(text=replies.referral_card(shown, language))
        return []


class ActionReportServiceProblem(Action):
    """ "Is something wrong?": which service, what is wrong, then a flag for staff."""

    def name(self) -> str:
        return "action_report_service_problem"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        language = context.language(tracker)
        service_id = context.entity(tracker, "service_id")
        problem = context.entity(tracker, "problem")
        try:
            if service_id is None:
                shown = _shown(tracker)
                if not shown:
                    dispatcher.utter_message(response="utter_human_contact")
                    return []
                _send(dispatcher, replies.choose_flagged(shown, language))
            elif problem is None:
                _send(dispatcher, replies.choose_problem(service_id, language))
            else:
                api.get(service_id)  # a forged payload names no real service: NotFound
                casework.flag_service(service_id, problem)
                dispatcher.utter_message(text=replies.words(language)["flag_thanks"])
        except Exception:
            logger.exception("service flag failed")
            dispatcher.utter_message(response="utter_directory_unavailable")
        return []
