"""Scrub personal data from text, key conversations by a keyed hash, and keep both out of logs.

Why this module exists: the people this assistant serves are vulnerable, and the design
(DESIGN.md, "Data protection and safety") forbids keeping phone numbers, e-mail addresses,
document numbers or channel user ids at rest, including in log files. Everything that writes a
summary, a handoff note or a log line goes through here.

The rule every detector follows: losing a number in a summary is acceptable, keeping a document
number is not. So when a token is ambiguous (a date written 12-05-2025, an amount written
1.500.000) it is redacted, and a final sweep removes any run of seven or more digits that no
detector recognised. Redaction is a safety net, not a licence: free text can still carry names
and places, so callers keep free text only where a person agreed to a handoff.
"""

from __future__ import annotations

import enum
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers
from phonenumbers import Leniency

__all__ = [
    "Kind",
    "Redaction",
    "RedactingFilter",
    "redact",
]


class Kind(str, enum.Enum):
    """What a placeholder stands for; the value is the placeholder's text without brackets.

    The placeholders are language-neutral so that one summary reads the same for a Spanish- or
    English-speaking caseworker, and so that they contain no digit a later detector could match.
    """

    PHONE = "PHONE"
    EMAIL = "EMAIL"
    DOCUMENT = "DOCUMENT"

    @property
    def placeholder(self) -> str:
        """The text that replaces a value of this kind, e.g. ``[PHONE]``."""
        return f"[{self.value}]"


@dataclass(frozen=True)
class Redaction:
    """The scrubbed text and which kinds of personal data were removed.

    It deliberately holds no removed value: a Redaction may be logged, stored or shown without
    leaking what it replaced.
    """

    text: str
    kinds: frozenset[Kind]

    @property
    def changed(self) -> bool:
        """Whether anything was removed (e.g. to tell the person their number was not kept)."""
        return bool(self.kinds)

    def __str__(self) -> str:
        return self.text


# --- detectors --------------------------------------------------------------------------------
# They run in this order on the text left by the previous one. E-mails go first because their
# local part may be all digits (WhatsApp ids look like 50760000000@s.whatsapp.net); document
# patterns go before phones so that a cédula such as 8-123-4567, which is also a possible phone
# number, is reported as a document; the digit sweep goes last as the net for everything else.

_EMAIL = re.compile(
    r"""
    (?<![\w.%+-])[\w.%+-]+                      # local part (Unicode letters allowed)
    (?:
        \s?@\s?[\w-]+(?:\.[\w-]+)*              # user@example.org, even user@gmail
      | \s?(?:\((?:at|arroba)\)|\[(?:at|arroba)\]|\sarroba\s)\s?   # user (at) example . org
        [\w-]+(?:(?:\.|\s?[(\[]dot[)\]]\s?|\s(?:punto|dot)\s)[\w-]+)+
    )
    """,
    re.IGNORECASE | re.VERBOSE,
)

# Panamanian cédula: province (1-13, optionally AV "antes de la vigencia" or PI "indígena"),
# or E (foreigner), N (naturalised), PE (Panamanian born abroad); then tomo and asiento.
# A bare province needs hyphens (so "tengo 3 hijos 2 5" is not a cédula); a letter prefix may
# also be written with spaces ("E 8 123456"). A date written 12-05-2025 matches too: accepted.
_CEDULA = re.compile(
    r"""
    (?<![\w-])
    (?:
        (?:1[0-3]|0?[1-9])(?:\s?(?:AV|PI))?\s?[-–]\s?\d{1,4}\s?[-–]\s?\d{1,6}
      | (?:PE|E|N)\s?[-–\s]\s?\d{1,4}\s?[-–\s]\s?\d{1,6}
    )
    (?!\d)
    """,
    re.IGNORECASE | re.VERBOSE,
)

