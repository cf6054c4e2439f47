"""The whole stack as `make run` starts it (tools/supervise.py + Procfile), on spare ports.

All three processes of the Procfile run: Rasa, the action server and the gateway (`python -m
bot`, Telegram in webhook mode and WhatsApp), with one set of keys: the gateway and the action
server share HASH_KEY (conversation keys), ROUTE_KEY is the gateway's own (it seals reply
routes; the action server keeps them sealed) and GATEWAY_INTERNAL_TOKEN guards the gateway's
internal endpoints. DATABASE_URL is the action server's: the supervisor gives every process the
same environment, and scripts/run-gateway does not pass it on to the gateway, which holds no data.
Telegram and Meta are local servers in this test process (tests/gateways/fakes.py), started
before the stack so the gateway can reach them when it starts.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from cryptography.fernet import Fernet

from privacy.keys import conversation_key
from tests.gateways.fakes import FakeGraph, FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "current.tar.gz"
# E2E_PORT_OFFSET moves every port, so two checkouts can run the stack tests side by side
_OFFSET = int(os.environ.get("E2E_PORT_OFFSET", "0"))
RASA_PORT, ACTION_PORT, GATEWAY_PORT = 15005 + _OFFSET, 15055 + _OFFSET, 18081 + _OFFSET
TOKEN = "e2e-" + uuid.uuid4().hex
#: between the action server and the stack's gateway (shared points, caseworker replies)
GATEWAY_INTERNAL_TOKEN = "e2e-internal-" + uuid.uuid4().hex
#: the stack's own directory database: under var/, where the privacy test looks for leaks
E2E_DIRECTORY = ROOT / "var" / "e2e" / "directory.sqlite"
STACK_LOG = ROOT / "var" / "e2e-stack.log"
#: the stack's content file (CONTENT_FILE): a copy the console's tests may edit and put back
E2E_CONTENT = ROOT / "var" / "e2e" / "content.yaml"
#: the stack's secret for conversation keys (action server and gateway): tests compute keys with it
HASH_KEY = "e2e-" + uuid.uuid4().hex + uuid.uuid4().hex
#: the gateway's Fernet key for reply routes (outside the development profile it is required)
ROUTE_KEY = Fernet.generate_key().decode()
#: the gateway's channels, pointed at the fake Bot API and Cloud API servers
TELEGRAM_TOKEN = "4242:E2E-" + uuid.uuid4().hex
TELEGRAM_SECRET = "e2e-secret-" + uuid.uuid4().hex
TELEGRAM_WEBHOOK_URL = "https://bot.example.org/telegram/webhook"
PHONE_ID, GRAPH_TOKEN = "100200300", "EAAG-e2e-" + uuid.uuid4().hex
APP_SECRET = "e2e-app-secret-" + uuid.uuid4().hex
VERIFY_TOKEN = "e2e-verify-" + uuid.uuid4().hex


def person_key(sender: str) -> str:
    """The key the action server stores for the Rasa sender (actions/context.py: person_key)."""
    return conversation_key("rasa", sender, HASH_KEY.encode())


def channel_sender(channel: str, user_id: str | int) -> str:
    """The Rasa sender the gateway makes of a channel id (bot/identity.py: person)."""
    return conversation_key(channel, str(user_id), HASH_KEY.encode())


class Stack:
    def __init__(self, telegram: FakeTelegram, graph: FakeGraph) -> None:
        self.rasa = f"http://127.0.0.1:{RASA_PORT}"
        self.actions = f"http://127.0.0.1:{ACTION_PORT}"
        self.gateway = f"http://127.0.0.1:{GATEWAY_PORT}"
        self.token = TOKEN
        self.client = httpx.Client(timeout=60)
        #: the Bot API and Cloud API servers the stack's gateway talks to
        self.telegram, self.graph = telegram, graph

    def say(self, sender: str, text: str) -> list[dict[str, Any]]:
        response = self.client.post(
            f"{self.rasa}/webhooks/rest/webhook", json={"sender": sender, "message": text}
        )
        response.raise_for_status()
        return response.json()

    def slots(self, sender: str) -> dict[str, Any]:
        response = self.client.get(
            f"{self.rasa}/conversations/{sender}/tracker", params={"token": self.token}
        )
        response.raise_for_status()
        found: dict[str, Any] = response.json()["slots"]
        return found

    def tracker_events(self, sender: str) -> list[dict[str, Any]]:
        response = self.client.get(
            f"{self.rasa}/conversations/{sender}/tracker", params={"token": self.token}
        )
        response.raise_for_status()
        return response.json()["events"]


@pytest.fixture(scope="session")
def fake_telegram() -> Iterator[FakeTelegram]:
    server = FakeTelegram(TELEGRAM_TOKEN).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def fake_graph() -> Iterator[FakeGraph]:
    server = FakeGraph(PHONE_ID, GRAPH_TOKEN).start()
    yield server
    server.stop()


def answers(client: httpx.Client, url: str, **params: str) -> bool:
    try:
        return client.get(url, params=params).status_code == 200
    except httpx.TransportError:
        return False


@contextmanager
def started(
    command: list[str],
    env: dict[str, str],
    log_path: Path,
    ready: Callable[[], bool],
    *,
    what: str,
    within: float,
) -> Iterator[subprocess.Popen[bytes]]:
    """A process group of ours, from the repository root, once `ready()`; stopped (SIGINT, then
    SIGKILL) when the block ends, whatever happened in it."""
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + within
            while not ready():
                if process.poll() is not None:
                    pytest.fail(f"{what} exited while starting (see {log_path.relative_to(ROOT)})")
                if time.monotonic() > deadline:
                    pytest.fail(f"{what} did not come up within {within:.0f} s")
                time.sleep(2)
            yield process
        finally:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def stack(fake_telegram: FakeTelegram, fake_graph: FakeGraph) -> Iterator[Stack]:
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` first (make test does)")
    env = {
        **os.environ,
        "RASA_PORT": str(RASA_PORT),
        "ACTION_SERVER_PORT": str(ACTION_PORT),
        "ACTION_SERVER_URL": f"http://127.0.0.1:{ACTION_PORT}/webhook",
        "RASA_TOKEN": TOKEN,
        "DATABASE_URL": f"sqlite:///{E2E_DIRECTORY}",
        "CONTENT_FILE": str(E2E_CONTENT),
        "HASH_KEY": HASH_KEY,
        "GATEWAY_PORT": str(GATEWAY_PORT),
        "GATEWAY_URL": f"http://127.0.0.1:{GATEWAY_PORT}",
        "GATEWAY_INTERNAL_TOKEN": GATEWAY_INTERNAL_TOKEN,
        "ROUTE_KEY": ROUTE_KEY,
        "TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_BASE_URL": fake_telegram.base_url,
        "TELEGRAM_WEBHOOK_URL": TELEGRAM_WEBHOOK_URL,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "WHATSAPP_TOKEN": GRAPH_TOKEN,
        "WHATSAPP_PHONE_NUMBER_ID": PHONE_ID,
        "WHATSAPP_APP_SECRET": APP_SECRET,
        "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
        "WHATSAPP_GRAPH_URL": fake_graph.graph_url,
    }
    for name in ("RASA_URL", "WHATSAPP_FOLLOWUP_TEMPLATE", "GATEWAY_HOST"):
        env.pop(name, None)  # a developer's own settings must not leak into the stack
    E2E_DIRECTORY.parent.mkdir(parents=True, exist_ok=True)
    E2E_DIRECTORY.unlink(missing_ok=True)
    shutil.copy(ROOT / "content" / "data" / "content.yaml", E2E_CONTENT)
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-m", "referral_directory", "init"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    stack = Stack(fake_telegram, fake_graph)

    def ready() -> bool:
        return (
            answers(stack.client, f"{stack.rasa}/status", token=TOKEN)
            and answers(stack.client, f"{stack.actions}/health")
            and answers(stack.client, f"{stack.gateway}/health")
        )

    supervise = [str(ROOT / ".venv" / "bin" / "python"), "-m", "tools.supervise", "Procfile"]
    with started(
        [*supervise, "rasa", "actions", "gateway"], env, STACK_LOG, ready,
        what="the stack", within=240,
    ):  # fmt: skip
        yield stack


def listener_pid(port: int) -> int:
    """The process listening on 127.0.0.1:``port`` (ss), to kill or stop one part of a stack."""
    done = subprocess.run(
        ["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True, check=True
    )
    pids = {int(pid) for pid in re.findall(r"pid=(\d+)", done.stdout)}
    assert len(pids) == 1, f"not one process listening on {port}: {done.stdout!r}"
    return pids.pop()


@contextmanager
def stopped(pid: int) -> Iterator[None]:
    """The process ``pid`` stopped (SIGSTOP: hung, its listener still accepting) for the block."""
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def until(check: Callable[[], bool], within: float, what: str) -> float:
    """Seconds until ``check()`` holds, polled every half second; fails after ``within``."""
    started_at = time.monotonic()
    while not check():
        if time.monotonic() - started_at > within:
            pytest.fail(f"{what}: not within {within:.0f} s")
        time.sleep(0.5)
    return time.monotonic() - started_at


@pytest.fixture
def sender() -> str:
    return uuid.uuid4().hex


@pytest.fixture(scope="session")
def responses() -> dict[str, list[dict[str, Any]]]:
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]


def variation_text(responses: dict[str, list[dict[str, Any]]], name: str, language: str) -> str:
    """The text of a response in a language: English has the `language: en` condition."""
    for variation in responses[name]:
        conditions = variation.get("condition") or []
        is_english = any(c.get("name") == "language" and c.get("value") == "en" for c in conditions)
        if is_english == (language == "en") and not any(
            c.get("name") != "language" for c in conditions
        ):
            return variation["text"]
    raise KeyError(f"{name} has no {language} variation")
