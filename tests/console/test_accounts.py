"""Sign-in, roles, CSRF and the rate limit of failed sign-ins."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from console.accounts import authenticate
from tests.console.conftest import login
from tests.console.stack import Console

ROOT = Path(__file__).resolve().parents[2]


def _csrf(client: httpx.Client, path: str = "/login/") -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(path).text)
    assert found, "no CSRF token in the form"
    return found.group(1)


def test_unauthenticated_visits_go_to_login(page: Page) -> None:
    pages = ("/", "/handoffs/", "/directory/", "/users/", "/directory/flags", "/content/",
             "/content/health", "/try/")  # fmt: skip
    for path in pages:
        page.goto(path)
        expect(page).to_have_url(re.compile(r"/login/"))
    expect(page.locator("#login-submit")).to_have_text("Iniciar sesión")


def test_login_and_logout(page: Page) -> None:
    login(page, "caseworker")
    expect(page).to_have_url(re.compile(r"/handoffs/$"))
    expect(page.get_by_test_id("whoami")).to_contain_text("caseworker@example.org")
    page.get_by_role("button", name="Cerrar sesión").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    page.goto("/handoffs/")
    expect(page).to_have_url(re.compile(r"/login/"))


def test_wrong_password(page: Page) -> None:
    login(page, "staff", password="not-the-password")
    expect(page).to_have_url(re.compile(r"/login/"))
    expect(page.locator(".alert")).to_contain_text("Correo o contraseña incorrectos")
    page.goto("/directory/")
    expect(page).to_have_url(re.compile(r"/login/"))


def test_english_switch(page: Page) -> None:
    page.goto("/login/")
    page.get_by_role("link", name="English").click()
    expect(page.locator("#login-submit")).to_have_text("Sign in")
    page.get_by_role("link", name="Español").click()
    expect(page.locator("#login-submit")).to_have_text("Iniciar sesión")


def test_session_cookie_expires(page: Page) -> None:
    login(page, "caseworker")
    cookie = next(c for c in page.context.cookies() if c["name"] == "session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert cookie["expires"] > 0  # a lifetime (8 hours), not a cookie forever


def test_post_without_csrf_token_is_refused(stack: Console) -> None:
    with httpx.Client(base_url=stack.url) as client:
        answer = client.post(
            "/login/",
            data={"email": "admin@example.org", "password": "correct-horse-battery-staple"},
        )
        assert answer.status_code == 400
        token = _csrf(client)
        answer = client.post(
            "/login/",
            data={
                "email": "admin@example.org",
                "password": "correct-horse-battery-staple",
                "csrf_token": token,
            },
        )
        assert answer.status_code == 302
        # signed in, a form posted without its token is still refused
        assert client.post("/directory/flags/none/resolve").status_code == 400
        assert client.post("/logout/").status_code == 400


def test_failed_logins_are_rate_limited(stack: Console) -> None:
    with httpx.Client(base_url=stack.url) as client:
        token = _csrf(client)
        data = {"email": "nobody@example.org", "password": "wrong-password!", "csrf_token": token}
        codes = [client.post("/login/", data=data).status_code for _ in range(6)]
        assert codes == [401] * 5 + [429]
        # another account from the same address is not locked out by that
        other = {**data, "email": "staff@example.org"}
        assert client.post("/login/", data=other).status_code == 401


def test_failed_logins_from_one_address_are_limited_whatever_the_email(stack: Console) -> None:
    from console.app import create_app
    from console.settings import Settings

    app = create_app(
        Settings(
            "a-secret-key-of-more-than-32-characters",
            "http://127.0.0.1:9",
            "",
            address_limit="3 per hour",
        )
    )
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    codes = [
        client.post("/login/", data={"email": f"u{i}@example.org", "password": "x"}).status_code
        for i in range(4)
    ]
    assert codes == [401, 401, 401, 429]


def test_caseworker_cannot_edit_the_directory(page: Page, stack: Console) -> None:
    login(page, "caseworker")
    expect(page.get_by_role("link", name="Directorio")).to_have_count(0)
    for path in ("/directory/", "/directory/flags", "/users/"):
        assert page.goto(path).status == 403  # type: ignore[union-attr]


def test_staff_cannot_manage_accounts(page: Page) -> None:
    login(page, "staff")
    expect(page).to_have_url(re.compile(r"/directory/$"))
    assert page.goto("/users/").status == 403  # type: ignore[union-attr]
    assert page.goto("/users/new/").status == 403  # type: ignore[union-attr]
    assert page.goto("/handoffs/").status == 403  # type: ignore[union-attr]


def test_admin_manages_accounts(page: Page) -> None:
    login(page, "admin")
    page.goto("/users/")
    expect(page.locator("body")).to_contain_text("caseworker@example.org")
    expect(page.locator("body")).not_to_contain_text("argon2")
    page.goto("/users/new/")
    page.fill("input[name=email]", "Second.Staff@example.org")
    page.select_option("select[name=role]", "staff", force=True)
    page.fill("input[name=new_password]", "another-long-password")
    page.locator("input[type=submit]").first.click()
    expect(page.locator("body")).to_contain_text("second.staff@example.org")
    assert authenticate("second.staff@example.org", "another-long-password") is not None


def test_create_user_reads_the_password_from_stdin(stack: Console, page: Page) -> None:
    env = {**os.environ, "DATABASE_URL": stack.database_url, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "console", "create-user", "New@Example.org", "--role"]
    made = subprocess.run(
        [*command, "caseworker"], input="a-long-enough-password\n", env=env,
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    short = subprocess.run(
        [*command, "staff"], input="short\n", env=env, capture_output=True, text=True, cwd=ROOT,
        check=False,
    )  # fmt: skip
    assert short.returncode == 2 and "12" in short.stderr
    page.goto("/login/")
    page.fill("input[name=email]", "new@example.org")
    page.fill("input[name=password]", "a-long-enough-password")
    page.click("#login-submit")
    expect(page).to_have_url(re.compile(r"/handoffs/$"))


def test_deleting_an_account_asks_first_under_the_content_security_policy(page: Page) -> None:
    """The delete button's confirmation, the filters menu and the "with selected" actions
    work without inline script (console/static/console.js, templates/admin/); the page
    fixture fails the test on any refusal of the Content-Security-Policy."""
    login(page, "admin")
    page.goto("/users/new/")
    page.fill("input[name=email]", "leaving@example.org")
    page.select_option("select[name=role]", "staff", force=True)
    page.fill("input[name=new_password]", "a-long-enough-password")
    page.locator("input[type=submit]").first.click()
    row = page.locator("tr", has_text="leaving@example.org")
    expect(row).to_have_count(1)
    # the filters menu opens and adds a filter without leaving the page
    page.get_by_role("link", name=re.compile("filtro|filter", re.I)).first.click()
    page.locator("a.filter").first.click()
    expect(page.locator(".filter-op, .filter-val, select.filter-op").first).to_be_visible()
    assert page.url.endswith("/users/")
    # dismissed: nothing deleted
    page.once("dialog", lambda dialog: dialog.dismiss())
    row.locator("button[data-confirm]").click()
    page.goto("/users/")
    expect(page.locator("tr", has_text="leaving@example.org")).to_have_count(1)
    # accepted: deleted
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("tr", has_text="leaving@example.org").locator("button[data-confirm]").click()
    page.wait_for_load_state()
    expect(page.locator("tr", has_text="leaving@example.org")).to_have_count(0)
    assert authenticate("leaving@example.org", "a-long-enough-password") is None
