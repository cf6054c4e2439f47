"""CSV import and export of services: one row per service, the columns of `ServiceRecord`.

The shape (UTF-8, header row, comma-separated, RFC 4180 quoting):

    id                  empty for a new service; an existing id updates that service
    organization, name  required; name is Spanish, name_en its English translation
    description, description_en, eligibility_description(_en), application_process(_en),
    fees_description(_en), hours, hours_en      free text ("_en" = English)
    types               service types separated by ";", the main purpose first (health;
                        psychosocial: a health service that also gives psychosocial support)
    serves_only         the groups the service is only for, separated by ";": gbv,
                        trafficking, children (among its types); empty = for everyone
    status              active | inactive | defunct | temporarily closed (empty = active)
    scope               where it serves, ";"-separated: national, provincia:NAME,
                        distrito:NAME, corregimiento:NAME (official names)
    corregimiento       official name of the corregimiento its location is in
    address, phone, email, url      as published; empty when not confirmed
    latitude, longitude WGS84 degrees, both or neither
    languages           ISO 639-1 codes separated by ";" (es; en)
    assured_date        YYYY-MM-DD when staff last verified it; empty = not verified
    sources             "field=source" pairs separated by " | " (phone=https://... | address=...)
    caveats             "field=caveat" pairs the same way, for values their source does not
                        confirm (phone=confirm it is still in service); empty = all confirmed

A cell that a spreadsheet would run as a formula (it starts with =, +, -, @, a tab or a carriage
return, and is not a plain number or phone number) is written with a leading apostrophe, as
OWASP advises against CSV injection, and read back without it: staff open these files in
Excel or LibreOffice, and a service name such as =HYPERLINK("http://...") must stay text there.
A row without an id whose organization and name (ignoring case and spaces) are those of a
service already stored updates that service: a file of new services imported twice does not
create them twice. An export can be imported again unchanged.

A column left out of a file leaves that field of the existing services as it is (new services
get it empty). An import is all or nothing: every row
is checked first and every bad row is reported with its line number and reason; only a file
without errors is written, in one transaction (`--dry-run` checks and counts without writing).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from tqdm import tqdm

from referral_directory import search_index, settings
from referral_directory.api import known_types
from referral_directory.models import Organization, Service
from referral_directory.placedb import place_index
from referral_directory.records import ServiceRecord, check_record, read_record, write_record
from referral_directory.resolve import PlaceIndex
from store import db

COLUMNS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(ServiceRecord))
#: columns of "field=text" pairs separated by " | ", and how one pair reads
PAIRS: dict[str, str] = {"sources": "field=source", "caveats": "field=caveat"}
REQUIRED = ("organization", "name")
LISTS = ("types", "serves_only", "scope", "languages")
#: Progress bars only for files at least this long (and only on a terminal).
PROGRESS_FROM = 500
#: what a spreadsheet reads as the start of a formula (OWASP, "CSV Injection")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: ...unless the whole cell is a number or a phone number (+507 6000-0000, -8.98)
_PLAIN_NUMBER = re.compile(r"[+-]?[\d\s().,/-]+")


def escape_formula(text: str) -> str:
    """``text`` as a cell a spreadsheet shows as text (a leading apostrophe before a formula)."""
    if text.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def unescape_formula(text: str) -> str:
    """The value `escape_formula` wrote as ``text``."""
    if text.startswith("'") and escape_formula(text[1:]) == text:
        return text[1:]
    return text


def _same_service(organization: str, name: str) -> tuple[str, str]:
    """What makes two services without an id the same one: organization and name, whatever
    the case and spacing."""
    return (" ".join(organization.split()).casefold(), " ".join(name.split()).casefold())


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True)
class RowChange:
    """What one row does (or, in a dry run, would do): the preview staff read before writing."""

    line: int
    service_id: str
    name: str
    #: "create", "update" or "unchanged"
    action: str
    #: the fields it changes (every field of a new service)
    fields: tuple[str, ...]


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False
    changes: list[RowChange] = field(default_factory=list)


class _Rollback(Exception):
    """Raised inside the transaction of a dry run so that nothing is kept."""


def _cell(rec: ServiceRecord, name: str) -> str:
    value = getattr(rec, name)
    if value is None:
        return ""
    if name in LISTS:
        return "; ".join(value)
    if name in PAIRS:
        return " | ".join(f"{k}={v}" for k, v in sorted(value.items()))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def parse_row(row: dict[str, str | None]) -> tuple[ServiceRecord | None, list[str]]:
    """The record of one CSV row, or the reasons it is not one."""
    problems: list[str] = []
    raw = {k: unescape_formula((v or "").strip()) for k, v in row.items() if k is not None}
    if None in row:
        problems.append("more cells than columns")
    values: dict[str, object] = {}
    for name in COLUMNS:
        text = raw.get(name, "")
        if name in LISTS:
            values[name] = tuple(p.strip() for p in text.split(";") if p.strip())
        elif name in PAIRS:
            pairs: dict[str, str] = {}
            for part in (p.strip() for p in text.split(" | ") if p.strip()):
                key, sep, source = part.partition("=")
                if not sep or not key.strip() or not source.strip():
                    problems.append(f"{name}: {part!r} is not {PAIRS[name]}")
                else:
                    pairs[key.strip()] = source.strip()
            values[name] = pairs
        elif name in ("latitude", "longitude"):
            try:
                values[name] = float(text) if text else None
            except ValueError:
                problems.append(f"{name}: {text!r} is not a number")
        elif name == "assured_date":
            try:
                values[name] = dt.date.fromisoformat(text) if text else None
            except ValueError:
                problems.append(f"assured_date: {text!r} is not YYYY-MM-DD")
        elif name == "status":
            values[name] = text or "active"
        else:
            values[name] = text or None
    for name in REQUIRED:
        if not values.get(name):
            problems.append(f"{name} is empty")
    if problems:
        return None, problems
    values["organization"] = values["organization"] or ""
    values["name"] = values["name"] or ""
    return ServiceRecord(**values), []  # type: ignore[arg-type]


def _keep_left_out(
    s: Session, index: PlaceIndex, rec: ServiceRecord, left_out: list[str]
) -> ServiceRecord:
    """The record with the stored values of the fields whose column the file leaves out (for
    a service already stored): a file without `serves_only` does not open a service only for
    survivors of violence to everyone, nor one without `status` reopen a closed one."""
    if not left_out or not rec.id:
        return rec
    stored = read_record(s, index, rec.id)
    if stored is None:
        return rec
    return dataclasses.replace(rec, **{name: getattr(stored, name) for name in left_out})


def import_csv(
    path: Path,
    *,
    dry_run: bool = False,
    actor: str | None = None,
    engine: Engine | None = None,
) -> ImportReport:
    """Check every row, then write them all in one transaction (or nothing)."""
    report = ImportReport()
    index = place_index(engine)
    types = known_types(engine)
    records: list[tuple[int, ServiceRecord]] = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        missing = [c for c in REQUIRED if c not in header]
        unknown = [c for c in header if c not in COLUMNS]
        if missing or unknown:
            reason = "; ".join(
                [f"missing column {c!r}" for c in missing]
                + [f"unknown column {c!r}" for c in unknown]
            )
            report.errors.append(RowError(1, reason))
            return report
        left_out = [c for c in COLUMNS if c not in header and c != "id"]
        seen_ids: dict[str, int] = {}
        line = reader.line_num + 1
        with db.session(engine) as s:
            stored = {
                _same_service(org, name): sid
                for sid, name, org in s.execute(
                    select(Service.id, Service.name, Organization.name).join(Service.organization)
                )
            }
            new_services: dict[tuple[str, str], int] = {}
            for row in reader:
                report.rows += 1
                rec, problems = parse_row(row)
                same = None
                if rec is not None and not rec.id:
                    same = _same_service(rec.organization, rec.name)
                    if same in stored:  # imported before: this row updates that service
                        rec, same = dataclasses.replace(rec, id=stored[same]), None
                if rec is not None:
                    rec = _keep_left_out(s, index, rec, left_out)
                    problems = check_record(index, rec, types)
                    if same is not None and not problems:
                        if same in new_services:
                            problems.append(f"the same service as line {new_services[same]}")
                        new_services.setdefault(same, line)
                    if rec.id:
                        if rec.id in seen_ids:
                            problems.append(f"id {rec.id} already on line {seen_ids[rec.id]}")
                        seen_ids[rec.id] = line
                report.errors += [RowError(line, p) for p in problems]
                if rec is not None and not problems:
                    records.append((line, rec))
                line = reader.line_num + 1
    if report.errors:
        return report
    bar = tqdm(
        records,
        desc="import",
        unit="row",
        disable=len(records) < PROGRESS_FROM or not sys.stderr.isatty(),
    )
    try:
        with db.session(engine) as s:
            existing = set(s.scalars(select(Service.id)))
            written: list[str] = []
            for line, rec in bar:
                is_new = rec.id is None or rec.id not in existing
                service_id, changed = write_record(
                    s, index, rec, actor=actor or settings.actor(), action="import",
                    refresh_search=False,
                )  # fmt: skip
                if is_new or changed:
                    written.append(service_id)
                if is_new:
                    report.created += 1
                elif changed:
                    report.updated += 1
                else:
                    report.unchanged += 1
                action = "create" if is_new else "update" if changed else "unchanged"
                report.changes.append(RowChange(line, service_id, rec.name, action, tuple(changed)))
            search_index.refresh(s, written)
            if dry_run:
                raise _Rollback
    except _Rollback:
        return report
    report.written = True
    return report


def export_csv(path: Path, *, engine: Engine | None = None) -> int:
    """Write every service (any status) to `path`; returns the number of rows."""
    index = place_index(engine)
    with db.session(engine) as s:
        ids = list(s.scalars(select(Service.id).order_by(Service.name, Service.id)))
        rows: list[ServiceRecord] = []
        for sid in tqdm(ids, desc="export", unit="row",
                        disable=len(ids) < PROGRESS_FROM or not sys.stderr.isatty()):  # fmt: skip
            rec = read_record(s, index, sid)
            if rec is not None:
                rows.append(rec)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for rec in rows:
            writer.writerow([escape_formula(_cell(rec, name)) for name in COLUMNS])
    return len(rows)