# Venezuelan cédula: V (national) or E (foreign) then 6-9 digits, plain or dotted:
# V-12345678, V12.345.678, E 81234567, V-123.456.
_VENEZUELA = re.compile(
    r"(?<![\w-])[VE]\s?[-.]?\s?(?:\d{1,3}(?:\.\d{3}){2}|\d{3}\.\d{3}|\d{6,9})(?!\d)",
    re.IGNORECASE,
)

# Words that announce an identifying number. Followed (after a few filler words) by a token with
# five or more digits, that token is a document whatever its shape: "pasaporte: AB 12345",
# "CC 1.234.567.890", "my refugee ID is 123456", "expediente 2024-00123".
_KEYWORD = (
    r"pasaportes?|passports?|c[eé]dulas?|dni|d\.n\.i\.?|c\.\s?i\.|ci|c\.\s?c\.|cc|c\.\s?e\.|ce"
    r"|documentos?|documents?|doc|carn[eé]t?s?|ids?|identidad|identificaci[oó]n"
    r"|identification|identity|expedientes?|solicitud|caso|case|file|permiso|permit|visa"
    r"|residencia|residence|ruc|nit|rut|nie|nuip|ssn|folio|registro|seguro\s+social"
    r"|social\s+security"
)
_FILLER = (
    r"n[uú]mero|number|num|nro|no|n[º°o]|es|is|son|are|was|era|el|la|los|las|de|del|mi|mis|my"
    r"|of|the|su|your|tu|identidad|identity|refugiad[oa]|refugee|residente|resident|personal"
    r"|nacional|national|extranjer[oa]|foreign|venezolan[oa]|venezuelan|colombian[oa]|colombian"
    r"|paname[ñn][oa]|panamanian"
)
# One separator character or one filler word per repetition, at most 12: bounded and without
# nested quantifiers, so a long run of spaces cannot make the regex backtrack badly.
_KEYWORD_VALUE = re.compile(
    rf"""
    (?<!\w)(?:{_KEYWORD})(?!\w)
    (?:[\s:#.,=()º°-]|(?<!\w)(?:{_FILLER})(?!\w)){{0,12}}
    (?P<value>[A-Za-z]{{0,3}}[-.\s]?\d(?:[\s.\-–]?\d){{4,}}(?:[A-Za-z](?!\w))?)
    """,
    re.IGNORECASE | re.VERBOSE,
)

# Passport-like: one to three letters then six to nine digits ("X0000000", "AB-123456"), or the
# same in capitals with a space ("AB 123456"); lower-case with a space would hit "de 150000".
_PASSPORT = re.compile(r"(?<![\w-])(?:[A-Za-z]{1,3}-?\d{6,9}|[A-Z]{1,3} \d{6,9})(?![\w-])")

# The net: any run of seven or more digits, with up to two separators between digits
# ("12 345 678", "(507)6000 0000", "1.234.567"). Slashes are not separators, so dates written
# 12/05/2025 survive. A single letter glued to the end (a check letter) goes with the run.
_DIGIT_RUN = re.compile(r"(?<!\d)\d(?:[\s.\-–()]{0,2}\d){6,}(?:[A-Za-z](?!\w))?")

_Detector = Callable[[str, str], tuple[str, int]]


def _substitute(pattern: re.Pattern[str], kind: Kind) -> _Detector:
    """A detector replacing every whole match of ``pattern`` by ``kind``'s placeholder."""

    def detect(text: str, region: str) -> tuple[str, int]:
        return pattern.subn(kind.placeholder, text)

    return detect


def _substitute_group(pattern: re.Pattern[str], group: str, kind: Kind) -> _Detector:
    """Like `_substitute`, but only ``group`` is replaced: the announcing word stays readable."""

    def replace(match: re.Match[str]) -> str:
        whole = match.group(0)
        start, end = match.start(group) - match.start(0), match.end(group) - match.start(0)
        return whole[:start] + kind.placeholder + whole[end:]

    def detect(text: str, region: str) -> tuple[str, int]:
        return pattern.subn(replace, text)

    return detect


