"""The production profile as `make run-production` starts it, through its load balancer.

One start for the module (scripts/run-production: HAProxy, two Rasa replicas, two action
servers, the gateway, the console) on spare ports (E2E_PORT_OFFSET moves them), on the real
PostgreSQL in a schema of its own (dropped afterwards) and the real Redis under a key prefix of
its own. A conversation full of invented personal data goes in; the tracker rows in PostgreSQL,
the Redis keys and the stack's log are read back for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from privacy.keys import conversation_key
from tests.e2e.conftest import MODEL, ROOT, answers, listener_pid, started, stopped, until
from tests.sockets import LOOPBACK, listening_addresses
from tools import load

_OFFSET = int(os.environ.get("E2E_PORT_OFFSET", "0"))
LB, ACTIONS_LB = 16005 + _OFFSET, 16055 + _OFFSET
TOKEN = secrets.token_urlsafe(32)
HASH_KEY = secrets.token_urlsafe(32)
PG = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SCHEMA = "prod_e2e_" + uuid.uuid4().hex[:10]
REDIS_PREFIX = "prode2e" + uuid.uuid4().hex[:10] + ":"
LOG = ROOT / "var" / "production-stack.log"

#: invented personal data typed by the person (no real person's)
PHONE, EMAIL, NAME, CEDULA = "+507 6000-0000", "user@example.org", "Ana Pérez", "8-123-4567"
MESSAGES = [
    "hola",
    f"me llamo {NAME}, mi teléfono es {PHONE}",
    f"necesito ayuda con mi permiso de trabajo, mi correo es {EMAIL}",
    f"mi cédula es {CEDULA}, vivo en San Miguelito",
]


class Gate:
    """A TCP relay between Rasa's tracker store and PostgreSQL that the test can close:
    closed, it drops every open connection and refuses new ones (PostgreSQL down)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target, self.open = target, True
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.live: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            client, _ = self.listener.accept()
            if not self.open:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            self.live += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.close()

    def close(self) -> None:
        self.open = False
        for s in self.live:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
        self.live.clear()


GATE: Gate | None = None
REDIS_GATE: Gate | None = None


