"""Bad input and security on the real embedded stack (Rasa, the action server, the gateway):
Rasa's HTTP API listens on 127.0.0.1 only and answers nothing without its token, and its REST
channel answers any text (Hypothesis, a bounded number of examples: each is a real turn)."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given

from tests.e2e.conftest import RASA_PORT, Stack
from tests.fuzzing import MESSAGE_TEXT, examples, settings
from tests.sockets import LOOPBACK, listening_addresses


def test_rasa_listens_on_127_0_0_1_only(stack: Stack) -> None:
    assert listening_addresses(RASA_PORT) == {LOOPBACK}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/status"),
        ("GET", "/version/../status"),
        ("POST", "/model/parse"),
        ("GET", "/conversations/{sender}/tracker"),
        ("POST", "/conversations/{sender}/messages"),
        ("PUT", "/conversations/{sender}/tracker/events"),
        ("DELETE", "/model"),
        ("PUT", "/model"),
    ],
)
@pytest.mark.parametrize("token", [None, "", "not-the-token", "Bearer x"])
def test_rasas_api_refuses_every_request_without_its_token(
    stack: Stack, method: str, path: str, token: str | None
) -> None:
    url = stack.rasa + path.format(sender=uuid.uuid4().hex)
    params = {} if token is None else {"token": token}
    response = stack.client.request(method, url, params=params, json={"text": "hola"})
    assert response.status_code in (401, 403, 404), response.text[:200]
    assert response.status_code != 404 or path.startswith("/version")


def test_with_its_token_the_api_answers(stack: Stack) -> None:
    response = stack.client.get(f"{stack.rasa}/status", params={"token": stack.token})
    assert response.status_code == 200 and response.json()["model_file"]


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"\xff\xfe not utf-8",
        b'{"sender": 5, "message": ["x"]}',
        # Rasa 3.6's RestInput read `request.json.get(...)` and answered these 500; our channel
        # (rasa_stores/channel.py, both profiles) answers 400
        b"[]",
        b'"x"',
        b"",
        b"null",
        b"5",
    ],
)
def test_the_rest_channel_answers_malformed_json_with_a_4xx_or_an_answer(
    stack: Stack, body: bytes
) -> None:
    response = stack.client.post(
        f"{stack.rasa}/webhooks/rest/webhook",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code < 500, (body, response.status_code, response.text[:200])


@settings(max_examples=examples(6))
@given(text=MESSAGE_TEXT)
def test_the_rest_channel_answers_any_text(stack: Stack, text: str) -> None:
    replies = stack.say(uuid.uuid4().hex, text)  # fails on any status but 200
    assert replies and all(r.get("text") or r.get("buttons") for r in replies)
