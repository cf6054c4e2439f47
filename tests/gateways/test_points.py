"""Shared points: kept in the gateway's memory under a token, taken once by the action server
through ``GET /internal/point/{token}`` (bearer GATEWAY_INTERNAL_TOKEN), never sent to Rasa."""

from __future__ import annotations

import re
import secrets
from types import SimpleNamespace

import pytest

from bot import points
from bot.points import PointStore
from bot.routes import Route
from tests.gateways.conftest import (
    APP_SECRET,
    INTERNAL_TOKEN,
    PHONE_ID,
    running,
    settings_for,
    without_route,
)
from tests.gateways.fakes import FakeGraph, FakeRasa, FakeTelegram, WhatsAppUser, wait_for

INTERNAL = INTERNAL_TOKEN
AUTH = {"Authorization": f"Bearer {INTERNAL}"}
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{22}")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_point_is_kept_rounded_under_a_random_token_and_taken_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The token must carry nothing of the point. Looking for digits of the point in it would
    # prove that only by luck (a random 22-character token holds "79" about once in 200 runs),
    # so this is shown without chance: the token is made from nothing but its length (the only
    # argument `secrets` is given), and no written form of the coordinate, which always has a
    # dot, can be inside a token of the URL-safe alphabet.
    asked: list[int | None] = []

    def token_urlsafe(nbytes: int | None = None) -> str:
        asked.append(nbytes)
        return secrets.token_urlsafe(nbytes)

    monkeypatch.setattr(points, "secrets", SimpleNamespace(token_urlsafe=token_urlsafe))
    store = PointStore()
    token = store.put(8.8777123, -79.7812456)
    other = store.put(8.8777123, -79.7812456)
    assert asked == [16, 16]
    assert TOKEN_SHAPE.fullmatch(token) and token != other
    for written in ("8.8777123", "-79.7812456", "8.878", "-79.781", "8.87", "79.78"):
        assert written not in token and written not in other
    point = store.take(token)
    assert point is not None and (point.lat, point.lon) == (8.878, -79.781)
    assert store.take(token) is None
    assert store.take("never-given") is None
    assert len(store) == 1


def test_points_expire_and_the_oldest_go_when_the_store_is_full() -> None:
    clock = Clock()
    store = PointStore(ttl=600, max_size=3, clock=clock)
    old = store.put(9.0, -79.5)
    clock.now += 599
    assert len(store) == 1
    clock.now += 1
    assert store.take(old) is None and len(store) == 0
    tokens = [store.put(9.0 + i / 100, -79.5) for i in range(5)]
    assert len(store) == 3
    assert [store.take(t) is not None for t in tokens] == [False, False, True, True, True]


@pytest.mark.asyncio
async def test_the_point_endpoint_needs_the_bearer_and_answers_once(
    fake_rasa: FakeRasa, fake_telegram: FakeTelegram
) -> None:
    settings = settings_for(fake_rasa.url, telegram=fake_telegram, internal_token=INTERNAL)
    async with running(settings) as (gateway, client):
        assert gateway.points is not None
        token = gateway.points.put(9.0412345, -79.4709876)
        url = f"/internal/point/{token}"
        assert (await client.get(url)).status_code == 403
        wrong = {"Authorization": "Bearer not-the-token"}
        assert (await client.get(url, headers=wrong)).status_code == 403
        first = await client.get(url, headers=AUTH)
        second = await client.get(url, headers=AUTH)
        unknown = await client.get("/internal/point/" + "x" * 22, headers=AUTH)
        post = await client.post(url, headers=AUTH)
    assert first.status_code == 200 and first.json() == {"lat": 9.041, "lon": -79.471}
    assert first.headers["cache-control"] == "no-store"
    assert second.status_code == 404 and "lat" not in second.text
    assert unknown.status_code == 404
    assert post.status_code == 405


@pytest.mark.asyncio
async def test_an_expired_point_is_not_found(
    fake_rasa: FakeRasa, fake_telegram: FakeTelegram
) -> None:
    settings = settings_for(fake_rasa.url, telegram=fake_telegram, internal_token=INTERNAL)
    async with running(settings) as (gateway, client):
        clock = Clock()
        gateway.points = gateway.relay.points = PointStore(ttl=600, clock=clock)
        token = gateway.points.put(9.04, -79.47)
        clock.now += 601
        response = await client.get(f"/internal/point/{token}", headers=AUTH)
    assert response.status_code == 404


@pytest.mark.asyncio
async def test_without_the_internal_token_a_location_keeps_no_point_and_sends_none(
    fake_rasa: FakeRasa, fake_telegram: FakeTelegram, fake_graph: FakeGraph
) -> None:
    user, person = 630001, WhatsAppUser("50760000401", PHONE_ID, APP_SECRET)
    settings = settings_for(fake_rasa.url, telegram=fake_telegram, graph=fake_graph)
    async with running(settings) as (gateway, client):
        fake_telegram.push(fake_telegram.location(user, 8.8777, -79.7812))
        await client.post("/whatsapp/webhook", **person.post_args(person.location(9.04, -79.47)))
        await wait_for(lambda: fake_telegram.sent(user) and fake_graph.sent(person.wa_id))
        assert gateway.points is None
        route = await client.get("/internal/point/anything", headers=AUTH)
    assert route.status_code == 404  # no such route
    assert [m["message"] for m in fake_rasa.received] == ["/find_service", "/find_service"]
    telegram, whatsapp = sorted(fake_rasa.received, key=lambda m: m["metadata"]["channel"])
    assert without_route(telegram, settings, Route("telegram", str(user))) == {
        "channel": "telegram",
        "language_hint": "es",
    }
    assert without_route(whatsapp, settings, Route("whatsapp", person.wa_id)) == {
        "channel": "whatsapp"
    }
