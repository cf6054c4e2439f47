"""RasaHQ/rasa#9213 shown on Rasa's RedisLockStore, and closed by ours, on the real Redis."""

from __future__ import annotations

import asyncio
import logging
import threading

import pytest
from rasa.core.lock_store import RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from rasa_stores.lock_store import IncrLockStore
from tests.rasa_stores.conftest import REDIS_URL


def _ours(prefix: str) -> IncrLockStore:
    return IncrLockStore(EndpointConfig(url=REDIS_URL, key_prefix=prefix))


def test_rasas_redis_lock_store_gives_two_replicas_the_same_ticket(redis_prefix: str) -> None:
    """Two replicas, one conversation, interleaved the way issue_ticket can interleave: each
    reads the lock, then each issues and writes back. Both hold ticket 0: both are served at
    once, and the second write erased the first replica's ticket."""
    prefix = redis_prefix.rstrip(":")  # Rasa wants it alphanumeric
    one, two = (RedisLockStore(host="127.0.0.1", db=0, key_prefix=prefix) for _ in range(2))
    lock_one = one.get_or_create_lock("c")
    lock_two = two.get_or_create_lock("c")
    ticket_one, ticket_two = lock_one.issue_ticket(60), lock_two.issue_ticket(60)
    one.save_lock(lock_one)
    two.save_lock(lock_two)
    assert ticket_one == ticket_two == 0
    lock = one.get_lock("c")
    assert lock is not None
    assert not lock.is_locked(ticket_one) and not lock.is_locked(ticket_two)
    assert len(lock.tickets) == 1  # one of the two tickets is gone
    one.delete_lock("c")


def test_ours_issues_every_ticket_once_under_concurrency(redis_prefix: str) -> None:
    stores = [_ours(redis_prefix) for _ in range(4)]  # four replicas
    issued: list[int] = []
    mutex = threading.Lock()

    def replica(store: IncrLockStore) -> None:
        for _ in range(50):
            ticket = store.issue_ticket("c", 60)
            with mutex:
                issued.append(ticket)

    threads = [threading.Thread(target=replica, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(issued) == list(range(1, 201))
    lock = stores[0].get_lock("c")
    assert lock is not None and lock.now_serving == 1 and lock.last_issued == 200


def test_two_replicas_serve_one_conversation_one_message_at_a_time_in_order(
    redis_prefix: str,
) -> None:
    """Messages of one conversation arriving at two replicas, interleaved: each is processed
    alone (no overlap), in the order its ticket was issued, and no message is lost."""
    replicas = [_ours(redis_prefix), _ours(redis_prefix)]
    log: list[tuple[str, int]] = []
    inside = 0

    async def message(n: int) -> None:
        nonlocal inside
        store = replicas[n % 2]
        async with store.lock("c", lock_lifetime=30, wait_time_in_seconds=0.01):
            inside += 1
            assert inside == 1, "two messages of one conversation processed at once"
            log.append(("start", n))
            await asyncio.sleep(0.005)  # a turn: reads and writes the tracker
            log.append(("end", n))
            inside -= 1

    async def arrivals() -> None:
        tasks = []
        for n in range(12):
            tasks.append(asyncio.create_task(message(n)))
            await asyncio.sleep(0)  # each issues its ticket before the next arrives
        await asyncio.gather(*tasks)

    asyncio.run(arrivals())
    starts = [n for kind, n in log if kind == "start"]
    assert starts == list(range(12))
    assert replicas[0].get_lock("c") is None  # nobody waits: the lock is gone from Redis


def test_an_expired_ticket_no_longer_holds_the_conversation(redis_prefix: str) -> None:
    """A replica killed while serving: its ticket expires and the next one is served."""
    store = _ours(redis_prefix)
    dead = store.issue_ticket("c", 0.05)
    waiting = store.issue_ticket("c", 60)
    lock = store.get_lock("c")
    assert lock is not None and lock.is_locked(waiting) and dead < waiting

    async def later() -> bool:
        await asyncio.sleep(0.1)
        store.update_lock("c")
        again = store.get_lock("c")
        return again is not None and not again.is_locked(waiting)

    assert asyncio.run(later())


def test_with_redis_down_the_person_hears_try_again_and_no_text_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    from rasa_stores.channel import handle_turn

    down = IncrLockStore(url="redis://127.0.0.1:9/0", socket_timeout=1)  # nothing listens

    async def rasa(message: UserMessage) -> None:  # what Rasa's Agent does first
        async with down.lock(message.sender_id):
            raise AssertionError("the lock cannot be had with Redis down")

    collector = CollectingOutputChannel()
    text = "me llamo Ana Pérez, +507 6000-0000"
    with caplog.at_level(logging.DEBUG):
        turn = asyncio.run(handle_turn(rasa, UserMessage(text, collector, "c")))
    assert turn.unavailable
    assert "try again in a few minutes" in collector.messages[0]["text"]
    assert "LockError" in caplog.text
    assert "Ana" not in caplog.text and "6000" not in caplog.text


def test_a_turn_that_hangs_is_answered_try_again_in_time_keeping_what_went_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The action server hung: Rasa has sent the emergency numbers and waits on the follow-up
    action. The turn ends at its bound, the numbers stay, the "try again" text follows, and
    Rasa's handling is cancelled (its lock's `finally` runs: the ticket goes back)."""
    import time

    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    from rasa_stores.channel import handle_turn

    released: list[bool] = []

    async def rasa(message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, "Llama al 911")
        try:
            await asyncio.sleep(60)  # the action server never answers
        finally:
            released.append(True)

    collector = CollectingOutputChannel()
    started = time.monotonic()
    with caplog.at_level(logging.INFO):
        turn = asyncio.run(
            handle_turn(rasa, UserMessage("me quiero matar", collector, "c"), timeout=0.5)
        )
    assert time.monotonic() - started < 2
    assert turn.unavailable and released == [True]
    assert [m["text"] for m in collector.messages][0] == "Llama al 911"
    assert "try again in a few minutes" in collector.messages[-1]["text"]
    assert "+507 305-3350" in collector.messages[-1]["text"]
    assert "matar" not in caplog.text


def test_the_turn_bound_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from rasa_stores.channel import DEFAULT_TURN_TIMEOUT, turn_timeout

    monkeypatch.delenv("RASA_TURN_TIMEOUT", raising=False)
    assert turn_timeout() == DEFAULT_TURN_TIMEOUT
    monkeypatch.setenv("RASA_TURN_TIMEOUT", "3.5")
    assert turn_timeout() == 3.5
    for bad in ("soon", "0"):
        monkeypatch.setenv("RASA_TURN_TIMEOUT", bad)
        with pytest.raises(ValueError, match="RASA_TURN_TIMEOUT"):
            turn_timeout()
