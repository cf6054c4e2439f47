"""Shared map points, held in this process's memory for a few minutes under an opaque token.

Why not in the message: Rasa keeps every message's metadata in its tracker store, and DESIGN.md
says a shared point is mapped to the nearest services and then forgotten. So the gateway sends
Rasa ``/find_service`` with a random token instead of the point; the action server trades the
token for the point once (``GET /internal/point/{token}``, behind GATEWAY_INTERNAL_TOKEN), and
the point is gone from here as soon as it is read, expired, or pushed out by newer ones. Nothing
here is logged, and nothing is written to disk.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

#: Coordinates are kept rounded to about 100 m: enough to find the nearest services.
LOCATION_DECIMALS: Final = 3
#: A point not asked for within this many seconds is dropped (Rasa answers in seconds).
POINT_TTL: Final = 600.0
#: At most this many points are held; the oldest goes first.
MAX_POINTS: Final = 10_000


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float


class PointStore:
    """token -> point, in memory only; each point can be taken once."""

    def __init__(
        self,
        ttl: float = POINT_TTL,
        max_size: int = MAX_POINTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_size = max(1, max_size)
        self._clock = clock
        self._points: OrderedDict[str, tuple[float, Point]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            self._expire(self._clock())
            return len(self._points)

    def put(self, lat: float, lon: float) -> str:
        """Keep the point (rounded) and return the token that stands for it."""
        point = Point(round(lat, LOCATION_DECIMALS), round(lon, LOCATION_DECIMALS))
        token = secrets.token_urlsafe(16)
        with self._lock:
            now = self._clock()
            self._expire(now)
            self._points[token] = (now + self.ttl, point)
            while len(self._points) > self.max_size:
                self._points.popitem(last=False)
        return token

    def take(self, token: str) -> Point | None:
        """The point, removed from the store; None when unknown, already taken or expired."""
        with self._lock:
            self._expire(self._clock())
            found = self._points.pop(token, None)
        return found[1] if found is not None else None

    def _expire(self, now: float) -> None:
        # insertion order is expiry order (one TTL for all), so expired points are at the front
        while self._points:
            token, (expires, _) = next(iter(self._points.items()))
            if expires > now:
                break
            del self._points[token]
