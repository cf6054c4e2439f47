"""Phrase tables that name something in a message: the facet of a follow-up
(data/facet_cues.yaml) and the topics of a long message (data/topic_cues.yaml).

A phrase matches whole words of the message, compared folded (lower case, no accents), in
either language. Pure: the same text gives the same answer; each file is read once by its user.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path
from typing import Any

import yaml

from text import fold

_WORD = re.compile(r"\w+")
Phrases = tuple[tuple[str, ...], ...]


class CuesError(ValueError):
    """A cue file cannot be used as it is."""


def cue_words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(fold(text)))


def read_cues(
    path: Path, section: str, kind: str, allowed: Collection[str]
) -> tuple[tuple[str, Phrases], ...]:
    """(name, the folded phrases that name it) in the file's order, both languages together."""
    raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    table = raw.get(section) if isinstance(raw, dict) else None
    if not isinstance(table, dict) or not table:
        raise CuesError(f"{path.name}: expected a '{section}:' mapping")
    out = []
    for name, languages in table.items():
        if name not in allowed:
            raise CuesError(f"{path.name}: unknown {kind} {name!r}; {section}: {tuple(allowed)}")
        if not isinstance(languages, dict) or set(languages) != {"es", "en"}:
            raise CuesError(f"{path.name}: {name}: needs 'es' and 'en' lists")
        phrases = [cue_words(str(p)) for lang in ("es", "en") for p in languages[lang] or []]
        if not all(phrases):
            raise CuesError(f"{path.name}: {name}: an empty phrase")
        out.append((str(name), tuple(phrases)))
    return tuple(out)


def has_phrase(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(words[i : i + n] == phrase for i in range(len(words) - n + 1))


def named(words: tuple[str, ...], phrases: Phrases) -> bool:
    return any(has_phrase(words, p) for p in phrases)
