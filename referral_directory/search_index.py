"""The search table (`service_search`): derived rows that make a search a few index ranges.

Search asks, level by level, "active services of type T found at place P, in order": by name,
or by distance to a point. On the HSDS tables that means joining service, service_area,
service_at_location, location and attribute over every place inside P and sorting the lot, which
grows with the directory (173 ms at p95 with 100k services on SQLite). The search table holds
the answer to each such question as one range of an index, already in order, so a level reads
only the rows it returns (see `models.ServiceSearch` for what a row is).

The rows are computed in SQL from the HSDS tables, for some services (`refresh`, called by
`records.write_record`, so in the same transaction as every create, update, close, verification,
CSV import and seed load) or for all of them (`rebuild`: after bulk loads that bypass
`write_record`, and when the place hierarchy changes). Alembic revision 0002 fills the table of
an existing database with the same query, frozen there.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    delete,
    exists,
    func,
    insert,
    literal,
    null,
    select,
    union,
)
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from referral_directory.models import (
    Attribute,
    Location,
    Place,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceSearch,
    TaxonomyTerm,
)

#: `service_type` of the rows a search without a type filter reads.
ANY_TYPE = ""

#: Services per statement of `refresh` (each id is a bound parameter, several times over).
CHUNK = 500

COLUMNS = ("service_id", "place_id", "service_type", "status", "name", "located",
           "latitude", "longitude")  # fmt: skip


def _only(
    column: InstrumentedAttribute[str], ids: Sequence[str] | None
) -> list[ColumnElement[bool]]:
    return [] if ids is None else [column.in_(ids)]


def rows_query(ids: Sequence[str] | None = None) -> Select[tuple[object, ...]]:
    """The search rows of the services `ids` (of every service when None), in `COLUMNS` order."""
    # anchors: the places a service serves or is located in
    anchor = union(
        select(ServiceArea.service_id.label("service_id"), ServiceArea.place_id.label("place_id"))
        .where(*_only(ServiceArea.service_id, ids)),
        select(ServiceAtLocation.service_id, Location.place_id)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .where(Location.place_id.is_not(None), *_only(ServiceAtLocation.service_id, ids)),
    ).subquery("anchor")  # fmt: skip
    # keys: each anchor and its ancestors below the country (the hierarchy has four levels, so
    # a corregimiento's parent and grandparent are its distrito and provincia)
    p0, p1, p2 = aliased(Place), aliased(Place), aliased(Place)
    key = union(
        select(anchor.c.service_id, anchor.c.place_id.label("key_id")),
        select(anchor.c.service_id, p1.id)
        .join(p0, p0.id == anchor.c.place_id)
        .join(p1, p1.id == p0.parent_id)
        .where(p1.level != "national"),
        select(anchor.c.service_id, p2.id)
        .join(p0, p0.id == anchor.c.place_id)
        .join(p1, p1.id == p0.parent_id)
        .join(p2, p2.id == p1.parent_id)
        .where(p2.level != "national"),
    ).subquery("search_key")
    # points: every located point of the service, or one row without a point
    sal, loc = aliased(ServiceAtLocation), aliased(Location)
    has_point = (
        exists()
        .where(sal.service_id == Service.id, loc.id == sal.location_id)
        .where(loc.latitude.is_not(None), loc.longitude.is_not(None))
    )
    point = union(
        select(
            ServiceAtLocation.service_id.label("service_id"),
            Location.latitude.label("latitude"),
            Location.longitude.label("longitude"),
        )
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .where(
            Location.latitude.is_not(None),
            Location.longitude.is_not(None),
            *_only(ServiceAtLocation.service_id, ids),
        ),
        select(Service.id, null().cast(Float), null().cast(Float)).where(
            ~has_point, *_only(Service.id, ids)
        ),
    ).subquery("point")
    # type filters: any type, and each of the service's types
    kind = union(
        select(Service.id.label("service_id"), literal(ANY_TYPE).label("code")).where(
            *_only(Service.id, ids)
        ),
        select(Attribute.link_id, TaxonomyTerm.code)
        .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
        .where(Attribute.link_entity == "service", *_only(Attribute.link_id, ids)),
    ).subquery("kind")
    return (
        select(
            key.c.service_id,
            key.c.key_id,
            kind.c.code,
            Service.status,
            Service.name,
            point.c.latitude.is_not(None),
            point.c.latitude,
            point.c.longitude,
        )
        .select_from(key)
        .join(Service, Service.id == key.c.service_id)
        .join(kind, kind.c.service_id == key.c.service_id)
        .join(point, point.c.service_id == key.c.service_id)
    )


def refresh(s: Session, service_ids: Sequence[str]) -> None:
    """Rewrite the search rows of these services from the HSDS tables (in the caller's
    transaction, after the changes are flushed)."""
    ids = list(dict.fromkeys(service_ids))
    s.flush()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        s.execute(
            delete(ServiceSearch).where(ServiceSearch.service_id.in_(chunk)),
            execution_options={"synchronize_session": False},
        )
        s.execute(insert(ServiceSearch).from_select(list(COLUMNS), rows_query(chunk)))


def rebuild(s: Session) -> int:
    """Rewrite the whole search table; returns the number of rows.

    The indexes are dropped first and built again on the full table (in the same transaction),
    which is several times quicker than inserting a large directory into them row by row.
    """
    s.flush()
    conn = s.connection()
    table = ServiceSearch.__table__
    indexes = sorted(table.indexes, key=lambda ix: str(ix.name))  # type: ignore[attr-defined]
    for ix in indexes:
        ix.drop(conn)
    conn.execute(delete(ServiceSearch))
    conn.execute(insert(ServiceSearch).from_select(list(COLUMNS), rows_query()))
    for ix in indexes:
        ix.create(conn)
    return int(conn.scalar(select(func.count()).select_from(ServiceSearch)) or 0)
