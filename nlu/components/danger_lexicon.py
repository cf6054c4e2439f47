"""Matching messages against the danger phrases (`nlu/safety/danger_phrases.yml`).

Kept apart from the Rasa component so the rules can be tested, and reused by the actions,
without loading a model. Only the category is returned: the matched words are message text
and must not travel further than this function.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from nlu.components.text import folded_key

DEFAULT_LEXICON = Path(__file__).resolve().parents[1] / "safety" / "danger_phrases.yml"


class LexiconError(ValueError):
    """The danger phrase file is malformed; training stops rather than run without it."""


def _compile(where: str, patterns: Any) -> list[re.Pattern[str]]:
    if not isinstance(patterns, list):
        raise LexiconError(f"{where} needs a list of patterns")
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(str(pattern)))
        except re.error as exc:
            raise LexiconError(f"{where}: bad pattern {pattern!r}: {exc}") from exc
    return compiled


@dataclass(frozen=True)
class DangerLexicon:
    patterns: tuple[tuple[str, re.Pattern[str]], ...]
    negations: tuple[re.Pattern[str], ...] = ()
    elsewhere_categories: frozenset[str] = frozenset()
    elsewhere_cues: tuple[re.Pattern[str], ...] = ()
    # looser words that only pick the hotline of a message already taken for an emergency
    hints: tuple[tuple[str, re.Pattern[str]], ...] = ()
    # danger told as over ("hace 3 años me pegaron, ya estoy bien"): each group's categories are
    # not matched when one of its cues is in the message and no word of now is
    resolved: tuple[tuple[frozenset[str], tuple[re.Pattern[str], ...]], ...] = ()
    still: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> DangerLexicon:
        categories = data.get("categories") if isinstance(data, dict) else None
        if not isinstance(categories, dict) or not categories:
            raise LexiconError("the danger phrase file needs a non-empty 'categories' mapping")
        compiled: list[tuple[str, re.Pattern[str]]] = []
        for category, patterns in categories.items():
            if not patterns:
                raise LexiconError(f"category '{category}' needs a list of patterns")
            for pattern in _compile(f"category '{category}'", patterns):
                compiled.append((str(category), pattern))
        elsewhere = data.get("elsewhere") or {}
        hints: list[tuple[str, re.Pattern[str]]] = []
        for category, patterns in (data.get("hints") or {}).items():
            if category not in categories:
                raise LexiconError(f"hints: '{category}' is not a category")
            hints += [(str(category), p) for p in _compile(f"hints '{category}'", patterns)]
        resolved_data = data.get("resolved") or {}
        groups: list[tuple[frozenset[str], tuple[re.Pattern[str], ...]]] = []
        for group in resolved_data.get("groups") or []:
            names = frozenset(str(c) for c in group.get("categories") or [])
            if not names or not names <= set(categories):
                raise LexiconError(f"resolved: {sorted(names)} are not all categories")
            groups.append((names, tuple(_compile("resolved cues", group.get("cues") or []))))
        return cls(
            tuple(compiled),
            tuple(_compile("negations", data.get("negations") or [])),
            frozenset(str(c) for c in elsewhere.get("categories") or []),
            tuple(_compile("elsewhere cues", elsewhere.get("cues") or [])),
            tuple(hints),
            tuple(groups),
            tuple(_compile("resolved still", resolved_data.get("still") or [])),
        )

    @classmethod
    def from_file(cls, path: Path = DEFAULT_LEXICON) -> DangerLexicon:
        return cls.from_mapping(yaml.safe_load(path.read_text(encoding="utf-8")))

    def as_mapping(self) -> dict[str, Any]:
        categories: dict[str, list[str]] = {}
        for category, pattern in self.patterns:
            categories.setdefault(category, []).append(pattern.pattern)
        hints: dict[str, list[str]] = {}
        for category, pattern in self.hints:
            hints.setdefault(category, []).append(pattern.pattern)
        return {
            "categories": categories,
            "hints": hints,
            "negations": [p.pattern for p in self.negations],
            "elsewhere": {
                "categories": sorted(self.elsewhere_categories),
                "cues": [p.pattern for p in self.elsewhere_cues],
            },
            "resolved": {
                "groups": [
                    {"categories": sorted(names), "cues": [p.pattern for p in cues]}
                    for names, cues in self.resolved
                ],
                "still": [p.pattern for p in self.still],
            },
        }

    def category(self, text: str) -> str | None:
        """The first category with a pattern in the folded message that is neither negated
        nor placed in the country the person left, if any."""
        key = folded_key(text)
        elsewhere = any(cue.search(key) for cue in self.elsewhere_cues)
        over = self._resolved_categories(key)
        for category, pattern in self.patterns:
            if elsewhere and category in self.elsewhere_categories:
                continue
            if category in over:
                continue
            for match in pattern.finditer(key):
                before = " ".join(key[: match.start()].split()[-4:])
                if not any(n.search(before) for n in self.negations):
                    return category
        return None

    def _resolved_categories(self, key: str) -> frozenset[str]:
        """The categories the message tells as over: a cue of the past or of an end ("el mes
        pasado", "we found her") with nothing of now ("todavia", "again", "right now")."""
        if not self.resolved or any(p.search(key) for p in self.still):
            return frozenset()
        over: set[str] = set()
        for names, cues in self.resolved:
            if any(cue.search(key) for cue in cues):
                over |= names
        return frozenset(over)

    def hinted_category(self, text: str) -> str | None:
        """For a message the classifier took for an emergency without a danger phrase: the
        category whose hint words it has ("mi amigo se tomo unas pastillas" -> medical), so the
        person gets the hotline that fits rather than only the general numbers."""
        key = folded_key(text)
        for category, pattern in self.hints:
            if pattern.search(key):
                return category
        return None
