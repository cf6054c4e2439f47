"""`offer`: which services a person is offered, on the real migrated and seeded databases.

The expected answer is worked out here from the HSDS tables themselves (a service's areas, the
places of its locations, its types, main purpose, eligibility and status), never from the search
table the code reads, so that a wrong level, a lost fallback, a type left out or a service
offered to people it is not for shows up as a difference.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine, select

from content.topics import TOPICS, get_topic_content
from referral_directory import api, search_index
from referral_directory.models import (
    GROUP_TYPES,
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
from tests.directory.conftest import MakeDb
from tools import bench_directory as bench

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
    main: str | None = None  # its main purpose
    serves_only: frozenset[str] = frozenset()  # the groups it is only for


def facts(engine: Engine) -> dict[str, Facts]:
    with db.session(engine) as s:
        status = {sid: st for sid, st in s.execute(select(Service.id, Service.status))}
        types: dict[str, set[str]] = {}
        groups: dict[str, set[str]] = {}
        main: dict[str, str] = {}
        for sid, link_type, value, code in s.execute(
            select(Attribute.link_id, Attribute.link_type, Attribute.value, TaxonomyTerm.code).join(
                TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id
            )
        ):
            if link_type == "eligibility":
                groups.setdefault(sid, set()).add(code)
                continue
            types.setdefault(sid, set()).add(code)
            if value == "main":
                main[sid] = code
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
        sid: Facts(
            st,
            frozenset(types.get(sid, ())),
            frozenset(anchors.get(sid, ())),
            main.get(sid),
            frozenset(groups.get(sid, ())),
        )
        for sid, st in status.items()
    }


def open_to(fact: Facts, types: Sequence[str]) -> bool:
    """The audience rule: a service only for some groups is offered only to a request of one
    of their types; one for everyone, to any request."""
    return not fact.serves_only or bool(fact.serves_only & set(types))


def fit_of(fact: Facts, types: Sequence[str]) -> tuple[int, int]:
    """How well a service fits the types asked for (lower is better): its main purpose is the
    i-th asked type (0, i); it also does the i-th (1, i); only information (2, 0). Information
    counts as a fit of its own only when nothing else is asked."""
    specific = [t for t in types if t != "information"] or list(types)
    if fact.main in specific:
        return 0, specific.index(str(fact.main))
    does = [i for i, t in enumerate(specific) if t in fact.types]
    return (1, does[0]) if does else (2, 0)


def level_for(index: PlaceIndex, place: PlaceNode, fact: Facts) -> str | None:
    """The first level, from the place up, whose area holds an anchor of the service (at the
    national level: a service that serves the whole country); None when none does."""
    for area in index.ancestors(place.id):
        if area.level == "national":
            return "national" if area.id in fact.anchors else None
        if fact.anchors & set(index.subtree(area.id)):
            return area.level
    return None


def expected(engine: Engine, place: PlaceNode, types: Sequence[str]) -> dict[str, str]:
    """Every active service of any of the types (any type when none) open to the request, with
    its match level."""
    index = place_index(engine)
    out: dict[str, str] = {}
    for sid, fact in facts(engine).items():
        if fact.status != "active" or (types and not fact.types & set(types)):
            continue
        if not open_to(fact, types):
            continue
        level = level_for(index, place, fact)
        if level is not None:
            out[sid] = level
    return out


def node(engine: Engine, level: str, name: str) -> PlaceNode:
    found = place_index(engine).by_level(level, name)
    assert found is not None, f"{level} {name} is not in the places file"
    return found


def check_offer(
    hits: list[ServiceHit], want: dict[str, str], fits: dict[str, tuple[int, int]] | None = None
) -> None:
    """The offer is what the directory holds for the place: the right level for each service,
    the best fit first (`fits`; all alike when None), most specific levels first within a fit,
    and no service of a better fit or level left out for one of a worse."""
    ids = [h["id"] for h in hits]
    assert len(ids) == len(set(ids)), "a service offered twice"
    assert len(hits) == min(MAX_OFFERED, len(want))
    assert {h["id"]: h["match_level"] for h in hits} == {sid: want[sid] for sid in ids}

    def key(sid: str) -> tuple[tuple[int, int], int]:
        return (fits or {}).get(sid, (0, 0)), RANK[want[sid]]

    keys = [key(sid) for sid in ids]
    assert keys == sorted(keys)
    if hits:
        worst = max(keys)
        assert {sid for sid in want if key(sid) < worst} <= set(ids)


def check_topic_offer(
    engine: Engine, place: PlaceNode, types: Sequence[str], hits: list[ServiceHit]
) -> None:
    every = facts(engine)
    want = expected(engine, place, types)
    check_offer(hits, want, {sid: fit_of(every[sid], types) for sid in want})


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
    check_topic_offer(seeded, place, types, hits)


def test_several_types_are_merged_each_service_once_by_fit_then_the_directorys_order(
    seeded: Engine,
) -> None:
    # refuge: refugee and legal. Herrera's distrito has a legal service (only for survivors of
    # violence: not offered), the country the refugee ones: the merged offer has both types
    place = node(seeded, "corregimiento", "Herrera")
    legal = offer(place, ["legal"], "es", engine=seeded).services
    refugee = offer(place, ["refugee"], "es", engine=seeded).services
    both = offer(place, REFUGE, "es", engine=seeded).services
    assert {h["id"] for h in both} <= {h["id"] for h in legal + refugee}
    assert {h["id"] for h in refugee if h["match_level"] == "national"} & {h["id"] for h in both}
    assert {h["id"] for h in legal} & {h["id"] for h in both}
    assert CHORRERA_GBV_CENTRE not in {h["id"] for h in legal + refugee + both}
    check_topic_offer(seeded, place, REFUGE, both)


# -- fit first, nearness second -------------------------------------------------------------

#: the refuge topic's service types (content.yaml), its own type first
REFUGE = ("refugee", "legal")
CHORRERA_GBV_CENTRE = stable_id("service:municipio-la-chorrera-centro-atencion")
LINE_182 = stable_id("service:mujer-linea-182-cai")
SENNIAF = stable_id("service:senniaf-proteccion-ninez")
TRAFFICKING = stable_id("service:minseg-trata-de-personas")
ONPAR = stable_id("service:onpar-refugio")
ACNUR = stable_id("service:acnur-panama")


def test_the_refuge_topic_is_the_topics_own_type_first() -> None:
    assert topic_types("refuge") == REFUGE


def test_asylum_in_barrio_balboa_offers_refugee_services_first_and_none_only_for_gbv(
    seeded: Engine,
) -> None:
    # the issue: the first service offered for an asylum question in Barrio Balboa was the
    # centre for women survivors of violence of its distrito (legal among its types)
    place = node(seeded, "corregimiento", "Barrio Balboa")
    every = facts(seeded)
    for language in ("es", "en"):
        hits = offer(place, REFUGE, language, engine=seeded).services
        ids = [h["id"] for h in hits]
        assert not any("gbv" in every[sid].serves_only for sid in ids)
        assert CHORRERA_GBV_CENTRE not in ids and LINE_182 not in ids
        assert SENNIAF not in ids  # only for children
        assert every[ids[0]].main == "refugee"
        assert hits[0]["types"][0] == "refugee"  # a hit lists its main purpose first
        assert set(ids[:2]) == {ONPAR, ACNUR}
        check_topic_offer(seeded, place, REFUGE, hits)


@pytest.mark.parametrize(("level", "name"), PLACES[:6])
def test_for_gbv_the_services_only_for_survivors_are_offered(
    seeded: Engine, level: str, name: str
) -> None:
    place = node(seeded, level, name)
    hits = offer(place, ["gbv"], "es", engine=seeded).services
    ids = [h["id"] for h in hits]
    assert LINE_182 in ids
    check_topic_offer(seeded, place, ["gbv"], hits)
    if place.name == "Barrio Balboa":
        # its distrito's centre comes first: main purpose gbv, and the nearest level
        assert ids[:2] == [CHORRERA_GBV_CENTRE, LINE_182]
    # a request of another type as well still reaches them, through gbv
    both = offer(place, ["legal", "gbv"], "es", engine=seeded).services
    assert LINE_182 in {h["id"] for h in both}
    check_topic_offer(seeded, place, ["legal", "gbv"], both)


def test_a_service_for_a_group_is_offered_only_for_that_groups_type(seeded: Engine) -> None:
    place = node(seeded, "corregimiento", "Barrio Balboa")
    restricted = {sid for sid, f in facts(seeded).items() if f.serves_only}
    assert {CHORRERA_GBV_CENTRE, LINE_182, SENNIAF, TRAFFICKING} <= restricted
    nothing_asked = {h["id"] for h in offer(place, [], "es", engine=seeded).services}
    country = {h["id"] for h in national([], "es", engine=seeded)}
    assert not (nothing_asked | country) & restricted
    assert SENNIAF in {h["id"] for h in offer(place, ["children"], "es", engine=seeded).services}
    assert SENNIAF not in {
        h["id"] for h in offer(place, ["emergency"], "es", engine=seeded).services
    }
    assert TRAFFICKING in {h["id"] for h in national(["trafficking"], "es", engine=seeded)}
    assert TRAFFICKING not in {h["id"] for h in national(["emergency"], "es", engine=seeded)}
    # staff searches still list every service
    assert CHORRERA_GBV_CENTRE in {
        h["id"]
        for h in api.search("barrio balboa", service_type="legal", engine=seeded)["services"]
    }


def test_main_purpose_before_secondary_before_general_whatever_the_distance(
    fresh: Engine,
) -> None:
    place = node(fresh, "corregimiento", "Barrio Balboa")

    def create(name: str, types: tuple[str, ...]) -> str:
        return api.create(
            ServiceRecord(
                organization="Organización de prueba",
                name=name,
                types=types,
                scope=("corregimiento:Barrio Balboa",),
            ),
            engine=fresh,
        )

    # in Barrio Balboa itself (the nearest level), one for each fit
    own = create("Oficina de refugio del barrio", ("refugee", "information"))
    also = create("Centro comunitario del barrio", ("psychosocial", "refugee"))
    legal = create("Consultorio jurídico del barrio", ("legal",))
    general = create("Información del barrio", ("information", "psychosocial"))
    hits = offer(place, REFUGE, "es", engine=fresh).services
    ids = [h["id"] for h in hits]
    # its main purpose the topic's own type, and nearest: first; then the country's services
    # for refugees, before a nearer one whose main purpose is legal (the topic's second type);
    # then the country's legal ones; and only then one that also does refugee work, nearer
    # though it is than all of them
    every = facts(fresh)
    legal_ones = [sid for sid in ids[4:] if every[sid].main == "legal"]
    assert ids[:4] == [own, ACNUR, ONPAR, legal]
    assert legal_ones and ids[4 : 4 + len(legal_ones)] == legal_ones
    assert ids[4 + len(legal_ones)] == also
    assert general not in ids  # information is not asked for refuge
    check_topic_offer(fresh, place, REFUGE, hits)
    regularization = ("regularization", "legal", "information")
    hits = offer(place, regularization, "es", engine=fresh).services
    assert [h["id"] for h in hits].index(legal) < [h["id"] for h in hits].index(general)
    check_topic_offer(fresh, place, regularization, hits)
    # with nothing asked, no fit: nearest first
    assert {h["id"] for h in offer(place, [], "es", engine=fresh).services[:4]} == {
        own,
        also,
        legal,
        general,
    }


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
    # the same services in the same order: ties are broken by the name as stored
    for types in ((), REFUGE, ("health",)):
        assert [h["id"] for h in offer(place, types, "en", engine=seeded).services] == [
            h["id"] for h in offer(place, types, "es", engine=seeded).services
        ]


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
    check_topic_offer(seeded, root, types, hits)


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
    check_topic_offer(located, found.place, topic_types("health"), found.services)


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


# -- a grown directory: the ranges read are enough for the best offer ------------------------

#: requests as the actions make them: a topic's types (its own first), a need, a group, none
REQUESTS: list[tuple[str, ...]] = [
    (),
    ("refugee", "legal"),
    ("regularization", "legal", "information"),
    ("health",),
    ("information",),
    ("food", "shelter"),
    ("gbv",),
    ("legal", "gbv"),
    ("children",),
    ("trafficking", "emergency"),
]


@pytest.fixture(scope="module")
def grown(make_db: MakeDb) -> Engine:
    """The seed and 1,200 generated services with one to three types each, most with a main
    purpose (some stored before there were main purposes, with none), and many of those of
    a group's type only for that group."""
    eng = make_db()
    ids_rng = random.Random(13)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            bench,
            "uuid",
            SimpleNamespace(uuid4=lambda: uuid.UUID(int=ids_rng.getrandbits(128), version=4)),
        )
        bench.generate(eng, 1200, seed=5)
    rng = random.Random(7)
    with db.session(eng) as s:
        rows = s.execute(
            select(Attribute.id, Attribute.link_id, TaxonomyTerm.code)
            .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
            .where(  # the generated services: none has a main purpose
                Attribute.link_id.not_in(select(Attribute.link_id).where(Attribute.value == "main"))
            )
            .order_by(Attribute.link_id, TaxonomyTerm.code)
        ).all()
        by_service: dict[str, list[tuple[str, str]]] = {}
        for attr_id, sid, code in rows:
            by_service.setdefault(sid, []).append((attr_id, code))
        for sid, attrs in sorted(by_service.items()):
            if rng.random() < 0.9:
                s.get_one(Attribute, rng.choice(attrs)[0]).value = "main"
            groups = [code for _, code in attrs if code in GROUP_TYPES]
            if groups and rng.random() < 0.6:
                s.add(
                    Attribute(
                        link_id=sid,
                        link_entity="service",
                        link_type="eligibility",
                        taxonomy_term_id=stable_id(f"taxonomy_term:{rng.choice(groups)}"),
                    )
                )
        search_index.rebuild(s)
    return eng


