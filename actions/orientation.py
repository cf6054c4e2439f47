"""Topic -> answer -> services: the actions of an orientation conversation.

Thin on purpose: the words come from the content store (`content/topics.py`), the
services from the directory (`referral_directory/offer.py`), the rendering from
`actions/replies.py`. When the store or the database fails, the person still gets a
reply that names the IOM contact, and the error goes to the log without their words.

The place a person names is resolved once (`find_place`); the offer is then searched for the
node, and what was offered is kept in the `offered_services` slot: the place's name and each
service's id and match level, in order. "See more", the card and "Is something wrong?" read
those services again by id (`offered`) instead of searching again, which could return others.

A shared map point never reaches Rasa: the gateway keeps it in memory and sends a token
(`point_token` in the message metadata), which `fetch_point` trades for the point once at the
gateway's internal endpoint (GATEWAY_URL, bearer GATEWAY_INTERNAL_TOKEN). The point is then
used for one search and forgotten: no slot, log line or referral-log field holds it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any, Final

import httpx
from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

import casework
from actions import clients, context, replies
from actions.questions import answered, ask
from content.facet_cues import facet_in
from content.topic_cues import other_needs
from content.topics import TOPICS, get_facet, get_topic_content
from referral_directory import api
from referral_directory.needs import types_for
from referral_directory.offer import Offer, find_place, national, offer, offer_near, offered
from referral_directory.search import ServiceHit

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
#: follow-ups that name no topic, answered for the conversation's topic (content facets)
INTENT_FACET = {
    "ask_cost": "cost",
    "ask_requirements": "requirements",
    "ask_duration": "duration",
    "ask_where": "where",
    "ask_eligibility": "who_can_apply",
    "ask_without_papers": "no_papers",
}

Events = list[dict[str, Any]]

#: The last offer (see the module's docstring), `{"place": name or None, "services": [{"id",
#: "level"}, ...]}`; place None is the national fallback for an unknown place.
OFFERED: Final = "offered_services"
_LEVELS: Final = frozenset({"corregimiento", "distrito", "provincia", "national"})

#: Below this confidence a switch to another topic, in a message that names a facet ("y qué
#: papeles me piden?" after the refuge answer, read as regularization at 0.71), is taken for a
#: follow-up on the conversation's topic: the refuge documents, not the residence ones.
SURE_SWITCH: Final = 0.9

#: Seconds to wait for the gateway's point: the person is waiting for the answer too.
POINT_TIMEOUT: Final = 3.0
#: What a point token looks like (secrets.token_urlsafe); anything else is not sent anywhere.
_POINT_TOKEN: Final = re.compile(r"[A-Za-z0-9_-]{16,64}")


def _send(dispatcher: CollectingDispatcher, reply: replies.Reply) -> None:
    dispatcher.utter_message(text=reply.text, buttons=reply.buttons or None)


def _topic_types(topic: str | None, language: str) -> list[str]:
    if topic is None:
        return []
    return list(get_topic_content(topic, language).service_types)


def _types(tracker: Tracker, language: str) -> list[str]:
    """The service types to offer: a need asked plainly ("donde dan comida"), else the topic's."""
    needs = tracker.get_slot("needs")
    if isinstance(needs, list) and needs:
        return [str(t) for t in needs]
    return _topic_types(tracker.get_slot("topic"), language)


def ask_place(dispatcher: CollectingDispatcher, language: str) -> Events:
    """The place question, as a state of its own: a "dale" next gets help to name the place."""
    _send(dispatcher, replies.ask_place(language))
    return ask("place")


def send_services(dispatcher: CollectingDispatcher, tracker: Tracker, place: str) -> Events:
    """The first page of services for the place a person named (typed, a button, the slot) and
    the conversation's topic; or, for a place not found, suggestions and national services."""
    language = context.language(tracker)
    try:
        types = _types(tracker, language)
        resolution = find_place(place)
        node = resolution.place
        found = offer(node, types, language) if node is not None else None
        fallback = national(types, language) if node is None else []
    except Exception:
        logger.exception("directory search failed")
        dispatcher.utter_message(response="utter_directory_unavailable")
        return []
    if found is None:
        return _show_unknown_place(dispatcher, tracker, place, resolution.suggestions, fallback)
    return _show_offer(dispatcher, tracker, found)


