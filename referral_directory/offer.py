"""Which services to offer after an answer: the directory searched for a topic's service types.

Every offer is for a place already resolved (a node of the place index): the text a person
typed is resolved once (`find_place`), and from then on the node is passed on, never its name
to be matched again. `national` searches the index's national node; `offered` reads again, by
id, the services a person was shown, so that "see more", the card and "something wrong?" speak
of those and not of a new search.

A topic covers several service types, its own first (refuge: refugee, legal). The services are
ranked by fit first, nearness second (`fit`):

0. its main purpose (the first type its record lists) is one of the topic's types;
1. it lists one of them among what it also does;
2. it matches only by a general type (`models.GENERAL_TYPES`: information), which ranks last
   unless only general types were asked for;

in 0 and 1, the earlier in the topic's list the type it matches by, the better (for refuge a
service for refugees before a legal one); then in the directory's order: match level, then
distance, then name. A service only for a group (`serves_only`: survivors of gender-based
violence, victims of trafficking, children) is offered only when the types asked for include
its group's type; with no type, only services for everyone are offered.

Each type is searched on its own ranges of the search table, where the audience rule is
already applied: the services for everyone whose main purpose it is, and all those of the type;
for each group type asked for, the same two among the services only for that group. Each range
stops at MAX_OFFERED (`search.search_offer`). That is enough for the best MAX_OFFERED overall: a
service S is taken from the range of its main purpose (fit 0), of the first asked type it also
does (fit 1) or of a general type (fit 2), among those for everyone or for one of its groups;
every service before S in that range is before S in the offer too (the range holds only
services offered to the request, as fit as S or fitter, in the order the offer breaks ties
by), so a service that makes the offer is within its range's first MAX_OFFERED.

A shared map point (`offer_near`) is first mapped to a place: the corregimiento or distrito of
the nearest located active service, if one is near enough. The services of that place are then
ranked by distance to the point. The point itself is only a search parameter: nothing here
stores or logs it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy import Engine, Float, Integer, bindparam, select
from sqlalchemy.orm import Session

from referral_directory.models import (
    GENERAL_TYPES,
    GROUP_TYPES,
    Location,
    ServiceArea,
    ServiceAtLocation,
    ServiceSearch,
)
from referral_directory.placedb import place_index
from referral_directory.resolve import PlaceIndex, PlaceNode, Resolution
from referral_directory.search import (
    Found,
    OfferFilter,
    ServiceHit,
    haversine_km,
    search_offer,
    services_by_id,
)
from referral_directory.search_index import ANY_TYPE
from store import db

#: enough for three pages of three; more is what the person's phone does not need
MAX_OFFERED = 9
_LEVEL_RANK = {"corregimiento": 0, "distrito": 1, "provincia": 2, "national": 3}

#: A shared point is mapped to the place of the nearest located service no farther than this;
#: beyond it the person is asked for their corregimiento (a wrong place is worse than a question).
NEAR_KM: Final = 5.0
_KM_PER_DEGREE: Final = 111.2
#: Half-sides (degrees of latitude) of the boxes read around a point, each twice the last, the
#: last one NEAR_KM: each a range of ix_service_search_by_point per provincia.
_NEAR_BOXES: Final = tuple(
    h for h in (0.005 * 2**i for i in range(8)) if h < NEAR_KM / _KM_PER_DEGREE
) + (NEAR_KM / _KM_PER_DEGREE,)
#: Located rows read per box, nearest first (services of a whole provincia are passed over).
_CANDIDATES: Final = 50

# Equirectangular squared distance, as in `search`: the true order at the scale of a country.
_S = ServiceSearch
_DLAT = _S.latitude - bindparam("lat0", type_=Float)
_DLON = (_S.longitude - bindparam("lon0", type_=Float)) * bindparam("k", type_=Float)
_D2 = _DLAT * _DLAT + _DLON * _DLON
#: The located active services nearest to a point inside a box, one row per point: every
#: service anchored below the country has rows keyed by its provincia (`search_index`).
NEAREST: Final = (
    select(_S.service_id, _S.latitude, _S.longitude)
    .where(
        _S.place_id.in_(bindparam("keys", expanding=True)),
        _S.service_type == ANY_TYPE,
        _S.status == "active",
        _S.latitude.between(bindparam("lat_lo", type_=Float), bindparam("lat_hi", type_=Float)),
        _S.longitude.between(bindparam("lon_lo", type_=Float), bindparam("lon_hi", type_=Float)),
    )
    .order_by(_D2, _S.service_id)
    .limit(bindparam("limit", type_=Integer))
)
#: The places of a service's locations at one point.
LOCATION_PLACES: Final = (
    select(Location.place_id)
    .join(ServiceAtLocation, ServiceAtLocation.location_id == Location.id)
    .where(
        ServiceAtLocation.service_id == bindparam("sid"),
        Location.latitude == bindparam("lat", type_=Float),
        Location.longitude == bindparam("lon", type_=Float),
        Location.place_id.is_not(None),
    )
)
AREA_PLACES: Final = select(ServiceArea.place_id).where(ServiceArea.service_id == bindparam("sid"))


@dataclass(frozen=True)
class Offer:
    """The services offered for a place, best first."""

    place: PlaceNode
    services: list[ServiceHit]


def specific_types(service_types: Sequence[str]) -> list[str]:
    """The types asked for that say what the person needs: all but the general ones, unless
    only general ones were asked for."""
    wanted = list(dict.fromkeys(service_types))
    return [t for t in wanted if t not in GENERAL_TYPES] or wanted


def fit(types: Sequence[str], main_type: str | None, specific: Sequence[str]) -> tuple[int, int]:
    """How well a service with these types (and main purpose) fits a request whose specific
    types are `specific`, lower is better: (0, i) its main purpose is specific[i]; (1, i) it
    also does specific[i] (the first it does); (2, 0) it matches only by a general type."""
    if main_type is not None and main_type in specific:
        return 0, list(specific).index(main_type)
    does = [i for i, t in enumerate(specific) if t in types]
    return (1, does[0]) if does else (2, 0)


def filters(service_types: Sequence[str]) -> list[OfferFilter]:
    """The ranges an offer reads (see the module's docstring)."""
    wanted = list(dict.fromkeys(service_types))
    if not wanted:
        return [OfferFilter()]
    specific = specific_types(wanted)
    out: list[OfferFilter] = []
    for group in [None, *(t for t in wanted if t in GROUP_TYPES)]:
        out += [OfferFilter(t, main=True, group=group) for t in specific]
        out += [OfferFilter(t, group=group) for t in wanted]
    return out


def _rank(found: list[Found], service_types: Sequence[str]) -> list[ServiceHit]:
    """The best MAX_OFFERED, by fit, then in the directory's order (that of `found`)."""
    if not service_types:
        return [f.hit for f in found[:MAX_OFFERED]]
    specific = specific_types(service_types)
    ranked = sorted(found, key=lambda f: fit(f.hit["types"], f.main_type, specific))
    return [f.hit for f in ranked[:MAX_OFFERED]]


def find_place(text: str, *, engine: Engine | None = None) -> Resolution:
    """The place a person's text names, or None with suggestions: resolved here once, so that
    everything after takes the node."""
    return place_index(engine or db.engine()).resolve(text)


def offer(
    place: PlaceNode,
    service_types: Sequence[str],
    language: str,
    *,
    near: tuple[float, float] | None = None,
    engine: Engine | None = None,
) -> Offer:
    """Services for a resolved place and any of the types (every service for everyone when no
    type is given), at most MAX_OFFERED, best fit first (see the module's docstring)."""
    found = search_offer(
        place,
        filters(service_types),
        lang=language,
        near=near,
        limit=MAX_OFFERED,
        engine=engine,
    )
    return Offer(place, _rank(found, service_types))


def national(
    service_types: Sequence[str], language: str, *, engine: Engine | None = None
) -> list[ServiceHit]:
    """Services that serve the whole country, for when the place is unknown.

    Searched at the index's national node, the root of the hierarchy, so that no provincia's
    services take the places of national ones within the limit."""
    root = place_index(engine or db.engine()).national()
    return offer(root, service_types, language, engine=engine).services


def offered(
    shown: Sequence[tuple[str, str]], language: str, *, engine: Engine | None = None
) -> list[ServiceHit]:
    """The services of an earlier offer, as (service id, match level) in the order offered,
    read by id in `language`; those closed since are left out."""
    return services_by_id(shown, lang=language, engine=engine)


def offer_near(
    lat: float,
    lon: float,
    service_types: Sequence[str],
    language: str,
    *,
    engine: Engine | None = None,
) -> Offer | None:
    """Services near a shared point: those of the place of the nearest located active service
    (within NEAR_KM), nearest to the point first; None when no such place is near."""
    node = place_near(lat, lon, engine=engine)
    if node is None:
        return None
    return offer(node, service_types, language, near=(lat, lon), engine=engine)


def place_near(lat: float, lon: float, *, engine: Engine | None = None) -> PlaceNode | None:
    """The corregimiento (or distrito) of the nearest located active service within NEAR_KM.

    The place of a service at a point is the place of its location there, else the most
    specific place it serves; a service of a whole provincia names no place and is passed over.
    """
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    eng = engine or db.engine()
    index = place_index(eng)
    keys = [n.id for n in index.nodes.values() if n.level == "provincia"]
    if not keys:
        return None
    k = max(math.cos(math.radians(lat)), 0.01)
    params = {"keys": keys, "lat0": lat, "lon0": lon, "k": k, "limit": _CANDIDATES}
    tried: dict[tuple[str, float, float], PlaceNode | None] = {}
    with db.session(eng) as s:
        for half in _NEAR_BOXES:
            box = {
                "lat_lo": lat - half,
                "lat_hi": lat + half,
                "lon_lo": lon - half / k,
                "lon_hi": lon + half / k,
            }
            radius = min(half * _KM_PER_DEGREE, NEAR_KM)
            for sid, slat, slon in s.execute(NEAREST, {**params, **box}):
                if haversine_km((lat, lon), (slat, slon)) > radius:
                    break  # beyond the box's inner circle the order is not the true one
                key = (sid, slat, slon)
                if key not in tried:
                    tried[key] = _place_of(s, index, sid, slat, slon)
                if tried[key] is not None:
                    return tried[key]
    return None


def _place_of(
    s: Session, index: PlaceIndex, service_id: str, lat: float, lon: float
) -> PlaceNode | None:
    params = {"sid": service_id, "lat": lat, "lon": lon}
    ids = list(s.scalars(LOCATION_PLACES, params)) or list(s.scalars(AREA_PLACES, params))
    return _common(index, [index.nodes[i] for i in ids if i in index.nodes])


def _common(index: PlaceIndex, nodes: list[PlaceNode]) -> PlaceNode | None:
    """The one most specific corregimiento or distrito among the nodes; when several at that
    level differ, the distrito they share (or None)."""
    usable = [n for n in nodes if n.level in ("corregimiento", "distrito")]
    if not usable:
        return None
    level = min(_LEVEL_RANK[n.level] for n in usable)
    found = {n.id: n for n in usable if _LEVEL_RANK[n.level] == level}
    if len(found) == 1:
        return next(iter(found.values()))
    parents = {n.parent_id for n in found.values()}
    if level == 0 and len(parents) == 1:
        parent = index.nodes.get(str(parents.pop()))
        return parent if parent is not None and parent.level == "distrito" else None
    return None
