"""Benchmark of the open data and the reports: `GET /hsds/services` p50/p95 with 1k and 10k
services, and the time to render a year of reports over 100k referral rows.

    python -m tools.bench_reports [--sizes 1000 10000] [--requests 300] [--referrals 100000]
                                  [--out reports/reports_benchmark.md]

Not a test: it measures. Everything runs in throw-away SQLite files under var/bench/ (removed
at the end): the seed plus invented services (tools.bench_directory.generate) for the API, and
an invented referral log (random hours of 2025, random topic, place, channel, language; keys
random hex) for the reports. The console is served by Werkzeug on 127.0.0.1 and asked over
real HTTP by one client at a time, as a partner's tool or a coordinator's browser would.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import httpx
from sqlalchemy import Engine, insert, select
from werkzeug.serving import WSGIRequestHandler, make_server

from casework.records import CHANNELS, Handoff, ReferralRequest
from console import reports_views
from console.accounts import create_user
from console.app import create_app
from console.models import HandoffEvent
from console.settings import Settings
from referral_directory.models import Place, Service, TaxonomyTerm
from referral_directory.placedb import forget_place_index
from referral_directory.seed import load_seed
from store import db
from tools.bench_directory import _machine, _pct, _rasa_training, generate, sqlite_db

TOPICS = ("ask_regularization", "ask_refuge", "ask_work_permit", "ask_employment", "ask_health",
          "ask_psychosocial", "find_service", "emergency", "request_human")  # fmt: skip
PASSWORD = "bench-password-0123456789"
BATCH = 10_000


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: object) -> None:
        pass


@contextmanager
def served(engine: Engine) -> Iterator[str]:
    """The console on `engine`'s database, on a spare port."""
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = engine.url.render_as_string(hide_password=False)
    forget_place_index()
    app = create_app(
        Settings(
            secret_key="bench-secret-key-0123456789abcdef0123",
            gateway_url="http://127.0.0.1:9",
            gateway_token="",
            secure_cookies=False,
        )
    )
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        if previous is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous


def timed(call: Callable[[], httpx.Response]) -> float:
    start = time.perf_counter()
    answer = call()
    elapsed = (time.perf_counter() - start) * 1000
    if answer.status_code != 200:
        raise RuntimeError(f"{answer.request.url}: {answer.status_code} {answer.text[:200]}")
    return elapsed


