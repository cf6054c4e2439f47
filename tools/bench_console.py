"""Page-load figures of the console's queue with many open handoffs (issue 12's closing note).

    python -m tools.bench_console [--handoffs 1000] [--loads 50]
                                  [--out reports/console_benchmark.md]   (make bench-console)

Not a test: it measures. A throw-away SQLite database under a temporary folder, migrated and
seeded, gets N open handoffs (one in ten urgent; invented summaries, no person's data), opened
through casework's own `open_handoff` (so they are scrubbed and stored as the bot stores them).
The console runs as `python -m console serve` runs it (Werkzeug, threaded) on a spare port; a
signed-in caseworker loads /handoffs/ (the whole page: the queue rendered on the server) and
/handoffs/poll (what the page fetches every 10 s: with the rows when the queue changed, only
the counts when it did not), each `--loads` times, over real HTTP. The figures are the
server's answer times as the client sees them (no browser painting). Werkzeug's request log is
silenced.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from werkzeug.serving import WSGIRequestHandler, make_server

CASEWORKER = "bench-caseworker@example.org"
PASSWORD = "bench-password-0123456789"
TOPICS = ("ask_health", "ask_regularization", "ask_refuge", "ask_employment", "emergency")
PLACES = ("Herrera", "Barrio Colón", "Las Mañanitas", "Omar Torrijos", None)


@contextmanager
def _database(folder: Path) -> Iterator[str]:
    url = f"sqlite:///{folder / 'bench.sqlite'}"
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    try:
        yield url
    finally:
        if previous is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous


def _fill(n: int) -> None:
    from casework.records import open_handoff
    from console.accounts import create_user
    from referral_directory.seed import load_seed
    from store import db

    db.migrate()
    load_seed(db.engine())
    create_user(CASEWORKER, "caseworker", PASSWORD)
    for i in range(n):
        open_handoff(
            conversation_key=uuid.uuid4().hex * 2,
            channel="telegram" if i % 3 else "whatsapp",
            language="es" if i % 4 else "en",
            topic=TOPICS[i % len(TOPICS)],
            corregimiento=PLACES[i % len(PLACES)],
            summary=f"Caso sintético {i}: necesito orientación sobre mis papeles y un médico.",
            urgent=i % 10 == 0,
            consented=i % 2 == 0,
            reply_route="sealed-route-bench" if i % 2 == 0 else "",
        )


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: Any) -> None:
        pass


def _timed(client: httpx.Client, path: str, loads: int) -> tuple[list[float], int]:
    times, size = [], 0
    for _ in range(loads):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
        size = len(response.content)
    return times, size


def _figures(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
    return f"p50 {statistics.median(ordered):.0f} ms, p95 {p95:.0f} ms, max {ordered[-1]:.0f} ms"


def run(handoffs: int, loads: int) -> str:
    from console.app import create_app
    from console.settings import Settings

    with tempfile.TemporaryDirectory() as folder, _database(Path(folder)):
        began = time.perf_counter()
        _fill(handoffs)
        filled = time.perf_counter() - began
        settings = Settings(
            secret_key="bench-secret-key-0123456789abcdef0123",
            gateway_url="http://127.0.0.1:9",
            gateway_token="",
            secure_cookies=False,
        )
        server = make_server(
            "127.0.0.1", 0, create_app(settings), threaded=True, request_handler=_Quiet
        )
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{server.server_port}") as client:
                form = client.get("/login/").text
                found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
                assert found, "no CSRF token on the sign-in page"
                data = {"email": CASEWORKER, "password": PASSWORD, "csrf_token": found.group(1)}
                assert client.post("/login/", data=data).status_code == 302
                page, page_size = _timed(client, "/handoffs/", loads)
                poll, poll_size = _timed(client, "/handoffs/poll", loads)
                stamp = client.get("/handoffs/poll").json()["stamp"]
                same, same_size = _timed(client, f"/handoffs/poll?since={stamp}", loads)
                rows = client.get("/handoffs/").text.count("data-case=")
        finally:
            server.shutdown()
            server.server_close()
    load = os.getloadavg()
    return "\n".join(
        [
            f"# Console queue with {handoffs} open handoffs ({dt.date.today().isoformat()})",
            "",
            f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, SQLite; load average {load[0]:.2f} at the end.",
            f"Filled through casework.open_handoff in {filled:.1f} s; the page listed {rows} "
            "cases.",
            "",
            "| request | answer time over HTTP | size |",
            "|---|---|---|",
            f"| GET /handoffs/ (the queue page) | {_figures(page)} | {page_size // 1024} KiB |",
            f"| GET /handoffs/poll, the queue changed | {_figures(poll)} | "
            f"{poll_size // 1024} KiB |",
            f"| GET /handoffs/poll?since=, unchanged (most polls) | {_figures(same)} | "
            f"{same_size} bytes |",
            "",
            f"{loads} loads each, one at a time, by a signed-in caseworker.",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench_console")
    parser.add_argument("--handoffs", type=int, default=1000)
    parser.add_argument("--loads", type=int, default=50)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    report = run(args.handoffs, args.loads)
    print(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
