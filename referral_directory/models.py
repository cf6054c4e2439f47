"""The directory schema: Open Referral HSDS 3 tables, plus what HSDS lacks.

HSDS names are used verbatim (singular tables, UUID string ids, `<entity>_id` links, the
`status` vocabulary, `assured_date` as "last reviewed") so that the data can later be exchanged
with other HSDS directories. What HSDS does not have gets its own tables rather than being forced
into HSDS columns: translations, the place hierarchy, the source of each value, the audit trail.

Text columns of HSDS tables hold Spanish, the language of the sources; other languages live in
`translation`. The schema changes only through Alembic revisions in `migrations/`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Final

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.base import Base

#: HSDS 3 service.status, verbatim.
SERVICE_STATUSES: Final = ("active", "inactive", "defunct", "temporarily closed")
#: HSDS 3 location.location_type, verbatim.
LOCATION_TYPES: Final = ("physical", "postal", "virtual")
#: Levels of the place hierarchy, most specific first (the order of search fallbacks).
PLACE_LEVELS: Final = ("corregimiento", "distrito", "provincia", "national")
#: Our service types (DESIGN.md), kept as taxonomy terms linked to services by `attribute`.
#: A service lists one or more; the first it lists is its main purpose (see `Attribute`).
SERVICE_TYPES: Final = (
    "regularization",
    "work_permit",
    "health",
    "psychosocial",
    "legal",
    "refugee",
    "trafficking",
    "gbv",
    "children",
    "emergency",
    "employment",
    "voluntary_return",
    "education",
    "shelter",
    "food",
    "information",
)
#: Types that name a group of people as well as a kind of service (survivors of gender-based
#: violence, victims of trafficking, children and adolescents): a service may be only for that
#: group (`eligibility` attributes, the record's `serves_only`), and is then offered only when
#: the topic or the person asks for one of its groups' types.
GROUP_TYPES: Final = ("gbv", "trafficking", "children")
#: Types that say a service informs and refers, whatever the question: in an offer they rank
#: after the services whose purpose is the topic's (unless only they were asked for).
GENERAL_TYPES: Final = ("information",)
#: attribute.link_type (HSDS 3: "what the taxonomy term describes, e.g. the service
#: eligibility or intended audience"): a type of the service, or a group it is only for.
SERVICE_TYPE_LINK: Final = "service_type"
ELIGIBILITY_LINK: Final = "eligibility"
LINK_TYPES: Final = (SERVICE_TYPE_LINK, ELIGIBILITY_LINK)
#: attribute.value of the service type that is the service's main purpose (the others: NULL).
MAIN_PURPOSE: Final = "main"
LANGUAGES: Final = ("es", "en")
#: value_source.kind: the page a value was read from, a page that backs the entry as a whole,
#: or something staff still have to confirm (a work item, with no value).
SOURCE_KINDS: Final = ("value", "evidence", "unverified")


def new_id() -> str:
    """A random UUID as text: HSDS ids are strings, and text ids behave alike on every backend."""
    return str(uuid.uuid4())


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


Id = String(36)


# --- HSDS tables -------------------------------------------------------------------------


class Organization(Base):
    __tablename__ = "organization"

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(320))
    website: Mapped[str | None] = mapped_column(Text)

    services: Mapped[list[Service]] = relationship(back_populates="organization")


class Service(Base):
    __tablename__ = "service"
    __table_args__ = (
        CheckConstraint(_in("status", SERVICE_STATUSES), name="status"),
        Index("ix_service_status_name", "status", "name"),
    )

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"), index=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(32), default="active")
    eligibility_description: Mapped[str | None] = mapped_column(Text)
    application_process: Mapped[str | None] = mapped_column(Text)
    fees_description: Mapped[str | None] = mapped_column(Text)
    assured_date: Mapped[dt.date | None] = mapped_column(Date)
    last_modified: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    organization: Mapped[Organization] = relationship(back_populates="services")


class Location(Base):
    __tablename__ = "location"
    __table_args__ = (CheckConstraint(_in("location_type", LOCATION_TYPES), name="location_type"),)

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    organization_id: Mapped[str | None] = mapped_column(ForeignKey("organization.id"), index=True)
    location_type: Mapped[str] = mapped_column(String(16), default="physical")
    name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    #: Not HSDS: the most specific place of the hierarchy the location lies in.
    place_id: Mapped[str | None] = mapped_column(ForeignKey("place.id"), index=True)


class Address(Base):
    """HSDS address of a location; seed addresses are free text, kept whole in `address_1`."""

    __tablename__ = "address"

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    location_id: Mapped[str] = mapped_column(ForeignKey("location.id"), index=True)
    address_1: Mapped[str] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(Text)
    state_province: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str] = mapped_column(String(2), default="PA")
    address_type: Mapped[str] = mapped_column(String(16), default="physical")


class ServiceAtLocation(Base):
    __tablename__ = "service_at_location"
    __table_args__ = (
        Index("ix_service_at_location_location_id_service_id", "location_id", "service_id"),
    )

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    location_id: Mapped[str] = mapped_column(ForeignKey("location.id"))
    description: Mapped[str | None] = mapped_column(Text)


class ServiceArea(Base):
    __tablename__ = "service_area"
    __table_args__ = (Index("ix_service_area_place_id_service_id", "place_id", "service_id"),)

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    #: Not HSDS: the area as a place of our hierarchy (HSDS only has free text and GeoJSON).
    place_id: Mapped[str] = mapped_column(ForeignKey("place.id"))


class Phone(Base):
    __tablename__ = "phone"

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    service_id: Mapped[str | None] = mapped_column(ForeignKey("service.id"), index=True)
    location_id: Mapped[str | None] = mapped_column(ForeignKey("location.id"), index=True)
    organization_id: Mapped[str | None] = mapped_column(ForeignKey("organization.id"))
    #: As published ("147; WhatsApp 6534-2546"), never reformatted: it stays what the source says.
    number: Mapped[str] = mapped_column(Text)
    extension: Mapped[str | None] = mapped_column(String(16))
    type: Mapped[str | None] = mapped_column(String(16))
    description: Mapped[str | None] = mapped_column(Text)


class Schedule(Base):
    """Opening times. Seed hours are free text (`description`); structured fields are optional."""

    __tablename__ = "schedule"

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    service_id: Mapped[str | None] = mapped_column(ForeignKey("service.id"), index=True)
    location_id: Mapped[str | None] = mapped_column(ForeignKey("location.id"), index=True)
    byday: Mapped[str | None] = mapped_column(String(32))
    opens_at: Mapped[str | None] = mapped_column(String(8))
    closes_at: Mapped[str | None] = mapped_column(String(8))
    description: Mapped[str | None] = mapped_column(Text)


class Language(Base):
    """A language a service is delivered in (ISO 639-1 `code`), not a translation."""

    __tablename__ = "language"

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    service_id: Mapped[str | None] = mapped_column(ForeignKey("service.id"), index=True)
    location_id: Mapped[str | None] = mapped_column(ForeignKey("location.id"))
    name: Mapped[str | None] = mapped_column(Text)
    code: Mapped[str] = mapped_column(String(8))


class RequiredDocument(Base):
    __tablename__ = "required_document"

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    document: Mapped[str] = mapped_column(Text)
    uri: Mapped[str | None] = mapped_column(Text)


class TaxonomyTerm(Base):
    __tablename__ = "taxonomy_term"

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    taxonomy: Mapped[str] = mapped_column(String(64))


class Attribute(Base):
    """Classifies an entity by a taxonomy term: a service by its types, and by the groups of
    people it is only for.

    `link_type` says which (HSDS 3 names, our codes): "service_type" rows are the service's
    types, and the one whose `value` is "main" is its main purpose, the first type its record
    lists (`records.ServiceRecord.types`): what the service is for, where the others are what
    it also does. "eligibility" rows name a group (one of GROUP_TYPES, and one of the service's
    own types) the service is only for: it is offered only to a request of that type. A
    service stored before revision 0006 with several types may have no main purpose yet (all
    its types then rank as secondary) until it is saved again or the seed reclassifies it.
    """

    __tablename__ = "attribute"
    __table_args__ = (
        UniqueConstraint("link_id", "link_type", "taxonomy_term_id"),
        Index("ix_attribute_taxonomy_term_id_link_id", "taxonomy_term_id", "link_id"),
        CheckConstraint(_in("link_type", LINK_TYPES), name="link_type"),
    )

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    link_id: Mapped[str] = mapped_column(Id)
    link_type: Mapped[str] = mapped_column(
        String(32), default=SERVICE_TYPE_LINK, server_default=SERVICE_TYPE_LINK
    )
    link_entity: Mapped[str] = mapped_column(String(32))
    taxonomy_term_id: Mapped[str] = mapped_column(ForeignKey("taxonomy_term.id"))
    value: Mapped[str | None] = mapped_column(Text)


# --- what HSDS lacks ---------------------------------------------------------------------


class Place(Base):
    """A node of corregimiento -> distrito -> provincia -> national, loaded from places.yaml."""

    __tablename__ = "place"
    __table_args__ = (
        CheckConstraint(_in("level", PLACE_LEVELS), name="level"),
        UniqueConstraint("level", "name"),
    )

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    level: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("place.id"), index=True)
    programme: Mapped[bool] = mapped_column(default=False)
    #: Matched only as written (no typo tolerance): the name is also an everyday word.
    ambiguous: Mapped[bool] = mapped_column(default=False)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    coordinates_source: Mapped[str | None] = mapped_column(Text)

    aliases: Mapped[list[PlaceAlias]] = relationship(
        back_populates="place", cascade="all, delete-orphan"
    )


class PlaceAlias(Base):
    __tablename__ = "place_alias"
    __table_args__ = (UniqueConstraint("place_id", "alias"),)

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    place_id: Mapped[str] = mapped_column(ForeignKey("place.id"))
    alias: Mapped[str] = mapped_column(Text)

    place: Mapped[Place] = relationship(back_populates="aliases")


class Translation(Base):
    """A text a migrant reads, in a language other than the one in the HSDS column (Spanish)."""

    __tablename__ = "translation"
    __table_args__ = (
        UniqueConstraint("entity", "entity_id", "field", "language"),
        CheckConstraint(_in("language", LANGUAGES), name="language"),
    )

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(Id)
    field: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(Text)


class ValueSource(Base):
    """Where a value was read (or what is still to confirm), so staff can check it."""

    __tablename__ = "value_source"
    __table_args__ = (
        Index("ix_value_source_entity_entity_id", "entity", "entity_id"),
        CheckConstraint(_in("kind", SOURCE_KINDS), name="kind"),
    )

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(Id)
    field: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default="value")
    #: A URL, or a seed sheet cited by file name ("seed 003_....txt").
    source: Mapped[str | None] = mapped_column(Text)
    #: Date shown on the source page, as precise as the page gives it ("2024-01").
    source_date: Mapped[str | None] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(Text)


class ValueCaveat(Base):
    """A value of an entity that its source does not confirm, and why ("not confirmed as an
    intake line", "confirm it is still in service"): the bot shows such a value with a short
    "confirm before you go". No row: the value is confirmed. `field` "status" is the entry as a
    whole ("not confirmed still operating"). Staff clear a caveat once they have checked."""

    __tablename__ = "value_caveat"
    __table_args__ = (UniqueConstraint("entity", "entity_id", "field"),)

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(Id, index=True)
    field: Mapped[str] = mapped_column(String(64))
    caveat: Mapped[str] = mapped_column(Text)


class AuditLog(Base):
    """One row per changed field of a staff edit: who, when, what, from what to what."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity_entity_id", "entity", "entity_id"),)

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(Id)
    field: Mapped[str | None] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)


