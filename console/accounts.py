"""Accounts: argon2 hashes, creating and checking users. No default account exists."""

from __future__ import annotations

import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, func, select

from console.models import ROLES, ConsoleUser
from store import db

_hasher = PasswordHasher()
#: a dummy hash to verify against when the e-mail is unknown, so both cases take as long
_DUMMY_HASH = _hasher.hash("not-a-password-of-anyone")
MIN_PASSWORD_LENGTH = 12
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    """A user that cannot be created as asked."""


@dataclass(frozen=True)
class Account:
    """What a request needs of the signed-in user (Flask-Login's user object)."""

    id: str
    email: str
    role: str

    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    def get_id(self) -> str:
        return self.id

    def can(self, *roles: str) -> bool:
        """Admins may do everything; others what their role is named for."""
        return self.role == "admin" or self.role in roles


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def normal_email(email: str) -> str:
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise AccountError(f"{email!r} is not an e-mail address")
    return email


def create_user(email: str, role: str, password: str, *, engine: Engine | None = None) -> str:
    if role not in ROLES:
        raise AccountError(f"role {role!r}: use one of {', '.join(ROLES)}")
    email = normal_email(email)
    row = ConsoleUser(email=email, role=role, password_hash=hash_password(password), active=True)
    with db.session(engine) as s:
        if s.scalar(select(func.count()).where(ConsoleUser.email == email)):
            raise AccountError(f"there is already a user {email}")
        s.add(row)
    return row.id


def _account(row: ConsoleUser) -> Account:
    return Account(row.id, row.email, row.role)


def authenticate(email: str, password: str, *, engine: Engine | None = None) -> Account | None:
    """The account when the password is right and the account active, else None."""
    with db.session(engine) as s:
        row = s.scalars(
            select(ConsoleUser).where(ConsoleUser.email == email.strip().lower())
        ).first()
        try:
            _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or not row.active:
            return None
        if _hasher.check_needs_rehash(row.password_hash):
            row.password_hash = _hasher.hash(password)
        return _account(row)


def load(user_id: str, *, engine: Engine | None = None) -> Account | None:
    with db.session(engine) as s:
        row = s.get(ConsoleUser, user_id)
        return _account(row) if row is not None and row.active else None
