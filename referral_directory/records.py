"""The flat, editable view of one service, and how it is read from and written to the tables.

Staff edit a service as one record (the console form, a CSV row, a seed entry); the HSDS tables
spread it over organization, service, service_area, location, address, phone, schedule, language,
attribute and translation. `read_record` and `write_record` are the only translation between the
two, so that create, update, CSV import and seed loading all change the tables, and write the
audit trail, in the same way.

A record holds one location, one phone and one schedule: enough for the directory as it is; the
tables themselves allow more. Its `types` list the main purpose first (stored as the type
attribute whose value is "main"), then the other types by code; `serves_only` are the groups
(`models.GROUP_TYPES`) a service is only for, stored as `eligibility` attributes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from referral_directory import search_index
from referral_directory.models import (
    ELIGIBILITY_LINK,
    GROUP_TYPES,
    MAIN_PURPOSE,
    SERVICE_STATUSES,
    SERVICE_TYPE_LINK,
    Address,
    Attribute,
    AuditLog,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    TaxonomyTerm,
    Translation,
    ValueCaveat,
    ValueSource,
)
from referral_directory.resolve import PlaceIndex

#: Fixed namespace for ids derived from stable keys (seed slugs, place names, type codes), so
#: that loading the seed twice finds what the first load created.
NAMESPACE = uuid.UUID("6f1d3c56-6a55-4c1e-9a43-1f0a6f3e2b7d")

#: Texts a migrant reads: the HSDS column holds Spanish, `translation` holds English.
TRANSLATED = ("name", "description", "eligibility_description", "application_process",
              "fees_description", "hours")  # fmt: skip


#: The values a caveat can be on: those the bot shows a person, and "status" (the entry as a
#: whole: "not confirmed still operating").
CAVEAT_FIELDS: Final = ("status", "address", "phone", "email", "url", "hours")


def stable_id(key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, key))


class RecordError(ValueError):
    """A record that cannot be stored as it is (unknown place or type, bad status, ...)."""


@dataclass
class ServiceRecord:
    """One service as staff see it. Text fields ending in `_en` are the English translations."""

    organization: str
    name: str
    id: str | None = None
    name_en: str | None = None
    description: str | None = None
    description_en: str | None = None
    #: The service's types, its main purpose first: what it is for, where the others are what
    #: it also does (an offer ranks a service whose main purpose is the topic's first).
    types: tuple[str, ...] = ()
    #: The groups (GROUP_TYPES, among its types) the service is only for, as HSDS eligibility:
    #: it is offered only when the topic or the person asks for one of them ("gbv": women
    #: survivors of gender-based violence). Empty: for everyone.
    serves_only: tuple[str, ...] = ()
    status: str = "active"
    #: Where the service serves: "national", "provincia:NAME", "distrito:NAME",
    #: "corregimiento:NAME" (the syntax of the seed's `scope`).
    scope: tuple[str, ...] = ()
    #: The corregimiento its location lies in (not an address: a place of the hierarchy).
    corregimiento: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    phone: str | None = None
    email: str | None = None
    url: str | None = None
    hours: str | None = None
    hours_en: str | None = None
    languages: tuple[str, ...] = ()
    eligibility_description: str | None = None
    eligibility_description_en: str | None = None
    application_process: str | None = None
    application_process_en: str | None = None
    fees_description: str | None = None
    fees_description_en: str | None = None
    assured_date: dt.date | None = None
    #: field -> where its value was read (URL or seed sheet).
    sources: dict[str, str] = field(default_factory=dict)
    #: field -> why its value is not confirmed ("status": the entry as a whole); a field not
    #: here is confirmed. The bot shows an unconfirmed value with "confirm before you go".
    caveats: dict[str, str] = field(default_factory=dict)

    def fields(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


def _text(value: object) -> str | None:
    """How a field's value is written in the audit trail."""
    if value is None or value == () or value == {}:
        return None
    if isinstance(value, tuple):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return " | ".join(f"{k}={v}" for k, v in sorted(value.items()))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def ordered_types(types: tuple[str, ...]) -> tuple[str, ...]:
    """Types as a record holds them: the first (the main purpose), then the others by code,
    each once."""
    if not types:
        return ()
    return (types[0], *sorted(set(types[1:]) - {types[0]}))


