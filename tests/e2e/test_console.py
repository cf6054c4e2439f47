"""The console on the running stack (issue 12, "Done when"): Rasa, the action server and the
gateway as `make run` starts them, the console beside them on the stack's database, gateway
and content file, and Debian's Chromium driving it.

- a person on Telegram writes an emergency, then asks for a person and agrees: the caseworker
  sees the urgent case, claims it, replies (the text reaches the chat through the local Bot API
  server), and closes it;
- staff edit the phone of a service the bot listed, and the bot's next list shows the new one;
- a "something is wrong?" flag the person sent from the bot is resolved by staff;
- staff edit a topic's answer, and the try-the-bot page (Rasa's REST channel, from the server)
  answers with the new text at once.
What the stack's database and content file hold is put back after each change, for the tests
that run after these.
"""

from __future__ import annotations

import json
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import select

from casework.records import Handoff, ServiceFlag
from content import topics
from referral_directory import api
from store import db
from tests.console.conftest import login
from tests.console.stack import CHROMIUM, Console, console
from tests.e2e.conftest import (
    E2E_CONTENT,
    E2E_DIRECTORY,
    GATEWAY_INTERNAL_TOKEN,
    TELEGRAM_SECRET,
    Stack,
    channel_sender,
    person_key,
)
from tests.gateways.fakes import FakeTelegram

Json = dict[str, Any]
PROBLEM = "/report_service_problem"
DATABASE_URL = f"sqlite:///{E2E_DIRECTORY}"


@pytest.fixture(scope="module")
def desk(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    with console(
        tmp_path_factory.mktemp("desk"),
        gateway_url=stack.gateway,
        gateway_token=GATEWAY_INTERNAL_TOKEN,
        database_url=DATABASE_URL,
        rasa_url=stack.rasa,
        content_file=E2E_CONTENT,
    ) as running:
        yield running


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing (apt-get install -y chromium)", pytrace=False)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(chromium: Browser, desk: Console) -> Iterator[Page]:
    context = chromium.new_context(base_url=desk.url, locale="es-PA")
    context.set_default_timeout(30_000)  # the real bot answers in its own time
    yield context.new_page()
    context.close()


def _until(found: Callable[[], list[Json]], done: Callable[[list[Json]], bool]) -> list[Json]:
    deadline = time.monotonic() + 60
    while not done(messages := found()):
        if time.monotonic() > deadline:
            raise AssertionError(f"no such answer; got {[m.get('text') for m in messages]}")
        time.sleep(0.2)
    time.sleep(0.5)  # the rest of the same answer
    return found()


def _buttons(message: Json) -> dict[str, str]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row}


class Chat:
    """A person on Telegram: their updates go to the stack's gateway webhook."""

    def __init__(self, stack: Stack, user_id: int) -> None:
        self.telegram: FakeTelegram = stack.telegram
        self.client = httpx.Client(base_url=stack.gateway, timeout=60)
        self.user_id = user_id

    def says(self, update: Json, done: Callable[[list[Json]], bool]) -> list[Json]:
        before = len(self.telegram.sent(self.user_id))
        headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
        response = self.client.post("/telegram/webhook", json=update, headers=headers)
        assert response.status_code == 200
        return _until(lambda: self.telegram.sent(self.user_id)[before:], done)


def _open_handoff(key: str) -> Handoff:
    deadline = time.monotonic() + 15
    while True:
        with db.session(db.engine(DATABASE_URL)) as s:
            row = s.scalars(
                select(Handoff).where(Handoff.conversation_key == key, Handoff.status != "closed")
            ).first()
        if row is not None and row.consented and row.reply_route:
            return row
        if time.monotonic() > deadline:
            raise AssertionError(f"no consented open handoff under the key: {row}")
        time.sleep(0.2)


