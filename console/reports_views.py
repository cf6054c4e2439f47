"""The console's reports (/reports, staff and admins) and the public HSDS API (/hsds/).

Kept apart from console.app, which calls `register` once: the pages here only render what
console.reports (the protected tables) and referral_directory.hsds (the open data) compute.
Caseworkers do not see the reports: the programme's figures are staff's work, and a
caseworker's page should hold their cases, not the whole log.
"""

from __future__ import annotations

import datetime as dt
import time

from flask import Flask, Response, request
from flask_admin import Admin, expose
from flask_babel import gettext, lazy_gettext
from werkzeug.wrappers import Response as BaseResponse

from console import charts, hsds_api, reports
from console.app import RoleView, topic_label, waiting_text
from console.reports import ReportError
from store import db

ViewResult = str | BaseResponse

#: the dimensions as staff read them
DIMENSION_LABELS = {
    "topic": lazy_gettext("topic"),
    "corregimiento": lazy_gettext("corregimiento"),
    "channel": lazy_gettext("channel"),
    "language": lazy_gettext("language"),
}


def value_label(dimension: str, value: str) -> str:
    if value == reports.OTHER:
        return gettext("other")
    if value == reports.UNKNOWN:
        return gettext("not said")
    if dimension == "topic":
        return topic_label(value)
    if dimension == "language":
        return {"es": gettext("Spanish"), "en": gettext("English")}.get(value, value)
    return value


def duration(value: dt.timedelta | None) -> str:
    return "—" if value is None else waiting_text(value)


#: the page and the two charts it shows ask for the same table within a second: computed once
#: (a year over 100k referral rows is a scan of them all), kept this long
CACHE_SECONDS = 30.0
_tables: dict[tuple[str, reports.Period, str], tuple[float, reports.CrossTable]] = {}


def referrals(period: reports.Period, dimension: str) -> reports.CrossTable:
    now = time.monotonic()
    for key in [k for k, (at, _) in _tables.items() if now - at > CACHE_SECONDS]:
        _tables.pop(key, None)
    key = (str(db.engine().url), period, dimension)
    found = _tables.get(key)
    if found is None:
        found = (now, reports.referrals(period, dimension))
        _tables[key] = found
    return found[1]


def _bad(message: str) -> Response:
    return Response(
        gettext("Cannot make this report: %(why)s", why=message) + "\n",
        status=400,
        mimetype="text/plain",
    )


class ReportsView(RoleView):
    roles = ("staff",)

    def _args(self) -> tuple[reports.Period, str]:
        period = reports.parse_period(request.args.get("start"), request.args.get("end"))
        return period, reports.check_dimension(request.args.get("by"))

    @expose("/")
    def index(self) -> ViewResult:
        try:
            period, dimension = self._args()
        except ReportError as exc:
            return _bad(str(exc))
        cross = referrals(period, dimension)
        hand = reports.handoffs(period)
        query = {"start": period.start.isoformat(), "end": period.end.isoformat(), "by": dimension}
        return self.render(
            "console/reports.html",
            period=period,
            dimension=dimension,
            dimensions=DIMENSION_LABELS,
            cross=cross,
            columns=[value_label(dimension, c) for c in cross.columns],
            hand=hand,
            duration=duration,
            query=query,
            month=period.end.strftime("%Y-%m"),
        )

    @expose("/export.csv")
    def export(self) -> ViewResult:
        try:
            period, dimension = self._args()
        except ReportError as exc:
            return _bad(str(exc))
        cross = referrals(period, dimension)
        name = f"referrals-{dimension}-{period.start}-{period.end}.csv"
        return Response(
            cross.csv(),
            mimetype="text/csv",
            headers={"Content-Disposition": f"attachment; filename={name}"},
        )

    @expose("/chart.png")
    def chart(self) -> ViewResult:
        try:
            period, dimension = self._args()
            kind = request.args.get("chart", "months")
            if kind not in ("months", "values"):
                raise ReportError(f"chart: months or values, not {kind!r}")
        except ReportError as exc:
            return _bad(str(exc))
        cross = referrals(period, dimension)
        if kind == "months":
            png = charts.bars(
                gettext("Referral requests by month"), cross.rows, cross.table.row_totals
            )
        else:
            png = charts.bars(
                gettext("Referral requests by %(what)s", what=DIMENSION_LABELS[dimension]),
                [value_label(dimension, c) for c in cross.columns],
                cross.table.col_totals,
                horizontal=True,
            )
        download = request.args.get("download") == "1"
        headers = (
            {"Content-Disposition": f"attachment; filename=referrals-{kind}-{dimension}.png"}
            if download
            else {}
        )
        return Response(png, mimetype="image/png", headers=headers)

    @expose("/summary")
    def summary(self) -> ViewResult:
        month = request.args.get("month") or dt.datetime.now(reports.PANAMA).strftime("%Y-%m")
        try:
            found = reports.summary(month)
        except ReportError as exc:
            return _bad(str(exc))
        return self.render(
            "console/report_summary.html",
            summary=found,
            topics=[value_label("topic", t) for t in found.topics.labels],
            places=[value_label("corregimiento", p) for p in found.places.labels],
        )


def register(app: Flask, admin: Admin) -> None:
    """The reports page in the console's menu, and the public HSDS API."""
    admin.add_view(ReportsView(name=lazy_gettext("Reports"), endpoint="reports", url="/reports"))
    app.register_blueprint(hsds_api.blueprint)
