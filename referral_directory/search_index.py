"""The search table (`service_search`): derived rows that make a search a few index ranges.

Search asks, level by level, "active services of type T found at place P, in order": by name,
or by distance to a point. On the HSDS tables that means joining service, service_area,
service_at_location, location and attribute over every place inside P and sorting the lot, which
grows with the directory (173 ms at p95 with 100k services on SQLite). The search table holds
the answer to each such question as one range of an index, already in order, so a level reads
only the rows it returns (see `models.ServiceSearch` for what a row is).

Two families of type filters share the table. Staff searches (`search.search`, the console,
the CLI) read "" (any type) and the type codes: every active service. What is offered to a
person (`offer`) reads the offer filters, where the audience rule is already applied:
"offer:" and "offer:TYPE" hold the services for everyone, and "offer:TYPE:main" those whose
main purpose is TYPE, so that an offer can rank them first without reading past the secondary
ones; a service only for a group (`eligibility` attributes, e.g. gbv) has instead the same
filters qualified by its group ("offer@gbv:legal", "offer@gbv:gbv:main"), which only a request
for that group's type reads (see `offer_filter` and `offer`).

The rows are computed in SQL from the HSDS tables, for some services (`refresh`, called by
`records.write_record`, so in the same transaction as every create, update, close, verification,
CSV import and seed load) or for all of them (`rebuild`: after bulk loads that bypass
`write_record`, and when the place hierarchy changes). Alembic revision 0002 fills the table of
an existing database with the same query, frozen there, and revision 0006 with the query that
adds the offer filters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    and_,
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
    ELIGIBILITY_LINK,
    MAIN_PURPOSE,
    SERVICE_TYPE_LINK,
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
#: The filters of what is offered to a person start with this ("offer:" alone: any type).
OFFER: Final = "offer:"
#: ... or, for the services only for a group, with this and the group ("offer@gbv:").
OFFER_GROUP: Final = "offer@"
#: ... and end with this when only the services whose main purpose is the type are wanted.
MAIN: Final = ":main"


def offer_filter(
    service_type: str | None = None, *, main: bool = False, group: str | None = None
) -> str:
    """The type filter of an offer: the active services for everyone of `service_type` (of
    any type when None), or with `main` only those whose main purpose it is; with `group`, the
    same among the services only for that group (whom a request for the group's type may be
    offered)."""
    if service_type is None and (main or group):
        raise ValueError("a main purpose or a group is searched with a type: give one")
    prefix = OFFER if group is None else f"{OFFER_GROUP}{group}:"
    return f"{prefix}{service_type or ''}{MAIN if main else ''}"


def is_offer_filter(type_filter: str) -> bool:
    return type_filter.startswith((OFFER, OFFER_GROUP))


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
    # type filters: any type, and each of the service's types (staff: every service); for
    # offers, the same and the service's main purpose, for a service for everyone as they are,
    # for one only for some groups qualified by each of its groups
    is_type = (
        Attribute.link_entity == "service",
        Attribute.link_type == SERVICE_TYPE_LINK,
        *_only(Attribute.link_id, ids),
    )
    is_main = Attribute.value == MAIN_PURPOSE
    term = (TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
    for_all = ~_restricted(Attribute.link_id)
    elig, group = aliased(Attribute), aliased(TaxonomyTerm)
    by_group = (
        (
            elig,
            and_(
                elig.link_id == Attribute.link_id,
                elig.link_entity == "service",
                elig.link_type == ELIGIBILITY_LINK,
            ),
        ),
        (group, group.id == elig.taxonomy_term_id),
    )
    group_key = literal(OFFER_GROUP) + group.code + literal(":") + TaxonomyTerm.code
    kind = union(
        select(Service.id.label("service_id"), literal(ANY_TYPE).label("code")).where(
            *_only(Service.id, ids)
        ),
        select(Attribute.link_id, TaxonomyTerm.code).join(*term).where(*is_type),
        select(Service.id, literal(OFFER)).where(~_restricted(Service.id), *_only(Service.id, ids)),
        select(Attribute.link_id, literal(OFFER) + TaxonomyTerm.code)
        .join(*term)
        .where(*is_type, for_all),
        select(Attribute.link_id, literal(OFFER) + TaxonomyTerm.code + literal(MAIN))
        .join(*term)
        .where(*is_type, for_all, is_main),
        select(Attribute.link_id, group_key)
        .join(*term)
        .join(*by_group[0])
        .join(*by_group[1])
        .where(*is_type),
        select(Attribute.link_id, group_key + literal(MAIN))
        .join(*term)
        .join(*by_group[0])
        .join(*by_group[1])
        .where(*is_type, is_main),
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


def _restricted(service_id: Any) -> ColumnElement[bool]:
    """Whether the service is only for some groups (has `eligibility` attributes)."""
    elig = aliased(Attribute)
    return exists().where(
        elig.link_id == service_id,
        elig.link_entity == "service",
        elig.link_type == ELIGIBILITY_LINK,
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
