"""What caseworkers do with handoffs, over casework's tables and the console's own.

A case's status, as the console shows it: new (open, nobody took it), in progress (claimed),
referred (a service was picked), closed. The handoff's own status stays casework's
(open / in_progress / closed) so that the bot keeps quiet while a person is being helped.
What the queue shows never includes the conversation key or the reply route.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Final

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from casework.records import Handoff, close_handoff
from console.models import MAX_NOTE_CHARS, ConsoleUser, HandoffCase, HandoffEvent
from privacy.redact import redact
from store import db

STATUSES: Final = ("new", "in_progress", "referred", "closed")


@dataclass(frozen=True)
class CaseView:
    """A handoff as the console shows it: no key, no route."""

    id: str
    urgent: bool
    status: str
    topic: str | None
    corregimiento: str | None
    language: str
    channel: str
    created_at: dt.datetime
    #: only for a handoff the person agreed to
    summary: str
    can_reply: bool
    assignee: str | None
    referred_service_id: str | None
    outcome: str | None

    def waiting(self, now: dt.datetime | None = None) -> dt.timedelta:
        created = self.created_at
        if created.tzinfo is None:
            created = created.replace(tzinfo=dt.UTC)
        return (now or dt.datetime.now(dt.UTC)) - created


@dataclass(frozen=True)
class Event:
    at: dt.datetime
    actor: str
    kind: str
    detail: str


def _status(row: Handoff, case: HandoffCase | None) -> str:
    if row.status == "closed":
        return "closed"
    if case is not None and case.referred_service_id:
        return "referred"
    return "in_progress" if row.status == "in_progress" else "new"


def _view(row: Handoff, case: HandoffCase | None, assignee: str | None) -> CaseView:
    return CaseView(
        id=row.id,
        urgent=row.urgent,
        status=_status(row, case),
        topic=row.topic,
        corregimiento=row.corregimiento,
        language=row.language,
        channel=row.channel,
        created_at=row.created_at,
        summary=row.summary if row.consented else "",
        can_reply=bool(row.reply_route) and row.status != "closed",
        assignee=assignee,
        referred_service_id=case.referred_service_id if case else None,
        outcome=row.outcome,
    )


def purge_erased(engine: Engine | None = None) -> None:
    """The notes of a handoff whose person erased their data go too (casework keeps the closed
    row, emptied, so that the caseworker sees it ended)."""
    with db.session(engine) as s:
        erased = select(Handoff.id).where(Handoff.outcome == "erased")
        s.execute(delete(HandoffEvent).where(HandoffEvent.handoff_id.in_(erased)))


def queue(*, include_closed: bool = False, engine: Engine | None = None) -> list[CaseView]:
    """Urgent first, then the longest waiting."""
    purge_erased(engine)
    with db.session(engine) as s:
        query = (
            select(Handoff, HandoffCase, ConsoleUser.email)
            .outerjoin(HandoffCase, HandoffCase.handoff_id == Handoff.id)
            .outerjoin(ConsoleUser, ConsoleUser.id == HandoffCase.assignee_id)
            .order_by(Handoff.urgent.desc(), Handoff.created_at.asc())
        )
        if not include_closed:
            query = query.where(Handoff.status != "closed")
        return [_view(h, c, e) for h, c, e in s.execute(query).all()]


def get(handoff_id: str, *, engine: Engine | None = None) -> CaseView | None:
    with db.session(engine) as s:
        found = s.execute(
            select(Handoff, HandoffCase, ConsoleUser.email)
            .outerjoin(HandoffCase, HandoffCase.handoff_id == Handoff.id)
            .outerjoin(ConsoleUser, ConsoleUser.id == HandoffCase.assignee_id)
            .where(Handoff.id == handoff_id)
        ).first()
        return None if found is None else _view(*found)


def history(handoff_id: str, *, engine: Engine | None = None) -> list[Event]:
    with db.session(engine) as s:
        rows = s.scalars(
            select(HandoffEvent)
            .where(HandoffEvent.handoff_id == handoff_id)
            .order_by(HandoffEvent.at, HandoffEvent.id)
        )
        return [Event(r.at, r.actor, r.kind, r.detail) for r in rows]


def _open_row(s: Session, handoff_id: str) -> tuple[Handoff, HandoffCase]:
    row = s.get(Handoff, handoff_id)
    if row is None:
        raise LookupError(f"no handoff {handoff_id}")
    if row.status == "closed":
        raise ValueError("the handoff is closed")
    case = s.get(HandoffCase, handoff_id)
    if case is None:
        case = HandoffCase(handoff_id=handoff_id)
        s.add(case)
    return row, case


def _event(s: Session, handoff_id: str, actor: str, kind: str, detail: str = "") -> None:
    s.add(HandoffEvent(handoff_id=handoff_id, actor=actor, kind=kind, detail=detail))


def claim(handoff_id: str, user_id: str, actor: str, *, engine: Engine | None = None) -> None:
    with db.session(engine) as s:
        row, case = _open_row(s, handoff_id)
        case.assignee_id = user_id
        row.status = "in_progress"
        _event(s, handoff_id, actor, "claimed")


def set_status(handoff_id: str, status: str, actor: str, *, engine: Engine | None = None) -> None:
    """new or in progress (referred comes with a service, closed with `close`)."""
    if status not in ("new", "in_progress"):
        raise ValueError(f"status {status!r}: refer or close instead")
    with db.session(engine) as s:
        row, case = _open_row(s, handoff_id)
        row.status = "open" if status == "new" else "in_progress"
        case.referred_service_id = None
        if status == "new":
            case.assignee_id = None
        _event(s, handoff_id, actor, "status", status)


def add_note(handoff_id: str, text: str, actor: str, *, engine: Engine | None = None) -> None:
    """An internal note, scrubbed of contacts and document numbers before it is stored."""
    clean = redact(text.strip()).text[:MAX_NOTE_CHARS]
    if not clean:
        raise ValueError("empty note")
    with db.session(engine) as s:
        _open_row(s, handoff_id)
        _event(s, handoff_id, actor, "noted", clean)


def refer(
    handoff_id: str, service_id: str, service_name: str, actor: str, *, engine: Engine | None = None
) -> None:
    with db.session(engine) as s:
        row, case = _open_row(s, handoff_id)
        case.referred_service_id = service_id
        row.status = "in_progress"
        _event(s, handoff_id, actor, "referred", service_name[:MAX_NOTE_CHARS])


def reply_target(handoff_id: str, *, engine: Engine | None = None) -> tuple[str, str, str]:
    """(route, language, conversation_key) to hand to the gateway; never shown."""
    with db.session(engine) as s:
        row = s.get(Handoff, handoff_id)
        if row is None or row.status == "closed" or not row.reply_route:
            raise ValueError("this handoff cannot be answered")
        return row.reply_route, row.language, row.conversation_key


def record_reply(handoff_id: str, actor: str, how: str, *, engine: Engine | None = None) -> None:
    """That a reply went (sent or held), without its words."""
    with db.session(engine) as s:
        _event(s, handoff_id, actor, "replied", how)


def close(handoff_id: str, actor: str, *, engine: Engine | None = None) -> str:
    """Close as answered (casework forgets the route); returns the conversation key so that
    the gateway can be told."""
    with db.session(engine) as s:
        row = s.get(Handoff, handoff_id)
        if row is None:
            raise LookupError(f"no handoff {handoff_id}")
        if row.status == "closed":
            raise ValueError("the handoff is closed")
        key = row.conversation_key
    close_handoff(handoff_id, outcome="answered", engine=engine)
    with db.session(engine) as s:
        _event(s, handoff_id, actor, "closed", "answered")
    return key


def counts(*, engine: Engine | None = None) -> tuple[int, int]:
    """(open cases, urgent open cases) for the tab title and the poll, counted in the database
    (not by loading the queue: the page polls every few seconds)."""
    open_cases = select(func.count()).select_from(Handoff).where(Handoff.status != "closed")
    with db.session(engine) as s:
        total = s.scalar(open_cases) or 0
        urgent = s.scalar(open_cases.where(Handoff.urgent.is_(True))) or 0
    return total, urgent


def queue_stamp(*, engine: Engine | None = None) -> str:
    """A short digest of what the queue shows (each open case's status, urgency, assignee and
    referral) and of the current minute (the waiting times are shown in minutes): the same
    stamp, the same rows. The page's poll sends the rows again only when it changed, so a
    caseworker's phone does not fetch a long queue every ten seconds."""
    with db.session(engine) as s:
        rows = s.execute(
            select(
                Handoff.id,
                Handoff.status,
                Handoff.urgent,
                HandoffCase.assignee_id,
                HandoffCase.referred_service_id,
            )
            .outerjoin(HandoffCase, HandoffCase.handoff_id == Handoff.id)
            .where(Handoff.status != "closed")
            .order_by(Handoff.id)
        ).all()
    minute = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M")
    digest = hashlib.sha256(repr((minute, [tuple(r) for r in rows])).encode())
    return digest.hexdigest()[:16]
