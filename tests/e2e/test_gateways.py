"""The Telegram and WhatsApp gateways with the real stack behind them (Rasa + action server).

The gateway is the stack's own process, `python -m bot` started by supervisord from the Procfile
(`gateway: scripts/run-gateway`) with the stack's keys (tests/e2e/conftest.py): the same
HASH_KEY as the action server, its own ROUTE_KEY, GATEWAY_INTERNAL_TOKEN, and no DATABASE_URL
(scripts/run-gateway does not pass it on: the gateway holds no data).
Telegram and Meta are local servers that speak the Bot API and the Cloud API
(tests/gateways/fakes.py), one of each for the session. Telegram runs in webhook mode here
(Telegram's posts carry the secret header); polling is covered in tests/gateways. One Spanish
conversation per channel to a list of services with buttons, an emergency, a shared location, a
voice note and a forged webhook; and a caseworker's reply to a consented handoff: the reply
route travels sealed in the metadata of every message, the action server keeps it on the
handoff the person agreed to, and the test, standing in for the console, reads it from the
handoff row in the stack's database and posts it back to the gateway with the text, which
reaches the person's Telegram chat.

A shared location reaches Rasa as a token only: the stack's action server takes the point from
this gateway (GATEWAY_URL, GATEWAY_INTERNAL_TOKEN) and answers with the services near it, and
Rasa's tracker must hold no coordinate.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

import casework
from referral_directory import api
from referral_directory.records import stable_id
from store import db
from tests.e2e.conftest import (
    APP_SECRET,
    E2E_DIRECTORY,
    GATEWAY_INTERNAL_TOKEN,
    GATEWAY_PORT,
    PHONE_ID,
    TELEGRAM_SECRET,
    Stack,
    channel_sender,
    person_key,
)
from tests.gateways.fakes import FakeGraph, FakeTelegram, WhatsAppUser

pytestmark = pytest.mark.asyncio

SECRET = TELEGRAM_SECRET

Json = dict[str, Any]


INTERNAL_TOKEN = GATEWAY_INTERNAL_TOKEN

HOSPITAL = stable_id("service:minsa-hospital-nicolas-solano")
#: The seed has no service coordinates (none could be confirmed): an invented, approximate point
#: for the hospital in La Chorrera, set for one test and taken away after it.
HOSPITAL_AT = (8.8790, -79.7830)
#: Numbers like the shared points of these tests (not inside a longer number, e.g. a timestamp).
COORDINATE = re.compile(r"(?<![\d.])-?(?:8\.8[78]|9\.04|79\.7[78]|79\.47)\d*")
COORDINATE_KEYS = frozenset({"lat", "lon", "lng", "latitude", "longitude"})
#: what Rasa adds to a message's metadata itself
RASA_METADATA = frozenset({"model_id", "assistant_id"})


@pytest.fixture
def telegram(stack: Stack) -> FakeTelegram:
    """The Bot API server the stack's gateway talks to (one for the session)."""
    return stack.telegram


@pytest.fixture
def graph(stack: Stack) -> FakeGraph:
    """The Cloud API server the stack's gateway talks to (one for the session)."""
    return stack.graph


@asynccontextmanager
async def gateway(
    stack: Stack, telegram: FakeTelegram, graph: FakeGraph
) -> AsyncIterator[httpx.AsyncClient]:
    """A client for the stack's gateway (the process the supervisor started)."""
    async with httpx.AsyncClient(base_url=stack.gateway, timeout=30) as client:
        yield client


async def until(found: Callable[[], list[Json]], done: Callable[[list[Json]], bool]) -> list[Json]:
    """The messages found once ``done`` holds for them (the stack may take a few seconds)."""
    deadline = time.monotonic() + 60
    while True:
        messages = found()
        if done(messages):
            await asyncio.sleep(0.5)  # let the rest of the same answer arrive
            return found()
        if time.monotonic() > deadline:
            raise AssertionError(f"no such answer; got {[_text(m) for m in messages]}")
        await asyncio.sleep(0.1)


