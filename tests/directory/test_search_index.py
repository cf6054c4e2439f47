"""The search table answers exactly what the HSDS tables say, and stays right after every edit.

`reference_ids` is the search as it was before the search table: joins over the HSDS tables and
every place inside the level, sorted whole. It is slow on a large directory but plainly right,
so the fast search must give the same services, at the same levels, in the same order.
"""

from __future__ import annotations

import importlib
import math
import pkgutil
import random
import uuid
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import ColumnElement, Engine, Select, func, select, union_all, update
from sqlalchemy.orm import Session

import referral_directory
from referral_directory import api, search_index
from referral_directory.csv_io import COLUMNS, import_csv
from referral_directory.models import (
    Attribute,
    Base,
    Location,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceSearch,
    TaxonomyTerm,
)
from referral_directory.placedb import place_index
from referral_directory.records import ServiceRecord, stable_id
from referral_directory.resolve import PlaceIndex
from referral_directory.search import search
from referral_directory.seed import load_seed
from referral_directory.validate import validate
from store import db
from tests.directory.conftest import SEED_DIR, MakeDb
from tools import bench_directory as bench

ROW = tuple[object, ...]


def _level_query(
    ids: list[str],
    service_type: str | None,
    seen: Sequence[str],
    ref: tuple[float, float] | None,
    limit: int,
) -> Select[tuple[str]]:
    anchored = union_all(
        select(ServiceArea.service_id).where(ServiceArea.place_id.in_(ids)),
        select(ServiceAtLocation.service_id)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .where(Location.place_id.in_(ids)),
    )
    query = select(Service.id).where(Service.id.in_(anchored), Service.status == "active")
    if service_type:
        query = query.where(
            Service.id.in_(
                select(Attribute.link_id)
                .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
                .where(TaxonomyTerm.code == service_type)
            )
        )
    if seen:
        query = query.where(Service.id.not_in(seen))
    if ref is None:
        return query.order_by(Service.name, Service.id).limit(limit)
    lat0, lon0 = ref
    k = max(math.cos(math.radians(lat0)), 0.01)
    dlat = Location.latitude - lat0
    dlon = (Location.longitude - lon0) * k
    dist: ColumnElement[float] = func.min(dlat * dlat + dlon * dlon)
    return (
        query.outerjoin(ServiceAtLocation, ServiceAtLocation.service_id == Service.id)
        .outerjoin(Location, Location.id == ServiceAtLocation.location_id)
        .group_by(Service.id, Service.name)
        .order_by(dist.is_(None), dist, Service.name, Service.id)
        .limit(limit)
    )


def reference_ids(
    engine: Engine,
    index: PlaceIndex,
    place: str,
    service_type: str | None,
    near: tuple[float, float] | None,
    limit: int,
) -> list[tuple[str, str]]:
    node = index.resolve(place).place
    if node is None:
        return []
    ref = near
    if ref is None and node.latitude is not None and node.longitude is not None:
        ref = (node.latitude, node.longitude)
    found: list[tuple[str, str]] = []
    with db.session(engine) as s:
        for a in index.ancestors(node.id):
            if len(found) >= limit:
                break
            ids = [a.id] if a.level == "national" else index.subtree(a.id)
            seen = [sid for sid, _ in found]
            rows = s.scalars(_level_query(ids, service_type, seen, ref, limit - len(found)))
            found += [(sid, a.level) for sid in rows]
    return found


def _snapshot(engine: Engine) -> list[ROW]:
    with db.session(engine) as s:
        rows = s.execute(
            select(*(getattr(ServiceSearch, c) for c in search_index.COLUMNS))
        ).tuples()
        return sorted((tuple(r) for r in rows), key=repr)


def _rebuilt(engine: Engine) -> list[ROW]:
    with db.session(engine) as s:
        search_index.rebuild(s)
    return _snapshot(engine)


def _add_points(s: Session, service_id: str, points: list[tuple[str | None, float, float]]) -> None:
    """Extra located sites of a service (the record API edits one site; the tables allow more)."""
    for place_id, lat, lon in points:
        loc = Location(place_id=place_id, latitude=lat, longitude=lon)
        s.add(loc)
        s.flush()
        s.add(ServiceAtLocation(service_id=service_id, location_id=loc.id))
    search_index.refresh(s, [service_id])


