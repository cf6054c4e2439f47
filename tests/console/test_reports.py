"""The reports' numbers on a database of their own: the cross table with its suppression, the
handoffs and their waiting times, the CSV, the monthly summary, the charts without network."""

from __future__ import annotations

import csv
import datetime as dt
import io
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import Engine

from casework.suppression import HIDDEN
from console import charts, reports
from referral_directory.seed import load_seed
from store import db
from tests.casework.test_suppression import _assert_safe
from tests.console import report_data

Q1 = reports.Period(dt.date(2025, 1, 1), dt.date(2025, 3, 31))


@pytest.fixture(scope="module")
def eng(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = db.engine(f"sqlite:///{tmp_path_factory.mktemp('reports') / 'reports.sqlite'}")
    db.migrate(engine)
    load_seed(engine)
    report_data.seed(engine)
    yield engine


def test_referrals_by_topic_hide_the_cell_a_total_would_give_back(eng: Engine) -> None:
    cross = reports.referrals(Q1, "topic", engine=eng)
    assert cross.rows == ("2025-01", "2025-02", "2025-03")
    assert cross.columns == ("ask_health", "ask_regularization", "ask_refuge", "ask_employment")
    jan = dict(zip(cross.columns, cross.table.cells[0]))
    # naive: 12 and 20 shown with the month's 35 give the 3 refugee requests back
    assert jan["ask_refuge"] is None
    assert jan["ask_health"] is None
    assert jan["ask_regularization"] == 20
    assert cross.table.row_totals[0] == 35
    assert cross.table.total == 107
    counts = [[12, 20, 3, 0], [8, 7, 9, 0], [30, 11, 6, 1]]
    _assert_safe(counts, cross.table)


def test_the_range_and_the_dimension_choose_the_rows(eng: Engine) -> None:
    february = reports.referrals(
        reports.parse_period("2025-02-01", "2025-02-28"), "channel", engine=eng
    )
    assert february.rows == ("2025-02",)
    assert dict(zip(february.columns, february.table.cells[0])) == {
        "telegram": 16,
        "whatsapp": 8,
    }
    places = reports.referrals(Q1, "corregimiento", engine=eng)
    assert "Herrera" in places.columns and places.table.col_totals[0] == 12 + 8 + 6 + 11
    languages = reports.referrals(Q1, "language", engine=eng)
    assert set(languages.columns) == {"es", "en"}
    empty = reports.referrals(reports.parse_period("2024-01-01", "2024-01-31"), "topic", engine=eng)
    assert empty.table.total is None and empty.columns == (reports.UNKNOWN,)


def test_the_csv_is_the_table_as_shown(eng: Engine) -> None:
    cross = reports.referrals(Q1, "topic", engine=eng)
    rows = list(csv.reader(io.StringIO(cross.csv())))
    assert rows[0] == ["month", *cross.columns, "total"]
    assert rows[1] == ["2025-01", HIDDEN, "20", HIDDEN, HIDDEN, "35"]
    assert rows[-1][0] == "total" and rows[-1][-1] == "107"
    assert all(cell == HIDDEN or int(cell) >= 5 for row in rows[1:] for cell in row[1:])


def test_handoffs_by_month_with_their_waiting_times(eng: Engine) -> None:
    hand = reports.handoffs(Q1, engine=eng)
    table = hand.table
    assert [table.shown(v) for v in table.row_totals] == [HIDDEN, HIDDEN, "7"]
    assert [table.shown(row[0]) for row in table.cells] == [HIDDEN, HIDDEN, HIDDEN]
    assert (table.col_totals[0], table.total) == (9, 16)
    minutes = dt.timedelta(minutes=1)
    assert hand.first_reply[0].median == 30 * minutes
    assert hand.first_reply[0].p90 == dt.timedelta(minutes=32.4)
    assert hand.closing[0].median == dt.timedelta(hours=24)
    assert hand.first_reply[1].median is None  # two handoffs: no median of two people
    assert hand.first_reply[2].median == 7.5 * minutes
    assert hand.closing[2].median == dt.timedelta(hours=4)  # 1 to 6 h, and 72 h
    assert hand.first_reply_all.median is not None


def test_the_monthly_summary(eng: Engine) -> None:
    summary = reports.summary("2025-03", engine=eng)
    topics = dict(zip(summary.topics.labels, (c[0] for c in summary.topics.table.cells)))
    assert topics["ask_health"] == 30 and topics["ask_employment"] is None
    assert topics["ask_refuge"] is None  # beside the hidden 1, under a shown total
    assert summary.topics.table.total == 48
    places = dict(zip(summary.places.labels, (c[0] for c in summary.places.table.cells)))
    assert places["Barrio Balboa"] == 30
    assert summary.handoffs.total == 7
    name, count = summary.top_services[0]
    assert "OIM" in name and count == 6 + 11 + 1


@pytest.mark.parametrize(
    ("start", "end", "says"),
    [
        ("2025-13-01", None, "start"),
        ("2025-03-01", "2025-02-01", "before its start"),
        ("2020-01-01", "2025-01-01", "at most"),
    ],
)
def test_bad_ranges_are_refused(start: str, end: str | None, says: str) -> None:
    with pytest.raises(reports.ReportError, match=says):
        reports.parse_period(start, end)


def test_bad_choices_are_refused() -> None:
    with pytest.raises(reports.ReportError, match="by"):
        reports.check_dimension("conversation_key")
    with pytest.raises(reports.ReportError, match="month"):
        reports.month_period("2025-13")


def test_the_default_range_is_the_last_twelve_months() -> None:
    period = reports.default_period(dt.date(2026, 12, 2))
    assert (period.start, period.end) == (dt.date(2026, 1, 1), dt.date(2026, 12, 2))
    assert len(period.months()) == 12


def test_a_chart_is_drawn_without_any_network(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the chart tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    png = charts.bars("Por mes", ["2025-01", "2025-02", "2025-03"], [35, None, 48])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    assert image.size[0] > 400 and image.size[1] > 200
    wide = charts.bars("Por tema", ["salud", "refugio"], [50, None], horizontal=True)
    assert Image.open(io.BytesIO(wide)).size[0] > 400
