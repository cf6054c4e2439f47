"""The typed Python API of the directory, for the actions and the staff console.

Each function opens its own short session. Every edit goes through `records.write_record`, which
writes one audit row per changed field (who, when, field, old value, new value).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy import Engine, select

from referral_directory import settings
from referral_directory.models import SERVICE_STATUSES, AuditLog, TaxonomyTerm
from referral_directory.placedb import place_index
from referral_directory.records import RecordError, ServiceRecord, check_record, read_record
from referral_directory.records import write_record as _write
from referral_directory.search import SearchAnswer
from referral_directory.search import search as search
from store import db

__all__ = [
    "NotFound",
    "RecordError",
    "SearchAnswer",
    "ServiceRecord",
    "audit_trail",
    "close",
    "create",
    "get",
    "mark_verified",
    "search",
    "update",
]


class NotFound(LookupError):
    """No service with that id."""


def known_types(engine: Engine | None = None) -> list[str]:
    with db.session(engine) as s:
        return list(s.scalars(select(TaxonomyTerm.code).order_by(TaxonomyTerm.code)))


def get(service_id: str, *, engine: Engine | None = None) -> ServiceRecord:
    """The service as one record; NotFound if there is none."""
    index = place_index(engine)
    with db.session(engine) as s:
        rec = read_record(s, index, service_id)
    if rec is None:
        raise NotFound(service_id)
    return rec


def _save(
    rec: ServiceRecord,
    action: str,
    actor: str | None,
    engine: Engine | None,
    *,
    classify: bool = False,
) -> str:
    index = place_index(engine)
    problems = check_record(index, rec, known_types(engine))
    if problems:
        raise RecordError("; ".join(problems))
    with db.session(engine) as s:
        service_id, _ = _write(s, index, rec, actor=actor or settings.actor(), action=action,
                               classify=classify)  # fmt: skip
    return service_id


def create(rec: ServiceRecord, *, actor: str | None = None, engine: Engine | None = None) -> str:
    """Store a new service; returns its id. The record's `id` must be unset or unused."""
    if rec.id is not None:
        with db.session(engine) as s:
            if read_record(s, place_index(engine), rec.id) is not None:
                raise RecordError(f"service {rec.id} already exists")
    return _save(rec, "create", actor, engine)


def update(
    service_id: str,
    *,
    actor: str | None = None,
    engine: Engine | None = None,
    **changes: Any,
) -> ServiceRecord:
    """Change some fields of a service (`update(id, phone="...", sources={...})`).

    `types` list the main purpose first; given, they also record the main purpose of a service
    stored before there were main purposes, even in the same order. A changed value loses its
    caveat (`caveats`), unless the same update gives the caveats."""
    current = get(service_id, engine=engine)
    names = {f.name for f in dataclasses.fields(ServiceRecord)} - {"id"}
    unknown = set(changes) - names
    if unknown:
        raise RecordError(f"unknown field(s): {', '.join(sorted(unknown))}")
    if "caveats" not in changes:
        # a value staff change is theirs, checked: its old caveat does not carry over
        retyped = {
            k for k, v in changes.items() if k in current.caveats and v != getattr(current, k)
        }
        if retyped:
            changes["caveats"] = {k: v for k, v in current.caveats.items() if k not in retyped}
    _save(dataclasses.replace(current, **changes), "update", actor, engine,
          classify="types" in changes)  # fmt: skip
    return get(service_id, engine=engine)


def close(
    service_id: str,
    status: str = "inactive",
    *,
    actor: str | None = None,
    engine: Engine | None = None,
) -> ServiceRecord:
    """Take a service out of search results (inactive, temporarily closed or defunct)."""
    if status == "active" or status not in SERVICE_STATUSES:
        raise RecordError(f"close with one of {', '.join(SERVICE_STATUSES[1:])}")
    return update(service_id, status=status, actor=actor, engine=engine)


def mark_verified(
    service_id: str,
    on: dt.date | None = None,
    *,
    actor: str | None = None,
    engine: Engine | None = None,
) -> ServiceRecord:
    """Record that staff checked the entry against its sources (HSDS `assured_date`)."""
    return update(service_id, assured_date=on or dt.date.today(), actor=actor, engine=engine)


def audit_trail(service_id: str, *, engine: Engine | None = None) -> list[AuditLog]:
    """Every recorded change of a service, oldest first."""
    with db.session(engine) as s:
        return list(
            s.scalars(
                select(AuditLog)
                .where(AuditLog.entity == "service", AuditLog.entity_id == service_id)
                .order_by(AuditLog.at, AuditLog.field)
            )
        )
