"""What the stack's directory database holds, read the way an auditor would: every table.

The tables are found by SQLAlchemy's inspection of the live database (Alembic's own table
included), not from a list kept here, so a table added later is searched too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, MetaData, Table, create_engine, func, inspect, select

from tests.e2e.conftest import E2E_DIRECTORY


@contextmanager
def directory() -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{E2E_DIRECTORY}")
    try:
        yield engine
    finally:
        engine.dispose()


def tables() -> list[str]:
    with directory() as engine:
        return inspect(engine).get_table_names()


def holding(needle: str) -> dict[str, list[str]]:
    """For each table with a row that has ``needle`` in any column: the columns it is in."""
    found: dict[str, list[str]] = {}
    with directory() as engine, engine.connect() as connection:
        for name in inspect(engine).get_table_names():
            table = Table(name, MetaData(), autoload_with=engine)
            for row in connection.execute(select(table)).mappings():
                columns = [c for c, v in row.items() if v is not None and needle in _text(v)]
                if columns:
                    found.setdefault(name, [])
                    found[name] += [c for c in columns if c not in found[name]]
    return found


def count_rows(name: str, **where: object) -> int:
    """How many rows of a table have these column values."""
    with directory() as engine, engine.connect() as connection:
        table = Table(name, MetaData(), autoload_with=engine)
        query = select(func.count()).select_from(table)
        for column, value in where.items():
            query = query.where(table.c[column] == value)
        return int(connection.execute(query).scalar_one())


def _text(value: object) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "replace")
    return str(value)
