"""Alembic environment: runs revisions on the engine the code passes in, or on DATABASE_URL."""

from __future__ import annotations

import logging.config

from alembic import context
from sqlalchemy import Engine

# every table joins the one metadata when its module is imported
import casework  # noqa: F401
import console.models  # noqa: F401
import referral_directory.models  # noqa: F401
from store import db
from store.base import Base

config = context.config
if config.config_file_name is not None and not config.attributes.get("engine"):
    # only when run as the `alembic` command: the application keeps its own logging
    logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def run_migrations_online() -> None:
    eng: Engine = config.attributes.get("engine") or db.engine()
    with eng.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) mode is not supported: give a database")
run_migrations_online()
