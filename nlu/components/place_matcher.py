"""Find corregimiento names in a message, whatever the accents, case and typos.

Pure Python (rapidfuzz only) so it can be tested without Rasa. The names and aliases come
from the training data's lookup table, itself generated from the places file: this module
holds no place name of its own.

Matching is exact on folded text first; typos are then tolerated with an edit distance that
grows with the length of the name. A fuzzy match of a single word, and any match of a name
that is also an everyday word ("hurtado" means "stolen"), only counts with a place cue just
before it ("en", "vivo en", "near") or when the message is nothing but the name; such a
name gets no typo tolerance at all ("todos los dias" is not Los Díaz). A wrong
place is worse than none, because the person then gets services far from them.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from nlu.components.text import Word, folded_key, words

# Words after which a following word is very likely a place. The application holds the same
# set (`text.PLACE_CUES`, which strips them before a place is looked up); a test
# (tests/tools/test_one_copy.py) keeps the two equal.
PLACE_CUES = frozenset(
    {
        # Spanish
        "en", "de", "del", "por", "cerca", "desde", "para", "vivo", "estoy", "corregimiento",
        "sector", "zona", "area", "queda", "barriada",
        # English
        "in", "at", "from", "near", "around", "to", "live", "living", "stay", "staying",
    }
)  # fmt: skip


def max_typos(length: int) -> int:
    """Edits tolerated for a phrase of this many characters."""
    if length < 5:
        return 0
    if length < 9:
        return 1
    if length < 15:
        return 2
    return 3


_ARTICLES = ("el ", "la ", "los ", "las ", "the ")


def _without_article(key: str) -> str:
    for article in _ARTICLES:
        if key.startswith(article):
            return key[len(article) :]
    return key


@dataclass(frozen=True)
class PlaceMatch:
    """A place found in a message; `value` is the official name."""

    start: int
    end: int
    text: str
    value: str
    exact: bool


class PlaceMatcher:
    """Finds official place names in free text from a table of aliases."""

    def __init__(self, aliases: dict[str, str], ambiguous: frozenset[str] = frozenset()):
        """`aliases` maps any written form (official name included) to the official name;
        `ambiguous` holds the official names that need a place cue."""
        self._by_key: dict[str, str] = {}
        for written, official in aliases.items():
            key = folded_key(written)
            if key:
                self._by_key[key] = official
        self._keys = list(self._by_key)
        self._ambiguous = ambiguous
        self._max_words = max((k.count(" ") + 1 for k in self._keys), default=0)

    @property
    def official_names(self) -> frozenset[str]:
        return frozenset(self._by_key.values())

    def find(self, text: str) -> list[PlaceMatch]:
        """All non-overlapping places in `text`, in order of appearance."""
        tokens = words(text)
        used = [False] * len(tokens)
        found: list[PlaceMatch] = []

        # 1. exact matches, longest first
        for n in range(min(self._max_words, len(tokens)), 0, -1):
            for i in range(len(tokens) - n + 1):
                if any(used[i : i + n]):
                    continue
                official = self._by_key.get(" ".join(t.folded for t in tokens[i : i + n]))
                if official and self._accept(tokens, i, n, official, exact=True):
                    found.append(self._match(text, tokens, i, n, official, exact=True))
                    used[i : i + n] = [True] * n

        # 2. fuzzy matches, best (fewest edits) first, longer windows first on ties
        candidates: list[tuple[int, int, int, int, str]] = []
        for n in range(min(self._max_words, len(tokens)), 0, -1):
            for i in range(len(tokens) - n + 1):
                if any(used[i : i + n]):
                    continue
                key = " ".join(t.folded for t in tokens[i : i + n])
                # "las maras" is not "Las Garzas": articles earn no typo allowance
                limit = max_typos(len(_without_article(key)))
                if limit == 0 or key.isdigit():
                    continue
                best = process.extractOne(key, self._keys, scorer=OSA.distance, score_cutoff=limit)
                # names that are also everyday words match only as written ("los dias")
                if best is not None and self._by_key[best[0]] not in self._ambiguous:
                    candidates.append((int(best[1]), -n, i, n, self._by_key[best[0]]))
        for _, _, i, n, official in sorted(candidates):
            if any(used[i : i + n]):
                continue
            if self._accept(tokens, i, n, official, exact=False):
                found.append(self._match(text, tokens, i, n, official, exact=False))
                used[i : i + n] = [True] * n

        return sorted(found, key=lambda m: m.start)

    def _accept(self, tokens: list[Word], i: int, n: int, official: str, exact: bool) -> bool:
        needs_cue = official in self._ambiguous or (not exact and n == 1)
        if not needs_cue:
            return True
        whole_message = n == len(tokens)
        cue_before = any(t.folded in PLACE_CUES for t in tokens[max(0, i - 2) : i])
        return whole_message or cue_before

    @staticmethod
    def _match(
        text: str, tokens: list[Word], i: int, n: int, official: str, exact: bool
    ) -> PlaceMatch:
        start, end = tokens[i].start, tokens[i + n - 1].end
        return PlaceMatch(start, end, text[start:end], official, exact)