def scope_place_id(index: PlaceIndex, scope: str) -> str:
    """The place id of a scope such as "distrito:La Chorrera" or "national"."""
    if scope.strip() == "national":
        return index.national().id
    level, _, name = scope.partition(":")
    node = index.by_level(level.strip(), name.strip())
    if node is None:
        raise RecordError(f"unknown place in scope {scope!r}")
    return node.id


def scope_text(index: PlaceIndex, place_id: str) -> str:
    node = index.nodes[place_id]
    return "national" if node.level == "national" else f"{node.level}:{node.name}"


def read_record(s: Session, index: PlaceIndex, service_id: str) -> ServiceRecord | None:
    """The record of a stored service, or None if there is no such service."""
    service = s.get(Service, service_id)
    if service is None:
        return None
    rec = ServiceRecord(
        id=service.id,
        organization=service.organization.name,
        name=service.name,
        description=service.description,
        status=service.status,
        email=service.email,
        url=service.url,
        eligibility_description=service.eligibility_description,
        application_process=service.application_process,
        fees_description=service.fees_description,
        assured_date=service.assured_date,
    )
    links = s.execute(
        select(Attribute.link_type, Attribute.value, TaxonomyTerm.code)
        .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
        .where(Attribute.link_id == service_id, Attribute.link_entity == "service")
        .order_by(TaxonomyTerm.code)
    ).all()
    types = [(value == MAIN_PURPOSE, code) for link, value, code in links
             if link == SERVICE_TYPE_LINK]  # fmt: skip
    rec.types = tuple(code for _, code in sorted(types, key=lambda t: (not t[0], t[1])))
    rec.serves_only = tuple(code for link, _, code in links if link == ELIGIBILITY_LINK)
    rec.scope = tuple(
        sorted(
            scope_text(index, pid)
            for pid in s.scalars(
                select(ServiceArea.place_id).where(ServiceArea.service_id == service_id)
            )
        )
    )
    location = _location(s, service_id)
    if location is not None:
        if location.place_id:
            rec.corregimiento = index.nodes[location.place_id].name
        rec.latitude, rec.longitude = location.latitude, location.longitude
        rec.address = s.scalar(select(Address.address_1).where(Address.location_id == location.id))
    rec.phone = s.scalar(select(Phone.number).where(Phone.service_id == service_id).limit(1))
    rec.hours = s.scalar(
        select(Schedule.description).where(Schedule.service_id == service_id).limit(1)
    )
    rec.languages = tuple(
        s.scalars(
            select(Language.code).where(Language.service_id == service_id).order_by(Language.code)
        )
    )
    for t in s.scalars(
        select(Translation).where(
            Translation.entity == "service",
            Translation.entity_id == service_id,
            Translation.language == "en",
        )
    ):
        setattr(rec, f"{t.field}_en", t.value)
    rec.sources = {
        v.field: v.source
        for v in s.scalars(
            select(ValueSource).where(
                ValueSource.entity == "service",
                ValueSource.entity_id == service_id,
                ValueSource.kind == "value",
            )
        )
        if v.field and v.source
    }
    rec.caveats = {
        c.field: c.caveat
        for c in s.scalars(
            select(ValueCaveat).where(
                ValueCaveat.entity == "service", ValueCaveat.entity_id == service_id
            )
        )
    }
    return rec


def main_type(s: Session, service_id: str) -> str | None:
    """The stored main purpose of a service (None: it has no types, or was stored before
    there were main purposes and not saved since)."""
    return s.scalar(
        select(TaxonomyTerm.code)
        .join(Attribute, Attribute.taxonomy_term_id == TaxonomyTerm.id)
        .where(
            Attribute.link_id == service_id,
            Attribute.link_entity == "service",
            Attribute.link_type == SERVICE_TYPE_LINK,
            Attribute.value == MAIN_PURPOSE,
        )
    )


def _location(s: Session, service_id: str) -> Location | None:
    return s.scalar(
        select(Location)
        .join(ServiceAtLocation, ServiceAtLocation.location_id == Location.id)
        .where(ServiceAtLocation.service_id == service_id)
        .order_by(Location.id)
        .limit(1)
    )


