"""Faults of the embedded stack (`make run`): the action server hung or killed mid-conversation,
the gateway restarted. In each, the person gets a reply within 10 s (at worst "try again in a
few minutes" with the IOM contact) and the conversation then goes on where it was: its next
answer is the one a conversation that met no fault gets (a control, said alongside).

The action server is stopped (SIGSTOP: it accepts calls and never answers, as a hung or
overloaded one) or killed (SIGKILL: the supervisor, tools/supervise.py, starts it again);
the gateway is killed and comes back the same way, and the test, standing in for Telegram and
Meta, posts again what was refused while it was down, as both platforms do on a non-2xx.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import (
    ACTION_PORT,
    APP_SECRET,
    GATEWAY_PORT,
    PHONE_ID,
    TELEGRAM_SECRET,
    Stack,
    answers,
    listener_pid,
    stopped,
    until,
)
from tests.gateways.fakes import WhatsAppUser

#: the promise to the person
REPLY_WITHIN = 10.0
TRY_AGAIN = "Inténtalo de nuevo en unos minutos"
IOM = "+507 305-3350"
#: a conversation that needs the action server at each turn: a topic, then the place asked for
OPENING, FOLLOW_UP = "necesito ayuda con mi permiso de trabajo", "vivo en herrera"


def _texts(replies: list[dict[str, Any]]) -> list[str]:
    return [str(r.get("text", "")) for r in replies]


def _timed(stack: Stack, sender: str, message: str) -> tuple[list[str], float]:
    started_at = time.monotonic()
    replies = _texts(stack.say(sender, message))
    return replies, time.monotonic() - started_at


def _action_server_back(stack: Stack) -> bool:
    return answers(stack.client, f"{stack.actions}/health")


def test_with_the_action_server_hung_the_person_hears_try_again_within_10_s_then_resumes(
    stack: Stack,
) -> None:
    sender, control = uuid.uuid4().hex, uuid.uuid4().hex
    for who in (sender, control):
        assert stack.say(who, OPENING)
    before = stack.slots(sender)
    with stopped(listener_pid(ACTION_PORT)):
        replies, took = _timed(stack, sender, FOLLOW_UP)
    assert took < REPLY_WITHIN, f"answered after {took:.1f} s"
    assert TRY_AGAIN in replies[-1] and IOM in replies[-1]
    assert stack.slots(sender) == before  # nothing of the cancelled turn was kept
    # the action server answers again: the pending question is still the one asked
    assert _texts(stack.say(sender, FOLLOW_UP)) == _texts(stack.say(control, FOLLOW_UP))


def test_with_the_action_server_killed_the_person_is_answered_and_it_comes_back(
    stack: Stack,
) -> None:
    """Killed, the action server refuses Rasa's calls: Rasa goes on without the action and
    would say nothing, so the channel says "try again". The supervisor starts it again, and
    the person who writes again is answered as if nothing had happened."""
    sender, control = uuid.uuid4().hex, uuid.uuid4().hex
    for who in (sender, control):
        assert stack.say(who, OPENING)
    os.kill(listener_pid(ACTION_PORT), signal.SIGKILL)
    replies, took = _timed(stack, sender, FOLLOW_UP)
    assert took < REPLY_WITHIN, f"answered after {took:.1f} s"
    assert TRY_AGAIN in replies[-1] and IOM in replies[-1]
    back = until(lambda: _action_server_back(stack), 60, "the action server restarted")
    print(f"action server back {back:.1f} s after the reply")
    assert _texts(stack.say(sender, FOLLOW_UP)) == _texts(stack.say(control, FOLLOW_UP))


def test_through_telegram_a_hung_action_server_gets_try_again_within_10_s(stack: Stack) -> None:
    user = 700000 + int(uuid.uuid4().int % 90000)
    telegram = stack.telegram
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    with stopped(listener_pid(ACTION_PORT)):
        started_at = time.monotonic()
        posted = stack.client.post(
            f"{stack.gateway}/telegram/webhook",
            json=telegram.text(user, OPENING),
            headers=headers,
        )
        assert posted.status_code == 200
        until(lambda: bool(telegram.sent(user)), REPLY_WITHIN, "a Telegram reply")
        took = time.monotonic() - started_at
    assert TRY_AGAIN in telegram.sent(user)[-1]["text"]
    assert took < REPLY_WITHIN


def _post_until_accepted(client: httpx.Client, url: str, **kwargs: Any) -> int:
    """Post as Telegram and Meta do: again after a refusal or a non-2xx, until accepted; how
    many posts were refused."""
    refused = 0
    deadline = time.monotonic() + 60
    while True:
        try:
            if client.post(url, **kwargs).status_code == 200:
                return refused
        except httpx.TransportError:
            pass
        refused += 1
        if time.monotonic() > deadline:
            pytest.fail("the gateway did not come back within 60 s")
        time.sleep(0.5)


def test_messages_sent_while_the_gateway_restarts_are_answered_once(stack: Stack) -> None:
    user = 800000 + int(uuid.uuid4().int % 90000)
    telegram, graph = stack.telegram, stack.graph
    person = WhatsAppUser("50760000" + str(uuid.uuid4().int % 90 + 110), PHONE_ID, APP_SECRET)
    update = telegram.text(user, "hola")
    event = person.text("hola")
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    webhook = f"http://127.0.0.1:{GATEWAY_PORT}"
    os.kill(listener_pid(GATEWAY_PORT), signal.SIGKILL)
    refused = _post_until_accepted(
        stack.client, f"{webhook}/telegram/webhook", json=update, headers=headers
    )
    assert refused > 0, "the gateway was never down"
    assert (
        _post_until_accepted(stack.client, f"{webhook}/whatsapp/webhook", **person.post_args(event))
        == 0
    )
    until(lambda: bool(telegram.sent(user)), 30, "the Telegram reply")
    until(lambda: bool(graph.sent(person.wa_id)), 30, "the WhatsApp reply")
    time.sleep(2)  # the rest of each answer
    answered = len(telegram.sent(user)), len(graph.sent(person.wa_id))
    # the platforms post again what they believe unanswered: it is not answered twice
    for _ in range(2):
        assert stack.client.post(f"{webhook}/telegram/webhook", json=update, headers=headers)
        assert stack.client.post(f"{webhook}/whatsapp/webhook", **person.post_args(event))
    time.sleep(3)
    assert (len(telegram.sent(user)), len(graph.sent(person.wa_id))) == answered
