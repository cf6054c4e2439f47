"""Fixtures for the gateway tests: fake Bot API, Graph API and Rasa servers, and settings that
point the real gateway at them. No database: the gateway holds none."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from bot.relay import REPLY_ROUTE
from bot.routes import SEALED_PREFIX, Route, RouteSeal
from bot.server import Gateway
from bot.settings import Settings, TelegramSettings, WhatsAppSettings
from tests.gateways.fakes import FakeGraph, FakeRasa, FakeTelegram, Json

HASH_KEY = b"gateway-tests-" + uuid.uuid4().hex.encode()
TELEGRAM_TOKEN = "123456:TEST-" + uuid.uuid4().hex
PHONE_ID = "109876543210"
GRAPH_TOKEN = "EAAG-test-" + uuid.uuid4().hex
APP_SECRET = "app-secret-" + uuid.uuid4().hex
VERIFY_TOKEN = "verify-" + uuid.uuid4().hex
WEBHOOK_SECRET = "tg-secret-" + uuid.uuid4().hex
#: GATEWAY_INTERNAL_TOKEN of the tests that need the internal endpoints
INTERNAL_TOKEN = "internal-" + uuid.uuid4().hex

MENU = [
    {"title": "Papeles / regularización", "payload": "/ask_regularization"},
    {"title": "Refugio", "payload": "/ask_refuge"},
    {"title": "Permiso de trabajo", "payload": "/ask_work_permit"},
    {"title": "Empleo", "payload": "/ask_employment"},
    {"title": "Salud", "payload": "/ask_health"},
    {"title": "Apoyo emocional", "payload": "/ask_psychosocial"},
    {"title": "Servicios cerca de mí", "payload": "/find_service"},
    {"title": "Hablar con una persona", "payload": "/request_human"},
]
YES_NO = [{"title": "Sí", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
LONG_PAYLOAD = '/report_service_problem{"service_id": "' + "s" * 40 + '", "problem": "wrong_data"}'
#: paragraphs of a long answer: 60 x 101 characters, about 6,100 in all
LONG_TEXT = "\n\n".join(f"{i:02d} " + "servicio " * 10 + "x" * 8 for i in range(60))


def rasa_script(message: str) -> list[Json] | int:
    """What the fake Rasa answers; it never repeats the person's words."""
    if message == "/help":
        return [{"text": "Puedo orientarte sobre estos temas.", "buttons": MENU}]
    if message in ("/request_human", "persona"):
        return [{"text": "¿Estás de acuerdo?", "buttons": YES_NO}]
    if message == "/find_service":
        return [{"text": "¿En qué corregimiento estás?", "buttons": MENU[:1]}]
    if message == "largo":
        return [{"text": LONG_TEXT, "buttons": YES_NO}]
    if message == "problema":
        return [
            {"text": "¿Qué servicio?", "buttons": [{"title": "Centro", "payload": LONG_PAYLOAD}]}
        ]
    if message == "falla":
        return 500
    return [{"text": "Entendido."}, {"text": "¿Algo más?"}]


@pytest.fixture
def dead_url() -> Iterator[str]:
    """The address of a server that is down: a port of 127.0.0.1 held bound for the whole test
    but never listening, so every connection to it is refused. (A port found free and let go
    again could be taken by another process before the test connects to it.)"""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{held.getsockname()[1]}"


@pytest.fixture
def hung_url() -> Iterator[str]:
    """The address of a server that hangs: a port of 127.0.0.1 that listens (the kernel
    completes each connection) but never reads or answers, as a Rasa whose worker was killed
    or stopped behind its open listener."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen(16)
        yield f"http://127.0.0.1:{held.getsockname()[1]}"


@pytest.fixture
def fake_rasa() -> Iterator[FakeRasa]:
    server = FakeRasa(rasa_script).start()
    yield server
    server.stop()


class PointTakingRasa(FakeRasa):
    """Rasa whose action server, in a ``/find_service`` turn that carries a point token, takes
    the point from the gateway as actions/orientation.py does (and tries a second time, which
    must find nothing), then answers like `rasa_script`."""

    def __init__(self) -> None:
        super().__init__(self._answer)
        self.gateway_url = ""
        #: (HTTP status, JSON body) of each request to the gateway's point endpoint
        self.fetched: list[tuple[int, Json]] = []

    def _answer(self, message: str) -> list[Json] | int:
        token = (self.received[-1].get("metadata") or {}).get("point_token")
        if message == "/find_service" and token:
            for _ in range(2):
                response = httpx.get(
                    f"{self.gateway_url}/internal/point/{token}",
                    headers={"Authorization": f"Bearer {INTERNAL_TOKEN}"},
                    timeout=5,
                )
                self.fetched.append((response.status_code, response.json()))
        return rasa_script(message)


@pytest.fixture
def point_rasa() -> Iterator[PointTakingRasa]:
    server = PointTakingRasa()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    server = FakeTelegram(TELEGRAM_TOKEN).start()
    yield server
    server.stop()


@pytest.fixture
def fake_graph() -> Iterator[FakeGraph]:
    server = FakeGraph(PHONE_ID, GRAPH_TOKEN).start()
    yield server
    server.stop()


def settings_for(
    rasa_url: str,
    *,
    telegram: FakeTelegram | None = None,
    telegram_webhook: bool = False,
    graph: FakeGraph | None = None,
    template: str | None = "seguimiento_oim",
    **changes: Any,
) -> Settings:
    """Settings as `Settings.from_env` would build them, pointed at the local servers."""
    settings = Settings(
        hash_key=HASH_KEY,
        route_keys=(Fernet.generate_key().decode(),),
        rasa_url=rasa_url,
        rasa_attempts=2,
        rasa_backoff=0.05,
        rasa_timeout=10,
        telegram=None
        if telegram is None
        else TelegramSettings(
            token=TELEGRAM_TOKEN,
            base_url=telegram.base_url,
            webhook_url="https://bot.example.org/telegram/webhook" if telegram_webhook else None,
            webhook_secret=WEBHOOK_SECRET if telegram_webhook else None,
        ),
        whatsapp=None
        if graph is None
        else WhatsAppSettings(
            token=GRAPH_TOKEN,
            phone_number_id=PHONE_ID,
            app_secret=APP_SECRET,
            verify_token=VERIFY_TOKEN,
            graph_url=graph.graph_url,
            followup_template=template,
        ),
    )
    return replace(settings, **changes)


def without_route(received: Json, settings: Settings, route: Route) -> Json:
    """The metadata of a message Rasa received, less its reply route, once that route is shown
    to be sealed: it opens to ``route`` with the gateway's ROUTE_KEY, and neither it nor any
    other part of what Rasa received holds the chat id or phone number in clear."""
    metadata = dict(received["metadata"])
    sealed = metadata.pop(REPLY_ROUTE)
    assert isinstance(sealed, str) and sealed.startswith(SEALED_PREFIX)
    assert RouteSeal(settings.route_keys).unseal(sealed) == route
    assert route.address not in json.dumps(received)
    return metadata


@asynccontextmanager
async def running(
    settings: Settings, clock: Callable[[], float] | None = None
) -> AsyncIterator[tuple[Gateway, httpx.AsyncClient]]:
    """The real gateway, served on a free port, and a client for its address."""
    gateway = Gateway(settings, **({"clock": clock} if clock else {}))
    async with (
        gateway.serving(port=0) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as client,
    ):
        yield gateway, client