def check_record(index: PlaceIndex, rec: ServiceRecord, known_types: Iterable[str]) -> list[str]:
    """Every reason the record cannot be stored (empty when it can)."""
    problems: list[str] = []
    if not rec.organization.strip():
        problems.append("organization is empty")
    if not rec.name.strip():
        problems.append("name is empty")
    if rec.status not in SERVICE_STATUSES:
        problems.append(f"status {rec.status!r} is not one of {', '.join(SERVICE_STATUSES)}")
    types = set(known_types)
    problems += [f"unknown type {t!r}" for t in rec.types if t not in types]
    problems += [f"type {t!r} listed twice" for t in sorted(set(rec.types))
                 if rec.types.count(t) > 1]  # fmt: skip
    for group in rec.serves_only:
        if group not in GROUP_TYPES:
            problems.append(
                f"serves_only {group!r}: a service can be only for {', '.join(GROUP_TYPES)}"
            )
        elif group not in rec.types:
            problems.append(f"serves_only {group!r} is not one of its types")
    if not rec.scope and rec.corregimiento is None:
        problems.append("no scope and no corregimiento: nobody would find the service")
    for scope in rec.scope:
        try:
            scope_place_id(index, scope)
        except RecordError as exc:
            problems.append(str(exc))
    if rec.corregimiento and index.by_level("corregimiento", rec.corregimiento) is None:
        problems.append(f"unknown corregimiento {rec.corregimiento!r}")
    if (rec.latitude is None) != (rec.longitude is None):
        problems.append("latitude and longitude go together")
    for name, caveat in rec.caveats.items():
        if name not in CAVEAT_FIELDS:
            problems.append(f"caveat on {name!r}: only {', '.join(CAVEAT_FIELDS)} carry one")
        elif not caveat.strip():
            problems.append(f"caveat on {name!r} is empty (no caveat: confirmed)")
        elif name != "status" and not getattr(rec, name):
            problems.append(f"caveat on {name!r}, which has no value")
    if rec.latitude is not None and not (-90 <= rec.latitude <= 90):
        problems.append(f"latitude {rec.latitude} is out of range")
    if rec.longitude is not None and not (-180 <= rec.longitude <= 180):
        problems.append(f"longitude {rec.longitude} is out of range")
    problems += [f"unknown language code {c!r}" for c in rec.languages if not c.isalpha()]
    if rec.assured_date and rec.assured_date > dt.date.today():
        problems.append("assured_date is in the future")
    return problems


