"""The Telegram gateway against a local Bot API server (python-telegram-bot's base_url) and a
local Rasa REST channel: polling and webhook mode, commands, buttons, locations, non-text,
long answers, Rasa down."""

from __future__ import annotations

import json
import re
import time

import pytest

from bot.render import utf16_length
from bot.routes import Route
from privacy.keys import conversation_key
from tests.gateways.conftest import (
    HASH_KEY,
    INTERNAL_TOKEN,
    LONG_PAYLOAD,
    TELEGRAM_TOKEN,
    WEBHOOK_SECRET,
    PointTakingRasa,
    running,
    settings_for,
    without_route,
)
from tests.gateways.fakes import FakeRasa, FakeTelegram, Json, wait_for

pytestmark = pytest.mark.asyncio


def keyboard(message: Json) -> list[list[Json]]:
    rows: list[list[Json]] = message["reply_markup"]["inline_keyboard"]
    return rows


async def test_start_shows_the_privacy_notice_and_language_choice_without_asking_rasa(
    fake_rasa: FakeRasa, fake_telegram: FakeTelegram
) -> None:
    async with running(settings_for(fake_rasa.url, telegram=fake_telegram)):
        fake_telegram.push(fake_telegram.text(610001, "/start", language="en"))
        [sent] = await wait_for(lambda: fake_telegram.sent(610001))
    notice, _, choose = sent["text"].partition("\n\n")
    lines = notice.split("\n")
    assert len(lines) == 2
    assert "I don't keep your name" in lines[0]  # the hinted language first
    assert "No guardo tu nombre" in lines[1]
    assert "911" in lines[0] and "911" in lines[1]
    assert [b["callback_data"] for b in keyboard(sent)[0]] == ["Español", "English"]
    assert fake_rasa.received == []
    assert [c["commands"][0]["command"] for c in fake_telegram.called("setMyCommands")] == [
        "start",
        "start",
    ]
    assert fake_telegram.called("deleteWebhook")  # polling mode


async def test_text_goes_to_rasa_under_a_keyed_hash_with_typing_and_metadata(
    fake_rasa: FakeRasa, fake_telegram: FakeTelegram
) -> None:
    user = 610002
    settings = settings_for(fake_rasa.url, telegram=fake_telegram)
    async with running(settings):
        fake_telegram.push(fake_telegram.text(user, "hola, necesito ayuda"))
        sent = await wait_for(
            lambda: len(fake_telegram.sent(user)) == 2 and fake_telegram.sent(user)
        )
    [received] = fake_rasa.received
    assert received["sender"] == conversation_key("telegram", str(user), HASH_KEY)
    assert str(user) not in received["sender"] and len(received["sender"]) == 64
    assert received["message"] == "hola, necesito ayuda"
    # the chat travels only sealed (bot/routes.py), for the action to keep if the person agrees
    metadata = without_route(received, settings, Route("telegram", str(user)))
    assert metadata == {"channel": "telegram", "language_hint": "es"}
    assert [m["text"] for m in sent] == ["Entendido.", "¿Algo más?"]
    assert all(m["link_preview_options"] == {"is_disabled": True} for m in sent)
    assert fake_telegram.called("sendChatAction", user)[0]["action"] == "typing"


async def test_buttons_become_an_inline_keyboard_and_a_press_is_answered_and_relayed(
    fake_rasa: FakeRasa, fake_telegram: FakeTelegram
) -> None:
    user = 610003
    async with running(settings_for(fake_rasa.url, telegram=fake_telegram)):
        fake_telegram.push(fake_telegram.text(user, "/help"))
        [menu] = await wait_for(lambda: fake_telegram.sent(user))
        rows = keyboard(menu)
        assert len(rows) == 8 and all(len(row) == 1 for row in rows)
        assert rows[0][0] == {
            "text": "Papeles / regularización",
            "callback_data": "/ask_regularization",
        }
        fake_telegram.push(fake_telegram.press(user, rows[7][0]["callback_data"]))
        await wait_for(lambda: len(fake_telegram.sent(user)) == 2)
    assert [m["message"] for m in fake_rasa.received] == ["/help", "/request_human"]
    assert len(fake_telegram.called("answerCallbackQuery")) == 1
    assert keyboard(fake_telegram.sent(user)[1])[0][0]["callback_data"] == "/affirm"


