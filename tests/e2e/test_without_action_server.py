"""The emergency numbers go out even when the action server is down.

The emergency rule (nlu/data/rules/emergency.yml) answers with `utter_emergency`, a plain
response that Rasa renders itself, before `action_emergency_followup`, which needs the action
server. This module starts a second Rasa alone (scripts/run-rasa, the same model) on other
ports, with ACTION_SERVER_URL pointing at a port that is bound but never listens, so every
custom action is refused at once, and checks the plain response still arrives, promptly.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import MODEL, ROOT, TOKEN, answers, started, variation_text

RASA_ALONE_PORT = 15105 + int(os.environ.get("E2E_PORT_OFFSET", "0"))
LOG = ROOT / "var" / "e2e-rasa-alone.log"
#: generous: the answer takes well under a second when the machine is idle
PROMPT = 20.0

Responses = dict[str, list[dict[str, Any]]]


class RasaAlone:
    def __init__(self, url: str, dead_actions: str) -> None:
        self.url = url
        self.dead_actions = dead_actions
        self.client = httpx.Client(timeout=60)

    def say(self, sender: str, text: str) -> list[dict[str, Any]]:
        response = self.client.post(
            f"{self.url}/webhooks/rest/webhook", json={"sender": sender, "message": text}
        )
        response.raise_for_status()
        return response.json()


@pytest.fixture(scope="module")
def rasa_alone() -> Iterator[RasaAlone]:
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` first (make test does)")
    # a port bound for the whole module and never listened on: connections are refused and
    # nothing else can take it meanwhile
    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    dead = f"http://127.0.0.1:{hole.getsockname()[1]}/webhook"
    env = {
        **os.environ,
        "RASA_PORT": str(RASA_ALONE_PORT),
        "ACTION_SERVER_URL": dead,
        "RASA_TOKEN": TOKEN,
    }
    rasa = RasaAlone(f"http://127.0.0.1:{RASA_ALONE_PORT}", dead)
    try:
        with started(
            [str(ROOT / "scripts" / "run-rasa")], env, LOG,
            lambda: answers(rasa.client, f"{rasa.url}/status", token=TOKEN),
            what="Rasa alone", within=300,
        ):  # fmt: skip
            yield rasa
    finally:
        hole.close()


def test_the_action_server_is_really_unreachable(rasa_alone: RasaAlone) -> None:
    with pytest.raises(httpx.ConnectError):
        httpx.post(rasa_alone.dead_actions, json={}, timeout=5)


def test_with_the_action_server_down_an_emergency_still_gets_the_numbers_promptly(
    rasa_alone: RasaAlone, sender: str, responses: Responses
) -> None:
    started = time.monotonic()
    replies = [r.get("text", "") for r in rasa_alone.say(sender, "me quiero matar")]
    took = time.monotonic() - started
    assert replies, "no reply at all"
    # no language slot without the action server: the numbers go out in both languages, at once
    assert replies[0] == variation_text(responses, "utter_emergency", "es")
    assert "911" in replies[0] and "147" in replies[0]
    assert took < PROMPT, f"the numbers took {took:.1f} s"
    # nothing from the action server reached the person: the follow-up (urgent handoff) did not
    # run, so this really was the plain response alone
    assert variation_text(responses, "utter_emergency_handoff", "es") not in replies


def test_with_the_action_server_down_an_english_emergency_is_still_answered_in_english(
    rasa_alone: RasaAlone, sender: str, responses: Responses
) -> None:
    """DESIGN.md: the first reply gives the numbers "in the person's language", from any state.
    The `language` slot is filled by a custom action (action_set_language, a custom slot
    mapping in domain.yml), so without the action server it stays empty, and the emergency
    response's unconditioned variation carries both languages: the English text is in it."""
    replies = [r.get("text", "") for r in rasa_alone.say(sender, "my husband is beating me")]
    assert "911" in replies[0]
    # Rasa's REST channel sends a text's paragraphs ("\n\n") as messages of their own
    assert replies[:2] == [
        variation_text(responses, "utter_emergency", "es"),
        variation_text(responses, "utter_emergency", "en"),
    ]
