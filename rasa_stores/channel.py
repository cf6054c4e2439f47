"""Rasa's REST channel, at the same address, saying "try again" when the tracker store is down.

The only change to Rasa's `RestInput`: each message is handled inside a `Turn`
(rasa_stores/tracker_store.py). When the tracker store could not be read during the turn, or
the turn failed (Redis down: the lock store cannot issue a ticket), the answer Rasa collected
(nothing) is replaced by the gateway's own "unavailable" text (bot/texts.py: try again in a
few minutes, the IOM contact, 911), in both languages, Spanish first, as the gateway says it
without a language hint.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput

from bot.texts import text
from rasa_stores.tracker_store import TURN, Turn

logger = logging.getLogger(__name__)


class ProductionRestInput(RestInput):
    """`RestInput` (/webhooks/rest/webhook) with the tracker store's failure answered."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Any:
        async def guarded(message: UserMessage) -> None:
            await handle_turn(on_new_message, message)

        return super().blueprint(guarded)


async def handle_turn(
    on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage
) -> Turn:
    """Rasa's handling of one message inside a `Turn`; its answer replaced when the tracker
    store could not be read."""
    turn = Turn()
    token = TURN.set(turn)
    try:
        await on_new_message(message)
    except Exception as exc:
        # Rasa's channel would log the failure with the person's text (rest.message.received.
        # failure): only the kind is logged here, and the person is told to try again.
        logger.error("turn failed (%s.%s): answered 'try again'", type(exc).__module__,
                     type(exc).__name__)  # fmt: skip
        turn.unavailable = True
    finally:
        TURN.reset(token)
    if turn.unavailable and isinstance(message.output_channel, CollectingOutputChannel):
        message.output_channel.messages[:] = [
            {"recipient_id": message.sender_id, "text": text("unavailable", None)}
        ]
    return turn
