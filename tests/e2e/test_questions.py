"""Every yes/no question answers only itself, through the REST channel (issue 10).

Each test plays one question and its interruption as a person would, then reads what a
caseworker and an auditor would see: the handoff table under the person's key and the slots
of Rasa's tracker. The question pending is the tracker's `question` slot; it must be empty
whenever the bot's last turn did not ask it.
"""

from __future__ import annotations

import time
from typing import Any

from actions.replies import words
from content.topics import get_facet
from tests.e2e import database
from tests.e2e.conftest import Stack, person_key, variation_text

Responses = dict[str, list[dict[str, Any]]]


def texts(replies: list[dict[str, Any]]) -> list[str]:
    return [r.get("text", "") for r in replies]


def slots(stack: Stack, sender: str) -> dict[str, Any]:
    return stack.slots(sender)


def handoffs(sender: str, **where: object) -> int:
    return database.count_rows("handoff", conversation_key=person_key(sender), **where)


def test_consent_then_erasure_erases_and_hands_nothing_off(
    stack: Stack, sender: str, responses: Responses
) -> None:
    stack.say(sender, "quiero hablar con una persona")
    assert slots(stack, sender)["question"] == "consent"
    asked = texts(stack.say(sender, "mejor borra mis datos"))
    assert asked[0] == variation_text(responses, "utter_confirm_delete", "es")
    assert slots(stack, sender)["question"] == "erasure"
    done = texts(stack.say(sender, "si"))
    assert done[0] == variation_text(responses, "utter_data_deleted", "es")
    assert handoffs(sender) == 0  # nothing went to the caseworkers' queue


def test_a_yes_after_a_topic_change_does_not_erase(
    stack: Stack, sender: str, responses: Responses
) -> None:
    stack.say(sender, "borra mis datos")
    stack.say(sender, "quiero pedir refugio, no puedo volver a mi pais")
    assert slots(stack, sender)["question"] == "place"  # the erasure question was dropped
    after = texts(stack.say(sender, "si"))
    assert variation_text(responses, "utter_data_deleted", "es") not in after
    assert after[0].startswith(words("es")["place_help"])
    assert any(e["event"] == "user" for e in stack.tracker_events(sender))


def test_a_late_erasure_button_answers_neither_question(
    stack: Stack, sender: str, responses: Responses
) -> None:
    stack.say(sender, "borra mis datos")
    stack.say(sender, "quiero hablar con una persona")
    late = texts(stack.say(sender, '/affirm{"question": "erasure"}'))
    assert late == [variation_text(responses, "utter_stale_answer", "es")]
    assert slots(stack, sender)["question"] is None
    assert handoffs(sender) == 0
    assert any(e["event"] == "user" for e in stack.tracker_events(sender))


def test_a_no_then_something_vague_erases_nothing_and_opens_nothing(
    stack: Stack, sender: str, responses: Responses
) -> None:
    stack.say(sender, "quiero hablar con una persona")
    no = texts(stack.say(sender, "no"))
    assert no[0] == variation_text(responses, "utter_human_contact", "es")
    vague = texts(stack.say(sender, "y ahora?"))
    assert variation_text(responses, "utter_data_deleted", "es") not in vague
    assert slots(stack, sender)["question"] is None
    assert handoffs(sender) == 0


def test_an_unclear_answer_to_consent_gets_the_question_once_more(
    stack: Stack, sender: str, responses: Responses
) -> None:
    stack.say(sender, "quiero hablar con una persona")
    again = texts(stack.say(sender, "y eso es gratis?"))
    assert variation_text(responses, "utter_handoff_consent", "es") in again
    assert handoffs(sender) == 0
    opened = texts(stack.say(sender, "si"))
    assert opened[0] == variation_text(responses, "utter_handoff_opened", "es")
    assert handoffs(sender, status="open", consented=True) == 1


def test_erasure_during_an_open_handoff_closes_the_case_as_erased(
    stack: Stack, sender: str, responses: Responses
) -> None:
    stack.say(sender, "quiero hablar con una persona")
    stack.say(sender, "si")
    assert handoffs(sender, status="open") == 1
    erased_before = database.count_rows("handoff", outcome="erased")
    asked = texts(stack.say(sender, "borra mis datos"))
    assert asked[0] == variation_text(responses, "utter_confirm_delete", "es")
    done = texts(stack.say(sender, "si"))
    assert done[0] == variation_text(responses, "utter_data_deleted", "es")
    assert handoffs(sender) == 0
    # the caseworker's case is closed as "erased", with nothing of the person in it
    assert database.count_rows("handoff", outcome="erased", status="closed") == erased_before + 1
    assert database.count_rows("handoff", outcome="erased", summary="") == erased_before + 1


def test_cancel_during_an_open_handoff_withdraws_it_and_the_bot_answers_again(
    stack: Stack, sender: str, responses: Responses
) -> None:
    stack.say(sender, "quiero hablar con una persona")
    stack.say(sender, "si")
    assert slots(stack, sender)["handoff_open"] is True
    left = texts(stack.say(sender, "ya no necesito, cancela"))
    assert left[0] == variation_text(responses, "utter_handoff_withdrawn", "es")
    assert handoffs(sender, status="closed", outcome="withdrawn") == 1
    assert slots(stack, sender)["handoff_open"] is False
    hello = texts(stack.say(sender, "hola"))
    assert hello[0] == variation_text(responses, "utter_greet", "es")


def test_dale_to_the_place_question_helps_to_name_the_place(stack: Stack, sender: str) -> None:
    stack.say(sender, "tengo la visa vencida, que hago")
    help_ = stack.say(sender, "dale")
    assert help_[0]["text"].startswith(words("es")["place_help"])
    assert {b["title"] for b in help_[0]["buttons"]} >= {"Panamá", "San Miguelito", "La Chorrera"}
    assert slots(stack, sender)["question"] == "place"
    listing = texts(stack.say(sender, "vivo en herrera"))
    assert listing[0].startswith("Servicios para Herrera:")


def test_follow_ups_are_answered_for_the_topic_and_a_turn_fits_a_phone(
    stack: Stack, sender: str
) -> None:
    answer = texts(stack.say(sender, "quiero pedir refugio, no puedo volver a mi pais"))
    assert sum(map(len, answer)) <= 900
    cost = texts(stack.say(sender, "y eso es gratis?"))
    assert cost[0].startswith(get_facet("refuge", "cost", "es").text)
    # "y qué papeles me piden?" is still read as a question on residence papers by this model
    # (reports/conversation_eval.md lists it); a follow-up without that word is understood
    how_long = texts(stack.say(sender, "y cuanto tarda?"))
    assert how_long[0].startswith(get_facet("refuge", "duration", "es").text)
    # the same question again: one line, not the whole answer once more
    repeat = texts(stack.say(sender, "quiero pedir refugio, no puedo volver a mi pais"))
    assert repeat[0].startswith(words("es")["told_before"].format(topic="refugio"))
    assert len(repeat[0]) < 200


def test_a_topic_after_an_emergency_gets_its_answer(stack: Stack, sender: str) -> None:
    danger = texts(stack.say(sender, "me estan golpeando, ayuda"))
    assert "911" in danger[0]
    time.sleep(0.2)
    after = texts(stack.say(sender, "y lo del trabajo? busco empleo"))
    assert "911" not in after[0]
    assert slots(stack, sender)["topic"] == "employment"
