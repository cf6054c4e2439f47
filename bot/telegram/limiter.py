"""python-telegram-bot's rate limiter hook, filled with the gateway's own token buckets.

Why not PTB's AIORateLimiter: it limits groups and the whole bot but not a private chat, and
the gateway talks only in private chats, where Telegram asks for about one message a second.
Every Bot API call that sends something to a chat waits for that chat's bucket and the overall
one; chat actions ("typing…") and callback answers only count overall. A 429 (RetryAfter) is
waited out once when Telegram asks for a short pause, and otherwise raised.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.ratelimit import RateLimiter

logger = logging.getLogger(__name__)

_Result = bool | dict[str, Any] | list[dict[str, Any]]
#: Endpoints that put something in a chat without being a message the person reads.
_NOT_MESSAGES = frozenset({"sendChatAction", "answerCallbackQuery"})
#: Longest pause asked for by Telegram that is waited out rather than raised.
MAX_RETRY_AFTER = 30.0


class TelegramRateLimiter(BaseRateLimiter[int]):
    """Per-chat and overall limits around each Bot API request (never getUpdates)."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter

    async def initialize(self) -> None:
        """Nothing to open: the buckets live in memory."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, _Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> _Result:
        chat = data.get("chat_id")
        per_chat = (
            endpoint.startswith(("send", "copy", "forward")) and endpoint not in _NOT_MESSAGES
        )
        key = str(chat) if per_chat and chat is not None else None
        retries = 1 if rate_limit_args is None else rate_limit_args
        for attempt in range(retries + 1):
            await self.limiter.acquire(key)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                pause = exc.retry_after
                seconds = pause if isinstance(pause, int | float) else pause.total_seconds()
                if attempt == retries or seconds > MAX_RETRY_AFTER:
                    raise
                logger.warning("telegram asked to slow down: waiting %.1f s", seconds)
                await asyncio.sleep(seconds + 0.1)
        raise AssertionError("unreachable")  # pragma: no cover
