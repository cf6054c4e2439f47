"""Names a person gives of themselves ("me llamo Ana Pérez", "my name is John"), replaced.

Why apart from `redact`: a name has no shape a pattern can know, so only the words that
announce it find it. `redact` runs on summaries and log lines where an announced name is rare
and a false hit costs a caseworker a word; the tracker store (rasa_stores/) runs both on
everything a conversation says, where a kept name would be a person's data at rest.
The rule is the scrubber's: a name lost from a sentence is acceptable, a name kept is not, so
up to four words after the announcing words go, whatever their case.
"""

from __future__ import annotations

import re

NAME_PLACEHOLDER = "[NAME]"

# Words that end a name rather than continue it ("me llamo Ana y vivo en Colón").
_STOP = (
    r"y|e|and|but|pero|from|de|desde|soy|i|im|i'm|am|tengo|have|vivo|live|estoy|necesito|need"
    r"|quiero|want|want|en|in|con|with|mi|my|es|is|el|la|the|a|to|para|por|for|que|who|and"
)
_NAME = re.compile(
    rf"""
    (?P<lead>(?<!\w)(?:me\s+llamo|mi\s+nombre\s+es|my\s+name\s+is|my\s+name's|i\s+am\s+called
      |i'm\s+called|me\s+dicen|ll[aá]mame|nombre\s*:|name\s*:)[\s:,-]*)
    (?P<name>(?!(?:{_STOP})(?!\w))[^\W\d_][\w'’-]*
      (?:\s+(?!(?:{_STOP})(?!\w))[^\W\d_][\w'’-]*){{0,3}})
    """,
    re.IGNORECASE | re.VERBOSE,
)


def redact_names(text: str) -> tuple[str, int]:
    """``text`` with every announced name replaced by ``[NAME]``, and how many there were."""
    if not text:
        return text, 0
    return _NAME.subn(lambda m: m.group("lead") + NAME_PLACEHOLDER, text)
