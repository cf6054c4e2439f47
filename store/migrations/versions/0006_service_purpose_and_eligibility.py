"""Main purpose and eligibility of services; the search table's offer filters.

- `attribute.link_type` (HSDS 3: what the taxonomy term describes): "service_type" for the
  rows there were (a service's types), "eligibility" for the groups a service is only for
  (survivors of gender-based violence, victims of trafficking, children). The unique key
  becomes (link_id, link_type, taxonomy_term_id), so that a service only for survivors of
  gender-based violence is both of type gbv and eligible for gbv only.
- The main purpose of a service is its type attribute whose `value` is "main". A service with
  one type has it as main purpose, which this revision records; for a service with several,
  nothing here can tell which one is its purpose: the seed loader reclassifies the seed's
  services (unless staff edited their types); any other keeps none (it ranks as secondary for
  every topic, and `validate` lists it) until staff give its types.
- The search table gets the rows of the offer filters (see referral_directory/search_index.py),
  computed by the query below, a frozen copy of `search_index.rows_query` at this revision
  (only its offer filters, the others are there already; and only those of services for
  everyone, as no service is only for a group yet).

Downgrade drops the eligibility rows (the schema before cannot hold them) and the offer rows;
the "main" values stay in `attribute.value`, which the code before ignores.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 23:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_service = sa.table("service", sa.column("id"), sa.column("status"), sa.column("name"))
_area = sa.table("service_area", sa.column("service_id"), sa.column("place_id"))
_sal = sa.table("service_at_location", sa.column("service_id"), sa.column("location_id"))
_location = sa.table(
    "location",
    sa.column("id"),
    sa.column("place_id"),
    sa.column("latitude", sa.Float),
    sa.column("longitude", sa.Float),
)
_place = sa.table("place", sa.column("id"), sa.column("parent_id"), sa.column("level"))
_attribute = sa.table(
    "attribute",
    sa.column("link_id"),
    sa.column("link_entity"),
    sa.column("link_type"),
    sa.column("taxonomy_term_id"),
    sa.column("value"),
)
_term = sa.table("taxonomy_term", sa.column("id"), sa.column("code", sa.String))
_search = sa.table(
    "service_search",
    sa.column("service_id"),
    sa.column("place_id"),
    sa.column("service_type"),
    sa.column("status"),
    sa.column("name"),
    sa.column("located", sa.Boolean),
    sa.column("latitude", sa.Float),
    sa.column("longitude", sa.Float),
)
_COLUMNS = ["service_id", "place_id", "service_type", "status", "name", "located",
            "latitude", "longitude"]  # fmt: skip


def _offer_rows() -> sa.Select[tuple[object, ...]]:
    anchor = sa.union(
        sa.select(_area.c.service_id, _area.c.place_id),
        sa.select(_sal.c.service_id, _location.c.place_id)
        .join(_location, _location.c.id == _sal.c.location_id)
        .where(_location.c.place_id.is_not(None)),
    ).subquery("anchor")
    p0, p1, p2 = _place.alias("p0"), _place.alias("p1"), _place.alias("p2")
    key = sa.union(
        sa.select(anchor.c.service_id, anchor.c.place_id.label("key_id")),
        sa.select(anchor.c.service_id, p1.c.id)
        .join(p0, p0.c.id == anchor.c.place_id)
        .join(p1, p1.c.id == p0.c.parent_id)
        .where(p1.c.level != "national"),
        sa.select(anchor.c.service_id, p2.c.id)
        .join(p0, p0.c.id == anchor.c.place_id)
        .join(p1, p1.c.id == p0.c.parent_id)
        .join(p2, p2.c.id == p1.c.parent_id)
        .where(p2.c.level != "national"),
    ).subquery("search_key")
    sal, loc = _sal.alias("sal"), _location.alias("loc")
    has_point = (
        sa.exists()
        .where(sal.c.service_id == _service.c.id, loc.c.id == sal.c.location_id)
        .where(loc.c.latitude.is_not(None), loc.c.longitude.is_not(None))
    )
    point = sa.union(
        sa.select(_sal.c.service_id, _location.c.latitude, _location.c.longitude)
        .join(_location, _location.c.id == _sal.c.location_id)
        .where(_location.c.latitude.is_not(None), _location.c.longitude.is_not(None)),
        sa.select(
            _service.c.id.label("service_id"),
            sa.null().cast(sa.Float).label("latitude"),
            sa.null().cast(sa.Float).label("longitude"),
        ).where(~has_point),
    ).subquery("point")
    # no service is only for a group yet (there were no eligibility rows before this
    # revision): every service gets the filters of a service for everyone
    is_type = (_attribute.c.link_entity == "service", _attribute.c.link_type == "service_type")
    term = (_term, _term.c.id == _attribute.c.taxonomy_term_id)
    kind = sa.union(
        sa.select(_service.c.id.label("service_id"), sa.literal("offer:").label("code")),
        sa.select(_attribute.c.link_id, sa.literal("offer:") + _term.c.code)
        .join(*term)
        .where(*is_type),
        sa.select(_attribute.c.link_id, sa.literal("offer:") + _term.c.code + sa.literal(":main"))
        .join(*term)
        .where(*is_type, _attribute.c.value == "main"),
    ).subquery("kind")
    return (
        sa.select(
            key.c.service_id,
            key.c.key_id,
            kind.c.code,
            _service.c.status,
            _service.c.name,
            point.c.latitude.is_not(None),
            point.c.latitude,
            point.c.longitude,
        )
        .select_from(key)
        .join(_service, _service.c.id == key.c.service_id)
        .join(kind, kind.c.service_id == key.c.service_id)
        .join(point, point.c.service_id == key.c.service_id)
    )


def upgrade() -> None:
    with op.batch_alter_table("attribute", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "link_type", sa.String(length=32), server_default="service_type", nullable=False
            )
        )
        batch_op.drop_constraint(
            batch_op.f("uq_attribute_link_id_taxonomy_term_id"), type_="unique"
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_attribute_link_id_link_type_taxonomy_term_id"),
            ["link_id", "link_type", "taxonomy_term_id"],
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_attribute_link_type"), "link_type IN ('service_type', 'eligibility')"
        )
    # a service with one type: that type is its main purpose
    single = (
        sa.select(_attribute.c.link_id)
        .where(_attribute.c.link_entity == "service")
        .group_by(_attribute.c.link_id)
        .having(sa.func.count() == 1)
    )
    op.execute(
        sa.update(_attribute)
        .where(
            _attribute.c.link_entity == "service",
            _attribute.c.value.is_(None),
            _attribute.c.link_id.in_(single),
        )
        .values(value="main")
    )
    op.execute(sa.insert(_search).from_select(_COLUMNS, _offer_rows()))


def downgrade() -> None:
    op.execute(
        sa.delete(_search).where(
            sa.or_(_search.c.service_type.like("offer:%"), _search.c.service_type.like("offer@%"))
        )
    )
    op.execute(sa.delete(_attribute).where(_attribute.c.link_type == "eligibility"))
    with op.batch_alter_table("attribute", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_attribute_link_type"), type_="check")
        batch_op.drop_constraint("uq_attribute_link_id_link_type_taxonomy_term_id", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_attribute_link_id_taxonomy_term_id"), ["link_id", "taxonomy_term_id"]
        )
        batch_op.drop_column("link_type")