def _text(message: Json) -> str:
    """The readable text of a sent Telegram or WhatsApp message."""
    if "interactive" in message:
        return str(message["interactive"]["body"]["text"])
    if "text" in message and isinstance(message["text"], dict):
        return str(message["text"]["body"])
    return str(message.get("text", ""))


def user_events(stack: Stack, sender: str) -> list[Json]:
    return [e for e in stack.tracker_events(sender) if e["event"] == "user"]


def coordinates_kept(stack: Stack, sender: str) -> list[str]:
    """Whatever in Rasa's whole tracker of the conversation looks like a coordinate: keys named
    like one, anywhere, and numbers like the shared points."""
    response = stack.client.get(
        f"{stack.rasa}/conversations/{sender}/tracker", params={"token": stack.token}
    )
    response.raise_for_status()
    tracker = response.json()
    found: list[str] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if str(key).lower() in COORDINATE_KEYS:
                    found.append(f"{path}.{key}")
                walk(item, f"{path}.{key}")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, f"{path}[{i}]")

    walk(tracker, "tracker")
    return found + COORDINATE.findall(json.dumps(tracker, ensure_ascii=False))


async def point_left(client: httpx.AsyncClient, event: Json) -> int:
    """The gateway's answer to a second request for the event's point (404: already taken)."""
    token = event["metadata"]["point_token"]
    headers = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}
    return (await client.get(f"/internal/point/{token}", headers=headers)).status_code


# --- Telegram -------------------------------------------------------------------------------------


class TelegramChat:
    """A person writing to the bot; Telegram posts their updates to the gateway's webhook."""

    def __init__(self, client: httpx.AsyncClient, telegram: FakeTelegram, user_id: int) -> None:
        self.client, self.telegram, self.user_id = client, telegram, user_id

    async def post(self, update: Json, secret: str = SECRET) -> int:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
        response = await self.client.post("/telegram/webhook", json=update, headers=headers)
        return response.status_code

    async def says(self, update: Json, done: Callable[[list[Json]], bool]) -> list[Json]:
        before = len(self.telegram.sent(self.user_id))
        assert await self.post(update) == 200
        return await until(lambda: self.telegram.sent(self.user_id)[before:], done)

    @property
    def sender(self) -> str:
        return channel_sender("telegram", self.user_id)


def buttons(message: Json) -> dict[str, str]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row}


async def test_telegram_from_start_to_services_in_herrera(
    stack: Stack, telegram: FakeTelegram, graph: FakeGraph
) -> None:
    async with gateway(stack, telegram, graph) as client:
        chat = TelegramChat(client, telegram, 700000001)
        [notice] = await chat.says(telegram.text(chat.user_id, "/start"), bool)
        assert "No guardo tu nombre" in notice["text"]
        spanish = buttons(notice)["Español"]

        answer = await chat.says(telegram.press(chat.user_id, spanish), bool)
        assert answer[0]["text"] == "Listo, seguimos en español."

        places = await chat.says(
            telegram.text(chat.user_id, "que servicios hay"),
            lambda ms: any("Herrera" in buttons(m) for m in ms),
        )
        herrera = next(buttons(m)["Herrera"] for m in places if "Herrera" in buttons(m))

        services = await chat.says(
            telegram.press(chat.user_id, herrera),
            lambda ms: any(m["text"].startswith("Servicios para Herrera") for m in ms),
        )
    listing = next(m for m in services if m["text"].startswith("Servicios para Herrera"))
    assert "Tarjeta para guardar" in buttons(listing)
    assert telegram.called("answerCallbackQuery")
    assert telegram.called("sendChatAction", chat.user_id)
    # Rasa knows the person only by the keyed hash
    said = [e["text"] for e in user_events(stack, chat.sender)]
    assert said == ["Español", "que servicios hay", herrera]
    assert user_events(stack, str(chat.user_id)) == []


