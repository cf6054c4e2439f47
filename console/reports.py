"""What the referral log and the handoffs tell the programme: the tables of /reports.

Referral requests by month and by topic, corregimiento, channel or language; handoffs by month
with how many were urgent and how long people waited for a first reply and for the close.
Every count goes through casework.suppression before anyone sees it, and the page, the CSV
export, the charts and the monthly summary all read these same objects, so they cannot
disagree about what is hidden. A waiting time is given only for a month with at least five
handoffs that have one: a median of two cases is two cases.

No Flask here (the views render it); reads the tables through SQLAlchemy, so SQLite and
PostgreSQL give the same answers.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Engine, func, select

from casework.records import Handoff, ReferralRequest
from casework.suppression import THRESHOLD, Protected, protect, protect_series
from console.models import HandoffEvent
from referral_directory.models import Service
from store import db

DIMENSIONS: Final = ("topic", "corregimiento", "channel", "language")
#: a table as wide as a phone can show; the rest of the values add up in "other"
MAX_COLUMNS: Final = 7
OTHER: Final = "other"
UNKNOWN: Final = "unknown"
#: a longer range is a slow page and a wide table; a year and a bit covers any report
MAX_DAYS: Final = 3 * 366
TOP_SERVICES: Final = 10
#: months and days are the programme's: Panama's time, UTC-5 all year (no daylight saving)
PANAMA: Final = dt.timezone(dt.timedelta(hours=-5), "America/Panama")


class ReportError(ValueError):
    """A date range or a choice the reports cannot use, said so that staff can fix it."""


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included."""

    start: dt.date
    end: dt.date

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The range in UTC, as the tables keep time, from Panama's midnights."""
        start = dt.datetime.combine(self.start, dt.time(), PANAMA)
        end = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), PANAMA)
        return start.astimezone(dt.UTC), end.astimezone(dt.UTC)

    def months(self) -> list[str]:
        out, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            out.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out


def default_period(today: dt.date | None = None) -> Period:
    """The last twelve months, this one included."""
    today = today or dt.datetime.now(PANAMA).date()
    first = today.replace(day=1)
    year, month = (first.year - 1, first.month + 1) if first.month < 12 else (first.year, 1)
    return Period(dt.date(year, month, 1), today)


def parse_period(start: str | None, end: str | None, today: dt.date | None = None) -> Period:
    default = default_period(today)

    def day(raw: str | None, name: str, fallback: dt.date) -> dt.date:
        if not raw:
            return fallback
        try:
            return dt.date.fromisoformat(raw.strip())
        except ValueError:
            raise ReportError(f"{name}: a date as YYYY-MM-DD, not {raw!r}") from None

    period = Period(day(start, "start", default.start), day(end, "end", default.end))
    if period.end < period.start:
        raise ReportError("the end of the range is before its start")
    if (period.end - period.start).days > MAX_DAYS:
        raise ReportError(f"a range of at most {MAX_DAYS} days")
    return period


def month_period(month: str) -> Period:
    """The calendar month "YYYY-MM"."""
    try:
        year, number = (int(x) for x in month.split("-"))
        last = calendar.monthrange(year, number)[1]
    except (ValueError, calendar.IllegalMonthError):
        raise ReportError(f"month: YYYY-MM, not {month!r}") from None
    return Period(dt.date(year, number, 1), dt.date(year, number, last))


def check_dimension(raw: str | None) -> str:
    value = (raw or "topic").strip()
    if value not in DIMENSIONS:
        raise ReportError(f"by: one of {', '.join(DIMENSIONS)}, not {value!r}")
    return value