def _phones(text: str, region: str) -> tuple[str, int]:
    """Replace phone numbers found by libphonenumber's matcher.

    Leniency POSSIBLE (right length for the region or the +country code) rather than VALID:
    it also catches numbers written in another country's domestic form, such as a Venezuelan
    0412-1234567 or a Colombian 300 123 4567 typed without the +country code. Small numbers
    (911, 147, "3 hijos") and dates with slashes are too short or badly shaped to match.
    """
    matches = list(phonenumbers.PhoneNumberMatcher(text, region, leniency=Leniency.POSSIBLE))
    for match in reversed(matches):
        text = text[: match.start] + Kind.PHONE.placeholder + text[match.end :]
    return text, len(matches)


_DETECTORS: tuple[tuple[Kind, _Detector], ...] = (
    (Kind.EMAIL, _substitute(_EMAIL, Kind.EMAIL)),
    (Kind.DOCUMENT, _substitute(_CEDULA, Kind.DOCUMENT)),
    (Kind.DOCUMENT, _substitute(_VENEZUELA, Kind.DOCUMENT)),
    (Kind.DOCUMENT, _substitute_group(_KEYWORD_VALUE, "value", Kind.DOCUMENT)),
    (Kind.DOCUMENT, _substitute(_PASSPORT, Kind.DOCUMENT)),
    (Kind.PHONE, _phones),
    (Kind.DOCUMENT, _substitute(_DIGIT_RUN, Kind.DOCUMENT)),
)


def redact(text: str, region: str = "PA") -> Redaction:
    """Return ``text`` with phone numbers, e-mail addresses and document numbers replaced.

    ``region`` is the ISO country whose domestic phone formats are assumed for numbers written
    without a +country code: Panama by default, where the people served live now.
    """
    # Every detector needs a digit, or an "@"/"arroba"/"(at)" for e-mails: skipping text without
    # them keeps the logging filter cheap on the many log lines that carry no personal data.
    if not any(ch.isdigit() for ch in text) and not _may_hold_email(text):
        return Redaction(text=text, kinds=frozenset())
    found: set[Kind] = set()
    for kind, detect in _DETECTORS:
        text, count = detect(text, region)
        if count:
            found.add(kind)
    return Redaction(text=text, kinds=frozenset(found))


def _may_hold_email(text: str) -> bool:
    """Cheap pre-check for the e-mail detector, which is the only one not needing a digit."""
    if "@" in text:
        return True
    lowered = text.lower()
    return "arroba" in lowered or "(at)" in lowered or "[at]" in lowered


# --- logging ----------------------------------------------------------------------------------

_STANDARD_RECORD_FIELDS = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None))
) | {"message", "asctime"}


class RedactingFilter(logging.Filter):
    """Redact every log record that passes, so no log file keeps a phone, e-mail or document.

    Attach it to handlers (``handler.addFilter(RedactingFilter())``), not only to loggers: a
    logger's filters do not see records propagated from child loggers, a handler's do. The
    message is formatted with its arguments and redacted as a whole (an argument alone may not
    look like a phone number once split from its text); the record then carries the redacted
    text and no arguments. Tracebacks, stack info and string fields given through ``extra=``
    are redacted too. The record is changed in place, so every later handler sees the clean
    version. It never drops a record.
    """

    def __init__(self, name: str = "", region: str = "PA") -> None:
        super().__init__(name)
        self.region = region

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the record's message (and traceback) by its redacted form; keep the record."""
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not let its arguments through unredacted
            message = f"{record.msg!s} {record.args!r}"
        record.msg = self._clean(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        if record.stack_info:
            record.stack_info = self._clean(record.stack_info)
        for field, value in list(vars(record).items()):
            if field not in _STANDARD_RECORD_FIELDS and isinstance(value, str):
                setattr(record, field, self._clean(value))
        return True

    def _clean(self, text: str) -> str:
        return redact(text, self.region).text
