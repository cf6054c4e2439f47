"""Caseworker follow-ups: the reply route is kept (sealed) only for an open handoff the person
agreed to, goes when the handoff does, and WhatsApp's 24-hour window decides text or template."""

from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import Engine

import casework
from bot.followup import Delivery, FollowupError
from bot.routes import SEALED_PREFIX
from privacy.redact import conversation_key
from store import db
from tests.gateways.conftest import APP_SECRET, HASH_KEY, PHONE_ID, running, settings_for
from tests.gateways.fakes import FakeGraph, FakeRasa, FakeTelegram, Json, WhatsAppUser, wait_for

pytestmark = pytest.mark.asyncio


def person_key(channel: str, user_id: str) -> str:
    """The key the action server stores on a handoff (actions/context.py: person_key)."""
    return conversation_key("rasa", conversation_key(channel, user_id, HASH_KEY), HASH_KEY)


def handoff(engine: Engine, key: str, channel: str, *, emergency: bool = False) -> str:
    return casework.open_handoff(
        conversation_key=key,
        channel=channel,
        language="en",
        topic="regularization",
        corregimiento="Herrera",
        summary="emergency: violence" if emergency else "my visa expired",
        urgent=emergency,
        consented=not emergency,
        engine=engine,
    )


def reply_route(engine: Engine, handoff_id: str) -> str:
    with db.session(engine) as s:
        row = s.get(casework.Handoff, handoff_id)
        return "<deleted>" if row is None else row.reply_route


async def post(client: httpx.AsyncClient, person: WhatsAppUser, event: Json) -> None:
    response = await client.post("/whatsapp/webhook", **person.post_args(event))
    assert response.status_code == 200


async def test_whatsapp_followup_is_text_inside_the_window_and_a_template_outside(
    fake_rasa: FakeRasa, fake_graph: FakeGraph, engine: Engine
) -> None:
    now = [time.time()]
    person = WhatsAppUser("50760000201", PHONE_ID, APP_SECRET)
    key = person_key("whatsapp", person.wa_id)
    handoff_id = handoff(engine, key, "whatsapp")
    settings = settings_for(fake_rasa.url, graph=fake_graph)
    async with running(settings, engine, clock=lambda: now[0]) as (gateway, _client):
        client = _client
        await post(client, person, person.text("hola", at=now[0]))
        await wait_for(lambda: len(fake_graph.sent(person.wa_id)) == 2)
        sealed = reply_route(engine, handoff_id)
        assert sealed.startswith(SEALED_PREFIX) and person.wa_id not in sealed

        delivery = await gateway.send_to_person(key, "Hola, soy Marta, de la OIM.")
        assert delivery == Delivery("whatsapp", "text")
        assert fake_graph.sent(person.wa_id)[-1]["text"]["body"] == "Hola, soy Marta, de la OIM."

        now[0] += 25 * 3600  # a day later: only a template may go
        delivery = await gateway.send_to_person(key, "¿Sigues necesitando ayuda?")
        assert delivery == Delivery("whatsapp", "template", held=True)
        template = fake_graph.sent(person.wa_id)[-1]
        assert template["type"] == "template"
        assert template["template"] == {"name": "seguimiento_oim", "language": {"code": "en"}}
        assert "¿Sigues" not in str(template)

        # the person answers the template: the window opens and the held text goes first
        await post(client, person, person.text("sí", at=now[0]))
        sent = await wait_for(
            lambda: len(fake_graph.sent(person.wa_id)) == 7 and fake_graph.sent(person.wa_id)
        )
        assert [m.get("text", {}).get("body") for m in sent[-3:]] == [
            "¿Sigues necesitando ayuda?",
            "Entendido.",
            "¿Algo más?",
        ]
        assert gateway.followups.held_count(key) == 0

        casework.close_handoff(handoff_id, engine=engine)
        assert reply_route(engine, handoff_id) == ""
        with pytest.raises(FollowupError, match="no open handoff"):
            await gateway.send_to_person(key, "¿Hola?")