async def test_telegram_emergency_location_voice_and_forged_webhook(
    stack: Stack, telegram: FakeTelegram, graph: FakeGraph
) -> None:
    async with gateway(stack, telegram, graph) as client:
        danger = TelegramChat(client, telegram, 700000002)
        replies = await danger.says(
            telegram.text(danger.user_id, "ayuda mi pareja me esta golpeando"),
            lambda ms: any("911" in m["text"] for m in ms),
        )
        assert "911" in replies[0]["text"]

        where = TelegramChat(client, telegram, 700000003)
        e2e_directory = db.engine(f"sqlite:///{E2E_DIRECTORY}")
        api.update(
            HOSPITAL, latitude=HOSPITAL_AT[0], longitude=HOSPITAL_AT[1], engine=e2e_directory
        )
        try:
            near = await where.says(
                telegram.location(where.user_id, 8.8801234, -79.7809876),
                lambda ms: any(m["text"].startswith("Servicios para") for m in ms),
            )
        finally:
            api.update(HOSPITAL, latitude=None, longitude=None, engine=e2e_directory)
        listing = next(m for m in near if m["text"].startswith("Servicios para"))
        assert listing["text"].startswith("Servicios para La Chorrera:")
        assert listing["text"].split("\n\n")[1].startswith("1. Hospital Nicolás A. Solano")
        assert "Tarjeta para guardar" in buttons(listing)
        [event] = user_events(stack, where.sender)
        assert event["text"] == "/find_service"
        gateway_keys = set(event["metadata"]) - RASA_METADATA
        assert gateway_keys == {"channel", "language_hint", "point_token", "reply_route"}
        assert event["metadata"]["channel"] == "telegram"
        assert event["metadata"]["reply_route"].startswith("fernet:")
        assert str(where.user_id) not in json.dumps(stack.tracker_events(where.sender))
        assert await point_left(client, event) == 404  # taken by the action server: forgotten
        assert coordinates_kept(stack, where.sender) == []

        voice = TelegramChat(client, telegram, 700000004)
        [reply] = await voice.says(telegram.voice(voice.user_id), bool)
        assert "solo entiendo mensajes de texto" in reply["text"]

        forged = TelegramChat(client, telegram, 700000005)
        assert await forged.post(telegram.text(forged.user_id, "hola"), secret="guess") == 403
        assert await forged.post(telegram.text(forged.user_id, "hola"), secret="") == 403
        await asyncio.sleep(1)
    assert user_events(stack, voice.sender) == []
    assert telegram.sent(forged.user_id) == [] and user_events(stack, forged.sender) == []


def handoffs_of(key: str) -> list[casework.Handoff]:
    """The handoff rows stored under a person key in the stack's database."""
    with db.session(db.engine(f"sqlite:///{E2E_DIRECTORY}")) as s:
        rows = s.scalars(select(casework.Handoff).where(casework.Handoff.conversation_key == key))
        return list(rows)


async def route_kept(key: str) -> casework.Handoff:
    """The person's open handoff once the action server has kept the sealed reply route on it
    (in the turn of the person's "yes"; a moment's grace for the database)."""
    deadline = time.monotonic() + 10
    while True:
        rows = [h for h in handoffs_of(key) if h.status != "closed"]
        if rows and rows[0].reply_route.startswith("fernet:"):
            return rows[0]
        if time.monotonic() > deadline:
            raise AssertionError(f"no open handoff with a sealed route under the key: {rows}")
        await asyncio.sleep(0.1)


