"""The web console: accounts, and the caseworkers' side of a handoff (assignee, referral,
history). Case rows and events go with their handoff (ON DELETE CASCADE), so an erasure that
deletes a handoff takes its history too.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 23:50:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "console_user",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('admin', 'staff', 'caseworker')",
            name=op.f("ck_console_user_console_user_role_valid"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_user")),
        sa.UniqueConstraint("email", name=op.f("uq_console_user_email")),
    )
    op.create_table(
        "console_handoff_case",
        sa.Column("handoff_id", sa.String(36), nullable=False),
        sa.Column("assignee_id", sa.String(36), nullable=True),
        sa.Column("referred_service_id", sa.String(36), nullable=True),
        sa.ForeignKeyConstraint(
            ["handoff_id"],
            ["handoff.id"],
            name=op.f("fk_console_handoff_case_handoff_id_handoff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["console_user.id"],
            name=op.f("fk_console_handoff_case_assignee_id_console_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("handoff_id", name=op.f("pk_console_handoff_case")),
    )
    op.create_table(
        "console_handoff_event",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("handoff_id", sa.String(36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(254), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(1000), nullable=False),
        sa.CheckConstraint(
            "kind IN ('claimed', 'status', 'noted', 'referred', 'replied', 'closed')",
            name=op.f("ck_console_handoff_event_console_handoff_event_kind_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["handoff_id"],
            ["handoff.id"],
            name=op.f("fk_console_handoff_event_handoff_id_handoff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_handoff_event")),
    )
    op.create_index(
        "ix_console_handoff_event_handoff_at", "console_handoff_event", ["handoff_id", "at"]
    )


def downgrade() -> None:
    op.drop_index("ix_console_handoff_event_handoff_at", table_name="console_handoff_event")
    op.drop_table("console_handoff_event")
    op.drop_table("console_handoff_case")
    op.drop_table("console_user")