async def test_whatsapp_outside_the_window_without_a_template_only_holds_the_text(
    fake_rasa: FakeRasa, fake_graph: FakeGraph, engine: Engine
) -> None:
    now = [time.time()]
    person = WhatsAppUser("50760000202", PHONE_ID, APP_SECRET)
    key = person_key("whatsapp", person.wa_id)
    handoff(engine, key, "whatsapp")
    settings = settings_for(fake_rasa.url, graph=fake_graph, template=None)
    async with running(settings, engine, clock=lambda: now[0]) as (gateway, client):
        await post(client, person, person.text("hola", at=now[0]))
        await wait_for(lambda: len(fake_graph.sent(person.wa_id)) == 2)
        now[0] += 24 * 3600
        delivery = await gateway.send_to_person(key, "Te escribo de la OIM.")
    assert delivery == Delivery("whatsapp", "nothing", held=True)
    assert len(fake_graph.sent(person.wa_id)) == 2


async def test_telegram_followup_is_sent_to_the_chat_and_erasure_removes_the_route(
    fake_rasa: FakeRasa, fake_telegram: FakeTelegram, engine: Engine
) -> None:
    user = 620001
    key = person_key("telegram", str(user))
    handoff_id = handoff(engine, key, "telegram")
    async with running(settings_for(fake_rasa.url, telegram=fake_telegram), engine) as (gateway, _):
        fake_telegram.push(fake_telegram.text(user, "hola"))
        await wait_for(lambda: len(fake_telegram.sent(user)) == 2)
        sealed = reply_route(engine, handoff_id)
        assert sealed.startswith(SEALED_PREFIX) and str(user) not in sealed
        delivery = await gateway.send_to_person(key, "Hola, soy Marta, de la OIM.")
        assert delivery == Delivery("telegram", "text")
        assert fake_telegram.sent(user)[-1]["text"] == "Hola, soy Marta, de la OIM."
        casework.erase_person(key, engine=engine)
        assert reply_route(engine, handoff_id) == "<deleted>"
        with pytest.raises(FollowupError):
            await gateway.send_to_person(key, "¿Hola?")


async def test_no_route_is_kept_for_an_emergency_handoff_the_person_did_not_agree_to(
    fake_rasa: FakeRasa, fake_telegram: FakeTelegram, engine: Engine
) -> None:
    user = 620002
    key = person_key("telegram", str(user))
    handoff_id = handoff(engine, key, "telegram", emergency=True)
    async with running(settings_for(fake_rasa.url, telegram=fake_telegram), engine) as (gateway, _):
        fake_telegram.push(fake_telegram.text(user, "hola"))
        await wait_for(lambda: len(fake_telegram.sent(user)) == 2)
        assert not reply_route(engine, handoff_id).startswith(SEALED_PREFIX)
        with pytest.raises(FollowupError, match="did not agree"):
            await gateway.send_to_person(key, "Hola")
        # the person then agrees to a handoff: casework replaces the summary, the route is kept
        handoff(engine, key, "telegram")
        fake_telegram.push(fake_telegram.text(user, "sí"))
        await wait_for(lambda: len(fake_telegram.sent(user)) == 4)
        assert reply_route(engine, handoff_id).startswith(SEALED_PREFIX)


async def test_the_internal_endpoint_needs_its_token(
    fake_rasa: FakeRasa, fake_telegram: FakeTelegram, engine: Engine
) -> None:
    user = 620003
    key = person_key("telegram", str(user))
    handoff(engine, key, "telegram")
    settings = settings_for(
        fake_rasa.url, telegram=fake_telegram, internal_token="console-token-1234"
    )
    async with running(settings, engine) as (_, client):
        fake_telegram.push(fake_telegram.text(user, "hola"))
        await wait_for(lambda: len(fake_telegram.sent(user)) == 2)
        body = {"conversation_key": key, "text": "Hola, soy Marta."}
        assert (await client.post("/internal/handoff-reply", json=body)).status_code == 403
        auth = {"Authorization": "Bearer console-token-1234"}
        unknown = await client.post(
            "/internal/handoff-reply", json={**body, "conversation_key": "0" * 64}, headers=auth
        )
        assert unknown.status_code == 409
        ok = await client.post("/internal/handoff-reply", json=body, headers=auth)
    assert ok.status_code == 200
    assert ok.json() == {"channel": "telegram", "sent": "text", "held": False}
    assert fake_telegram.sent(user)[-1]["text"] == "Hola, soy Marta."
