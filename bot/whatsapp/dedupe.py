"""Seen-message ids, bounded and forgetful: Meta retries a webhook until it gets a 200, and a
retry must not be answered twice.

Memory only, by design: the ids are WhatsApp message ids (no phone number in them), kept for a
day or until the newest 10,000 push them out, and gone when the process stops.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable


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
