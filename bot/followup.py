"""A caseworker's reply to the person behind a handoff, through the channel they wrote from.

The gateway holds no handoffs. The caller (the staff console; the tests today) reads the
handoff row and hands over what is on it: the sealed reply route that the action stored there
when the person consented (`bot.routes`), the handoff's language, and the caseworker's text.
`Followups.send(sealed, language, text)` opens the route (RouteError for a route this gateway
did not seal, or one altered on the way) and sends:

- Telegram: the text, at any time.
- WhatsApp inside the 24-hour customer-service window: the text.
- WhatsApp outside it: only an approved template may go (WHATSAPP_FOLLOWUP_TEMPLATE, in the
  handoff's language), inviting the person to answer; the caseworker's text is held in memory
  under the person's key and sent as soon as the person writes. Without a template the text
  is only held. The result says which happened, so the console can tell the caseworker.

Held texts are the gateway's only memory of a case, and it cannot see the handoff close: the
console drops them when it closes a handoff (`drop_held`, ``POST /internal/handoff-closed``
with the handoff's conversation key), and so can erasure. Otherwise they go when the person
next writes (even if the handoff was closed meanwhile), or are lost when the gateway restarts;
at most `MAX_HELD_PER_PERSON` per person and `MAX_HELD_PEOPLE` people are kept.
"""

from __future__ import annotations

import hmac
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

import httpx
from telegram import LinkPreviewOptions
from telegram.error import TelegramError

from bot.identity import Channel, Person
from bot.render import TELEGRAM_TEXT_LIMIT, WHATSAPP_TEXT_LIMIT, split_text, utf16_length
from bot.routes import RouteError, RouteSeal
from bot.telegram.gateway import TelegramGateway
from bot.whatsapp.api import CloudApi, WhatsAppError
from bot.whatsapp.window import ServiceWindow

logger = logging.getLogger(__name__)

#: held texts per person and people with held texts, so memory stays bounded
MAX_HELD_PER_PERSON: Final = 10
MAX_HELD_PEOPLE: Final = 10_000
MAX_FOLLOWUP_CHARS: Final = 4000
#: the languages the follow-up template is approved in
LANGUAGES: Final = ("es", "en")


class FollowupError(RuntimeError):
    """The text could not be sent or held; the message says why (never the text or route)."""


@dataclass(frozen=True)
class Delivery:
    """What happened to a follow-up: ``sent`` is "text", "template" or "nothing"; ``held``
    is True when the text waits for the person's next WhatsApp message."""

    channel: str
    sent: Literal["text", "template", "nothing"]
    held: bool = False


class Followups:
    """Caseworker replies; one per gateway process (it shares the channels' clients)."""

    def __init__(
        self,
        seal: RouteSeal | None,
        window: ServiceWindow,
        person: Callable[[Channel, str], Person],
        telegram: TelegramGateway | None = None,
        whatsapp: CloudApi | None = None,
        template: str | None = None,
    ) -> None:
        #: None (ROUTE_KEY unset): no route can be opened, so no reply can go
        self.seal = seal
        self.window = window
        self.person = person
        self.telegram = telegram
        self.whatsapp = whatsapp
        self.template = template
        self._held: OrderedDict[str, list[str]] = OrderedDict()

    async def send(
        self, sealed: str, language: str, text: str, *, conversation_key: str | None = None
    ) -> Delivery:
        """Send ``text`` to the person the sealed route leads to.

        ``language`` is the handoff's (it picks the template's language). With
        ``conversation_key`` (the handoff's), a route that is not that person's is refused.
        RouteError when the route cannot be opened; FollowupError when the text is empty or too
        long, the channel is not configured here, or the channel refused the message.
        """
        text = text.strip()
        if not text or len(text) > MAX_FOLLOWUP_CHARS:
            raise FollowupError(f"the text must have 1 to {MAX_FOLLOWUP_CHARS} characters")
        if language not in LANGUAGES:
            raise FollowupError("the language must be 'es' or 'en'")
        if self.seal is None:
            raise FollowupError("ROUTE_KEY is not set in this gateway: caseworker replies are off")
        route = self.seal.unseal(sealed)
        who = self.person(route.channel, route.address)
        if conversation_key is not None and not hmac.compare_digest(
            who.key.encode(), conversation_key.encode()
        ):
            raise RouteError("the reply route is not the route of this conversation")
        try:
            if route.channel == "telegram":
                await self._telegram(int(route.address), text)
                logger.info("telegram %s: follow-up sent", who.short)
                return Delivery("telegram", "text")
            return await self._whatsapp(who, route.address, language, text)
        except (TelegramError, WhatsAppError, httpx.HTTPError) as exc:
            logger.error("%s %s: follow-up not delivered: %s", who.channel, who.short, _kind(exc))
            raise FollowupError(f"the channel refused the message ({_kind(exc)})") from None

    async def _whatsapp(self, who: Person, wa_id: str, language: str, text: str) -> Delivery:
        if self.whatsapp is None:
            raise FollowupError("WhatsApp is not configured in this gateway")
        if self.window.is_open(who.key):
            for piece in split_text(text, WHATSAPP_TEXT_LIMIT):
                await self.whatsapp.send_text(wa_id, piece)
            logger.info("whatsapp %s: follow-up sent (window open)", who.short)
            return Delivery("whatsapp", "text")
        self._hold(who.key, text)
        if self.template is None:
            logger.warning("whatsapp %s: follow-up held: window closed, no template", who.short)
            return Delivery("whatsapp", "nothing", held=True)
        await self.whatsapp.send_template(wa_id, self.template, language)
        logger.info("whatsapp %s: template sent, follow-up held", who.short)
        return Delivery("whatsapp", "template", held=True)

    async def deliver_held(self, who: Person, wa_id: str) -> None:
        """The person wrote on WhatsApp (the window is open): send what waited for them."""
        held = self._held.pop(who.key, None)
        if not held or self.whatsapp is None:
            return
        for text in held:
            for piece in split_text(text, WHATSAPP_TEXT_LIMIT):
                await self.whatsapp.send_text(wa_id, piece)
        logger.info("whatsapp %s: %d held follow-up(s) delivered", who.short, len(held))

    def drop_held(self, conversation_key: str) -> int:
        """Forget the texts held for the person with this key (their handoff closed, or their
        data was erased); how many were dropped."""
        dropped = len(self._held.pop(conversation_key, ()))
        if dropped:
            logger.info("%d held follow-up(s) dropped", dropped)
        return dropped

    def held_count(self, conversation_key: str) -> int:
        return len(self._held.get(conversation_key, ()))

    def _hold(self, key: str, text: str) -> None:
        texts = self._held.setdefault(key, [])
        texts.append(text)
        del texts[:-MAX_HELD_PER_PERSON]
        self._held.move_to_end(key)
        while len(self._held) > MAX_HELD_PEOPLE:
            self._held.popitem(last=False)

    async def _telegram(self, chat_id: int, text: str) -> None:
        if self.telegram is None:
            raise FollowupError("Telegram is not configured in this gateway")
        bot = self.telegram.application.bot
        for piece in split_text(text, TELEGRAM_TEXT_LIMIT, utf16_length):
            await bot.send_message(
                chat_id, piece, link_preview_options=LinkPreviewOptions(is_disabled=True)
            )


def _kind(exc: Exception) -> str:
    """The failure's class and, for Meta, its code: never its message (it can quote the text)."""
    if isinstance(exc, WhatsAppError):
        return f"WhatsAppError code {exc.code}"
    return type(exc).__name__
