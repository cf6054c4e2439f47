"""`offer`: which services a person is offered, on the real migrated and seeded databases.

The expected answer is worked out here from the HSDS tables themselves (a service's areas, the
places of its locations, its types and status), never from the search table the code reads, so
that a wrong level, a lost fallback or a type left out shows up as a difference.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, select

from content.topics import TOPICS, get_topic_content
from referral_directory import api
from referral_directory.models import (
    Attribute,
    Location,
    Service,
    ServiceArea,
    ServiceAtLocation,
    TaxonomyTerm,
)
from referral_directory.offer import (
    MAX_OFFERED,
    NEAR_KM,
    find_place,
    national,
    offer,
    offer_near,
    offered,
    place_near,
)
from referral_directory.placedb import place_index
from referral_directory.records import ServiceRecord, stable_id
from referral_directory.resolve import PlaceIndex, PlaceNode
from referral_directory.search import SearchError, ServiceHit
from store import db

RANK = {"corregimiento": 0, "distrito": 1, "provincia": 2, "national": 3}
#: the places of the programme and a few others, at each level below the country
PLACES = [
    ("corregimiento", "Herrera"),
    ("corregimiento", "Las Mañanitas"),
    ("corregimiento", "Omar Torrijos"),
    ("corregimiento", "Barrio Balboa"),
    ("corregimiento", "Tocumen"),
    ("corregimiento", "Rufina Alfaro"),
    ("distrito", "La Chorrera"),
    ("distrito", "San Miguelito"),
    ("provincia", "Panamá"),
    ("provincia", "Panamá Oeste"),
]
HOSPITAL = stable_id("service:minsa-hospital-nicolas-solano")
POLYCLINIC = stable_id("service:css-policlinica-santiago-barraza")
#: invented points (test data, the seed has no service coordinates), about 1 km apart in
#: La Chorrera: the hospital serves distrito La Chorrera, the polyclinic is put in Herrera
HOSPITAL_AT = (8.8790, -79.7830)
POLYCLINIC_AT = (8.8870, -79.7760)


@dataclass(frozen=True)
class Facts:
    """What the HSDS tables say of one service."""

    status: str
    types: frozenset[str]
    anchors: frozenset[str]  # the places it serves and the places of its locations


def facts(engine: Engine) -> dict[str, Facts]:
    with db.session(engine) as s:
        status = {sid: st for sid, st in s.execute(select(Service.id, Service.status))}
        types: dict[str, set[str]] = {}
        for sid, code in s.execute(
            select(Attribute.link_id, TaxonomyTerm.code).join(
                TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id
            )
        ):
            types.setdefault(sid, set()).add(code)
        anchors: dict[str, set[str]] = {}
        for sid, pid in s.execute(select(ServiceArea.service_id, ServiceArea.place_id)):
            anchors.setdefault(sid, set()).add(pid)
        for sid, pid in s.execute(
            select(ServiceAtLocation.service_id, Location.place_id)
            .join(Location, Location.id == ServiceAtLocation.location_id)
            .where(Location.place_id.is_not(None))
        ):
            anchors.setdefault(sid, set()).add(pid)
    return {
        sid: Facts(st, frozenset(types.get(sid, ())), frozenset(anchors.get(sid, ())))
        for sid, st in status.items()
    }


def level_for(index: PlaceIndex, place: PlaceNode, fact: Facts) -> str | None:
    """The first level, from the place up, whose area holds an anchor of the service (at the
    national level: a service that serves the whole country); None when none does."""
    for area in index.ancestors(place.id):
        if area.level == "national":
            return "national" if area.id in fact.anchors else None
        if fact.anchors & set(index.subtree(area.id)):
            return area.level
    return None


def expected(engine: Engine, place: PlaceNode, types: tuple[str, ...]) -> dict[str, str]:
    """Every active service of any of the types (any type when none) with its match level."""
    index = place_index(engine)
    out: dict[str, str] = {}
    for sid, fact in facts(engine).items():
        if fact.status != "active" or (types and not fact.types & set(types)):
            continue
        level = level_for(index, place, fact)
        if level is not None:
            out[sid] = level
    return out


def node(engine: Engine, level: str, name: str) -> PlaceNode:
    found = place_index(engine).by_level(level, name)
    assert found is not None, f"{level} {name} is not in the places file"
    return found


def check_offer(hits: list[ServiceHit], want: dict[str, str]) -> None:
    """The offer is what the directory holds for the place: the right level for each service,
    most specific levels first, and no service of a more specific level left out for one of
    a less specific level."""
    ids = [h["id"] for h in hits]
    assert len(ids) == len(set(ids)), "a service offered twice"
    assert len(hits) == min(MAX_OFFERED, len(want))
    assert {h["id"]: h["match_level"] for h in hits} == {sid: want[sid] for sid in ids}
    ranks = [RANK[h["match_level"]] for h in hits]
    assert ranks == sorted(ranks)
    if hits:
        worst = max(ranks)
        assert {sid for sid, lv in want.items() if RANK[lv] < worst} <= set(ids)


def topic_types(topic: str) -> tuple[str, ...]:
    return get_topic_content(topic, "es").service_types


# -- ranking and fallbacks ------------------------------------------------------------------


@pytest.mark.parametrize(("level", "name"), PLACES)
def test_every_active_service_comes_at_its_level_most_specific_first(
    seeded: Engine, level: str, name: str
) -> None:
    place = node(seeded, level, name)
    found = offer(place, [], "es", engine=seeded)
    assert found.place == place
    check_offer(found.services, expected(seeded, place, ()))


def test_without_a_point_a_level_is_ordered_by_name(seeded: Engine) -> None:
    hits = offer(node(seeded, "corregimiento", "Herrera"), [], "es", engine=seeded).services
    for level in RANK:
        names = [h["name"] for h in hits if h["match_level"] == level]
        assert names == sorted(names)
    assert all(h["distance_km"] is None for h in hits)


def test_a_place_with_nothing_of_its_own_falls_back_to_distrito_provincia_and_national(
    seeded: Engine,
) -> None:
    # Herrera has no service of its own in the seed: its distrito's come first, then the
    # country's; Las Mañanitas has its own, then its distrito's and its provincia's
    herrera = offer(node(seeded, "corregimiento", "Herrera"), [], "es", engine=seeded).services
    assert herrera and "corregimiento" not in {h["match_level"] for h in herrera}
    assert herrera[0]["match_level"] == "distrito"
    assert herrera[-1]["match_level"] == "national"
    mananitas = offer(node(seeded, "corregimiento", "Las Mañanitas"), [], "es", engine=seeded)
    levels = [h["match_level"] for h in mananitas.services]
    assert levels[0] == "corregimiento"
    assert {"distrito", "provincia", "national"} <= set(levels)


def test_a_closed_service_is_not_offered_and_the_next_level_fills_in(fresh: Engine) -> None:
    place = node(fresh, "corregimiento", "Las Mañanitas")
    before = offer(place, [], "es", engine=fresh).services
    own = [h["id"] for h in before if h["match_level"] == "corregimiento"]
    assert own
    for sid in own:
        api.close(sid, engine=fresh)
    after = offer(place, [], "es", engine=fresh).services
    assert not set(own) & {h["id"] for h in after}
    assert after[0]["match_level"] != "corregimiento"
    check_offer(after, expected(fresh, place, ()))


def test_a_place_is_searched_as_the_node_given_not_as_its_name(seeded: Engine) -> None:
    # "Panamá" names a provincia and a distrito inside it: searched by name it would be the
    # distrito (the most specific); the provincia's node is searched as the provincia
    provincia = node(seeded, "provincia", "Panamá")
    assert find_place("Panamá", engine=seeded).place == node(seeded, "distrito", "Panamá")
    hits = offer(provincia, [], "es", engine=seeded).services
    assert {h["match_level"] for h in hits} <= {"provincia", "national"}
    check_offer(hits, expected(seeded, provincia, ()))


def test_a_node_of_no_place_of_this_directory_is_refused(seeded: Engine) -> None:
    stranger = PlaceNode("not-a-place", "corregimiento", "Herrera", None)
    with pytest.raises(SearchError):
        offer(stranger, [], "es", engine=seeded)


# -- the topic's types ----------------------------------------------------------------------


@pytest.mark.parametrize("topic", TOPICS)
@pytest.mark.parametrize(("level", "name"), PLACES[:6])
def test_a_topic_offers_the_services_of_any_of_its_types(
    seeded: Engine, topic: str, level: str, name: str
) -> None:
    types = topic_types(topic)
    place = node(seeded, level, name)
    hits = offer(place, types, "es", engine=seeded).services
    assert all(set(h["types"]) & set(types) for h in hits)
    check_offer(hits, expected(seeded, place, types))


def test_several_types_are_merged_each_service_once_in_the_directorys_order(
    seeded: Engine,
) -> None:
    # refuge: refugee and legal. Herrera's distrito has a legal service, the country the
    # refugee ones: the merged offer has both, the distrito's first
    place = node(seeded, "corregimiento", "Herrera")
    legal = offer(place, ["legal"], "es", engine=seeded).services
    refugee = offer(place, ["refugee"], "es", engine=seeded).services
    both = offer(place, topic_types("refuge"), "es", engine=seeded).services
    assert {h["id"] for h in both} <= {h["id"] for h in legal + refugee}
    assert legal[0]["match_level"] == "distrito"
    assert both[0]["id"] == legal[0]["id"]
    assert {h["id"] for h in refugee if h["match_level"] == "national"} & {h["id"] for h in both}


def test_an_unknown_type_is_an_error_not_an_empty_offer(seeded: Engine) -> None:
    with pytest.raises(SearchError):
        offer(node(seeded, "corregimiento", "Herrera"), ["astrology"], "es", engine=seeded)


def test_the_offer_speaks_the_persons_language(seeded: Engine) -> None:
    place = node(seeded, "corregimiento", "Omar Torrijos")
    es = offer(place, [], "es", engine=seeded).services
    en = offer(place, [], "en", engine=seeded).services
    assert {h["id"] for h in es} == {h["id"] for h in en}
    by_id = {h["id"]: h["name"] for h in es}
    assert any(h["name"] != by_id[h["id"]] for h in en)


# -- national -------------------------------------------------------------------------------


@pytest.mark.parametrize("topic", [None, *TOPICS])
def test_national_offers_only_services_of_the_whole_country(
    seeded: Engine, topic: str | None
) -> None:
    types = topic_types(topic) if topic else ()
    root = place_index(seeded).national()
    hits = national(types, "es", engine=seeded)
    want = expected(seeded, root, types)
    assert set(want.values()) <= {"national"}
    check_offer(hits, want)


def test_national_services_are_not_crowded_out_by_a_places_own(seeded: Engine) -> None:
    # from Las Mañanitas, its own, its distrito's and its provincia's services take three of
    # the nine places; national() searches the country itself and gets all nine national ones
    place = node(seeded, "corregimiento", "Las Mañanitas")
    local = offer(place, [], "es", engine=seeded).services
    from_there = {h["id"] for h in local if h["match_level"] == "national"}
    country = {h["id"] for h in national([], "es", engine=seeded)}
    assert from_there < country
    assert len(country) == min(
        MAX_OFFERED, len(expected(seeded, place_index(seeded).national(), ()))
    )


# -- what was shown, read again by id --------------------------------------------------------


def test_offered_reads_the_services_shown_in_their_order_and_language(seeded: Engine) -> None:
    place = node(seeded, "corregimiento", "Las Mañanitas")
    shown = offer(place, [], "en", engine=seeded).services
    kept = [(h["id"], h["match_level"]) for h in reversed(shown)]
    again = offered(kept, "en", engine=seeded)
    assert [(h["id"], h["match_level"]) for h in again] == kept
    assert {h["id"]: h["name"] for h in again} == {h["id"]: h["name"] for h in shown}
    spanish = offered(kept, "es", engine=seeded)
    assert [h["id"] for h in spanish] == [sid for sid, _ in kept]
    # the names come in the language asked for
    assert any(es["name"] != en["name"] for es, en in zip(spanish, again))


def test_offered_does_not_search_again_and_leaves_out_what_closed(fresh: Engine) -> None:
    place = node(fresh, "corregimiento", "Herrera")
    shown = offer(place, [], "es", engine=fresh).services
    kept = [(h["id"], h["match_level"]) for h in shown]
    # a new service that a new search would put first, and one shown that closes meanwhile
    new = api.create(
        ServiceRecord(
            organization="Organización de prueba",
            name="AAA servicio nuevo",
            types=("information",),
            scope=("corregimiento:Herrera",),
        ),
        engine=fresh,
    )
    assert offer(place, [], "es", engine=fresh).services[0]["id"] == new
    api.close(kept[1][0], engine=fresh)
    again = offered(kept, "es", engine=fresh)
    assert [(h["id"], h["match_level"]) for h in again] == [kept[0], *kept[2:]]
    assert offered([("no-such-service", "national")], "es", engine=fresh) == []
    assert offered([], "es", engine=fresh) == []


# -- near a point ---------------------------------------------------------------------------


@pytest.fixture
def located(fresh: Engine) -> Engine:
    """A seeded database where two services have (invented) points."""
    api.update(HOSPITAL, latitude=HOSPITAL_AT[0], longitude=HOSPITAL_AT[1], engine=fresh)
    api.update(
        POLYCLINIC,
        corregimiento="Herrera",
        latitude=POLYCLINIC_AT[0],
        longitude=POLYCLINIC_AT[1],
        engine=fresh,
    )
    return fresh


def north_of(point: tuple[float, float], km: float) -> tuple[float, float]:
    return point[0] + km / 111.2, point[1]


def test_a_point_is_the_place_of_the_nearest_service_and_ranks_by_distance(
    located: Engine,
) -> None:
    near_polyclinic = north_of(POLYCLINIC_AT, 0.2)
    found = offer_near(*near_polyclinic, [], "es", engine=located)
    assert found is not None
    assert found.place == node(located, "corregimiento", "Herrera")
    hits = found.services
    check_offer(hits, expected(located, found.place, ()))
    assert hits[0]["id"] == POLYCLINIC and hits[0]["match_level"] == "corregimiento"
    assert hits[0]["distance_km"] == pytest.approx(0.2, abs=0.01)
    for level in RANK:
        at = [h for h in hits if h["match_level"] == level]
        measured = [h["distance_km"] for h in at if h["distance_km"] is not None]
        assert measured == sorted(measured)
        # the services with a point come before those without
        flags = [h["distance_km"] is None for h in at]
        assert flags == sorted(flags)
    hospital = next(h for h in hits if h["id"] == HOSPITAL)
    assert hospital["match_level"] == "distrito"
    assert hospital["distance_km"] > hits[0]["distance_km"]


def test_a_service_that_serves_a_distrito_maps_the_point_to_the_distrito(
    located: Engine,
) -> None:
    near_hospital = north_of(HOSPITAL_AT, 0.1)
    assert place_near(*near_hospital, engine=located) == node(located, "distrito", "La Chorrera")
    found = offer_near(*near_hospital, topic_types("health"), "en", engine=located)
    assert found is not None and found.place.level == "distrito"
    assert found.services[0]["id"] == HOSPITAL
    check_offer(found.services, expected(located, found.place, topic_types("health")))


def test_a_point_beyond_near_km_of_every_service_gives_no_place(located: Engine) -> None:
    inside = north_of(POLYCLINIC_AT, NEAR_KM - 0.5)
    beyond = north_of(POLYCLINIC_AT, NEAR_KM + 0.5)
    assert place_near(*inside, engine=located) is not None
    assert place_near(*beyond, engine=located) is None
    assert offer_near(*beyond, [], "es", engine=located) is None


def test_a_point_near_no_located_service_gives_no_place(seeded: Engine) -> None:
    assert place_near(*POLYCLINIC_AT, engine=seeded) is None  # the seed has no service points
    assert offer_near(*POLYCLINIC_AT, [], "es", engine=seeded) is None


def test_a_point_off_the_globe_gives_no_place_and_no_error(located: Engine) -> None:
    for lat, lon in ((91.0, -79.78), (8.88, -181.0), (float("nan"), -79.78)):
        assert offer_near(lat, lon, [], "es", engine=located) is None


def test_a_closed_service_does_not_place_a_point(located: Engine) -> None:
    api.close(POLYCLINIC, engine=located)
    found = offer_near(*north_of(POLYCLINIC_AT, 0.2), [], "es", engine=located)
    # the hospital, about 1 km away, now gives the place
    assert found is not None and found.place == node(located, "distrito", "La Chorrera")
    assert POLYCLINIC not in {h["id"] for h in found.services}