async def send_services_near(
    dispatcher: CollectingDispatcher, tracker: Tracker, point_token: str
) -> Events:
    """Services near the point the token stands for, or the corregimiento question when the
    point cannot be had (expired, already used, gateway down) or no service is near it."""
    language = context.language(tracker)
    point = await fetch_point(point_token)
    if point is None:
        return ask_place(dispatcher, language)
    try:
        found = offer_near(*point, _types(tracker, language), language)
    except Exception as exc:
        # the type only: a database error quotes the statement's parameters, the point among them
        logger.error("directory search near a shared point failed: %s", type(exc).__name__)
        dispatcher.utter_message(response="utter_directory_unavailable")
        return []
    if found is None:
        return ask_place(dispatcher, language)
    # the events and the referral log hold the place's name only, never the point
    return _show_offer(dispatcher, tracker, found)


async def fetch_point(point_token: str) -> tuple[float, float] | None:
    """The (lat, lon) the gateway holds for the token, taken once; None when it cannot be had."""
    secret = clients.gateway_token()
    if not secret or not _POINT_TOKEN.fullmatch(point_token):
        return None
    try:
        async with httpx.AsyncClient(timeout=POINT_TIMEOUT) as client:
            response = await client.get(
                f"{clients.gateway_url()}/internal/point/{point_token}",
                headers={"Authorization": f"Bearer {secret}"},
            )
    except httpx.HTTPError as exc:
        logger.warning("shared point not fetched: %s", type(exc).__name__)
        return None
    if response.status_code != 200:
        logger.info("shared point not fetched: HTTP %s", response.status_code)
        return None
    try:
        data = response.json()
        return float(data["lat"]), float(data["lon"])
    except (ValueError, KeyError, TypeError):
        logger.warning("shared point not fetched: unexpected answer")
        return None


def _point_token(tracker: Tracker) -> str | None:
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    token = metadata.get("point_token") if isinstance(metadata, dict) else None
    return token if isinstance(token, str) and token else None


def _keep(place: str | None, services: Sequence[ServiceHit]) -> dict[str, Any]:
    """What the `offered_services` slot keeps of an offer: ids and levels, no details."""
    return {
        "place": place,
        "services": [{"id": h["id"], "level": h["match_level"]} for h in services],
    }


def _kept(tracker: Tracker) -> tuple[str | None, list[tuple[str, str]]] | None:
    """The place and the (service id, match level) of the last offer; None when there is none."""
    value = tracker.get_slot(OFFERED)
    if not isinstance(value, dict) or not isinstance(value.get("services"), list):
        return None
    place = value.get("place")
    services = [
        (entry["id"], entry["level"])
        for entry in value["services"]
        if isinstance(entry, dict)
        and isinstance(entry.get("id"), str)
        and entry.get("level") in _LEVELS
    ]
    return (place if isinstance(place, str) else None), services


def _show_offer(dispatcher: CollectingDispatcher, tracker: Tracker, found: Offer) -> Events:
    """The first page of an offer, the referral logged, the offer kept."""
    language, place = context.language(tracker), found.place.name
    _send(dispatcher, replies.service_page(found.services, place, language))
    shown = found.services[: replies.PAGE_SIZE]
    if shown:
        _log(tracker, place, [h["id"] for h in shown])
    return [
        SlotSet("corregimiento", place),
        SlotSet("services_offset", 0.0),
        SlotSet(OFFERED, _keep(place, found.services)),
    ]