def _month(moment: dt.datetime) -> str:
    """The month in Panama of a time the tables keep (UTC; SQLite gives it back naive)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    local = moment.astimezone(PANAMA)
    return f"{local.year:04d}-{local.month:02d}"


def _month_sql(column: Any, dialect: str) -> Any:
    """The same month computed by the database, so that a year of the log groups into a few
    hundred rows there rather than some 80,000 (hour x value) here."""
    if dialect == "postgresql":
        return func.to_char(func.timezone(PANAMA.tzname(None), column), "YYYY-MM")
    return func.strftime("%Y-%m", column, "-5 hours")


@dataclass(frozen=True)
class CrossTable:
    """Counts by month (rows) and the values of one dimension (columns), protected."""

    dimension: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    table: Protected

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["month", *self.columns, "total"])
        for label, cells, total in zip(self.rows, self.table.cells, self.table.row_totals):
            writer.writerow([label, *(self.table.shown(v) for v in cells), self.table.shown(total)])
        writer.writerow(
            [
                "total",
                *(self.table.shown(v) for v in self.table.col_totals),
                self.table.shown(self.table.total),
            ]
        )
        return out.getvalue()


def _cross(dimension: str, months: Sequence[str], counts: dict[tuple[str, str], int]) -> CrossTable:
    by_value: Counter[str] = Counter()
    for (_, value), n in counts.items():
        by_value[value] += n
    ranked = [v for v, _ in sorted(by_value.items(), key=lambda kv: (-kv[1], kv[0]))]
    columns = ranked[:MAX_COLUMNS]
    if len(ranked) > MAX_COLUMNS:
        columns.append(OTHER)
    kept = set(columns)
    grid = [[0] * len(columns) for _ in months]
    row_of = {m: i for i, m in enumerate(months)}
    for (month, value), n in counts.items():
        column = value if value in kept else OTHER
        grid[row_of[month]][columns.index(column)] += n
    if not columns:  # nothing in the range: one empty column keeps the table's shape
        columns, grid = [UNKNOWN], [[0] for _ in months]
    return CrossTable(dimension, tuple(months), tuple(columns), protect(grid))


def referrals(period: Period, dimension: str, *, engine: Engine | None = None) -> CrossTable:
    """Referral requests by month and `dimension`, protected."""
    column = getattr(ReferralRequest, check_dimension(dimension))
    start, end = period.bounds()
    months = period.months()
    counts: dict[tuple[str, str], int] = defaultdict(int)
    eng = engine or db.engine()
    month = _month_sql(ReferralRequest.hour, eng.dialect.name).label("month")
    with db.session(eng) as s:
        rows = s.execute(
            select(month, column, func.count())
            .where(ReferralRequest.hour >= start, ReferralRequest.hour < end)
            .group_by(month, column)
        )
        for label, value, n in rows:
            counts[(label, value or UNKNOWN)] += n
    return _cross(dimension, months, counts)


@dataclass(frozen=True)
class Waits:
    """Median and 90th percentile, or None when fewer than THRESHOLD cases have one."""

    median: dt.timedelta | None
    p90: dt.timedelta | None

    @classmethod
    def of(cls, values: Sequence[float]) -> Waits:
        if len(values) < THRESHOLD:
            return cls(None, None)
        ordered = sorted(values)
        p90 = statistics.quantiles(ordered, n=10, method="inclusive")[8]
        return cls(dt.timedelta(seconds=statistics.median(ordered)), dt.timedelta(seconds=p90))


@dataclass(frozen=True)
class HandoffTable:
    """Handoffs by month: [urgent, not urgent] per month, protected; the total of a row is the
    month's handoffs. Waiting times by month."""

    months: tuple[str, ...]
    table: Protected
    first_reply: tuple[Waits, ...]
    closing: tuple[Waits, ...]
    first_reply_all: Waits
    closing_all: Waits


def _seconds(later: dt.datetime, earlier: dt.datetime) -> float:
    if later.tzinfo is None:
        later = later.replace(tzinfo=dt.UTC)
    if earlier.tzinfo is None:
        earlier = earlier.replace(tzinfo=dt.UTC)
    return max(0.0, (later - earlier).total_seconds())


def handoffs(period: Period, *, engine: Engine | None = None) -> HandoffTable:
    start, end = period.bounds()
    months = period.months()
    row_of = {m: i for i, m in enumerate(months)}
    grid = [[0, 0] for _ in months]
    replies: list[list[float]] = [[] for _ in months]
    closes: list[list[float]] = [[] for _ in months]
    first_reply = (
        select(HandoffEvent.handoff_id, func.min(HandoffEvent.at).label("at"))
        .where(HandoffEvent.kind == "replied")
        .group_by(HandoffEvent.handoff_id)
        .subquery()
    )
    with db.session(engine) as s:
        rows = s.execute(
            select(Handoff.created_at, Handoff.urgent, Handoff.closed_at, first_reply.c.at)
            .outerjoin(first_reply, first_reply.c.handoff_id == Handoff.id)
            .where(Handoff.created_at >= start, Handoff.created_at < end)
        )
        for created, urgent, closed, replied in rows:
            i = row_of[_month(created)]
            grid[i][0 if urgent else 1] += 1
            if replied is not None:
                replies[i].append(_seconds(replied, created))
            if closed is not None:
                closes[i].append(_seconds(closed, created))
    return HandoffTable(
        tuple(months),
        protect(grid),
        tuple(Waits.of(r) for r in replies),
        tuple(Waits.of(c) for c in closes),
        Waits.of([x for r in replies for x in r]),
        Waits.of([x for c in closes for x in c]),
    )


@dataclass(frozen=True)
class Series:
    """Counts by one value (a topic, a place...) with their total, protected."""

    labels: tuple[str, ...]
    table: Protected


@dataclass(frozen=True)
class Summary:
    """The one-page monthly summary a coordinator forwards."""

    month: str
    topics: Series
    places: Series
    handoffs: Protected
    #: (service name, count or None when under the threshold), most referred first
    top_services: tuple[tuple[str, int | None], ...]


def _series(counts: Counter[str]) -> Series:
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return Series(tuple(k for k, _ in ranked), protect_series([v for _, v in ranked]))


def summary(month: str, *, engine: Engine | None = None) -> Summary:
    period = month_period(month)
    start, end = period.bounds()
    topics: Counter[str] = Counter()
    places: Counter[str] = Counter()
    services: Counter[str] = Counter()
    with db.session(engine) as s:
        rows = s.execute(
            select(
                ReferralRequest.topic, ReferralRequest.corregimiento, ReferralRequest.services
            ).where(ReferralRequest.hour >= start, ReferralRequest.hour < end)
        )
        for topic, place, given in rows:
            topics[topic or UNKNOWN] += 1
            places[place or UNKNOWN] += 1
            services.update(set(given.split()))
        top = services.most_common(TOP_SERVICES)
        names = dict(
            s.execute(select(Service.id, Service.name).where(Service.id.in_([i for i, _ in top])))
            .tuples()
            .all()
        )
    hand = handoffs(period, engine=engine)
    return Summary(
        month,
        _series(topics),
        _series(places),
        hand.table,
        tuple((names.get(i, i), n if n >= THRESHOLD else None) for i, n in top),
    )
