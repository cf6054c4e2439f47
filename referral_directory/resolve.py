"""Place resolution: what a person typed -> one place of the hierarchy, or honest suggestions.

The place list is small (a few hundred names and aliases), so it is matched in Python against an
in-memory index built once from the `place` tables; the database is then queried by place ids.
A wrong guess sends a person to the wrong side of the city, so the matcher prefers saying
"not found, did you mean ..." to guessing: fuzzy matches must be close and clearly ahead of the
next place, and names that are also everyday words are matched only as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from referral_directory.models import PLACE_LEVELS
from text import fold, strip_place_cue

#: Fuzzy matches below this score (0-100) are not accepted as the place.
ACCEPT_SCORE = 85.0
#: ... and must beat the best other place by this much.
MARGIN = 5.0
#: Places scoring at least this are offered as suggestions.
SUGGEST_SCORE = 60.0
#: Longer text is not a place name: answered at once, without fuzzy matching.
MAX_QUERY_CHARS = 80


def normalize(text: str) -> str:
    """Lower case, no accents, punctuation as spaces: how the index compares names.

    Folding (`text.fold`) also turns "º" (as in "Bº Balboa") into "o".
    """
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text)).split())


@dataclass(frozen=True)
class PlaceNode:
    id: str
    level: str
    name: str
    parent_id: str | None
    ambiguous: bool = False
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Resolution:
    query: str
    place: PlaceNode | None
    suggestions: tuple[str, ...] = ()


@dataclass
class PlaceIndex:
    """Every place with its written forms, its ancestors and its descendants."""

    nodes: dict[str, PlaceNode]
    forms: dict[str, set[str]] = field(default_factory=dict)  # normalized form -> place ids
    fuzzy_forms: list[str] = field(default_factory=list)
    children: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, nodes: Iterable[PlaceNode], aliases: Iterable[tuple[str, str]]) -> PlaceIndex:
        """`aliases` are (place_id, alias) pairs; each place's own name is a form too."""
        index = cls(nodes={n.id: n for n in nodes})
        pairs = [(n.id, n.name) for n in index.nodes.values()] + list(aliases)
        for place_id, text in pairs:
            form = normalize(text)
            if form:
                index.forms.setdefault(form, set()).add(place_id)
        index.fuzzy_forms = sorted(
            form
            for form, ids in index.forms.items()
            if not all(index.nodes[i].ambiguous for i in ids)
        )
        for node in index.nodes.values():
            if node.parent_id:
                index.children.setdefault(node.parent_id, []).append(node.id)
        return index

    def ancestors(self, place_id: str) -> list[PlaceNode]:
        """The place itself, then its parents up to the national level."""
        chain: list[PlaceNode] = []
        current: str | None = place_id
        while current is not None:
            node = self.nodes[current]
            chain.append(node)
            current = node.parent_id
        return chain

    def subtree(self, place_id: str) -> list[str]:
        """The place and every place inside it."""
        out, stack = [], [place_id]
        while stack:
            current = stack.pop()
            out.append(current)
            stack.extend(self.children.get(current, []))
        return out

    def by_level(self, level: str, name: str) -> PlaceNode | None:
        return next((n for n in self.nodes.values() if n.level == level and n.name == name), None)

    def national(self) -> PlaceNode:
        return next(n for n in self.nodes.values() if n.level == "national")

    def _most_specific(self, ids: Iterable[str]) -> PlaceNode | None:
        """One place when the candidates lie on one line of the hierarchy (distrito Panamá
        inside provincia Panamá): the most specific. None when they are unrelated places."""
        nodes = sorted((self.nodes[i] for i in ids), key=lambda n: PLACE_LEVELS.index(n.level))
        best = nodes[0]
        ancestors = {n.id for n in self.ancestors(best.id)}
        return best if all(n.id in ancestors for n in nodes) else None

    def resolve(self, query: str) -> Resolution:
        """The place `query` names, or None with the closest names as suggestions."""
        text = normalize(query)
        if not text or len(text) > MAX_QUERY_CHARS:
            return Resolution(query, None)
        # "vivo en herrera", "el corregimiento de Herrera": the name without the cue words
        named = normalize(strip_place_cue(query))
        for candidate in dict.fromkeys((text, named)):
            ids = self.forms.get(candidate)
            if ids:
                place = self._most_specific(ids)
                if place is not None:
                    return Resolution(query, place)
                return Resolution(query, None, self._names(ids))
        text = named or text
        scored: dict[str, float] = {}
        for form, score, _ in process.extract(
            text, self.fuzzy_forms, scorer=fuzz.ratio, limit=25, score_cutoff=SUGGEST_SCORE
        ):
            for place_id in self.forms[form]:
                if self.nodes[place_id].ambiguous:
                    continue
                scored[place_id] = max(scored.get(place_id, 0.0), float(score))
        ranked = sorted(scored.items(), key=lambda kv: -kv[1])
        if ranked and ranked[0][1] >= ACCEPT_SCORE:
            top = [pid for pid, s in ranked if s > ranked[0][1] - MARGIN]
            place = self._most_specific(top)
            if place is not None:
                return Resolution(query, place)
        return Resolution(query, None, self._names(pid for pid, _ in ranked[:5])[:3])

    def _names(self, ids: Iterable[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.nodes[i].name for i in ids))
