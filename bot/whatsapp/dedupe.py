"""Seen-message ids, bounded and forgetful: Meta retries a webhook until it gets a 200, and
Telegram an update it did not see acknowledged; a retry must not be answered twice (a "sí"
answered twice can answer the wrong question).

`SeenIds` keeps them in the process's memory: a day, or until the newest 10,000 push them
out, gone when the process stops. `SharedSeenIds` (the production profile, REDIS_URL) keeps
them in Redis, so that a retry that comes after a gateway restart, or to another gateway, is
not answered again. In two steps, because a gateway killed while it answers loses what it was
answering: an id is *pending* for a minute from the moment it comes (a retry then is the same
message still being answered), and *done* for a day once the answer went out. A retry of a
message whose gateway died before answering comes after the minute, and is answered. Only a
keyed hash of each id is stored (a WhatsApp message id can carry the sender's number); when
Redis does not answer, the process's memory decides.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

#: a day: Meta retries for up to 7 days with backoff, but a retry after a day is rare and the
#: conversation has moved on
DEFAULT_TTL = 24 * 3600
#: an answer takes at most 10 s (the gateway gives Rasa 9): a minute is a gateway that died
PENDING_TTL = 60


class Seen(Protocol):
    """What the webhooks ask: is this the first time this id comes?"""

    async def check(self, item: str) -> bool: ...

    async def done(self, item: str) -> None: ...


class SeenIds:
    """A bounded LRU set of ids with a time to live."""

    def __init__(
        self,
        max_items: int = 10_000,
        ttl: float = 24 * 3600,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_items = max_items
        self.ttl = ttl
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    def __contains__(self, item: object) -> bool:
        """Whether ``item`` was seen within the TTL (without marking it)."""
        at = self._seen.get(item) if isinstance(item, str) else None
        return at is not None and self._clock() - at < self.ttl

    def first_time(self, item: str) -> bool:
        """True the first time ``item`` is offered (within the TTL), False for a repeat."""
        now = self._clock()
        while self._seen:
            oldest, at = next(iter(self._seen.items()))
            if now - at < self.ttl:
                break
            del self._seen[oldest]
        if item in self._seen:
            self._seen.move_to_end(item)
            return False
        self._seen[item] = now
        if len(self._seen) > self.max_items:
            self._seen.popitem(last=False)
        return True

    async def check(self, item: str) -> bool:
        return self.first_time(item)

    async def done(self, item: str) -> None:
        """Nothing more to remember: memory marks an id seen when it comes."""


class SharedSeenIds:
    """Seen ids in Redis (``SET key NX EX``: atomic, so two gateways never both answer)."""

    def __init__(
        self,
        client: aioredis.Redis,
        secret: bytes,
        prefix: str = "gateway-seen:",
        ttl: int = DEFAULT_TTL,
        timeout: float = 0.5,
        pending_ttl: int = PENDING_TTL,
    ) -> None:
        if not secret:
            raise ValueError("SharedSeenIds needs the hash key: ids are stored hashed")
        self.client = client
        self.prefix = prefix
        self.ttl = ttl
        self.pending_ttl = pending_ttl
        self.timeout = timeout
        self._secret = secret
        #: decides while Redis does not answer
        self.memory = SeenIds(ttl=ttl)
        #: what this process answered while Redis was away (Redis never heard of it)
        self.offline = SeenIds(ttl=ttl)
        self._down = False

    @classmethod
    def from_url(cls, url: str, secret: bytes, prefix: str = "gateway-seen:") -> SharedSeenIds:
        client = aioredis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        return cls(client, secret, prefix)

    def key(self, item: str) -> str:
        digest = hmac.new(self._secret, item.encode(), hashlib.sha256).hexdigest()[:32]
        return self.prefix + digest

    async def check(self, item: str) -> bool:
        try:
            stored = await asyncio.wait_for(
                self.client.set(self.key(item), b"pending", nx=True, ex=self.pending_ttl),
                self.timeout,
            )
        except (RedisError, OSError, TimeoutError) as exc:
            if not self._down:
                logger.warning(
                    "Redis unavailable for seen ids (%s): memory only", type(exc).__name__
                )
            self._down = True
            first = self.memory.first_time(item)
            if first:
                self.offline.first_time(item)
            return first
        if self._down:
            logger.info("Redis back for seen ids")
            self._down = False
        self.memory.first_time(item)  # for the time Redis is away
        # Redis decides, but for what this process answered while Redis was away
        return bool(stored) and item not in self.offline

    async def done(self, item: str) -> None:
        """The answer went out: a retry within the day is not answered again."""
        # Redis away: check() says so once, and the process's memory still holds the id
        with contextlib.suppress(RedisError, OSError, TimeoutError):
            await asyncio.wait_for(
                self.client.set(self.key(item), b"done", ex=self.ttl), self.timeout
            )

    async def close(self) -> None:
        await self.client.aclose()
