"""Referral rows written while the database is down are spooled on disk, anonymized, and
written once when it is back (casework/spool.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, select

import casework
from casework import ReferralRequest
from casework.spool import flush, pending
from store import db

KEY = "c" * 64
AT = dt.datetime(2026, 11, 23, 14, 37, 12, tzinfo=dt.UTC)
#: the fields a referral row may hold (casework/records.py), and so its spooled file
ROW_FIELDS = {
    "id", "hour", "channel", "language", "topic", "corregimiento", "services", "handoff",
    "conversation_key",
}  # fmt: skip


@pytest.fixture
def down() -> Iterator[Engine]:
    """PostgreSQL down: nothing listens on port 9 of 127.0.0.1."""
    engine = create_engine("postgresql+psycopg://postgres@127.0.0.1:9/test")
    yield engine
    engine.dispose()


def _log(engine: Engine, folder: Path, topic: str) -> str:
    row = casework.referral_row(
        conversation_key=KEY, channel="whatsapp", language="es", topic=topic,
        corregimiento="Herrera", service_ids=["svc-1", "svc-2"], at=AT,
    )  # fmt: skip
    return casework.log_referral_durably(row, engine=engine, folder=folder)


def _rows(engine: Engine) -> list[ReferralRequest]:
    with db.session(engine) as s:
        return list(
            s.scalars(select(ReferralRequest).where(ReferralRequest.conversation_key == KEY))
        )


def test_rows_refused_are_spooled_anonymized_then_written_once_in_order(
    fresh: Engine, down: Engine, tmp_path: Path
) -> None:
    ids = [_log(down, tmp_path, topic) for topic in ("health", "work_permit")]
    files = pending(tmp_path)
    assert len(files) == 2 and _rows(fresh) == []
    for path in files:
        data = json.loads(path.read_text())
        assert set(data) == ROW_FIELDS
        assert data["hour"] == "2026-11-23T14:00:00+00:00"  # the hour, never the minute
    # the database is back: the next referral writes the spooled ones first, then its own
    third = _log(fresh, tmp_path, "refuge")
    assert pending(tmp_path) == []
    rows = _rows(fresh)
    assert sorted(r.id for r in rows) == sorted([*ids, third])
    assert {r.topic for r in rows} == {"health", "work_permit", "refuge"}
    assert flush(engine=fresh, folder=tmp_path) == 0 and len(_rows(fresh)) == 3


def test_a_row_already_written_is_not_written_again(
    fresh: Engine, down: Engine, tmp_path: Path
) -> None:
    """A flush killed between its commit and the file's removal leaves the file: the next
    flush finds the id in the table and only removes it."""
    _log(down, tmp_path, "health")
    [path] = pending(tmp_path)
    kept = path.read_text()
    assert flush(engine=fresh, folder=tmp_path) == 1
    path.write_text(kept)  # as if the removal had not happened
    assert flush(engine=fresh, folder=tmp_path) == 0
    assert len(_rows(fresh)) == 1 and pending(tmp_path) == []


def test_with_the_database_still_down_a_flush_keeps_every_file(
    down: Engine, tmp_path: Path
) -> None:
    _log(down, tmp_path, "health")
    with pytest.raises(Exception, match="connect|refused|Connection"):
        flush(engine=down, folder=tmp_path)
    assert len(pending(tmp_path)) == 1
