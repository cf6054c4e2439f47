"""Emergency first: from any state, the first reply is the emergency response in the person's
language (DESIGN.md, "Data protection and safety"; nlu/data/rules/emergency.yml).

The states already covered elsewhere: the middle of a question on papers (test_rest_channel),
the handoff consent question and an open handoff (test_conversations), and, in the test
stories, emotional support. Here: a first message in English and in Spanish (the pair proves
language), a pending erasure question and a service-problem report. Without the action server:
test_without_action_server.py.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.e2e import database
from tests.e2e.conftest import Stack, person_key, variation_text

Responses = dict[str, list[dict[str, Any]]]
PROBLEM_PAYLOAD = "/report_service_problem"


def texts(replies: list[dict[str, Any]]) -> list[str]:
    return [r.get("text", "") for r in replies]


def said(stack: Stack, sender: str) -> list[str]:
    return [e["text"] for e in stack.tracker_events(sender) if e["event"] == "user"]


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "my husband is beating me right now"),
        ("es", "mi esposo me esta golpeando ahora mismo"),
    ],
)
def test_an_emergency_is_answered_in_the_language_it_was_written_in(
    stack: Stack, sender: str, responses: Responses, language: str, message: str
) -> None:
    other = "es" if language == "en" else "en"
    expected = variation_text(responses, "utter_emergency", language)
    assert expected != variation_text(responses, "utter_emergency", other)
    replies = texts(stack.say(sender, message))
    assert "911" in replies[0]
    assert replies[0] == expected
    assert variation_text(responses, "utter_emergency", other) not in replies
    # the follow-up (an urgent handoff) speaks the same language
    assert variation_text(responses, "utter_emergency_handoff", language) in replies[1:]


def test_an_emergency_while_erasure_awaits_confirmation_gets_the_numbers_and_erases_nothing(
    stack: Stack, sender: str, responses: Responses
) -> None:
    key = person_key(sender)
    stack.say(sender, "necesito trabajo en herrera")
    listing = texts(stack.say(sender, "si"))
    assert any(t.startswith("Servicios para Herrera:") for t in listing)
    logged = database.count_rows("referral_request", conversation_key=key)
    assert logged >= 1
    asked = texts(stack.say(sender, "borra mis datos"))
    assert asked[0] == variation_text(responses, "utter_confirm_delete", "es")

    replies = texts(stack.say(sender, "me quiero matar"))
    assert replies[0] == variation_text(responses, "utter_emergency", "es")
    assert "911" in replies[0] and "147" in replies[0]
    assert variation_text(responses, "utter_data_deleted", "es") not in replies

    # an erasure empties the tracker about half a second after its turn (actions/privacy.py)
    time.sleep(2)
    assert database.count_rows("referral_request", conversation_key=key) == logged
    assert database.count_rows("handoff", conversation_key=key, urgent=True) == 1
    assert said(stack, sender) == [
        "necesito trabajo en herrera",
        "si",
        "borra mis datos",
        "me quiero matar",
    ]


def test_an_emergency_while_reporting_a_service_problem_gets_the_numbers_and_flags_nothing(
    stack: Stack, sender: str, responses: Responses
) -> None:
    stack.say(sender, "necesito ir al medico")
    listing = stack.say(sender, '/inform_location{"corregimiento": "Herrera"}')
    assert listing[0]["text"].startswith("Servicios para Herrera:")
    wrong = [b["payload"] for r in listing for b in r.get("buttons", [])]
    assert PROBLEM_PAYLOAD in wrong
    # "Something wrong?" -> which service -> what is wrong: the bot now waits for the problem
    which = stack.say(sender, PROBLEM_PAYLOAD)
    service_payload = which[0]["buttons"][0]["payload"]
    service_id = json.loads(service_payload.removeprefix(PROBLEM_PAYLOAD))["service_id"]
    what = stack.say(sender, service_payload)
    problems = [json.loads(b["payload"].removeprefix(PROBLEM_PAYLOAD)) for b in what[0]["buttons"]]
    assert {p["service_id"] for p in problems} == {service_id}
    assert {p["problem"] for p in problems} == {"closed", "wrong_data"}
    flags = database.count_rows("service_flag", service_id=service_id)

    replies = texts(stack.say(sender, "ayuda mi esposo me esta golpeando"))
    assert replies[0] == variation_text(responses, "utter_emergency", "es")
    assert "911" in replies[0] and "182" in replies[0]
    assert database.count_rows("service_flag", service_id=service_id) == flags
