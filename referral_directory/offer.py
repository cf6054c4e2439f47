"""Which services to offer after an answer: the directory searched for a topic's service types.

A topic covers several service types (regularization: regularization, legal, information), and
`search` filters by one; each type is searched with its own index range and the results merged
in the directory's order (match level, then distance, then name), each service once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine

from referral_directory.search import PlaceAnswer, ServiceHit, search

#: enough for three pages of three; more is what the person's phone does not need
MAX_OFFERED = 9
_LEVEL_RANK = {"corregimiento": 0, "distrito": 1, "provincia": 2, "national": 3}


@dataclass(frozen=True)
class Offer:
    place: PlaceAnswer
    services: list[ServiceHit]


def _order(hit: ServiceHit) -> tuple[int, float, str]:
    distance = hit["distance_km"]
    return (
        _LEVEL_RANK.get(hit["match_level"], 9),
        distance if distance is not None else float("inf"),
        hit["name"],
    )


def offer(
    place: str,
    service_types: Sequence[str],
    language: str,
    *,
    near: tuple[float, float] | None = None,
    engine: Engine | None = None,
) -> Offer:
    """Services for a place and any of the types (all active services when no type is given)."""
    types: list[str | None] = list(service_types) or [None]
    answers = [
        search(place, service_type=t, lang=language, near=near, limit=MAX_OFFERED, engine=engine)
        for t in types
    ]
    seen: dict[str, ServiceHit] = {}
    for answer in answers:
        for hit in answer["services"]:
            seen.setdefault(hit["id"], hit)
    services = sorted(seen.values(), key=_order)[:MAX_OFFERED]
    return Offer(answers[0]["place"], services)


def national(
    service_types: Sequence[str], language: str, *, engine: Engine | None = None
) -> list[ServiceHit]:
    """Services that serve the whole country, for when the place is unknown."""
    return [
        hit
        for hit in offer("Panamá", service_types, language, engine=engine).services
        if hit["match_level"] == "national"
    ]
