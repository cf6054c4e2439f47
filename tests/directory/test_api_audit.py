"""Every edit through the API leaves an audit row per changed field."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from referral_directory import api
from referral_directory.records import RecordError, ServiceRecord, stable_id

COAI = stable_id("service:mides-coai")


def test_update_is_audited_field_by_field(fresh: Engine) -> None:
    before = len(api.audit_trail(COAI, engine=fresh))
    rec = api.update(
        COAI,
        phone="+507 6000-0000",
        sources={"phone": "https://example.org/coai", "hours": "https://example.org/h"},
        actor="staff-ana",
        engine=fresh,
    )
    assert rec.phone == "+507 6000-0000"
    new = api.audit_trail(COAI, engine=fresh)[before:]
    by_field = {row.field: row for row in new}
    assert set(by_field) == {"phone", "sources"}
    assert by_field["phone"].old_value == "524-4893"
    assert by_field["phone"].new_value == "+507 6000-0000"
    assert all(r.actor == "staff-ana" and r.action == "update" for r in new)
    assert all(r.at is not None for r in new)


def test_an_update_that_changes_nothing_writes_nothing(fresh: Engine) -> None:
    before = len(api.audit_trail(COAI, engine=fresh))
    api.update(COAI, phone="524-4893", actor="staff-ana", engine=fresh)
    assert len(api.audit_trail(COAI, engine=fresh)) == before


def test_close_and_mark_verified(fresh: Engine) -> None:
    api.mark_verified(COAI, dt.date(2026, 11, 20), actor="staff-ana", engine=fresh)
    api.close(COAI, "temporarily closed", actor="staff-ben", engine=fresh)
    rec = api.get(COAI, engine=fresh)
    assert (rec.status, rec.assured_date) == ("temporarily closed", dt.date(2026, 11, 20))
    trail = api.audit_trail(COAI, engine=fresh)
    assert [(r.field, r.old_value, r.new_value, r.actor) for r in trail[-2:]] == [
        ("assured_date", None, "2026-11-20", "staff-ana"),
        ("status", "active", "temporarily closed", "staff-ben"),
    ]
    with pytest.raises(RecordError):
        api.close(COAI, "active", engine=fresh)


def test_create_is_audited_and_bad_records_are_refused(fresh: Engine) -> None:
    sid = api.create(
        ServiceRecord(
            organization="Organización de prueba",
            name="Servicio de prueba",
            name_en="Test service",
            types=("legal",),
            scope=("distrito:San Miguelito",),
            phone="+507 6000-0000",
            email="user@example.org",
        ),
        actor="staff-ana",
        engine=fresh,
    )
    assert {r.action for r in api.audit_trail(sid, engine=fresh)} == {"create"}
    assert api.get(sid, engine=fresh).name_en == "Test service"
    with pytest.raises(RecordError, match="unknown place"):
        api.create(
            ServiceRecord(organization="X", name="Y", scope=("distrito:Atlantis",)), engine=fresh
        )
    with pytest.raises(RecordError, match="unknown field"):
        api.update(sid, colour="blue", engine=fresh)
    with pytest.raises(api.NotFound):
        api.get("00000000-0000-0000-0000-000000000000", engine=fresh)
