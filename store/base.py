"""The declarative base every table of the application shares: one metadata, one history.

The directory's HSDS tables and casework's tables live in one database and one Alembic
history (store/migrations), so they share a base whose constraint names are predictable and
revisions can drop and alter them on every backend.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

#: Predictable constraint names, so that revisions can drop and alter them on every backend.
NAMING_CONVENTION: Final = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
