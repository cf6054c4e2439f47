"""Load the seed: service types, places (places.yaml) and services (data/seed/, sourced).

Loading is idempotent: a service already in the database is left as it is, because staff may
have corrected or verified it since; only a closure found in the sources after it was loaded
(`STATUS_FROM_SOURCES`) is applied to it, if staff never edited it, and so is the seed's
classification (its types, main purpose first, and the groups it serves only), if staff never
edited those (`_reclassify`). Every seed value keeps its
source (`value_source`), the pages that back the entry as a whole are kept as evidence, and the
seed's `unverified` list becomes work items for staff. Nothing is filled in: a null in the seed
stays empty, and `assured_date` stays null (not yet verified by staff) until someone marks it
verified.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from referral_directory import search_index
from referral_directory.models import (
    SERVICE_TYPES,
    AuditLog,
    Service,
    TaxonomyTerm,
    Translation,
    ValueSource,
)
from referral_directory.placedb import place_index, sync_places
from referral_directory.places import PLACES_FILE, load_places
from referral_directory.records import (
    ServiceRecord,
    check_record,
    main_type,
    ordered_types,
    read_record,
    stable_id,
    write_record,
)
from referral_directory.resolve import PlaceIndex
from store import db

TAXONOMY = "panama-migrant-services"

#: Labels of our service types (interface text, not facts about services).
TYPE_LABELS: dict[str, tuple[str, str]] = {
    "regularization": ("Regularización migratoria", "Migration status (regularization)"),
    "work_permit": ("Permiso de trabajo", "Work permit"),
    "health": ("Salud", "Health"),
    "psychosocial": ("Apoyo psicosocial", "Psychosocial support"),
    "legal": ("Orientación legal", "Legal advice"),
    "refugee": ("Refugio y asilo", "Refugee status and asylum"),
    "trafficking": ("Trata de personas", "Human trafficking"),
    "gbv": ("Violencia de género", "Gender-based violence"),
    "children": ("Niñez y adolescencia", "Children and adolescents"),
    "emergency": ("Emergencias", "Emergencies"),
    "employment": ("Empleo y emprendimiento", "Jobs and entrepreneurship"),
    "voluntary_return": ("Retorno voluntario", "Voluntary return"),
    "education": ("Educación", "Education"),
    "shelter": ("Albergue", "Shelter"),
    "food": ("Alimentación", "Food"),
    "information": ("Información y orientación", "Information and guidance"),
}
assert set(TYPE_LABELS) == set(SERVICE_TYPES)

SEED_ACTOR = "seed"

#: The status of entries whose sources say they are not open, where services.yaml has no
#: `status` key: seed id -> (HSDS status, the page that says so). A closed service must not be
#: offered, so the entry's own description and cited page are read, not left to staff;
#: tests/directory/test_seed.py fails when a description speaks of a closure missing here.
STATUS_FROM_SOURCES: dict[str, tuple[str, str]] = {
    # "El 12 de noviembre de 2025 cerró temporalmente por una inundación ... no se confirmó su
    # reapertura" (its description, from the page below)
    "minsa-centro-salud-tocumen": (
        "temporarily closed",
        "https://www.metrolibre.com/nacionales/"
        "cierran-temporalmente-el-centro-de-salud-de-tocumen-DL17493167",
    ),
}


#: A value's note is a caveat (the value is unconfirmed) when it says so: "confirm it is still
#: in service", "not confirmed as an intake line". Other notes are context ("Stated in a June
#: 2020 notice.") and leave the value confirmed.
CAVEAT_NOTE: Final = re.compile(r"\bconfirm", re.IGNORECASE)

#: Entries whose sources do not confirm that they still operate (their descriptions say so:
#: "No se confirmó que siga funcionando"), as a caveat on the entry's status; tests/directory/
#: test_seed.py fails when a description says so and the entry is missing here.
STATUS_CAVEATS: dict[str, str] = {
    "municipio-la-chorrera-centro-atencion": "not confirmed still operating (a 2023 pilot)",
}


@dataclass(frozen=True)
class SeedReport:
    places: int
    types: int
    services_added: int
    services_kept: int
    #: kept services whose status was corrected from the seed (see `_correct_status`)
    services_corrected: int = 0
    #: kept services given the seed's types, main purpose or groups (see `_reclassify`)
    services_reclassified: int = 0
    #: kept services given the caveats of their unconfirmed values (see `_carry_caveats`)
    services_caveated: int = 0


class SeedError(ValueError):
    """The seed file cannot be loaded as it is."""


def load_types(s: Session) -> int:
    """One taxonomy term per service type, with its English label as a translation."""
    for code, (es, en) in TYPE_LABELS.items():
        term_id = stable_id(f"taxonomy_term:{code}")
        if s.get(TaxonomyTerm, term_id) is None:
            s.add(TaxonomyTerm(id=term_id, code=code, name=es, taxonomy=TAXONOMY))
            s.add(Translation(entity="taxonomy_term", entity_id=term_id, field="name",
                              language="en", value=en))  # fmt: skip
    s.flush()
    return len(TYPE_LABELS)


def _value(entry: dict[str, Any], key: str) -> tuple[str | None, str | None, str | None]:
    """(value, source, note) of a sourced seed field, or Nones when the seed has null."""
    item = entry.get(key)
    if not item:
        return None, None, None
    if not isinstance(item, dict) or not item.get("source"):
        raise SeedError(f"{entry.get('id')}: {key} has no source")
    return str(item["value"]), str(item["source"]), item.get("note")


def record_from_seed(entry: dict[str, Any]) -> tuple[ServiceRecord, dict[str, str | None]]:
    """The record of one services.yaml entry, and the staff notes beside its values."""
    rec = ServiceRecord(
        id=stable_id(f"service:{entry['id']}"),
        organization=entry["organization"],
        name=entry["name_es"],
        name_en=entry.get("name_en"),
        description=entry.get("description_es"),
        description_en=entry.get("description_en"),
        types=tuple(entry.get("types", [])),
        serves_only=tuple(entry.get("serves_only") or ()),
        scope=(entry.get("scope") or "national",),
        status=entry.get("status", "active"),
    )
    if entry["id"] in STATUS_FROM_SOURCES and "status" not in entry:
        rec.status, rec.sources["status"] = STATUS_FROM_SOURCES[entry["id"]]
    notes: dict[str, str | None] = {}
    for key in ("address", "phone", "email", "url", "hours"):
        value, source, note = _value(entry, key)
        if value is not None and source is not None:
            setattr(rec, key, value)
            rec.sources[key] = source
            notes[key] = note
            if note and CAVEAT_NOTE.search(note):
                rec.caveats[key] = note
    if entry["id"] in STATUS_CAVEATS:
        rec.caveats["status"] = STATUS_CAVEATS[entry["id"]]
    level, _, name = rec.scope[0].partition(":")
    if level == "corregimiento" and rec.address:
        # the address is in the corregimiento the service is for (the seed says so by scope)
        rec.corregimiento = name
    return rec, notes


def _edited_by_staff(s: Session, service_id: str, fields: tuple[str, ...] = ()) -> bool:
    """Whether anyone but the seed edited the service (with `fields`: one of those fields)."""
    query = select(AuditLog.id).where(
        AuditLog.entity == "service",
        AuditLog.entity_id == service_id,
        AuditLog.actor != SEED_ACTOR,
    )
    if fields:
        query = query.where(AuditLog.field.in_(fields))
    return s.scalar(query.limit(1)) is not None


def _correct_status(s: Session, index: PlaceIndex, rec: ServiceRecord) -> bool:
    """Give a service loaded earlier the status its seed entry now has (a closure found in its
    sources), unless staff have edited it since: they know better. True if it changed."""
    assert rec.id is not None
    current = read_record(s, index, rec.id)
    if current is None or current.status == rec.status or _edited_by_staff(s, rec.id):
        return False
    sources = dict(current.sources)
    if "status" in rec.sources:
        sources["status"] = rec.sources["status"]
    corrected = dataclasses.replace(current, status=rec.status, sources=sources)
    write_record(s, index, corrected, actor=SEED_ACTOR, action="update")
    return True


_CLASSIFICATION = ("types", "serves_only")


def _reclassify(s: Session, index: PlaceIndex, rec: ServiceRecord) -> bool:
    """Give a service loaded earlier the types (main purpose first) and groups its seed entry
    now has, unless staff have edited those since. True if it changed (a service stored before
    there were main purposes gets its main purpose even when its types are the same)."""
    assert rec.id is not None
    current = read_record(s, index, rec.id)
    if current is None or _edited_by_staff(s, rec.id, _CLASSIFICATION):
        return False
    wanted = (ordered_types(rec.types), tuple(sorted(set(rec.serves_only))))
    has_main = not current.types or main_type(s, rec.id) is not None
    if (current.types, current.serves_only) == wanted and has_main:
        return False
    changed = dataclasses.replace(current, types=rec.types, serves_only=rec.serves_only)
    write_record(s, index, changed, actor=SEED_ACTOR, action="update", classify=True)
    return True


def _carry_caveats(s: Session, index: PlaceIndex, rec: ServiceRecord) -> bool:
    """Give a service loaded before there were caveats the caveats of its seed entry, on the
    values that are still the seed's and that staff never edited (nor its caveats): a value
    staff changed or cleared is theirs. True if it changed."""
    assert rec.id is not None
    current = read_record(s, index, rec.id)
    if current is None or not rec.caveats or _edited_by_staff(s, rec.id, ("caveats",)):
        return False
    wanted = dict(current.caveats)
    for name, caveat in rec.caveats.items():
        same = name == "status" or getattr(current, name) == getattr(rec, name)
        if name not in wanted and same and not _edited_by_staff(s, rec.id, (name,)):
            wanted[name] = caveat
    if wanted == current.caveats:
        return False
    write_record(s, index, dataclasses.replace(current, caveats=wanted), actor=SEED_ACTOR,
                 action="update")  # fmt: skip
    return True


def check_entries(entries: list[dict[str, Any]], index: PlaceIndex) -> list[str]:
    """Every reason the seed's entries cannot be loaded as they are (empty when they can)."""
    problems: list[str] = []
    seen: set[str] = set()
    for entry in entries:
        sid = str(entry.get("id"))
        if sid in seen:
            problems.append(f"{sid}: id used twice")
        seen.add(sid)
        try:
            rec, _ = record_from_seed(entry)
        except (KeyError, SeedError) as exc:
            problems.append(f"{sid}: {exc}")
            continue
        if not rec.types:
            problems.append(f"{sid}: no types (the first is the service's main purpose)")
        problems += [f"{sid}: {p}" for p in check_record(index, rec, SERVICE_TYPES)]
    return problems