def hsds_requests(engine: Engine, count: int, seed: int = 5) -> dict[str, list[dict[str, str]]]:
    """Listings a partner's tool asks for: pages, a corregimiento, a type, a word, full."""
    rng = random.Random(seed)
    with db.session(engine) as s:
        corrs = list(s.scalars(select(Place.name).where(Place.level == "corregimiento")))
        terms = list(s.scalars(select(TaxonomyTerm.id)))
        total = len(list(s.scalars(select(Service.id).where(Service.status == "active"))))
    pages = max(1, total // 50)
    return {
        "page (per_page 50)": [
            {"page": str(rng.randint(1, pages)), "per_page": "50"} for _ in range(count)
        ],
        "corregimiento": [{"corregimiento": rng.choice(corrs)} for _ in range(count)],
        "taxonomy_term_id": [{"taxonomy_term_id": rng.choice(terms)} for _ in range(count)],
        "search": [{"search": f"sintético {rng.randint(0, 999):03d}"} for _ in range(count)],
        "full=true (per_page 50)": [
            {"full": "true", "page": str(rng.randint(1, pages))} for _ in range(count // 3)
        ],
    }


def bench_hsds(sizes: list[int], count: int) -> list[str]:
    lines = []
    for n in sizes:
        with sqlite_db(n) as eng:
            forget_place_index()
            db.migrate(eng)
            load_seed(eng)
            generate(eng, n)
            with served(eng) as url, httpx.Client(base_url=url, timeout=60) as client:
                for name, params in hsds_requests(eng, count).items():
                    for p in params[:10]:  # warm the pool and caches
                        client.get("/hsds/services", params=p)
                    load = os.getloadavg()[0]
                    times = [timed(partial(client.get, "/hsds/services", params=p))
                             for p in params]  # fmt: skip
                    lines.append(
                        f"| {n:,} | {name} | {len(times)} | {statistics.median(times):.1f} | "
                        f"{_pct(times, 95):.1f} | {max(times):.1f} | {load:.2f} |"
                    )
                    print(lines[-1], flush=True)
    return lines


def fill_log(engine: Engine, referrals: int, seed: int = 3) -> None:
    """`referrals` invented requests over 2025, and a handoff for one in thirty."""
    rng = random.Random(seed)
    with db.session(engine) as s:
        corrs = list(s.scalars(select(Place.name).where(Place.level == "corregimiento")))
        services = list(s.scalars(select(Service.id)))
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    rows, hand, events = [], [], []
    for _ in range(referrals):
        hour = start + dt.timedelta(hours=rng.randrange(365 * 24))
        topic = rng.choice(TOPICS)
        rows.append(
            {
                "id": str(uuid.uuid4()),
                "hour": hour,
                "channel": rng.choice(CHANNELS[:3]),
                "language": rng.choice(("es", "es", "en")),
                "topic": topic,
                "corregimiento": rng.choice(corrs) if rng.random() < 0.8 else None,
                "services": " ".join(rng.sample(services, rng.randint(0, 3))),
                "handoff": False,
                "conversation_key": uuid.uuid4().hex,
            }
        )
        if rng.random() < 1 / 30:
            hid = str(uuid.uuid4())
            closed = hour + dt.timedelta(hours=rng.expovariate(1 / 30))
            hand.append(
                {
                    "id": hid,
                    "created_at": hour,
                    "conversation_key": uuid.uuid4().hex,
                    "urgent": topic == "emergency",
                    "status": "closed",
                    "topic": topic,
                    "corregimiento": rows[-1]["corregimiento"],
                    "language": rows[-1]["language"],
                    "channel": rows[-1]["channel"],
                    "consented": True,
                    "reply_route": "",
                    "summary": "",
                    "closed_at": closed,
                    "outcome": "answered",
                }
            )
            events.append(
                {
                    "id": str(uuid.uuid4()),
                    "handoff_id": hid,
                    "at": hour + dt.timedelta(minutes=rng.expovariate(1 / 45)),
                    "actor": "caseworker@example.org",
                    "kind": "replied",
                    "detail": "sent",
                }
            )
        if len(rows) >= BATCH:
            with engine.begin() as conn:
                conn.execute(insert(ReferralRequest), rows)
            rows = []
    with engine.begin() as conn:
        if rows:
            conn.execute(insert(ReferralRequest), rows)
        conn.execute(insert(Handoff), hand)
        conn.execute(insert(HandoffEvent), events)


def _login(client: httpx.Client, email: str) -> None:
    page = client.get("/login/").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    if token is None:
        raise RuntimeError("no CSRF token on the sign-in page")
    answer = client.post(
        "/login/", data={"csrf_token": token.group(1), "email": email, "password": PASSWORD}
    )
    if answer.status_code not in (200, 302):
        raise RuntimeError(f"sign-in failed: {answer.status_code}")


def bench_reports(referrals: int, repeat: int = 5) -> list[str]:
    lines = []
    with sqlite_db(referrals) as eng:
        forget_place_index()
        db.migrate(eng)
        load_seed(eng)
        t0 = time.perf_counter()
        fill_log(eng, referrals)
        print(f"log of {referrals:,} rows in {time.perf_counter() - t0:.0f} s", flush=True)
        with served(eng) as url, httpx.Client(base_url=url, timeout=120) as client:
            create_user("bench@example.org", "staff", PASSWORD)
            _login(client, "bench@example.org")
            year = "start=2025-01-01&end=2025-12-31"
            asks = [
                ("the page (by topic)", f"/reports/?{year}&by=topic"),
                ("the page (by corregimiento)", f"/reports/?{year}&by=corregimiento"),
                ("chart by month (PNG)", f"/reports/chart.png?{year}&chart=months&by=topic"),
                ("chart by topic (PNG)", f"/reports/chart.png?{year}&chart=values&by=topic"),
                ("CSV export", f"/reports/export.csv?{year}&by=topic"),
                ("monthly summary", "/reports/summary?month=2025-06"),
            ]
            for name, path in asks:
                client.get(path)  # warm the pool, the templates, matplotlib
                times = []
                for _ in range(repeat):
                    reports_views._tables.clear()  # each request alone computes its table
                    times.append(timed(partial(client.get, path)))
                lines.append(
                    f"| {name}, alone | {repeat} | {statistics.median(times):.0f} | "
                    f"{max(times):.0f} |"
                )
                print(lines[-1], flush=True)
            # what a coordinator waits for: the page, the two charts it shows, then the CSV
            view = [path for _, path in asks[0:1] + asks[2:5]]
            totals = []
            for _ in range(repeat):
                reports_views._tables.clear()
                totals.append(sum(timed(partial(client.get, path)) for path in view))
            lines.append(
                f"| **a year: the page, its two charts and the CSV, one after the other** | "
                f"{repeat} | **{statistics.median(totals):.0f}** | {max(totals):.0f} |"
            )
            print(lines[-1], flush=True)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--referrals", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=Path("reports/reports_benchmark.md"))
    args = parser.parse_args(argv)
    training_before = _rasa_training()
    hsds_lines = bench_hsds(args.sizes, args.requests)
    report_lines = bench_reports(args.referrals)
    training = training_before or _rasa_training()
    text = f"""# Open data and reports: benchmark

Measured on {dt.date.today().isoformat()} with `make bench-reports`
(`python -m tools.bench_reports`).
`rasa train` running on the machine at the time: {"yes" if training else "no"}.

## `GET /hsds/services` over HTTP

The seed directory plus invented services (90 % active, spread over the place hierarchy like
a grown directory), SQLite; the console served by Werkzeug on 127.0.0.1, one request at a time.
Pages of 50 unless said; times from the request to the last byte of the answer. *Load avg*
is the 1-minute load average just before each row: above the number of cores, other work
(a Rasa training, other tests) competed for them and the times are upper bounds.

| services | request | requests | p50 ms | p95 ms | max ms | load avg |
|---:|---|---:|---:|---:|---:|---:|
{chr(10).join(hsds_lines)}

## A year of reports over {args.referrals:,} referral rows

An invented log over 2025 ({args.referrals:,} referral requests, one in thirty with a handoff,
each handoff replied to and closed), SQLite, signed in as staff; median of 5 requests each.
"Alone": each request computes its table (the page's 30-second cache emptied first); the last
row is the page, the two charts it shows and the CSV one after the other, as a coordinator
loads them (the charts and the CSV reuse the page's table).

| what | requests | median ms | max ms |
|---|---:|---:|---:|
{chr(10).join(report_lines)}

## Machine

{_machine(None)}.
"""
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
