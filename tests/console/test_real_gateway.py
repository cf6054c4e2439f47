"""The reply reaches the person: the console posts to the real gateway (`python -m bot`, Telegram
polling a local Bot API server, tests/gateways/fakes.py), which opens the sealed route and sends
the caseworker's text to the chat; closing tells that gateway too."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from playwright.sync_api import Browser, expect

from bot.routes import Route, RouteSeal
from casework.records import Handoff, open_handoff
from privacy.keys import conversation_key
from store import db
from tests.console.stack import PASSWORD, USERS, Console, console
from tests.gateways.fakes import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
TELEGRAM_TOKEN = "424242:CONSOLE-" + uuid.uuid4().hex
HASH_KEY = "console-hash-key-" + uuid.uuid4().hex + uuid.uuid4().hex
ROUTE_KEY = Fernet.generate_key().decode()
INTERNAL_TOKEN = "console-internal-" + uuid.uuid4().hex
CHAT_ID = 640_777


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def telegram() -> Iterator[FakeTelegram]:
    server = FakeTelegram(TELEGRAM_TOKEN).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def gateway(telegram: FakeTelegram, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "APP_PROFILE") and not k.startswith(("TELEGRAM_", "WHATSAPP_"))
    }
    env.update(
        HASH_KEY=HASH_KEY,
        ROUTE_KEY=ROUTE_KEY,
        GATEWAY_INTERNAL_TOKEN=INTERNAL_TOKEN,
        GATEWAY_PORT=str(port),
        RASA_URL="http://127.0.0.1:9",
        APP_VAR_DIR=str(tmp_path_factory.mktemp("gateway-var")),
        TELEGRAM_TOKEN=TELEGRAM_TOKEN,
        TELEGRAM_BASE_URL=telegram.base_url,
    )
    log = tmp_path_factory.mktemp("gateway") / "gateway.log"
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
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def real_stack(gateway: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    folder = tmp_path_factory.mktemp("console-real")
    with console(folder, gateway_url=gateway, gateway_token=INTERNAL_TOKEN) as running:
        yield running


def test_reply_reaches_the_telegram_chat(
    browser: Browser, real_stack: Console, telegram: FakeTelegram
) -> None:
    # the key the action server stores: of the Rasa sender, itself the keyed chat id
    sender = conversation_key("telegram", str(CHAT_ID), HASH_KEY.encode())
    key = conversation_key("rasa", sender, HASH_KEY.encode())
    sealed = RouteSeal([ROUTE_KEY]).seal(Route("telegram", str(CHAT_ID)))
    handoff_id = open_handoff(
        conversation_key=key, channel="telegram", language="es", topic="ask_refuge",
        corregimiento="Omar Torrijos", summary="Quiero pedir refugio.", urgent=False,
        consented=True, reply_route=sealed,
    )  # fmt: skip
    context = browser.new_context(base_url=real_stack.url)
    page = context.new_page()
    page.goto("/login/")
    page.fill("input[name=email]", USERS["caseworker"])
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-submit")
    page.goto(f"/handoffs/{handoff_id}")
    assert sealed not in page.content() and str(CHAT_ID) not in page.content()
    page.fill("#message", "Hola, soy de la OIM: le escribo sobre su solicitud de refugio.")
    page.get_by_role("button", name="Enviar").click()
    expect(page.locator(".alert")).to_contain_text("Respuesta enviada")
    texts = [m["text"] for m in telegram.sent(CHAT_ID)]
    assert texts[-1] == "Hola, soy de la OIM: le escribo sobre su solicitud de refugio."

    page.get_by_role("button", name="Cerrar (atendido)").click()
    expect(page.locator(".alert-success")).to_contain_text("el asistente vuelve a atender")
    with db.session() as s:
        row = s.get(Handoff, handoff_id)
        assert row is not None and row.status == "closed" and row.reply_route == ""
    context.close()
