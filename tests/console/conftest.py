"""Browser tests of the console: Playwright drives Debian's headless Chromium (/usr/bin/chromium,
never a downloaded browser). Without it every test fails, saying how to install it: nothing is
skipped."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.console.stack import CHROMIUM, PASSWORD, USERS, Console, console


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    with console(tmp_path_factory.mktemp("console")) as running:
        yield running


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the console's browser tests need Debian's Chromium "
            "(apt-get install -y chromium; .ci/run installs it)",
            pytrace=False,
        )
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, stack: Console) -> Iterator[Page]:
    """A page of its own for each test; any script, handler or link the console's
    Content-Security-Policy refused while the test ran fails it: Chromium reports each
    refusal on the console, and a refused handler is a button that silently does nothing."""
    context = browser.new_context(base_url=stack.url, locale="es-PA")
    context.set_default_timeout(10_000)
    new = context.new_page()
    refused: list[str] = []
    new.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield new
    context.close()
    assert refused == [], f"the Content-Security-Policy refused: {refused}"


def login(page: Page, role: str, password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.fill("input[name=email]", USERS[role])
    page.fill("input[name=password]", password)
    page.click("#login-submit")
    page.wait_for_load_state()
