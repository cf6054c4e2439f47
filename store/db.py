"""Engines, short sessions and migrations.

Every query opens its own short session (`session(engine)`), as the SQLAlchemy 2 docs advise;
nothing keeps a long-lived session. The schema is built only by Alembic (`migrate`), never by
`create_all`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session

from store import settings

ALEMBIC_INI = Path(__file__).resolve().parent / "alembic.ini"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Per connection: SQLite ignores foreign keys unless asked, and its default page cache
    (2 MB) is too small for searches that read a few thousand rows of a large directory."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA cache_size=-65536")  # 64 MB
    cursor.execute("PRAGMA mmap_size=268435456")  # 256 MB, read through the OS page cache
    cursor.close()


def engine(url: str | None = None) -> Engine:
    """The engine of `url`, or of DATABASE_URL (read at each call, so tests can change it)."""
    return _engine(url or settings.database_url())


@functools.cache
def _engine(url: str) -> Engine:
    """One engine (and its pool) per database URL for the life of the process."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    eng = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    if eng.dialect.name == "sqlite":
        event.listen(eng, "connect", _sqlite_pragmas)
    return eng


@contextmanager
def session(eng: Engine | None = None) -> Iterator[Session]:
    """A short unit of work: committed when the block ends, rolled back if it raises."""
    with Session(eng or engine(), expire_on_commit=False) as s, s.begin():
        yield s


def alembic_config(eng: Engine) -> Config:
    """The Alembic config of store/alembic.ini, bound to this engine."""
    cfg = Config(str(ALEMBIC_INI))
    cfg.attributes["engine"] = eng
    return cfg


def migrate(eng: Engine | None = None, revision: str = "head") -> None:
    """Bring the schema to `revision` (the only way tables are created or changed)."""
    command.upgrade(alembic_config(eng or engine()), revision)
