"""The console's tables: built by migration 0007 exactly as the models say."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import casework  # noqa: F401
import console.models  # noqa: F401
import referral_directory.models  # noqa: F401
from store import db
from store.base import Base


def test_models_and_migrations_agree(tmp_path: Path) -> None:
    eng = db.engine(f"sqlite:///{tmp_path / 'models.sqlite'}")
    db.migrate(eng)
    with eng.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    assert diff == []
    command.downgrade(db.alembic_config(eng), "0006")  # and back
    db.migrate(eng)