def _points(engine: Engine) -> tuple[dict[str, str], dict[str, list[tuple[float, float]]]]:
    with db.session(engine) as s:
        names = {sid: name for sid, name in s.execute(select(Service.id, Service.name))}
        points: dict[str, list[tuple[float, float]]] = {}
        for sid, lat, lon in s.execute(
            select(ServiceAtLocation.service_id, Location.latitude, Location.longitude)
            .join(Location, Location.id == ServiceAtLocation.location_id)
            .where(Location.latitude.is_not(None), Location.longitude.is_not(None))
        ):
            points.setdefault(sid, []).append((lat, lon))
    return names, points


def reference_offer(
    engine: Engine,
    place: PlaceNode,
    types: Sequence[str],
    near: tuple[float, float] | None,
    every: dict[str, Facts],
    names: dict[str, str],
    points: dict[str, list[tuple[float, float]]],
) -> list[tuple[str, str]]:
    """The best MAX_OFFERED of every service the request may be offered, sorted whole: by fit,
    match level, distance (as the search measures it), name, id."""
    ref = near
    if ref is None and place.latitude is not None and place.longitude is not None:
        ref = (place.latitude, place.longitude)
    want = expected(engine, place, types)

    def d2(sid: str) -> float:
        if ref is None or sid not in points:
            return math.inf
        k = max(math.cos(math.radians(ref[0])), 0.01)
        return min((lat - ref[0]) ** 2 + ((lon - ref[1]) * k) ** 2 for lat, lon in points[sid])

    def key(sid: str) -> tuple[object, ...]:
        f = fit_of(every[sid], types) if types else (0, 0)
        return f, RANK[want[sid]], d2(sid), names[sid], sid

    return [(sid, want[sid]) for sid in sorted(want, key=key)[:MAX_OFFERED]]


def test_an_offer_is_the_best_of_everything_the_directory_holds(grown: Engine) -> None:
    index = place_index(grown)
    every = facts(grown)
    names, points = _points(grown)
    assert any(f.serves_only for f in every.values())
    assert any(f.main is None and len(f.types) > 1 for f in every.values())
    rng = random.Random(29)
    places = sorted((n for n in index.nodes.values() if n.level != "national"), key=lambda n: n.id)
    cases = [(rng.choice(places), types, None) for types in REQUESTS for _ in range(4)]
    cases += [
        (
            rng.choice(places),
            rng.choice(REQUESTS),
            (rng.uniform(8.9, 9.1), rng.uniform(-79.8, -79.4)),
        )
        for _ in range(40)
    ]
    cases += [(index.national(), types, None) for types in REQUESTS]
    for place, types, near in cases:
        got = offer(place, types, "es", near=near, engine=grown).services
        assert [(h["id"], h["match_level"]) for h in got] == reference_offer(
            grown, place, types, near, every, names, points
        ), (place.name, types, near)
