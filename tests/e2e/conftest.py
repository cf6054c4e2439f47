"""The whole stack as `make run` starts it (honcho + Procfile), on spare ports."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "current.tar.gz"
RASA_PORT, ACTION_PORT, GATEWAY_PORT = 15005, 15055, 18081
TOKEN = "e2e-" + uuid.uuid4().hex
#: the action server takes shared points from the gateway the gateway tests start on this port
GATEWAY_INTERNAL_TOKEN = "e2e-internal-" + uuid.uuid4().hex
#: the stack's own directory database: under var/, where the privacy test looks for leaks
E2E_DIRECTORY = ROOT / "var" / "e2e" / "directory.sqlite"
STACK_LOG = ROOT / "var" / "e2e-stack.log"


class Stack:
    def __init__(self) -> None:
        self.rasa = f"http://127.0.0.1:{RASA_PORT}"
        self.actions = f"http://127.0.0.1:{ACTION_PORT}"
        self.token = TOKEN
        self.client = httpx.Client(timeout=60)

    def say(self, sender: str, text: str) -> list[dict[str, Any]]:
        response = self.client.post(
            f"{self.rasa}/webhooks/rest/webhook", json={"sender": sender, "message": text}
        )
        response.raise_for_status()
        return response.json()

    def tracker_events(self, sender: str) -> list[dict[str, Any]]:
        response = self.client.get(
            f"{self.rasa}/conversations/{sender}/tracker", params={"token": self.token}
        )
        response.raise_for_status()
        return response.json()["events"]


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` first (make test does)")
    env = {
        **os.environ,
        "RASA_PORT": str(RASA_PORT),
        "ACTION_SERVER_PORT": str(ACTION_PORT),
        "ACTION_SERVER_URL": f"http://127.0.0.1:{ACTION_PORT}/webhook",
        "RASA_TOKEN": TOKEN,
        "DATABASE_URL": f"sqlite:///{E2E_DIRECTORY}",
        "HASH_KEY": "e2e-" + uuid.uuid4().hex + uuid.uuid4().hex,
        "GATEWAY_URL": f"http://127.0.0.1:{GATEWAY_PORT}",
        "GATEWAY_INTERNAL_TOKEN": GATEWAY_INTERNAL_TOKEN,
    }
    E2E_DIRECTORY.parent.mkdir(parents=True, exist_ok=True)
    E2E_DIRECTORY.unlink(missing_ok=True)
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-m", "referral_directory", "init"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    log = open(STACK_LOG, "w")  # noqa: SIM115 - lives as long as the stack
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "honcho"), "start", "-f", "Procfile", "rasa", "actions"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    stack = Stack()
    try:
        deadline = time.monotonic() + 240
        while True:
            if process.poll() is not None:
                pytest.fail("the stack exited while starting (see var/e2e-stack.log)")
            try:
                ready = (
                    stack.client.get(f"{stack.rasa}/status", params={"token": TOKEN}).status_code
                    == 200
                )
                ready = ready and stack.client.get(f"{stack.actions}/health").status_code == 200
            except httpx.TransportError:
                ready = False
            if ready:
                break
            if time.monotonic() > deadline:
                pytest.fail("the stack did not come up within 240 s")
            time.sleep(2)
        yield stack
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


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
