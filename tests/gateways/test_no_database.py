"""The gateway holds no data: `python -m bot` starts and serves both channels, caseworker replies
included, with no DATABASE_URL in its environment, and loads nothing that reaches a database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from bot.relay import REPLY_ROUTE
from bot.routes import SEALED_PREFIX
from privacy.keys import conversation_key
from tests.gateways.conftest import (
    APP_SECRET,
    GRAPH_TOKEN,
    HASH_KEY,
    INTERNAL_TOKEN,
    PHONE_ID,
    TELEGRAM_TOKEN,
    VERIFY_TOKEN,
)
from tests.gateways.fakes import FakeGraph, FakeRasa, FakeTelegram, WhatsAppUser, wait_for

ROOT = Path(__file__).resolve().parents[2]
#: what the gateway must never load: the parts that hold data, and the database libraries
HOLDS_DATA = ("store", "casework", "referral_directory", "sqlalchemy", "alembic", "psycopg")


def test_the_gateway_loads_nothing_that_holds_data() -> None:
    code = (
        "import sys, bot.__main__, bot.server, bot.followup\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HOLDS_DATA!r}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def gateway_process(
    tmp_path: Path, fake_rasa: FakeRasa, fake_telegram: FakeTelegram, fake_graph: FakeGraph
) -> Iterator[tuple[str, Path]]:
    """`python -m bot` with both channels, pointed at the local servers, and no DATABASE_URL."""
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "APP_PROFILE", "GATEWAY_HOST")
        and not k.startswith(("TELEGRAM_", "WHATSAPP_"))
    }
    env.update(
        HASH_KEY=HASH_KEY.decode(),
        ROUTE_KEY=Fernet.generate_key().decode(),
        GATEWAY_INTERNAL_TOKEN=INTERNAL_TOKEN,
        GATEWAY_PORT=str(port),
        RASA_URL=fake_rasa.url,
        APP_VAR_DIR=str(tmp_path / "var"),
        TELEGRAM_TOKEN=TELEGRAM_TOKEN,
        TELEGRAM_BASE_URL=fake_telegram.base_url,
        WHATSAPP_TOKEN=GRAPH_TOKEN,
        WHATSAPP_PHONE_NUMBER_ID=PHONE_ID,
        WHATSAPP_APP_SECRET=APP_SECRET,
        WHATSAPP_VERIFY_TOKEN=VERIFY_TOKEN,
        WHATSAPP_GRAPH_URL=fake_graph.graph_url,
    )
    assert "DATABASE_URL" not in env
    log = tmp_path / "gateway.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot"], cwd=ROOT, env=env, stdout=out, stderr=out
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"the gateway exited: {log.read_text()}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the gateway did not start: {log.read_text()}")
            time.sleep(0.2)
        yield url, log
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.asyncio
async def test_python_m_bot_serves_and_relays_caseworker_replies_without_a_database_url(
    gateway_process: tuple[str, Path],
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
    fake_graph: FakeGraph,
) -> None:
    url, log = gateway_process
    user, person = 640001, WhatsAppUser("50760000501", PHONE_ID, APP_SECRET)
    auth = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        health = (await client.get("/health")).json()
        assert health == {"status": "ok", "telegram": "polling", "whatsapp": True}
        fake_telegram.push(fake_telegram.text(user, "hola"))
        signed = person.post_args(person.text("hola"))
        assert (await client.post("/whatsapp/webhook", **signed)).status_code == 200
        await wait_for(lambda: len(fake_telegram.sent(user)) == 2, timeout=30)
        await wait_for(lambda: len(fake_graph.sent(person.wa_id)) == 2, timeout=30)

        for channel, address in (("telegram", str(user)), ("whatsapp", person.wa_id)):
            [received] = fake_rasa.from_sender(conversation_key(channel, address, HASH_KEY))
            sealed = received["metadata"][REPLY_ROUTE]
            assert sealed.startswith(SEALED_PREFIX) and address not in str(received)
            response = await client.post(
                "/internal/handoff-reply",
                json={"route": sealed, "language": "es", "text": f"Hola por {channel}."},
                headers=auth,
            )
            assert response.status_code == 200, response.text
            assert response.json() == {"channel": channel, "sent": "text", "held": False}
    assert fake_telegram.sent(user)[-1]["text"] == "Hola por telegram."
    assert fake_graph.sent(person.wa_id)[-1]["text"]["body"] == "Hola por whatsapp."
    text = log.read_text()
    assert "gateway on 127.0.0.1" in text
    assert str(user) not in text and person.wa_id not in text
