"""The directory as staff see it in the console: through referral_directory's API (every edit
goes through `api.update`, which writes the audit trail), and the queue of "something is
wrong?" flags people raised."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import phonenumbers
from sqlalchemy import Engine, select

from casework.records import ServiceFlag
from referral_directory import api
from referral_directory.models import Service
from referral_directory.placedb import place_index
from referral_directory.records import ServiceRecord, read_record
from referral_directory.settings import STALE_AFTER_DAYS
from store import db


def services(
    *,
    text: str = "",
    corregimiento: str = "",
    service_type: str = "",
    status: str = "",
    stale: bool = False,
    engine: Engine | None = None,
) -> list[ServiceRecord]:
    """Every service matching the filters, by name. A corregimiento matches a service located
    there or serving it (its scope names it, its distrito or its provincia; not national ones).
    `stale`: only those never verified, or not for `STALE_AFTER_DAYS` (as `validate` says)."""
    cutoff = dt.date.today() - dt.timedelta(days=STALE_AFTER_DAYS)
    index = place_index(engine)
    with db.session(engine) as s:
        ids = list(s.scalars(select(Service.id).order_by(Service.name)))
        records = [r for i in ids if (r := read_record(s, index, i)) is not None]
    needle = text.strip().lower()
    serving: set[str] = set()
    node = index.by_level("corregimiento", corregimiento) if corregimiento else None
    if node is not None:
        serving = {f"{n.level}:{n.name}" for n in index.ancestors(node.id) if n.level != "national"}
    return [
        r
        for r in records
        if (not needle or needle in r.name.lower() or needle in r.organization.lower())
        and (not corregimiento or r.corregimiento == corregimiento or serving & set(r.scope))
        and (not service_type or service_type in r.types)
        and (not status or r.status == status)
        and (not stale or r.assured_date is None or r.assured_date < cutoff)
    ]


def corregimientos(engine: Engine | None = None) -> list[str]:
    index = place_index(engine)
    return sorted({n.name for n in index.nodes.values() if n.level == "corregimiento"})


def normal_phone(value: str) -> str:
    """A Panamanian (or international) number, as people dial it: "+507 6000-0000".
    ValueError when it is not a valid number."""
    try:
        number = phonenumbers.parse(value, "PA")
    except phonenumbers.NumberParseException as exc:
        raise ValueError(str(exc)) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@dataclass(frozen=True)
class Flag:
    id: str
    created_at: dt.datetime
    service_id: str
    service_name: str
    kind: str


def open_flags(engine: Engine | None = None) -> list[Flag]:
    with db.session(engine) as s:
        rows = s.execute(
            select(ServiceFlag, Service.name)
            .outerjoin(Service, Service.id == ServiceFlag.service_id)
            .where(ServiceFlag.reviewed.is_(False))
            .order_by(ServiceFlag.created_at)
        ).all()
        return [Flag(f.id, f.created_at, f.service_id, name or "?", f.kind) for f, name in rows]


def resolve_flag(flag_id: str, *, engine: Engine | None = None) -> None:
    with db.session(engine) as s:
        row = s.get(ServiceFlag, flag_id)
        if row is None:
            raise LookupError(f"no flag {flag_id}")
        row.reviewed = True


get = api.get
update = api.update
close = api.close
mark_verified = api.mark_verified
known_types = api.known_types
audit_trail = api.audit_trail
