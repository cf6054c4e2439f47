"""The real PostgreSQL and Redis of the machine, each test in a place of its own.

PostgreSQL is TEST_DATABASE_URL or postgres@127.0.0.1:5432/test; each test gets a schema of its
own (Rasa's POSTGRESQL_SCHEMA puts its `events` table there), dropped afterwards. Redis is
TEST_REDIS_URL or redis://127.0.0.1:6379/0, under a key prefix of the test's own, deleted
afterwards. These tests run in Rasa's environment (.venv-rasa), like Rasa loads the stores.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis
import sqlalchemy as sa

from rasa_stores.tracker_store import rasa_database_url

PG_URL = rasa_database_url(
    os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def pg_schema(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    engine = sa.create_engine(PG_URL)
    name = "test_rasa_stores_" + uuid.uuid4().hex[:12]
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    except sa.exc.OperationalError as exc:
        pytest.fail(f"PostgreSQL is needed at {PG_URL} (TEST_DATABASE_URL): {exc}")
    monkeypatch.setenv("POSTGRESQL_SCHEMA", name)
    yield name
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
    engine.dispose()


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is needed at {REDIS_URL} (TEST_REDIS_URL): {exc}")
    prefix = f"testproduction{uuid.uuid4().hex[:12]}:"
    yield prefix
    for key in client.scan_iter(match=prefix + "*"):
        client.delete(key)
    client.close()
