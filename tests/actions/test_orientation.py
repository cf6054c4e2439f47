"""Topic -> answer -> services, on a real seeded SQLite directory."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import Engine, select

from actions import replies
from actions.orientation import (
    ActionAnswerFacet,
    ActionAnswerTopic,
    ActionMoreServices,
    ActionReferralCard,
    ActionReportServiceProblem,
    ActionShowServices,
)
from actions.questions import ask
from actions.replies import PAGE_SIZE
from casework import ReferralRequest, ServiceFlag
from content.topics import get_facet
from referral_directory import api
from referral_directory.records import ServiceRecord
from store import db
from tests.actions.conftest import make_tracker

Run = tuple[CollectingDispatcher, list[dict[str, Any]]]


async def run(action: Any, tracker: Any) -> Run:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return dispatcher, events


def carried(slots: dict[str, Any], events: list[dict[str, Any]]) -> dict[str, Any]:
    """The slots after the events, as Rasa keeps them for the next turn."""
    out = dict(slots)
    out.update({e["name"]: e["value"] for e in events if e.get("event") == "slot"})
    return out


def referrals(eng: Engine) -> list[ReferralRequest]:
    with db.session(eng) as s:
        return list(s.scalars(select(ReferralRequest)))


@pytest.mark.asyncio
async def test_a_topic_is_answered_with_its_source_then_the_place_is_asked(
    directory: Engine,
) -> None:
    dispatcher, events = await run(
        ActionAnswerTopic(), make_tracker("necesito ir al medico", "ask_health")
    )
    answer, question = dispatcher.messages
    assert "Fuente:" in answer["text"] and "revisado el 2026-11-23" in answer["text"]
    assert len(answer["text"]) < 1200
    titles = [b["title"] for b in question["buttons"]]
    assert {"Las Mañanitas", "Omar Torrijos", "Amelia Denis de Icaza", "Herrera"} <= set(titles)
    assert {"Barrio Colón", "Barrio Balboa", "Otro lugar"} <= set(titles)
    assert SlotSet("topic", "health") in events
    assert referrals(directory) == []


@pytest.mark.asyncio
async def test_a_known_place_offers_the_services_then_a_yes_gives_three_and_logs_no_text(
    directory: Engine,
) -> None:
    slots = {"language": "en", "corregimiento": "Herrera"}
    tracker = make_tracker("where can i see a doctor", "ask_health", slots=slots)
    dispatcher, events = await run(ActionAnswerTopic(), tracker)
    # the answer, then the question: the services come only when the person wants them
    asked = dispatcher.messages[1]
    assert asked["text"] == "Do you want to see the services for Herrera?"
    assert asked["buttons"][0]["payload"] == '/affirm{"question": "services"}'
    assert SlotSet("question", "services") in events
    assert sum(len(m["text"]) for m in dispatcher.messages) <= replies.TURN_CHARS
    assert referrals(directory) == []
    yes = make_tracker("yes", "affirm", slots={**slots, "topic": "health", "question": "services"})
    dispatcher, events = await run(ActionShowServices(), yes)
    services = dispatcher.messages[0]
    assert services["text"].startswith("Services for Herrera:")
    assert services["text"].count("\n\n") == 3  # heading + three services
    assert "not yet verified" in services["text"]
    assert {b["payload"] for b in services["buttons"]} >= {
        "/referral_card",
        "/report_service_problem",
    }
    [row] = referrals(directory)
    assert (row.language, row.topic, row.corregimiento, row.channel) == (
        "en",
        "health",
        "Herrera",
        "rest",
    )
    assert len(row.services.split()) == 3
    assert row.conversation_key != "c0ffee" and len(row.conversation_key) == 64
    assert SlotSet("corregimiento", "Herrera") in events
    assert SlotSet("question", None) in events  # the question is answered


@pytest.mark.asyncio
async def test_a_topic_asked_again_gets_one_line_not_the_answer_again(directory: Engine) -> None:
    first, events = await run(
        ActionAnswerTopic(), make_tracker("quiero pedir refugio", "ask_refuge")
    )
    told = next(e["value"] for e in events if e.get("name") == "topics_told")
    assert told == ["refuge"]
    again, _ = await run(
        ActionAnswerTopic(),
        make_tracker("como es el proceso de refugio", "ask_refuge", slots={"topics_told": told}),
    )
    assert again.messages[0]["text"] == replies.told_before("refuge", "es")
    assert len(again.messages[0]["text"]) < 200


@pytest.mark.asyncio
async def test_a_follow_up_is_answered_for_the_topic_of_the_conversation(
    directory: Engine,
) -> None:
    tracker = make_tracker("y eso es gratis?", "ask_cost", slots={"topic": "refuge"})
    dispatcher, _ = await run(ActionAnswerFacet(), tracker)
    text = dispatcher.messages[0]["text"]
    assert text.startswith(get_facet("refuge", "cost", "es").text)
    assert "Fuente:" in text
    # no topic yet: which one, rather than a guess
    dispatcher, _ = await run(ActionAnswerFacet(), make_tracker("cuanto tarda?", "ask_duration"))
    assert dispatcher.messages[0]["response"] == "utter_which_topic"


@pytest.mark.asyncio
async def test_a_typo_in_the_place_still_finds_it(directory: Engine) -> None:
    tracker = make_tracker(
        "vivo en herera",
        "inform_location",
        entities=[{"entity": "corregimiento", "value": "Herrera"}],
        slots={"topic": "employment"},
    )
    dispatcher, events = await run(ActionShowServices(), tracker)
    assert dispatcher.messages[0]["text"].startswith("Servicios para Herrera:")


@pytest.mark.asyncio
async def test_an_unknown_place_says_so_then_gives_national_services(directory: Engine) -> None:
    tracker = make_tracker("vivo en villa inventada", "inform_location", slots={"topic": "health"})
    dispatcher, events = await run(ActionShowServices(), tracker)
    texts = [m["text"] for m in dispatcher.messages]
    assert texts[0].startswith("No encontré el lugar «villa inventada»")
    assert any("todo el país" in t for t in texts)
    assert texts[-1].startswith("Servicios para todo el país:") and "(nacional)" in texts[-1]
    assert SlotSet("corregimiento", None) in events


@pytest.mark.asyncio
async def test_the_another_place_button_asks_to_type_it(directory: Engine) -> None:
    dispatcher, _ = await run(
        ActionShowServices(), make_tracker("/inform_location", "inform_location")
    )
    assert "Escribe el nombre de tu corregimiento" in dispatcher.messages[0]["text"]


@pytest.mark.asyncio
async def test_more_pages_through_and_the_card_lists_what_was_shown(directory: Engine) -> None:
    slots = {"corregimiento": "Herrera"}  # no topic: every type
    first, events = await run(
        ActionShowServices(), make_tracker("/find_service", "find_service", slots=slots)
    )
    slots = carried(slots, events)
    more, events = await run(
        ActionMoreServices(), make_tracker("ver mas", "more_services", slots=slots)
    )
    assert more.messages[0]["text"].split("\n\n")[1].startswith("4. ")
    assert SlotSet("services_offset", 3.0) in events
    card, _ = await run(
        ActionReferralCard(),
        make_tracker("tarjeta", "referral_card", slots=carried(slots, events)),
    )
    lines = card.messages[0]["text"].splitlines()
    assert lines[0] == "🧾 Tarjeta de referencia" and lines[-1].endswith("911")
    assert len(lines) == 2 + 6


@pytest.mark.asyncio
async def test_something_wrong_asks_which_then_what_then_flags(directory: Engine) -> None:
    listed, events = await run(
        ActionShowServices(),
        make_tracker("/find_service", "find_service", slots={"corregimiento": "Herrera"}),
    )
    slots = carried({"corregimiento": "Herrera", "topic": "health"}, events)
    which, _ = await run(
        ActionReportServiceProblem(),
        make_tracker("algo esta mal", "report_service_problem", slots=slots),
    )
    service_id = (
        which.messages[0]["buttons"][0]["payload"].split('"service_id": "')[1].split('"')[0]
    )
    entities = [{"entity": "service_id", "value": service_id}]
    what, _ = await run(
        ActionReportServiceProblem(),
        make_tracker(
            "/report_service_problem", "report_service_problem", slots=slots, entities=entities
        ),
    )
    assert [b["title"] for b in what.messages[0]["buttons"]] == [
        "Está cerrado",
        "Datos incorrectos",
    ]
    entities.append({"entity": "problem", "value": "closed"})
    done, _ = await run(
        ActionReportServiceProblem(),
        make_tracker(
            "/report_service_problem", "report_service_problem", slots=slots, entities=entities
        ),
    )
    assert done.messages[0]["text"].startswith("Gracias")
    with db.session(directory) as s:
        assert [(f.service_id, f.kind) for f in s.scalars(select(ServiceFlag))] == [
            (service_id, "closed")
        ]


@pytest.mark.asyncio
async def test_a_forged_service_id_is_not_flagged(directory: Engine) -> None:
    entities = [
        {"entity": "service_id", "value": "+507 6000-0000"},
        {"entity": "problem", "value": "closed"},
    ]
    dispatcher, _ = await run(
        ActionReportServiceProblem(),
        make_tracker("/report_service_problem", "report_service_problem", entities=entities),
    )
    assert dispatcher.messages[0]["response"] == "utter_directory_unavailable"
    with db.session(directory) as s:
        assert list(s.scalars(select(ServiceFlag))) == []


@pytest.mark.asyncio
async def test_a_broken_database_still_answers_with_the_iom_contact(
    directory: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'nothing.sqlite'}")
    from referral_directory.placedb import forget_place_index

    forget_place_index()
    tracker = make_tracker("/find_service", "find_service", slots={"corregimiento": "Herrera"})
    dispatcher, _ = await run(ActionShowServices(), tracker)
    assert dispatcher.messages[0]["response"] == "utter_directory_unavailable"


def _lists(text: str, names: list[str], first: int = 1) -> bool:
    """Whether a page lists exactly these services, numbered from `first`."""
    blocks = text.split("\n\n")[1:]
    return len(blocks) == len(names) and all(
        block.startswith(f"{n}. {name} (")
        for n, (block, name) in enumerate(zip(blocks, names), first)
    )


def _card_lists(text: str, names: list[str]) -> bool:
    # a service not yet verified carries the mark after its name: set aside to compare names
    lines = [re.sub(r" \(⚠ [^)]*\)", "", line) for line in text.splitlines()[1:-1]]
    return len(lines) == len(names) and all(
        line == f"• {name}" or line.startswith(f"• {name}: ") for line, name in zip(lines, names)
    )


@pytest.mark.asyncio
async def test_more_the_card_and_something_wrong_use_what_was_shown_not_a_new_search(
    directory: Engine,
) -> None:
    slots: dict[str, Any] = {"corregimiento": "Herrera"}
    first, events = await run(
        ActionShowServices(), make_tracker("/find_service", "find_service", slots=slots)
    )
    slots = carried(slots, events)
    kept = slots["offered_services"]
    assert kept["place"] == "Herrera" and len(kept["services"]) > 2 * PAGE_SIZE
    ids = [s["id"] for s in kept["services"]]
    names = [api.get(sid, engine=directory).name for sid in ids]
    assert _lists(first.messages[0]["text"], names[:PAGE_SIZE])
    # staff add a service that a new search would put first
    new = api.create(
        ServiceRecord(
            organization="Organización de prueba",
            name="AAA servicio nuevo",
            types=("information",),
            scope=("corregimiento:Herrera",),
        ),
        engine=directory,
    )
    assert api.search("herrera", engine=directory)["services"][0]["id"] == new
    more, events = await run(
        ActionMoreServices(), make_tracker("ver mas", "more_services", slots=slots)
    )
    slots = carried(slots, events)
    assert more.messages[0]["text"].startswith("Servicios para Herrera:")
    assert _lists(more.messages[0]["text"], names[PAGE_SIZE : 2 * PAGE_SIZE], PAGE_SIZE + 1)
    card, _ = await run(ActionReferralCard(), make_tracker("tarjeta", "referral_card", slots=slots))
    assert _card_lists(card.messages[0]["text"], names[: 2 * PAGE_SIZE])
    which, _ = await run(
        ActionReportServiceProblem(),
        make_tracker("algo esta mal", "report_service_problem", slots=slots),
    )
    flagged = [
        json.loads(b["payload"].removeprefix("/report_service_problem"))["service_id"]
        for b in which.messages[0]["buttons"]
    ]
    assert flagged == ids[: 2 * PAGE_SIZE] and new not in flagged
    # every page logged the ids it showed, and only those
    logged = [row.services.split() for row in referrals(directory)]
    assert sorted(logged) == sorted([ids[:PAGE_SIZE], ids[PAGE_SIZE : 2 * PAGE_SIZE]])


@pytest.mark.asyncio
async def test_without_an_offer_kept_more_and_the_card_ask_for_the_place(directory: Engine) -> None:
    # a place in the slot is not enough: the list the person saw is not known, so nothing is
    # searched and shown as if it were
    slots = {"corregimiento": "Herrera", "services_offset": 0.0}
    for action, intent in (
        (ActionMoreServices(), "more_services"),
        (ActionReferralCard(), "referral_card"),
    ):
        dispatcher, events = await run(action, make_tracker(intent, intent, slots=slots))
        assert [m["text"] for m in dispatcher.messages] == [replies.ask_place("es").text]
        assert events == ask("place")
    assert referrals(directory) == []


@pytest.mark.asyncio
async def test_the_national_services_shown_for_an_unknown_place_can_be_paged_and_kept(
    directory: Engine,
) -> None:
    tracker = make_tracker("vivo en villa inventada", "inform_location", slots={"language": "en"})
    listed, events = await run(ActionShowServices(), tracker)
    slots = carried({"language": "en"}, events)
    assert slots["corregimiento"] is None and slots["offered_services"]["place"] is None
    ids = [s["id"] for s in slots["offered_services"]["services"]]
    assert len(ids) > PAGE_SIZE
    names = [api.get(sid, engine=directory).name_en for sid in ids]
    assert _lists(listed.messages[-1]["text"], names[:PAGE_SIZE])
    assert listed.messages[-1]["text"].startswith("Services for the whole country:")
    more, events = await run(
        ActionMoreServices(), make_tracker("more", "more_services", slots=slots)
    )
    assert more.messages[0]["text"].startswith("Services for the whole country:")
    assert _lists(more.messages[0]["text"], names[PAGE_SIZE : 2 * PAGE_SIZE], PAGE_SIZE + 1)
    card, _ = await run(
        ActionReferralCard(), make_tracker("card", "referral_card", slots=carried(slots, events))
    )
    assert _card_lists(card.messages[0]["text"], names[: 2 * PAGE_SIZE])


@pytest.mark.asyncio
async def test_a_service_closed_after_it_was_shown_drops_out_and_none_is_skipped(
    directory: Engine,
) -> None:
    slots: dict[str, Any] = {"corregimiento": "Herrera"}
    _, events = await run(
        ActionShowServices(), make_tracker("/find_service", "find_service", slots=slots)
    )
    slots = carried(slots, events)
    ids = [s["id"] for s in slots["offered_services"]["services"]]
    names = [api.get(sid, engine=directory).name for sid in ids]
    api.close(ids[1], engine=directory)  # on the first page
    more, events = await run(
        ActionMoreServices(), make_tracker("ver mas", "more_services", slots=slots)
    )
    # the second page starts with the fourth service offered, numbered after the two still open
    assert _lists(more.messages[0]["text"], names[PAGE_SIZE : 2 * PAGE_SIZE], PAGE_SIZE)
    slots = carried(slots, events)
    assert ids[1] not in {s["id"] for s in slots["offered_services"]["services"]}
    card, _ = await run(ActionReferralCard(), make_tracker("tarjeta", "referral_card", slots=slots))
    assert _card_lists(card.messages[0]["text"], [names[0], *names[2 : 2 * PAGE_SIZE]])


@pytest.mark.asyncio
async def test_a_topic_asked_again_with_a_facet_s_words_gets_that_facet(
    directory: Engine,
) -> None:
    slots = {"topic": "health", "topics_told": ["health"]}
    tracker = make_tracker("nos toca pagar las medicinas?", "ask_health", slots=slots)
    dispatcher, _ = await run(ActionAnswerTopic(), tracker)
    assert dispatcher.messages[0]["text"].startswith(get_facet("health", "cost", "es").text)


@pytest.mark.asyncio
async def test_an_unsure_switch_of_topic_in_a_follow_up_stays_on_the_topic(
    directory: Engine,
) -> None:
    """After the refuge answer, "y qué papeles me piden?" read as regularization at 0.71 gets
    the refuge documents, not the lawyer and apostilled papers of residence."""
    slots = {"topic": "refuge", "topics_told": ["refuge"]}
    unsure = {"intent": {"name": "ask_regularization", "confidence": 0.71}}
    tracker = make_tracker(
        "y que papeles me piden?", "ask_regularization", slots=slots, extra=unsure
    )
    dispatcher, _ = await run(ActionAnswerTopic(), tracker)
    assert dispatcher.messages[0]["text"].startswith(get_facet("refuge", "requirements", "es").text)
    # sure of the switch, the new topic is answered
    sure = make_tracker("y el permiso de trabajo cuanto cuesta", "ask_work_permit", slots=slots)
    dispatcher, events = await run(ActionAnswerTopic(), sure)
    assert SlotSet("topic", "work_permit") in events
    assert "MITRADEL" in dispatcher.messages[0]["text"]


@pytest.mark.asyncio
async def test_food_asked_plainly_offers_food_services_and_keeps_the_need(
    directory: Engine,
) -> None:
    tracker = make_tracker(
        "donde dan comida en herrera",
        "find_service",
        entities=[{"entity": "corregimiento", "value": "Herrera"}],
    )
    dispatcher, events = await run(ActionShowServices(), tracker)
    assert SlotSet("needs", ["food"]) in events
    kept = next(e["value"] for e in events if e.get("name") == "offered_services")
    assert kept["services"]
    for entry in kept["services"]:
        assert "food" in api.get(entry["id"]).types
    # a topic afterwards forgets the need
    _, events = await run(ActionAnswerTopic(), make_tracker("necesito un medico", "ask_health"))
    assert SlotSet("needs", None) in events


@pytest.mark.asyncio
async def test_a_long_message_gets_its_main_need_and_the_others_offered(
    directory: Engine,
) -> None:
    text = (
        "hello, sorry for the long message. my wife is pregnant and we have not seen a doctor "
        "yet, my visa expired two months ago, and the boss at the construction site has not paid "
        "me for three weeks. we are from venezuela and do not know where to start"
    )
    dispatcher, _ = await run(
        ActionAnswerTopic(), make_tracker(text, "ask_health", slots={"language": "en"})
    )
    answer = dispatcher.messages[0]["text"]
    assert answer.endswith(
        "You also told me about papers and regularization and jobs: write to me about it when "
        "you want."
    )
    assert sum(len(m.get("text") or "") for m in dispatcher.messages) <= replies.TURN_CHARS
