"""/reports in the browser: who may see it, the table with "<5", the CSV and the chart it links,
the monthly summary; no request leaves the console. The screenshots in docs/ are taken here
(UPDATE_SCREENSHOTS=1 writes them there; otherwise to a temporary folder)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Page, Request, expect

from console import reports
from tests.console import report_data
from tests.console.conftest import login
from tests.console.stack import Console

DOCS = Path(__file__).resolve().parents[2] / "docs"
RANGE = "start=2025-01-01&end=2025-03-31"


@pytest.fixture(scope="module", autouse=True)
def _log(stack: Console) -> None:
    report_data.seed()


def _shots(tmp_path: Path) -> Path:
    return DOCS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path


def test_caseworkers_and_strangers_do_not_see_reports(page: Page, stack: Console) -> None:
    for path in ("/reports/", "/reports/export.csv", "/reports/chart.png", "/reports/summary"):
        answer = httpx.get(stack.url + path, follow_redirects=False)
        assert answer.status_code == 302 and "/login" in answer.headers["location"], path
    login(page, "caseworker")
    assert page.goto("/reports/").status == 403  # type: ignore[union-attr]
    assert page.goto("/reports/export.csv").status == 403  # type: ignore[union-attr]
    expect(page.get_by_role("link", name="Informes")).to_have_count(0)


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_staff_and_admins_read_the_report(page: Page, stack: Console, role: str) -> None:
    login(page, role)
    page.get_by_role("link", name="Informes").click()
    expect(page.get_by_role("heading", name="Informes")).to_be_visible()


def test_the_report_hides_small_counts_and_links_its_csv_and_charts(
    page: Page, stack: Console, tmp_path: Path
) -> None:
    outside: list[str] = []
    own = urlsplit(stack.url).netloc

    def watch(request: Request) -> None:
        if urlsplit(request.url).netloc != own and not request.url.startswith("data:"):
            outside.append(request.url)

    page.on("request", watch)
    login(page, "staff")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/reports/?{RANGE}&by=topic")
    table = page.get_by_test_id("referrals")
    january = table.locator("tbody tr").first
    expect(january).to_contain_text("<5")
    expect(january.locator("td").nth(1)).to_have_text("20")
    expect(page.get_by_test_id("referrals-total")).to_have_text("107")
    expect(page.get_by_test_id("handoffs")).to_contain_text("<5")
    for chart in ("chart-months", "chart-values"):
        image = page.get_by_test_id(chart)
        expect(image).to_be_visible()
        width = image.evaluate("img => img.complete ? img.naturalWidth : 0")
        assert width > 400, chart

    with page.expect_download() as download:
        page.get_by_test_id("export-csv").click()
    downloaded = Path(download.value.path()).read_bytes().decode()
    period = reports.parse_period("2025-01-01", "2025-03-31")
    assert downloaded == reports.referrals(period, "topic").csv()
    assert "<5" in downloaded

    with page.expect_download() as png:
        page.get_by_role("link", name="Descargar PNG").first.click()
    assert Path(png.value.path()).read_bytes().startswith(b"\x89PNG")

    shots = _shots(tmp_path)
    page.screenshot(path=str(shots / "reports-desktop.png"), full_page=True)
    page.get_by_test_id("chart-values").screenshot(path=str(shots / "reports-chart.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(shots / "reports-phone.png"))
    assert (shots / "reports-chart.png").stat().st_size > 5_000
    assert outside == []


def test_the_filters_and_bad_input(page: Page, stack: Console) -> None:
    login(page, "staff")
    page.goto(f"/reports/?{RANGE}")
    page.select_option("select[name=by]", "corregimiento")
    page.get_by_role("button", name="Mostrar").click()
    expect(page.get_by_test_id("referrals").locator("thead")).to_contain_text("Herrera")
    answer = page.goto("/reports/?start=2025-02-30")
    assert answer is not None and answer.status == 400
    expect(page.locator("body")).to_contain_text("start")
    assert page.goto("/reports/export.csv?by=conversation_key").status == 400  # type: ignore[union-attr]
    assert page.goto("/reports/chart.png?chart=pie").status == 400  # type: ignore[union-attr]


def test_the_monthly_summary_is_a_printable_page(page: Page, stack: Console) -> None:
    login(page, "staff")
    page.goto("/reports/summary?month=2025-03")
    expect(page.get_by_role("heading", name="Resumen mensual: 2025-03")).to_be_visible()
    expect(page.get_by_test_id("summary-topics")).to_contain_text("salud")
    expect(page.get_by_test_id("summary-topics")).to_contain_text("<5")
    expect(page.get_by_test_id("summary-services")).to_contain_text("OIM")
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Imprimir o guardar como PDF")).to_be_hidden()
    pdf_ready = page.pdf  # Chromium headless prints the page as PDF
    assert pdf_ready().startswith(b"%PDF")
