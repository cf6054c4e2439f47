"""The confidence of each fact: a value its source does not confirm keeps its caveat
("not confirmed as an intake line", "confirm it is still in service") in `value_caveat`, one
row per entity and field; no row means confirmed. The seed loader fills it from the notes of
the sourced seed (referral_directory/seed.py), staff clear it in the console's service form.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 05:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "value_caveat",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("entity", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.String(36), nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("caveat", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_value_caveat")),
        sa.UniqueConstraint(
            "entity", "entity_id", "field", name=op.f("uq_value_caveat_entity_entity_id_field")
        ),
    )
    op.create_index(op.f("ix_value_caveat_entity_id"), "value_caveat", ["entity_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_value_caveat_entity_id"), table_name="value_caveat")
    op.drop_table("value_caveat")
