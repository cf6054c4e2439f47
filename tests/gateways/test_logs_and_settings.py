"""What the gateway writes to its log (no id, phone, text or token), its settings from the
environment, and its outgoing rate limits."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from cryptography.fernet import Fernet

from bot import ratelimit
from bot.logs import configure
from bot.ratelimit import RateLimiter
from bot.settings import Settings, SettingsError, route_keys_from_env
from privacy.keys import KeyConfigError
from tests.gateways.conftest import (
    APP_SECRET,
    GRAPH_TOKEN,
    INTERNAL_TOKEN,
    PHONE_ID,
    TELEGRAM_TOKEN,
    running,
    settings_for,
)
from tests.gateways.fakes import FakeGraph, FakeRasa, FakeTelegram, WhatsAppUser, wait_for

KEY_A, KEY_B = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
def gateway_log() -> Iterator[io.StringIO]:
    """The process's logging as `python -m bot` sets it up (at DEBUG, the worst case)."""
    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.level, {n: logging.getLogger(n).level for n in logging.root.manager.loggerDict}
    handler = configure([TELEGRAM_TOKEN, GRAPH_TOKEN, APP_SECRET], logging.DEBUG, stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(saved[0])
    for name, level in saved[1].items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.asyncio
async def test_logs_hold_no_phone_number_id_text_or_token(
    gateway_log: io.StringIO,
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
    fake_graph: FakeGraph,
    dead_url: str,
) -> None:
    telegram_user, phone = 987654321, "50761234567"
    whatsapp = WhatsAppUser(phone, PHONE_ID, APP_SECRET)
    secret_words = "me llamo Rosa y mi pasaporte es X1234567"
    settings = settings_for(
        fake_rasa.url, telegram=fake_telegram, graph=fake_graph, internal_token=INTERNAL_TOKEN
    )
    async with running(settings) as (_, client):
        fake_telegram.push(fake_telegram.text(telegram_user, secret_words))
        fake_telegram.push(fake_telegram.voice(telegram_user))
        fake_telegram.push(fake_telegram.location(telegram_user, 8.87, -79.78))
        await client.post("/whatsapp/webhook", **whatsapp.post_args(whatsapp.text(secret_words)))
        forged = whatsapp.post_args(whatsapp.text(secret_words), signature="sha256=00")
        await client.post("/whatsapp/webhook", **forged)
        await wait_for(lambda: len(fake_telegram.sent(telegram_user)) == 4)
        await wait_for(lambda: len(fake_graph.sent(phone)) == 2)
    dead = settings_for(dead_url, telegram=fake_telegram)
    async with running(dead):
        fake_telegram.push(fake_telegram.text(telegram_user, secret_words))
        await wait_for(lambda: len(fake_telegram.sent(telegram_user)) == 5)
    log = gateway_log.getvalue()
    assert "rasa unavailable" in log and "answer(s)" in log and "bad or missing signature" in log
    for leak in (str(telegram_user), phone, "Rosa", "X1234567", "pasaporte", "8.87", "79.78"):
        assert leak not in log, leak
    secrets = (
        TELEGRAM_TOKEN,
        TELEGRAM_TOKEN.split(":")[1],
        GRAPH_TOKEN,
        APP_SECRET,
        INTERNAL_TOKEN,
    )
    for secret in secrets:
        assert secret not in log


def test_settings_come_from_the_environment(tmp_path: Path) -> None:
    env = {
        "HASH_KEY": "k" * 40,
        "ROUTE_KEY": f"{KEY_A},{KEY_B}",
        "TELEGRAM_TOKEN": "123:abc",
        "TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot",
        "WHATSAPP_TOKEN": "t",
        "WHATSAPP_PHONE_NUMBER_ID": "1",
        "WHATSAPP_APP_SECRET": "s",
        "WHATSAPP_VERIFY_TOKEN": "v",
        "GATEWAY_PORT": "9001",
    }
    settings = Settings.from_env(env)
    assert settings.channels == ["telegram", "whatsapp"]
    assert settings.port == 9001 and settings.rasa_url == "http://127.0.0.1:5005"
    assert settings.telegram is not None and not settings.telegram.webhook
    assert settings.whatsapp is not None
    assert settings.whatsapp.graph_url == "https://graph.facebook.com/v21.0"
    assert settings.route_keys == (KEY_A, KEY_B)
    assert "123:abc" not in repr(settings) and "'s'" not in repr(settings)
    no_channel = Settings.from_env({"HASH_KEY": "k" * 40, "ROUTE_KEY": KEY_A})
    assert no_channel.channels == []


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"WHATSAPP_TOKEN": "t", "WHATSAPP_PHONE_NUMBER_ID": "1"}, "WHATSAPP_APP_SECRET"),
        ({"TELEGRAM_TOKEN": "1:a", "TELEGRAM_WEBHOOK_URL": "https://x"}, "TELEGRAM_WEBHOOK_SECRET"),
        ({"GATEWAY_PORT": "eighty"}, "GATEWAY_PORT"),
    ],
)
def test_a_half_configured_channel_is_an_error_naming_what_is_missing(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({"HASH_KEY": "k" * 40, "ROUTE_KEY": KEY_A, **env})


def test_a_development_route_key_is_made_once_and_kept_private(tmp_path: Path) -> None:
    dev = {"APP_PROFILE": "development"}
    first = route_keys_from_env(dev, var_dir=tmp_path)
    assert route_keys_from_env(dev, var_dir=tmp_path) == first
    assert (tmp_path / "route_key").stat().st_mode & 0o077 == 0


def test_no_route_key_is_made_up_outside_development(tmp_path: Path) -> None:
    with pytest.raises(KeyConfigError, match="ROUTE_KEY is not set"):
        route_keys_from_env({}, var_dir=tmp_path)
    with pytest.raises(KeyConfigError, match="not a Fernet key"):
        route_keys_from_env({"ROUTE_KEY": "a"}, var_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


class VirtualClock:
    """Time that passes only when the code under test waits (see the rate limiter test)."""

    def __init__(self) -> None:
        self.now = 0.0
        #: (task name, seconds) of every wait
        self.waits: list[tuple[str, float]] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        task = asyncio.current_task()
        self.waits.append((task.get_name() if task else "?", seconds))
        self.now += seconds
        await asyncio.sleep(0)  # let other tasks run, as a real wait would


@pytest.mark.asyncio
async def test_the_rate_limiter_holds_one_recipient_but_not_the_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The buckets run on a clock that moves only when the limiter waits, so what is asserted is
    # who waited and for how long in the limiter's own time: a loaded machine cannot change it,
    # as it could change wall-clock durations.
    clock = VirtualClock()
    monkeypatch.setattr(ratelimit, "TokenBucket", partial(ratelimit.TokenBucket, clock=clock))
    monkeypatch.setattr(ratelimit, "asyncio", SimpleNamespace(Lock=asyncio.Lock, sleep=clock.sleep))
    limiter = RateLimiter(overall_rate=1000, overall_burst=1000, per_key_rate=20, per_key_burst=2)
    went: dict[str, float] = {}

    async def send(name: str, key: str) -> None:
        await limiter.acquire(key)
        went[name] = clock.now

    async def all_at_once(names_and_keys: list[tuple[str, str]]) -> None:
        tasks = [asyncio.create_task(send(n, k), name=n) for n, k in names_and_keys]
        await asyncio.gather(*tasks)

    # six messages to "a" at once: 2 go (the burst), then one every 1/20 s
    await all_at_once([(f"a{i}", "a") for i in range(6)])
    assert [went[f"a{i}"] for i in range(6)] == pytest.approx([0, 0, 0.05, 0.10, 0.15, 0.20])
    assert {name for name, _ in clock.waits} == {"a2", "a3", "a4", "a5"}
    assert sum(seconds for _, seconds in clock.waits) == pytest.approx(0.20)

    # "a" has used up its bucket; fifty other recipients all go at that same moment, none waits
    clock.waits.clear()
    await all_at_once([(f"p{i}", f"p{i}") for i in range(50)])
    assert clock.waits == [] and all(went[f"p{i}"] == went["a5"] for i in range(50))
    # while "a" is still held
    await all_at_once([("a6", "a")])
    assert clock.waits and {name for name, _ in clock.waits} == {"a6"}
    assert went["a6"] == pytest.approx(0.25)


def test_python_m_bot_without_a_channel_says_so_and_exits_0(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WHATSAPP_"))}
    env.update(HASH_KEY="k" * 40, ROUTE_KEY=KEY_A)
    done = subprocess.run(
        [sys.executable, "-m", "bot"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0
    assert "no channel configured" in done.stderr


def test_health_route_exists_without_channels(dead_url: str) -> None:
    async def check() -> int:
        settings = settings_for(dead_url)
        async with running(settings) as (_, client):
            response = await client.get("/health")
            missing = await client.post("/whatsapp/webhook", content=b"{}")
        assert missing.status_code == 404
        return response.status_code

    assert asyncio.run(check()) == 200
    assert httpx is not None
