"""`make test`'s audit: it audits wherever the vulnerability service answers, and says plainly
that it did not where nothing answers."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools import audit


@pytest.fixture
def listening() -> Iterator[tuple[str, int]]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    try:
        yield server.getsockname()
    finally:
        server.close()


def closed_port() -> tuple[str, int]:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    address = probe.getsockname()
    probe.close()  # nothing listens there any more
    return address


def test_reachable_is_a_real_connection(listening: tuple[str, int]) -> None:
    assert audit.reachable(listening, timeout=2)
    assert not audit.reachable(closed_port(), timeout=2)
    assert not audit.reachable(("no-such-host.invalid", 443), timeout=2)


def test_where_nothing_answers_it_says_so_and_passes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(audit, "SERVICE", closed_port())
    assert audit.main(["--where-reachable"]) == 0
    assert "audit not run" in capsys.readouterr().out


def test_where_the_service_answers_it_audits(
    monkeypatch: pytest.MonkeyPatch, listening: tuple[str, int]
) -> None:
    # reachable: the audit itself runs, and a direct dependency with a vulnerability fails it
    monkeypatch.setattr(audit, "SERVICE", listening)
    vulnerable = {"name": "Flask_Admin", "version": "0.1", "vulns": [{"id": "PYSEC-0"}]}
    reports = {"app.lock": [vulnerable], "rasa.lock": [{"name": "idna", "vulns": []}]}
    monkeypatch.setattr(audit, "audit", lambda lock: reports[lock.name])
    assert audit.main(["--where-reachable"]) == 1


def test_direct_requirements_are_the_names_of_the_in_file(tmp_path: Path) -> None:
    requirements = tmp_path / "x.in"
    requirements.write_text(
        "Flask==3.0  # the console\nflask_admin[sqla]>=1\n\nSQLAlchemy ; python_version>'3'\n"
    )
    assert audit.direct(requirements) == {"flask", "flask-admin", "sqlalchemy"}
