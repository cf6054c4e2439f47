"""Search table: one row per service x search key x type filter x point, read in index order.

Makes a search a few index ranges that stop after `limit` rows, instead of joins and sorts over
every service of a place (see referral_directory/search_index.py). The table is derived: this
revision fills it from the existing services with the query below, a frozen copy of
`search_index.rows_query` as it is at this revision.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
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
    "attribute", sa.column("link_id"), sa.column("link_entity"), sa.column("taxonomy_term_id")
)
_term = sa.table("taxonomy_term", sa.column("id"), sa.column("code"))
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


def _rows() -> sa.Select[tuple[object, ...]]:
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
    kind = sa.union(
        sa.select(_service.c.id.label("service_id"), sa.literal("").label("code")),
        sa.select(_attribute.c.link_id, _term.c.code)
        .join(_term, _term.c.id == _attribute.c.taxonomy_term_id)
        .where(_attribute.c.link_entity == "service"),
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
    op.create_table(
        "service_search",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("service_id", sa.String(length=36), nullable=False),
        sa.Column("place_id", sa.String(length=36), nullable=False),
        sa.Column("service_type", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("located", sa.Boolean(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
            name=op.f("fk_service_search_service_id_service"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_search")),
    )
    columns = ["service_id", "place_id", "service_type", "status", "name", "located",
               "latitude", "longitude"]  # fmt: skip
    # filled before its indexes are built: quicker on a large directory
    op.execute(sa.insert(_search).from_select(columns, _rows()))
    with op.batch_alter_table("service_search", schema=None) as batch_op:
        batch_op.create_index(
            "ix_service_search_by_name",
            ["place_id", "service_type", "status", "located", "name", "service_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_service_search_by_point",
            ["place_id", "service_type", "status", "latitude", "longitude", "name", "service_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_service_search_service_id"), ["service_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("service_search")