def test_an_urgent_case_from_telegram_is_claimed_answered_and_closed(
    stack: Stack, desk: Console, page: Page
) -> None:
    chat = Chat(stack, 700_000_120)
    telegram = stack.telegram
    chat.says(
        telegram.text(chat.user_id, "ayuda mi pareja me esta golpeando"),
        lambda ms: any("urgente" in m["text"] for m in ms),
    )
    asked = chat.says(
        telegram.text(chat.user_id, "persona"), lambda ms: any("Sí" in _buttons(m) for m in ms)
    )
    consent = next(m for m in asked if "Sí" in _buttons(m))
    chat.says(
        telegram.press(chat.user_id, _buttons(consent)["Sí"]),
        lambda ms: any("lista" in m["text"] for m in ms),
    )
    handoff = _open_handoff(person_key(channel_sender("telegram", chat.user_id)))
    assert handoff.urgent

    login(page, "caseworker")
    row = page.locator(f"tr[data-case='{handoff.id}']")
    expect(row).to_contain_text("URGENTE")
    assert page.locator("#queue tr[data-case]").first.get_attribute("data-case") is not None
    html = page.content()
    assert str(chat.user_id) not in html and handoff.reply_route not in html
    row.get_by_role("link").click()
    page.get_by_role("button", name="Asignarme").click()
    expect(page.get_by_test_id("status")).to_have_text("en curso")
    reply = f"Hola, soy del equipo de la OIM ({uuid.uuid4().hex[:6]}). ¿Estás a salvo ahora?"
    before = len(telegram.sent(chat.user_id))
    page.fill("#message", reply)
    page.get_by_role("button", name="Enviar").click()
    expect(page.locator(".alert")).to_contain_text("Respuesta enviada")
    delivered = _until(
        lambda: telegram.sent(chat.user_id)[before:], lambda ms: any(m["text"] == reply for m in ms)
    )
    assert [m["text"] for m in delivered] == [reply]
    page.get_by_role("button", name="Cerrar (atendido)").click()
    expect(page.locator(f"tr[data-case='{handoff.id}']")).to_have_count(0)
    with db.session(db.engine(DATABASE_URL)) as s:
        closed = s.get(Handoff, handoff.id)
        assert closed is not None and (closed.status, closed.reply_route) == ("closed", "")
    assert str(chat.user_id) not in page.content()


def _listing(stack: Stack, sender: str) -> list[Json]:
    stack.say(sender, "necesito ir al medico")
    answer = stack.say(sender, '/inform_location{"corregimiento": "Herrera"}')
    assert answer[0]["text"].startswith("Servicios para Herrera:"), answer
    return answer


def test_a_phone_staff_edit_is_in_the_next_answer_and_a_flag_is_resolved(
    stack: Stack, desk: Console, page: Page
) -> None:
    sender = uuid.uuid4().hex
    _listing(stack, sender)
    which = stack.say(sender, PROBLEM)
    payload = which[0]["buttons"][0]["payload"]
    service_id = json.loads(payload.removeprefix(PROBLEM))["service_id"]
    engine = db.engine(DATABASE_URL)
    old_phone = api.get(service_id, engine=engine).phone
    assert old_phone != "+507 6000-0077"
    what = stack.say(sender, payload)
    wrong = next(b["payload"] for b in what[0]["buttons"] if '"wrong_data"' in b["payload"])
    stack.say(sender, wrong)
    with db.session(engine) as s:
        flag = s.scalars(
            select(ServiceFlag).where(
                ServiceFlag.service_id == service_id, ServiceFlag.reviewed.is_(False)
            )
        ).one()

    login(page, "staff")
    try:
        page.goto(f"/directory/{service_id}")
        page.fill("input[name=phone]", "6000-0077")  # not the phone another test types
        page.get_by_role("button", name="Guardar").click()
        expect(page.locator(".alert-success")).to_contain_text("Guardado")
        again = _listing(stack, uuid.uuid4().hex)[0]["text"]
        assert "☎ +507 6000-0077" in again
        if old_phone:
            assert old_phone not in again

        page.goto("/directory/flags")
        item = page.locator(f"li[data-flag='{flag.id}']")
        expect(item).to_contain_text("datos erróneos")
        item.get_by_role("button", name="Resuelto").click()
        expect(page.locator(f"li[data-flag='{flag.id}']")).to_have_count(0)
    finally:
        api.update(service_id, phone=old_phone, actor="e2e", engine=engine)
    with db.session(engine) as s:
        assert s.get(ServiceFlag, flag.id).reviewed  # type: ignore[union-attr]


def test_a_content_edit_is_what_the_try_page_answers(
    stack: Stack, desk: Console, page: Page
) -> None:
    original = E2E_CONTENT.read_text(encoding="utf-8")
    marker = uuid.uuid4().hex[:6]
    new_es = f"Texto de prueba {marker}: ve al centro de salud; si es grave, llama al 911."
    login(page, "staff")
    try:
        page.goto("/content/health")
        page.fill("textarea[name=answer_es]", new_es)
        page.fill("textarea[name=answer_en]", f"Test text {marker}: go to a health centre; 911.")
        page.get_by_role("button", name="Guardar").click()
        expect(page.locator(".alert-success")).to_be_visible()
        assert topics.get_topic_content("health", "es", E2E_CONTENT).answer == new_es

        page.goto("/try/")
        page.fill("#chat-input", "necesito ir al medico")
        page.get_by_role("button", name="Enviar").click()
        expect(page.locator("[data-from=bot]").first).to_contain_text(new_es)
        expect(page.locator("[data-from=bot] button").first).to_be_visible()
    finally:
        backup = E2E_CONTENT.with_suffix(".back")
        backup.write_text(original, encoding="utf-8")
        shutil.move(backup, E2E_CONTENT)
    assert not re.search(marker, E2E_CONTENT.read_text(encoding="utf-8"))