def load_services(s: Session, path: Path, index: PlaceIndex) -> tuple[int, int, int, int, int]:
    """Add the services of services.yaml that are not in the database yet; returns (added,
    kept, of those kept how many got their status corrected, how many reclassified, how many
    given caveats)."""
    entries: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    problems = check_entries(entries, index)
    if problems:
        raise SeedError(f"{path}: " + "; ".join(problems))
    added = kept = corrected = reclassified = caveated = 0
    new_ids: list[str] = []
    for entry in entries:
        rec, notes = record_from_seed(entry)
        assert rec.id is not None
        if s.get(Service, rec.id) is not None:
            kept += 1
            corrected += _correct_status(s, index, rec)
            reclassified += _reclassify(s, index, rec)
            caveated += _carry_caveats(s, index, rec)
            continue
        write_record(s, index, rec, actor=SEED_ACTOR, action="create", refresh_search=False)
        new_ids.append(rec.id)
        for key, note in notes.items():
            if note:
                row = s.scalar(
                    select(ValueSource).where(
                        ValueSource.entity_id == rec.id, ValueSource.field == key
                    )
                )
                if row is not None:
                    row.note = note
        for item in entry.get("verified_from") or []:
            s.add(ValueSource(entity="service", entity_id=rec.id, kind="evidence",
                              source=item["url"], source_date=_date(item.get("date"))))  # fmt: skip
        for item in entry.get("unverified") or []:
            s.add(ValueSource(entity="service", entity_id=rec.id, kind="unverified",
                              field=item if item.isidentifier() else None, note=item))  # fmt: skip
        added += 1
    search_index.refresh(s, new_ids)
    return added, kept, corrected, reclassified, caveated


def _date(value: object) -> str | None:
    return None if value is None else str(value)[:10]


def load_seed(
    engine: Engine | None = None,
    *,
    seed_dir: Path | None = None,
    places_file: Path = PLACES_FILE,
) -> SeedReport:
    """Places, types and services into a migrated database, in one transaction each step."""
    from referral_directory import settings

    eng = engine or db.engine()
    services_file = (seed_dir or settings.seed_dir()) / "services.yaml"
    if not services_file.exists():
        raise SeedError(f"no seed at {services_file}")
    with db.session(eng) as s:
        n_places = sync_places(s, load_places(places_file))
        n_types = load_types(s)
    index = place_index(eng)
    with db.session(eng) as s:
        added, kept, corrected, reclassified, caveated = load_services(s, services_file, index)
    return SeedReport(n_places, n_types, added, kept, corrected, reclassified, caveated)
