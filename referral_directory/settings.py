"""Settings of the referral directory, read from the environment in this one module.

Nothing here is a secret. Where the database is (`DATABASE_URL`) is the store's setting
(store/settings.py), shared with casework.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The seed: public facts about real services, each value with its source (copied from the
#: programme's shared directory, retrieved 2026-11-23), so a fresh clone has it.
DEFAULT_SEED_DIR = Path(__file__).resolve().parent / "data" / "seed"

#: An entry not verified for longer than this is reported as stale by `validate`.
STALE_AFTER_DAYS = 180


def seed_dir() -> Path:
    """`DIRECTORY_SEED_DIR` or the seed in referral_directory/data/seed/."""
    value = os.environ.get("DIRECTORY_SEED_DIR", "").strip()
    return Path(value) if value else DEFAULT_SEED_DIR


def actor() -> str:
    """Who the audit trail names for edits made from this process (a staff login, not a user)."""
    return os.environ.get("DIRECTORY_ACTOR", "").strip() or "cli"
