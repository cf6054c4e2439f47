"""Rasa's REST channel, as the gateways use it: one message in, the bot's messages out.

Why retries live here and are bounded: a person on a cheap phone is waiting, so the gateway
tries a few times with growing pauses while Rasa is restarting or loading a model (connection
refused, 502/503/504), then gives up and the caller says "try again in a few minutes". A read
timeout is not retried: Rasa may have handled the message, and sending it twice would answer
it twice. The whole of it, retries and pauses included, has `timeout` seconds (9 by default:
the person is promised a reply within 10, and Rasa's own channel bounds a turn at 7, so a
hung action server is answered by Rasa and a hung Rasa by the gateway). Nothing about the
person is logged: only the kind of failure.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

import httpx

logger = logging.getLogger(__name__)

_RETRY_STATUSES = frozenset({502, 503, 504})


class RasaUnavailable(RuntimeError):
    """Rasa did not answer usefully; the message names the kind of failure, never the text."""


@dataclass(frozen=True)
class Button:
    """One of Rasa's buttons: what the person reads and what goes back to Rasa when pressed."""

    title: str
    payload: str


@dataclass(frozen=True)
class BotMessage:
    """One message of Rasa's answer (text and buttons; images and custom JSON are not used)."""

    text: str = ""
    buttons: tuple[Button, ...] = field(default=())

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BotMessage:
        buttons = tuple(
            Button(title=str(b.get("title") or b.get("payload")), payload=str(b["payload"]))
            for b in data.get("buttons") or []
            if isinstance(b, dict) and b.get("payload")
        )
        return cls(text=str(data.get("text") or ""), buttons=buttons)


class RasaClient:
    """POSTs to ``{rasa_url}/webhooks/rest/webhook``; one instance (one connection pool) per
    process, opened and closed with the gateway."""

    def __init__(
        self,
        rasa_url: str,
        *,
        timeout: float = 9.0,
        attempts: int = 3,
        backoff: float = 0.5,
    ) -> None:
        self.url = f"{rasa_url.rstrip('/')}/webhooks/rest/webhook"
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.timeout = timeout
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=5.0))

    async def aclose(self) -> None:
        await self._client.aclose()

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[BotMessage]:
        """Rasa's answer to ``text`` from ``sender`` (a keyed hash) within `timeout` seconds;
        RasaUnavailable if none."""
        body = {"sender": sender, "message": text, "metadata": metadata}
        try:
            async with asyncio.timeout(self.timeout):
                return await self._attempts(body)
        except TimeoutError:
            logger.warning("rasa gave no answer within %.1f s", self.timeout)
            raise RasaUnavailable("timeout") from None

    async def _attempts(self, body: dict[str, Any]) -> list[BotMessage]:
        failure = "no attempt"
        for attempt in range(self.attempts):
            if attempt:
                await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                response = await self._client.post(self.url, json=body)
            except httpx.TimeoutException as exc:
                if isinstance(exc, httpx.ConnectTimeout):
                    failure = "connect timeout"
                    continue
                raise RasaUnavailable("timeout") from None
            except httpx.TransportError as exc:
                failure = type(exc).__name__
                continue
            if response.status_code in _RETRY_STATUSES:
                failure = f"HTTP {response.status_code}"
                continue
            if response.status_code != 200:
                raise RasaUnavailable(f"HTTP {response.status_code}")
            try:
                data = response.json()
            except ValueError:
                raise RasaUnavailable("not JSON") from None
            messages = [BotMessage.from_json(m) for m in data if isinstance(m, dict)]
            messages = [m for m in messages if m.text or m.buttons]
            if not messages:
                # An empty answer means an action failed (the action server is down, say):
                # the person must not be left without a word.
                raise RasaUnavailable("empty answer")
            return messages
        logger.warning("rasa unreachable after %d attempts: %s", self.attempts, failure)
        raise RasaUnavailable(failure)
