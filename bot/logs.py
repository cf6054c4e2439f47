"""Logging for the gateway process: nothing personal and no secret reaches a log line.

The gateway's own lines carry only event kinds and a prefix of the person key. Two filters on
the handler are the net under that: `RedactingFilter` (phones, e-mails, document numbers, long
digit runs such as chat ids) and `SecretsFilter` (the bot token is part of every Bot API URL,
and an HTTP error can quote its URL). Libraries that log requests or payloads at INFO/DEBUG
(httpx, httpcore, python-telegram-bot's Bot, uvicorn's access log) are held at WARNING.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import TextIO

from privacy.redact import RedactingFilter

#: loggers that put URLs (with the bot token) or request bodies in their INFO/DEBUG lines
_QUIET = ("httpx", "httpcore", "hpack", "uvicorn.access", "telegram.Bot", "telegram.ext.ExtBot")
#: python-telegram-bot logs whole updates (text, ids) at DEBUG: never below INFO
_NEVER_DEBUG = ("telegram", "uvicorn", "asyncio")


class SecretsFilter(logging.Filter):
    """Replaces each configured secret (tokens, app secret) by ``[SECRET]`` in every record."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        exc_text = record.exc_text
        if record.exc_info and not exc_text:
            exc_text = logging.Formatter().formatException(record.exc_info)
        for secret in self.secrets:
            message = message.replace(secret, "[SECRET]")
            if exc_text:
                exc_text = exc_text.replace(secret, "[SECRET]")
        record.msg, record.args = message, None
        if exc_text:
            record.exc_text = exc_text
        return True


def configure(
    secrets: Iterable[str] = (), level: int = logging.INFO, stream: TextIO | None = None
) -> logging.Handler:
    """Send the process's logs to ``stream`` (stderr) through both filters; returns the handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SecretsFilter(secrets))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in _NEVER_DEBUG:
        logging.getLogger(name).setLevel(max(level, logging.INFO))
    return handler
