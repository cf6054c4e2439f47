"""One conversation at a time per person, many people at once.

Why: Rasa answers a person's messages in the order it gets them, and a second message sent
while the first is still with Rasa could overtake it. The gateway handles updates concurrently
(one slow conversation must not hold up everyone), so each person's turns queue on their own
lock, which is dropped when nobody is waiting on it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class KeyedLocks:
    """An asyncio lock per key, created on demand and forgotten when free."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)
