"""Which facet of a topic a message asks about, from its words (data/facet_cues.yaml).

The classifier names the topic well and the facet less so: a follow-up that mentions papers or
a fee often comes back as a topic ("y qué papeles me piden?" as regularization, after the
refuge answer). The action then asks here which facet the words name, and answers that facet
for the conversation's topic instead of sending a whole topic answer again. Pure: the same text
gives the same facet; the file is read once.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any, Final

import yaml

from content.topics import FACETS
from text import fold

CUES_FILE: Final = Path(__file__).parent / "data" / "facet_cues.yaml"
_WORD = re.compile(r"\w+")


class FacetCuesError(ValueError):
    """The cue file cannot be used as it is."""


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(fold(text)))


@cache
def load_cues(path: Path = CUES_FILE) -> tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]:
    """(facet, the folded phrases that name it) in the file's order, both languages together."""
    raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    facets = raw.get("facets") if isinstance(raw, dict) else None
    if not isinstance(facets, dict) or not facets:
        raise FacetCuesError(f"{path.name}: expected a 'facets:' mapping")
    out = []
    for facet, languages in facets.items():
        if facet not in FACETS:
            raise FacetCuesError(f"{path.name}: unknown facet {facet!r}; facets: {FACETS}")
        if not isinstance(languages, dict) or set(languages) != {"es", "en"}:
            raise FacetCuesError(f"{path.name}: {facet}: needs 'es' and 'en' lists")
        phrases = [_words(str(p)) for lang in ("es", "en") for p in languages[lang] or []]
        if not all(phrases):
            raise FacetCuesError(f"{path.name}: {facet}: an empty phrase")
        out.append((str(facet), tuple(phrases)))
    return tuple(out)


def _has(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(words[i : i + n] == phrase for i in range(len(words) - n + 1))


def facet_in(text: str) -> str | None:
    """The first facet (in the file's order) whose words the message has, or None."""
    words = _words(text[:500])
    for facet, phrases in load_cues():
        if any(_has(words, p) for p in phrases):
            return facet
    return None
