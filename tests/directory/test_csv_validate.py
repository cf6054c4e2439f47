"""CSV import/export round-trips, is all or nothing, and says which rows are wrong and why."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, func, select

from referral_directory import api
from referral_directory.csv_io import COLUMNS, export_csv, import_csv
from referral_directory.models import AuditLog, Service
from referral_directory.records import main_type, stable_id
from referral_directory.validate import validate
from store import db


def _state(engine: Engine) -> tuple[int, int, str]:
    with db.session(engine) as s:
        services = int(s.scalar(select(func.count()).select_from(Service)) or 0)
        audits = int(s.scalar(select(func.count()).select_from(AuditLog)) or 0)
    coai = api.get(stable_id("service:mides-coai"), engine=engine)
    return services, audits, coai.phone or ""


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _row(**values: str) -> dict[str, str]:
    base = {c: "" for c in COLUMNS}
    base.update(organization="Organización de prueba", name="Servicio de prueba",
                types="food", scope="corregimiento:Herrera")  # fmt: skip
    base.update(values)
    return base


def test_export_then_import_changes_nothing(fresh: Engine, tmp_path: Path) -> None:
    out = tmp_path / "services.csv"
    assert export_csv(out, engine=fresh) == 26
    before = _state(fresh)
    report = import_csv(out, actor="staff-test", engine=fresh)
    assert report.errors == [] and report.written
    assert (report.rows, report.unchanged, report.created, report.updated) == (26, 26, 0, 0)
    assert _state(fresh) == before
    again = tmp_path / "again.csv"
    export_csv(again, engine=fresh)
    assert again.read_text(encoding="utf-8") == out.read_text(encoding="utf-8")


def test_edited_export_updates_and_creates(fresh: Engine, tmp_path: Path) -> None:
    out = tmp_path / "services.csv"
    export_csv(out, engine=fresh)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    coai = next(r for r in rows if r["id"] == stable_id("service:mides-coai"))
    coai["phone"] = "+507 6000-0000"
    rows.append(_row(name="Comedor de prueba", phone="+507 6000-0000", languages="es; en"))
    report = import_csv(_write(out, rows), actor="staff-test", engine=fresh)
    assert (report.created, report.updated, report.unchanged) == (1, 1, 25)
    assert _state(fresh)[0] == 27 and _state(fresh)[2] == "+507 6000-0000"
    hits = api.search("herrera", service_type="food", engine=fresh)["services"]
    assert hits[0]["name"] == "Comedor de prueba" and hits[0]["languages"] == ["en", "es"]


def test_bad_rows_change_nothing_and_are_reported(fresh: Engine, tmp_path: Path) -> None:
    path = _write(
        tmp_path / "bad.csv",
        [
            _row(name="Bien"),  # line 2: fine
            _row(scope="distrito:Atlantis"),  # line 3
            _row(types="food; astrology"),  # line 4
            _row(organization=""),  # line 5
            _row(latitude="nine", longitude="-79.5"),  # line 6
            _row(status="open"),  # line 7
            _row(assured_date="23/11/2026", name="Multi\nline"),  # line 8 (two physical lines)
            _row(corregimiento="Narnia"),  # line 10
        ],
    )
    before = _state(fresh)
    report = import_csv(path, engine=fresh)
    assert not report.written
    lines = {e.line: e.reason for e in report.errors}
    assert set(lines) == {3, 4, 5, 6, 7, 8, 10}
    assert "Atlantis" in lines[3]
    assert "astrology" in lines[4]
    assert "organization is empty" in lines[5]
    assert "latitude" in lines[6]
    assert "status" in lines[7]
    assert "assured_date" in lines[8]
    assert "Narnia" in lines[10]
    assert _state(fresh) == before


def test_unknown_column_is_refused(fresh: Engine, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("organization,name,colour\nA,B,blue\n", encoding="utf-8")
    report = import_csv(path, engine=fresh)
    assert [(e.line, "colour" in e.reason) for e in report.errors] == [(1, True)]


def test_dry_run_changes_nothing(fresh: Engine, tmp_path: Path) -> None:
    path = _write(tmp_path / "new.csv", [_row(name=f"Servicio {i}") for i in range(3)])
    before = _state(fresh)
    report = import_csv(path, dry_run=True, engine=fresh)
    assert report.errors == [] and report.created == 3 and not report.written
    assert _state(fresh) == before


def test_validate_findings(fresh: Engine) -> None:
    findings = validate(engine=fresh)
    # active services only: the Tocumen health centre is temporarily closed
    assert len(findings.never_verified) == 25 and len(findings.stale) == 25
    tocumen = stable_id("service:minsa-centro-salud-tocumen")
    assert tocumen not in {i for i, _ in findings.stale}
    coai = stable_id("service:mides-coai")
    acnur = stable_id("service:acnur-panama")
    assert acnur in {i for i, _ in findings.no_phone}
    assert coai not in {i for i, _ in findings.no_phone}
    assert coai not in {i for i, _ in findings.no_schedule}
    empty = {n for _, n in findings.places_without_services}
    assert "Herrera" in empty and "Omar Torrijos" not in empty and "Las Mañanitas" not in empty
    api.mark_verified(coai, dt.date.today() - dt.timedelta(days=10), engine=fresh)
    api.mark_verified(acnur, dt.date.today() - dt.timedelta(days=200), engine=fresh)
    findings = validate(engine=fresh)
    stale = {i for i, _ in findings.stale}
    assert coai not in stale and acnur in stale
    assert len(findings.never_verified) == 23


LINE_182 = stable_id("service:mujer-linea-182-cai")
ONPAR = stable_id("service:onpar-refugio")


def test_types_list_the_main_purpose_first_and_serves_only_round_trips(
    fresh: Engine, tmp_path: Path
) -> None:
    out = tmp_path / "services.csv"
    export_csv(out, engine=fresh)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    line = next(r for r in rows if r["id"] == LINE_182)
    assert line["types"].startswith("gbv; ") and line["serves_only"] == "gbv"
    onpar = next(r for r in rows if r["id"] == ONPAR)
    assert onpar["types"] == "refugee; legal"
    onpar["types"] = "legal; refugee"  # staff: its main purpose is legal advice
    report = import_csv(_write(out, rows), actor="staff-test", engine=fresh)
    assert (report.updated, report.unchanged) == (1, 25)
    assert api.get(ONPAR, engine=fresh).types == ("legal", "refugee")
    with db.session(fresh) as s:
        assert main_type(s, ONPAR) == "legal"


def test_a_file_without_a_column_keeps_that_field(fresh: Engine, tmp_path: Path) -> None:
    # an export made before `serves_only` existed (or a file of a few columns) must not open a
    # service only for women facing violence to everyone, nor reopen a closed one
    out = tmp_path / "services.csv"
    export_csv(out, engine=fresh)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    kept = [c for c in COLUMNS if c not in ("serves_only", "status", "sources")]
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=kept, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    before = _state(fresh)
    report = import_csv(out, actor="staff-test", engine=fresh)
    assert report.errors == [] and (report.unchanged, report.updated) == (26, 0)
    assert _state(fresh) == before
    assert api.get(LINE_182, engine=fresh).serves_only == ("gbv",)
    tocumen = api.get(stable_id("service:minsa-centro-salud-tocumen"), engine=fresh)
    assert tocumen.status == "temporarily closed"
    # a new service in such a file gets the field empty
    path = tmp_path / "new.csv"
    path.write_text("organization,name,types,scope\nOrg,Comedor,food,national\n", encoding="utf-8")
    assert import_csv(path, engine=fresh).created == 1


def test_a_bad_classification_is_reported(fresh: Engine, tmp_path: Path) -> None:
    path = _write(
        tmp_path / "bad.csv",
        [
            _row(types="gbv; legal", serves_only="gbv"),  # line 2: fine
            _row(types="legal", serves_only="gbv"),  # line 3: not one of its types
            _row(types="refugee", serves_only="refugee"),  # line 4: not a group
            _row(types="food; food"),  # line 5
        ],
    )
    report = import_csv(path, engine=fresh)
    lines = {e.line: e.reason for e in report.errors}
    assert set(lines) == {3, 4, 5} and not report.written
    assert "not one of its types" in lines[3]
    assert "refugee" in lines[4]
    assert "listed twice" in lines[5]


def test_a_dry_run_says_what_each_row_would_change(fresh: Engine, tmp_path: Path) -> None:
    out = tmp_path / "all.csv"
    export_csv(out, engine=fresh)
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[0]["phone"] = "+507 6000-0000"
    rows.append({**_row(name="Servicio nuevo")})
    path = _write(tmp_path / "edited.csv", rows)
    report = import_csv(path, dry_run=True, engine=fresh)
    assert report.errors == [] and not report.written
    by_action: dict[str, list[object]] = {}
    for change in report.changes:
        by_action.setdefault(change.action, []).append(change)
    [updated] = by_action["update"]
    assert (updated.line, updated.service_id, updated.fields) == (2, rows[0]["id"], ("phone",))
    [created] = by_action["create"]
    assert created.name == "Servicio nuevo" and "name" in created.fields
    assert len(by_action["unchanged"]) == len(rows) - 2
