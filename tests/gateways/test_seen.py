"""Answered webhook ids in Redis (the production profile): a retry after a gateway restart, or
to a second gateway, is not answered again; only keyed hashes are stored; Redis down is the
process's memory deciding, never a failure. Against the machine's Redis (TEST_REDIS_URL)."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
import redis

from bot.whatsapp.dedupe import SharedSeenIds
from tests.gateways.conftest import (
    APP_SECRET,
    HASH_KEY,
    PHONE_ID,
    WEBHOOK_SECRET,
    running,
    settings_for,
)
from tests.gateways.fakes import FakeGraph, FakeRasa, FakeTelegram, WhatsAppUser, wait_for

pytestmark = pytest.mark.asyncio

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test's own, its keys deleted afterwards."""
    name = f"test-seen-{uuid.uuid4().hex[:10]}:"
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is needed at {REDIS_URL} (TEST_REDIS_URL): {exc}")
    yield name
    for key in client.scan_iter(match=name + "*"):
        client.delete(key)
    client.close()


@pytest_asyncio.fixture
async def seen(prefix: str) -> AsyncIterator[SharedSeenIds]:
    store = SharedSeenIds.from_url(REDIS_URL, HASH_KEY, prefix)
    yield store
    await store.close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_an_id_is_new_once_even_for_a_gateway_started_after(
    seen: SharedSeenIds, prefix: str
) -> None:
    assert await seen.check("telegram:41") is True
    assert await seen.check("telegram:41") is False
    restarted = SharedSeenIds.from_url(REDIS_URL, HASH_KEY, prefix)
    try:
        assert await restarted.check("telegram:41") is False
        assert await restarted.check("telegram:42") is True
    finally:
        await restarted.close()


async def test_two_gateways_at_once_answer_an_id_once(prefix: str) -> None:
    stores = [SharedSeenIds.from_url(REDIS_URL, HASH_KEY, prefix) for _ in range(4)]
    try:
        firsts = await asyncio.gather(*(s.check("whatsapp:wamid.X1") for s in stores))
    finally:
        for s in stores:
            await s.close()
    assert sorted(firsts) == [False, False, False, True]


async def test_only_a_keyed_hash_is_stored_for_a_day(seen: SharedSeenIds, prefix: str) -> None:
    # a WhatsApp message id can carry the sender's number: it never reaches Redis as written
    message_id = "wamid.HBgLNTA3NjAwMDAwMDAVAgASGBQzQTAwMDAwMDAwMDAwMDAwMDAA"
    await seen.check(f"whatsapp:{message_id}")
    client = redis.Redis.from_url(REDIS_URL)
    keys = [k.decode() for k in client.scan_iter(match=prefix + "*")]
    assert len(keys) == 1
    assert message_id not in keys[0] and "50760000000" not in keys[0]
    assert client.get(keys[0]) == b"pending"
    assert 0 < client.ttl(keys[0]) <= 24 * 3600
    client.close()


async def test_with_redis_down_memory_decides_and_nothing_fails() -> None:
    down = SharedSeenIds.from_url(f"redis://127.0.0.1:{_closed_port()}/0", HASH_KEY)
    try:
        assert await down.check("telegram:7") is True
        assert await down.check("telegram:7") is False
        assert await down.check("telegram:8") is True
    finally:
        await down.close()


async def test_a_telegram_retry_after_a_gateway_restart_is_not_answered_again(
    fake_rasa: FakeRasa, fake_telegram: FakeTelegram, prefix: str
) -> None:
    user = 610_077
    settings = settings_for(
        fake_rasa.url,
        telegram=fake_telegram,
        telegram_webhook=True,
        redis_url=REDIS_URL,
        seen_prefix=prefix,
    )
    good = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    update = fake_telegram.text(user, "sí")
    async with running(settings) as (_, client):
        assert (await client.post("/telegram/webhook", json=update, headers=good)).is_success
        await wait_for(lambda: len(fake_telegram.sent(user)) == 2)
        # answered: the id is done (a day), no longer only pending (a minute)
        client_ = redis.Redis.from_url(REDIS_URL)
        await wait_for(
            lambda: [client_.get(k) for k in client_.scan_iter(match=prefix + "*")] == [b"done"]
        )
        client_.close()
    # the gateway restarted; Telegram, which saw no 200 in time, posts the update again
    async with running(settings) as (_, client):
        assert (await client.post("/telegram/webhook", json=update, headers=good)).is_success
        second = fake_telegram.text(user, "hola")  # a new update: answered
        assert (await client.post("/telegram/webhook", json=second, headers=good)).is_success
        await wait_for(lambda: len(fake_telegram.sent(user)) == 4)
    # Rasa was given the "sí" once: it cannot answer a question twice
    assert [m["message"] for m in fake_rasa.received] == ["sí", "hola"]


async def test_an_id_whose_answer_never_went_out_is_answered_when_retried_later(
    prefix: str,
) -> None:
    # a gateway killed while answering: its id was pending, never done
    dying = SharedSeenIds.from_url(REDIS_URL, HASH_KEY, prefix)
    dying.pending_ttl = 1
    assert await dying.check("telegram:90") is True
    await dying.close()
    restarted = SharedSeenIds.from_url(REDIS_URL, HASH_KEY, prefix)
    try:
        assert await restarted.check("telegram:90") is False  # maybe still being answered
        await asyncio.sleep(1.2)
        assert await restarted.check("telegram:90") is True  # it was not: answer it now
        await restarted.done("telegram:90")
        await asyncio.sleep(1.2)
        later = SharedSeenIds.from_url(REDIS_URL, HASH_KEY, prefix)
        assert await later.check("telegram:90") is False  # done: a day
        await later.close()
    finally:
        await restarted.close()


async def test_what_was_answered_while_redis_was_away_stays_answered_when_it_is_back(
    prefix: str,
) -> None:
    store = SharedSeenIds.from_url(f"redis://127.0.0.1:{_closed_port()}/0", HASH_KEY, prefix)
    assert await store.check("whatsapp:wamid.OFF") is True  # Redis away: memory decides
    down_client = store.client
    store.client = SharedSeenIds.from_url(REDIS_URL, HASH_KEY, prefix).client  # Redis is back
    try:
        assert await store.check("whatsapp:wamid.OFF") is False
        assert await store.check("whatsapp:wamid.NEW") is True
    finally:
        await down_client.aclose()
        await store.close()


async def test_a_whatsapp_retry_after_a_gateway_restart_is_not_answered_again(
    fake_rasa: FakeRasa, fake_graph: FakeGraph, prefix: str
) -> None:
    person = WhatsAppUser("50760000177", PHONE_ID, APP_SECRET)
    settings = settings_for(
        fake_rasa.url, graph=fake_graph, redis_url=REDIS_URL, seen_prefix=prefix
    )
    event = person.text("sí")
    async with running(settings) as (_, client):
        response = await client.post("/whatsapp/webhook", **person.post_args(event))
        assert response.status_code == 200
        await wait_for(lambda: len(fake_graph.sent(person.wa_id)) == 2)
        keys = redis.Redis.from_url(REDIS_URL)
        await wait_for(
            lambda: [keys.get(k) for k in keys.scan_iter(match=prefix + "*")] == [b"done"]
        )
        keys.close()
    async with running(settings) as (_, client):  # restarted; Meta posts the message again
        response = await client.post("/whatsapp/webhook", **person.post_args(event))
        assert response.status_code == 200
        await asyncio.sleep(0.5)
    assert [m["message"] for m in fake_rasa.received] == ["sí"]
    assert len(fake_graph.sent(person.wa_id)) == 2
