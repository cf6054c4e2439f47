"""The gateway's internal endpoints the console calls (bot/server.py), over HTTP only: a reply,
what a WhatsApp reply would do now (the 24-hour window), and a closed handoff.

The sealed reply route goes through as the handoff row holds it: the console cannot open it
and never shows it.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx


class GatewayError(RuntimeError):
    """The gateway could not be reached or refused; the message is safe to show staff."""


@dataclass(frozen=True)
class Delivery:
    channel: str
    #: what went now: "text", "template" (WhatsApp outside the 24-hour window) or "nothing"
    sent: str
    #: the text is kept by the gateway until the person writes again (WhatsApp)
    held: bool


@dataclass(frozen=True)
class Window:
    """WhatsApp's 24-hour window for one person, as the gateway knows it now."""

    #: free text goes now
    open: bool
    #: outside the window an approved template goes (and the text waits); else only the wait
    template: bool
    #: texts already waiting for the person's next message
    held: int


class GatewayClient:
    def __init__(self, base_url: str, token: str, *, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def _post(self, path: str, body: dict[str, object]) -> dict[str, object]:
        if not self.token:
            raise GatewayError("GATEWAY_INTERNAL_TOKEN is not set")
        try:
            response = httpx.post(
                f"{self.base_url}{path}",
                json=body,
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            raise GatewayError(f"gateway unreachable ({type(exc).__name__})") from exc
        if response.status_code != 200:
            raise GatewayError(f"gateway answered {response.status_code}")
        data = response.json()
        return data if isinstance(data, dict) else {}

    def reply(self, *, route: str, language: str, text: str, conversation_key: str) -> Delivery:
        data = self._post(
            "/internal/handoff-reply",
            {
                "route": route,
                "language": language,
                "text": text,
                "conversation_key": conversation_key,
            },
        )
        return Delivery(
            str(data.get("channel", "")), str(data.get("sent", "nothing")), bool(data.get("held"))
        )

    def window(self, conversation_key: str) -> Window:
        """What a reply to this WhatsApp conversation would do now (shown before sending)."""
        data = self._post("/internal/handoff-window", {"conversation_key": conversation_key})
        held = data.get("held")
        return Window(
            bool(data.get("open")), bool(data.get("template")), held if isinstance(held, int) else 0
        )

    def closed(self, conversation_key: str) -> None:
        self._post("/internal/handoff-closed", {"conversation_key": conversation_key})
