"""How to write back to a person: kept only for a handoff they agreed to, encrypted, and gone
when the handoff is.

The reply route (a Telegram chat id or a WhatsApp phone number) is the one piece of contact
data the system may hold, and only while a caseworker has the person's case (DESIGN.md, "Data
protection"). It lives in the handoff's own ``reply_route`` column, sealed with Fernet
(``cryptography``: AES-128-CBC with HMAC-SHA256, authenticated), so it shares the handoff's
life: `casework.close_handoff` empties the column and `casework.erase_person` deletes the row,
in the same transaction that ends the case. No other table holds it, and nothing needs
cleaning up afterwards. Decrypting needs ``ROUTE_KEY``, which the database never sees.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, cast

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.identity import Channel
from casework import Handoff
from store import db

logger = logging.getLogger(__name__)

#: Marks a sealed route; anything else in the column (e.g. casework's placeholder) is no route.
SEALED_PREFIX: Final = "fernet:"
#: ``handoff.reply_route`` is a String(200); a sealed route must fit.
MAX_SEALED: Final = 200


class RouteError(RuntimeError):
    """No usable route: no open handoff, no consent, nothing stored, or an unreadable one."""


@dataclass(frozen=True)
class Route:
    """Where a person can be reached: the channel and its address (chat id or phone number)."""

    channel: Channel
    address: str

    def __repr__(self) -> str:  # never print the address by accident
        return f"Route(channel={self.channel!r}, address=<hidden>)"


@dataclass(frozen=True)
class Followup:
    """What `send_to_person` needs about an open handoff."""

    handoff_id: str
    language: str
    route: Route


def consented(handoff: Handoff) -> bool:
    """Whether the person said yes to the consent question: only then may their route be kept.

    An urgent handoff opened by the emergency follow-up alone did not ask, so it is not consent.
    """
    return bool(handoff.consented)


class RouteStore:
    """Seals routes into open, consented handoffs and reads them back for follow-ups."""

    def __init__(self, keys: Sequence[str], engine: Engine | None = None) -> None:
        if not keys:
            raise ValueError("RouteStore needs at least one Fernet key (ROUTE_KEY)")
        self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])
        self._engine = engine

    def seal(self, route: Route) -> str:
        token = self._fernet.encrypt(
            json.dumps({"c": route.channel, "a": route.address}, separators=(",", ":")).encode()
        ).decode()
        sealed = SEALED_PREFIX + token
        if len(sealed) > MAX_SEALED:
            raise RouteError("route too long to store")
        return sealed

    def unseal(self, sealed: str) -> Route:
        if not sealed.startswith(SEALED_PREFIX):
            raise RouteError("no route stored")
        try:
            data = json.loads(self._fernet.decrypt(sealed.removeprefix(SEALED_PREFIX).encode()))
        except (InvalidToken, ValueError):
            raise RouteError("stored route cannot be read with ROUTE_KEY") from None
        if data.get("c") not in ("telegram", "whatsapp") or not data.get("a"):
            raise RouteError("stored route is malformed")
        return Route(channel=cast(Channel, data["c"]), address=str(data["a"]))

    def _open_handoff(self, session: Session, person_key: str) -> Handoff | None:
        return session.scalars(
            select(Handoff)
            .where(Handoff.conversation_key == person_key, Handoff.status != "closed")
            .order_by(Handoff.created_at.desc())
        ).first()

    def attach(self, person_key: str, route: Route) -> bool:
        """Seal ``route`` into the person's open handoff if they consented and none is there.

        Called after each of the person's turns (a handoff is opened by an action during a
        turn). True when a route was written.
        """
        with db.session(self._engine) as s:
            handoff = self._open_handoff(s, person_key)
            if handoff is None or not consented(handoff):
                return False
            if handoff.reply_route.startswith(SEALED_PREFIX):
                return False
            handoff.reply_route = self.seal(route)
        logger.info("reply route kept for handoff %s", handoff.id)
        return True

    def followup(self, person_key: str) -> Followup:
        """The route and language of the person's open handoff; RouteError if there is none."""
        with db.session(self._engine) as s:
            handoff = self._open_handoff(s, person_key)
            if handoff is None:
                raise RouteError("no open handoff for this person")
            if not consented(handoff):
                raise RouteError("the person did not agree to be contacted")
            return Followup(
                handoff_id=handoff.id,
                language=handoff.language,
                route=self.unseal(handoff.reply_route),
            )
