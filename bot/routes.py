"""How to write back to a person, sealed: the gateway alone can read it, and it holds none.

The reply route (a Telegram chat id or a WhatsApp phone number) is the one piece of contact
data the system may keep, and only while a caseworker has a case the person agreed to (DESIGN.md,
"Data protection"). The gateway keeps no database: it seals the route of every turn with Fernet
(``cryptography``: AES-128-CBC with HMAC-SHA256, authenticated) under ``ROUTE_KEY`` and sends
it to Rasa in the message metadata (``reply_route``). The action that opens a handoff the
person consented to stores that opaque token in the handoff's ``reply_route`` column; nothing
else keeps it (casework empties it when the handoff closes and deletes it on erasure). A
caseworker's reply comes back with the token (``POST /internal/handoff-reply``) and only here
is it opened. The key never leaves the gateway: Rasa's tracker store, the action server and
the database see ciphertext only. A token that was forged, altered, or sealed under a key
that is no longer in ``ROUTE_KEY`` is refused (`RouteError`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, cast

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.identity import Channel

#: Marks a sealed route (and its scheme, should another ever be needed).
SEALED_PREFIX: Final = "fernet:"
#: ``handoff.reply_route`` is a String(200): a sealed route must fit (a 15-digit phone: ~150).
MAX_SEALED: Final = 200


class RouteError(RuntimeError):
    """A sealed route that cannot be used: not one of ours, tampered with, or unreadable with
    ROUTE_KEY. The message never quotes the token."""


@dataclass(frozen=True)
class Route:
    """Where a person can be reached: the channel and its address (chat id or phone number)."""

    channel: Channel
    address: str

    def __repr__(self) -> str:  # never print the address by accident
        return f"Route(channel={self.channel!r}, address=<hidden>)"


class RouteSeal:
    """Seals and opens reply routes with ROUTE_KEY (the first key seals, all open: rotation)."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("RouteSeal needs at least one Fernet key (ROUTE_KEY)")
        self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])

    def seal(self, route: Route) -> str:
        """The route as an opaque, authenticated token (a new one each time: random IV)."""
        token = self._fernet.encrypt(
            json.dumps({"c": route.channel, "a": route.address}, separators=(",", ":")).encode()
        ).decode()
        sealed = SEALED_PREFIX + token
        if len(sealed) > MAX_SEALED:
            raise RouteError("route too long to keep")
        return sealed

    def unseal(self, sealed: str) -> Route:
        """The route inside ``sealed``; RouteError for anything this gateway did not seal."""
        if not sealed.startswith(SEALED_PREFIX) or len(sealed) > MAX_SEALED:
            raise RouteError("not a sealed reply route")
        try:
            data = json.loads(self._fernet.decrypt(sealed.removeprefix(SEALED_PREFIX).encode()))
        except (InvalidToken, ValueError):
            raise RouteError("the reply route cannot be read with ROUTE_KEY") from None
        if (
            not isinstance(data, dict)
            or data.get("c") not in ("telegram", "whatsapp")
            or not data.get("a")
        ):
            raise RouteError("the reply route is malformed")
        return Route(channel=cast(Channel, data["c"]), address=str(data["a"]))
