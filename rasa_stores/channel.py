"""Rasa's REST channel, at the same address, that never leaves a person without a reply.

The only change to Rasa's `RestInput`: each message is handled inside a `Turn`
(rasa_stores/tracker_store.py), bounded in time. Rasa Open Source waits for the action server
for up to five minutes (its `DEFAULT_REQUEST_TIMEOUT`): with the action server's worker killed
behind a listener still open, or stopped, the person heard nothing for minutes. Here:

* the turn has `RASA_TURN_TIMEOUT` seconds (7 by default: the gateway gives Rasa 9, the person
  is promised a reply within 10). When they run out, Rasa's handling is cancelled: the
  messages it had already sent (an emergency's numbers come before the follow-up action) are
  kept and the "unavailable" text is added. Rasa saves a tracker only at the end of its
  handling, so a cancelled turn writes nothing and the conversation resumes where it was; the
  lock's `finally` gives the ticket back.
* when the tracker store could not be read during the turn, or the turn failed (Redis down: the
  lock store cannot issue a ticket), the answer Rasa collected (nothing) is replaced by the
  "unavailable" text.
* a turn that ends with nothing to say gets the "unavailable" text too: Rasa logs a custom
  action that failed (the action server refused the call: killed, restarting) and goes on
  without a word, and every answer of this bot says something.

The "unavailable" text is the gateway's own (bot/texts.py: try again in a few minutes, the IOM
contact, 911), in both languages, Spanish first, as the gateway says it without a language
hint. Both profiles use this channel (credentials.yml, credentials.production.yml).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import response as sanic_response

from bot.texts import text
from rasa_stores import action_validation
from rasa_stores.tracker_store import TURN, Turn

logger = logging.getLogger(__name__)

# Rasa loads this module in both profiles: its check of the action server's answers is
# compiled once here (rasa_stores/action_validation.py: 65 % of Rasa's time before)
action_validation.install()

#: seconds a turn may take before the person is told to try again (RASA_TURN_TIMEOUT)
DEFAULT_TURN_TIMEOUT = 7.0


def turn_timeout() -> float:
    """RASA_TURN_TIMEOUT, else 7 s; a value that is not a positive number is refused at start."""
    raw = os.environ.get("RASA_TURN_TIMEOUT", "").strip()
    if not raw:
        return DEFAULT_TURN_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"RASA_TURN_TIMEOUT must be a number of seconds, not {raw!r}") from None
    if value <= 0:
        raise ValueError("RASA_TURN_TIMEOUT must be above 0")
    return value


class GuardedRestInput(RestInput):
    """`RestInput` (/webhooks/rest/webhook) with every turn bounded and its failure answered."""

    def __init__(self) -> None:
        super().__init__()
        self.timeout = turn_timeout()

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Any:
        async def guarded(message: UserMessage) -> None:
            await handle_turn(on_new_message, message, timeout=self.timeout)

        webhook = super().blueprint(guarded)

        @webhook.middleware("request")  # type: ignore[misc]
        async def an_object_or_400(request: Any) -> Any:
            # Rasa's RestInput reads `request.json.get(...)`: a body that is JSON but not an
            # object ([], "x", nothing) was an AttributeError, answered 500
            if request.method == "POST" and request.path.endswith("/webhook"):
                problem = body_problem(request.json)
                if problem:
                    return sanic_response.json({"error": problem}, status=400)
            return None

        return webhook


def body_problem(body: Any) -> str | None:
    """Why a REST channel body cannot be a message, or None: it must be a JSON object."""
    if not isinstance(body, dict):
        return 'the body must be a JSON object: {"sender": "...", "message": "..."}'
    return None


#: the name the production credentials used first
ProductionRestInput = GuardedRestInput


async def handle_turn(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    message: UserMessage,
    *,
    timeout: float = DEFAULT_TURN_TIMEOUT,
) -> Turn:
    """Rasa's handling of one message inside a `Turn` of at most ``timeout`` seconds; its
    answer replaced (store down) or completed (time out) by the "unavailable" text."""
    turn = Turn()
    token = TURN.set(turn)
    timed_out = False
    try:
        await asyncio.wait_for(on_new_message(message), timeout)
    except asyncio.TimeoutError:  # not yet the builtin TimeoutError on Rasa's Python 3.10
        logger.error("turn took over %.1f s (action server down?): answered 'try again'", timeout)
        timed_out = True
    except Exception as exc:
        # Rasa's channel would log the failure with the person's text (rest.message.received.
        # failure): only the kind is logged here, and the person is told to try again.
        logger.error("turn failed (%s.%s): answered 'try again'", type(exc).__module__,
                     type(exc).__name__)  # fmt: skip
        turn.unavailable = True
    finally:
        TURN.reset(token)
    if not isinstance(message.output_channel, CollectingOutputChannel):
        return turn
    said = message.output_channel.messages
    unavailable = {"recipient_id": message.sender_id, "text": text("unavailable", None)}
    if turn.unavailable:
        said[:] = [unavailable]
    elif timed_out or not said:
        said.append(unavailable)  # what went out before (the emergency numbers) stays
        turn.unavailable = True
    return turn