async def test_a_caseworker_reply_reaches_the_person_through_the_stacks_gateway(
    stack: Stack, telegram: FakeTelegram, graph: FakeGraph
) -> None:
    async with gateway(stack, telegram, graph) as client:
        chat = TelegramChat(client, telegram, 700000006)
        asked = await chat.says(
            telegram.text(chat.user_id, "quiero hablar con una persona"),
            lambda ms: any("Sí" in buttons(m) for m in ms),
        )
        consent = next(m for m in asked if "Sí" in buttons(m))
        assert "¿Estás de acuerdo?" in consent["text"]
        await chat.says(
            telegram.press(chat.user_id, buttons(consent)["Sí"]),
            lambda ms: any("tu caso está en la lista" in m["text"] for m in ms),
        )
        # the gateway sent the chat sealed with the "yes", and the action server kept it on
        # the handoff it opened, under the key the gateway computes with the same HASH_KEY
        handoff = await route_kept(person_key(chat.sender))
        assert handoff.consented and not handoff.urgent and handoff.channel == "telegram"
        assert str(chat.user_id) not in handoff.reply_route
        yes = [e for e in user_events(stack, chat.sender) if e["text"] == buttons(consent)["Sí"]]
        assert yes[-1]["metadata"]["reply_route"] == handoff.reply_route
        assert str(chat.user_id) not in json.dumps(stack.tracker_events(chat.sender))

        # the console's part: what the handoff row holds, and the caseworker's text
        reply = f"Hola, soy Marta, de la OIM. Te escribo por tu caso {uuid.uuid4().hex[:6]}."
        body = {
            "route": handoff.reply_route,
            "language": handoff.language,
            "text": reply,
            "conversation_key": handoff.conversation_key,
        }
        auth = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}
        refused = await client.post("/internal/handoff-reply", json=body)
        assert refused.status_code == 403
        route = handoff.reply_route
        tampered = {**body, "route": route[:-10] + ("B" if route[-10] == "A" else "A") + route[-9:]}
        forged = await client.post("/internal/handoff-reply", json=tampered, headers=auth)
        assert forged.status_code == 422
        before = len(telegram.sent(chat.user_id))
        response = await client.post("/internal/handoff-reply", json=body, headers=auth)
        assert response.status_code == 200, response.text
        assert response.json() == {"channel": "telegram", "sent": "text", "held": False}
        delivered = await until(
            lambda: telegram.sent(chat.user_id)[before:],
            lambda ms: any(m["text"] == reply for m in ms),
        )
    assert [m["text"] for m in delivered] == [reply]
    assert all(m["text"] != reply for m in telegram.sent(chat.user_id)[:before])


async def test_the_stacks_gateway_runs_without_a_database_url(stack: Stack) -> None:
    """The gateway process the supervisor started (``python -m bot`` on the stack's port) was
    given no DATABASE_URL, though the action server beside it (``python -m actions.serve``)
    was."""
    found: dict[str, dict[str, str]] = {}
    for proc in Path("/proc").iterdir():
        try:
            command = (proc / "cmdline").read_bytes().decode(errors="replace").split("\0")
            module = command[command.index("-m") + 1] if "-m" in command[:-1] else None
            if module not in ("bot", "actions.serve"):
                continue
            pairs = (proc / "environ").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        env = dict(pair.partition("=")[::2] for pair in pairs if "=" in pair)
        if env.get("GATEWAY_PORT") == str(GATEWAY_PORT):
            found[module] = env
    assert set(found) == {"bot", "actions.serve"}, "the stack's gateway and action server"
    assert "DATABASE_URL" not in found["bot"]
    assert found["actions.serve"]["DATABASE_URL"] == f"sqlite:///{E2E_DIRECTORY}"


# --- WhatsApp -------------------------------------------------------------------------------------


class WhatsAppChat:
    def __init__(self, client: httpx.AsyncClient, graph: FakeGraph, wa_id: str) -> None:
        self.client, self.graph = client, graph
        self.person = WhatsAppUser(wa_id, PHONE_ID, APP_SECRET)

    async def post(self, event: Json, signature: str | None = "valid") -> int:
        response = await self.client.post(
            "/whatsapp/webhook", **self.person.post_args(event, signature=signature)
        )
        return response.status_code

    async def says(self, event: Json, done: Callable[[list[Json]], bool]) -> list[Json]:
        before = len(self.graph.sent(self.person.wa_id))
        assert await self.post(event) == 200
        return await until(lambda: self.graph.sent(self.person.wa_id)[before:], done)

    @property
    def sender(self) -> str:
        return channel_sender("whatsapp", self.person.wa_id)


