"""Local servers that speak the real protocols the gateways talk to, on 127.0.0.1.

- `FakeTelegram`: the Bot API's JSON over HTTP at ``/bot<TOKEN>/<method>`` (getMe, getUpdates
  with long polling, sendMessage, sendChatAction, answerCallbackQuery, setWebhook, ...), reached
  through python-telegram-bot's ``base_url``.
- `FakeGraph`: the WhatsApp Cloud API's ``/v21.0/<PHONE_ID>/messages``, with bearer auth.
- `FakeRasa`: Rasa's REST channel ``/webhooks/rest/webhook`` (an external service for the
  unit-level tests; the end-to-end tests use the real stack).

Each runs in its own thread with its own event loop (uvicorn), so a test's event loop only
runs the gateway. They record what they were sent; tests wait on them with `wait_for`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import queue
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

Json = dict[str, Any]


class ServerThread:
    """A Starlette app served by uvicorn on a free port, in a daemon thread."""

    def __init__(self, app: Starlette) -> None:
        config = uvicorn.Config(
            app, host="127.0.0.1", port=0, log_config=None, access_log=False, lifespan="off"
        )
        config.timeout_graceful_shutdown = 1
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake server did not start")
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)


async def wait_for(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll ``check`` until it returns something truthy (returned), or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {getattr(check, '__name__', check)}")
        await asyncio.sleep(0.02)


# --- Telegram Bot API ---------------------------------------------------------------------------


class FakeTelegram:
    """The Bot API for one bot token."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[tuple[str, Json]] = []
        self.updates: queue.Queue[Json] = queue.Queue()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        app = Starlette(
            routes=[Route("/bot{token}/{method}", self._handle, methods=["GET", "POST"])]
        )
        self._thread = ServerThread(app)
        self.url = ""

    def start(self) -> FakeTelegram:
        self.url = self._thread.start()
        return self

    def stop(self) -> None:
        self._thread.stop()

    @property
    def base_url(self) -> str:
        """What python-telegram-bot takes as ``base_url`` (the token is appended)."""
        return f"{self.url}/bot"

    # requests -------------------------------------------------------------------------------------

    async def _handle(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return JSONResponse(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, 401
            )
        method = request.path_params["method"]
        params = await _params(request)
        if method != "getUpdates":
            self.calls.append((method, params))
        if method == "getMe":
            return _ok(
                {"id": 7000001, "is_bot": True, "first_name": "Orienta", "username": "orienta_bot"}
            )
        if method == "getUpdates":
            return _ok(await self._get_updates(params))
        if method == "sendMessage":
            return _ok(
                {
                    "message_id": next(self._message_ids),
                    "date": int(time.time()),
                    "chat": {"id": int(params["chat_id"]), "type": "private"},
                    "text": params.get("text", ""),
                }
            )
        return _ok(True)

    async def _get_updates(self, params: Json) -> list[Json]:
        # Telegram may answer a long poll early with nothing; a short wait keeps shutdown quick.
        deadline = time.monotonic() + min(float(params.get("timeout", 0) or 0), 0.2)
        found: list[Json] = []
        while True:
            try:
                while True:
                    found.append(self.updates.get_nowait())
            except queue.Empty:
                pass
            if found or time.monotonic() >= deadline:
                return found
            await asyncio.sleep(0.02)

    # what the bot did -----------------------------------------------------------------------------

    def called(self, method: str, chat_id: int | None = None) -> list[Json]:
        return [
            p
            for m, p in list(self.calls)
            if m == method and (chat_id is None or str(p.get("chat_id")) == str(chat_id))
        ]

    def sent(self, chat_id: int) -> list[Json]:
        return self.called("sendMessage", chat_id)

    # updates as Telegram makes them ---------------------------------------------------------------

    def update(self, **content: Any) -> Json:
        return {"update_id": next(self._update_ids), **content}

    def message(self, user_id: int, language: str | None = "es", **fields: Any) -> Json:
        user: Json = {"id": user_id, "is_bot": False, "first_name": "Ana"}
        if language:
            user["language_code"] = language
        return self.update(
            message={
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private", "first_name": "Ana"},
                "from": user,
                **fields,
            }
        )

    def text(self, user_id: int, text: str, language: str | None = "es") -> Json:
        fields: Json = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            fields["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self.message(user_id, language, **fields)

    def press(self, user_id: int, data: str, language: str | None = "es") -> Json:
        user: Json = {"id": user_id, "is_bot": False, "first_name": "Ana"}
        if language:
            user["language_code"] = language
        return self.update(
            callback_query={
                "id": f"cb{next(self._message_ids)}",
                "from": user,
                "chat_instance": "ci-1",
                "data": data,
                "message": {
                    "message_id": next(self._message_ids),
                    "date": int(time.time()),
                    "chat": {"id": user_id, "type": "private"},
                    "text": "…",
                },
            }
        )

    def location(self, user_id: int, lat: float, lon: float) -> Json:
        return self.message(user_id, location={"latitude": lat, "longitude": lon})

    def voice(self, user_id: int, language: str | None = "es") -> Json:
        voice = {"file_id": "v1", "file_unique_id": "u1", "duration": 3, "mime_type": "audio/ogg"}
        return self.message(user_id, language, voice=voice)

    def push(self, update: Json) -> None:
        """Deliver an update to a polling bot."""
        self.updates.put(update)


# --- WhatsApp Cloud API -------------------------------------------------------------------------


class FakeGraph:
    """The Graph API's messages endpoint for one phone number id and access token."""

    def __init__(self, phone_number_id: str, token: str, version: str = "v21.0") -> None:
        self.phone_number_id = phone_number_id
        self.token = token
        self.version = version
        self.messages: list[Json] = []
        self._ids = itertools.count(1)
        app = Starlette(routes=[Route("/{version}/{phone}/messages", self._send, methods=["POST"])])
        self._thread = ServerThread(app)
        self.url = ""

    def start(self) -> FakeGraph:
        self.url = self._thread.start()
        return self

    def stop(self) -> None:
        self._thread.stop()

    @property
    def graph_url(self) -> str:
        return f"{self.url}/{self.version}"

    async def _send(self, request: Request) -> Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return JSONResponse({"error": {"message": "Invalid OAuth", "code": 190}}, 401)
        if request.path_params["phone"] != self.phone_number_id:
            return JSONResponse({"error": {"message": "Unknown number", "code": 100}}, 400)
        body = await request.json()
        if body.get("messaging_product") != "whatsapp" or not body.get("to"):
            return JSONResponse({"error": {"message": "bad request", "code": 100}}, 400)
        self.messages.append(body)
        return JSONResponse(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                "messages": [{"id": f"wamid.OUT{next(self._ids)}"}],
            }
        )

    def sent(self, to: str) -> list[Json]:
        return [m for m in list(self.messages) if m["to"] == to]


class WhatsAppUser:
    """Builds and signs the webhook posts Meta would make for messages from one number."""

    def __init__(self, wa_id: str, phone_number_id: str, app_secret: str) -> None:
        self.wa_id = wa_id
        self.phone_number_id = phone_number_id
        self.app_secret = app_secret
        self._ids = itertools.count(1)

    def event(self, message: Json, at: float | None = None) -> Json:
        message = {
            "from": self.wa_id,
            "id": f"wamid.IN{self.wa_id[-4:]}{next(self._ids)}{time.monotonic_ns()}",
            "timestamp": str(int(time.time() if at is None else at)),
            **message,
        }
        return {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "WABA-1",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": "15550000000",
                                    "phone_number_id": self.phone_number_id,
                                },
                                "contacts": [{"profile": {"name": "Ana"}, "wa_id": self.wa_id}],
                                "messages": [message],
                            },
                        }
                    ],
                }
            ],
        }

    def text(self, body: str, at: float | None = None) -> Json:
        return self.event({"type": "text", "text": {"body": body}}, at)

    def button_reply(self, payload: str, title: str) -> Json:
        reply = {"type": "button_reply", "button_reply": {"id": payload, "title": title}}
        return self.event({"type": "interactive", "interactive": reply})

    def list_reply(self, payload: str, title: str) -> Json:
        reply = {"type": "list_reply", "list_reply": {"id": payload, "title": title}}
        return self.event({"type": "interactive", "interactive": reply})

    def location(self, lat: float, lon: float) -> Json:
        return self.event({"type": "location", "location": {"latitude": lat, "longitude": lon}})

    def voice(self) -> Json:
        audio = {"id": "media-1", "mime_type": "audio/ogg; codecs=opus", "voice": True}
        return self.event({"type": "audio", "audio": audio})

    def sign(self, body: bytes) -> str:
        return "sha256=" + hmac.new(self.app_secret.encode(), body, hashlib.sha256).hexdigest()

    def post_args(self, event: Json, signature: str | None = "valid") -> Json:
        """Keyword arguments for an httpx post of ``event`` as Meta sends it."""
        body = json.dumps(event).encode()
        headers = {"Content-Type": "application/json"}
        if signature == "valid":
            headers["X-Hub-Signature-256"] = self.sign(body)
        elif signature is not None:
            headers["X-Hub-Signature-256"] = signature
        return {"content": body, "headers": headers}


