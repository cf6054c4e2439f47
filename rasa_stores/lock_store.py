"""A Redis lock store whose tickets are issued atomically (closes RasaHQ/rasa#9213).

Rasa Open Source's `RedisLockStore` keeps a conversation's whole ticket lock as one JSON value
and changes it by reading it, changing it in the process and writing it back (`issue_ticket`,
`finish_serving`, `update_lock`). Two replicas receiving messages of one conversation at once
both read the same lock, both issue the same ticket number, and the second write erases the
first: both messages are processed at once, their events interleaved or lost. The atomic store
is Rasa Pro's only.

Here a conversation has two Redis keys: a counter, which `INCR` advances (every ticket a
number of its own, in order of arrival), and a sorted set of the live tickets scored by their
expiry. Issuing (INCR + ZADD) and finishing (ZREM, and dropping both keys when nobody waits)
are each one Lua script, so Redis runs them whole and one at a time; reading the lock is one
ZRANGEBYSCORE. Rasa's own `lock()` then serves the tickets in number order, as before.
Rasa loads the class by module path: `lock_store: type: rasa_stores.lock_store.IncrLockStore`,
`url: ${REDIS_URL}` (redis://host:port/db), optional `key_prefix`.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from typing import Any

import redis
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore

logger = logging.getLogger(__name__)

DEFAULT_KEY_PREFIX = "lock:"

# KEYS: counter, tickets; ARGV: now, expires, ttl in ms. Drops expired tickets, issues one.
_ISSUE = """
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
local n = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], ARGV[2], n)
for _, key in ipairs(KEYS) do
  if redis.call('PTTL', key) < tonumber(ARGV[3]) then redis.call('PEXPIRE', key, ARGV[3]) end
end
return n
"""

# KEYS: counter, tickets; ARGV: ticket, now. Ends a ticket; nobody left, the lock goes.
_FINISH = """
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[2]) == 0 then redis.call('DEL', KEYS[1], KEYS[2]) end
return 1
"""


class IncrLockStore(LockStore):
    """Ticket locks on Redis, issued by INCR inside a script (see the module's docstring)."""

    def __init__(
        self,
        endpoint_config: Any = None,
        *,
        url: str | None = None,
        key_prefix: str | None = None,
        socket_timeout: float = 10,
    ) -> None:
        kwargs = dict(getattr(endpoint_config, "kwargs", None) or {})
        url = url or getattr(endpoint_config, "url", None)
        if not url:
            raise ValueError("IncrLockStore needs Redis: url: ${REDIS_URL} (redis://host:6379/0)")
        self.key_prefix = key_prefix or str(kwargs.get("key_prefix") or DEFAULT_KEY_PREFIX)
        self.red = redis.Redis.from_url(
            url, socket_timeout=float(kwargs.get("socket_timeout", socket_timeout))
        )
        self._issue = self.red.register_script(_ISSUE)
        self._finish = self.red.register_script(_FINISH)
        super().__init__()

    def _keys(self, conversation_id: str) -> list[str]:
        base = self.key_prefix + conversation_id
        return [base + ":issued", base + ":tickets"]

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """A new ticket: one number per call, whichever replica asks, in order of arrival."""
        now = time.time()
        try:
            number = self._issue(
                keys=self._keys(conversation_id),
                args=[now, now + lock_lifetime, max(1, int(lock_lifetime * 1000))],
            )
        except redis.RedisError as exc:
            raise LockError(f"Error while acquiring lock ({type(exc).__name__}).") from exc
        return int(number)

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        """The live tickets of the conversation, lowest number (the one served) first."""
        # a synchronous client: a list, never an awaitable (redis-py types both)
        live: list[tuple[bytes, float]] = self.red.zrangebyscore(  # type: ignore[assignment]
            self._keys(conversation_id)[1], time.time(), "+inf", withscores=True
        )
        if not live:
            return None
        tickets = sorted((Ticket(int(member), float(score)) for member, score in live), key=_number)
        return TicketLock(conversation_id, deque(tickets))

    def update_lock(self, conversation_id: str) -> None:
        """Drop expired tickets (a replica that died holding one releases the conversation)."""
        self.red.zremrangebyscore(self._keys(conversation_id)[1], "-inf", time.time())

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self._finish(keys=self._keys(conversation_id), args=[ticket_number, time.time()])

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Finish the ticket; the script drops the lock itself when nobody waits, atomically
        (Rasa's check-then-delete could delete a ticket another replica had just issued)."""
        self.finish_serving(conversation_id, ticket_number)

    def delete_lock(self, conversation_id: str) -> None:
        deleted = self.red.delete(*self._keys(conversation_id))
        self._log_deletion(conversation_id, bool(deleted))

    def save_lock(self, lock: TicketLock) -> None:
        """Not used: a whole lock written back is the race this store exists to avoid."""
        raise NotImplementedError("IncrLockStore changes tickets only through its scripts")


def _number(ticket: Ticket) -> int:
    return int(ticket.number)