async def test_a_payload_too_long_for_callback_data_travels_as_a_token(
    fake_rasa: FakeRasa, fake_telegram: FakeTelegram
) -> None:
    user = 610004
    async with running(settings_for(fake_rasa.url, telegram=fake_telegram)):
        fake_telegram.push(fake_telegram.text(user, "problema"))
        [question] = await wait_for(lambda: fake_telegram.sent(user))
        data = keyboard(question)[0][0]["callback_data"]
        assert len(data.encode()) <= 64 and data != LONG_PAYLOAD
        fake_telegram.push(fake_telegram.press(user, data))
        await wait_for(lambda: len(fake_rasa.received) == 2)
        fake_telegram.push(fake_telegram.press(user, "~unknown-token"))
        await wait_for(lambda: len(fake_telegram.sent(user)) == 4)
    assert fake_rasa.received[1]["message"] == LONG_PAYLOAD
    assert "botón ya no está disponible" in fake_telegram.sent(user)[-1]["text"]


async def test_commands_map_to_intent_payloads(
    fake_rasa: FakeRasa, fake_telegram: FakeTelegram
) -> None:
    commands = {
        "/help": "/help",
        "/idioma": "/change_language",
        "/language": "/change_language",
        "/privacidad": "/ask_privacy",
        "/borrar": "/delete_my_data",
        "/nada": "/help",
    }
    users = dict(zip(commands, range(610100, 610200), strict=False))
    async with running(settings_for(fake_rasa.url, telegram=fake_telegram)):
        for command, user in users.items():
            fake_telegram.push(fake_telegram.text(user, command))
        await wait_for(lambda: len(fake_rasa.received) == len(commands))
    for command, user in users.items():
        sender = conversation_key("telegram", str(user), HASH_KEY)
        assert [m["message"] for m in fake_rasa.from_sender(sender)] == [commands[command]]


async def test_a_shared_location_reaches_rasa_as_a_token_the_action_server_takes_once(
    point_rasa: PointTakingRasa, fake_telegram: FakeTelegram
) -> None:
    user = 610006
    settings = settings_for(point_rasa.url, telegram=fake_telegram, internal_token=INTERNAL_TOKEN)
    async with running(settings) as (gateway, client):
        point_rasa.gateway_url = str(client.base_url)
        fake_telegram.push(fake_telegram.location(user, 8.8777123, -79.7812456))
        [reply] = await wait_for(lambda: fake_telegram.sent(user))
        assert gateway.points is not None and len(gateway.points) == 0  # taken: forgotten
    [received] = point_rasa.received
    assert received["message"] == "/find_service"
    metadata = without_route(received, settings, Route("telegram", str(user)))
    assert set(metadata) == {"channel", "language_hint", "point_token"}
    assert (metadata["channel"], metadata["language_hint"]) == ("telegram", "es")
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", metadata["point_token"])
    assert not re.search(r"8\.87|79\.78", json.dumps(received))  # no coordinates, even rounded
    # the action server got the point (rounded to ~100 m) during the turn, and only once
    assert point_rasa.fetched == [
        (200, {"lat": 8.878, "lon": -79.781}),
        (404, {"error": "no such point"}),
    ]
    assert reply["text"] == "¿En qué corregimiento estás?"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("es", "solo entiendo mensajes de texto"), ("en", "I only understand text messages")],
)
async def test_a_voice_note_gets_a_kind_reply_and_nothing_is_forwarded(
    fake_rasa: FakeRasa, fake_telegram: FakeTelegram, language: str, expected: str
) -> None:
    user = 610007
    async with running(settings_for(fake_rasa.url, telegram=fake_telegram)):
        fake_telegram.push(fake_telegram.voice(user, language=language))
        [reply] = await wait_for(lambda: fake_telegram.sent(user))
    assert expected in reply["text"]
    assert fake_rasa.received == []


async def test_a_long_answer_is_split_at_telegrams_limit_with_the_buttons_last(
    fake_rasa: FakeRasa, fake_telegram: FakeTelegram
) -> None:
    user = 610008
    async with running(settings_for(fake_rasa.url, telegram=fake_telegram)):
        fake_telegram.push(fake_telegram.text(user, "largo"))
        sent = await wait_for(
            lambda: len(fake_telegram.sent(user)) == 2 and fake_telegram.sent(user)
        )
    assert all(utf16_length(m["text"]) <= 4096 for m in sent)
    assert "reply_markup" not in sent[0] and keyboard(sent[1])
    assert sent[0]["text"].startswith("00 ") and sent[1]["text"].endswith("x" * 8)
    assert sum(m["text"].count("servicio") for m in sent) == 600  # nothing lost at the cut


@pytest.mark.parametrize(("language", "contact"), [("es", "OIM Panamá"), ("en", "IOM Panama")])
async def test_rasa_down_gets_a_try_again_reply_with_the_iom_contact(
    fake_telegram: FakeTelegram, dead_url: str, language: str, contact: str
) -> None:
    user = 610009
    async with running(settings_for(dead_url, telegram=fake_telegram)):
        fake_telegram.push(fake_telegram.text(user, "hola", language=language))
        [reply] = await wait_for(lambda: fake_telegram.sent(user))
        fake_telegram.push(fake_telegram.text(user, "sigues ahí?", language=language))
        await wait_for(lambda: len(fake_telegram.sent(user)) == 2)  # still running
    assert f"{contact}: +507 305-3350, iompanama@iom.int" in reply["text"]
    assert "911" in reply["text"]


