"""A shared map point: the action takes it from the gateway once (a local HTTP server stands in
for ``GET /internal/point/{token}``), answers with the services near it on a real seeded
directory, and keeps no trace of it (events, referral log, log lines).

The seed has no service coordinates (none could be confirmed from a source), so the tests give
two services invented, approximate points in La Chorrera: test data, not directory facts.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import Engine, select

from actions import replies
from actions.orientation import ActionShowServices
from actions.questions import ask
from casework import ReferralRequest
from referral_directory import api
from referral_directory.records import stable_id
from store import db
from tests.actions.conftest import make_tracker

INTERNAL_TOKEN = "gateway-internal-test-token"
HOSPITAL = stable_id("service:minsa-hospital-nicolas-solano")
POLYCLINIC = stable_id("service:css-policlinica-santiago-barraza")
#: invented points (test data): the hospital's scope is distrito La Chorrera, the polyclinic is
#: put in corregimiento Herrera, about 1 km apart
HOSPITAL_AT = (8.8790, -79.7830)
POLYCLINIC_AT = (8.8870, -79.7760)
#: what shared points look like once the gateway has rounded them
NEAR_HOSPITAL = (8.880, -79.781)
NEAR_POLYCLINIC = (8.887, -79.775)
#: Panama City: no located service within 5 km in the seed
FAR = (9.041, -79.471)
COORDINATES = re.compile(r"8\.8[78]\d*|79\.7[78]\d*|9\.04\d*|79\.47\d*")


class _FakeGateway(BaseHTTPRequestHandler):
    """The gateway's ``GET /internal/point/{token}``: bearer checked, each point given once."""

    points: ClassVar[dict[str, tuple[float, float]]] = {}
    requests: ClassVar[list[tuple[str, str]]] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        _FakeGateway.requests.append((self.path, self.headers.get("Authorization", "")))
        token = self.path.removeprefix("/internal/point/")
        if self.headers.get("Authorization") != f"Bearer {INTERNAL_TOKEN}":
            self._answer(403, {"error": "forbidden"})
        elif not self.path.startswith("/internal/point/") or token not in self.points:
            self._answer(404, {"error": "no such point"})
        else:
            lat, lon = self.points.pop(token)
            self._answer(200, {"lat": lat, "lon": lon})

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_FakeGateway]]:
    server = HTTPServer(("127.0.0.1", 0), _FakeGateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("GATEWAY_URL", f"http://127.0.0.1:{server.server_port}/")
    monkeypatch.setenv("GATEWAY_INTERNAL_TOKEN", INTERNAL_TOKEN)
    _FakeGateway.points, _FakeGateway.requests = {}, []
    yield _FakeGateway
    server.shutdown()
    server.server_close()


@pytest.fixture
def located(directory: Engine) -> Engine:
    """The seeded directory with two services given (invented) points."""
    api.update(HOSPITAL, latitude=HOSPITAL_AT[0], longitude=HOSPITAL_AT[1], engine=directory)
    api.update(
        POLYCLINIC,
        corregimiento="Herrera",
        latitude=POLYCLINIC_AT[0],
        longitude=POLYCLINIC_AT[1],
        engine=directory,
    )
    return directory


def shared(token: str, *, slots: dict[str, Any] | None = None) -> Any:
    """The tracker of a ``/find_service`` turn sent by the gateway for a shared location."""
    metadata = {"channel": "telegram", "language_hint": "es", "point_token": token}
    return make_tracker("/find_service", "find_service", slots=slots, extra={"metadata": metadata})


async def run(tracker: Any) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    return dispatcher, await ActionShowServices().run(dispatcher, tracker, {})


def referrals(eng: Engine) -> list[ReferralRequest]:
    with db.session(eng) as s:
        return list(s.scalars(select(ReferralRequest)))


def no_coordinates(*things: Any) -> bool:
    return not COORDINATES.search(json.dumps(things, default=str))


@pytest.mark.asyncio
async def test_a_point_gives_the_services_of_the_nearest_place_nearest_first(
    located: Engine, gateway: type[_FakeGateway], caplog: pytest.LogCaptureFixture
) -> None:
    gateway.points["tok-near-the-hospital-1"] = NEAR_HOSPITAL
    caplog.set_level(logging.DEBUG)
    dispatcher, events = await run(shared("tok-near-the-hospital-1"))
    [page] = dispatcher.messages
    assert page["text"].startswith("Servicios para La Chorrera:")
    first = page["text"].split("\n\n")[1]
    assert first.startswith("1. Hospital Nicolás A. Solano (La Chorrera)")
    assert {b["payload"] for b in page["buttons"]} >= {"/referral_card", "/more_services"}
    assert events[:2] == [SlotSet("corregimiento", "La Chorrera"), SlotSet("services_offset", 0.0)]
    [kept] = events[2:]
    assert kept["name"] == "offered_services" and kept["value"]["place"] == "La Chorrera"
    assert kept["value"]["services"][0] == {"id": HOSPITAL, "level": "distrito"}
    # taken once, with the bearer; then nothing is left at the gateway
    assert gateway.requests == [
        ("/internal/point/tok-near-the-hospital-1", f"Bearer {INTERNAL_TOKEN}")
    ]
    assert gateway.points == {}
    [row] = referrals(located)
    assert (row.corregimiento, row.channel, row.topic) == ("La Chorrera", "telegram", None)
    assert HOSPITAL in row.services.split()
    assert no_coordinates(events, dispatcher.messages, caplog.text)
    assert no_coordinates({c.name: getattr(row, c.name) for c in row.__table__.columns})


@pytest.mark.asyncio
async def test_the_place_is_the_corregimiento_of_the_nearest_location_and_the_topic_counts(
    located: Engine, gateway: type[_FakeGateway]
) -> None:
    gateway.points["tok-near-the-polyclinic"] = NEAR_POLYCLINIC
    dispatcher, events = await run(
        shared("tok-near-the-polyclinic", slots={"language": "en", "topic": "health"})
    )
    text = dispatcher.messages[0]["text"]
    assert text.startswith("Services for Herrera:")
    names = [part.split("\n")[0] for part in text.split("\n\n")[1:]]
    assert names[0].startswith("1. Dr. Santiago Barraza Polyclinic")
    assert names[1].startswith("2. Nicolás A. Solano Hospital") and "(in the district)" in names[1]
    assert SlotSet("corregimiento", "Herrera") in events
    [row] = referrals(located)
    assert (row.corregimiento, row.language, row.topic) == ("Herrera", "en", "health")


@pytest.mark.asyncio
async def test_a_point_already_taken_or_expired_asks_for_the_corregimiento(
    located: Engine, gateway: type[_FakeGateway]
) -> None:
    dispatcher, events = await run(shared("tok-expired-long-ago-00", slots={"corregimiento": "x"}))
    [question] = dispatcher.messages
    assert question["text"] == replies.ask_place("es").text
    assert [b["title"] for b in question["buttons"]][-1] == "Otro lugar"
    assert events == ask("place")
    assert len(gateway.requests) == 1
    assert referrals(located) == []


@pytest.mark.asyncio
async def test_a_point_far_from_every_located_service_asks_for_the_corregimiento(
    located: Engine, gateway: type[_FakeGateway]
) -> None:
    gateway.points["tok-in-panama-city-0001"] = FAR
    dispatcher, events = await run(shared("tok-in-panama-city-0001"))
    assert [m["text"] for m in dispatcher.messages] == [replies.ask_place("es").text]
    assert events == ask("place") and gateway.points == {} and referrals(located) == []


@pytest.mark.asyncio
async def test_the_gateway_down_or_unconfigured_asks_for_the_corregimiento(
    located: Engine, gateway: type[_FakeGateway], monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway.points["tok-near-the-hospital-2"] = NEAR_HOSPITAL
    # a port held bound but never listening: refused for sure, and no other process can take it
    # meanwhile (a fixed port such as 9 is only "probably" free)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        monkeypatch.setenv("GATEWAY_URL", f"http://127.0.0.1:{closed.getsockname()[1]}")
        down, _ = await run(shared("tok-near-the-hospital-2"))
    monkeypatch.delenv("GATEWAY_INTERNAL_TOKEN")
    unconfigured, _ = await run(shared("tok-near-the-hospital-2"))
    ask = replies.ask_place("es").text
    assert [m["text"] for m in down.messages + unconfigured.messages] == [ask, ask]
    assert gateway.requests == [] and referrals(located) == []


@pytest.mark.asyncio
async def test_a_forged_token_is_not_sent_to_the_gateway(
    located: Engine, gateway: type[_FakeGateway]
) -> None:
    for forged in ("../handoff-reply", "short", "a" * 65, "tok?x=" + "a" * 20):
        dispatcher, _ = await run(shared(forged))
        assert dispatcher.messages[0]["text"] == replies.ask_place("es").text
    assert gateway.requests == []
