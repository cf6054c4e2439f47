"""The action server's settings of its peers, and its own small clients of them.

Where Rasa and the gateway are, and the token of the gateway's internal endpoints, are read
here and nowhere else in actions/ (the secrets are checked at start by privacy/keys.py, from
scripts/run-actions).

The actions reach the gateway only over HTTP (its internal endpoints, behind
GATEWAY_INTERNAL_TOKEN), never by importing it: the gateway is a process of its own, open to
the internet, and holds no data.
"""

from __future__ import annotations

import logging
import os

import httpx

logger = logging.getLogger(__name__)

#: Seconds for a call the person does not wait for (the answer has gone already).
BACKGROUND_TIMEOUT = 5.0


def rasa_url() -> str:
    """RASA_URL, else Rasa on this machine: erasure empties the tracker through Rasa's API."""
    return os.environ.get("RASA_URL", "").strip().rstrip("/") or "http://127.0.0.1:5005"


def gateway_url() -> str:
    """GATEWAY_URL, else the gateway on this machine (127.0.0.1, GATEWAY_PORT or 8081)."""
    url = os.environ.get("GATEWAY_URL", "").strip().rstrip("/")
    return url or f"http://127.0.0.1:{os.environ.get('GATEWAY_PORT', '').strip() or 8081}"


def gateway_token() -> str:
    return os.environ.get("GATEWAY_INTERNAL_TOKEN", "").strip()


async def drop_held_replies(conversation_key: str) -> bool:
    """Ask the gateway to forget caseworker texts it holds for this person (WhatsApp, outside
    the 24-hour window): after an erasure nothing of theirs may go out. True when the gateway
    confirmed; False (logged, never raised) when it is not configured or not reachable, which
    loses nothing: held texts live only in the gateway's memory."""
    token = gateway_token()
    if not token:
        return False
    try:
        async with httpx.AsyncClient(timeout=BACKGROUND_TIMEOUT) as client:
            response = await client.post(
                f"{gateway_url()}/internal/handoff-closed",
                json={"conversation_key": conversation_key},
                headers={"Authorization": f"Bearer {token}"},
            )
        response.raise_for_status()
    except httpx.HTTPError as exc:
        logger.warning("held replies not dropped at the gateway: %s", type(exc).__name__)
        return False
    return True
