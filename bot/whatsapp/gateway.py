"""WhatsApp Cloud API webhooks: verified, deduplicated, relayed to Rasa, answered natively.

Meta calls ``GET /whatsapp/webhook`` once to check the verify token, then ``POST``s every event
signed with the app secret (``X-Hub-Signature-256``: HMAC-SHA256 of the raw body). A post whose
signature does not match gets 403 and is not read any further. A good one is answered 200 at
once (Meta retries slow webhooks) and its messages are handled in the background, each message
id once. A reply to a button or a list row sends that option's id, which is Rasa's payload; a
shared location sends ``/find_service`` with a token for the point, never the point (`bot.points`).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import math
from collections.abc import Awaitable, Callable
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from bot import texts
from bot.identity import Person
from bot.rasa import BotMessage
from bot.relay import Relay
from bot.render import whatsapp_parts
from bot.routes import Route
from bot.settings import WhatsAppSettings
from bot.whatsapp.api import CloudApi, WhatsAppError
from bot.whatsapp.dedupe import Seen, SeenIds
from bot.whatsapp.window import ServiceWindow

logger = logging.getLogger(__name__)

SIGNATURE_HEADER: Final = "X-Hub-Signature-256"
#: What is understood: text, a pressed reply button or list row, a template's quick reply, a point.
_UNDERSTOOD: Final = frozenset({"text", "interactive", "button", "location"})
#: Not written to the bot: an emoji reaction, a notice that the person changed number, ...
_SILENT: Final = frozenset({"reaction", "system", "ephemeral", "request_welcome"})

WindowHook = Callable[[Person, str], Awaitable[None]]


def valid_signature(secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``header`` is ``sha256=`` + the HMAC-SHA256 of ``body`` under the app secret."""
    if not header:
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())


