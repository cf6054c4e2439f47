"""Checks staff run to keep the directory right: what is stale, incomplete or missing.

These are findings for people, not errors: a service without a phone may be correct (a web
form only), and a corregimiento without a service of its own still gets its distrito's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import CompoundSelect, Engine, or_, select, union

from referral_directory import settings
from referral_directory.models import (
    MAIN_PURPOSE,
    SERVICE_TYPE_LINK,
    Attribute,
    Location,
    Phone,
    Place,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
)
from store import db


@dataclass
class Findings:
    """Each list holds (id, name) pairs; places are corregimientos. `stale` includes the
    services never verified, which `never_verified` lists again on their own."""

    stale: list[tuple[str, str]] = field(default_factory=list)
    never_verified: list[tuple[str, str]] = field(default_factory=list)
    no_phone: list[tuple[str, str]] = field(default_factory=list)
    no_schedule: list[tuple[str, str]] = field(default_factory=list)
    #: services with several types and none marked as the main purpose (stored before there
    #: were main purposes): they rank as secondary for every topic until staff set it
    no_main_purpose: list[tuple[str, str]] = field(default_factory=list)
    places_without_services: list[tuple[str, str]] = field(default_factory=list)

    def count(self) -> int:
        return sum(len(v) for v in vars(self).values())


def validate(
    *,
    today: dt.date | None = None,
    stale_after_days: int = settings.STALE_AFTER_DAYS,
    engine: Engine | None = None,
) -> Findings:
    """Active services not verified within `stale_after_days` (or never), without a phone or a
    schedule, or with types but no main purpose, and corregimientos where no active service is
    located or serves."""
    cutoff = (today or dt.date.today()) - dt.timedelta(days=stale_after_days)
    active = Service.status == "active"
    out = Findings()
    with db.session(engine) as s:

        def pairs(*where: object) -> list[tuple[str, str]]:
            query = select(Service.id, Service.name).where(active, *where)  # type: ignore[arg-type]
            return [(i, n) for i, n in s.execute(query.order_by(Service.name)).tuples()]

        out.never_verified = pairs(Service.assured_date.is_(None))
        out.stale = pairs(or_(Service.assured_date.is_(None), Service.assured_date < cutoff))
        out.no_phone = pairs(
            ~Service.id.in_(select(Phone.service_id).where(Phone.service_id.is_not(None)))
        )
        out.no_schedule = pairs(
            ~Service.id.in_(select(Schedule.service_id).where(Schedule.service_id.is_not(None)))
        )
        types = (Attribute.link_entity == "service", Attribute.link_type == SERVICE_TYPE_LINK)
        out.no_main_purpose = pairs(
            Service.id.in_(select(Attribute.link_id).where(*types)),
            ~Service.id.in_(
                select(Attribute.link_id).where(*types, Attribute.value == MAIN_PURPOSE)
            ),
        )
        served: CompoundSelect[tuple[str | None]] = union(
            select(ServiceArea.place_id)
            .join(Service, Service.id == ServiceArea.service_id)
            .where(active),
            select(Location.place_id)
            .join(ServiceAtLocation, ServiceAtLocation.location_id == Location.id)
            .join(Service, Service.id == ServiceAtLocation.service_id)
            .where(active, Location.place_id.is_not(None)),
        )
        out.places_without_services = [
            (i, n)
            for i, n in s.execute(
                select(Place.id, Place.name)
                .where(Place.level == "corregimiento", Place.id.not_in(served))
                .order_by(Place.programme.desc(), Place.name)
            ).tuples()
        ]
    return out
