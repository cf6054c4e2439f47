"""The gateway process: one ASGI app (Starlette) on 127.0.0.1:GATEWAY_PORT for both channels.

Routes: ``GET /health``; ``GET``/``POST /whatsapp/webhook`` when WhatsApp is configured;
``POST /telegram/webhook`` in Telegram's webhook mode (the ``X-Telegram-Bot-Api-Secret-Token``
header must equal TELEGRAM_WEBHOOK_SECRET, else 403). When GATEWAY_INTERNAL_TOKEN is set, three
endpoints behind it as a bearer token (403 without): ``POST /internal/handoff-reply`` and
``POST /internal/handoff-closed`` for the console's caseworker replies (`bot.followup`), with
``POST /internal/handoff-window`` (WhatsApp's 24-hour window, before a reply is sent), and
``GET /internal/point/{token}`` for the action server, which trades the token Rasa got for a
shared location for the point, once (404 when unknown, taken or expired; see `bot.points`).
The process opens no database: what it needs of a handoff comes in the request. Telegram's
Application starts and stops in the app's lifespan, as in python-telegram-bot's
custom-webhook example, so uvicorn's own signal handling shuts everything down in order.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route as HttpRoute

from bot.followup import LANGUAGES, Delivery, FollowupError, Followups
from bot.points import PointStore
from bot.rasa import RasaClient
from bot.relay import Relay
from bot.routes import RouteError, RouteSeal
from bot.settings import Settings
from bot.telegram.gateway import TelegramGateway
from bot.whatsapp.dedupe import Seen, SeenIds, SharedSeenIds
from bot.whatsapp.gateway import WhatsAppGateway
from bot.whatsapp.window import ServiceWindow

logger = logging.getLogger(__name__)

TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_NO_STORE = {"Cache-Control": "no-store"}


class Gateway:
    """Everything one gateway process runs, built from `Settings`."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.rasa = RasaClient(
            settings.rasa_url,
            timeout=settings.rasa_timeout,
            attempts=settings.rasa_attempts,
            backoff=settings.rasa_backoff,
        )
        self.window = ServiceWindow(clock)
        #: seals each turn's reply route for Rasa and opens it for a caseworker's reply; None
        #: without ROUTE_KEY: no route travels and caseworker replies are off
        self.seal = RouteSeal(settings.route_keys) if settings.route_keys else None
        #: shared points wait here for the action server; without the internal endpoint it
        #: could not fetch them, so none are kept and Rasa asks for the corregimiento instead
        self.points = PointStore() if settings.internal_token else None
        self.relay = Relay(self.rasa, settings.hash_key, self.seal, self.points)
        self.telegram = (
            TelegramGateway(settings.telegram, self.relay) if settings.telegram else None
        )
        #: Telegram re-posts an update its webhook did not acknowledge in time: each update_id
        #: is answered once (polling needs none of this: getUpdates' offset acknowledges); with
        #: REDIS_URL the ids outlive a restart and are shared by every gateway (dedupe.py)
        self.shared_seen = (
            SharedSeenIds.from_url(settings.redis_url, settings.hash_key, settings.seen_prefix)
            if settings.redis_url
            else None
        )
        self.telegram_updates: Seen = self.shared_seen or SeenIds()
        if self.telegram is not None and self.telegram.settings.webhook:
            # only webhook updates are checked (polling's offset acknowledges them)
            self.telegram.on_processed = self._telegram_done
        self.followups = Followups(
            self.seal, self.window, self.relay.person, telegram=self.telegram
        )
        self.whatsapp: WhatsAppGateway | None = None
        if settings.whatsapp is not None:
            self.whatsapp = WhatsAppGateway(
                settings.whatsapp,
                self.relay,
                self.window,
                on_window_open=self.followups.deliver_held,
                seen=self.shared_seen,
            )
            self.followups.whatsapp = self.whatsapp.api
            self.followups.template = settings.whatsapp.followup_template
        self.app = Starlette(routes=self._routes(), lifespan=self._lifespan)

    async def _telegram_done(self, update_id: int) -> None:
        await self.telegram_updates.done(f"telegram:{update_id}")

    async def send_to_person(
        self, route: str, language: str, text: str, *, conversation_key: str | None = None
    ) -> Delivery:
        """A caseworker's text to the person the sealed route of their handoff leads to."""
        return await self.followups.send(route, language, text, conversation_key=conversation_key)

    def _routes(self) -> list[HttpRoute]:
        routes = [HttpRoute("/health", self.health, methods=["GET"])]
        if self.whatsapp is not None:
            routes += [
                HttpRoute("/whatsapp/webhook", self.whatsapp.verify, methods=["GET"]),
                HttpRoute("/whatsapp/webhook", self.whatsapp.receive, methods=["POST"]),
            ]
        if self.telegram is not None and self.telegram.settings.webhook:
            routes.append(HttpRoute("/telegram/webhook", self.telegram_webhook, methods=["POST"]))
        if self.settings.internal_token:
            routes += [
                HttpRoute("/internal/handoff-reply", self.handoff_reply, methods=["POST"]),
                HttpRoute("/internal/handoff-closed", self.handoff_closed, methods=["POST"]),
                HttpRoute("/internal/handoff-window", self.handoff_window, methods=["POST"]),
                HttpRoute("/internal/point/{token}", self.point, methods=["GET"]),
            ]
        return routes

    @asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        if self.telegram is not None:
            await self.telegram.start()
        logger.info(
            "gateway on %s:%s for %s, Rasa at %s",
            self.settings.host,
            self.settings.port,
            ", ".join(self.settings.channels) or "no channel",
            self.settings.rasa_url,
        )
        if self.points is None and self.settings.channels:
            logger.warning(
                "GATEWAY_INTERNAL_TOKEN is not set: a shared location is answered with the "
                "corregimiento question (the action server cannot fetch the point)"
            )
        if self.seal is None and self.settings.channels:
            logger.warning(
                "ROUTE_KEY is not set: no reply route goes to Rasa, so caseworker replies "
                "cannot reach anyone"
            )
        try:
            yield
        finally:
            if self.telegram is not None:
                await self.telegram.stop()
            if self.whatsapp is not None:
                await self.whatsapp.stop()
            await self.rasa.aclose()
            if self.shared_seen is not None:
                await self.shared_seen.close()
            logger.info("gateway stopped")

    # --- endpoints ------------------------------------------------------------------------------

    async def health(self, request: Request) -> Response:
        telegram = None
        if self.telegram is not None:
            telegram = "webhook" if self.telegram.settings.webhook else "polling"
        return JSONResponse(
            {"status": "ok", "telegram": telegram, "whatsapp": self.whatsapp is not None}
        )

    async def telegram_webhook(self, request: Request) -> Response:
        """Telegram's POST: 403 unless the secret header matches; the update is queued."""
        assert self.telegram is not None
        secret = self.telegram.settings.webhook_secret or ""
        given = request.headers.get(TELEGRAM_SECRET_HEADER, "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            logger.warning("telegram webhook with a wrong or missing secret refused")
            return PlainTextResponse("forbidden", status_code=403)
        try:
            data = await request.json()
        except ValueError:  # not JSON, or not UTF-8 (UnicodeDecodeError is a ValueError)
            return PlainTextResponse("bad request", status_code=400)
        update_id = data.get("update_id") if isinstance(data, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            return PlainTextResponse("bad request", status_code=400)
        if not await self.telegram_updates.check(f"telegram:{update_id}"):
            logger.info("telegram retry of a handled update ignored")
            return PlainTextResponse("ok")
        try:
            await self.telegram.feed(data)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            # an update python-telegram-bot cannot read: said so, never a 500 (and not retried)
            logger.warning("telegram update not readable: %s", type(exc).__name__)
            return PlainTextResponse("bad request", status_code=400)
        return PlainTextResponse("ok")

    def _internal(self, request: Request) -> bool:
        """Whether the request carries the internal bearer token."""
        token = self.settings.internal_token or ""
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return bool(token) and hmac.compare_digest(given.encode(), token.encode())

    async def handoff_reply(self, request: Request) -> Response:
        """The console's caseworker reply, with what the handoff row holds: ``{"route": the
        sealed reply_route, "language": "es"|"en", "text": ..., "conversation_key": optional}``.

        200 ``{"channel", "sent", "held"}``; 400 for a bad body; 422 for a route this gateway
        cannot open (forged, altered, another key, or not this conversation's); 409 when the
        text cannot go (channel not configured here, refused by it); 503 without ROUTE_KEY.
        """
        if not self._internal(request):
            return PlainTextResponse("forbidden", status_code=403)
        body = await _json_object(request) or {}
        route, language, text = body.get("route"), body.get("language"), body.get("text")
        key = body.get("conversation_key")
        if (
            not isinstance(route, str)
            or not isinstance(language, str)
            or not isinstance(text, str)
            or not (key is None or isinstance(key, str))
        ):
            return JSONResponse({"error": "route, language and text are required"}, 400)
        if language not in LANGUAGES:
            return JSONResponse({"error": "language must be 'es' or 'en'"}, 400)
        if self.seal is None:
            return JSONResponse({"error": "ROUTE_KEY is not set: caseworker replies are off"}, 503)
        try:
            delivery = await self.send_to_person(route, language, text, conversation_key=key)
        except RouteError as exc:
            logger.warning("caseworker reply with an unusable route refused")
            return JSONResponse({"error": str(exc)}, 422)
        except FollowupError as exc:
            return JSONResponse({"error": str(exc)}, 409)
        return JSONResponse(
            {"channel": delivery.channel, "sent": delivery.sent, "held": delivery.held}
        )

    async def handoff_closed(self, request: Request) -> Response:
        """The console closed a handoff (or the person's data was erased): ``{"conversation_key":
        ...}``; the WhatsApp texts held for that person are dropped. 200 ``{"dropped": n}``."""
        if not self._internal(request):
            return PlainTextResponse("forbidden", status_code=403)
        key = (await _json_object(request) or {}).get("conversation_key")
        if not isinstance(key, str) or not key:
            return JSONResponse({"error": "conversation_key is required"}, 400)
        return JSONResponse({"dropped": self.followups.drop_held(key)})

    async def handoff_window(self, request: Request) -> Response:
        """What a caseworker's reply would do now on WhatsApp, for the console to say before it
        is sent: ``{"conversation_key": ...}`` gives 200 ``{"open": the 24-hour window is open
        (the text goes now), "template": outside it a template goes and the text waits,
        "held": texts already waiting}``. The window is known only since this gateway started:
        after a restart it reads as closed, as `send` then treats it."""
        if not self._internal(request):
            return PlainTextResponse("forbidden", status_code=403)
        key = (await _json_object(request) or {}).get("conversation_key")
        if not isinstance(key, str) or not key:
            return JSONResponse({"error": "conversation_key is required"}, 400)
        followups = self.followups
        return JSONResponse(
            {
                "open": followups.window.is_open(key),
                "template": followups.template is not None,
                "held": followups.held_count(key),
            }
        )

    async def point(self, request: Request) -> Response:
        """The action server's one read of a shared point: ``{"lat": ..., "lon": ...}``, then the
        point is forgotten; 404 when the token is unknown, already used or expired."""
        if not self._internal(request):
            return PlainTextResponse("forbidden", status_code=403)
        found = self.points.take(request.path_params["token"]) if self.points else None
        if found is None:
            return JSONResponse({"error": "no such point"}, 404, headers=_NO_STORE)
        return JSONResponse({"lat": found.lat, "lon": found.lon}, headers=_NO_STORE)

    # --- serving --------------------------------------------------------------------------------

    def server(self, port: int | None = None) -> uvicorn.Server:
        """A uvicorn server for this gateway (no access log: its lines carry query strings)."""
        config = uvicorn.Config(
            self.app,
            host=self.settings.host,
            port=self.settings.port if port is None else port,
            log_config=None,
            access_log=False,
            lifespan="on",
            server_header=False,
        )
        return uvicorn.Server(config)

    @asynccontextmanager
    async def serving(self, port: int | None = None) -> AsyncIterator[str]:
        """Run the gateway in this event loop (tests, embedding); yields its base URL."""
        server = self.server(port)
        task = asyncio.create_task(server.serve())
        while not server.started:
            if task.done():
                with suppress(SystemExit):  # uvicorn exits when the lifespan start-up fails
                    await task
                raise RuntimeError("the gateway did not start (see the log)")
            await asyncio.sleep(0.02)
        bound = server.servers[0].sockets[0].getsockname()[1]
        try:
            yield f"http://{self.settings.host}:{bound}"
        finally:
            server.should_exit = True
            await task


async def _json_object(request: Request) -> dict[str, object] | None:
    """The request's JSON body if it is an object, else None."""
    try:
        data = await request.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