class WhatsAppGateway:
    """The webhook endpoints and the handling of each inbound message."""

    def __init__(
        self,
        settings: WhatsAppSettings,
        relay: Relay,
        window: ServiceWindow,
        api: CloudApi | None = None,
        on_window_open: WindowHook | None = None,
        seen: Seen | None = None,
    ) -> None:
        self.settings = settings
        self.relay = relay
        self.window = window
        self.api = api or CloudApi(settings)
        self.on_window_open = on_window_open
        self.seen: Seen = seen or SeenIds()
        self._tasks: set[asyncio.Task[None]] = set()

    async def stop(self, timeout: float = 10.0) -> None:
        """Let messages being answered finish (for a while), then close the API client."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
        await self.api.aclose()

    # --- webhook endpoints ------------------------------------------------------------------------

    async def verify(self, request: Request) -> Response:
        """GET: Meta's subscription check; the challenge is echoed only for our verify token."""
        params = request.query_params
        token = params.get("hub.verify_token", "")
        if params.get("hub.mode") == "subscribe" and hmac.compare_digest(
            token.encode(), self.settings.verify_token.encode()
        ):
            logger.info("whatsapp webhook verified")
            return PlainTextResponse(params.get("hub.challenge", ""))
        logger.warning("whatsapp webhook verification refused")
        return PlainTextResponse("forbidden", status_code=403)

    async def receive(self, request: Request) -> Response:
        """POST: check the signature on the raw body, acknowledge, handle messages after."""
        body = await request.body()
        if not valid_signature(
            self.settings.app_secret, body, request.headers.get(SIGNATURE_HEADER)
        ):
            logger.warning("whatsapp webhook with a bad or missing signature refused")
            return PlainTextResponse("forbidden", status_code=403)
        try:
            event = json.loads(body)
        except ValueError:
            return PlainTextResponse("bad request", status_code=400)
        for message in self._messages(event):
            message_id = str(message.get("id") or "")
            if message_id and not await self.seen.check(f"whatsapp:{message_id}"):
                logger.info("whatsapp retry of a handled message ignored")
                continue
            seen_as = f"whatsapp:{message_id}" if message_id else None
            task = asyncio.create_task(self._handle(message, seen_as))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return PlainTextResponse("ok")

    def _messages(self, event: Any) -> list[dict[str, Any]]:
        """The inbound messages for our number (statuses and other numbers' events are skipped).
        Any part of the event may be of another shape than Meta documents (a signed post is
        still only as good as what Meta sends): what is not a list or object is skipped."""
        found: list[dict[str, Any]] = []
        if not isinstance(event, dict) or event.get("object") != "whatsapp_business_account":
            return found
        for entry in _objects(event.get("entry")):
            for change in _objects(entry.get("changes")):
                if change.get("field") != "messages":
                    continue
                value = change.get("value")
                value = value if isinstance(value, dict) else {}
                metadata = value.get("metadata")
                number = metadata.get("phone_number_id") if isinstance(metadata, dict) else None
                if str(number) != self.settings.phone_number_id:
                    continue
                found += _objects(value.get("messages"))
        return found

    # --- one message ------------------------------------------------------------------------------

    async def _handle(self, message: dict[str, Any], seen_as: str | None = None) -> None:
        try:
            await self._handle_message(message)
        except Exception as exc:  # never let one message take the gateway down
            logger.error("whatsapp message not handled: %s", type(exc).__name__, exc_info=exc)
        if seen_as is not None:
            await self.seen.done(seen_as)

    async def _handle_message(self, message: dict[str, Any]) -> None:
        wa_id = str(message.get("from") or "")
        if not wa_id:
            return
        who = self.relay.person("whatsapp", wa_id)
        self.window.record(who.key, _timestamp(message))
        if self.on_window_open is not None:
            await self.on_window_open(who, wa_id)
        kind = str(message.get("type") or "")
        if kind in _SILENT:
            return
        if kind not in _UNDERSTOOD:
            await self._say(wa_id, texts.text("only_text", None))
            logger.info("whatsapp %s unsupported %s: kind reply", who.short, kind or "message")
            return
        text, metadata = _as_text(kind, message)
        point = _point(message) if kind == "location" else None
        if point is not None:
            metadata = self.relay.point_metadata(*point)
        if not text:
            await self._say(wa_id, texts.text("only_text", None))
            return
        async with self.relay.conversation(who):
            answers = await self.relay.ask(
                who, text, metadata, Route("whatsapp", wa_id), event=kind
            )
            if answers is None:
                await self._say(wa_id, texts.text("unavailable", None))
                return
            for answer in answers:
                await self._send(wa_id, answer)

    async def _send(self, wa_id: str, message: BotMessage) -> None:
        parts = whatsapp_parts(
            message.text,
            message.buttons,
            choose=texts.short("choose", None),
            options=texts.short("options", None),
        )
        for part in parts:
            await self.api.send(wa_id, part.as_message())

    async def _say(self, wa_id: str, text: str) -> None:
        try:
            await self.api.send_text(wa_id, text)
        except WhatsAppError as exc:
            logger.error("whatsapp reply refused: code %s", exc.code)


def _objects(value: Any) -> list[dict[str, Any]]:
    """The objects in ``value`` when it is a list, else none."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _object(parent: dict[str, Any], key: str) -> dict[str, Any]:
    """``parent[key]`` when it is an object, else an empty one."""
    value = parent.get(key)
    return value if isinstance(value, dict) else {}


def _as_text(kind: str, message: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """What Rasa gets for an understood message: the text or payload, and metadata (for a
    location the caller adds a token for the point, see `_point`)."""
    if kind == "text":
        return str(_object(message, "text").get("body") or "").strip(), {}
    if kind == "interactive":
        reply = _object(message, "interactive")
        chosen = _object(reply, str(reply.get("type") or ""))
        return str(chosen.get("id") or chosen.get("title") or ""), {}
    if kind == "button":  # a quick-reply button of a template (e.g. the follow-up)
        button = _object(message, "button")
        return str(button.get("payload") or button.get("text") or ""), {}
    return ("/find_service", {}) if _point(message) is not None else ("", {})


def _point(message: dict[str, Any]) -> tuple[float, float] | None:
    """The (latitude, longitude) of a location message, or None when it holds no valid point."""
    where = _object(message, "location")
    try:
        lat, lon = float(where["latitude"]), float(where["longitude"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def _timestamp(message: dict[str, Any]) -> float | None:
    try:
        return float(message["timestamp"])
    except (KeyError, TypeError, ValueError):
        return None
