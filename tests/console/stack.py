"""The console as the browser tests (and docs/ screenshots) run it: a migrated, seeded SQLite
database of its own, a copy of the content file (CONTENT_FILE), the console served by Werkzeug
on a spare port, a fake gateway that records what the console posts to
/internal/handoff-reply and /internal/handoff-closed, and a stand-in for Rasa's REST channel
that answers every message with the health answer as the content loader reads it now (the
real Rasa and action server: tests/e2e/test_console.py)."""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from console.accounts import create_user
from console.app import create_app
from console.settings import Settings
from content import topics
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


Answer = tuple[int, object]


@contextmanager
def json_server(answer: Callable[[str, dict[str, Any], dict[str, str]], Answer]) -> Iterator[str]:
    """A 127.0.0.1 server on a spare port whose POSTs get `answer(path, body, headers)`:
    (status, JSON); yields its address."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            status, reply = answer(self.path, body, dict(self.headers))
            data = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class FakeGateway:
    """127.0.0.1 server speaking the gateway's internal endpoints the console calls."""

    posts: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)
    url: str = ""
    #: what /internal/handoff-window says (a test sets it)
    window: dict[str, Any] = field(
        default_factory=lambda: {"open": False, "template": True, "held": 0}
    )

    def _answer(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> Answer:
        self.posts.append((path, body, headers.get("Authorization", "")))
        if headers.get("Authorization") != f"Bearer {GATEWAY_TOKEN}":
            return 403, {}
        if path == "/internal/handoff-reply":
            return 200, {"channel": "telegram", "sent": "text", "held": False}
        if path == "/internal/handoff-window":
            return 200, self.window
        return 200, {"dropped": 0}

    @contextmanager
    def running(self) -> Iterator[FakeGateway]:
        with json_server(self._answer) as self.url:
            yield self


@dataclass
class FakeRasa:
    """127.0.0.1 server speaking Rasa's REST channel: the health answer of the content file
    the console edits (read through the loader at each message, as the action server does) and
    a button; `posts` keeps what it was sent."""

    posts: list[tuple[dict[str, Any], dict[str, str]]] = field(default_factory=list)
    url: str = ""

    def _answer(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> Answer:
        self.posts.append((body, headers))
        if path != "/webhooks/rest/webhook":
            return 404, {}
        button = {"title": "Ver servicios", "payload": '/affirm{"question": "services"}'}
        return 200, [
            {
                "recipient_id": body["sender"],
                "text": topics.get_topic_content("health", "es").answer,
            },
            {"recipient_id": body["sender"], "text": "¿Algo más?", "buttons": [button]},
        ]

    @contextmanager
    def running(self) -> Iterator[FakeRasa]:
        with json_server(self._answer) as self.url:
            yield self


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any) -> None:
        pass


@dataclass
class Console:
    url: str
    gateway: FakeGateway
    database_url: str
    rasa: FakeRasa
    content_file: Path
    #: the WSGI app itself, for tests that call it in process (Flask's test client, Schemathesis)
    app: Flask


@contextmanager
def console(
    folder: Path,
    *,
    poll_seconds: int = 1,
    gateway_url: str | None = None,
    gateway_token: str = GATEWAY_TOKEN,
    database_url: str | None = None,
    rasa_url: str | None = None,
    content_file: Path | None = None,
    secure_cookies: bool = False,
) -> Iterator[Console]:
    """The console on a fresh database under `folder` (DATABASE_URL set while it runs), or on
    `database_url`, talking to the fake gateway, or to the gateway at `gateway_url`, and to the
    stand-in for Rasa, or to the Rasa at `rasa_url`; it edits a copy of the content file under
    `folder` (CONTENT_FILE set while it runs), or `content_file`."""
    database_url = database_url or f"sqlite:///{folder / 'console.sqlite'}"
    if content_file is None:
        content_file = folder / "content.yaml"
        shutil.copy(topics.CONTENT_FILE, content_file)
    previous = {name: os.environ.get(name) for name in ("DATABASE_URL", "CONTENT_FILE")}
    os.environ["DATABASE_URL"] = database_url
    os.environ["CONTENT_FILE"] = str(content_file)
    try:
        db.migrate()
        load_seed(db.engine())
        for role, email in USERS.items():
            create_user(email, role, PASSWORD)
        with FakeGateway().running() as gateway, FakeRasa().running() as rasa:
            settings = Settings(
                secret_key="console-test-secret-key-0123456789abcdef",
                gateway_url=gateway_url or gateway.url,
                gateway_token=gateway_token,
                login_limit="5 per minute",
                secure_cookies=secure_cookies,
                rasa_url=rasa_url or rasa.url,
            )
            app = create_app(settings)
            app.config["CONSOLE_POLL_SECONDS"] = poll_seconds
            server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            try:
                yield Console(
                    f"http://127.0.0.1:{server.server_port}",
                    gateway,
                    database_url,
                    rasa,
                    content_file,
                    app,
                )
            finally:
                server.shutdown()
                server.server_close()
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
