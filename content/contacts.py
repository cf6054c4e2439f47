"""The contacts the bot gives when it points to a person (the IOM office), read from
`data/contacts.yaml`.

One copy of each phone and e-mail, for every part that says them itself: the gateway's "try
again" reply today. Rasa's plain responses (domain.yml) and the orientation answers cannot read
this file; a test checks that every IOM contact they show is this one. Like the rest of
`content`, it knows no Rasa, web or channel, and imports nothing that holds a database.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

CONTACTS_FILE = Path(__file__).parent / "data" / "contacts.yaml"

Language = Literal["es", "en"]

_FIELDS = (
    "directory_id",
    "name_es",
    "name_en",
    "phone",
    "email",
    "url",
    "source",
    "retrieved",
)
_PHONE = re.compile(r"\+\d{1,3} \d[\d -]*\d")
_EMAIL = re.compile(r"[^@\s]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class ContactsFileError(ValueError):
    """The contacts file cannot be trusted; the message says where and why."""


@dataclass(frozen=True)
class Contact:
    """Who to reach, and how, as the bot says it."""

    id: str
    directory_id: str
    name_es: str
    name_en: str
    phone: str
    email: str
    url: str
    source: str
    retrieved: str

    def name(self, language: Language) -> str:
        return self.name_en if language == "en" else self.name_es

    def line(self, language: Language) -> str:
        """One line to append to a reply: "OIM Panamá: +507 305-3350, iompanama@iom.int"."""
        return f"{self.name(language)}: {self.phone}, {self.email}"


def load_contacts(path: Path = CONTACTS_FILE) -> dict[str, Contact]:
    """Every contact of the file, checked as a whole: a bad one stops them all."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ContactsFileError(f"{path.name}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("contacts"), dict):
        raise ContactsFileError(f"{path.name}: expected a top-level 'contacts:' mapping")
    return {
        str(key): _contact(f"{path.name}: contact {key!r}", str(key), value)
        for key, value in raw["contacts"].items()
    }


@functools.cache
def iom_contact() -> Contact:
    """The IOM Panama office: where the bot sends anyone it cannot help."""
    contacts = load_contacts()
    if "iom" not in contacts:
        raise ContactsFileError(f"{CONTACTS_FILE.name}: no 'iom' contact")
    return contacts["iom"]


def _contact(where: str, key: str, raw: Any) -> Contact:
    if not isinstance(raw, dict):
        raise ContactsFileError(f"{where}: expected a mapping with {', '.join(_FIELDS)}")
    unknown = sorted(str(k) for k in raw if k not in _FIELDS)
    if unknown:
        raise ContactsFileError(
            f"{where}: unknown field(s) {', '.join(unknown)}; allowed: {', '.join(_FIELDS)}"
        )
    values: dict[str, str] = {}
    for field in _FIELDS:
        value = raw.get(field)
        if not isinstance(value, str) or not value.strip():
            raise ContactsFileError(f"{where}: {field} is missing or empty")
        values[field] = value.strip()
    checks = (
        ("phone", _PHONE, "an international number such as +507 305-3350"),
        ("email", _EMAIL, "an e-mail address"),
        ("retrieved", _DATE, "a date as YYYY-MM-DD"),
    )
    for field, pattern, what in checks:
        if not pattern.fullmatch(values[field]):
            raise ContactsFileError(f"{where}: {field} must be {what}, got {values[field]!r}")
    if not values["url"].startswith("https://"):
        raise ContactsFileError(f"{where}: url must be an https:// link, got {values['url']!r}")
    return Contact(id=key, **values)
