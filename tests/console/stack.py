"""The console as the browser tests (and docs/ screenshots) run it: a migrated, seeded SQLite
database of its own, the console served by Werkzeug on a spare port, and a fake gateway that
records what the console posts to /internal/handoff-reply and /internal/handoff-closed."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server

from console.accounts import create_user
from console.app import create_app
from console.settings import Settings
from referral_directory.seed import load_seed
from store import db

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "correct-horse-battery-staple"
USERS = {
    "admin": "admin@example.org",
    "staff": "staff@example.org",
    "caseworker": "caseworker@example.org",
}
GATEWAY_TOKEN = "console-test-internal-token-0123456789"


@dataclass
class FakeGateway:
    """127.0.0.1 server speaking the gateway's two internal endpoints the console calls."""

    posts: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)
    url: str = ""

    @contextmanager
    def running(self) -> Iterator[FakeGateway]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                gateway.posts.append((self.path, body, self.headers.get("Authorization", "")))
                if self.headers.get("Authorization") != f"Bearer {GATEWAY_TOKEN}":
                    self.send_response(403)
                    self.end_headers()
                    return
                answer = (
                    {"channel": "telegram", "sent": "text", "held": False}
                    if self.path == "/internal/handoff-reply"
                    else {"dropped": 0}
                )
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any) -> None:
        pass


@dataclass
class Console:
    url: str
    gateway: FakeGateway
    database_url: str


@contextmanager
def console(
    folder: Path,
    *,
    poll_seconds: int = 1,
    gateway_url: str | None = None,
    gateway_token: str = GATEWAY_TOKEN,
) -> Iterator[Console]:
    """The console on a fresh database under `folder` (DATABASE_URL set while it runs), talking
    to the fake gateway, or to the gateway at `gateway_url`."""
    database_url = f"sqlite:///{folder / 'console.sqlite'}"
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = database_url
    try:
        db.migrate()
        load_seed(db.engine())
        for role, email in USERS.items():
            create_user(email, role, PASSWORD)
        with FakeGateway().running() as gateway:
            settings = Settings(
                secret_key="console-test-secret-key-0123456789abcdef",
                gateway_url=gateway_url or gateway.url,
                gateway_token=gateway_token,
                login_limit="5 per minute",
                secure_cookies=False,
            )
            app = create_app(settings)
            app.config["CONSOLE_POLL_SECONDS"] = poll_seconds
            server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            try:
                yield Console(f"http://127.0.0.1:{server.server_port}", gateway, database_url)
            finally:
                server.shutdown()
                server.server_close()
    finally:
        if previous is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous
