"""Referral log rows that could not be written, kept on local disk until the database is back.

Why: the referral log is the programme's record of who was sent where, and a row lost while
PostgreSQL was down is a person missing from the month's figures. A row the database refuses
is written instead to a file of its own in the spool folder (REFERRAL_SPOOL_DIR, else
var/spool/referrals), already in the form it would have in the table: the hour, never the
minute; channel, language, topic, corregimiento, service ids, whether a handoff happened, and
the keyed-hash conversation key (nothing else of the person: no text, no id, no number). The
file is written whole (a temporary name, fsync, then renamed), so a crash never leaves half a
row.

Exactly once: each row carries its id from the start. `flush` (run before every referral
written, and by `python -m casework flush-spool`) inserts each spooled row with that id and
deletes its file only once the insert is committed, or once the id is found already there:
several action servers sharing one folder, or a flush killed between commit and delete, never
write a row twice.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, exc, select

from casework.records import ReferralRequest
from store import db
from store.settings import REPO_ROOT

logger = logging.getLogger(__name__)


def spool_dir() -> Path:
    """REFERRAL_SPOOL_DIR, else spool/referrals under APP_VAR_DIR or var/ (read at each call)."""
    given = os.environ.get("REFERRAL_SPOOL_DIR", "").strip()
    if given:
        return Path(given)
    var = os.environ.get("APP_VAR_DIR", "").strip()
    return (Path(var) if var else REPO_ROOT / "var") / "spool" / "referrals"


#: the columns of a referral row, all that a spooled file holds
COLUMNS = tuple(c.name for c in ReferralRequest.__table__.columns)


def _as_json(row: ReferralRequest) -> dict[str, Any]:
    data = {name: getattr(row, name) for name in COLUMNS}
    data["hour"] = row.hour.isoformat()
    return data


def _from_json(data: dict[str, Any]) -> ReferralRequest:
    if set(data) != set(COLUMNS):
        raise ValueError("not a referral row")
    return ReferralRequest(**{**data, "hour": dt.datetime.fromisoformat(data["hour"])})


def log_referral_durably(
    row: ReferralRequest, *, engine: Engine | None = None, folder: Path | None = None
) -> str:
    """Write a referral row (`casework.referral_row`); one the database refuses goes to the
    spool instead of being lost. Rows spooled before are written first. The row's id."""
    folder = folder or spool_dir()
    data = _as_json(row)
    try:
        flush(engine=engine, folder=folder)
        with db.session(engine) as s:
            s.add(row)
    except exc.SQLAlchemyError as error:
        _write(folder, data)
        logger.warning(
            "referral log unavailable (%s): the row is spooled on disk until it is back",
            type(error).__name__,
        )
    return str(data["id"])


def _write(folder: Path, data: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    final = folder / f"{time.time_ns():020d}-{data['id']}.json"  # names sort oldest first
    partial = folder / f".{data['id']}.part"
    with open(partial, "w", encoding="utf-8") as out:
        json.dump(data, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, final)
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a power cut
    finally:
        os.close(directory)


def pending(folder: Path | None = None) -> list[Path]:
    """The spooled rows' files, oldest first."""
    folder = folder or spool_dir()
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.json"))


def _insert_once(entry: ReferralRequest, engine: Engine | None) -> bool:
    """Insert the row unless its id is there already (True when this call wrote it)."""
    try:
        with db.session(engine) as s:
            found = s.scalars(select(ReferralRequest.id).where(ReferralRequest.id == entry.id))
            if found.first() is not None:
                return False
            s.add(entry)
    except exc.IntegrityError:
        return False  # another process wrote it between the check and the insert
    return True


def flush(*, engine: Engine | None = None, folder: Path | None = None) -> int:
    """Write every spooled row the table does not have yet, then forget its file; how many
    were written. A database still down raises (SQLAlchemyError) and keeps every file."""
    written = 0
    for path in pending(folder):
        try:
            entry = _from_json(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            continue  # another process flushed it meanwhile
        except (ValueError, TypeError):
            logger.error("spooled referral %s unreadable: kept for a person to look at", path.name)
            continue
        if _insert_once(entry, engine):
            written += 1
        path.unlink(missing_ok=True)
    if written:
        logger.info("referral log: %d spooled row(s) written", written)
    return written
