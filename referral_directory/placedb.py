"""The place hierarchy in the database: loaded from places.yaml, read back as an index.

places.yaml stays the one source of place names (the NLU lookups are generated from it too);
`sync_places` copies it into the `place` tables, and `place_index` keeps an in-memory index of
them per engine, because every search resolves a place and the list is small.
"""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from referral_directory import search_index
from referral_directory.models import Place, PlaceAlias
from referral_directory.places import Places
from referral_directory.records import stable_id
from referral_directory.resolve import PlaceIndex, PlaceNode
from store import db

#: The root of the hierarchy: services for the whole country hang here.
NATIONAL_NAME = "República de Panamá"
NATIONAL_ALIASES = ("nacional", "national", "todo el pais", "todo panama", "nationwide",
                    "whole country", "republica de panama", "republic of panama")  # fmt: skip

_cache: dict[str, PlaceIndex] = {}


def place_id(level: str, name: str) -> str:
    return stable_id(f"place:{level}:{name}")


def sync_places(s: Session, places: Places) -> int:
    """Insert or update every place of the file (and add its aliases); returns places written.

    When a place moves in the hierarchy, the search table is rebuilt in the same transaction."""
    national = place_id("national", NATIONAL_NAME)
    rows: list[tuple[str, str, str | None, dict[str, object], tuple[str, ...]]] = [
        ("national", NATIONAL_NAME, None, {}, NATIONAL_ALIASES)
    ]
    rows += [("provincia", p.name, national, {}, p.aliases) for p in places.provincias]
    rows += [
        ("distrito", d.name, place_id("provincia", d.parent or ""), {}, d.aliases)
        for d in places.distritos
    ]
    rows += [
        (
            "corregimiento",
            c.name,
            place_id("distrito", c.distrito),
            {
                "programme": c.programme,
                "ambiguous": c.ambiguous,
                "latitude": c.lat,
                "longitude": c.lon,
                "coordinates_source": c.coordinates_source,
            },
            c.aliases,
        )
        for c in places.corregimientos
    ]
    moved = False
    stored = {p.id: p for p in s.scalars(select(Place))}
    known_aliases: dict[str, set[str]] = {}
    for alias_of, alias in s.execute(select(PlaceAlias.place_id, PlaceAlias.alias)).tuples():
        known_aliases.setdefault(alias_of, set()).add(alias)
    for level, name, parent, extra, aliases in rows:
        pid = place_id(level, name)
        place = stored.get(pid)
        if place is None:
            place = Place(id=pid, level=level, name=name)
            s.add(place)
        elif place.parent_id != parent:
            moved = True
        place.parent_id = parent
        for key, value in extra.items():
            setattr(place, key, value)
        known = known_aliases.setdefault(pid, set())
        for alias in aliases:
            if alias not in known:
                s.add(PlaceAlias(place_id=pid, alias=alias))
                known.add(alias)
    s.flush()  # parents first: places are inserted in the order they were added
    if moved:
        # a place changed its parent: the search keys of services below it change too
        search_index.rebuild(s)
    forget_place_index()
    return len(rows)


def place_index(engine: Engine | None = None) -> PlaceIndex:
    """The in-memory index of the places stored in this database (built on first use)."""
    eng = engine or db.engine()
    key = str(eng.url)
    if key not in _cache:
        with db.session(eng) as s:
            nodes = [
                PlaceNode(p.id, p.level, p.name, p.parent_id, p.ambiguous, p.latitude, p.longitude)
                for p in s.scalars(select(Place))
            ]
            aliases = [(a.place_id, a.alias) for a in s.scalars(select(PlaceAlias))]
        _cache[key] = PlaceIndex.build(nodes, aliases)
    return _cache[key]


def forget_place_index() -> None:
    """Drop cached indexes after the places changed."""
    _cache.clear()
