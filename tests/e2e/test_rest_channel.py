"""Talking to the running stack as a person would, through Rasa's REST channel."""

from __future__ import annotations

from typing import Any

from actions.replies import words
from tests.e2e.conftest import Stack, variation_text

Responses = dict[str, list[dict[str, Any]]]


def texts(replies: list[dict[str, Any]]) -> list[str]:
    return [r.get("text", "") for r in replies]


def test_spanish_greeting_gets_a_spanish_answer(
    stack: Stack, sender: str, responses: Responses
) -> None:
    assert texts(stack.say(sender, "hola buenas"))[0] == variation_text(
        responses, "utter_greet", "es"
    )


def test_english_greeting_gets_an_english_answer(
    stack: Stack, sender: str, responses: Responses
) -> None:
    assert texts(stack.say(sender, "hello, good morning"))[0] == variation_text(
        responses, "utter_greet", "en"
    )


def test_an_ambiguous_message_keeps_the_conversation_language(
    stack: Stack, sender: str, responses: Responses
) -> None:
    stack.say(sender, "hi, where can i see a doctor?")
    # "ok" to the place question: how to name the place, in English
    assert texts(stack.say(sender, "ok"))[0].startswith(words("en")["place_help"])


def test_change_language_written_in_spanish_switches_to_english(
    stack: Stack, sender: str, responses: Responses
) -> None:
    stack.say(sender, "hola")
    assert texts(stack.say(sender, "hablame en ingles porfa"))[0] == variation_text(
        responses, "utter_language_changed", "en"
    )


def test_an_emergency_gets_911_in_the_first_reply(stack: Stack, sender: str) -> None:
    stack.say(sender, "como saco el permiso de trabajo")
    first = texts(stack.say(sender, "ayuda mi esposo me esta golpeando"))[0]
    assert "911" in first and "182" in first


def test_a_place_with_a_typo_is_understood(stack: Stack, sender: str) -> None:
    stack.say(sender, "que servicios hay")
    reply = texts(stack.say(sender, "vivo en herera"))[0]
    assert "Herrera" in reply


def test_a_5000_character_message_gets_an_answer(stack: Stack, sender: str) -> None:
    long_text = ("necesito ayuda con mis papeles porque se me vencio el pasaporte " * 80)[:5000]
    assert any(texts(stack.say(sender, long_text)))


def test_an_emoji_gets_an_answer(stack: Stack, sender: str) -> None:
    assert any(texts(stack.say(sender, "🙏🙏")))


def test_parse_api_needs_the_token_and_returns_the_language(stack: Stack) -> None:
    url = f"{stack.rasa}/model/parse"
    assert stack.client.post(url, json={"text": "hola"}).status_code == 401
    parsed = stack.client.post(
        url,
        params={"token": stack.token},
        json={"text": "where can i get vaccines in las mananitas"},
    ).json()
    assert parsed["language"] == "en" and parsed["intent"]["name"] == "ask_health"
    assert [e["value"] for e in parsed["entities"] if e["entity"] == "corregimiento"] == [
        "Las Mañanitas"
    ]


def test_a_bare_place_name_keeps_english(stack: Stack, sender: str) -> None:
    stack.say(sender, "hello, what services are there for migrants?")
    reply = texts(stack.say(sender, "Herrera"))[0]
    assert reply.startswith("Services for Herrera:")


def test_place_buttons_carry_a_usable_payload(stack: Stack, sender: str) -> None:
    replies = stack.say(sender, "que servicios hay para migrantes")
    payloads = [b["payload"] for r in replies for b in r.get("buttons", [])]
    assert '/inform_location{"corregimiento": "Barrio Colón"}' in payloads
    pressed = texts(stack.say(sender, '/inform_location{"corregimiento": "Barrio Colón"}'))[0]
    assert pressed.startswith("Servicios para Barrio Colón:")


def test_a_message_not_understood_still_names_911(stack: Stack, sender: str) -> None:
    # whatever the model makes of it, a reply that is not an answer points to 911
    for text in ("asdkjh qweoiu zxcmn", "quien gano el partido ayer"):
        replies = texts(stack.say(sender, text))
        assert "911" in replies[0]