class ServiceSearch(Base):
    """Not HSDS: the search table, derived from the tables above and never edited by hand.

    One row per service x search key x type filter x located point. A service's search keys are
    the places it serves (`service_area`) or is located in (`location.place_id`), with every
    ancestor of those places up to the provincia; the national place is a key only of services
    that serve the whole country. The type filter (`service_type`) is "" (any type) and each of
    its types, for staff searches that list every service; and, for what is offered to a
    person (`offer`), "offer:", "offer:TYPE" and "offer:TYPE:main" (its main purpose) for a
    service for everyone, or the same qualified by its group ("offer@gbv:TYPE", ...) for a
    service only for some groups (see `search_index.offer_filter`). So a search at one level
    of the hierarchy is one range of an index, in the order of the answer, and stops after
    `limit` rows. `search_index.refresh` rewrites a service's rows in the same transaction as
    every write of the service; `search_index.rebuild` rewrites them all.
    """

    __tablename__ = "service_search"
    __table_args__ = (
        # by name: services with a point and without are two ranges (the second ranks last
        # when ordering by distance)
        Index(
            "ix_service_search_by_name",
            "place_id",
            "service_type",
            "status",
            "located",
            "name",
            "service_id",
        ),
        # by distance: a latitude range (bounding box), covering the rest of what is read
        Index(
            "ix_service_search_by_point",
            "place_id",
            "service_type",
            "status",
            "latitude",
            "longitude",
            "name",
            "service_id",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service_id: Mapped[str] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), index=True
    )
    #: The search key: a place whose level of a search finds this service.
    place_id: Mapped[str] = mapped_column(Id)
    #: "" for a search of any type, else one of the service's types.
    service_type: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    #: Service.name, the order of a search without a point.
    name: Mapped[str] = mapped_column(Text)
    #: One of the service's located points; NULL (and located false) when it has none.
    located: Mapped[bool] = mapped_column()
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
