"""One turn of a conversation, whatever the channel: to Rasa under the person's keys, with the
reply route sealed in the metadata, and back with Rasa's answer.

Why the channels share this: the data-protection rules (hash before anything leaves, no text
or id in the logs, the route only sealed, a shared point only as an opaque token) are then
written once. The gateway keeps nothing about the turn: whether the route is kept is decided by
the action that opens a handoff, and only when the person consented (`bot.routes`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Final

from bot.identity import Channel, Person, person
from bot.ordering import KeyedLocks
from bot.points import PointStore
from bot.rasa import BotMessage, RasaClient, RasaUnavailable
from bot.routes import Route, RouteError, RouteSeal

logger = logging.getLogger(__name__)

#: The metadata key of the sealed reply route (actions/handoff.py reads the same key).
REPLY_ROUTE: Final = "reply_route"


class Relay:
    """Relays turns to Rasa; one per gateway process."""

    def __init__(
        self,
        rasa: RasaClient,
        secret: bytes,
        seal: RouteSeal | None,
        points: PointStore | None = None,
    ) -> None:
        self.rasa = rasa
        self._secret = secret
        #: None (ROUTE_KEY unset): no route goes to Rasa, so none can be kept
        self.seal = seal
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

        ``metadata`` must not hold the user id; ``route`` goes only sealed (`reply_route`), and
        only when ROUTE_KEY is set. ``event`` names the kind of message for the log.
        """
        body = {"channel": who.channel, **{k: v for k, v in metadata.items() if v is not None}}
        sealed = self._sealed(who, route)
        if sealed is not None:
            body[REPLY_ROUTE] = sealed
        try:
            answers = await self.rasa.send(who.sender, text, body)
        except RasaUnavailable as exc:
            logger.warning("%s %s %s: rasa unavailable (%s)", who.channel, who.short, event, exc)
            return None
        logger.info("%s %s %s: %d answer(s)", who.channel, who.short, event, len(answers))
        return answers

    def _sealed(self, who: Person, route: Route) -> str | None:
        """The sealed route for this turn's metadata; None without ROUTE_KEY or when it does not
        fit (the person still gets their answer; only a caseworker's reply could not reach
        them)."""
        if self.seal is None:
            return None
        try:
            return self.seal.seal(route)
        except RouteError:
            logger.error("%s %s: reply route not sealed (too long)", who.channel, who.short)
            return None
