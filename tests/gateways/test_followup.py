"""Caseworker follow-ups with no database in the gateway: the reply route travels sealed in the
metadata of every turn, comes back from the handoff row (here: the sealed route Rasa received,
standing in for what the action keeps and the console reads) with ``POST
/internal/handoff-reply``, and WhatsApp's 24-hour window decides text or template. A route the
gateway did not seal, or one altered on the way, is refused and nothing is sent."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from bot.relay import REPLY_ROUTE
from bot.routes import SEALED_PREFIX, Route, RouteSeal
from privacy.keys import conversation_key
from tests.gateways.conftest import (
    APP_SECRET,
    HASH_KEY,
    INTERNAL_TOKEN,
    PHONE_ID,
    running,
    settings_for,
)
from tests.gateways.fakes import FakeGraph, FakeRasa, FakeTelegram, Json, WhatsAppUser, wait_for

pytestmark = pytest.mark.asyncio

AUTH = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}


def person_key(channel: str, user_id: str) -> str:
    """The key the action server stores on a handoff (actions/context.py: person_key)."""
    return conversation_key("rasa", conversation_key(channel, user_id, HASH_KEY), HASH_KEY)


def route_of(rasa: FakeRasa, channel: str, user_id: str) -> str:
    """The sealed route of the person's last message to Rasa: what the handoff action keeps
    when the person consents, and what the console reads from the handoff row."""
    sender = conversation_key(channel, user_id, HASH_KEY)
    sealed = rasa.from_sender(sender)[-1]["metadata"][REPLY_ROUTE]
    assert isinstance(sealed, str) and sealed.startswith(SEALED_PREFIX)
    assert user_id not in sealed
    return sealed


async def reply(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await client.post("/internal/handoff-reply", json=body, headers=AUTH)


async def post(client: httpx.AsyncClient, person: WhatsAppUser, event: Json) -> None:
    response = await client.post("/whatsapp/webhook", **person.post_args(event))
    assert response.status_code == 200


async def test_telegram_a_caseworker_reply_with_the_sealed_route_reaches_the_chat(
    fake_rasa: FakeRasa, fake_telegram: FakeTelegram
) -> None:
    user = 620001
    settings = settings_for(fake_rasa.url, telegram=fake_telegram, internal_token=INTERNAL_TOKEN)
    async with running(settings) as (_, client):
        fake_telegram.push(fake_telegram.text(user, "persona"))
        await wait_for(lambda: len(fake_telegram.sent(user)) == 1)
        sealed = route_of(fake_rasa, "telegram", str(user))
        body = {"route": sealed, "language": "es", "text": "Hola, soy Marta, de la OIM."}
        refused = await client.post("/internal/handoff-reply", json=body)
        assert refused.status_code == 403 and len(fake_telegram.sent(user)) == 1
        response = await reply(client, **body, conversation_key=person_key("telegram", str(user)))
    assert response.status_code == 200, response.text
    assert response.json() == {"channel": "telegram", "sent": "text", "held": False}
    assert fake_telegram.sent(user)[-1]["text"] == "Hola, soy Marta, de la OIM."
    assert fake_telegram.sent(user)[-1]["link_preview_options"] == {"is_disabled": True}


async def test_whatsapp_a_reply_is_text_inside_the_window_and_a_template_outside(
    fake_rasa: FakeRasa, fake_graph: FakeGraph
) -> None:
    now = [time.time()]
    person = WhatsAppUser("50760000201", PHONE_ID, APP_SECRET)
    key = person_key("whatsapp", person.wa_id)
    settings = settings_for(fake_rasa.url, graph=fake_graph, internal_token=INTERNAL_TOKEN)
    async with running(settings, clock=lambda: now[0]) as (gateway, client):
        await post(client, person, person.text("persona", at=now[0]))
        await wait_for(lambda: len(fake_graph.sent(person.wa_id)) == 1)
        sealed = route_of(fake_rasa, "whatsapp", person.wa_id)

        window = "/internal/handoff-window"
        assert (await client.post(window, json={"conversation_key": key})).status_code == 403
        assert (await client.post(window, json={}, headers=AUTH)).status_code == 400
        before = await client.post(window, json={"conversation_key": key}, headers=AUTH)
        assert before.json() == {"open": True, "template": True, "held": 0}
        inside = await reply(client, route=sealed, language="en", text="Hola, soy Marta.")
        assert inside.json() == {"channel": "whatsapp", "sent": "text", "held": False}
        assert fake_graph.sent(person.wa_id)[-1]["text"]["body"] == "Hola, soy Marta."

        now[0] += 25 * 3600  # a day later: only a template may go
        closed = await client.post(window, json={"conversation_key": key}, headers=AUTH)
        assert closed.json() == {"open": False, "template": True, "held": 0}
        outside = await reply(
            client, route=sealed, language="en", text="¿Sigues necesitando ayuda?"
        )
        assert outside.json() == {"channel": "whatsapp", "sent": "template", "held": True}
        template = fake_graph.sent(person.wa_id)[-1]
        assert template["type"] == "template"
        assert template["template"] == {"name": "seguimiento_oim", "language": {"code": "en"}}
        assert "¿Sigues" not in str(template)
        assert gateway.followups.held_count(key) == 1
        waiting = await client.post(window, json={"conversation_key": key}, headers=AUTH)
        assert waiting.json() == {"open": False, "template": True, "held": 1}

        # the person answers the template: the window opens and the held text goes first
        await post(client, person, person.text("sí", at=now[0]))
        sent = await wait_for(
            lambda: len(fake_graph.sent(person.wa_id)) == 6 and fake_graph.sent(person.wa_id)
        )
        assert [m.get("text", {}).get("body") for m in sent[-3:]] == [
            "¿Sigues necesitando ayuda?",
            "Entendido.",
            "¿Algo más?",
        ]
        assert gateway.followups.held_count(key) == 0


async def test_whatsapp_outside_the_window_without_a_template_only_holds_the_text(
    fake_rasa: FakeRasa, fake_graph: FakeGraph
) -> None:
    now = [time.time()]
    person = WhatsAppUser("50760000202", PHONE_ID, APP_SECRET)
    settings = settings_for(
        fake_rasa.url, graph=fake_graph, template=None, internal_token=INTERNAL_TOKEN
    )
    async with running(settings, clock=lambda: now[0]) as (_, client):
        await post(client, person, person.text("hola", at=now[0]))
        await wait_for(lambda: len(fake_graph.sent(person.wa_id)) == 2)
        now[0] += 24 * 3600
        sealed = route_of(fake_rasa, "whatsapp", person.wa_id)
        response = await reply(client, route=sealed, language="es", text="Te escribo de la OIM.")
    assert response.json() == {"channel": "whatsapp", "sent": "nothing", "held": True}
    assert len(fake_graph.sent(person.wa_id)) == 2


async def test_closing_the_handoff_drops_the_texts_held_for_the_person(
    fake_rasa: FakeRasa, fake_graph: FakeGraph
) -> None:
    now = [time.time()]
    person = WhatsAppUser("50760000203", PHONE_ID, APP_SECRET)
    key = person_key("whatsapp", person.wa_id)
    settings = settings_for(fake_rasa.url, graph=fake_graph, internal_token=INTERNAL_TOKEN)
    async with running(settings, clock=lambda: now[0]) as (gateway, client):
        await post(client, person, person.text("hola", at=now[0]))
        await wait_for(lambda: len(fake_graph.sent(person.wa_id)) == 2)
        sealed = route_of(fake_rasa, "whatsapp", person.wa_id)
        now[0] += 25 * 3600
        held = await reply(client, route=sealed, language="es", text="Tu cita es el lunes.")
        assert held.json()["held"] is True and gateway.followups.held_count(key) == 1
        closed = "/internal/handoff-closed"
        assert (await client.post(closed, json={"conversation_key": key})).status_code == 403
        assert (await client.post(closed, json={}, headers=AUTH)).status_code == 400
        dropped = await client.post(closed, json={"conversation_key": key}, headers=AUTH)
        assert dropped.json() == {"dropped": 1}
        await post(client, person, person.text("hola otra vez", at=now[0]))
        await wait_for(lambda: len(fake_graph.sent(person.wa_id)) == 5)  # template + 2 answers
    bodies = [m.get("text", {}).get("body") for m in fake_graph.sent(person.wa_id)]
    assert "Tu cita es el lunes." not in bodies


def _tampered(sealed: str) -> str:
    """The same token with one byte of its ciphertext changed."""
    raw = bytearray(base64.urlsafe_b64decode(sealed.removeprefix(SEALED_PREFIX)))
    raw[30] ^= 0x01
    return SEALED_PREFIX + base64.urlsafe_b64encode(bytes(raw)).decode()


async def test_a_forged_or_tampered_route_is_refused_and_nothing_is_sent(
    fake_rasa: FakeRasa, fake_telegram: FakeTelegram, fake_graph: FakeGraph
) -> None:
    user, person = 620002, WhatsAppUser("50760000204", PHONE_ID, APP_SECRET)
    settings = settings_for(
        fake_rasa.url, telegram=fake_telegram, graph=fake_graph, internal_token=INTERNAL_TOKEN
    )
    async with running(settings) as (_, client):
        fake_telegram.push(fake_telegram.text(user, "hola"))
        await post(client, person, person.text("hola"))
        await wait_for(lambda: len(fake_telegram.sent(user)) == 2)
        await wait_for(lambda: len(fake_graph.sent(person.wa_id)) == 2)
        sealed = route_of(fake_rasa, "telegram", str(user))
        # someone who knows the format but not ROUTE_KEY seals a route of their choosing
        forged = RouteSeal([Fernet.generate_key().decode()]).seal(Route("telegram", str(user)))
        plain = SEALED_PREFIX + base64.urlsafe_b64encode(b'{"c":"telegram","a":"1"}').decode()
        refused: dict[str, Callable[[], str]] = {
            "forged": lambda: forged,
            "tampered": lambda: _tampered(sealed),
            "not sealed": lambda: plain,
            "no prefix": lambda: sealed.removeprefix(SEALED_PREFIX),
            "a chat id": lambda: str(user),
        }
        for name, route in refused.items():
            response = await reply(client, route=route(), language="es", text="Hola")
            assert response.status_code == 422, name
            assert "Hola" not in response.text and str(user) not in response.text
        # a real route, but not the one of the conversation the caller names
        other = route_of(fake_rasa, "whatsapp", person.wa_id)
        mismatch = await reply(
            client,
            route=other,
            language="es",
            text="Hola",
            conversation_key=person_key("telegram", str(user)),
        )
        assert mismatch.status_code == 422
        bad = [
            {"route": sealed, "text": "Hola"},
            {"route": sealed, "language": "fr", "text": "Hola"},
            {"route": 1, "language": "es", "text": "Hola"},
        ]
        for body in bad:
            assert (await reply(client, **body)).status_code == 400, body
        empty = await reply(client, route=sealed, language="es", text="   ")
        assert empty.status_code == 409
    assert len(fake_telegram.sent(user)) == 2 and len(fake_graph.sent(person.wa_id)) == 2


async def test_a_route_sealed_under_the_previous_key_still_opens_after_rotation(
    fake_rasa: FakeRasa, fake_telegram: FakeTelegram
) -> None:
    user, old = 620003, Fernet.generate_key().decode()
    sealed = RouteSeal([old]).seal(Route("telegram", str(user)))
    rotated = (Fernet.generate_key().decode(), old)  # the new key first, the old one kept
    settings = settings_for(
        fake_rasa.url, telegram=fake_telegram, internal_token=INTERNAL_TOKEN, route_keys=rotated
    )
    async with running(settings) as (_, client):
        response = await reply(client, route=sealed, language="es", text="Seguimos.")
    assert response.json() == {"channel": "telegram", "sent": "text", "held": False}
    assert fake_telegram.sent(user)[-1]["text"] == "Seguimos."


async def test_without_a_route_key_no_route_travels_and_replies_are_off(
    fake_rasa: FakeRasa, fake_telegram: FakeTelegram
) -> None:
    user = 620004
    settings = settings_for(
        fake_rasa.url, telegram=fake_telegram, internal_token=INTERNAL_TOKEN, route_keys=()
    )
    async with running(settings) as (gateway, client):
        fake_telegram.push(fake_telegram.text(user, "hola"))
        await wait_for(lambda: len(fake_telegram.sent(user)) == 2)
        response = await reply(client, route=SEALED_PREFIX + "x", language="es", text="Hola")
        assert gateway.seal is None
    [received] = fake_rasa.received
    assert received["metadata"] == {"channel": "telegram", "language_hint": "es"}
    assert str(user) not in str(received)
    assert response.status_code == 503
    assert len(fake_telegram.sent(user)) == 2
