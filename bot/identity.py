"""Who is writing, as the rest of the system may know them: keyed hashes, never channel ids.

Two keys stand for a person. The *sender* is what Rasa is given (HMAC of ``channel:user_id``):
Rasa and its tracker store never see a phone number or a Telegram id. The *person key* is what
the action server stores in the referral log and on a handoff: it hashes the sender once more
(``actions/context.py``, channel "rasa"), so the gateway computes the same value for a
caseworker's reply: it keys the texts held for the person and checks that a sealed route is the
route of the handoff's conversation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from privacy.keys import conversation_key

Channel = Literal["telegram", "whatsapp"]

_HEX_AS_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


@dataclass(frozen=True)
class Person:
    """A person on a channel, by keys only; the channel id stays with the caller."""

    channel: Channel
    sender: str
    key: str

    @property
    def short(self) -> str:
        """The person key's first 12 hex digits written as letters (0-9a-f as a-p), enough to
        follow one conversation through the logs. Letters, because the log filter takes any
        run of seven digits for a phone or document number and would blank a hex prefix."""
        return self.key[:12].translate(_HEX_AS_LETTERS)


def person(channel: Channel, user_id: str | int, secret: bytes) -> Person:
    """The keys of ``user_id`` on ``channel`` (the same secret as the action server's)."""
    sender = conversation_key(channel, str(user_id), secret)
    return Person(channel=channel, sender=sender, key=conversation_key("rasa", sender, secret))