@pytest.fixture(scope="module")
def grown(make_db: MakeDb) -> Engine:
    """The seed, 600 generated services (some closed), and some with several sites, sharing
    names, or without a point."""
    eng = make_db()
    # The generator gives its rows uuid4 ids, and which services get extra sites or share a
    # name below follows the ids' order: with ids from a seeded generator the data (and any
    # failure) is the same on every run.
    ids_rng = random.Random(11)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            bench,
            "uuid",
            SimpleNamespace(uuid4=lambda: uuid.UUID(int=ids_rng.getrandbits(128), version=4)),
        )
        bench.generate(eng, 600, seed=3)
    index = place_index(eng)
    corrs = sorted(n.id for n in index.nodes.values() if n.level == "corregimiento")
    rng = random.Random(5)
    with db.session(eng) as s:
        ids = list(s.scalars(select(Service.id).order_by(Service.id).limit(300)))
        # sites spread evenly (generated ones cluster at corregimiento centres), so that the
        # nearest services often lie just outside the boxes search reads first
        for sid in ids[:250]:
            points = [
                (rng.choice([*corrs, None]), rng.uniform(8.9, 9.1), rng.uniform(-79.8, -79.4))
                for _ in range(rng.randint(1, 3))
            ]
            _add_points(s, sid, points)
        for sid in ids[250:]:  # names shared by several services: the id breaks the tie
            s.get_one(Service, sid).name = "Servicio sintético repetido"
        search_index.rebuild(s)
    return eng


def _cases(index: PlaceIndex) -> list[tuple[str, str | None, tuple[float, float] | None, int]]:
    rng = random.Random(17)
    qs = bench.queries(index, 120, seed=23)
    cases = []
    for q in qs:
        limit = rng.choice([1, 3, 10, 40, 100])
        near = q.get("near")
        cases.append((str(q["place"]), q.get("service_type"), near, limit))  # type: ignore[arg-type]
    for _ in range(60):
        near = (rng.uniform(8.9, 9.1), rng.uniform(-79.8, -79.4))
        cases.append(("nacional", rng.choice([None, "health"]), near, rng.choice([1, 5, 20])))
    cases += [
        ("rufina alfaro", None, None, 100),  # the places file has its coordinates
        ("rufina alfaro", "food", None, 10),
        ("panama", None, (9.0, -79.5), 100),
        ("panama oeste", "health", (8.88, -79.78), 100),
        ("nacional", None, None, 30),
        ("herrera", None, (30.0, 10.0), 20),  # far away: every box is empty
    ]
    return cases


def test_search_gives_what_the_tables_say(grown: Engine) -> None:
    index = place_index(grown)
    for place, service_type, near, limit in _cases(index):
        got = search(place, service_type=service_type, near=near, limit=limit, engine=grown)
        expected = reference_ids(grown, index, place, service_type, near, limit)
        assert [(h["id"], h["match_level"]) for h in got["services"]] == expected, (
            place,
            service_type,
            near,
            limit,
        )


def test_duplicate_rows_do_not_duplicate_services(grown: Engine) -> None:
    with db.session(grown) as s:
        multi = s.scalar(
            select(ServiceAtLocation.service_id)
            .join(Service, Service.id == ServiceAtLocation.service_id)
            .where(Service.status == "active")
            .group_by(ServiceAtLocation.service_id)
            .having(func.count() > 1)
            .limit(1)
        )
    assert multi is not None
    answer = search("nacional", limit=100, engine=grown)["services"]
    ids = [h["id"] for h in answer]
    assert len(ids) == len(set(ids))


def test_the_table_follows_every_edit(fresh: Engine, tmp_path: Path) -> None:
    sid = api.create(
        ServiceRecord(
            organization="Organización de prueba",
            name="Servicio de prueba",
            types=("food", "legal"),
            scope=("corregimiento:Herrera",),
            corregimiento="Herrera",
            latitude=8.88,
            longitude=-79.78,
            phone="+507 6000-0000",
        ),
        actor="staff-test",
        engine=fresh,
    )
    assert _snapshot(fresh) == _rebuilt(fresh)
    api.update(
        sid,
        name="Otro nombre",
        types=("health",),
        scope=("distrito:San Miguelito", "corregimiento:Herrera"),
        corregimiento="Omar Torrijos",
        latitude=9.05,
        longitude=-79.47,
        actor="staff-test",
        engine=fresh,
    )
    assert _snapshot(fresh) == _rebuilt(fresh)
    hits = search("omar torrijos", service_type="health", limit=50, engine=fresh)["services"]
    assert sid in {h["id"] for h in hits}
    api.update(sid, corregimiento=None, latitude=None, longitude=None, engine=fresh)
    assert _snapshot(fresh) == _rebuilt(fresh)
    api.close(sid, "temporarily closed", engine=fresh)
    assert _snapshot(fresh) == _rebuilt(fresh)
    assert sid not in {h["id"] for h in search("herrera", limit=100, engine=fresh)["services"]}
    api.update(sid, status="active", engine=fresh)
    api.mark_verified(sid, engine=fresh)
    assert sid in {h["id"] for h in search("herrera", limit=100, engine=fresh)["services"]}
    path = tmp_path / "new.csv"
    path.write_text(
        ",".join(COLUMNS)
        + "\n"
        + ",".join(
            {
                "organization": "Org",
                "name": "Comedor",
                "types": "food",
                "scope": "distrito:La Chorrera",
                "latitude": "8.9",
                "longitude": "-79.7",
            }.get(c, "")
            for c in COLUMNS
        )  # fmt: skip
        + "\n",
        encoding="utf-8",
    )
    assert import_csv(path, engine=fresh).written
    assert _snapshot(fresh) == _rebuilt(fresh)


