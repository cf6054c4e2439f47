"""The console's own tables: accounts, and what caseworkers do with a handoff.

They share the application's declarative base and migration history (store/migrations, revision
0007). A case row and its events hang on the handoff by a foreign key that cascades, so erasing
a person (`casework.erase_person`, which deletes their closed handoffs) takes the case history
with it. Event details are scrubbed of contacts and document numbers before they are stored, and
a caseworker's reply is recorded as "replied", never with its words.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Final

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from store.base import Base

ROLES: Final = ("admin", "staff", "caseworker")
#: what a caseworker did; `detail` says more (a status, a service's name, a scrubbed note)
EVENT_KINDS: Final = ("claimed", "status", "noted", "referred", "replied", "closed")
MAX_NOTE_CHARS: Final = 1000


def _id() -> str:
    return str(uuid.uuid4())


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ConsoleUser(Base):
    """A caseworker's or staff member's account (argon2 hash, never the password)."""

    __tablename__ = "console_user"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'staff', 'caseworker')", name="console_user_role_valid"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_id)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)

    def __str__(self) -> str:
        return self.email


class HandoffCase(Base):
    """The console's side of a handoff: who took it and which service it was referred to."""

    __tablename__ = "console_handoff_case"

    handoff_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("handoff.id", ondelete="CASCADE"), primary_key=True
    )
    assignee_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("console_user.id", ondelete="SET NULL")
    )
    #: the directory service the person was referred to (status "referred" while open)
    referred_service_id: Mapped[str | None] = mapped_column(String(36))


class HandoffEvent(Base):
    """One line of a case's history: who did what, when."""

    __tablename__ = "console_handoff_event"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('claimed', 'status', 'noted', 'referred', 'replied', 'closed')",
            name="console_handoff_event_kind_valid",
        ),
        Index("ix_console_handoff_event_handoff_at", "handoff_id", "at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_id)
    handoff_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("handoff.id", ondelete="CASCADE")
    )
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    #: the account's e-mail at the time (kept when the account is removed)
    actor: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(String(MAX_NOTE_CHARS), default="")
