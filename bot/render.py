"""Rasa's messages in each channel's own shapes and limits (pure functions, no I/O).

Why here and not in the channel modules: the limits are the part most likely to be wrong and
are easiest to test alone. Telegram counts a message's length in UTF-16 code units (an emoji
is two), WhatsApp in characters; both stop at 4096. WhatsApp reply buttons take at most 3
titles of 20 characters; a list takes 10 rows with 24-character titles and 72-character
descriptions, and an interactive message's body stops at 1024. When a title would be cut, the
list is used so the whole title can be read in the row's description.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from bot.rasa import Button

TELEGRAM_TEXT_LIMIT: Final = 4096
#: Telegram's callback_data holds 1-64 bytes.
TELEGRAM_CALLBACK_LIMIT: Final = 64
WHATSAPP_TEXT_LIMIT: Final = 4096
WHATSAPP_BODY_LIMIT: Final = 1024
WHATSAPP_MAX_BUTTONS: Final = 3
WHATSAPP_BUTTON_TITLE: Final = 20
WHATSAPP_BUTTON_ID: Final = 256
WHATSAPP_MAX_ROWS: Final = 10
WHATSAPP_ROW_TITLE: Final = 24
WHATSAPP_ROW_DESCRIPTION: Final = 72
WHATSAPP_ROW_ID: Final = 200
WHATSAPP_LIST_BUTTON: Final = 20


def utf16_length(text: str) -> int:
    """Telegram's measure of a text: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int, measure: Callable[[str], int] = len) -> list[str]:
    """``text`` in pieces of at most ``limit``, cut at a paragraph, a line or a space if any.

    Cutting between paragraphs keeps a service's address and phone together; a hard cut is
    the last resort (one unbroken "word" longer than the limit).
    """
    pieces: list[str] = []
    rest = text.strip()
    while rest:
        if measure(rest) <= limit:
            pieces.append(rest)
            break
        head = _longest_prefix(rest, limit, measure)
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = head.rfind(separator)
            if cut > 0:
                break
        if cut <= 0:
            cut = len(head)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return pieces or [""]


def _longest_prefix(text: str, limit: int, measure: Callable[[str], int]) -> str:
    """The longest prefix of ``text`` whose measure is at most ``limit`` (binary search)."""
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if measure(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return text[:low]


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when something was cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- Telegram -----------------------------------------------------------------------------------


def callback_token(payload: str) -> str:
    """A short stand-in for a payload too long for callback_data (kept by the gateway)."""
    return "~" + hashlib.sha256(payload.encode()).hexdigest()[:24]


def fits_callback(payload: str) -> bool:
    """Whether ``payload`` can travel as callback_data itself (and is not mistaken for a token)."""
    return 0 < len(payload.encode()) <= TELEGRAM_CALLBACK_LIMIT and not payload.startswith("~")


# --- WhatsApp -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WhatsAppPart:
    """One message to send: a plain text, or an interactive one (the ``interactive`` object)."""

    text: str | None = None
    interactive: dict[str, Any] | None = None

    def as_message(self) -> dict[str, Any]:
        """The message fields of a Cloud API request, without ``to`` and ``messaging_product``."""
        if self.interactive is not None:
            return {"type": "interactive", "interactive": self.interactive}
        return {"type": "text", "text": {"body": self.text or "", "preview_url": False}}


def whatsapp_parts(
    text: str, buttons: Sequence[Button], *, choose: str, options: str
) -> list[WhatsAppPart]:
    """One Rasa message as WhatsApp messages: texts, and the buttons as reply buttons or lists.

    ``choose`` is the body used when the text has all gone out before the buttons; ``options``
    labels a list's button. Several lists are sent when there are more than ten buttons.
    """
    if not buttons:
        return [WhatsAppPart(text=piece) for piece in split_text(text, WHATSAPP_TEXT_LIMIT)]
    parts: list[WhatsAppPart] = []
    body = text.strip()
    if len(body) > WHATSAPP_BODY_LIMIT:
        # the text goes first; the interactive message carries its last paragraph(s)
        pieces = split_text(body, WHATSAPP_BODY_LIMIT)
        body = pieces[-1]
        head = "\n\n".join(pieces[:-1])
        parts += [WhatsAppPart(text=p) for p in split_text(head, WHATSAPP_TEXT_LIMIT)]
    body = body or choose
    use_buttons = len(buttons) <= WHATSAPP_MAX_BUTTONS and all(
        len(b.title) <= WHATSAPP_BUTTON_TITLE and len(b.payload) <= WHATSAPP_BUTTON_ID
        for b in buttons
    )
    if use_buttons and len({b.title for b in buttons}) == len(buttons):
        parts.append(WhatsAppPart(interactive=_reply_buttons(body, buttons)))
        return parts
    usable = [b for b in buttons if len(b.payload) <= WHATSAPP_ROW_ID]
    for start in range(0, len(usable), WHATSAPP_MAX_ROWS):
        chunk = usable[start : start + WHATSAPP_MAX_ROWS]
        parts.append(
            WhatsAppPart(interactive=_list(body if start == 0 else choose, chunk, options))
        )
    return parts


def _reply_buttons(body: str, buttons: Sequence[Button]) -> dict[str, Any]:
    return {
        "type": "button",
        "body": {"text": body},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": b.payload, "title": b.title}} for b in buttons
            ]
        },
    }


def _list(body: str, buttons: Sequence[Button], options: str) -> dict[str, Any]:
    rows = []
    seen: set[str] = set()
    for button in buttons:
        if button.payload in seen:  # row ids must be unique in a list
            continue
        seen.add(button.payload)
        row = {"id": button.payload, "title": truncate(button.title, WHATSAPP_ROW_TITLE)}
        if len(" ".join(button.title.split())) > WHATSAPP_ROW_TITLE:
            row["description"] = truncate(button.title, WHATSAPP_ROW_DESCRIPTION)
        rows.append(row)
    return {
        "type": "list",
        "body": {"text": body},
        "action": {
            "button": truncate(options, WHATSAPP_LIST_BUTTON),
            "sections": [{"title": truncate(options, WHATSAPP_ROW_TITLE), "rows": rows}],
        },
    }
