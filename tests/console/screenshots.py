"""The console's screenshots in docs/ (README): `.venv/bin/python -m tests.console.screenshots`.

The queue, a case, a service form (one with a value its source does not confirm), a topic's
content and the try-the-bot page, phone-size (390x844) and desktop (1280x800), on a seeded
database with made-up handoffs only (the try page talks to the stand-in for Rasa of
tests/console/stack.py)."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from casework.records import open_handoff
from referral_directory.records import stable_id
from tests.console.stack import CHROMIUM, PASSWORD, USERS, console

DOCS = Path(__file__).resolve().parents[2] / "docs"
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
CASES = (
    (True, "emergency", "Barrio Colón", "Tengo miedo, alguien me amenaza en el cuarto donde vivo."),
    (False, "ask_regularization", "Las Mañanitas", "Se me venció el permiso y no sé qué hacer."),
    (False, "ask_health", "Herrera", "Estoy embarazada y no tengo seguro. ¿Dónde me atienden?"),
)


def _login(page: Page, role: str) -> None:
    page.goto("/login/")
    page.fill("input[name=email]", USERS[role])
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state()


class CaseAction:
    """Claim the case and note something, the first time only."""

    def __init__(self, handoff_id: str) -> None:
        self.handoff_id, self.done = handoff_id, False

    def once(self, page: Page) -> None:
        if not self.done:
            page.get_by_role("button", name="Asignarme").click()
            page.fill("#note", "Se le explicó la línea 182; acepta que la llamemos mañana.")
            page.get_by_role("button", name="Añadir nota").click()
            self.done = True


def main() -> None:
    DOCS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder, console(Path(folder)) as running:
        ids = [
            open_handoff(
                conversation_key=uuid.uuid4().hex * 2,
                channel=channel,
                language="es",
                topic=topic,
                corregimiento=place,
                summary=summary,
                urgent=urgent,
                consented=True,
                reply_route="made-up-sealed-route",
            )
            for (urgent, topic, place, summary), channel in zip(
                CASES, ("telegram", "whatsapp", "telegram")
            )
        ]
        case = CaseAction(ids[0])
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM))
            for size, viewport in SIZES.items():
                context = browser.new_context(base_url=running.url, viewport=viewport)
                page = context.new_page()
                _login(page, "caseworker")
                page.screenshot(path=DOCS / f"console-queue-{size}.png", full_page=True)
                page.goto(f"/handoffs/{ids[0]}")
                case.once(page)
                page.select_option("#canned", index=1)
                page.screenshot(path=DOCS / f"console-case-{size}.png", full_page=True)
                context.clear_cookies()
                _login(page, "staff")
                page.goto(f"/directory/{stable_id('service:pmh-hogar-luisa')}")
                page.screenshot(path=DOCS / f"console-service-{size}.png", full_page=True)
                page.goto("/content/health")
                page.screenshot(path=DOCS / f"console-content-{size}.png", full_page=True)
                page.goto("/try/")
                page.fill("#chat-input", "necesito ir al médico")
                page.get_by_role("button", name="Enviar").click()
                page.locator("[data-from=bot] button").first.wait_for()
                page.screenshot(path=DOCS / f"console-try-{size}.png", full_page=True)
                context.close()
            browser.close()
    for shot in sorted(DOCS.glob("console-*.png")):
        print(shot.relative_to(DOCS.parent))


if __name__ == "__main__":
    main()
