"""A made-up referral log and handoffs for the reports' tests and screenshots (no real person:
keyed hashes are random, summaries empty)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Engine, update

from casework.records import Handoff, log_referral, open_handoff
from console.models import HandoffEvent
from referral_directory.records import stable_id
from store import db

IOM = stable_id("service:oim-panama")
#: (month, topic, corregimiento, channel, language, count): January holds the subtraction
#: case (3 refugee requests beside 12 and 20 with the month's total shown)
LOG = (
    ("2025-01", "ask_health", "Herrera", "telegram", "es", 12),
    ("2025-01", "ask_refuge", "Las Mañanitas", "whatsapp", "es", 3),
    ("2025-01", "ask_regularization", "Barrio Colón", "whatsapp", "en", 20),
    ("2025-02", "ask_health", "Herrera", "whatsapp", "es", 8),
    ("2025-02", "ask_refuge", "Omar Torrijos", "telegram", "en", 9),
    ("2025-02", "ask_regularization", "Las Mañanitas", "telegram", "es", 7),
    ("2025-03", "ask_health", "Barrio Balboa", "telegram", "es", 30),
    ("2025-03", "ask_refuge", "Herrera", "whatsapp", "es", 6),
    ("2025-03", "ask_regularization", "Herrera", "telegram", "es", 11),
    ("2025-03", "ask_employment", "Amelia Denis de Icaza", "telegram", "en", 1),
)
#: (month, urgent, minutes to the first reply or None, hours to closing, count); all closed,
#: so that the queue of the other browser tests stays theirs
HANDOFFS = (
    ("2025-01", True, 10, 2, 3),
    ("2025-01", False, 30, 24, 4),
    ("2025-02", False, 60, 48, 2),
    ("2025-03", True, 5, 1, 6),
    ("2025-03", False, None, 72, 1),
)


def _at(month: str, i: int) -> dt.datetime:
    year, number = (int(x) for x in month.split("-"))
    return dt.datetime(year, number, 1 + i % 27, 9 + i % 8, tzinfo=dt.UTC)


def seed(engine: Engine | None = None) -> None:
    for month, topic, place, channel, language, count in LOG:
        for i in range(count):
            log_referral(
                conversation_key=uuid.uuid4().hex,
                channel=channel,
                language=language,
                topic=topic,
                corregimiento=place,
                service_ids=[IOM] if topic != "ask_health" else [],
                at=_at(month, i),
                engine=engine,
            )
    for month, urgent, reply, close, count in HANDOFFS:
        for i in range(count):
            created = _at(month, i)
            handoff_id = open_handoff(
                conversation_key=uuid.uuid4().hex,
                channel="telegram",
                language="es",
                topic="emergency" if urgent else "request_human",
                corregimiento="Herrera",
                summary="",
                urgent=urgent,
                engine=engine,
            )
            with db.session(engine) as s:
                closed = created + dt.timedelta(hours=close + i)
                s.execute(
                    update(Handoff)
                    .where(Handoff.id == handoff_id)
                    .values(
                        created_at=created,
                        closed_at=closed,
                        status="closed",
                        outcome="answered",
                    )
                )
                if reply is not None:
                    for extra in (0, 30):  # the first reply counts, not the later one
                        s.add(
                            HandoffEvent(
                                handoff_id=handoff_id,
                                at=created + dt.timedelta(minutes=reply + i + extra),
                                actor="caseworker@example.org",
                                kind="replied",
                                detail="sent",
                            )
                        )
