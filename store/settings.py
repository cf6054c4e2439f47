"""Where the data lives, read from the environment in this one module.

`DATABASE_URL` may carry a password in production, so it comes from the environment and is
never written to the repository or to a log. The directory, casework and content share one
database and one migration history (store/migrations).
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

#: Embedded default: one SQLite file under var/ (ignored by git), no server to install.
DEFAULT_DATABASE_URL = f"sqlite:///{REPO_ROOT / 'var' / 'directory.sqlite'}"


def database_url() -> str:
    """`DATABASE_URL` (e.g. postgresql+psycopg://user@host/db) or the SQLite file under var/."""
    url = os.environ.get("DATABASE_URL", "").strip()
    return url or DEFAULT_DATABASE_URL
