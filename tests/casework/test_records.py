"""The referral log, handoffs and flags keep only what DESIGN.md allows, on both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select

import casework
from casework import Handoff, ReferralRequest, ServiceFlag
from store import db

KEY = "a" * 64
OTHER = "b" * 64


def test_a_referral_is_logged_to_the_hour_with_no_text(fresh: Engine) -> None:
    at = dt.datetime(2026, 11, 23, 14, 37, 12, tzinfo=dt.UTC)
    casework.log_referral(
        conversation_key=KEY,
        channel="telegram",
        language="es",
        topic="health",
        corregimiento="Herrera",
        service_ids=["svc-1", "svc-2"],
        at=at,
        engine=fresh,
    )
    with db.session(fresh) as s:
        row = s.scalars(select(ReferralRequest)).one()
    assert row.hour.replace(tzinfo=dt.UTC) == dt.datetime(2026, 11, 23, 14, tzinfo=dt.UTC)
    assert (row.channel, row.language, row.topic, row.corregimiento) == (
        "telegram",
        "es",
        "health",
        "Herrera",
    )
    assert row.services == "svc-1 svc-2" and row.handoff is False


def test_a_bad_channel_is_refused(fresh: Engine) -> None:
    with pytest.raises(ValueError, match="channel"):
        casework.log_referral(
            conversation_key=KEY,
            channel="sms",
            language="es",
            topic=None,
            corregimiento=None,
            service_ids=[],
            engine=fresh,
        )


def test_a_handoff_summary_is_scrubbed_and_one_person_is_queued_once(fresh: Engine) -> None:
    first = casework.open_handoff(
        conversation_key=KEY,
        channel="rest",
        language="en",
        topic="refuge",
        corregimiento=None,
        summary="my number is +507 6000-0000, mail user@example.org, passport X0000000",
        engine=fresh,
    )
    again = casework.open_handoff(
        conversation_key=KEY,
        channel="rest",
        language="en",
        topic=None,
        corregimiento="Herrera",
        summary="",
        urgent=True,
        engine=fresh,
    )
    assert again == first
    handoff = casework.open_handoff_for(KEY, engine=fresh)
    assert handoff is not None
    assert "6000" not in handoff.summary and "example.org" not in handoff.summary
    assert "X0000000" not in handoff.summary
    assert handoff.urgent and handoff.topic == "refuge" and handoff.corregimiento == "Herrera"

    casework.close_handoff(first, engine=fresh)
    assert casework.open_handoff_for(KEY, engine=fresh) is None
    with db.session(fresh) as s:
        closed = s.get(Handoff, first)
        assert closed is not None and closed.reply_route == "" and closed.closed_at is not None
        assert closed.consented is False  # opened without consent, then made urgent


def test_a_flag_keeps_the_service_and_the_kind_only(fresh: Engine) -> None:
    casework.flag_service("svc-9", "closed", engine=fresh)
    with pytest.raises(ValueError, match="kind"):
        casework.flag_service("svc-9", "rude staff", engine=fresh)
    with db.session(fresh) as s:
        flags = s.scalars(select(ServiceFlag)).all()
    assert [(f.service_id, f.kind, f.reviewed) for f in flags] == [("svc-9", "closed", False)]


def test_erasure_removes_the_person_and_nobody_else(fresh: Engine) -> None:
    for key in (KEY, OTHER):
        casework.log_referral(
            conversation_key=key,
            channel="whatsapp",
            language="es",
            topic=None,
            corregimiento=None,
            service_ids=["svc-1"],
            engine=fresh,
        )
        casework.open_handoff(
            conversation_key=key,
            channel="whatsapp",
            language="es",
            topic=None,
            corregimiento=None,
            summary="",
            engine=fresh,
        )
    erased = casework.erase_person(KEY, engine=fresh)
    assert erased == casework.Erasure(referral_requests=1, handoffs=1)
    with db.session(fresh) as s:
        keys = {r.conversation_key for r in s.scalars(select(ReferralRequest))}
        keys |= {h.conversation_key for h in s.scalars(select(Handoff)) if h.status == "open"}
        closed = s.scalars(select(Handoff).where(Handoff.status == "closed")).all()
    assert keys == {OTHER}
    # the person's open case stays for the caseworker, closed as erased: nothing of them in it
    [tombstone] = closed
    assert tombstone.outcome == "erased" and tombstone.conversation_key.startswith("erased:")
    assert KEY not in tombstone.conversation_key and tombstone.summary == ""


def test_erasure_deletes_closed_cases_outright(fresh: Engine) -> None:
    handoff_id = casework.open_handoff(
        conversation_key=KEY,
        channel="telegram",
        language="en",
        topic="refuge",
        corregimiento=None,
        summary="afraid to go back",
        engine=fresh,
    )
    casework.close_handoff(handoff_id, engine=fresh)
    assert casework.erase_person(KEY, engine=fresh).handoffs == 1
    with db.session(fresh) as s:
        assert s.scalars(select(Handoff)).all() == []


def test_a_closed_handoff_says_how_it_ended(fresh: Engine) -> None:
    handoff_id = casework.open_handoff(
        conversation_key=KEY,
        channel="rest",
        language="es",
        topic=None,
        corregimiento=None,
        summary="",
        engine=fresh,
    )
    casework.close_handoff(handoff_id, outcome="withdrawn", engine=fresh)
    with db.session(fresh) as s:
        row = s.get(Handoff, handoff_id)
        assert row is not None and (row.status, row.outcome) == ("closed", "withdrawn")
    with pytest.raises(ValueError):
        casework.close_handoff(handoff_id, outcome="vanished", engine=fresh)
