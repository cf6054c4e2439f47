"""The load tool's own arithmetic and error counting, against a local REST server."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.texts import text
from tools.load import SCRIPTS, messages_for, percentile, run


def test_percentile_interpolates_and_handles_few_values() -> None:
    assert percentile([], 95) == 0.0
    assert percentile([7.0], 99) == 7.0
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5, abs=0.6)
    assert percentile(values, 99) == pytest.approx(99.0, abs=1.0)


def test_each_conversation_follows_one_script_cycled() -> None:
    assert messages_for(0, 3) == list(SCRIPTS[0][:3])
    twelve = messages_for(1, 12)
    assert twelve[10:] == list(SCRIPTS[1][:2])


class _Peer(BaseHTTPRequestHandler):
    """Answers like Rasa's REST channel; "fail" gets a 500, "busy" the try-again text,
    "quiet" an empty answer."""

    def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        message = body["message"]
        if message == "fail":
            self.send_response(500)
            self.end_headers()
            return
        answer = {"busy": [{"text": text("unavailable", None)}], "quiet": []}.get(
            message, [{"recipient_id": body["sender"], "text": "ok"}]
        )
        payload = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def peer() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Peer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_every_answer_counts_and_every_kind_of_failure_is_an_error(
    peer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = asyncio.run(run(peer, conversations=6, messages=3, concurrency=2))
    assert (result.sent, result.answered, result.errors) == (18, 18, 0)
    assert result.throughput > 0 and result.p50_ms <= result.p95_ms <= result.p99_ms
    assert len(result.senders) == 6
    monkeypatch.setattr("tools.load.SCRIPTS", (("hola", "fail", "busy", "quiet"),))
    result = asyncio.run(run(peer, conversations=2, messages=4))
    assert (result.answered, result.errors) == (2, 6)
    assert result.error_kinds == {"http 500": 2, "try again later": 2, "no answer": 2}


def test_a_think_time_paces_each_person_but_not_their_first_message(peer: str) -> None:
    paced = asyncio.run(run(peer, conversations=2, messages=3, think=0.2))
    # two pauses of 0.1-0.3 s each for every person, people in parallel
    assert 0.2 <= paced.wall_s < 1.5
    assert (paced.answered, paced.errors, paced.think_s) == (6, 0, 0.2)
    assert "0.2 s pauses" in paced.line()
    single = asyncio.run(run(peer, conversations=2, messages=1, think=5.0))
    assert single.wall_s < 1.0


def test_a_ramp_spreads_the_first_messages(peer: str) -> None:
    ramped = asyncio.run(run(peer, conversations=4, messages=1, ramp=0.8))
    # the last person starts at 3/4 of the ramp
    assert 0.6 <= ramped.wall_s < 1.5
    assert "starting over 0.8 s" in ramped.line()
