"""Every directory test runs on SQLite and on PostgreSQL, on a database built by Alembic.

PostgreSQL is TEST_DATABASE_URL or postgresql+psycopg://postgres@127.0.0.1:5432/test; each
database is a fresh schema, dropped afterwards (on SQLite, a copy of a file migrated and seeded
once). When PostgreSQL cannot be reached its tests are skipped, the reason and the variable to
set are printed at the end of the run, and the SQLite ones still run; with
DIRECTORY_REQUIRE_POSTGRES=1 (CI) they fail instead. Any other test that needs PostgreSQL calls
`skip_or_fail_without_postgres` so that it obeys the same variable.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from referral_directory.placedb import forget_place_index
from referral_directory.seed import load_seed
from referral_directory.settings import DEFAULT_SEED_DIR
from store import db

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
#: set (to anything but "" or "0") where PostgreSQL must be there, as in CI: no skipping then
REQUIRE_POSTGRES = "DIRECTORY_REQUIRE_POSTGRES"
#: what a skip says, so that someone on a laptop knows how to run the PostgreSQL half
HOW_TO_RUN = (
    "to run them, point TEST_DATABASE_URL at a PostgreSQL you can create schemas in "
    "(e.g. TEST_DATABASE_URL=postgresql+psycopg://USER@HOST:5432/test); "
    f"{REQUIRE_POSTGRES}=1 makes this a failure instead of a skip (CI sets it)"
)
SEED_DIR = DEFAULT_SEED_DIR

MakeDb = Callable[[], Engine]

_pg_skipped: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say why the PostgreSQL half was skipped, and how to run it, even under -q."""
    if _pg_skipped:
        terminalreporter.write_line(
            f"directory tests on PostgreSQL were SKIPPED: {_pg_skipped[0]}", yellow=True, bold=True
        )


def postgres_required() -> bool:
    """Whether PostgreSQL must be reachable (DIRECTORY_REQUIRE_POSTGRES): any test module that
    talks to PostgreSQL fails, rather than skips, without it when this is true."""
    return os.environ.get(REQUIRE_POSTGRES, "").strip() not in ("", "0")


def _pg_problem() -> str | None:
    try:
        eng = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(text("select 1"))
        eng.dispose()
    except Exception as exc:  # any failure to connect means: skip (or fail), saying why
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"PostgreSQL unreachable at {make_url(PG_URL).render_as_string()}: {reason}"
    return None


def skip_or_fail_without_postgres() -> None:
    """Skip the calling test or fixture when PostgreSQL cannot be reached, saying which
    variable to set; fail instead when DIRECTORY_REQUIRE_POSTGRES is set."""
    problem = _pg_problem()
    if problem is None:
        return
    if postgres_required():
        pytest.fail(f"{problem} ({REQUIRE_POSTGRES} is set, so PostgreSQL must be reachable)")
    message = f"{problem}; {HOW_TO_RUN}"
    if not _pg_skipped:
        _pg_skipped.append(message)
    pytest.skip(message)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def make_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MakeDb]:
    """A factory of migrated, seeded databases on one backend, all removed at the end."""
    backend: str = request.param
    if backend == "postgresql":
        skip_or_fail_without_postgres()
    admin = create_engine(PG_URL) if backend == "postgresql" else None
    made: list[tuple[Engine, str | None]] = []
    template: list[Path] = []

    def sqlite_copy() -> Path:
        """A copy of one SQLite database migrated and seeded once (a file copy takes
        milliseconds; migrating and seeding, most of a second)."""
        if not template:
            path = tmp_path_factory.mktemp("directory-template") / "directory.db"
            eng = db.engine(f"sqlite:///{path}")
            db.migrate(eng)
            load_seed(eng, seed_dir=SEED_DIR)
            eng.dispose()
            template.append(path)
        path = tmp_path_factory.mktemp("directory") / "directory.db"
        shutil.copyfile(template[0], path)
        return path

    def make() -> Engine:
        if admin is None:
            eng = db.engine(f"sqlite:///{sqlite_copy()}")
            made.append((eng, None))
            return eng
        schema = f"test_directory_{uuid.uuid4().hex[:12]}"
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = (
            make_url(PG_URL)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
        eng = db.engine(url)
        db.migrate(eng)
        load_seed(eng, seed_dir=SEED_DIR)
        made.append((eng, schema))
        return eng

    yield make
    for eng, schema in made:
        eng.dispose()
        if admin is not None and schema:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    if admin is not None:
        admin.dispose()
    db._engine.cache_clear()
    forget_place_index()


@pytest.fixture(scope="session")
def seeded(make_db: MakeDb) -> Engine:
    """One seeded database per backend, shared by the tests that only read."""
    return make_db()


@pytest.fixture
def fresh(make_db: MakeDb) -> Engine:
    """A seeded database of its own, for a test that writes."""
    return make_db()
