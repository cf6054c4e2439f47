"""Casework: the anonymized referral log, handoffs to caseworkers, service flags.

See casework/records.py for what each column may and may not hold.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 16:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "referral_request",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("topic", sa.String(32)),
        sa.Column("corregimiento", sa.String(120)),
        sa.Column("services", sa.String(2000), nullable=False),
        sa.Column("handoff", sa.Boolean, nullable=False),
        sa.Column("conversation_key", sa.String(64), nullable=False),
    )
    op.create_index("ix_referral_request_hour", "referral_request", ["hour"])
    op.create_index(
        "ix_referral_request_conversation_key", "referral_request", ["conversation_key"]
    )
    op.create_table(
        "handoff",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("conversation_key", sa.String(64), nullable=False),
        sa.Column("urgent", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("topic", sa.String(32)),
        sa.Column("corregimiento", sa.String(120)),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("reply_route", sa.String(200), nullable=False),
        sa.Column("summary", sa.String(500), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(
            "status IN ('open', 'in_progress', 'closed')", name="handoff_status_valid"
        ),
    )
    op.create_index("ix_handoff_conversation_key", "handoff", ["conversation_key"])
    op.create_index("ix_handoff_status_created", "handoff", ["status", "created_at"])
    op.create_table(
        "service_flag",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("service_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("reviewed", sa.Boolean, nullable=False),
        sa.CheckConstraint("kind IN ('closed', 'wrong_data')", name="service_flag_kind_valid"),
    )
    op.create_index("ix_service_flag_reviewed_created", "service_flag", ["reviewed", "created_at"])


def downgrade() -> None:
    op.drop_table("service_flag")
    op.drop_table("handoff")
    op.drop_table("referral_request")
