"""Casework's tables live in the directory's database: the same migrated databases, on SQLite
and on PostgreSQL (tests/directory/conftest.py says how, and when PostgreSQL may be skipped)."""

from tests.directory.conftest import fresh, make_db, seeded  # noqa: F401
