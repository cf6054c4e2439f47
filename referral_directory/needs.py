"""Which service types a message asks for plainly: food, a shelter, clothes.

"donde dan comida", "necesito un albergue", "where can I get food", "ropa para mis hijos": a
find_service message that names a basic need rather than a topic. `types_for` returns the
directory service types such a message asks for (none when it names no need), so that the offer
is searched for those types instead of every type. The words are data (`data/needs.yaml`), in
Spanish and English, compared folded (`text.fold`) as whole words; clothing has no service type
of its own and is searched as food (see the file).

Pure: the same text gives the same types; the file is read once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

import yaml

from referral_directory.models import SERVICE_TYPES
from text import fold

NEEDS_FILE: Final = Path(__file__).resolve().parent / "data" / "needs.yaml"
LANGUAGES: Final = ("es", "en")
_WORD = re.compile(r"\w+")


class NeedsFileError(ValueError):
    """The needs file cannot be used as it is."""


@dataclass(frozen=True)
class Need:
    """A basic need, the service type that meets it, and the folded phrases that ask for it."""

    name: str
    service_type: str
    phrases: frozenset[tuple[str, ...]]


def words(text: str) -> tuple[str, ...]:
    """The words of a text as they are compared: folded, without punctuation."""
    return tuple(_WORD.findall(fold(text)))


def load_needs(path: Path = NEEDS_FILE) -> tuple[Need, ...]:
    """The needs of a needs file, in its order; NeedsFileError says what is wrong with it."""
    data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    needs = data.get("needs") if isinstance(data, dict) else None
    if not isinstance(needs, dict) or not needs:
        raise NeedsFileError(f"{path.name}: no `needs` mapping")
    out: list[Need] = []
    owner: dict[tuple[str, ...], str] = {}
    for name, item in needs.items():
        where = f"{path.name}: need {name!r}"
        if not isinstance(item, dict) or set(item) != {"type", *LANGUAGES}:
            raise NeedsFileError(f"{where}: give exactly type, {', '.join(LANGUAGES)}")
        if item["type"] not in SERVICE_TYPES:
            raise NeedsFileError(f"{where}: {item['type']!r} is not a service type")
        phrases: set[tuple[str, ...]] = set()
        for language in LANGUAGES:
            listed = item[language]
            if not isinstance(listed, list) or not listed:
                raise NeedsFileError(f"{where}: no {language} words")
            for phrase in listed:
                key = words(str(phrase))
                if not key:
                    raise NeedsFileError(f"{where}: {phrase!r} has no word")
                other = owner.setdefault(key, str(name))
                if other != name and needs[other]["type"] != item["type"]:
                    raise NeedsFileError(f"{where}: {phrase!r} is also a word of {other!r}")
                phrases.add(key)
        out.append(Need(str(name), str(item["type"]), frozenset(phrases)))
    return tuple(out)


@cache
def _needs() -> tuple[Need, ...]:
    return load_needs()


def _has(message: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(message[i : i + n] == phrase for i in range(len(message) - n + 1))


def needs_in(text: str, needs: tuple[Need, ...] | None = None) -> list[str]:
    """The names of the needs a message asks for ("food", "clothing"), in the file's order."""
    message = words(text)
    return [n.name for n in needs or _needs() if any(_has(message, p) for p in n.phrases)]


def types_for(text: str, needs: tuple[Need, ...] | None = None) -> list[str]:
    """The service types a message asks for plainly, each once, in the file's order: ["food"]
    for "¿dónde dan comida?" and for "ropa para mis hijos", ["shelter"] for "necesito un
    albergue", [] when it names no basic need."""
    catalogue = needs or _needs()
    wanted = set(needs_in(text, catalogue))
    return list(dict.fromkeys(n.service_type for n in catalogue if n.name in wanted))
