"""Staff edit a topic's answer in both languages; the loader's checks guard the save; the
bot reads the new text at once; a topic past its review period is listed as due; the
try-the-bot page talks to Rasa's REST channel from the server."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from console.app import create_app
from console.settings import Settings
from content import editing, topics
from tests.console.conftest import login
from tests.console.stack import PASSWORD, USERS, Console


def test_the_list_shows_every_topic_and_which_are_due(page: Page, stack: Console) -> None:
    texts = editing.read_topic("refuge")
    old = dt.date.today() - dt.timedelta(days=editing.REVIEW_DAYS + 10)
    editing.save_topic(
        "refuge",
        {k: editing.TopicText(v.answer, v.steps, v.sources, old) for k, v in texts.items()},
    )
    login(page, "staff")
    page.get_by_role("link", name="Contenido").first.click()
    rows = page.locator("#topics tr")
    expect(rows).to_have_count(len(topics.TOPICS))
    expect(rows.first).to_have_attribute("data-topic", "refuge")  # the oldest first
    expect(rows.first.get_by_test_id("due")).to_have_text("pendiente de revisión")
    expect(page.get_by_test_id("due")).to_have_count(1)


def test_an_edit_is_what_the_bot_answers_next(page: Page, stack: Console) -> None:
    login(page, "staff")
    page.goto("/content/health")
    es = page.locator("[data-language=es]")
    en = page.locator("[data-language=en]")
    expect(es.locator("textarea[name=answer_es]")).to_have_value(re.compile("^En Panamá"))
    expect(en.locator("textarea[name=answer_en]")).to_have_value(re.compile("^In Panama"))
    expect(es.locator("textarea[name=sources_es]")).to_have_value(
        re.compile(r"^ACNUR: Salud en Panamá \| https://help\.unhcr\.org/")
    )
    page.fill(
        "textarea[name=answer_es]",
        "Ve a tu centro de salud más cercano. Si es grave, llama al 911.",
    )
    page.fill(
        "textarea[name=answer_en]", "Go to the nearest health centre. If it is serious, call 911."
    )
    page.fill("input[name=reviewed]", dt.date.today().isoformat())
    page.get_by_role("button", name="Guardar").click()
    expect(page.locator(".alert-success")).to_contain_text("el asistente ya responde con él")
    content = topics.get_topic_content("health", "es", stack.content_file)
    assert content.answer == "Ve a tu centro de salud más cercano. Si es grave, llama al 911."
    assert content.reviewed == dt.date.today()
    assert topics.get_topic_content("health", "es", topics.CONTENT_FILE).answer != content.answer

    # the try page: the stand-in for Rasa answers through the content loader, as the actions do
    page.get_by_role("link", name="Probar el asistente").first.click()
    page.fill("#chat-input", "necesito un médico")
    page.get_by_role("button", name="Enviar").click()
    expect(page.locator("[data-from=bot]").first).to_have_text(content.answer)
    expect(page.locator("[data-from=me]")).to_have_text("necesito un médico")
    body, headers = stack.rasa.posts[-1]
    assert body["message"] == "necesito un médico"
    assert re.fullmatch(r"console-try-[0-9a-f]{24}", body["sender"])
    assert "Authorization" not in headers and "Cookie" not in headers
    page.get_by_role("button", name="Ver servicios").click()
    expect(page.locator("[data-from=me]").last).to_have_text("Ver servicios")
    expect(page.locator("[data-from=bot]")).to_have_count(4)
    assert stack.rasa.posts[-1][0] == {
        "sender": body["sender"],
        "message": '/affirm{"question": "services"}',
    }
    page.click("#chat-restart")
    expect(page.locator("[data-from]")).to_have_count(0)
    page.fill("#chat-input", "hola")
    page.get_by_role("button", name="Enviar").click()
    expect(page.locator("[data-from=bot]").first).to_be_visible()
    assert stack.rasa.posts[-1][0]["sender"] != body["sender"]  # a new conversation


def test_a_bad_edit_is_refused_with_the_loaders_reason(page: Page, stack: Console) -> None:
    before = stack.content_file.read_text(encoding="utf-8")
    login(page, "staff")
    page.goto("/content/employment")
    page.fill("textarea[name=answer_en]", "Call 912 for a job.")
    page.get_by_role("button", name="Guardar").click()
    expect(page.locator(".alert-danger")).to_contain_text("No se guardó")
    expect(page.locator(".alert-danger")).to_contain_text("the numbers differ")
    expect(page.locator("textarea[name=answer_en]")).to_have_value("Call 912 for a job.")
    page.fill("textarea[name=sources_en]", "")
    page.get_by_role("button", name="Guardar").click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    assert stack.content_file.read_text(encoding="utf-8") == before


def test_posts_of_the_new_pages_need_the_csrf_token(page: Page, stack: Console) -> None:
    """Signed in, yet without the token: refused, and nothing reaches Rasa or the file."""
    before = stack.content_file.read_text(encoding="utf-8")
    posts = len(stack.rasa.posts)
    login(page, "staff")
    sent = page.request.post("/try/send", data={"message": "hola"})
    saved = page.request.post("/content/health", form={"answer_es": "x", "answer_en": "x"})
    assert (sent.status, saved.status) == (400, 400)
    assert len(stack.rasa.posts) == posts
    assert stack.content_file.read_text(encoding="utf-8") == before


def test_caseworkers_reach_neither_page(page: Page, stack: Console) -> None:
    login(page, "caseworker")
    for path in ("/content/", "/content/health", "/try/"):
        response = page.goto(path)
        assert response is not None and response.status == 403, path


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"message": ""}, 400, "Escribe un mensaje"),
        ({"message": "x" * 1001}, 400, "1000"),
        ({}, 400, "Escribe un mensaje"),
    ],
)
def test_a_bad_message_gets_a_clear_answer(
    page: Page, stack: Console, body: dict[str, object], status: int, message: str
) -> None:
    login(page, "staff")
    page.goto("/try/")
    token = page.evaluate("document.querySelector('input[name=csrf_token]').value")
    response = page.request.post(
        "/try/send", data=body, headers={"X-CSRFToken": token, "Content-Type": "application/json"}
    )
    assert response.status == status
    assert message in response.json()["error"]


def test_rasa_down_is_said_not_a_500(stack: Console) -> None:
    """The same console, with Rasa's address pointing at a closed port."""
    settings = Settings(
        secret_key="console-test-secret-key-0123456789abcdef",
        gateway_url=stack.gateway.url,
        gateway_token="",
        secure_cookies=False,
        rasa_url="http://127.0.0.1:9",
    )
    app = create_app(settings)
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    signed_in = client.post("/login/", data={"email": USERS["staff"], "password": PASSWORD})
    assert signed_in.status_code == 302
    answer = client.post("/try/send", json={"message": "hola"})
    assert answer.status_code == 502
    assert "ConnectError" in answer.get_json()["error"]
