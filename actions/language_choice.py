"""Which language the conversation should be in after a message.

Plain logic, kept out of the action so it can be tested without a tracker.
"""

from __future__ import annotations

import re

from text import fold

SUPPORTED = ("es", "en")
# the detector's confidence a message needs to switch a conversation's language: a first
# message only has to be unambiguous, but a conversation in one language does not flip on a
# message that is only probably the other ("I live in Bella Vista mall area ok")
SURE_SWITCH = 0.9

_NAMES = {
    "en": re.compile(r"\b(ingles|english|englis|inglish|engl)\b"),
    "es": re.compile(r"\b(espanol|spanish|castellano|espanish|spanich)\b"),
}
_NEGATION = re.compile(r"\b(no|not|dont|don t|do not|cannot|can t|cant)\b")


def _plain(text: str) -> str:
    """Lower case, no accents; clause breaks become "|" and other punctuation spaces."""
    return re.sub(r"[^\w\s|]", " ", re.sub(r"[,.;:!?¡¿]", " | ", fold(text)))


def requested_language(text: str, current: str | None) -> str:
    """The language asked for in a `change_language` message.

    "english please" -> en; "no hablo español" / "i don't speak spanish" -> the other one;
    no language named -> switch to the other one.
    """
    plain = _plain(text)
    named = [(code, m) for code, pattern in _NAMES.items() if (m := pattern.search(plain))]
    if len(named) != 1:
        return other(current or "es")
    code, match = named[0]
    clause = plain[: match.start()].rsplit("|", 1)[-1]  # "no, en ingles" is not a negation
    if _NEGATION.search(clause):
        return other(code)
    return code


def other(code: str) -> str:
    return "en" if code == "es" else "es"


def conversation_language(
    *,
    intent: str | None,
    text: str,
    detected: str | None,
    ambiguous: bool,
    current: str | None,
    hint: str | None = None,
    confidence: float | None = None,
) -> str | None:
    """The conversation's language after this message, or None to leave it as it is.

    An explicit request wins; otherwise a clear message sets the language and an ambiguous
    one ("ok", "Herrera", an emoji, a "/start") keeps it. When there is no language yet, the
    channel's hint (Telegram's `language_code`, passed by the gateway) decides an ambiguous
    first message. A message in the other language switches the conversation only when the
    detector is sure of it (`SURE_SWITCH`); a parse without a confidence counts as sure.
    """
    if intent == "change_language":
        return requested_language(text, current)
    if detected in SUPPORTED and not ambiguous:
        unsure = confidence is not None and confidence < SURE_SWITCH
        if current in SUPPORTED and detected != current and unsure:
            return None
        return detected
    if current is None and hint in SUPPORTED:
        return hint
    return None