def options(message: Json) -> dict[str, str]:
    """Title -> id of a WhatsApp interactive message's buttons or list rows."""
    interactive = message.get("interactive") or {}
    action = interactive.get("action") or {}
    found = {b["reply"]["title"]: b["reply"]["id"] for b in action.get("buttons", [])}
    for section in action.get("sections", []):
        found.update({r["title"]: r["id"] for r in section["rows"]})
    return found


async def test_whatsapp_from_hola_to_services_in_herrera(
    stack: Stack, telegram: FakeTelegram, graph: FakeGraph
) -> None:
    async with gateway(stack, telegram, graph) as client:
        chat = WhatsAppChat(client, graph, "50760000301")
        [greeting] = await chat.says(chat.person.text("hola"), bool)
        assert greeting["text"]["body"].startswith("¡Hola!")

        places = await chat.says(
            chat.person.text("que servicios hay"),
            lambda ms: any("Herrera" in options(m) for m in ms),
        )
        menu = next(m for m in places if "Herrera" in options(m))
        assert menu["interactive"]["type"] == "list"  # seven places: more than three buttons
        herrera = options(menu)["Herrera"]

        services = await chat.says(
            chat.person.list_reply(herrera, "Herrera"),
            lambda ms: any(_text(m).startswith("Servicios para Herrera") for m in ms)
            and any("interactive" in m for m in ms),
        )
    assert any(_text(m).startswith("Servicios para Herrera") for m in services)
    follow = next(m for m in services if "interactive" in m)
    assert "Tarjeta para guardar" in options(follow)
    said = [e["text"] for e in user_events(stack, chat.sender)]
    assert said == ["hola", "que servicios hay", herrera]
    assert user_events(stack, chat.person.wa_id) == []
    assert all(e["metadata"]["channel"] == "whatsapp" for e in user_events(stack, chat.sender))


async def test_whatsapp_emergency_location_voice_and_forged_webhook(
    stack: Stack, telegram: FakeTelegram, graph: FakeGraph
) -> None:
    async with gateway(stack, telegram, graph) as client:
        danger = WhatsAppChat(client, graph, "50760000302")
        replies = await danger.says(
            danger.person.text("me quiero matar"), lambda ms: any("911" in _text(m) for m in ms)
        )
        assert "911" in _text(replies[0]) and "147" in _text(replies[0])

        # Panama City: no located service within 5 km in the seed, so the place is asked for
        where = WhatsAppChat(client, graph, "50760000303")
        asked = await where.says(
            where.person.location(9.0412345, -79.4709876),
            lambda ms: any("corregimiento" in _text(m) for m in ms),
        )
        question = next(m for m in asked if "corregimiento" in _text(m))
        assert _text(question).startswith("¿En qué corregimiento estás?")
        assert "Herrera" in options(question)
        [event] = user_events(stack, where.sender)
        assert event["text"] == "/find_service"
        assert set(event["metadata"]) - RASA_METADATA == {"channel", "point_token", "reply_route"}
        assert where.person.wa_id not in json.dumps(stack.tracker_events(where.sender))
        assert await point_left(client, event) == 404
        assert coordinates_kept(stack, where.sender) == []

        voice = WhatsAppChat(client, graph, "50760000304")
        [reply] = await voice.says(voice.person.voice(), bool)
        assert "solo entiendo mensajes de texto" in _text(reply)

        forged = WhatsAppChat(client, graph, "50760000305")
        liar = WhatsAppUser(forged.person.wa_id, PHONE_ID, "stolen-but-wrong")
        assert await forged.post(forged.person.text("hola"), signature=liar.sign(b"{}")) == 403
        assert await forged.post(forged.person.text("hola"), signature=None) == 403
        await asyncio.sleep(1)
    assert user_events(stack, voice.sender) == []
    assert graph.sent(forged.person.wa_id) == [] and user_events(stack, forged.sender) == []
