"""Search: the services for a place, nearest level of the hierarchy first.

For a corregimiento the levels are the corregimiento, its distrito, its provincia and the
country. A service belongs to the first level whose area holds one of its anchors: a place it
serves (`service_area`) or the place of one of its locations; at the national level only
services that serve the whole country count. Within a level, services are ranked by distance
(to `near`, else to the place's own coordinates when the places file has them), then by name.

`search_at` takes a place already resolved (a node of `resolve.PlaceIndex`): the actions and
`offer` hold one and pass it on, never its name to be matched again. `search` is the entry point
for callers that start from text (the CLI, the API): it resolves the name once, then searches
the node. Each level is read from the search table (`service_search`, see `search_index`) as
ranges of an index that stop after the rows still needed: by name, or by distance through boxes
of growing size around the point. The details of the final services are read in a fixed number
of batched queries (no query per service); `services_by_id` reads the same details for services
already found (what a person was shown), without searching again. `search_offer` is the search
behind what is offered to a person (`offer`): several type filters with the audience rule
applied (`search_index.offer_filter`), read in one session, merged in the directory's order.

A hit's `types` list its main purpose first (when it has one), then the others by code.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, TypedDict

from sqlalchemy import (
    BindParameter,
    CompoundSelect,
    Engine,
    Float,
    Integer,
    Row,
    Select,
    bindparam,
    false,
    func,
    literal,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from referral_directory.models import (
    MAIN_PURPOSE,
    SERVICE_TYPE_LINK,
    Address,
    Attribute,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceSearch,
    TaxonomyTerm,
    Translation,
    ValueCaveat,
)
from referral_directory.placedb import place_index
from referral_directory.resolve import PlaceIndex, PlaceNode
from referral_directory.search_index import ANY_TYPE, offer_filter
from store import db

MAX_LIMIT = 100


class PlaceAnswer(TypedDict):
    query: str
    resolved: str | None
    level: str | None
    suggestions: list[str]


class ServiceHit(TypedDict):
    id: str
    name: str
    organization: str
    types: list[str]
    corregimiento: str | None
    distrito: str | None
    address: str | None
    phone: str | None
    hours: str | None
    languages: list[str]
    assured_date: str | None
    #: the shown values its source does not confirm ("phone", "address", "hours"; "status":
    #: not confirmed still operating): shown with "confirm before you go"
    unconfirmed: list[str]
    match_level: str
    distance_km: float | None


class SearchAnswer(TypedDict):
    place: PlaceAnswer
    services: list[ServiceHit]


@dataclass(frozen=True)
class OfferFilter:
    """One range an offer reads: the services for everyone of `service_type` (any type when
    None), or with `main` only those whose main purpose it is; with `group`, the same among
    the services only for that group (`search_index.offer_filter`)."""

    service_type: str | None = None
    main: bool = False
    group: str | None = None


@dataclass(frozen=True)
class Found:
    """A service an offer search found, and its main purpose (None when it has none)."""

    hit: ServiceHit
    main_type: str | None


class SearchError(ValueError):
    """The search itself is malformed (unknown type, bad language or limit)."""


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def _reference(node: PlaceNode, near: tuple[float, float] | None) -> tuple[float, float] | None:
    if near is not None:
        return near
    if node.latitude is not None and node.longitude is not None:
        return node.latitude, node.longitude
    return None


def _keys(index: PlaceIndex, node: PlaceNode) -> list[tuple[str, str]]:
    """(level, search key) from the resolved place up to the country."""
    return [(a.level, a.id) for a in index.ancestors(node.id)]


#: Half-sides (degrees of latitude) of the boxes read around the point before the whole level,
#: each twice the last: from about 550 m to 70 km.
BOXES: Final = tuple(0.005 * 2**i for i in range(8))
#: A level with at most this many located rows is read whole: one query instead of the boxes.
FEW_POINTS: Final = 256

# The statements are built once, with bound parameters: building and caching a statement costs
# more than running it on an index range.
_S = ServiceSearch
_LEVEL = (
    _S.place_id == bindparam("key"),
    _S.service_type == bindparam("stype"),
    _S.status == "active",
)
_LIMIT = bindparam("limit", type_=Integer)
_ORDER_NAME = (_S.name, _S.service_id)


def _by_name_statement() -> Select[Any]:
    """By name, located services and the others alike: two ranges of ix_service_search_by_name,
    each stopping at `limit`, merged in SQL (so the order is the database's collation)."""
    parts = [
        select(_S.service_id, _S.name)
        .where(*_LEVEL, _S.located == flag)
        .order_by(*_ORDER_NAME)
        .limit(_LIMIT)
        .subquery()
        for flag in (true(), false())
    ]
    both = union_all(*(select(p.c.service_id, p.c.name) for p in parts)).subquery()
    return select(both.c.service_id).order_by(both.c.name, both.c.service_id).limit(_LIMIT)


# Equirectangular squared distance: plain arithmetic (no trigonometry in SQLite), the same order
# as the true distance at the scale of a country; kilometres are computed later, in Python.
_DLAT = _S.latitude - bindparam("lat0", type_=Float)
_DLON = (_S.longitude - bindparam("lon0", type_=Float)) * bindparam("k", type_=Float)
_D2 = _DLAT * _DLAT + _DLON * _DLON
_BOX = (
    _S.latitude.between(bindparam("lat_lo", type_=Float), bindparam("lat_hi", type_=Float)),
    _S.longitude.between(bindparam("lon_lo", type_=Float), bindparam("lon_hi", type_=Float)),
)
BY_NAME: Final = _by_name_statement()
#: Nearest first inside a box: a range of ix_service_search_by_point.
IN_BOX: Final = (
    select(_S.service_id, _D2).where(*_LEVEL, *_BOX).order_by(_D2, *_ORDER_NAME).limit(_LIMIT)
)
#: Nearest first, the whole level.
LOCATED: Final = (
    select(_S.service_id, _D2)
    .where(*_LEVEL, _S.latitude.is_not(None))
    .order_by(_D2, *_ORDER_NAME)
    .limit(_LIMIT)
)
#: How many located rows the level has, counting no further than `limit`.
_POINTS = select(_S.service_id).where(*_LEVEL, _S.latitude.is_not(None)).limit(_LIMIT).subquery()
COUNT_POINTS: Final = select(func.count()).select_from(_POINTS)
#: The services without a point, by name (they rank after those with one).
UNLOCATED: Final = (
    select(_S.service_id).where(*_LEVEL, _S.located == false()).order_by(*_ORDER_NAME).limit(_LIMIT)
)
TYPE_EXISTS: Final = select(TaxonomyTerm.id).where(TaxonomyTerm.code == bindparam("code"))


class _Level:
    """The services of one level of a search, read from `service_search` in answer order.

    Every read is one range of an index that stops after the rows wanted. Rows repeat a service
    only when it has several points; a read that comes back full without enough distinct new
    services is repeated with a larger limit.
    """

    def __init__(self, s: Session, key: str, type_filter: str, seen: Sequence[str]):
        self.s = s
        self.seen = set(seen)
        self.params: dict[str, object] = {"key": key, "stype": type_filter}

    def _take(self, stmt: Select[Any], need: int, **params: object) -> list[Row[Any]]:
        """The first row of each of the first `need` new services `stmt` returns (the service
        id is its first column)."""
        limit = need + len(self.seen)
        while True:
            rows = self.s.execute(stmt, {**self.params, **params, "limit": limit}).all()
            first: dict[str, Row[Any]] = {}
            for row in rows:
                if row[0] not in self.seen:
                    first.setdefault(row[0], row)
            if len(first) >= need or len(rows) < limit:
                return list(first.values())[:need]
            limit *= 4

    def by_name(self, need: int) -> list[str]:
        return [row[0] for row in self._take(BY_NAME, need)]

    def by_distance(self, ref: tuple[float, float], need: int) -> list[str]:
        """Nearest to `ref` first (by the nearest of a service's points), then by name the
        services without a point.

        A level with many points is read in boxes of growing size around `ref`. A service
        nearer to `ref` than half the box's side has its nearest point inside the box; so the
        services found in the box nearer than that are the nearest of the whole level, in order.
        When a box does not hold enough of them, the next one is read, and at last the whole
        level (at once, when it has few points).
        """
        lat0, lon0 = ref
        k = max(math.cos(math.radians(lat0)), 0.01)
        point = {"lat0": lat0, "lon0": lon0, "k": k}
        many = self.s.scalar(COUNT_POINTS, {**self.params, "limit": FEW_POINTS + 1})
        for half in BOXES if (many or 0) > FEW_POINTS else ():
            box = {
                "lat_lo": lat0 - half,
                "lat_hi": lat0 + half,
                "lon_lo": lon0 - half / k,
                "lon_hi": lon0 + half / k,
            }
            rows = self._take(IN_BOX, need, **point, **box)
            near = [row[0] for row in rows if row[1] < (0.999 * half) ** 2]
            if len(near) >= need:
                return near
        out = [row[0] for row in self._take(LOCATED, need, **point)]
        if len(out) < need:
            self.seen |= set(out)
            out += [row[0] for row in self._take(UNLOCATED, need - len(out))]
        return out


def _check_language(lang: str) -> None:
    if lang not in ("es", "en"):
        raise SearchError(f"language {lang!r}: use es or en")


def _check(lang: str, limit: int, near: tuple[float, float] | None) -> None:
    _check_language(lang)
    if not 1 <= limit <= MAX_LIMIT:
        raise SearchError(f"limit must be between 1 and {MAX_LIMIT}")
    if near is not None and not (-90 <= near[0] <= 90 and -180 <= near[1] <= 180):
        raise SearchError("near must be LAT,LON in degrees")


def _check_type(s: Session, service_type: str | None) -> None:
    if service_type is not None and s.scalar(TYPE_EXISTS, {"code": service_type}) is None:
        raise SearchError(f"unknown type {service_type!r}")


def search(
    place: str,
    *,
    service_type: str | None = None,
    lang: str = "es",
    near: tuple[float, float] | None = None,
    limit: int = 10,
    engine: Engine | None = None,
) -> SearchAnswer:
    """Active services for the place a person named, as the JSON the CLI prints.

    For callers that start from text (the CLI, the API): the name is resolved once, and the
    node it names is searched by `search_at`."""
    _check(lang, limit, near)
    eng = engine or db.engine()
    resolution = place_index(eng).resolve(place)
    node = resolution.place
    answer: SearchAnswer = {
        "place": {
            "query": place,
            "resolved": node.name if node else None,
            "level": node.level if node else None,
            "suggestions": list(resolution.suggestions),
        },
        "services": [],
    }
    if node is None:
        with db.session(eng) as s:
            _check_type(s, service_type)  # a malformed search says so, whatever the place
        return answer
    answer["services"] = search_at(
        node, service_type=service_type, lang=lang, near=near, limit=limit, engine=eng
    )
    return answer


def search_at(
    node: PlaceNode,
    *,
    service_type: str | None = None,
    lang: str = "es",
    near: tuple[float, float] | None = None,
    limit: int = 10,
    engine: Engine | None = None,
) -> list[ServiceHit]:
    """Active services for a resolved place of this database's index, nearest level first."""
    _check(lang, limit, near)
    eng = engine or db.engine()
    index = place_index(eng)
    if node.id not in index.nodes:
        raise SearchError(f"place {node.id!r} is not in this directory's places")
    with db.session(eng) as s:
        _check_type(s, service_type)
        ref = _reference(node, near)
        found = _found(s, index, node, service_type or ANY_TYPE, ref, limit)
        return [f.hit for f in _details(s, index, found, lang, ref)]


def search_offer(
    node: PlaceNode,
    filters: Sequence[OfferFilter],
    *,
    lang: str = "es",
    near: tuple[float, float] | None = None,
    limit: int = 10,
    engine: Engine | None = None,
) -> list[Found]:
    """What an offer chooses from: for each filter, the first `limit` active services of its
    range (the audience rule applied, see `search_index.offer_filter`), nearest level first;
    each service once, with its main purpose, in the directory's order (match level, then
    distance, then name, then id: the order of each filter's own answer)."""
    _check(lang, limit, near)
    eng = engine or db.engine()
    index = place_index(eng)
    if node.id not in index.nodes:
        raise SearchError(f"place {node.id!r} is not in this directory's places")
    with db.session(eng) as s:
        for code in {c for f in filters for c in (f.service_type, f.group) if c is not None}:
            _check_type(s, code)
        ref = _reference(node, near)
        levels: dict[str, str] = {}
        for f in filters:
            key = offer_filter(f.service_type, main=f.main, group=f.group)
            for sid, level in _found(s, index, node, key, ref, limit):
                levels.setdefault(sid, level)  # a service's level is the same in every filter
        return _details(s, index, list(levels.items()), lang, ref, ordered=True)


def _found(
    s: Session,
    index: PlaceIndex,
    node: PlaceNode,
    type_filter: str,
    ref: tuple[float, float] | None,
    limit: int,
) -> list[tuple[str, str]]:
    """(service id, match level) of the first `limit` active services of one type filter,
    level by level from the node up."""
    found: list[tuple[str, str]] = []
    for level, key in _keys(index, node):
        need = limit - len(found)
        if need <= 0:
            break
        reader = _Level(s, key, type_filter, [sid for sid, _ in found])
        ids = reader.by_name(need) if ref is None else reader.by_distance(ref, need)
        found += [(sid, level) for sid in ids]
    return found


def services_by_id(
    found: Sequence[tuple[str, str]], *, lang: str = "es", engine: Engine | None = None
) -> list[ServiceHit]:
    """The details of services already found, as (service id, match level) in the order given:
    what a person was shown, read again by id (never searched again).

    A service that is no longer active (closed, or gone) is left out; the others keep their
    order. There is no point to measure from, so `distance_km` is None.
    """
    _check_language(lang)
    eng = engine or db.engine()
    index = place_index(eng)
    levels: dict[str, str] = {}
    for sid, level in found:
        levels.setdefault(sid, level)
    if not levels:
        return []
    with db.session(eng) as s:
        active = set(s.scalars(ACTIVE, {"ids": list(levels)}))
        kept = [(sid, level) for sid, level in levels.items() if sid in active]
        return [f.hit for f in _details(s, index, kept, lang, None)]


_IDS: BindParameter[str] = bindparam("ids", expanding=True)
SERVICES: Final = (
    select(Service.id, Service.name, Service.assured_date, Organization.name)
    .join(Organization, Organization.id == Service.organization_id)
    .where(Service.id.in_(_IDS))
)
#: Which of the services `ids` are still active.
ACTIVE: Final = select(Service.id).where(Service.id.in_(_IDS), Service.status == "active")
_TYPE_OF = (
    Attribute.link_id.in_(_IDS),
    Attribute.link_entity == "service",
    Attribute.link_type == SERVICE_TYPE_LINK,
)
#: The list-like fields of the services, one (service, field, value) row each, in value order.
FACTS: Final[CompoundSelect[Any]] = union_all(
    select(
        Attribute.link_id.label("service_id"),
        literal("types").label("field"),
        TaxonomyTerm.code.label("value"),
    )
    .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
    .where(*_TYPE_OF),
    select(Attribute.link_id, literal("main"), TaxonomyTerm.code)
    .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
    .where(*_TYPE_OF, Attribute.value == MAIN_PURPOSE),
    select(Phone.service_id, literal("phone"), Phone.number).where(Phone.service_id.in_(_IDS)),
    select(Schedule.service_id, literal("hours"), Schedule.description).where(
        Schedule.service_id.in_(_IDS), Schedule.description.is_not(None)
    ),
    select(Language.service_id, literal("languages"), Language.code).where(
        Language.service_id.in_(_IDS)
    ),
    select(ServiceArea.service_id, literal("areas"), ServiceArea.place_id).where(
        ServiceArea.service_id.in_(_IDS)
    ),
).order_by("service_id", "field", "value")
LOCATIONS: Final = (
    select(
        ServiceAtLocation.service_id,
        Location.place_id,
        Location.latitude,
        Location.longitude,
        Address.address_1,
    )
    .join(Location, Location.id == ServiceAtLocation.location_id)
    .outerjoin(Address, Address.location_id == Location.id)
    .where(ServiceAtLocation.service_id.in_(_IDS))
    .order_by(Location.id)
)
CAVEATS: Final = select(ValueCaveat.entity_id, ValueCaveat.field).where(
    ValueCaveat.entity == "service", ValueCaveat.entity_id.in_(_IDS)
)
TRANSLATIONS: Final = select(Translation.entity_id, Translation.field, Translation.value).where(
    Translation.entity == "service",
    Translation.entity_id.in_(_IDS),
    Translation.language == bindparam("lang"),
)


_LEVEL_RANK: Final = {"corregimiento": 0, "distrito": 1, "provincia": 2, "national": 3}


def _details(
    s: Session,
    index: PlaceIndex,
    found: list[tuple[str, str]],
    lang: str,
    ref: tuple[float, float] | None,
    *,
    ordered: bool = False,
) -> list[Found]:
    """The fields of the found services, in a fixed number of queries: in the order found, or
    with `ordered` in the directory's order (level, distance as the search measures it, name
    as stored, id)."""
    ids = [sid for sid, _ in found]
    if not ids:
        return []
    params = {"ids": ids}
    services = {
        sid: (name, assured, org) for sid, name, assured, org in s.execute(SERVICES, params)
    }
    facts: dict[tuple[str, str], list[str]] = {}
    for sid, field, value in s.execute(FACTS, params):
        if sid is not None and value is not None:
            facts.setdefault((sid, field), []).append(value)
    locations: dict[str, list[tuple[str | None, float | None, float | None, str | None]]] = {}
    for sid, pid, lat, lon, addr in s.execute(LOCATIONS, params):
        locations.setdefault(sid, []).append((pid, lat, lon, addr))
    unconfirmed: dict[str, list[str]] = {}
    for sid, field in s.execute(CAVEATS, params):
        unconfirmed.setdefault(sid, []).append(field)
    translated: dict[tuple[str, str], str] = {}
    if lang != "es":
        for sid, field, value in s.execute(TRANSLATIONS, {**params, "lang": lang}):
            translated[(sid, field)] = value

    out: list[tuple[tuple[int, float, str, str], Found]] = []
    for sid, level in found:
        name, assured, org = services[sid]
        locs = locations.get(sid, [])
        corregimiento, distrito = _where(
            index, [p for p, *_ in locs if p] + facts.get((sid, "areas"), [])
        )
        distances = [
            haversine_km(ref, (lat, lon))
            for _, lat, lon, _ in locs
            if ref is not None and lat is not None and lon is not None
        ]
        hours = facts.get((sid, "hours"), [None])[0]
        main = facts.get((sid, "main"), [None])[0]
        types = sorted(facts.get((sid, "types"), []), key=lambda code: (code != main, code))
        hit: ServiceHit = {
            "id": sid,
            "name": translated.get((sid, "name"), name),
            "organization": org,
            "types": types,
            "corregimiento": corregimiento,
            "distrito": distrito,
            "address": next((a for *_, a in locs if a), None),
            "phone": facts.get((sid, "phone"), [None])[0],
            "hours": translated.get((sid, "hours"), hours),
            "languages": facts.get((sid, "languages"), []),
            "assured_date": assured.isoformat() if assured else None,
            "unconfirmed": sorted(unconfirmed.get(sid, [])),
            "match_level": level,
            "distance_km": round(min(distances), 2) if distances else None,
        }
        order = (_LEVEL_RANK[level], min(_d2(ref, locs), default=math.inf), name, sid)
        out.append((order, Found(hit, main)))
    if ordered:
        out.sort(key=lambda pair: pair[0])
    return [f for _, f in out]


def _d2(
    ref: tuple[float, float] | None,
    locs: list[tuple[str | None, float | None, float | None, str | None]],
) -> list[float]:
    """The squared distances the search orders by (equirectangular, as in its statements) from
    `ref` to each located point: the order the search's ranges are cut in."""
    if ref is None:
        return []
    lat0, lon0 = ref
    k = max(math.cos(math.radians(lat0)), 0.01)
    return [
        (lat - lat0) ** 2 + ((lon - lon0) * k) ** 2
        for _, lat, lon, _ in locs
        if lat is not None and lon is not None
    ]


def _where(index: PlaceIndex, place_ids: list[str]) -> tuple[str | None, str | None]:
    """Corregimiento and distrito of the most specific place among a service's anchors."""
    order = {"corregimiento": 0, "distrito": 1, "provincia": 2, "national": 3}
    nodes = sorted((index.nodes[p] for p in place_ids), key=lambda n: order[n.level])
    if not nodes:
        return None, None
    best = nodes[0]
    chain = {n.level: n.name for n in index.ancestors(best.id)}
    return chain.get("corregimiento"), chain.get("distrito")
