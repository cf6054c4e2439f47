"""The retention test needs the migrated databases of the directory tests (both backends)."""

from tests.directory.conftest import fresh, make_db, seeded  # noqa: F401
