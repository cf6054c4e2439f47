"""Handoff with consent, the emergency follow-up, erasure, and the second miss."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import Engine, func, select

import casework
from actions import privacy
from actions.handoff import (
    ActionEmergencyFollowup,
    ActionExplainHandoff,
    ActionHandoffHold,
    ActionNotUnderstood,
    ActionOpenHandoff,
)
from actions.privacy import ActionDeleteMyData
from actions.questions import (
    ActionAnswerNo,
    ActionCancel,
    ActionReaskQuestion,
    ActionScopeQuestion,
    answered,
    ask,
)
from store import db
from tests.actions.conftest import ASKED_CONSENT, handoffs, make_tracker
from tests.actions.conftest import run_action as run

DOMAIN: dict[str, Any] = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "domain.yml").read_text(encoding="utf-8")
)


def user(text: str, intent: str = "ask_refuge") -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


@pytest.mark.asyncio
async def test_consent_is_asked_before_anything_is_recorded(directory: Engine) -> None:
    dispatcher, events = await run(
        ActionExplainHandoff(), make_tracker("una persona", "request_human")
    )
    assert dispatcher.messages[0]["response"] == "utter_handoff_consent"
    assert events == ask("consent")
    assert handoffs(directory) == []
    no = make_tracker("no", "deny", slots={"question": "consent"}, events=ASKED_CONSENT)
    dispatcher, events = await run(ActionAnswerNo(), no)
    assert dispatcher.messages[0]["response"] == "utter_human_contact"
    assert events == answered()
    assert handoffs(directory) == []


@pytest.mark.asyncio
async def test_on_yes_the_handoff_keeps_context_but_no_contacts(directory: Engine) -> None:
    events = [
        user("tengo miedo de volver, mi numero es +507 6000-0000"),
        user("/affirm", "affirm"),
        user("mi pasaporte es X0000000 y mi correo user@example.org"),
        *ASKED_CONSENT[1:],  # the consent question, and the "si" that answers it
    ]
    tracker = make_tracker(
        "si",
        "affirm",
        slots={"topic": "refuge", "corregimiento": "Herrera", "language": "es"},
        events=events,
        extra={"metadata": {"channel": "telegram"}},
    )
    dispatcher, out = await run(ActionOpenHandoff(), tracker)
    assert dispatcher.messages[0]["response"] == "utter_handoff_opened"
    assert SlotSet("handoff_open", True) in out
    [row] = handoffs(directory)
    assert (row.topic, row.corregimiento, row.channel, row.urgent) == (
        "refuge",
        "Herrera",
        "telegram",
        False,
    )
    assert "miedo de volver" in row.summary and "/affirm" not in row.summary
    for secret in ("6000", "X0000000", "example.org"):
        assert secret not in row.summary


@pytest.mark.asyncio
async def test_an_emergency_records_an_urgent_handoff_without_words(directory: Engine) -> None:
    tracker = make_tracker(
        "me estan pegando",
        "emergency",
        extra={"emergency_guard": {"category": "violence", "classifier_intent": "emergency"}},
    )
    dispatcher = CollectingDispatcher()
    await ActionEmergencyFollowup().run(dispatcher, tracker, DOMAIN)
    assert [m["response"] for m in dispatcher.messages] == [
        "utter_emergency_violence",
        "utter_emergency_handoff",
    ]
    [row] = handoffs(directory)
    assert row.urgent and row.summary == "emergency: violence"


@pytest.mark.parametrize(
    "category",
    ["suicide", "violence", "sexual_violence", "trafficking", "missing_child", "medical"],
)
def test_every_danger_category_has_its_hotline_line_in_both_languages(category: str) -> None:
    variations = DOMAIN["responses"][f"utter_emergency_{category}"]
    assert len(variations) == 2 and all(v["text"] for v in variations)


@pytest.mark.asyncio
async def test_an_emergency_the_classifier_alone_caught_gets_no_extra_line(
    directory: Engine,
) -> None:
    dispatcher = CollectingDispatcher()
    await ActionEmergencyFollowup().run(dispatcher, make_tracker("ayuda", "emergency"), DOMAIN)
    assert [m["response"] for m in dispatcher.messages] == ["utter_emergency_handoff"]


@pytest.mark.asyncio
async def test_the_second_miss_in_a_row_offers_a_person(directory: Engine) -> None:
    once, _ = await run(
        ActionNotUnderstood(),
        make_tracker("asdf", "nlu_fallback", events=[user("asdf", "nlu_fallback")]),
    )
    assert [m["response"] for m in once.messages] == ["utter_default"]
    twice, events = await run(
        ActionNotUnderstood(),
        make_tracker(
            "qwer",
            "nlu_fallback",
            events=[user("asdf", "nlu_fallback"), user("qwer", "nlu_fallback")],
        ),
    )
    assert [m["response"] for m in twice.messages] == [
        "utter_default_twice",
        "utter_handoff_consent",
    ]
    assert events == ask("consent")


class _FakeRasa(BaseHTTPRequestHandler):
    """Rasa's `PUT /conversations/{id}/tracker/events`, recording what it was asked."""

    calls: list[tuple[str, Any]] = []

    def do_PUT(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _FakeRasa.calls.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def do_POST(self) -> None:  # noqa: N802 (the gateway's internal endpoint, same fake)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _FakeRasa.calls.append((f"{self.path} {self.headers['Authorization']}", body))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def rasa(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, Any]]]:
    server = HTTPServer(("127.0.0.1", 0), _FakeRasa)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("RASA_URL", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv("RASA_TOKEN", "t0ken-" + "x" * 30)
    monkeypatch.setenv("GATEWAY_URL", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv("GATEWAY_INTERNAL_TOKEN", "internal-" + "y" * 30)
    _FakeRasa.calls = []
    yield _FakeRasa.calls
    server.shutdown()


def _one_referral(key: str) -> None:
    """A referral row of the person's, for an erasure to remove or keep."""
    casework.log_referral(
        conversation_key=key,
        channel="rest",
        language="es",
        topic=None,
        corregimiento=None,
        service_ids=[],
    )


#: the bot asked "¿Borro todo...?" in its last turn, and the person answered
ASKED_TO_ERASE = [
    user("borra mis datos", "delete_my_data"),
    {"event": "action", "name": "action_ask_delete_confirmation"},
    {"event": "slot", "name": "question", "value": "erasure"},
    {"event": "action", "name": "action_listen"},
    user("si", "affirm"),
]


@pytest.mark.asyncio
async def test_a_yes_to_a_consent_question_asked_turns_ago_hands_nothing_off(
    directory: Engine,
) -> None:
    late = [*ASKED_CONSENT[:4], user("cuanto cuesta?", "ask_regularization")]
    late += [{"event": "action", "name": "action_answer_topic"}, user("si", "affirm")]
    tracker = make_tracker("si", "affirm", slots={"question": "consent"}, events=late)
    # the gate drops the question before anything is predicted ...
    _, events = await run(ActionScopeQuestion(), tracker)
    assert events == [SlotSet("question", None)]
    # ... and should a yes reach the handoff anyway, it is not consent
    dispatcher, events = await run(ActionOpenHandoff(), tracker)
    assert dispatcher.messages[0]["response"] == "utter_stale_answer"
    assert events == answered()
    assert handoffs(directory) == []


@pytest.mark.asyncio
async def test_a_yes_to_an_erasure_question_asked_turns_ago_erases_nothing(
    directory: Engine,
) -> None:
    late = [*ASKED_TO_ERASE[:4], user("y cuanto cuesta la multa?", "ask_regularization")]
    late += [{"event": "action", "name": "action_answer_topic"}, user("si", "affirm")]
    tracker = make_tracker(
        "si", "affirm", sender="person/2", slots={"question": "erasure"}, events=late
    )
    key = privacy.context.person_key(tracker)
    _one_referral(key)
    _, events = await run(ActionScopeQuestion(), tracker)
    assert events == [SlotSet("question", None)]
    dispatcher, events = await run(ActionDeleteMyData(), tracker)
    assert dispatcher.messages[0]["response"] == "utter_stale_answer"
    with db.session(directory) as s:
        assert s.scalar(select(func.count()).select_from(casework.ReferralRequest)) == 1


@pytest.mark.asyncio
async def test_an_unclear_answer_gets_the_question_again_and_a_yes_then_erases(
    directory: Engine, rasa: list[tuple[str, Any]]
) -> None:
    unclear = [*ASKED_TO_ERASE[:4], user("y eso que es?", "nlu_fallback")]
    tracker = make_tracker(
        "y eso que es?", "nlu_fallback", slots={"question": "erasure"}, events=unclear
    )
    _, events = await run(ActionScopeQuestion(), tracker)
    assert events == [SlotSet("question_repeated", True)]  # kept, for the second asking
    tracker.slots["question_repeated"] = True
    dispatcher, events = await run(ActionReaskQuestion(), tracker)
    assert [m["response"] for m in dispatcher.messages] == [
        "utter_answer_needed",
        "utter_confirm_delete",
    ]
    again = [*unclear, {"event": "action", "name": "action_reask_question"}, *events]
    again.append(user("si", "affirm"))
    tracker = make_tracker(
        "si", "affirm", slots={"question": "erasure", "question_repeated": True}, events=again
    )
    _, kept = await run(ActionScopeQuestion(), tracker)
    assert kept == []  # the answer to the second asking counts
    dispatcher, events = await run(ActionDeleteMyData(), tracker)
    assert dispatcher.messages[0]["response"] == "utter_data_deleted"


@pytest.mark.asyncio
async def test_erasure_removes_rows_and_empties_the_tracker(
    directory: Engine, rasa: list[tuple[str, Any]]
) -> None:
    tracker = make_tracker("si", "affirm", sender="person/1", events=ASKED_TO_ERASE)
    key = privacy.context.person_key(tracker)
    casework.open_handoff(
        conversation_key=key,
        channel="rest",
        language="es",
        topic=None,
        corregimiento=None,
        summary="",
    )
    _one_referral(key)
    dispatcher, events = await run(ActionDeleteMyData(), tracker)
    assert dispatcher.messages[0]["response"] == "utter_data_deleted"
    assert events == [*answered(), SlotSet("handoff_open", False)]
    # the open case is closed for the caseworker as "erased", with nothing of the person left
    [tombstone] = handoffs(directory)
    assert (tombstone.status, tombstone.outcome) == ("closed", "erased")
    assert tombstone.conversation_key != key and tombstone.summary == ""
    assert (tombstone.topic, tombstone.corregimiento, tombstone.reply_route) == (None, None, "")
    # the tracker is emptied in the background: wait for Rasa to be asked, as long as the
    # action's own HTTP timeout (10 s) and then some, since a loaded machine can be slow
    deadline = time.monotonic() + 30
    while len(rasa) < 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert sorted(rasa, key=str) == sorted(
        [
            ("/conversations/person%2F1/tracker/events?token=t0ken-" + "x" * 30, []),
            # and the gateway forgets any caseworker text it holds for the person
            ("/internal/handoff-closed Bearer internal-" + "y" * 30, {"conversation_key": key}),
        ],
        key=str,
    )


@pytest.mark.asyncio
async def test_a_held_message_waits_until_the_caseworker_closes_the_case(directory: Engine) -> None:
    tracker = make_tracker("y ahora que", "help", slots={"handoff_open": True})
    handoff_id = casework.open_handoff(
        conversation_key=privacy.context.person_key(tracker),
        channel="rest",
        language="es",
        topic=None,
        corregimiento=None,
        summary="",
    )
    held, events = await run(ActionHandoffHold(), tracker)
    assert held.messages[0]["response"] == "utter_handoff_hold" and events == []
    casework.close_handoff(handoff_id)
    back, events = await run(ActionHandoffHold(), tracker)
    assert back.messages[0]["response"] == "utter_handoff_closed"
    assert events == [SlotSet("handoff_open", False)]


@pytest.mark.asyncio
async def test_cancel_during_an_open_handoff_closes_it_as_withdrawn(directory: Engine) -> None:
    tracker = make_tracker("ya no necesito, cancela", "cancel", slots={"handoff_open": True})
    handoff_id = casework.open_handoff(
        conversation_key=privacy.context.person_key(tracker),
        channel="rest",
        language="es",
        topic="refuge",
        corregimiento=None,
        summary="tengo miedo de volver",
    )
    dispatcher, events = await run(ActionCancel(), tracker)
    assert dispatcher.messages[0]["response"] == "utter_handoff_withdrawn"
    assert events == [SlotSet("handoff_open", False)]
    [row] = handoffs(directory)
    assert (row.id, row.status, row.outcome) == (handoff_id, "closed", "withdrawn")


@pytest.mark.asyncio
async def test_cancel_drops_a_pending_question_and_says_which(directory: Engine) -> None:
    tracker = make_tracker(
        "mejor no, cancela", "cancel", slots={"question": "consent"}, events=ASKED_CONSENT
    )
    dispatcher, events = await run(ActionCancel(), tracker)
    assert dispatcher.messages[0]["response"] == "utter_consent_dropped"
    assert events == answered()
    nothing, events = await run(ActionCancel(), make_tracker("cancela", "cancel"))
    assert nothing.messages[0]["response"] == "utter_nothing_to_cancel" and events == []
    assert handoffs(directory) == []


LONG_ES = (
    "hola buenas noches, disculpe lo largo. mi esposa esta embarazada de 6 meses y no la ha "
    "visto un medico, a mi se me vencio la visa hace dos meses y el jefe de la obra no me paga "
    "desde hace tres semanas, no se por donde empezar y estoy desesperado"
)


@pytest.mark.asyncio
async def test_a_long_message_the_model_could_not_settle_asks_which_need_first(
    directory: Engine,
) -> None:
    dispatcher, _ = await run(
        ActionNotUnderstood(),
        make_tracker(LONG_ES, "nlu_fallback", events=[user(LONG_ES, "nlu_fallback")]),
    )
    [message] = dispatcher.messages
    assert "¿Por cuál empezamos?" in message["text"]
    assert [b["payload"] for b in message["buttons"]] == [
        "/ask_health",
        "/ask_regularization",
        "/ask_employment",
    ]


@pytest.mark.asyncio
async def test_an_emergency_in_a_long_message_offers_the_other_needs_for_later(
    directory: Engine,
) -> None:
    text = LONG_ES + " y ahorita el jefe me esta amenazando con un machete"
    tracker = make_tracker(
        text,
        "emergency",
        extra={"emergency_guard": {"category": "violence", "classifier_intent": "emergency"}},
    )
    dispatcher = CollectingDispatcher()
    await ActionEmergencyFollowup().run(dispatcher, tracker, DOMAIN)
    first, *_, last = dispatcher.messages
    assert first["response"] == "utter_emergency_violence"
    assert last["text"].startswith("Cuando estés a salvo") and "salud" in last["text"]


@pytest.mark.asyncio
async def test_a_question_read_as_a_request_to_erase_is_not_the_yes(
    directory: Engine, rasa: list[tuple[str, Any]]
) -> None:
    """Asked to confirm the erasure, "¿y eso qué significa? ¿se borra lo del caso también?"
    (read by the classifier as delete_my_data, which confirms) asks: it gets what is kept and
    the question again; asked a second time, a question keeps everything."""
    asking = "y eso q significa? se borra lo del caso tambien?"
    events = [*ASKED_TO_ERASE[:4], user(asking, "delete_my_data")]
    tracker = make_tracker(
        asking, "delete_my_data", sender="person/3", slots={"question": "erasure"}, events=events
    )
    key = privacy.context.person_key(tracker)
    _one_referral(key)
    dispatcher, reasked = await run(ActionDeleteMyData(), tracker)
    assert [m["response"] for m in dispatcher.messages] == ["utter_privacy", "utter_confirm_delete"]
    assert reasked == [SlotSet("question", "erasure"), SlotSet("question_repeated", True)]
    again = [*events, {"event": "action", "name": "action_delete_my_data"}, *reasked]
    again.append(user("pero se borra todo?", "delete_my_data"))
    tracker = make_tracker(
        "pero se borra todo?", "delete_my_data", sender="person/3",
        slots={"question": "erasure", "question_repeated": True}, events=again,
    )  # fmt: skip
    dispatcher, kept = await run(ActionDeleteMyData(), tracker)
    assert [m["response"] for m in dispatcher.messages] == ["utter_data_kept"]
    assert kept == answered()
    assert rasa == []  # the tracker was never wiped
    with db.session(directory) as s:
        assert s.scalar(select(func.count()).select_from(casework.ReferralRequest)) == 1


@pytest.mark.asyncio
async def test_a_refusal_read_as_a_request_to_erase_keeps_everything_at_once(
    directory: Engine, rasa: list[tuple[str, Any]]
) -> None:
    refusal = "no don't delete anything"
    events = [*ASKED_TO_ERASE[:4], user(refusal, "delete_my_data")]
    tracker = make_tracker(
        refusal, "delete_my_data", sender="person/4", slots={"question": "erasure"}, events=events
    )
    dispatcher, kept = await run(ActionDeleteMyData(), tracker)
    assert [m["response"] for m in dispatcher.messages] == ["utter_data_kept"]
    assert kept == answered() and rasa == []
