"""Retention (`make purge`; daily in the production profile): what is older than
RETENTION_DAYS (30 unless set) goes.

* Rasa's conversations in the tracker store (TRACKER_STORE_URL, else DATABASE_URL): every
  event of a conversation whose newest event is older than the limit. A conversation still
  going keeps its history, so Rasa never rebuilds half a tracker. Without a tracker table
  (the embedded profile keeps conversations in Rasa's memory) there is nothing to do.
* Handoffs closed before the limit, with the console's case and history of each (deleted by
  the database: ON DELETE CASCADE). Open and in-progress handoffs stay, however old.

The referral log holds no person (conversation keys are keyed hashes, hours rounded) and
stays for the programme's figures. Redis holds only locks, each gone within its lifetime.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CursorResult, Engine, delete, inspect, text

from casework.records import Handoff
from store import db

DEFAULT_DAYS = 30
TRACKER_TABLE = "events"  # Rasa's SQLTrackerStore (rasa_stores/tracker_store.py)


@dataclass(frozen=True)
class Purged:
    conversations: int
    events: int
    handoffs: int


def retention_days(environ: dict[str, str] | None = None) -> int:
    """RETENTION_DAYS, a whole number of days of at least 1 (a clear error otherwise)."""
    raw = (os.environ if environ is None else environ).get("RETENTION_DAYS", "").strip()
    if not raw:
        return DEFAULT_DAYS
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"RETENTION_DAYS must be a whole number of days, 1 or more (not {raw!r})")
    return int(raw)


def purge(
    days: int,
    *,
    engine: Engine | None = None,
    tracker_engine: Engine | None = None,
    now: dt.datetime | None = None,
) -> Purged:
    """Delete what is older than ``days`` (see the module's docstring); what was deleted."""
    now = now or dt.datetime.now(dt.timezone.utc)
    cutoff = now - dt.timedelta(days=days)
    conversations, events = _purge_trackers(tracker_engine or db.engine(), cutoff.timestamp())
    with db.session(engine or db.engine()) as session:
        deleted: CursorResult[Any] = session.execute(  # type: ignore[assignment]
            delete(Handoff).where(Handoff.status == "closed", Handoff.closed_at < cutoff)
        )
    return Purged(conversations, events, int(deleted.rowcount or 0))


def _purge_trackers(engine: Engine, cutoff: float) -> tuple[int, int]:
    if not inspect(engine).has_table(TRACKER_TABLE):
        return 0, 0
    old = (
        f"SELECT sender_id FROM {TRACKER_TABLE} GROUP BY sender_id HAVING MAX(timestamp) < :cutoff"
    )
    with engine.begin() as connection:
        conversations = len(connection.execute(text(old), {"cutoff": cutoff}).all())
        events = connection.execute(
            text(f"DELETE FROM {TRACKER_TABLE} WHERE sender_id IN ({old})"), {"cutoff": cutoff}
        ).rowcount
    return conversations, int(events or 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.retention", description=__doc__)
    parser.add_argument("--days", type=int, help="override RETENTION_DAYS")
    args = parser.parse_args(argv)
    try:
        days = args.days if args.days is not None else retention_days()
        if days < 1:
            raise ValueError("--days must be 1 or more")
    except ValueError as exc:
        print(f"purge: {exc}", file=sys.stderr)
        return 2
    tracker_url = os.environ.get("TRACKER_STORE_URL", "").strip()
    if tracker_url.startswith("postgresql://"):  # Rasa's spelling (psycopg2), not installed here
        tracker_url = "postgresql+psycopg://" + tracker_url.removeprefix("postgresql://")
    done = purge(days, tracker_engine=db.engine(tracker_url) if tracker_url else None)
    print(
        f"purge: older than {days} days: {done.conversations} conversation(s) "
        f"({done.events} events), {done.handoffs} closed handoff(s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
