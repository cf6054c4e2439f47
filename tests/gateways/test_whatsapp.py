"""The WhatsApp gateway: signed webhook posts in, the Graph API's messages endpoint out (both
local), Rasa's REST channel behind it."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from bot.routes import Route
from privacy.keys import conversation_key
from tests.gateways.conftest import (
    APP_SECRET,
    HASH_KEY,
    INTERNAL_TOKEN,
    PHONE_ID,
    VERIFY_TOKEN,
    PointTakingRasa,
    running,
    settings_for,
    without_route,
)
from tests.gateways.fakes import FakeGraph, FakeRasa, Json, WhatsAppUser, wait_for

pytestmark = pytest.mark.asyncio


def user(number: str) -> WhatsAppUser:
    return WhatsAppUser(number, PHONE_ID, APP_SECRET)


async def post(client: httpx.AsyncClient, person: WhatsAppUser, event: Json, **kw: Any) -> int:
    response = await client.post("/whatsapp/webhook", **person.post_args(event, **kw))
    return response.status_code


async def then_one_more(
    client: httpx.AsyncClient, person: WhatsAppUser, graph: FakeGraph, text: str = "último"
) -> None:
    """Send one more message from ``person`` and wait for its answer (two messages).

    Why instead of sleeping a while: the gateway handles one person's messages in turn, so once
    this later message has been answered, whatever the posts before it were going to cause has
    happened, however slow the machine. A test can then say that nothing else did."""
    before = len(graph.sent(person.wa_id))
    assert await post(client, person, person.text(text)) == 200
    await wait_for(lambda: len(graph.sent(person.wa_id)) == before + 2)


async def test_meta_verification_echoes_the_challenge_only_for_our_verify_token(
    fake_rasa: FakeRasa, fake_graph: FakeGraph
) -> None:
    async with running(settings_for(fake_rasa.url, graph=fake_graph)) as (_, client):
        params = {
            "hub.mode": "subscribe",
            "hub.verify_token": VERIFY_TOKEN,
            "hub.challenge": "1158201444",
        }
        good = await client.get("/whatsapp/webhook", params=params)
        bad = await client.get("/whatsapp/webhook", params={**params, "hub.verify_token": "guess"})
    assert (good.status_code, good.text) == (200, "1158201444")
    assert bad.status_code == 403 and "1158201444" not in bad.text


async def test_a_forged_or_unsigned_post_gets_403_and_nothing_happens(
    fake_rasa: FakeRasa, fake_graph: FakeGraph
) -> None:
    person = user("50760000101")
    forger = WhatsAppUser(person.wa_id, PHONE_ID, "not-the-app-secret")
    async with running(settings_for(fake_rasa.url, graph=fake_graph)) as (_, client):
        event = person.text("hola")
        assert await post(client, person, event, signature=forger.sign(b"x")) == 403
        assert await post(client, forger, event) == 403  # signed with the wrong secret
        assert await post(client, person, event, signature=None) == 403
        assert await post(client, person, event, signature="sha256=") == 403
        await then_one_more(client, person, fake_graph)
    assert [m["message"] for m in fake_rasa.received] == ["último"]
    assert len(fake_graph.messages) == 2


async def test_text_goes_to_rasa_under_a_keyed_hash_and_the_answer_comes_back(
    fake_rasa: FakeRasa, fake_graph: FakeGraph
) -> None:
    person = user("50760000102")
    settings = settings_for(fake_rasa.url, graph=fake_graph)
    async with running(settings) as (_, client):
        assert await post(client, person, person.text("hola")) == 200
        sent = await wait_for(
            lambda: len(fake_graph.sent(person.wa_id)) == 2 and fake_graph.sent(person.wa_id)
        )
    [received] = fake_rasa.received
    assert received["sender"] == conversation_key("whatsapp", person.wa_id, HASH_KEY)
    assert person.wa_id not in received["sender"]
    assert without_route(received, settings, Route("whatsapp", person.wa_id)) == {
        "channel": "whatsapp"
    }
    assert [m["text"]["body"] for m in sent] == ["Entendido.", "¿Algo más?"]
    assert all(m["type"] == "text" and m["messaging_product"] == "whatsapp" for m in sent)


async def test_a_retried_message_id_is_answered_once(
    fake_rasa: FakeRasa, fake_graph: FakeGraph
) -> None:
    person = user("50760000103")
    async with running(settings_for(fake_rasa.url, graph=fake_graph)) as (_, client):
        event = person.text("hola")
        for _ in range(3):  # Meta retries until it gets a 200; each retry is acknowledged
            assert await post(client, person, event) == 200
        await wait_for(lambda: len(fake_graph.sent(person.wa_id)) == 2)
        await then_one_more(client, person, fake_graph)
    assert [m["message"] for m in fake_rasa.received] == ["hola", "último"]
    assert len(fake_graph.sent(person.wa_id)) == 4


async def test_up_to_three_buttons_are_reply_buttons_and_their_id_is_the_payload(
    fake_rasa: FakeRasa, fake_graph: FakeGraph
) -> None:
    person = user("50760000104")
    async with running(settings_for(fake_rasa.url, graph=fake_graph)) as (_, client):
        await post(client, person, person.text("persona"))
        [question] = await wait_for(lambda: fake_graph.sent(person.wa_id))
        interactive = question["interactive"]
        assert question["type"] == "interactive" and interactive["type"] == "button"
        assert interactive["body"]["text"] == "¿Estás de acuerdo?"
        assert [b["reply"] for b in interactive["action"]["buttons"]] == [
            {"id": "/affirm", "title": "Sí"},
            {"id": "/deny", "title": "No"},
        ]
        await post(client, person, person.button_reply("/affirm", "Sí"))
        await wait_for(lambda: len(fake_rasa.received) == 2)
    assert fake_rasa.received[1]["message"] == "/affirm"


async def test_more_than_three_buttons_are_a_list_and_a_chosen_row_sends_its_payload(
    fake_rasa: FakeRasa, fake_graph: FakeGraph
) -> None:
    person = user("50760000105")
    async with running(settings_for(fake_rasa.url, graph=fake_graph)) as (_, client):
        await post(client, person, person.text("/help"))
        [menu] = await wait_for(lambda: fake_graph.sent(person.wa_id))
        interactive = menu["interactive"]
        assert interactive["type"] == "list"
        rows = interactive["action"]["sections"][0]["rows"]
        assert len(rows) == 8
        assert all(len(r["title"]) <= 24 and len(r["id"]) <= 200 for r in rows)
        assert rows[0] == {"id": "/ask_regularization", "title": "Papeles / regularización"}
        assert len(interactive["action"]["button"]) <= 20
        await post(client, person, person.list_reply("/find_service", "Servicios cerca de mí"))
        await wait_for(lambda: len(fake_rasa.received) == 2)
    assert fake_rasa.received[1]["message"] == "/find_service"


async def test_a_voice_note_gets_a_kind_reply_in_both_languages_and_nothing_is_forwarded(
    fake_rasa: FakeRasa, fake_graph: FakeGraph
) -> None:
    person = user("50760000106")
    async with running(settings_for(fake_rasa.url, graph=fake_graph)) as (_, client):
        await post(client, person, person.voice())
        [reply] = await wait_for(lambda: fake_graph.sent(person.wa_id))
    assert "solo entiendo mensajes de texto" in reply["text"]["body"]
    assert "I only understand text messages" in reply["text"]["body"]
    assert fake_rasa.received == []


async def test_a_shared_location_reaches_rasa_as_a_token_the_action_server_takes_once(
    point_rasa: PointTakingRasa, fake_graph: FakeGraph
) -> None:
    person = user("50760000107")
    settings = settings_for(point_rasa.url, graph=fake_graph, internal_token=INTERNAL_TOKEN)
    async with running(settings) as (gateway, client):
        point_rasa.gateway_url = str(client.base_url)
        await post(client, person, person.location(9.0412345, -79.4709876))
        await wait_for(lambda: fake_graph.sent(person.wa_id))
        assert gateway.points is not None and len(gateway.points) == 0
    [received] = point_rasa.received
    assert received["message"] == "/find_service"
    metadata = without_route(received, settings, Route("whatsapp", person.wa_id))
    assert set(metadata) == {"channel", "point_token"}
    assert received["metadata"]["channel"] == "whatsapp"
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", received["metadata"]["point_token"])
    assert not re.search(r"9\.04|79\.47", json.dumps(received))
    assert point_rasa.fetched == [
        (200, {"lat": 9.041, "lon": -79.471}),
        (404, {"error": "no such point"}),
    ]


async def test_a_location_without_a_valid_point_gets_the_kind_reply(
    point_rasa: PointTakingRasa, fake_graph: FakeGraph
) -> None:
    person = user("50760000111")
    settings = settings_for(point_rasa.url, graph=fake_graph, internal_token=INTERNAL_TOKEN)
    async with running(settings) as (gateway, client):
        await post(client, person, person.location(123.0, -79.47))
        [reply] = await wait_for(lambda: fake_graph.sent(person.wa_id))
        assert gateway.points is not None and len(gateway.points) == 0
    assert "solo entiendo mensajes de texto" in reply["text"]["body"]
    assert point_rasa.received == []


async def test_a_long_answer_is_split_and_the_buttons_carry_the_last_paragraphs(
    fake_rasa: FakeRasa, fake_graph: FakeGraph
) -> None:
    person = user("50760000108")
    async with running(settings_for(fake_rasa.url, graph=fake_graph)) as (_, client):
        await post(client, person, person.text("largo"))
        sent = await wait_for(
            lambda: len(fake_graph.sent(person.wa_id)) == 3 and fake_graph.sent(person.wa_id)
        )
    assert [m["type"] for m in sent] == ["text", "text", "interactive"]
    assert all(len(m["text"]["body"]) <= 4096 for m in sent[:2])
    body = sent[2]["interactive"]["body"]["text"]
    assert len(body) <= 1024
    texts = [m["text"]["body"] for m in sent[:2]] + [body]
    assert sum(t.count("servicio") for t in texts) == 600


async def test_rasa_down_gets_a_try_again_reply_with_the_iom_contact(
    fake_graph: FakeGraph, dead_url: str
) -> None:
    person = user("50760000109")
    settings = settings_for(dead_url, graph=fake_graph)
    async with running(settings) as (_, client):
        await post(client, person, person.text("hola"))
        [reply] = await wait_for(lambda: fake_graph.sent(person.wa_id))
        assert (await client.get("/health")).status_code == 200
    body = reply["text"]["body"]
    assert "OIM Panamá: +507 305-3350, iompanama@iom.int" in body
    assert "IOM Panama: +507 305-3350, iompanama@iom.int" in body


async def test_other_numbers_statuses_and_reactions_are_ignored(
    fake_rasa: FakeRasa, fake_graph: FakeGraph
) -> None:
    person = user("50760000110")
    other = WhatsAppUser(person.wa_id, "999999999", APP_SECRET)
    status = person.text("hola")
    value = status["entry"][0]["changes"][0]["value"]
    value["statuses"] = [{"id": "wamid.OUT1", "status": "read", "recipient_id": person.wa_id}]
    del value["messages"]
    async with running(settings_for(fake_rasa.url, graph=fake_graph)) as (_, client):
        assert await post(client, person, other.text("hola")) == 200
        assert await post(client, person, status) == 200
        reaction = {"type": "reaction", "reaction": {"message_id": "wamid.OUT1", "emoji": "👍"}}
        assert await post(client, person, person.event(reaction)) == 200
        await then_one_more(client, person, fake_graph)
    assert [m["message"] for m in fake_rasa.received] == ["último"]
    assert len(fake_graph.messages) == 2
