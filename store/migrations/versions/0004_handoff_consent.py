"""Handoff consent: an explicit flag, so a reply route is sealed only after a "yes".

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 17:05:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("handoff") as batch:
        batch.add_column(
            sa.Column("consented", sa.Boolean, nullable=False, server_default=sa.false())
        )
    # handoffs opened before this revision: a non-emergency one followed a "yes"
    op.execute(
        "UPDATE handoff SET consented = TRUE WHERE NOT (urgent AND summary LIKE 'emergency:%')"
    )


def downgrade() -> None:
    with op.batch_alter_table("handoff") as batch:
        batch.drop_column("consented")
