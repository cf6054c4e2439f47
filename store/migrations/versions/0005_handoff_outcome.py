"""Handoff outcome: how a case ended, so a caseworker sees that a person withdrew or erased.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 23:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("handoff") as batch:
        batch.add_column(sa.Column("outcome", sa.String(16), nullable=True))
        batch.create_check_constraint(
            "handoff_outcome_valid",
            "outcome IS NULL OR outcome IN ('answered', 'withdrawn', 'erased')",
        )


def downgrade() -> None:
    with op.batch_alter_table("handoff") as batch:
        batch.drop_constraint("handoff_outcome_valid", type_="check")
        batch.drop_column("outcome")
