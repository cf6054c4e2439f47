"""Property-based and fuzz tests of the gateways' webhooks (Hypothesis; `tests.fuzzing` sets how
many examples): forged signatures and secret tokens, malformed JSON, invalid UTF-8, control
characters, emoji, 5,000+ character messages, voice notes, and the same update delivered twice.

The real gateway (both channels, Telegram in webhook mode) runs in a thread of its own against
the local Bot API, Graph API and Rasa servers of `tests.gateways.fakes`, so that the examples,
which are synchronous, can post to it while it answers in its own event loop. After every
search the gateway must still be up and answering: nothing may have crashed it.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.server import TELEGRAM_SECRET_HEADER, Gateway
from tests.fuzzing import JSON, MESSAGE_TEXT, examples, settings
from tests.gateways.conftest import APP_SECRET, PHONE_ID, WEBHOOK_SECRET, settings_for
from tests.gateways.fakes import FakeGraph, FakeRasa, FakeTelegram, Json, WhatsAppUser

#: header values an HTTP client can send (visible ASCII; what else a forger could put in a
#: header never gets past an HTTP parser to the gateway's code)
HEADER = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=80)
#: a user id per example (Telegram chat ids, WhatsApp numbers), so examples never share one
_ids = itertools.count(1)


@dataclass
class Stack:
    url: str
    rasa: FakeRasa
    telegram: FakeTelegram
    graph: FakeGraph
    client: httpx.Client


def _wait(check: object, timeout: float = 15.0) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()  # type: ignore[operator]
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError("timed out")


@pytest.fixture(scope="module")
def stack(
    fake_rasa_module: FakeRasa, telegram_module: FakeTelegram, graph_module: FakeGraph
) -> Iterator[Stack]:
    settings = settings_for(
        fake_rasa_module.url,
        telegram=telegram_module,
        telegram_webhook=True,
        graph=graph_module,
    )
    server = Gateway(settings).server(port=0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    _wait(lambda: server.started)
    port = server.servers[0].sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=url, timeout=20) as client:
        yield Stack(url, fake_rasa_module, telegram_module, graph_module, client)
        # nothing an example sent took the gateway down: it is up and still answers people
        assert client.get("/health").status_code == 200
        person = WhatsAppUser(f"5076000{next(_ids):04d}", PHONE_ID, APP_SECRET)
        response = client.post("/whatsapp/webhook", **person.post_args(person.text("hola")))
        assert response.status_code == 200
        _wait(lambda: len(graph_module.sent(person.wa_id)) == 2)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def fake_rasa_module() -> Iterator[FakeRasa]:
    from tests.gateways.conftest import rasa_script

    server = FakeRasa(rasa_script).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def telegram_module() -> Iterator[FakeTelegram]:
    from tests.gateways.conftest import TELEGRAM_TOKEN

    server = FakeTelegram(TELEGRAM_TOKEN).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def graph_module() -> Iterator[FakeGraph]:
    from tests.gateways.conftest import GRAPH_TOKEN

    server = FakeGraph(PHONE_ID, GRAPH_TOKEN).start()
    yield server
    server.stop()


def _person() -> WhatsAppUser:
    return WhatsAppUser(f"5076001{next(_ids):04d}", PHONE_ID, APP_SECRET)


def _received_from(rasa: FakeRasa, text: str) -> int:
    return sum(1 for r in list(rasa.received) if r.get("message") == text.strip())


# --- WhatsApp ----------------------------------------------------------------------------------


@given(body=st.binary(max_size=2_000), signature=st.none() | HEADER)
def test_whatsapp_a_post_without_our_signature_is_refused_and_reaches_no_one(
    stack: Stack, body: bytes, signature: str | None
) -> None:
    before = len(stack.rasa.received)
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    response = stack.client.post("/whatsapp/webhook", content=body, headers=headers)
    assert response.status_code == 403
    assert len(stack.rasa.received) == before


@given(body=st.binary(max_size=2_000))
def test_whatsapp_signed_bytes_that_are_not_json_or_not_utf8_get_400_never_500(
    stack: Stack, body: bytes
) -> None:
    try:
        json.loads(body)
        is_json = True
    except ValueError:
        is_json = False
    person = _person()
    response = stack.client.post(
        "/whatsapp/webhook", content=body, headers={"X-Hub-Signature-256": person.sign(body)}
    )
    assert response.status_code == (200 if is_json else 400)


@given(value=JSON)
def test_whatsapp_signed_json_of_any_shape_never_gets_a_5xx(stack: Stack, value: object) -> None:
    person = _person()
    wrapped = person.text("x")
    change = wrapped["entry"][0]["changes"][0]["value"]
    for event in (value, {"object": "whatsapp_business_account", "entry": value}):
        response = stack.client.post("/whatsapp/webhook", **person.post_args(event))  # type: ignore[arg-type]
        assert response.status_code == 200
    # the same shapes where a message should be
    change["messages"] = [value]
    assert stack.client.post("/whatsapp/webhook", **person.post_args(wrapped)).status_code == 200


@settings(max_examples=examples(12))
@given(text=MESSAGE_TEXT)
def test_whatsapp_any_text_gets_an_answer_once_even_when_meta_delivers_it_twice(
    stack: Stack, text: str
) -> None:
    person = _person()
    event = person.text(text)
    for _ in range(2):  # Meta's retry: the same message id again
        assert stack.client.post("/whatsapp/webhook", **person.post_args(event)).status_code == 200
    sent = _wait(lambda: stack.graph.sent(person.wa_id))
    time.sleep(0.2)  # a second answer, had the retry been handled, would be on its way by now
    if text.strip():
        assert len(stack.graph.sent(person.wa_id)) == 2  # "Entendido." and "¿Algo más?"
        assert _received_from(stack.rasa, text) >= 1
        assert sum(1 for r in list(stack.rasa.received) if r["message"] == text.strip()) == 1
    else:  # nothing to ask Rasa: the kind "only text" reply
        assert len(sent) == 1  # type: ignore[arg-type]


def test_whatsapp_a_voice_note_and_a_sticker_get_the_kind_reply(stack: Stack) -> None:
    person = _person()
    before = len(stack.rasa.received)
    sticker = person.event({"type": "sticker", "sticker": {"id": "media-2"}})
    for event in (person.voice(), sticker):
        assert stack.client.post("/whatsapp/webhook", **person.post_args(event)).status_code == 200
    replies = _wait(
        lambda: len(stack.graph.sent(person.wa_id)) == 2 and stack.graph.sent(person.wa_id)
    )
    assert all("texto" in json.dumps(r, ensure_ascii=False) for r in replies)  # type: ignore[union-attr]
    assert len(stack.rasa.received) == before


# --- Telegram ----------------------------------------------------------------------------------


@given(secret=st.none() | HEADER, body=st.binary(max_size=1_000))
def test_telegram_a_post_without_the_secret_token_is_refused(
    stack: Stack, secret: str | None, body: bytes
) -> None:
    before = len(stack.rasa.received)
    headers = {} if secret is None else {TELEGRAM_SECRET_HEADER: secret}
    response = stack.client.post("/telegram/webhook", content=body, headers=headers)
    assert response.status_code == 403 or secret == WEBHOOK_SECRET
    assert len(stack.rasa.received) == before


@given(body=st.binary(max_size=1_000) | JSON.map(lambda v: json.dumps(v).encode()))
def test_telegram_with_the_secret_anything_malformed_gets_a_4xx_or_ok_never_a_5xx(
    stack: Stack, body: bytes
) -> None:
    response = stack.client.post(
        "/telegram/webhook", content=body, headers={TELEGRAM_SECRET_HEADER: WEBHOOK_SECRET}
    )
    assert response.status_code in (200, 400)


@given(message=JSON)
def test_telegram_an_update_whose_message_is_of_any_shape_never_gets_a_5xx(
    stack: Stack, message: object
) -> None:
    update: Json = {"update_id": 10_000_000 + next(_ids), "message": message}
    response = stack.client.post(
        "/telegram/webhook", json=update, headers={TELEGRAM_SECRET_HEADER: WEBHOOK_SECRET}
    )
    assert response.status_code in (200, 400)


@settings(max_examples=examples(12))
@given(text=MESSAGE_TEXT)
def test_telegram_any_text_gets_an_answer_once_even_when_delivered_twice(
    stack: Stack, text: str
) -> None:
    user = 620_000 + next(_ids)
    update = stack.telegram.text(user, text)
    for _ in range(2):  # Telegram's redelivery: the same update_id again
        response = stack.client.post(
            "/telegram/webhook", json=update, headers={TELEGRAM_SECRET_HEADER: WEBHOOK_SECRET}
        )
        assert response.status_code == 200
    if text.startswith("/") or not text.strip():
        return  # a command, or nothing python-telegram-bot calls text: other tests cover these
    _wait(lambda: len(stack.telegram.sent(user)) >= 2)
    time.sleep(0.2)
    # "Entendido." and "¿Algo más?" once: the redelivery was not answered again
    assert [m["text"] for m in stack.telegram.sent(user)] == ["Entendido.", "¿Algo más?"]


def test_telegram_a_voice_note_gets_the_kind_reply_and_reaches_no_one(stack: Stack) -> None:
    user = 620_000 + next(_ids)
    before = len(stack.rasa.received)
    voice = {"file_id": "v1", "file_unique_id": "u1", "duration": 3, "mime_type": "audio/ogg"}
    update = stack.telegram.message(user, voice=voice)
    response = stack.client.post(
        "/telegram/webhook", json=update, headers={TELEGRAM_SECRET_HEADER: WEBHOOK_SECRET}
    )
    assert response.status_code == 200
    [reply] = _wait(lambda: stack.telegram.sent(user))  # type: ignore[misc]
    assert "texto" in reply["text"]
    assert len(stack.rasa.received) == before
