"""One turn of a conversation, whatever the channel: to Rasa under the person's keys, back with
Rasa's answer, and the reply route kept if the turn opened a handoff the person agreed to.

Why the channels share this: the data-protection rules (hash before anything leaves, no text
or id in the logs, route only with consent, a shared point only as an opaque token) are then
written once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.identity import Channel, Person, person
from bot.ordering import KeyedLocks
from bot.points import PointStore
from bot.rasa import BotMessage, RasaClient, RasaUnavailable
from bot.routes import Route, RouteStore

logger = logging.getLogger(__name__)


class Relay:
    """Relays turns to Rasa; one per gateway process."""

    def __init__(
        self,
        rasa: RasaClient,
        secret: bytes,
        routes: RouteStore | None,
        points: PointStore | None = None,
    ) -> None:
        self.rasa = rasa
        self._secret = secret
        self.routes = routes
        #: shared points waiting for the action server (None: no endpoint to fetch them from)
        self.points = points
        self._locks = KeyedLocks()

    def person(self, channel: Channel, user_id: str | int) -> Person:
        """The person's keys; the id itself goes no further than the caller."""
        return person(channel, user_id, self._secret)

    def point_metadata(self, lat: float, lon: float) -> dict[str, Any]:
        """What Rasa gets for a shared point: a token for it, never the coordinates.

        The point stays in this process's memory until the action server takes it; without a
        point store (GATEWAY_INTERNAL_TOKEN unset) it is dropped here and Rasa asks for the
        corregimiento instead.
        """
        if self.points is None:
            return {}
        return {"point_token": self.points.put(lat, lon)}

    @asynccontextmanager
    async def conversation(self, who: Person) -> AsyncIterator[None]:
        """Hold the person's turn: their next message waits until this answer has gone out."""
        async with self._locks.hold(who.sender):
            yield

    async def ask(
        self, who: Person, text: str, metadata: dict[str, Any], route: Route, *, event: str
    ) -> list[BotMessage] | None:
        """Rasa's answer, or None when Rasa cannot answer (the caller says so, kindly).

        ``metadata`` must not hold the user id; ``event`` names the kind of message for the log.
        """
        body = {"channel": who.channel, **{k: v for k, v in metadata.items() if v is not None}}
        try:
            answers = await self.rasa.send(who.sender, text, body)
        except RasaUnavailable as exc:
            logger.warning("%s %s %s: rasa unavailable (%s)", who.channel, who.short, event, exc)
            return None
        logger.info("%s %s %s: %d answer(s)", who.channel, who.short, event, len(answers))
        await self.keep_route(who, route)
        return answers

    async def keep_route(self, who: Person, route: Route) -> None:
        """Seal the route into the person's handoff if one is open and consented (else nothing).

        A failure here must not cost the person their answer: it is logged and the next turn
        tries again.
        """
        if self.routes is None:
            return
        try:
            await asyncio.to_thread(self.routes.attach, who.key, route)
        except Exception as exc:
            logger.error(
                "%s %s: reply route not kept (%s)", who.channel, who.short, type(exc).__name__
            )
