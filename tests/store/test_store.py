"""The store: one migration history builds every table the models declare, on a fresh file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

import casework
import referral_directory.models
from store import db, settings
from store.base import Base


def test_one_history_builds_the_directory_and_casework_tables(tmp_path: Path) -> None:
    engine = db.engine(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    db.migrate(engine)
    built = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert built == set(Base.metadata.tables)
    assert casework.Handoff.__tablename__ in built
    assert referral_directory.models.Service.__tablename__ in built


def test_database_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert settings.database_url() == settings.DEFAULT_DATABASE_URL
    assert settings.DEFAULT_DATABASE_URL.endswith("var/directory.sqlite")
    monkeypatch.setenv("DATABASE_URL", " postgresql+psycopg://user@db.example.org/x ")
    assert settings.database_url() == "postgresql+psycopg://user@db.example.org/x"
