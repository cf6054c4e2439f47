"""What the conversations leave behind: anonymized referral requests, handoffs, service flags.

DESIGN.md's data-protection rules shape every column here. A referral request keeps the hour,
never the minute; the channel, language, topic and corregimiento; the services given; whether a
handoff happened; and a keyed hash of the conversation, never text or an id. A handoff keeps
only what a caseworker needs and the person agreed to share, scrubbed of contacts and document
numbers before it is stored. A flag keeps the service and the kind of problem, not the words.
Erasure removes everything that carries the person's key.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    CursorResult,
    DateTime,
    Engine,
    Index,
    String,
    delete,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from privacy.redact import redact
from store import db
from store.base import Base

CHANNELS: Final = ("rest", "telegram", "whatsapp", "console")
HANDOFF_STATUSES: Final = ("open", "in_progress", "closed")
#: how a handoff ended: a caseworker answered and closed it, the person withdrew ("ya no
#: necesito"), or the person erased their data while it was open
HANDOFF_OUTCOMES: Final = ("answered", "withdrawn", "erased")
FLAG_KINDS: Final = ("closed", "wrong_data")
#: Caseworkers need the gist, not a transcript.
MAX_SUMMARY_CHARS: Final = 500
#: the size of handoff.reply_route
MAX_REPLY_ROUTE_CHARS: Final = 200


def _id() -> str:
    return str(uuid.uuid4())


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _hour(moment: dt.datetime) -> dt.datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


class ReferralRequest(Base):
    """One row each time services are given to someone (the anonymized referral log)."""

    __tablename__ = "referral_request"
    __table_args__ = (
        Index("ix_referral_request_hour", "hour"),
        Index("ix_referral_request_conversation_key", "conversation_key"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_id)
    hour: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(2))
    topic: Mapped[str | None] = mapped_column(String(32))
    corregimiento: Mapped[str | None] = mapped_column(String(120))
    #: service ids, space separated, in the order they were shown
    services: Mapped[str] = mapped_column(String(2000), default="")
    handoff: Mapped[bool] = mapped_column(Boolean, default=False)
    conversation_key: Mapped[str] = mapped_column(String(64))


class Handoff(Base):
    """A person handed to a caseworker, with their consent (or urgently, in an emergency)."""

    __tablename__ = "handoff"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'in_progress', 'closed')", name="handoff_status_valid"),
        Index("ix_handoff_conversation_key", "conversation_key"),
        Index("ix_handoff_status_created", "status", "created_at"),
        CheckConstraint(
            "outcome IS NULL OR outcome IN ('answered', 'withdrawn', 'erased')",
            name="handoff_outcome_valid",
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_id)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    conversation_key: Mapped[str] = mapped_column(String(64))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="open")
    topic: Mapped[str | None] = mapped_column(String(32))
    corregimiento: Mapped[str | None] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(2))
    channel: Mapped[str] = mapped_column(String(16))
    #: the person said yes to the consent question (an emergency alone is not consent)
    consented: Mapped[bool] = mapped_column(Boolean, default=False)
    #: how to write back to the person: an opaque token from the channel side, kept only for
    #: a consented handoff and emptied when the handoff closes
    reply_route: Mapped[str] = mapped_column(String(MAX_REPLY_ROUTE_CHARS), default="")
    summary: Mapped[str] = mapped_column(String(MAX_SUMMARY_CHARS), default="")
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(16))


class ServiceFlag(Base):
    """ "Is something wrong?": a person says a service is closed or its data wrong."""

    __tablename__ = "service_flag"
    __table_args__ = (
        CheckConstraint("kind IN ('closed', 'wrong_data')", name="service_flag_kind_valid"),
        Index("ix_service_flag_reviewed_created", "reviewed", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_id)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    service_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    reviewed: Mapped[bool] = mapped_column(Boolean, default=False)


@dataclass(frozen=True)
class Erasure:
    """How many rows an erasure removed, to tell the person (and the tests) it happened."""

    referral_requests: int
    handoffs: int


def _check(value: str, allowed: Sequence[str], what: str) -> str:
    if value not in allowed:
        raise ValueError(f"{what} {value!r}: use one of {', '.join(allowed)}")
    return value


def referral_row(
    *,
    conversation_key: str,
    channel: str,
    language: str,
    topic: str | None,
    corregimiento: str | None,
    service_ids: Sequence[str],
    handoff: bool = False,
    at: dt.datetime | None = None,
) -> ReferralRequest:
    """A referral log row, its id given now; the time is cut to the hour."""
    return ReferralRequest(
        id=_id(),
        hour=_hour(at or _now()),
        channel=_check(channel, CHANNELS, "channel"),
        language=_check(language, ("es", "en"), "language"),
        topic=topic,
        corregimiento=corregimiento,
        services=" ".join(service_ids),
        handoff=handoff,
        conversation_key=conversation_key,
    )


def log_referral(*, engine: Engine | None = None, **fields: Any) -> str:
    """Record that services were given (`referral_row`'s fields); the row's id."""
    row = referral_row(**fields)
    with db.session(engine) as s:
        s.add(row)
    return row.id


def open_handoff(
    *,
    conversation_key: str,
    channel: str,
    language: str,
    topic: str | None,
    corregimiento: str | None,
    summary: str,
    urgent: bool = False,
    consented: bool = False,
    reply_route: str = "",
    engine: Engine | None = None,
) -> str:
    """Open (or reuse) the person's handoff; the summary is scrubbed before it is stored.

    One open handoff per person: a second request, or an emergency during an open handoff,
    updates it (urgent stays urgent) rather than queueing the same person twice.
    ``reply_route`` is how to write back to the person, as the channel side gave it (opaque
    here); it is kept only with ``consented``, and emptied when the handoff closes.
    """
    if reply_route and not consented:
        raise ValueError("a reply route is kept only for a handoff the person agreed to")
    if len(reply_route) > MAX_REPLY_ROUTE_CHARS:
        raise ValueError(f"reply_route is longer than {MAX_REPLY_ROUTE_CHARS} characters")
    clean = redact(summary).text[:MAX_SUMMARY_CHARS]
    with db.session(engine) as s:
        existing = s.scalars(
            select(Handoff).where(
                Handoff.conversation_key == conversation_key, Handoff.status != "closed"
            )
        ).first()
        if existing is not None:
            existing.urgent = existing.urgent or urgent
            existing.consented = existing.consented or consented
            existing.topic = topic or existing.topic
            existing.corregimiento = corregimiento or existing.corregimiento
            existing.language = language
            if clean:
                existing.summary = clean
            if reply_route:
                existing.reply_route = reply_route
            return existing.id
        row = Handoff(
            conversation_key=conversation_key,
            channel=_check(channel, CHANNELS, "channel"),
            language=_check(language, ("es", "en"), "language"),
            topic=topic,
            corregimiento=corregimiento,
            summary=clean,
            urgent=urgent,
            consented=consented,
            reply_route=reply_route,
        )
        s.add(row)
    return row.id


def open_handoff_for(conversation_key: str, *, engine: Engine | None = None) -> Handoff | None:
    """The person's handoff that is not closed yet, if any (the bot then lets people talk)."""
    with db.session(engine) as s:
        return s.scalars(
            select(Handoff).where(
                Handoff.conversation_key == conversation_key, Handoff.status != "closed"
            )
        ).first()


def close_handoff(
    handoff_id: str, *, outcome: str = "answered", engine: Engine | None = None
) -> None:
    """Close a handoff and forget how to reach the person: the route is kept only while open."""
    with db.session(engine) as s:
        row = s.get(Handoff, handoff_id)
        if row is None:
            raise LookupError(f"no handoff {handoff_id}")
        row.status = "closed"
        row.closed_at = _now()
        row.reply_route = ""
        row.outcome = _check(outcome, HANDOFF_OUTCOMES, "outcome")


def flag_service(service_id: str, kind: str, *, engine: Engine | None = None) -> str:
    """Queue a service for staff review; no words from the person are kept."""
    row = ServiceFlag(service_id=service_id, kind=_check(kind, FLAG_KINDS, "kind"))
    with db.session(engine) as s:
        s.add(row)
    return row.id


def erase_person(conversation_key: str, *, engine: Engine | None = None) -> Erasure:
    """Remove every row carrying the person's key (referral requests and handoffs).

    A handoff still open is a caseworker's task in progress: deleting it would leave them
    waiting on a case that vanished. It is closed as "erased" instead, with nothing of the
    person left in it (no key, summary, route, topic or place), so the caseworker sees only
    that the person erased their data.
    """
    with db.session(engine) as s:
        requests: CursorResult[Any] = s.execute(  # type: ignore[assignment]
            delete(ReferralRequest).where(ReferralRequest.conversation_key == conversation_key)
        )
        still_open = s.scalars(
            select(Handoff).where(
                Handoff.conversation_key == conversation_key, Handoff.status != "closed"
            )
        ).all()
        for row in still_open:
            row.conversation_key = f"erased:{_id()}"
            row.status, row.outcome, row.closed_at = "closed", "erased", _now()
            row.summary, row.reply_route, row.topic, row.corregimiento = "", "", None, None
        s.flush()
        handoffs: CursorResult[Any] = s.execute(  # type: ignore[assignment]
            delete(Handoff).where(Handoff.conversation_key == conversation_key)
        )
    return Erasure(requests.rowcount or 0, (handoffs.rowcount or 0) + len(still_open))
