"""The WhatsApp Cloud API's messages endpoint, the one call the gateway makes to Meta.

``POST {WHATSAPP_GRAPH_URL}/{phone_number_id}/messages`` with the access token as a bearer
token. Sends wait for the limiter (per person and overall); when Meta says "too many" (HTTP 429,
or error 130429 throughput / 131056 pair rate) the send is retried twice after a pause. Errors
are reported by Meta's code only: its messages can quote what was sent.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final

import httpx

from bot.ratelimit import RateLimiter, whatsapp_limiter
from bot.settings import WhatsAppSettings

logger = logging.getLogger(__name__)

_THROTTLED: Final = frozenset({130429, 131056, 80007})
_PAUSES: Final = (1.0, 4.0)


class WhatsAppError(RuntimeError):
    """Meta refused a message; ``code`` is Meta's error code (e.g. 131047: outside the window)."""

    def __init__(self, status: int, code: int | None) -> None:
        super().__init__(f"WhatsApp Cloud API error: HTTP {status}, code {code}")
        self.status = status
        self.code = code


class CloudApi:
    """Sends messages as the configured business phone number."""

    def __init__(self, settings: WhatsAppSettings, limiter: RateLimiter | None = None) -> None:
        self.url = f"{settings.graph_url}/{settings.phone_number_id}/messages"
        self.limiter = limiter or whatsapp_limiter()
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(20.0, connect=5.0),
            headers={"Authorization": f"Bearer {settings.token}"},
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def send(self, to: str, message: dict[str, Any]) -> str | None:
        """Send ``message`` (the type-specific fields) to ``to``; Meta's message id back."""
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}
        body.update(message)
        for attempt in range(len(_PAUSES) + 1):
            await self.limiter.acquire(to)
            response = await self._client.post(self.url, json=body)
            if response.is_success:
                messages = response.json().get("messages") or [{}]
                message_id = messages[0].get("id")
                return str(message_id) if message_id else None
            code = _error_code(response)
            if (response.status_code == 429 or code in _THROTTLED) and attempt < len(_PAUSES):
                logger.warning("whatsapp throttled (code %s): retrying", code)
                await asyncio.sleep(_PAUSES[attempt])
                continue
            raise WhatsAppError(response.status_code, code)
        raise AssertionError("unreachable")  # pragma: no cover

    async def send_text(self, to: str, body: str) -> str | None:
        return await self.send(to, {"type": "text", "text": {"body": body, "preview_url": False}})

    async def send_template(self, to: str, name: str, language: str) -> str | None:
        """An approved template (no parameters): the only message allowed outside the window."""
        return await self.send(
            to, {"type": "template", "template": {"name": name, "language": {"code": language}}}
        )


def _error_code(response: httpx.Response) -> int | None:
    try:
        code = response.json().get("error", {}).get("code")
    except (ValueError, AttributeError):
        return None
    return code if isinstance(code, int) else None
