"""WhatsApp's 24-hour customer-service window, per person.

A business may send free text to a WhatsApp user only within 24 hours of that user's last
message; outside it only an approved template may be sent. The gateway records when each
person last wrote (by person key, in memory) so a caseworker's follow-up can choose. A small
margin keeps the gateway from sending free text in the window's last minutes, when a slow
request could arrive after it closed. After a restart nothing is known, so the window is
taken as closed: a template is always allowed, free text outside the window is not.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Final

WINDOW_SECONDS: Final = 24 * 3600
MARGIN_SECONDS: Final = 10 * 60


class ServiceWindow:
    """Last inbound time per person key (wall-clock seconds), bounded to the newest keys."""

    def __init__(self, clock: Callable[[], float] = time.time, max_items: int = 100_000) -> None:
        self._clock = clock
        self.max_items = max_items
        self._last: OrderedDict[str, float] = OrderedDict()

    def now(self) -> float:
        return self._clock()

    def record(self, key: str, at: float | None = None) -> None:
        """The person wrote at ``at`` (Meta's timestamp; now when absent or in the future)."""
        now = self._clock()
        moment = now if at is None or at > now else at
        if moment >= self._last.get(key, float("-inf")):
            self._last[key] = moment
            self._last.move_to_end(key)
        while len(self._last) > self.max_items:
            self._last.popitem(last=False)

    def is_open(self, key: str) -> bool:
        """Whether free text may still be sent to the person."""
        last = self._last.get(key)
        if last is None:
            return False
        return self._clock() < last + WINDOW_SECONDS - MARGIN_SECONDS

    def forget(self, key: str) -> None:
        self._last.pop(key, None)
