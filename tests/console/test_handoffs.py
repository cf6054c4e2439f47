"""A caseworker's day: the queue, a case, claim, note, referral, reply through the gateway,
close. The page never shows a conversation key or a reply route."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect
from sqlalchemy import select

from casework.records import Handoff, erase_person, open_handoff
from console.models import HandoffEvent
from store import db
from tests.console.conftest import login
from tests.console.stack import GATEWAY_TOKEN, Console

ROUTE = "sealed-route-" + "x" * 40


def _handoff(
    *, urgent: bool, topic: str = "ask_health", consented: bool = True, channel: str = "telegram"
) -> tuple[str, str]:
    key = uuid.uuid4().hex + uuid.uuid4().hex
    handoff_id = open_handoff(
        conversation_key=key,
        channel=channel,
        language="es",
        topic=topic,
        corregimiento="Herrera",
        summary="Necesito ver a un médico; mi número es +507 6000-0000",
        urgent=urgent,
        consented=consented,
        reply_route=ROUTE if consented else "",
    )
    return handoff_id, key


def test_urgent_first_and_nothing_that_identifies(page: Page, stack: Console) -> None:
    calm, calm_key = _handoff(urgent=False, topic="ask_employment")
    urgent, urgent_key = _handoff(urgent=True, topic="emergency")
    login(page, "caseworker")
    rows = page.locator("#queue tr")
    ids = [rows.nth(i).get_attribute("data-case") for i in range(rows.count())]
    assert ids.index(urgent) < ids.index(calm)
    expect(page.locator(f"tr[data-case='{urgent}']")).to_contain_text("URGENTE")
    expect(page.locator(f"tr[data-case='{urgent}']")).to_contain_text("emergencia")
    expect(page.locator(f"tr[data-case='{calm}']")).to_contain_text("empleo")
    page.goto(f"/handoffs/{urgent}")
    html = page.content()
    for secret in (ROUTE, urgent_key, calm_key, "6000-0000"):
        assert secret not in html
    expect(page.get_by_test_id("summary")).to_contain_text("Necesito ver a un médico")


def test_claim_note_refer_reply_close(page: Page, stack: Console) -> None:
    handoff_id, key = _handoff(urgent=True, topic="emergency")
    login(page, "caseworker")
    page.locator(f"tr[data-case='{handoff_id}'] a").click()
    expect(page.get_by_test_id("status")).to_have_text("nuevo")

    page.get_by_role("button", name="Asignarme").click()
    expect(page.get_by_test_id("status")).to_have_text("en curso")

    page.fill("#note", "Llamó su hermana al 6000-0000")
    page.get_by_role("button", name="Añadir nota").click()
    expect(page.get_by_test_id("history")).to_contain_text("[")  # the number is scrubbed
    expect(page.get_by_test_id("history")).not_to_contain_text("6000-0000")

    service = page.locator("select[name=service] option").nth(1)
    service_name = (service.text_content() or "").split(" (")[0]
    page.select_option("select[name=service]", index=1)
    page.get_by_role("button", name="Marcar referido").click()
    expect(page.get_by_test_id("status")).to_have_text("referido")
    expect(page.get_by_test_id("referred")).to_contain_text(service_name)

    page.select_option("#canned", index=1)  # the emergency numbers
    expect(page.locator("#message")).to_have_value(re.compile(r"^Números de emergencia.*911", re.S))
    page.fill("#message", "Hola, soy de la OIM. Le escribo por su consulta.")
    page.get_by_role("button", name="Enviar").click()
    expect(page.locator(".alert")).to_contain_text("Respuesta enviada")
    path, body, auth = stack.gateway.posts[-1]
    assert path == "/internal/handoff-reply" and auth == f"Bearer {GATEWAY_TOKEN}"
    assert body == {
        "route": ROUTE,
        "language": "es",
        "text": "Hola, soy de la OIM. Le escribo por su consulta.",
        "conversation_key": key,
    }

    page.get_by_role("button", name="Cerrar (atendido)").click()
    expect(page).to_have_url(re.compile(r"/handoffs/$"))
    expect(page.locator(f"tr[data-case='{handoff_id}']")).to_have_count(0)
    assert stack.gateway.posts[-1][:2] == ("/internal/handoff-closed", {"conversation_key": key})
    with db.session() as s:
        row = s.get(Handoff, handoff_id)
        assert row is not None
        assert (row.status, row.outcome, row.reply_route) == ("closed", "answered", "")
        kinds = [e.kind for e in s.scalars(select(HandoffEvent).where(
            HandoffEvent.handoff_id == handoff_id).order_by(HandoffEvent.at))]  # fmt: skip
        assert kinds == ["claimed", "noted", "referred", "replied", "closed"]
        assert not any("Hola" in e.detail for e in s.scalars(select(HandoffEvent)))
    page.goto(f"/handoffs/{handoff_id}")
    history = page.get_by_test_id("history")
    for word in ("asignado", "nota", "referido", "respondió", "cerrado", "caseworker@example.org"):
        expect(history).to_contain_text(word)
    expect(page.get_by_role("button", name="Enviar")).to_have_count(0)


def test_no_reply_without_consent(page: Page, stack: Console) -> None:
    handoff_id, _ = _handoff(urgent=True, consented=False)
    login(page, "caseworker")
    page.goto(f"/handoffs/{handoff_id}")
    expect(page.get_by_role("button", name="Enviar")).to_have_count(0)
    expect(page.get_by_test_id("summary")).to_have_text("(sin resumen consentido)")


def test_a_new_urgent_case_shows_without_reload(page: Page, stack: Console) -> None:
    login(page, "caseworker")
    before = page.locator("#queue tr[data-case]").count()
    page.evaluate("window.notReloaded = true")
    handoff_id, _ = _handoff(urgent=True)
    expect(page.locator(f"tr[data-case='{handoff_id}']")).to_be_visible()
    expect(page.locator("#new-urgent")).to_be_visible()
    expect(page).to_have_title(re.compile(rf"^\({before + 1}\) Derivaciones"))
    assert page.evaluate("window.notReloaded") is True


def test_erasure_takes_the_case_history(stack: Console) -> None:
    handoff_id, key = _handoff(urgent=False)
    from console import cases

    cases.add_note(handoff_id, "nota de prueba", "caseworker@example.org")
    erase_person(key)  # the open handoff is closed as erased, emptied
    cases.queue()
    assert cases.history(handoff_id) == []


def test_the_poll_sends_the_rows_only_when_the_queue_changed(page: Page, stack: Console) -> None:
    login(page, "caseworker")
    first = page.request.get("/handoffs/poll").json()
    assert "data-case=" in first["rows"]
    same = page.request.get(f"/handoffs/poll?since={first['stamp']}").json()
    assert "rows" not in same or same["stamp"] != first["stamp"]  # (unless a minute turned)
    assert (same["open"], same["urgent"]) == (first["open"], first["urgent"])
    handoff_id, _ = _handoff(urgent=True)
    changed = page.request.get(f"/handoffs/poll?since={first['stamp']}").json()
    assert changed["stamp"] != first["stamp"] and handoff_id in changed["rows"]
    assert (changed["open"], changed["urgent"]) == (first["open"] + 1, first["urgent"] + 1)


def test_a_canned_reply_gives_the_topics_answer_from_the_content(
    page: Page, stack: Console
) -> None:
    from content.topics import get_topic_content

    handoff_id, _ = _handoff(urgent=False, topic="ask_health")
    login(page, "caseworker")
    page.goto(f"/handoffs/{handoff_id}")
    page.select_option("#canned", label="Respuesta sobre salud")
    answer = get_topic_content("health", "es", stack.content_file)
    expect(page.locator("#message")).to_have_value(
        re.compile(rf"^{re.escape(answer.answer)}\nFuente: ")
    )
    emergency, _ = _handoff(urgent=True, topic="emergency")
    page.goto(f"/handoffs/{emergency}")
    expect(page.locator("#canned option")).to_have_count(3)  # "—", the numbers, the IOM contact


def test_a_whatsapp_case_says_what_a_reply_will_do_before_it_is_sent(
    page: Page, stack: Console
) -> None:
    handoff_id, key = _handoff(urgent=False, channel="whatsapp")
    login(page, "caseworker")
    stack.gateway.window = {"open": True, "template": True, "held": 0}
    page.goto(f"/handoffs/{handoff_id}")
    expect(page.get_by_test_id("window")).to_contain_text("está abierta: tu texto sale ahora")
    assert stack.gateway.posts[-1][:2] == ("/internal/handoff-window", {"conversation_key": key})
    stack.gateway.window = {"open": False, "template": True, "held": 1}
    page.reload()
    expect(page.get_by_test_id("window")).to_contain_text("plantilla aprobada")
    expect(page.get_by_test_id("window")).to_contain_text("Ya esperan: 1.")
    stack.gateway.window = {"open": False, "template": False, "held": 0}
    page.reload()
    expect(page.get_by_test_id("window")).to_contain_text("nada le llega antes")
    telegram, _ = _handoff(urgent=False)
    page.goto(f"/handoffs/{telegram}")
    expect(page.get_by_test_id("window")).to_have_count(0)