async def test_a_hung_rasa_gets_the_try_again_reply_within_the_gateways_bound(
    fake_telegram: FakeTelegram, hung_url: str
) -> None:
    """Rasa accepts the connection and never answers: the person is told to try again when
    the gateway's bound (rasa_timeout, 9 s in production) runs out, not after minutes."""
    user = 610011
    settings = settings_for(hung_url, telegram=fake_telegram, rasa_timeout=1.5)
    async with running(settings):
        started = time.monotonic()
        fake_telegram.push(fake_telegram.text(user, "hola"))
        [reply] = await wait_for(lambda: fake_telegram.sent(user), timeout=10)
        took = time.monotonic() - started
    assert "Inténtalo de nuevo en unos minutos" in reply["text"]
    assert 1.4 < took < 4, f"answered after {took:.1f} s"


async def test_a_rasa_error_also_gets_the_try_again_reply(
    fake_rasa: FakeRasa, fake_telegram: FakeTelegram
) -> None:
    user = 610010
    async with running(settings_for(fake_rasa.url, telegram=fake_telegram)):
        fake_telegram.push(fake_telegram.text(user, "falla"))
        [reply] = await wait_for(lambda: fake_telegram.sent(user))
    assert "Inténtalo de nuevo en unos minutos" in reply["text"]


async def test_webhook_mode_registers_the_secret_and_refuses_wrong_or_missing_ones(
    fake_rasa: FakeRasa, fake_telegram: FakeTelegram
) -> None:
    user = 610011
    settings = settings_for(fake_rasa.url, telegram=fake_telegram, telegram_webhook=True)
    async with running(settings) as (_, client):
        [registered] = fake_telegram.called("setWebhook")
        assert registered["secret_token"] == WEBHOOK_SECRET
        assert registered["url"] == "https://bot.example.org/telegram/webhook"
        update = fake_telegram.text(user, "hola")
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "not-the-secret"}):
            response = await client.post("/telegram/webhook", json=update, headers=headers)
            assert response.status_code == 403
        good = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
        response = await client.post("/telegram/webhook", json=update, headers=good)
        assert response.status_code == 200
        await wait_for(lambda: len(fake_telegram.sent(user)) == 2)
    assert len(fake_rasa.received) == 1
    assert not fake_telegram.called("deleteWebhook")
    assert TELEGRAM_TOKEN not in str(registered)


async def test_an_update_posted_again_is_answered_once(
    fake_rasa: FakeRasa, fake_telegram: FakeTelegram
) -> None:
    """Telegram posts an update again until it gets a 2xx (a slow answer, a restart): the
    gateway relays each update id once."""
    user = 610012
    settings = settings_for(fake_rasa.url, telegram=fake_telegram, telegram_webhook=True)
    good = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    async with running(settings) as (_, client):
        update = fake_telegram.text(user, "hola")
        for _ in range(3):
            response = await client.post("/telegram/webhook", json=update, headers=good)
            assert response.status_code == 200
        await wait_for(lambda: len(fake_telegram.sent(user)) == 2)
        second = fake_telegram.text(user, "hola otra vez")  # a new update id: answered
        assert (await client.post("/telegram/webhook", json=second, headers=good)).is_success
        await wait_for(lambda: len(fake_telegram.sent(user)) == 4)
    assert len(fake_rasa.received) == 2


async def test_the_telegram_webhook_route_does_not_exist_when_polling(
    fake_rasa: FakeRasa, fake_telegram: FakeTelegram
) -> None:
    async with running(settings_for(fake_rasa.url, telegram=fake_telegram)) as (_, c):
        response = await c.post(
            "/telegram/webhook", json={}, headers={"X-Telegram-Bot-Api-Secret-Token": "x"}
        )
    assert response.status_code == 404


async def test_group_chats_are_not_served(fake_rasa: FakeRasa, fake_telegram: FakeTelegram) -> None:
    update = fake_telegram.text(610012, "hola a todos")
    update["message"]["chat"] = {"id": -100123, "type": "supergroup", "title": "Grupo"}
    async with running(settings_for(fake_rasa.url, telegram=fake_telegram)):
        fake_telegram.push(update)
        fake_telegram.push(fake_telegram.text(610013, "hola"))
        await wait_for(lambda: fake_telegram.sent(610013))
    assert len(fake_rasa.received) == 1
    assert fake_telegram.sent(-100123) == []