def _show_unknown_place(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    query: str,
    suggestions: Sequence[str],
    fallback: list[ServiceHit],
) -> Events:
    """The place was not found: say so with suggestions, then the national services (kept as
    the offer, so that their buttons work too)."""
    language = context.language(tracker)
    _send(dispatcher, replies.unknown_place(query, suggestions, language))
    asked = ask("place")  # the reply asks where the place is: "dale" then gets help
    if fallback:
        dispatcher.utter_message(text=replies.words(language)["national_instead"])
        country = replies.words(language)["country"]
        _send(dispatcher, replies.service_page(fallback, country, language))
        _log(tracker, None, [h["id"] for h in fallback[: replies.PAGE_SIZE]])
    return [
        SlotSet("corregimiento", None),
        SlotSet("services_offset", 0.0),
        SlotSet(OFFERED, _keep(None, fallback)),
        *asked,
    ]


def _log(tracker: Tracker, place: str | None, service_ids: list[str]) -> None:
    """The referral log's row; spooled on disk when the database is down (casework/spool.py),
    so the month's figures lose nobody."""
    key = context.person_key(tracker)
    try:
        handoff = casework.open_handoff_for(key) is not None
    except Exception:  # the database is down: the row still goes, to the spool
        logger.warning("handoff state unknown (database down): referral logged without it")
        handoff = False
    try:
        row = casework.referral_row(
            conversation_key=key,
            channel=context.channel(tracker),
            language=context.language(tracker),
            topic=tracker.get_slot("topic"),
            corregimiento=place,
            service_ids=service_ids,
            handoff=handoff,
        )
        casework.log_referral_durably(row)
    except Exception:  # neither the database nor the disk: the report loses one row
        logger.exception("referral log write failed")


def _told(tracker: Tracker) -> list[str]:
    value = tracker.get_slot("topics_told")
    return [t for t in value if isinstance(t, str)] if isinstance(value, list) else []


class ActionAnswerTopic(Action):
    """The topic's short answer with its source, then the offer of services near the person:
    asked, not sent, so that the turn fits a phone; a topic asked again gets one line."""

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
        follow_up = _follow_up_facet(tracker, topic)
        if follow_up is not None:
            return _answer_facet(dispatcher, tracker.get_slot("topic"), follow_up, language)
        place = context.entity(tracker, "corregimiento") or tracker.get_slot("corregimiento")
        then = replies.want_services(place, language) if place else replies.ask_place(language)
        told = _told(tracker)
        # a long message with several needs: this one answered, the others offered
        others = other_needs(str((tracker.latest_message or {}).get("text") or ""), topic)
        offer = f"\n\n{replies.also_mentioned(others, language)}" if others else ""
        if topic in told:
            text = replies.told_before(topic, language)
        else:
            budget = replies.TURN_CHARS - len(then.text) - len(offer)
            text = replies.topic_answer(content, budget)
            told = [*told, topic]
        dispatcher.utter_message(text=text + offer)
        _send(dispatcher, then)
        return [
            SlotSet("topic", topic),
            SlotSet("topics_told", told),
            SlotSet("needs", None),  # a topic now: its services, not an earlier need's
            *ask("services" if place else "place"),
        ]


def _follow_up_facet(tracker: Tracker, topic: str) -> str | None:
    """The facet a topic message asks about when it is really a follow-up: the topic already
    answered, or a switch the model is not sure of, in words that name a facet."""
    active = tracker.get_slot("topic")
    if active not in TOPICS:
        return None
    message = tracker.latest_message or {}
    facet = facet_in(str(message.get("text") or ""))
    if facet is None:
        return None
    if topic == active:
        return facet if active in _told(tracker) else None
    confidence = float((message.get("intent") or {}).get("confidence") or 0.0)
    return facet if confidence < SURE_SWITCH else None


def _answer_facet(
    dispatcher: CollectingDispatcher, topic: str, facet: str, language: str
) -> Events:
    try:
        content = get_facet(topic, facet, language)
    except Exception:
        logger.exception("content store failed for %s/%s", topic, facet)
        dispatcher.utter_message(response="utter_content_unavailable")
        return []
    dispatcher.utter_message(text=replies.facet_answer(content))
    return []


