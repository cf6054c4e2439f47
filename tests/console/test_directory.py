"""Staff keep the directory: search and filter, edit (validated), verify, close and reopen,
and the queue of "something is wrong?" flags."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import select

from casework.records import ServiceFlag, flag_service
from console import directory
from referral_directory import api
from referral_directory.records import stable_id
from store import db
from tests.console.conftest import login
from tests.console.stack import Console

IOM = stable_id("service:oim-panama")


def test_filter_by_corregimiento_and_type(page: Page, stack: Console) -> None:
    login(page, "staff")
    page.select_option("select[name=corregimiento]", "Herrera")
    page.select_option("select[name=type]", "health")
    page.get_by_role("button", name="Filtrar").click()
    expect(page).to_have_url(re.compile(r"corregimiento=Herrera"))
    rows = page.locator("tbody tr")
    assert rows.count() >= 1
    expected = {r.name for r in directory.services(corregimiento="Herrera", service_type="health")}
    assert {rows.nth(i).locator("a").inner_text() for i in range(rows.count())} == expected
    for i in range(rows.count()):
        expect(rows.nth(i)).to_contain_text(re.compile("Herrera|La Chorrera|Panamá Oeste"))
        expect(rows.nth(i)).to_contain_text("health")
    everything = len(directory.services())
    expect(page.get_by_text(re.compile(r"^\d+ servicios$"))).not_to_have_text(
        f"{everything} servicios"
    )


def test_edit_phone_reaches_the_directory_api(page: Page, stack: Console) -> None:
    login(page, "staff")
    page.goto(f"/directory/{IOM}")
    page.fill("input[name=phone]", "12")
    page.get_by_role("button", name="Guardar").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("No es un número de teléfono válido")
    assert api.get(IOM).phone != "12"

    page.fill("input[name=phone]", "6000-0000")
    page.get_by_role("button", name="Guardar").click()
    expect(page.locator(".alert")).to_contain_text("Guardado")
    assert api.get(IOM).phone == "+507 6000-0000"
    assert any(
        a.field == "phone" and a.new_value == "+507 6000-0000" and a.actor == "staff@example.org"
        for a in api.audit_trail(IOM)
    )


def test_verify_close_and_reopen(page: Page, stack: Console) -> None:
    login(page, "staff")
    page.goto(f"/directory/{IOM}")
    page.get_by_role("button", name="Marcar verificado").click()
    expect(page.get_by_test_id("assured")).to_have_text(dt.date.today().isoformat())
    assert api.get(IOM).assured_date == dt.date.today()

    page.select_option("select[name=status]", "temporarily closed")
    page.get_by_role("button", name="Cerrar", exact=True).click()
    expect(page.get_by_test_id("service-status")).to_have_text("temporarily closed")
    assert api.get(IOM).status == "temporarily closed"
    page.get_by_role("button", name="Reabrir").click()
    expect(page.get_by_test_id("service-status")).to_have_text("active")
    assert api.get(IOM).status == "active"


def test_a_flag_is_resolved(page: Page, stack: Console) -> None:
    flag_id = flag_service(IOM, "wrong_data")
    login(page, "staff")
    page.get_by_role("link", name=re.compile("Avisos")).click()
    item = page.locator(f"li[data-flag='{flag_id}']")
    expect(item).to_contain_text("datos erróneos")
    item.get_by_role("button", name="Resuelto").click()
    expect(page.locator(".alert")).to_contain_text("Aviso resuelto")
    expect(page.locator(f"li[data-flag='{flag_id}']")).to_have_count(0)
    with db.session() as s:
        assert s.scalars(select(ServiceFlag.reviewed).where(ServiceFlag.id == flag_id)).one()


def test_staff_see_an_unconfirmed_value_and_clear_it(page: Page, stack: Console) -> None:
    luisa = stable_id("service:pmh-hogar-luisa")
    assert "phone" in api.get(luisa).caveats
    login(page, "staff")
    page.goto(f"/directory/{luisa}")
    caveat = page.locator("[data-caveat=phone]")
    expect(caveat).to_contain_text("not confirmed as an intake line")
    expect(page.locator("[data-caveat]")).to_have_count(1)
    caveat.get_by_label("Comprobado: está confirmado").check()
    page.get_by_role("button", name="Guardar").click()
    expect(page.locator(".alert-success")).to_contain_text("Guardado")
    expect(page.locator("[data-caveat]")).to_have_count(0)
    assert api.get(luisa).caveats == {}
    assert any(
        a.field == "caveats" and a.actor == "staff@example.org" for a in api.audit_trail(luisa)
    )


def test_stale_services_are_filtered(page: Page, stack: Console) -> None:
    fresh = stable_id("service:oim-panama")
    api.mark_verified(fresh)
    login(page, "staff")
    page.check("#stale")
    page.get_by_role("button", name="Filtrar").click()
    expect(page).to_have_url(re.compile(r"stale=1"))
    names = page.locator("tbody tr a").all_inner_texts()
    assert api.get(fresh).name not in names
    assert set(names) == {r.name for r in directory.services(stale=True)} and names


def test_csv_export_then_an_import_previewed_before_it_is_written(
    page: Page, stack: Console, tmp_path: Path
) -> None:
    login(page, "staff")
    page.get_by_role("link", name="Importar y exportar CSV").click()
    with page.expect_download() as download:
        page.get_by_test_id("export").click()
    exported = tmp_path / "export.csv"
    download.value.save_as(exported)
    with exported.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows, columns = list(reader), reader.fieldnames or []
    assert len(rows) == len(directory.services())
    target = next(r for r in rows if r["id"] == stable_id("service:caritas-panama"))
    target["phone"] = "+507 6000-0000"
    edited = tmp_path / "edited.csv"
    with edited.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)

    page.set_input_files("input[name=file]", str(edited))
    page.get_by_role("button", name="Revisar el archivo").click()
    changes = page.locator("#csv-changes tr")
    expect(changes).to_have_count(1)
    expect(changes.first).to_contain_text("phone")
    assert api.get(target["id"]).phone is None  # a preview writes nothing
    page.get_by_role("button", name="Escribir estos cambios").click()
    expect(page.locator(".alert-success")).to_contain_text("1 cambiados")
    assert api.get(target["id"]).phone == "+507 6000-0000"
    assert any(
        a.field == "phone" and a.actor == "staff@example.org" for a in api.audit_trail(target["id"])
    )

    bad = tmp_path / "bad.csv"
    target["corregimiento"] = "Atlántida"
    with bad.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    page.goto("/directory/csv/")
    page.set_input_files("input[name=file]", str(bad))
    page.get_by_role("button", name="Revisar el archivo").click()
    expect(page.get_by_test_id("csv-errors")).to_contain_text("Atlántida")
    expect(page.get_by_role("button", name="Escribir estos cambios")).to_have_count(0)
    page.set_input_files(
        "input[name=file]", {"name": "x.csv", "mimeType": "text/csv", "buffer": b"\xff\xfe\x00bad"}
    )
    page.get_by_role("button", name="Revisar el archivo").click()
    expect(page.locator(".alert-danger")).to_contain_text("UTF-8")
