"""Retention on the migrated database (SQLite and PostgreSQL), with the tracker table shaped
as Rasa's SQLTrackerStore makes it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, text

import casework
from casework.records import Handoff
from store import db
from tools.retention import purge, retention_days

NOW = dt.datetime(2026, 12, 2, tzinfo=dt.timezone.utc)
DAY = 86400.0


def _tracker_table(engine: Engine, events: list[tuple[str, float]]) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
                "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
                "action_name VARCHAR(255), data TEXT)"
            )
        )
        for n, (sender, at) in enumerate(events, 1):
            connection.execute(
                text("INSERT INTO events VALUES (:id, :s, 'user', :t, NULL, NULL, '{}')"),
                {"id": n, "s": sender, "t": at},
            )


def _handoff(engine: Engine, key: str, *, closed_days_ago: float | None) -> str:
    handoff_id = casework.open_handoff(
        conversation_key=key, channel="rest", language="es", topic=None,
        corregimiento=None, summary="necesito ayuda", engine=engine,
    )  # fmt: skip
    if closed_days_ago is not None:
        casework.close_handoff(handoff_id, engine=engine)
        with db.session(engine) as session:
            row = session.get(Handoff, handoff_id)
            assert row is not None
            row.closed_at = NOW - dt.timedelta(days=closed_days_ago)
    return handoff_id


def test_old_conversations_and_old_closed_handoffs_go_the_rest_stays(fresh: Engine) -> None:
    now = NOW.timestamp()
    _tracker_table(
        fresh,
        [
            ("old", now - 40 * DAY),
            ("old", now - 35 * DAY),
            ("going", now - 40 * DAY),  # an old start, but spoken to yesterday: kept whole
            ("going", now - 1 * DAY),
        ],
    )
    old_closed = _handoff(fresh, "a" * 64, closed_days_ago=31)
    recent_closed = _handoff(fresh, "b" * 64, closed_days_ago=2)
    old_open = _handoff(fresh, "c" * 64, closed_days_ago=None)
    with db.session(fresh) as session:
        row = session.get(Handoff, old_open)
        assert row is not None
        row.created_at = NOW - dt.timedelta(days=90)

    done = purge(30, engine=fresh, tracker_engine=fresh, now=NOW)

    assert (done.conversations, done.events, done.handoffs) == (1, 2, 1)
    with fresh.connect() as connection:
        senders = connection.execute(text("SELECT sender_id FROM events")).scalars().all()
    assert sorted(senders) == ["going", "going"]
    with db.session(fresh) as session:
        assert session.get(Handoff, old_closed) is None
        assert session.get(Handoff, recent_closed) is not None
        assert session.get(Handoff, old_open) is not None


def test_without_a_tracker_table_only_handoffs_are_purged(fresh: Engine) -> None:
    _handoff(fresh, "d" * 64, closed_days_ago=45)
    assert purge(30, engine=fresh, tracker_engine=fresh, now=NOW).handoffs == 1


@pytest.mark.parametrize("raw", ["0", "-3", "thirty", "1.5"])
def test_a_bad_retention_is_refused_clearly(raw: str) -> None:
    with pytest.raises(ValueError, match="RETENTION_DAYS must be a whole number"):
        retention_days({"RETENTION_DAYS": raw})


def test_the_default_is_thirty_days() -> None:
    assert retention_days({}) == 30