def write_record(
    s: Session,
    index: PlaceIndex,
    rec: ServiceRecord,
    *,
    actor: str,
    action: str,
    now: dt.datetime | None = None,
    refresh_search: bool = True,
    classify: bool = False,
) -> tuple[str, list[str]]:
    """Create or update the service `rec` describes; return its id and the changed fields.

    Each changed field writes one audit row (old and new value as text), and the service's rows
    of the search table are rewritten (a batch may pass `refresh_search=False` and call
    `search_index.refresh` once for all its services, in the same transaction). The caller owns
    the transaction, so a batch (a CSV file) is all or nothing.

    The first of the record's types becomes the main purpose whenever the types are written. A
    service stored without one (before revision 0006, with several types) keeps none until its
    types change, or until a write with `classify` (types given explicitly: the seed's
    classification, an API update of `types`) records it, which the audit trail shows as a
    change of `types`.
    """
    now = now or dt.datetime.now(dt.UTC)
    service_id = rec.id or str(uuid.uuid4())
    old = read_record(s, index, service_id)
    before = old.fields() if old else {}
    rec = dataclasses.replace(
        rec,
        types=ordered_types(rec.types),
        serves_only=tuple(sorted(set(rec.serves_only))),
    )
    after = dataclasses.replace(rec, id=service_id).fields()
    changed = [k for k, v in after.items() if k != "id" and _text(before.get(k)) != _text(v)]
    if (
        (classify or "types" in changed)
        and old is not None
        and old.types
        and rec.types
        and main_type(s, service_id) is None
    ):
        # stored before there were main purposes: the types given name it now
        if "types" not in changed:
            changed.append("types")
        before["types"] = (*old.types, "(no main purpose)")
    if old is not None and not changed:
        return service_id, []

    org_id = stable_id(f"organization:{rec.organization.strip()}")
    if s.get(Organization, org_id) is None:
        s.add(Organization(id=org_id, name=rec.organization.strip()))
        s.flush()
    service = s.get(Service, service_id)
    if service is None:
        service = Service(id=service_id, organization_id=org_id, name=rec.name)
        s.add(service)
    service.organization_id = org_id
    service.name = rec.name
    service.description = rec.description
    service.status = rec.status
    service.url, service.email = rec.url, rec.email
    service.eligibility_description = rec.eligibility_description
    service.application_process = rec.application_process
    service.fees_description = rec.fees_description
    service.assured_date = rec.assured_date
    service.last_modified = now
    s.flush()

    for name, link in (("types", SERVICE_TYPE_LINK), ("serves_only", ELIGIBILITY_LINK)):
        if name not in changed:
            continue
        s.execute(
            delete(Attribute).where(Attribute.link_id == service_id, Attribute.link_type == link)
        )
        for i, code in enumerate(getattr(rec, name)):
            main = MAIN_PURPOSE if link == SERVICE_TYPE_LINK and i == 0 else None
            s.add(Attribute(link_id=service_id, link_entity="service", link_type=link, value=main,
                            taxonomy_term_id=stable_id(f"taxonomy_term:{code}")))  # fmt: skip
    if "scope" in changed:
        s.execute(delete(ServiceArea).where(ServiceArea.service_id == service_id))
        for scope in rec.scope:
            s.add(
                ServiceArea(
                    service_id=service_id, name=scope, place_id=scope_place_id(index, scope)
                )
            )
    if {"corregimiento", "address", "latitude", "longitude"} & set(changed):
        _write_location(s, index, rec, service_id)
    if "phone" in changed:
        s.execute(delete(Phone).where(Phone.service_id == service_id))
        if rec.phone:
            s.add(Phone(service_id=service_id, number=rec.phone))
    if "hours" in changed:
        s.execute(delete(Schedule).where(Schedule.service_id == service_id))
        if rec.hours:
            s.add(Schedule(service_id=service_id, description=rec.hours))
    if "languages" in changed:
        s.execute(delete(Language).where(Language.service_id == service_id))
        for code in rec.languages:
            s.add(Language(service_id=service_id, code=code))
    for name in TRANSLATED:
        if f"{name}_en" in changed:
            s.execute(
                delete(Translation).where(
                    Translation.entity == "service",
                    Translation.entity_id == service_id,
                    Translation.field == name,
                    Translation.language == "en",
                )
            )
            value = getattr(rec, f"{name}_en")
            if value:
                s.add(Translation(entity="service", entity_id=service_id, field=name,
                                  language="en", value=value))  # fmt: skip
    if "sources" in changed:
        s.execute(
            delete(ValueSource).where(
                ValueSource.entity == "service",
                ValueSource.entity_id == service_id,
                ValueSource.kind == "value",
            )
        )
        for name, source in rec.sources.items():
            s.add(ValueSource(entity="service", entity_id=service_id, field=name, kind="value",
                              source=source))  # fmt: skip
    if "caveats" in changed:
        s.execute(
            delete(ValueCaveat).where(
                ValueCaveat.entity == "service", ValueCaveat.entity_id == service_id
            )
        )
        for name, caveat in rec.caveats.items():
            s.add(ValueCaveat(entity="service", entity_id=service_id, field=name, caveat=caveat))
    for name in changed:
        s.add(
            AuditLog(
                at=now,
                actor=actor,
                action=action if old is not None else "create",
                entity="service",
                entity_id=service_id,
                field=name,
                old_value=_text(before.get(name)),
                new_value=_text(after[name]),
            )
        )
    s.flush()
    if refresh_search:
        search_index.refresh(s, [service_id])
    return service_id, changed


def _write_location(s: Session, index: PlaceIndex, rec: ServiceRecord, service_id: str) -> None:
    location = _location(s, service_id)
    wanted = rec.corregimiento or rec.address or rec.latitude is not None
    if not wanted:
        if location is not None:
            s.execute(delete(ServiceAtLocation).where(ServiceAtLocation.service_id == service_id))
            s.execute(delete(Address).where(Address.location_id == location.id))
            s.delete(location)
        return
    if location is None:
        location = Location(location_type="physical")
        s.add(location)
        s.flush()
        s.add(ServiceAtLocation(service_id=service_id, location_id=location.id))
    node = index.by_level("corregimiento", rec.corregimiento) if rec.corregimiento else None
    location.place_id = node.id if node else None
    location.latitude, location.longitude = rec.latitude, rec.longitude
    s.execute(delete(Address).where(Address.location_id == location.id))
    if rec.address:
        s.add(Address(location_id=location.id, address_1=rec.address))
