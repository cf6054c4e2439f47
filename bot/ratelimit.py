"""Outgoing rate limits: token buckets per recipient and for the whole gateway.

Why buckets rather than a fixed gap: Telegram asks for about one message per second in a chat
and about 30 per second overall, but allows short bursts; Rasa often answers with two or three
messages at once, and a bucket lets those go together while holding a long stream to the rate.
WhatsApp's pair limit (about one message every 6 seconds to one person, with bursts) is the
same shape with other numbers.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` saved; `acquire` waits for one."""

    def __init__(
        self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._state = _Bucket(tokens=burst, updated=clock())
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._state.updated)
        self._state.tokens = min(self.burst, self._state.tokens + elapsed * self.rate)
        self._state.updated = now

    def full(self) -> bool:
        """Whether the bucket has refilled (so it can be forgotten without changing anything)."""
        self._refill()
        return self._state.tokens >= self.burst

    async def acquire(self) -> None:
        """Take one token, sleeping until there is one (callers queue in order)."""
        async with self._lock:
            self._refill()
            while self._state.tokens < 1:
                await asyncio.sleep((1 - self._state.tokens) / self.rate)
                self._refill()
            self._state.tokens -= 1


class RateLimiter:
    """One bucket for everything and one per key (chat or phone), kept for active keys only."""

    def __init__(
        self,
        *,
        overall_rate: float,
        overall_burst: float,
        per_key_rate: float,
        per_key_burst: float,
        max_keys: int = 10_000,
    ) -> None:
        self.overall = TokenBucket(overall_rate, overall_burst)
        self.per_key_rate = per_key_rate
        self.per_key_burst = per_key_burst
        self.max_keys = max_keys
        self._keys: OrderedDict[Hashable, TokenBucket] = OrderedDict()

    def _bucket(self, key: Hashable) -> TokenBucket:
        bucket = self._keys.get(key)
        if bucket is None:
            bucket = self._keys[key] = TokenBucket(self.per_key_rate, self.per_key_burst)
            # forget the least recently used keys whose buckets have refilled anyway
            while len(self._keys) > self.max_keys:
                oldest, old = next(iter(self._keys.items()))
                if not old.full() and len(self._keys) <= 2 * self.max_keys:
                    break
                del self._keys[oldest]
        self._keys.move_to_end(key)
        return bucket

    async def acquire(self, key: Hashable | None) -> None:
        """Wait until one more message may go to ``key`` (None: only the overall limit)."""
        if key is not None:
            await self._bucket(key).acquire()
        await self.overall.acquire()


def telegram_limiter() -> RateLimiter:
    """Telegram: ~1 message/s in a chat (bursts of 3), ~30/s overall."""
    return RateLimiter(overall_rate=30, overall_burst=30, per_key_rate=1, per_key_burst=3)


def whatsapp_limiter() -> RateLimiter:
    """WhatsApp Cloud API: 1 message every 6 s to one person with bursts, 20/s overall (the
    default throughput is 80/s per number; staying well under it leaves room for retries)."""
    return RateLimiter(overall_rate=20, overall_burst=20, per_key_rate=1 / 6, per_key_burst=10)