# --- Rasa REST channel --------------------------------------------------------------------------

Script = Callable[[str], "list[Json] | int"]


class FakeRasa:
    """Answers from ``script(message)``: a list of bot messages, or an HTTP status to fail with."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.received: list[Json] = []
        app = Starlette(routes=[Route("/webhooks/rest/webhook", self._webhook, methods=["POST"])])
        self._thread = ServerThread(app)
        self.url = ""

    def start(self) -> FakeRasa:
        self.url = self._thread.start()
        return self

    def stop(self) -> None:
        self._thread.stop()

    async def _webhook(self, request: Request) -> Response:
        body = await request.json()
        self.received.append(body)
        answer = self.script(str(body.get("message", "")))
        if isinstance(answer, int):
            return JSONResponse({"error": "failing on purpose"}, answer)
        return JSONResponse([{"recipient_id": body["sender"], **m} for m in answer])

    def from_sender(self, sender: str) -> list[Json]:
        return [m for m in list(self.received) if m["sender"] == sender]


async def _params(request: Request) -> Json:
    """Bot API parameters: JSON body, form fields or query string; JSON-valued fields decoded."""
    params: Json = dict(request.query_params)
    if request.method == "POST":
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/json"):
            params.update(await request.json())
        else:  # python-telegram-bot posts url-encoded forms
            params.update(parse_qsl((await request.body()).decode(), keep_blank_values=True))
    for key in ("reply_markup", "allowed_updates", "commands", "link_preview_options"):
        if isinstance(params.get(key), str):
            params[key] = json.loads(params[key])
    return params


def _ok(result: Any) -> Response:
    return JSONResponse({"ok": True, "result": result})
