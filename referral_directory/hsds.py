"""The directory as Open Referral HSDS 3.0 objects, for the public read-only API and the export.

Other agencies' tools and 2-1-1 style directories read HSDS; the tables already follow it
(models.py), so this is a mapping, not a translation. What is published is deliberate: only
active services (HSDS `status` "active"), their organizations, locations, phones, schedules,
areas, languages, documents and types. Never the flags people send, handoffs, the audit trail,
the value sources and their notes (staff's work items), nor services that are closed: what
is not active is not published, as the bot does not offer it. Values are Spanish, the
language of the sources (HSDS has no translations). A value that is unknown is left out, not
sent as null: the HSDS schemas type their fields as strings and numbers, not nullable.

Plain typed Python over SQLAlchemy sessions; the console's HSDS endpoints only render this.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session

from referral_directory.models import (
    Address,
    Attribute,
    Language,
    Location,
    Organization,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceSearch,
    TaxonomyTerm,
)
from referral_directory.records import stable_id
from referral_directory.resolve import PlaceIndex, normalize

HSDS_VERSION: Final = "3.0"
PROFILE: Final = "https://docs.openreferral.org/en/3.0/hsds/schema_reference.html"
PUBLISHED: Final = "active"
MAX_PER_PAGE: Final = 200
DEFAULT_PER_PAGE: Final = 50
#: SQLite's limit on bound parameters is far above this; PostgreSQL's too
CHUNK: Final = 500

Json = dict[str, Any]


class ParamError(ValueError):
    """A query parameter the API cannot use; the message says what would be accepted."""


class UnknownValue(ParamError):
    """A parameter well formed that names nothing the directory knows (HTTP 422)."""


@dataclass(frozen=True)
class Query:
    """The filters of the spec (combined with AND) and our `corregimiento`."""

    search: str = ""
    taxonomy_term_id: str = ""
    taxonomy_id: str = ""
    organization_id: str = ""
    modified_after: dt.datetime | None = None
    corregimiento: str = ""


@dataclass(frozen=True)
class PageInfo:
    number: int
    per_page: int

    def envelope(self, total: int, contents: list[Json]) -> Json:
        """The HSDS `Page` object."""
        pages = max(1, math.ceil(total / self.per_page))
        return {
            "total_items": total,
            "total_pages": pages,
            "page_number": self.number,
            "size": len(contents),
            "first_page": self.number == 1,
            "last_page": self.number >= pages,
            "empty": len(contents) == 0,
            "contents": contents,
        }


def parse_page(page: str | None, per_page: str | None) -> PageInfo:
    def number(raw: str | None, name: str, default: int, top: int | None) -> int:
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ParamError(f"{name} must be a whole number, not {raw!r}") from None
        if value < 1 or (top is not None and value > top):
            limit = f"1 to {top}" if top else "1 or more"
            raise ParamError(f"{name} must be {limit}, not {value}")
        return value

    return PageInfo(
        number(page, "page", 1, None), number(per_page, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)
    )


def parse_bool(raw: str | None, name: str) -> bool:
    if raw is None or raw == "":
        return False
    value = raw.strip().lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise ParamError(f"{name} must be true or false, not {raw!r}")


def parse_datetime(raw: str | None, name: str) -> dt.datetime | None:
    if raw is None or raw == "":
        return None
    try:
        moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ParamError(f"{name} must be an ISO 8601 date or datetime, not {raw!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def taxonomy_id(name: str) -> str:
    """Our taxonomies are a column of the terms; each gets a stable id of its name."""
    return stable_id(f"taxonomy:{name}")


# --- which services -------------------------------------------------------------------------


def _corregimiento_places(index: PlaceIndex, name: str) -> list[str]:
    ids = [
        i
        for i in index.forms.get(normalize(name), set())
        if index.nodes[i].level == "corregimiento"
    ]
    if not ids:
        hint = index.resolve(name)
        known = [hint.place.name] if hint.place else list(hint.suggestions)
        more = f" (did you mean {', '.join(known)}?)" if known else ""
        raise UnknownValue(f"corregimiento {name!r} is not a corregimiento of the directory{more}")
    # the place itself, its distrito, provincia and the national level: as the bot searches
    return [n.id for n in index.ancestors(ids[0])]


def _services(s: Session, query: Query, index: PlaceIndex) -> Select[tuple[Service]]:
    stmt = select(Service).where(Service.status == PUBLISHED)
    if query.search:
        like = f"%{query.search.lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(Service.name).like(like),
                func.lower(Service.description).like(like),
                Service.organization_id.in_(
                    select(Organization.id).where(func.lower(Organization.name).like(like))
                ),
            )
        )
    if query.organization_id:
        stmt = stmt.where(Service.organization_id == query.organization_id)
    if query.modified_after is not None:
        stmt = stmt.where(Service.last_modified >= query.modified_after)
    if query.taxonomy_term_id:
        stmt = stmt.where(
            exists().where(
                Attribute.link_id == Service.id,
                Attribute.taxonomy_term_id == query.taxonomy_term_id,
            )
        )
    if query.taxonomy_id:
        names = [n for n in s.scalars(select(TaxonomyTerm.taxonomy).distinct())]
        name = next((n for n in names if taxonomy_id(n) == query.taxonomy_id), None)
        stmt = stmt.where(
            exists().where(
                Attribute.link_id == Service.id,
                Attribute.taxonomy_term_id == TaxonomyTerm.id,
                TaxonomyTerm.taxonomy == (name or "\x00no taxonomy"),
            )
        )
    if query.corregimiento:
        # the bot's search keys: a service is found at a place it serves or lies in, and at
        # each ancestor of those; the corregimiento's chain reads them at every level
        places = _corregimiento_places(index, query.corregimiento)
        stmt = stmt.where(
            Service.id.in_(
                select(ServiceSearch.service_id).where(
                    ServiceSearch.place_id.in_(places), ServiceSearch.service_type == ""
                )
            )
        )
    return stmt


def count_services(s: Session, query: Query, index: PlaceIndex) -> int:
    stmt = _services(s, query, index).with_only_columns(func.count(Service.id)).order_by(None)
    return int(s.scalar(stmt) or 0)


def service_page(
    s: Session, query: Query, index: PlaceIndex, page: PageInfo | None, *, full: bool = False
) -> tuple[int, list[Json]]:
    """(total, the page's services); with `page` None, every service (ndjson)."""
    stmt = _services(s, query, index).order_by(Service.name, Service.id)
    total = count_services(s, query, index) if page is not None else 0
    if page is not None:
        stmt = stmt.limit(page.per_page).offset((page.number - 1) * page.per_page)
    rows = list(s.scalars(stmt))
    return total, services_json(s, rows, index, full=full)


def minimal(rows: Iterable[Json]) -> list[Json]:
    """The spec's `minimal`: each service's id and when it changed."""
    out = []
    for row in rows:
        item = {"id": row["id"], "name": row["name"], "status": row["status"]}
        if "last_modified" in row:
            item["last_modified"] = row["last_modified"]
        out.append(item)
    return out


# --- objects --------------------------------------------------------------------------------


def _clean(values: dict[str, Any]) -> Json:
    """Unknown values are left out: HSDS fields are typed strings and numbers, not null."""
    return {k: v for k, v in values.items() if v is not None}


def _chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _by(s: Session, column: Any, ids: Sequence[str], model: Any) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    for part in _chunks(list(dict.fromkeys(ids))):
        for row in s.scalars(select(model).where(column.in_(part)).order_by(model.id)):
            out[getattr(row, column.key)].append(row)
    return out


def organization_json(org: Organization) -> Json:
    return _clean(
        {
            "id": org.id,
            "name": org.name,
            "description": org.description or "",
            "email": org.email,
            "website": org.website,
        }
    )


def _term_json(term: TaxonomyTerm) -> Json:
    return _clean(
        {
            "id": term.id,
            "code": term.code,
            "name": term.name,
            "description": term.description or term.name,
            "taxonomy": term.taxonomy,
            "taxonomy_id": taxonomy_id(term.taxonomy),
            "language": "es",
        }
    )


def taxonomy_json(name: str) -> Json:
    return {
        "id": taxonomy_id(name),
        "name": name,
        "description": "The types of service of the directory of services for migrants in "
        "Panama (regularization, refugee status, work permits, health, ...).",
        "version": "1",
    }


def _place_names(index: PlaceIndex, place_id: str | None) -> dict[str, str]:
    if not place_id or place_id not in index.nodes:
        return {}
    return {n.level: n.name for n in index.ancestors(place_id)}


def _location_json(loc: Location, addresses: list[Address], index: PlaceIndex) -> Json:
    names = _place_names(index, loc.place_id)
    return _clean(
        {
            "id": loc.id,
            "location_type": loc.location_type,
            "organization_id": loc.organization_id,
            "name": loc.name,
            "description": loc.description,
            "latitude": loc.latitude,
            "longitude": loc.longitude,
            "addresses": [
                {
                    "id": a.id,
                    "location_id": loc.id,
                    "address_1": a.address_1,
                    "city": a.city or names.get("distrito", ""),
                    "region": names.get("corregimiento", ""),
                    "state_province": a.state_province or names.get("provincia", ""),
                    "postal_code": "",
                    "country": a.country,
                    "address_type": a.address_type,
                }
                for a in addresses
            ],
        }
    )


def _service_fields(svc: Service) -> Json:
    return _clean(
        {
            "id": svc.id,
            "organization_id": svc.organization_id,
            "name": svc.name,
            "description": svc.description,
            "url": svc.url,
            "email": svc.email,
            "status": svc.status,
            "eligibility_description": svc.eligibility_description,
            "application_process": svc.application_process,
            "fees_description": svc.fees_description,
            "assured_date": svc.assured_date.isoformat() if svc.assured_date else None,
            "last_modified": _stamp(svc.last_modified),
        }
    )


def _stamp(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def services_json(
    s: Session, rows: Sequence[Service], index: PlaceIndex, *, full: bool
) -> list[Json]:
    """Services as HSDS objects: one-to-one fields and the organization (a list item), or
    fully nested (`GET /services/{id}`, `full=true`), loading related rows a table at a time."""
    ids = [r.id for r in rows]
    orgs = {
        o.id: o
        for part in _chunks(list({r.organization_id for r in rows}))
        for o in s.scalars(select(Organization).where(Organization.id.in_(part)))
    }
    out = []
    nested = _nested(s, ids, index) if full else {}
    for svc in rows:
        item = _service_fields(svc)
        item["organization"] = organization_json(orgs[svc.organization_id])
        if full:
            item.update(nested.get(svc.id, {}))
        out.append(item)
    return out


def _nested(s: Session, ids: Sequence[str], index: PlaceIndex) -> dict[str, Json]:
    phones = _by(s, Phone.service_id, ids, Phone)
    schedules = _by(s, Schedule.service_id, ids, Schedule)
    areas = _by(s, ServiceArea.service_id, ids, ServiceArea)
    languages = _by(s, Language.service_id, ids, Language)
    documents = _by(s, RequiredDocument.service_id, ids, RequiredDocument)
    attributes = _by(s, Attribute.link_id, ids, Attribute)
    sals = _by(s, ServiceAtLocation.service_id, ids, ServiceAtLocation)
    loc_ids = [x.location_id for rows in sals.values() for x in rows]
    locations = {k: v[0] for k, v in _by(s, Location.id, loc_ids, Location).items()}
    addresses = _by(s, Address.location_id, loc_ids, Address)
    term_ids = [a.taxonomy_term_id for rows in attributes.values() for a in rows]
    terms = {k: v[0] for k, v in _by(s, TaxonomyTerm.id, term_ids, TaxonomyTerm).items()}
    out: dict[str, Json] = {}
    for sid in ids:
        out[sid] = {
            "phones": [
                _clean(
                    {
                        "id": p.id,
                        "service_id": sid,
                        "number": p.number,
                        "extension": p.extension,
                        "type": p.type,
                        "description": p.description,
                    }
                )
                for p in phones.get(sid, [])
            ],
            "schedules": [
                _clean(
                    {
                        "id": x.id,
                        "service_id": sid,
                        "byday": x.byday,
                        "opens_at": x.opens_at,
                        "closes_at": x.closes_at,
                        "description": x.description,
                    }
                )
                for x in schedules.get(sid, [])
            ],
            "service_areas": [
                _clean(
                    {
                        "id": a.id,
                        "service_id": sid,
                        "name": a.name or _area_name(index, a.place_id),
                        "description": a.description,
                    }
                )
                for a in areas.get(sid, [])
            ],
            "languages": [
                _clean({"id": x.id, "service_id": sid, "name": x.name, "code": x.code})
                for x in languages.get(sid, [])
            ],
            "required_documents": [
                _clean({"id": d.id, "service_id": sid, "document": d.document, "uri": d.uri})
                for d in documents.get(sid, [])
            ],
            "attributes": [
                _clean(
                    {
                        "id": a.id,
                        "link_id": sid,
                        "link_type": a.link_type,
                        "link_entity": a.link_entity,
                        "value": a.value,
                        "taxonomy_term": _term_json(terms[a.taxonomy_term_id]),
                    }
                )
                for a in attributes.get(sid, [])
                if a.taxonomy_term_id in terms
            ],
            "service_at_locations": [
                _clean(
                    {
                        "id": x.id,
                        "service_id": sid,
                        "location_id": x.location_id,
                        "description": x.description,
                        "location": _location_json(
                            locations[x.location_id], addresses.get(x.location_id, []), index
                        ),
                    }
                )
                for x in sals.get(sid, [])
                if x.location_id in locations
            ],
        }
    return out


def _area_name(index: PlaceIndex, place_id: str) -> str | None:
    node = index.nodes.get(place_id)
    if node is None:
        return None
    return "Panamá (national)" if node.level == "national" else f"{node.level} {node.name}"


def service(s: Session, service_id: str, index: PlaceIndex) -> Json | None:
    """One published service, fully nested; None when there is none or it is not active."""
    svc = s.get(Service, service_id)
    if svc is None or svc.status != PUBLISHED:
        return None
    return services_json(s, [svc], index, full=True)[0]


# --- organizations, taxonomies, terms, services at locations --------------------------------


def _published_org_ids() -> Select[tuple[str]]:
    return select(Service.organization_id).where(Service.status == PUBLISHED)


def organizations(s: Session, search: str, page: PageInfo | None) -> tuple[int, list[Organization]]:
    """Organizations with at least one published service: one whose services are all closed
    is no one's referral."""
    stmt = select(Organization).where(Organization.id.in_(_published_org_ids()))
    if search:
        stmt = stmt.where(func.lower(Organization.name).like(f"%{search.lower()}%"))
    total = int(s.scalar(stmt.with_only_columns(func.count(Organization.id))) or 0)
    stmt = stmt.order_by(Organization.name, Organization.id)
    if page is not None:
        stmt = stmt.limit(page.per_page).offset((page.number - 1) * page.per_page)
    return total, list(s.scalars(stmt))


def organization(s: Session, org_id: str, index: PlaceIndex, *, full: bool) -> Json | None:
    org = s.get(Organization, org_id)
    if org is None:
        return None
    rows = list(
        s.scalars(
            select(Service)
            .where(Service.organization_id == org_id, Service.status == PUBLISHED)
            .order_by(Service.name, Service.id)
        )
    )
    if not rows:
        return None
    item = organization_json(org)
    services = services_json(s, rows, index, full=full)
    for svc in services:
        svc.pop("organization", None)
    item["services"] = services
    return item


def taxonomies(s: Session, search: str = "") -> list[Json]:
    names = sorted(set(s.scalars(select(TaxonomyTerm.taxonomy).distinct())))
    return [taxonomy_json(n) for n in names if search.lower() in n.lower()]


def taxonomy_terms(s: Session, search: str = "", taxonomy: str = "") -> list[Json]:
    stmt = select(TaxonomyTerm).order_by(TaxonomyTerm.code)
    terms = [_term_json(t) for t in s.scalars(stmt)]
    if taxonomy:
        terms = [t for t in terms if t["taxonomy_id"] == taxonomy]
    if search:
        needle = search.lower()
        terms = [t for t in terms if needle in t["name"].lower() or needle in t["code"]]
    return terms


def taxonomy_term(s: Session, term_id: str) -> Json | None:
    term = s.get(TaxonomyTerm, term_id)
    return None if term is None else _term_json(term)


def services_at_locations(
    s: Session, index: PlaceIndex, page: PageInfo | None, *, full: bool = False
) -> tuple[int, list[Json]]:
    stmt = (
        select(ServiceAtLocation)
        .join(Service, Service.id == ServiceAtLocation.service_id)
        .where(Service.status == PUBLISHED)
    )
    total = int(s.scalar(stmt.with_only_columns(func.count(ServiceAtLocation.id))) or 0)
    stmt = stmt.order_by(ServiceAtLocation.id)
    if page is not None:
        stmt = stmt.limit(page.per_page).offset((page.number - 1) * page.per_page)
    return total, _sal_json(s, list(s.scalars(stmt)), index, full=full)


def service_at_location(s: Session, sal_id: str, index: PlaceIndex) -> Json | None:
    sal = s.get(ServiceAtLocation, sal_id)
    if sal is None:
        return None
    svc = s.get(Service, sal.service_id)
    if svc is None or svc.status != PUBLISHED:
        return None
    return _sal_json(s, [sal], index, full=True)[0]


def _sal_json(
    s: Session, rows: Sequence[ServiceAtLocation], index: PlaceIndex, *, full: bool
) -> list[Json]:
    loc_ids = [r.location_id for r in rows]
    locations = {k: v[0] for k, v in _by(s, Location.id, loc_ids, Location).items()}
    addresses = _by(s, Address.location_id, loc_ids, Address)
    services: dict[str, Json] = {}
    if full:
        svc_rows = [
            v[0] for v in _by(s, Service.id, [r.service_id for r in rows], Service).values()
        ]
        services = {x["id"]: x for x in services_json(s, svc_rows, index, full=False)}
    out = []
    for r in rows:
        item = _clean(
            {
                "id": r.id,
                "service_id": r.service_id,
                "location_id": r.location_id,
                "description": r.description,
            }
        )
        if r.location_id in locations:
            item["location"] = _location_json(
                locations[r.location_id], addresses.get(r.location_id, []), index
            )
        if full and r.service_id in services:
            item["service"] = services[r.service_id]
        out.append(item)
    return out


# --- the tabular export ----------------------------------------------------------------------

#: (file, fields) of the HSDS tabular format, in the order of the spec's datapackage
TABLES: Final = (
    ("organizations.csv", ("id", "name", "description", "email", "website")),
    (
        "services.csv",
        (
            "id",
            "organization_id",
            "name",
            "description",
            "url",
            "email",
            "status",
            "eligibility_description",
            "application_process",
            "fees_description",
            "assured_date",
            "last_modified",
        ),
    ),
    (
        "locations.csv",
        ("id", "location_type", "organization_id", "name", "description", "latitude", "longitude"),
    ),
    (
        "addresses.csv",
        (
            "id",
            "location_id",
            "address_1",
            "city",
            "region",
            "state_province",
            "postal_code",
            "country",
            "address_type",
        ),
    ),
    ("service_at_location.csv", ("id", "service_id", "location_id", "description")),
    ("phones.csv", ("id", "service_id", "number", "extension", "type", "description")),
    ("schedules.csv", ("id", "service_id", "byday", "opens_at", "closes_at", "description")),
    ("service_areas.csv", ("id", "service_id", "name", "description")),
    ("languages.csv", ("id", "service_id", "name", "code")),
    ("required_documents.csv", ("id", "service_id", "document", "uri")),
    ("taxonomies.csv", ("id", "name", "description", "version")),
    (
        "taxonomy_terms.csv",
        ("id", "code", "name", "description", "taxonomy", "taxonomy_id", "language"),
    ),
    ("attributes.csv", ("id", "link_id", "link_type", "link_entity", "taxonomy_term_id", "value")),
)
NUMBERS: Final = {"latitude", "longitude"}


def tabular_rows(s: Session, index: PlaceIndex) -> dict[str, list[Json]]:
    """Every published object, flat, table by table (the same objects as the API)."""
    rows = list(
        s.scalars(select(Service).where(Service.status == PUBLISHED).order_by(Service.name))
    )
    services = services_json(s, rows, index, full=True)
    tables: dict[str, list[Json]] = {name: [] for name, _ in TABLES}
    orgs: dict[str, Json] = {}
    locations: dict[str, Json] = {}
    for svc in services:
        orgs[svc["organization"]["id"]] = svc["organization"]
        tables["services.csv"].append(svc)
        for key, table in (
            ("phones", "phones.csv"),
            ("schedules", "schedules.csv"),
            ("service_areas", "service_areas.csv"),
            ("languages", "languages.csv"),
            ("required_documents", "required_documents.csv"),
        ):
            tables[table].extend(svc.get(key, []))
        for attr in svc.get("attributes", []):
            tables["attributes.csv"].append(
                {**attr, "taxonomy_term_id": attr["taxonomy_term"]["id"]}
            )
        for sal in svc.get("service_at_locations", []):
            tables["service_at_location.csv"].append(sal)
            if "location" in sal:
                locations[sal["location"]["id"]] = sal["location"]
    tables["organizations.csv"] = list(orgs.values())
    tables["locations.csv"] = list(locations.values())
    tables["addresses.csv"] = [a for loc in locations.values() for a in loc.get("addresses", [])]
    tables["taxonomies.csv"] = taxonomies(s)
    tables["taxonomy_terms.csv"] = taxonomy_terms(s)
    return tables


def datapackage(tables: dict[str, list[Json]]) -> Json:
    """The Frictionless Data Package that describes the CSV files (HSDS's tabular format)."""

    def field(name: str) -> Json:
        if name in NUMBERS:
            return {"name": name, "type": "number"}
        if name == "assured_date":
            return {"name": name, "type": "date"}
        if name == "last_modified":
            return {"name": name, "type": "datetime"}
        return {"name": name, "type": "string"}

    return {
        "name": "panama-migrant-services",
        "title": "Services for migrants in Panama (HSDS 3.0)",
        "profile": "tabular-data-package",
        "version": HSDS_VERSION,
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}],
        "resources": [
            {
                "name": path.removesuffix(".csv"),
                "path": path,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "count": len(tables[path]),
                "schema": {"fields": [field(f) for f in fields], "primaryKey": "id"},
            }
            for path, fields in TABLES
        ],
    }


def tabular_zip(s: Session, index: PlaceIndex) -> bytes:
    """The CSV files and datapackage.json, zipped: the directory as a download."""
    tables = tabular_rows(s, index)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, fields in TABLES:
            text = io.StringIO()
            writer = csv.DictWriter(text, fieldnames=fields, extrasaction="ignore")
            writer.writeheader()
            for row in tables[path]:
                writer.writerow({f: row.get(f, "") for f in fields})
            archive.writestr(path, text.getvalue())
        archive.writestr("datapackage.json", json.dumps(datapackage(tables), indent=2))
    return buffer.getvalue()


def ndjson(items: Iterable[Json]) -> Iterator[str]:
    for item in items:
        yield json.dumps(item, ensure_ascii=False) + "\n"
