"""Staff keep the directory: search and filter, edit (validated), verify, close and reopen,
and the queue of "something is wrong?" flags."""

from __future__ import annotations

import datetime as dt
import re

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