class ActionAnswerFacet(Action):
    """A follow-up ("y eso es gratis?", "how long does it take?") answered for the topic of
    the conversation, from the topic's facets in the content store."""

    def name(self) -> str:
        return "action_answer_facet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        facet = INTENT_FACET.get(context.intent(tracker) or "")
        topic = tracker.get_slot("topic")
        if facet is None or topic is None:
            dispatcher.utter_message(response="utter_which_topic")
            return []
        return _answer_facet(dispatcher, topic, facet, context.language(tracker))


class ActionShowServices(Action):
    """Services for the place just given or the point just shared, or the question that asks
    for the place."""

    def name(self) -> str:
        return "action_show_services"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        # "sí" to "¿Quieres ver los servicios para X?" lands here too: the question is answered
        done = answered() if tracker.get_slot("question") else []
        if context.intent(tracker) == "find_service":
            # "donde dan comida": food, not every service; a new request forgets an old need
            needs = types_for((tracker.latest_message or {}).get("text") or "") or None
            if needs != tracker.get_slot("needs"):
                tracker.slots["needs"] = needs  # this action's search uses it already
                done.append(SlotSet("needs", needs))
        return done + await self._show(dispatcher, tracker)

    async def _show(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Events:
        language = context.language(tracker)
        point_token = _point_token(tracker)
        if point_token is not None:  # a shared map point, kept by the gateway
            return await send_services_near(dispatcher, tracker, point_token)
        place = context.entity(tracker, "corregimiento")
        text = (tracker.latest_message or {}).get("text") or ""
        if place is None and context.intent(tracker) == "inform_location":
            if text.startswith("/"):  # the "another place" button
                dispatcher.utter_message(text=replies.words(language)["type_place"])
                return ask("place")
            # no known place in the words: let the directory try, then suggest
            return send_services(dispatcher, tracker, replies.place_query(text))
        place = place or tracker.get_slot("corregimiento")
        if not place:
            return ask_place(dispatcher, language)
        return send_services(dispatcher, tracker, place)


class ActionShowServicesYes(ActionShowServices):
    """ "Sí" to "¿Quieres ver los servicios para X?": the services, and the question answered.

    A name of its own, because Rasa's rules must agree on the slots an action sets: this one
    always clears the question, the plain one only when one is pending."""

    def name(self) -> str:
        return "action_show_services_yes"


class ActionMoreServices(Action):
    """The next page of the services offered last: read by id, not searched again."""

    def name(self) -> str:
        return "action_more_services"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        language = context.language(tracker)
        kept = _kept(tracker)
        if kept is None:
            return ask_place(dispatcher, language)
        place, services = kept
        seen = int(tracker.get_slot("services_offset") or 0) + replies.PAGE_SIZE
        try:
            hits = offered(services, language)
        except Exception:
            logger.exception("directory read failed")
            dispatcher.utter_message(response="utter_directory_unavailable")
            return []
        # a service closed since it was offered drops out: the page goes on after those already
        # seen that are still open, so that none not yet seen is skipped
        still = {h["id"] for h in hits}
        offset = sum(1 for sid, _ in services[:seen] if sid in still)
        label = place if place is not None else replies.words(language)["country"]
        _send(dispatcher, replies.service_page(hits, label, language, offset))
        shown = hits[offset : offset + replies.PAGE_SIZE]
        if shown:
            _log(tracker, place, [h["id"] for h in shown])
        events: Events = [SlotSet("services_offset", float(offset))]
        if len(hits) < len(services):
            events.append(SlotSet(OFFERED, _keep(place, hits)))
        return events


def _shown(tracker: Tracker) -> list[ServiceHit]:
    """The services of the last offer the person has seen (every page so far), by id."""
    kept = _kept(tracker)
    if kept is None:
        return []
    end = int(tracker.get_slot("services_offset") or 0) + replies.PAGE_SIZE
    return offered(kept[1][:end], context.language(tracker))


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
            return ask_place(dispatcher, language)
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
