"""Topic -> answer -> services, on a real seeded SQLite directory."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import Engine, select

from actions.orientation import (
    ActionAnswerTopic,
    ActionMoreServices,
    ActionReferralCard,
    ActionReportServiceProblem,
    ActionShowServices,
)
from casework import ReferralRequest, ServiceFlag
from store import db
from tests.actions.conftest import make_tracker

Run = tuple[CollectingDispatcher, list[dict[str, Any]]]


async def run(action: Any, tracker: Any) -> Run:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return dispatcher, events


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
async def test_a_known_place_gives_three_services_in_english_and_logs_no_text(
    directory: Engine,
) -> None:
    tracker = make_tracker(
        "where can i see a doctor",
        "ask_health",
        slots={"language": "en", "corregimiento": "Herrera"},
    )
    dispatcher, events = await run(ActionAnswerTopic(), tracker)
    services = dispatcher.messages[1]
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
    slots = {"corregimiento": "Herrera", "services_offset": 0.0}  # no topic: every type
    first, _ = await run(
        ActionShowServices(), make_tracker("/find_service", "find_service", slots=slots)
    )
    more, events = await run(
        ActionMoreServices(), make_tracker("ver mas", "more_services", slots=slots)
    )
    assert more.messages[0]["text"].split("\n\n")[1].startswith("4. ")
    assert SlotSet("services_offset", 3.0) in events
    card, _ = await run(
        ActionReferralCard(),
        make_tracker("tarjeta", "referral_card", slots={**slots, "services_offset": 3.0}),
    )
    lines = card.messages[0]["text"].splitlines()
    assert lines[0] == "🧾 Tarjeta de referencia" and lines[-1].endswith("911")
    assert len(lines) == 2 + 6


@pytest.mark.asyncio
async def test_something_wrong_asks_which_then_what_then_flags(directory: Engine) -> None:
    slots = {"corregimiento": "Herrera", "topic": "health"}
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
