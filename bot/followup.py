"""A caseworker's reply to the person behind a handoff, through the channel they wrote from.

`Followups.send_to_person(conversation_key, text)` takes the handoff's key (the person key the
action server stored), reads the sealed route of that open, consented handoff, and sends:

- Telegram: the text, at any time.
- WhatsApp inside the 24-hour customer-service window: the text.
- WhatsApp outside it: only an approved template may go (WHATSAPP_FOLLOWUP_TEMPLATE, in the
  handoff's language), inviting the person to answer; the caseworker's text is held in memory
  and sent as soon as the person writes, if the handoff is still open then. Without a template
  the text is only held. The result says which happened, so the console can tell the
  caseworker.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final, Literal

import httpx
from telegram import LinkPreviewOptions
from telegram.error import TelegramError

from bot.identity import Person
from bot.render import TELEGRAM_TEXT_LIMIT, WHATSAPP_TEXT_LIMIT, split_text, utf16_length
from bot.routes import Followup, RouteError, RouteStore
from bot.telegram_gateway import TelegramGateway
from bot.whatsapp_api import CloudApi, WhatsAppError
from bot.window import ServiceWindow

logger = logging.getLogger(__name__)

#: held texts per person and people with held texts, so memory stays bounded
MAX_HELD_PER_PERSON: Final = 10
MAX_HELD_PEOPLE: Final = 10_000
MAX_FOLLOWUP_CHARS: Final = 4000


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
        routes: RouteStore,
        window: ServiceWindow,
        telegram: TelegramGateway | None = None,
        whatsapp: CloudApi | None = None,
        template: str | None = None,
    ) -> None:
        self.routes = routes
        self.window = window
        self.telegram = telegram
        self.whatsapp = whatsapp
        self.template = template
        self._held: OrderedDict[str, list[str]] = OrderedDict()

    async def send_to_person(self, conversation_key: str, text: str) -> Delivery:
        """Send ``text`` to the person of the open handoff with this conversation key.

        FollowupError when there is no open, consented handoff with a route, when the channel
        is not configured here, or when the channel refused the message.
        """
        try:
            return await self._send_to_person(conversation_key, text)
        except (TelegramError, WhatsAppError, httpx.HTTPError) as exc:
            logger.error("follow-up not delivered: %s", type(exc).__name__)
            raise FollowupError(f"the channel refused the message ({type(exc).__name__})") from None

    async def _send_to_person(self, conversation_key: str, text: str) -> Delivery:
        text = text.strip()
        if not text or len(text) > MAX_FOLLOWUP_CHARS:
            raise FollowupError(f"the text must have 1 to {MAX_FOLLOWUP_CHARS} characters")
        try:
            followup = await asyncio.to_thread(self.routes.followup, conversation_key)
        except RouteError as exc:
            raise FollowupError(str(exc)) from None
        route = followup.route
        if route.channel == "telegram":
            await self._telegram(int(route.address), text)
            logger.info("follow-up for handoff %s sent on telegram", followup.handoff_id)
            return Delivery("telegram", "text")
        if self.whatsapp is None:
            raise FollowupError("WhatsApp is not configured in this gateway")
        if self.window.is_open(conversation_key):
            for piece in split_text(text, WHATSAPP_TEXT_LIMIT):
                await self.whatsapp.send_text(route.address, piece)
            logger.info(
                "follow-up for handoff %s sent on whatsapp (window open)", followup.handoff_id
            )
            return Delivery("whatsapp", "text")
        self._hold(conversation_key, text)
        if self.template is None:
            logger.warning(
                "follow-up for handoff %s held: window closed, no template", followup.handoff_id
            )
            return Delivery("whatsapp", "nothing", held=True)
        await self.whatsapp.send_template(route.address, self.template, _language(followup))
        logger.info("follow-up for handoff %s: template sent, text held", followup.handoff_id)
        return Delivery("whatsapp", "template", held=True)

    async def deliver_held(self, who: Person, wa_id: str) -> None:
        """The person wrote on WhatsApp (the window is open): send what waited for them, if
        their handoff is still open; otherwise drop it."""
        held = self._held.pop(who.key, None)
        if not held or self.whatsapp is None:
            return
        try:
            await asyncio.to_thread(self.routes.followup, who.key)
        except RouteError:
            logger.info("whatsapp %s: held follow-up dropped (handoff no longer open)", who.short)
            return
        for text in held:
            for piece in split_text(text, WHATSAPP_TEXT_LIMIT):
                await self.whatsapp.send_text(wa_id, piece)
        logger.info("whatsapp %s: %d held follow-up(s) delivered", who.short, len(held))

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


def _language(followup: Followup) -> str:
    """The template's language: the handoff's (templates are approved as "es" and "en")."""
    return followup.language if followup.language in ("es", "en") else "es"