def test_revision_0002_fills_the_table_of_an_existing_directory(fresh: Engine) -> None:
    api.create(
        ServiceRecord(organization="Org", name="Con punto", types=("food",),
                      scope=("provincia:Panamá Oeste",), corregimiento="Barrio Colón",
                      latitude=8.88, longitude=-79.78),
        engine=fresh,
    )  # fmt: skip
    with db.session(fresh) as s:
        _add_points(s, stable_id("service:oim-panama"), [(None, 8.98, -79.55)])
    before = _snapshot(fresh)
    assert before
    cfg = db.alembic_config(fresh)
    command.downgrade(cfg, "0001")
    command.upgrade(cfg, "head")
    # the rows of staff searches; the offer filters (revision 0006) are tested below: the
    # groups a service is only for are dropped by going down past 0006
    assert _staff_rows(_snapshot(fresh)) == _staff_rows(before)


def _staff_rows(rows: list[ROW]) -> list[ROW]:
    return [r for r in rows if not search_index.is_offer_filter(str(r[2]))]


def test_revision_0006_adds_the_offer_filters_of_an_existing_directory(fresh: Engine) -> None:
    cfg = db.alembic_config(fresh)
    command.downgrade(cfg, "0005")
    at_0005 = _snapshot(fresh)
    assert at_0005 and at_0005 == _staff_rows(at_0005)
    with db.session(fresh) as s:  # as a directory stored before there were main purposes
        s.execute(update(Attribute).values(value=None))
    command.upgrade(cfg, "head")
    after = _snapshot(fresh)
    assert after == _rebuilt(fresh)

    def mains(slug: str) -> set[object]:
        sid = stable_id(f"service:{slug}")
        return {r[2] for r in after if r[0] == sid and str(r[2]).endswith(search_index.MAIN)}

    # a service with one type has it as main purpose; with several, none can be told
    assert mains("snm-residencia") == {"offer:regularization:main"}
    assert mains("onpar-refugio") == set()
    # the groups went with the downgrade: the line for women is open to every request again
    line = api.get(stable_id("service:mujer-linea-182-cai"), engine=fresh)
    assert line.serves_only == ()
    assert line.id in {v.id for v in validate_findings(fresh)}
    # the seed gives them back, and the main purposes of its 24 services with several types
    # (none was edited by staff)
    assert load_seed(fresh, seed_dir=SEED_DIR).services_reclassified == 24
    assert api.get(line.id, engine=fresh).serves_only == ("gbv",)
    assert _snapshot(fresh) == _rebuilt(fresh)
    assert not validate_findings(fresh)


def validate_findings(engine: Engine) -> list[SimpleNamespace]:
    return [SimpleNamespace(id=i, name=n) for i, n in validate(engine=engine).no_main_purpose]


def test_models_and_migrations_agree(seeded: Engine) -> None:
    # every module of the package, so that all tables are in the metadata (as in env.py)
    for module in pkgutil.iter_modules(referral_directory.__path__):
        if module.name != "__main__":
            importlib.import_module(f"referral_directory.{module.name}")
    with seeded.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    assert diff == []


def test_rows_of_a_service(fresh: Engine) -> None:
    """A corregimiento service: keys corregimiento, distrito, provincia (not the country), each
    for any type and for each of its types; a national one: the country only."""
    index = place_index(fresh)
    rows = [r for r in _snapshot(fresh) if r[0] == stable_id("service:minsa-policentro-san-isidro")]
    keys = {index.nodes[str(r[1])].name for r in rows}
    assert keys == {"Omar Torrijos", "San Miguelito", "Panamá"}
    assert {r[2] for r in rows} == {
        "", "health", "emergency",  # staff searches
        "offer:", "offer:health", "offer:emergency", "offer:health:main",  # offers
    }  # fmt: skip
    assert len(rows) == 21 and all(r[3] == "active" and r[5] in (False, 0) for r in rows)
    national = [r for r in _snapshot(fresh) if r[0] == stable_id("service:oim-panama")]
    assert {index.nodes[str(r[1])].level for r in national} == {"national"}
    # a service only for survivors of gender-based violence: in the ranges of the group only,
    # which only a request for gbv reads
    line = {r[2] for r in _snapshot(fresh) if r[0] == stable_id("service:mujer-linea-182-cai")}
    types = ("gbv", "emergency", "shelter", "psychosocial", "legal")
    assert {str(r) for r in line if not search_index.is_offer_filter(str(r))} == {"", *types}
    assert {str(r) for r in line if search_index.is_offer_filter(str(r))} == {
        *(f"offer@gbv:{t}" for t in types),
        "offer@gbv:gbv:main",
    }