def _sql(statement: str) -> None:
    engine = create_engine(PG, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` first (make test does)")
    LOG.parent.mkdir(parents=True, exist_ok=True)
    global GATE, REDIS_GATE
    _sql(f'CREATE SCHEMA "{SCHEMA}"')
    url = f"{PG}?options=-csearch_path%3D{SCHEMA}"
    GATE = Gate(("127.0.0.1", 5432))  # TEST_DATABASE_URL's host is 127.0.0.1:5432
    REDIS_GATE = Gate(("127.0.0.1", 6379))  # TEST_REDIS_URL's
    tracker_url = (
        f"postgresql://postgres@127.0.0.1:{GATE.port}/test?options=-csearch_path%3D{SCHEMA}"
    )
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("APP_PROFILE", "RASA_URL")},
        "APP_VAR_DIR": str(tmp_path_factory.mktemp("var")),
        "DATABASE_URL": url,
        "TRACKER_STORE_URL": tracker_url,
        "REDIS_URL": f"redis://127.0.0.1:{REDIS_GATE.port}/0",
        "REDIS_KEY_PREFIX": REDIS_PREFIX,
        "RASA_PORT": str(LB),
        "ACTION_SERVER_PORT": str(ACTIONS_LB),
        "RASA_REPLICA_1_PORT": str(16105 + _OFFSET),
        "RASA_REPLICA_2_PORT": str(16106 + _OFFSET),
        "ACTION_REPLICA_1_PORT": str(16155 + _OFFSET),
        "ACTION_REPLICA_2_PORT": str(16156 + _OFFSET),
        "GATEWAY_PORT": str(18181 + _OFFSET),
        "CONSOLE_PORT": str(18100 + _OFFSET),
        "GATEWAY_URL": f"http://127.0.0.1:{18181 + _OFFSET}",
        "HASH_KEY": HASH_KEY,
        "RASA_TOKEN": TOKEN,
        "GATEWAY_INTERNAL_TOKEN": secrets.token_urlsafe(32),
        "ROUTE_KEY": Fernet.generate_key().decode(),
        "CONSOLE_SECRET_KEY": secrets.token_urlsafe(32),
        "PRODUCTION_PROCESSES": "lb rasa1 rasa2 actions1 actions2 gateway console",
    }
    for name in ("TELEGRAM_TOKEN", "WHATSAPP_TOKEN"):
        env.pop(name, None)
    client = httpx.Client(timeout=60)

    def ready() -> bool:
        """Every replica in service behind the load balancer (its health checks say so)."""
        log = LOG.read_text(encoding="utf-8", errors="replace") if LOG.exists() else ""
        return all(
            f"Server {backend} is UP" in log
            for backend in (
                "rasa_replicas/rasa1", "rasa_replicas/rasa2",
                "action_replicas/actions1", "action_replicas/actions2",
            )
        )  # fmt: skip

    try:
        with started(
            [str(ROOT / "scripts" / "run-production")], env, LOG, ready,
            what="the production profile", within=300,
        ):  # fmt: skip
            yield client
    finally:
        client.close()
        _sql(f'DROP SCHEMA "{SCHEMA}" CASCADE')
        for key in _redis_keys():
            subprocess.run(["redis-cli", "-u", REDIS_URL, "DEL", key], capture_output=True)


def _every_table() -> str:
    """Every row of every table of the stack's schema, as text (found by inspection)."""
    engine = create_engine(PG)
    with engine.connect() as connection:
        names = connection.execute(
            text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
            {"s": SCHEMA},
        ).scalars()
        dump = [
            " ".join(str(v) for v in row)
            for name in list(names)
            for row in connection.execute(text(f'SELECT * FROM "{SCHEMA}"."{name}"'))
        ]
    engine.dispose()
    return "\n".join(dump)


def _redis_keys() -> list[str]:
    """The stack's keys in Redis (redis-cli: the application's environment has no client)."""
    done = subprocess.run(
        ["redis-cli", "-u", REDIS_URL, "--scan", "--pattern", REDIS_PREFIX + "*"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.split()


def _say(client: httpx.Client, sender: str, message: str) -> list[dict[str, Any]]:
    response = client.post(
        f"http://127.0.0.1:{LB}/webhooks/rest/webhook", json={"sender": sender, "message": message}
    )
    response.raise_for_status()
    return response.json()


def _rows(sender: str) -> list[str]:
    engine = create_engine(PG)
    with engine.connect() as connection:
        rows = connection.execute(
            text(f'SELECT type_name, data FROM "{SCHEMA}".events WHERE sender_id = :s ORDER BY id'),
            {"s": sender},
        ).all()
    engine.dispose()
    return [f"{kind} {data}" for kind, data in rows]


def test_a_conversation_through_the_load_balancer_keeps_nothing_personal(
    production: httpx.Client,
) -> None:
    sender = uuid.uuid4().hex
    for message in MESSAGES:
        assert _say(production, sender, message), f"no answer to {message!r}"
    rows = _rows(sender)
    assert sum(row.startswith("user ") for row in rows) == len(MESSAGES)
    dump = "\n".join(rows)
    for value in (PHONE, "6000-0000", EMAIL, NAME, CEDULA):
        assert value not in dump, f"{value} kept in PostgreSQL"
    assert "[PHONE]" in dump and "[EMAIL]" in dump
    # and no table of the database, the application's included, holds them either
    everything = _every_table()
    for value in (PHONE, EMAIL, NAME, CEDULA):
        assert value not in everything, f"{value} kept in PostgreSQL"
    # the conversation is one, whichever replica answered each message
    tracker = production.get(
        f"http://127.0.0.1:{LB}/conversations/{sender}/tracker", params={"token": TOKEN}
    ).json()
    assert [e["text"] for e in tracker["events"] if e["event"] == "user"][0] == "hola"
    assert not [key for key in _redis_keys() if sender in key]  # the locks are gone


def test_both_replicas_answer_and_rasa_prints_no_message_text_at_info(
    production: httpx.Client,
) -> None:
    sender = uuid.uuid4().hex
    for message in MESSAGES:
        _say(production, sender, message)
    log = Path(LOG).read_text(encoding="utf-8", errors="replace")
    served = [line for line in log.splitlines() if "/webhooks/rest/webhook" in line]
    for replica in ("rasa_replicas/rasa1", "rasa_replicas/rasa2"):
        assert any(replica in line for line in served), f"{replica} answered nothing"
    for value in (PHONE, EMAIL, NAME, CEDULA, "necesito ayuda con mi permiso"):
        assert value not in log, f"{value!r} printed in the stack's log"


def test_erasure_through_rasas_api_deletes_the_rows(production: httpx.Client) -> None:
    sender = uuid.uuid4().hex
    _say(production, sender, "hola")
    assert _rows(sender)
    response = production.put(
        f"http://127.0.0.1:{LB}/conversations/{sender}/tracker/events",
        params={"token": TOKEN},
        json=[],
    )
    assert response.status_code == 200
    assert _rows(sender) == []
    assert not [key for key in _redis_keys() if sender in key]


def _said_while_closed(client: httpx.Client, gate: Gate, sender: str, message: str) -> str:
    """The one answer to ``message`` with ``gate`` closed (reopened after), within 10 s."""
    gate.close()
    try:
        started_at = time.monotonic()
        answer = _say(client, sender, message)
        took = time.monotonic() - started_at
    finally:
        gate.open = True
    assert took < 10
    assert len(answer) == 1
    return str(answer[0]["text"])


def test_twenty_people_at_once_through_both_replicas_nothing_lost_or_reordered(
    production: httpx.Client,
) -> None:
    """The short form of `make bench`'s load test on the production profile: twenty people
    write five messages each at the same time, through the load balancer to both replicas
    (their locks on Redis): every message answered, and each tracker in PostgreSQL holds its
    person's messages exactly once, in order."""
    result = asyncio.run(
        load.run(f"http://127.0.0.1:{LB}", conversations=20, messages=5, prefix="prod-load")
    )
    assert result.errors == 0, result.line()
    assert result.answered == 100
    assert load.lost_or_reordered(f"http://127.0.0.1:{LB}", TOKEN, result.senders) == []


def test_with_postgresql_down_the_person_hears_try_again_then_resumes(
    production: httpx.Client,
) -> None:
    """Rasa Open Source would answer as if the person were new (FailSafeTrackerStore); here
    they are told to try again in a few minutes, with the IOM contact, and when PostgreSQL is
    back the conversation goes on where it was."""
    assert GATE is not None
    sender = uuid.uuid4().hex
    _say(production, sender, "hola")
    _say(production, sender, "necesito ayuda con mi permiso de trabajo")
    before = len(_rows(sender))
    answer = _said_while_closed(production, GATE, sender, "¿dónde queda la oficina?")
    assert "Inténtalo de nuevo en unos minutos" in answer
    assert "+507 305-3350" in answer
    assert len(_rows(sender)) == before  # nothing written of the turn that was refused
    again = _say(production, sender, "gracias")
    assert again and "Inténtalo de nuevo" not in again[0]["text"]
    tracker = production.get(
        f"http://127.0.0.1:{LB}/conversations/{sender}/tracker", params={"token": TOKEN}
    ).json()
    said = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    assert said[:2] == ["hola", "necesito ayuda con mi permiso de trabajo"]
    assert said[-1] == "gracias"


def test_with_redis_down_the_person_hears_try_again_then_resumes(
    production: httpx.Client,
) -> None:
    assert REDIS_GATE is not None
    sender = uuid.uuid4().hex
    _say(production, sender, "hola")
    answer = _said_while_closed(
        production, REDIS_GATE, sender, "necesito ayuda con mi permiso de trabajo"
    )
    assert "try again in a few minutes" in answer
    again = _say(production, sender, "gracias")
    assert again and "Inténtalo de nuevo" not in again[0]["text"]
    log = Path(LOG).read_text(encoding="utf-8", errors="replace")
    assert "necesito ayuda con mi permiso" not in log  # Rasa's channel would have logged it


def test_the_production_profile_refuses_development_keys(tmp_path: Path) -> None:
    var = tmp_path / "var"
    var.mkdir()
    (var / "hash_key").write_text("d" * 40 + "\n")
    env = {
        "PATH": os.environ["PATH"],
        "APP_VAR_DIR": str(var),
        "DATABASE_URL": PG,
        "REDIS_URL": REDIS_URL,
        "HASH_KEY": "d" * 40,
    }
    done = subprocess.run(
        [str(ROOT / "scripts" / "run-production")], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "HASH_KEY is the development key" in done.stderr
    assert "RASA_TOKEN is not set" in done.stderr


def test_rasas_api_is_on_127_0_0_1_only_and_refuses_requests_without_its_token(
    production: httpx.Client,
) -> None:
    """#14 security: the load balancer and each replica listen on 127.0.0.1 only, and none of
    them answers Rasa's API without the token (with it, they do)."""
    ports = (LB, 16105 + _OFFSET, 16106 + _OFFSET)
    for port in ports:
        assert listening_addresses(port) == {LOOPBACK}, port
        url = f"http://127.0.0.1:{port}"
        for path in ("/status", "/conversations/x/tracker"):
            for params in ({}, {"token": "not-the-token"}):
                assert production.get(url + path, params=params).status_code == 401, (port, path)
        assert production.get(f"{url}/status", params={"token": TOKEN}).status_code == 200


# --- faults: the action server hung or killed, a replica killed ------------------------------

RASA_REPLICAS = (16105 + _OFFSET, 16106 + _OFFSET)
ACTION_REPLICAS = (16155 + _OFFSET, 16156 + _OFFSET)
#: a conversation that needs the action server at each turn: a topic, then the place asked for
OPENING, FOLLOW_UP = "necesito ayuda con mi permiso de trabajo", "vivo en herrera"


def _texts(client: httpx.Client, sender: str, message: str) -> list[str]:
    return [str(m.get("text", "")) for m in _say(client, sender, message)]


def _timed(client: httpx.Client, sender: str, message: str) -> tuple[list[str], float]:
    started_at = time.monotonic()
    said = _texts(client, sender, message)
    return said, time.monotonic() - started_at


def _slots(client: httpx.Client, sender: str) -> dict[str, Any]:
    tracker = client.get(
        f"http://127.0.0.1:{LB}/conversations/{sender}/tracker", params={"token": TOKEN}
    ).json()
    slots: dict[str, Any] = tracker["slots"]
    return slots


def _referrals(sender: str) -> int:
    """The conversation's rows in the referral log (its key: actions/context.py)."""
    engine = create_engine(PG)
    with engine.connect() as connection:
        found = connection.execute(
            text(f'SELECT count(*) FROM "{SCHEMA}".referral_request WHERE conversation_key = :k'),
            {"k": conversation_key("rasa", sender, HASH_KEY.encode())},
        ).scalar_one()
    engine.dispose()
    return int(found)


def _opened(client: httpx.Client) -> tuple[str, str]:
    """A conversation and its control, each told the opening."""
    sender, control = uuid.uuid4().hex, uuid.uuid4().hex
    for who in (sender, control):
        assert _say(client, who, OPENING)
    return sender, control


def _resumes(client: httpx.Client, sender: str, control: str) -> None:
    """The conversation goes on where it was: answered as the control that met no fault, and
    the referral log holds as many rows of it as of the control (none lost, none twice)."""
    assert _texts(client, sender, FOLLOW_UP) == _texts(client, control, FOLLOW_UP)
    assert _referrals(sender) == _referrals(control) > 0


def test_with_the_action_servers_hung_the_person_hears_try_again_within_10_s_then_resumes(
    production: httpx.Client,
) -> None:
    sender, control = _opened(production)
    before = _slots(production, sender)
    with stopped(listener_pid(ACTION_REPLICAS[0])), stopped(listener_pid(ACTION_REPLICAS[1])):
        said, took = _timed(production, sender, FOLLOW_UP)
    assert took < 10, f"answered after {took:.1f} s"
    assert "Inténtalo de nuevo en unos minutos" in said[-1] and "+507 305-3350" in said[-1]
    assert _slots(production, sender) == before  # nothing of the cancelled turn was kept
    _resumes(production, sender, control)


def test_an_action_server_killed_is_passed_over_then_started_again(
    production: httpx.Client,
) -> None:
    sender, control = _opened(production)
    killed = listener_pid(ACTION_REPLICAS[0])
    os.kill(killed, signal.SIGKILL)
    # the load balancer sends the calls refused by the dead one to the other at once
    said, took = _timed(production, sender, FOLLOW_UP)
    assert took < 10
    assert "Inténtalo de nuevo" not in said[-1]
    assert said == _texts(production, control, FOLLOW_UP)
    assert _referrals(sender) == _referrals(control) > 0  # written by the other one
    until(
        lambda: answers(production, f"http://127.0.0.1:{ACTION_REPLICAS[0]}/health"),
        90, "the killed action server started again",
    )  # fmt: skip
    assert listener_pid(ACTION_REPLICAS[0]) != killed


def test_a_hung_replica_is_taken_out_at_its_first_unanswered_message(
    production: httpx.Client,
) -> None:
    """A replica stopped (SIGSTOP: its listener still accepts, nothing answers) costs one
    message at most an 8 s wait and a 504 (the gateway says "try again" with the IOM contact);
    the load balancer marks it down then, and every message after goes to the other replica
    at once. Started again, the checks bring it back."""

    def count(line: str) -> int:
        return LOG.read_text(errors="replace").count(f"Server rasa_replicas/rasa2 is {line}")

    down_before, up_before = count("DOWN"), count("UP")
    outcomes: list[tuple[int, float]] = []
    with stopped(listener_pid(RASA_REPLICAS[1])):
        for _ in range(6):  # six people, one message each: round robin reaches the hung one
            started_at = time.monotonic()
            response = production.post(
                f"http://127.0.0.1:{LB}/webhooks/rest/webhook",
                json={"sender": uuid.uuid4().hex, "message": "hola"},
                timeout=30,
            )
            outcomes.append((response.status_code, time.monotonic() - started_at))
    assert all(took < 9 for _, took in outcomes), outcomes
    failed = [i for i, (status, _) in enumerate(outcomes) if status != 200]
    assert len(failed) <= 1 and all(status in (200, 504) for status, _ in outcomes), outcomes
    if failed:  # after the one it left unanswered, every message is answered at once
        assert all(took < 3 for _, took in outcomes[failed[0] + 1 :]), outcomes
    assert count("DOWN") > down_before
    until(lambda: count("UP") > up_before, 30, "the load balancer took the replica back")


def test_a_replica_killed_mid_conversation_the_other_answers_with_its_state_within_10_s(
    production: httpx.Client,
) -> None:
    """The conversation's state (the topic, the question pending) lives in PostgreSQL, not in
    the replica: the other replica answers the next message as if nothing happened, and the
    supervisor starts the killed one again (the last test of the module waits for it)."""
    global KILLED_REPLICA, UP_BEFORE
    sender, control = _opened(production)
    before = _slots(production, sender)
    assert before.get("topic") == "work_permit"
    UP_BEFORE = _up_lines()
    KILLED_REPLICA = listener_pid(RASA_REPLICAS[0])
    os.kill(KILLED_REPLICA, signal.SIGKILL)
    for _ in range(3):  # whichever replica the balancer would have chosen
        said, took = _timed(production, sender, "gracias")
        assert took < 10, f"answered after {took:.1f} s"
        assert said and "Inténtalo de nuevo" not in said[-1]
        _say(production, control, "gracias")
    _resumes(production, sender, control)
    assert _slots(production, sender)["topic"] == "work_permit"


KILLED_REPLICA: int | None = None
UP_BEFORE = 0


def _up_lines() -> int:
    """HAProxy's lines saying the first replica is in service (once for each time it came)."""
    return LOG.read_text(errors="replace").count("Server rasa_replicas/rasa1 is UP")


def test_the_killed_replica_is_back_in_service(production: httpx.Client) -> None:
    """Last of the module, so the other tests run while the killed replica starts again."""
    assert KILLED_REPLICA is not None, "run with the replica test before"
    until(
        lambda: answers(production, f"http://127.0.0.1:{RASA_REPLICAS[0]}/"),
        240, "the killed Rasa replica started again",
    )  # fmt: skip
    assert listener_pid(RASA_REPLICAS[0]) != KILLED_REPLICA
    until(
        lambda: _up_lines() > UP_BEFORE,
        30, "the load balancer took the replica back",
    )  # fmt: skip


def test_a_turn_whose_write_fails_is_answered_try_again_and_nothing_is_half_kept(
    production: httpx.Client,
) -> None:
    """PostgreSQL goes while a turn is under way: read, then the action server holds the turn
    (stopped), then the tracker store's gate closes, then the action answers. The write fails:
    the person hears "try again" (Rasa would have answered and kept the events in one
    replica's memory); none of the turn's events are in PostgreSQL; with PostgreSQL back, the
    same message is answered as the control's and its referral is in the log."""
    assert GATE is not None
    sender, control = _opened(production)
    before = _rows(sender)
    pids = [listener_pid(port) for port in ACTION_REPLICAS]
    result: list[list[str]] = []
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        talking = threading.Thread(
            target=lambda: result.append(_texts(production, sender, FOLLOW_UP)), daemon=True
        )
        started_at = time.monotonic()
        talking.start()
        time.sleep(2)  # the turn has read its tracker and waits on the action server
        GATE.close()
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)
    talking.join(15)
    took = time.monotonic() - started_at
    GATE.open = True
    assert result, "no answer"
    assert took < 10
    assert "Inténtalo de nuevo en unos minutos" in result[0][-1]
    assert _rows(sender) == before
    _say(production, control, FOLLOW_UP)
    assert _texts(production, sender, FOLLOW_UP) == _texts(production, control, FOLLOW_UP)
    assert _referrals(sender) >= _referrals(control) > 0  # none lost (the retry may add one)
