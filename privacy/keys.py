"""The secrets that keep people unlinkable, read and checked in one place.

`HASH_KEY` turns a channel's user id into the conversation key that the referral log, the
handoffs and Rasa's tracker keep; `RASA_TOKEN` guards Rasa's HTTP API (which can read and erase
trackers); `GATEWAY_INTERNAL_TOKEN` guards the gateway's internal endpoints (caseworker replies,
shared points); `ROUTE_KEY` seals a person's chat id or phone number for a consented handoff;
`CONSOLE_SECRET_KEY` signs the web console's session cookies and CSRF tokens.
Each process checks the ones it needs when it starts (`python -m privacy.keys check ...` in
scripts/run-*, `Settings.from_env` in the gateway) and stops with a message that says what to
do, before it serves anyone: a key found wanting mid-conversation would fail a person who asked
to have their data erased.

Development keys are made here and nowhere else, and only in the embedded development profile
(`APP_PROFILE=development`, which `make run` sets): kept once under var/ (ignored by git,
readable only by their owner) so the processes of one checkout agree. Anywhere else a missing
secret is an error, never a silent default.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

PROFILE_VARIABLE = "APP_PROFILE"
DEVELOPMENT = "development"
#: where development keys are kept: var/ at the root of the checkout (APP_VAR_DIR elsewhere)
VAR_DIR = Path(__file__).resolve().parents[1] / "var"

#: A shorter key would make the keyed hash of a low-entropy id (a phone number) guessable.
MIN_HASH_KEY_LENGTH = 32
#: Bearer tokens: long enough not to be guessed over the network.
MIN_TOKEN_LENGTH = 24


class KeyConfigError(RuntimeError):
    """A secret is missing or unusable; the message says how to fix it (never the value)."""


def _token() -> str:
    return secrets.token_urlsafe(32)


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def _check_fernet(value: str) -> str | None:
    from cryptography.fernet import Fernet

    try:
        for key in value.split(","):
            if key.strip():
                Fernet(key.strip().encode())
    except ValueError:
        return "is not a Fernet key (32 url-safe base64-encoded bytes)"
    return None


def _min_length(n: int) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        return None if len(value) >= n else f"is shorter than {n} characters"

    return check


@dataclass(frozen=True)
class Secret:
    variable: str
    #: what it is for, in the error message
    purpose: str
    dev_file: str
    make: Callable[[], str]
    check: Callable[[str], str | None]
    how: str


SECRETS: dict[str, Secret] = {
    s.variable: s
    for s in (
        Secret(
            "HASH_KEY",
            "the secret that turns channel user ids into conversation keys; keep it stable, or "
            "people lose their earlier conversation and the erasure of their data",
            "hash_key",
            _token,
            _min_length(MIN_HASH_KEY_LENGTH),
            "python -c 'import secrets; print(secrets.token_urlsafe(32))'",
        ),
        Secret(
            "RASA_TOKEN",
            "the token of Rasa's HTTP API, which can read and erase conversations",
            "rasa_token",
            _token,
            _min_length(MIN_TOKEN_LENGTH),
            "python -c 'import secrets; print(secrets.token_urlsafe(32))'",
        ),
        Secret(
            "GATEWAY_INTERNAL_TOKEN",
            "the token between the action server and the gateway (caseworker replies, points)",
            "gateway_token",
            _token,
            _min_length(MIN_TOKEN_LENGTH),
            "python -c 'import secrets; print(secrets.token_urlsafe(32))'",
        ),
        Secret(
            "ROUTE_KEY",
            "the Fernet key(s), newest first, that seal how to reach a person who agreed to a "
            "handoff; without the same key the routes of open handoffs cannot be read",
            "route_key",
            _fernet_key,
            _check_fernet,
            "python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'",
        ),
        Secret(
            "CONSOLE_SECRET_KEY",
            "the key that signs the web console's session cookies and CSRF tokens; changing it "
            "logs every caseworker and staff member out",
            "console_secret_key",
            _token,
            _min_length(MIN_HASH_KEY_LENGTH),
            "python -c 'import secrets; print(secrets.token_urlsafe(32))'",
        ),
    )
}


def development_profile(environ: Mapping[str, str] | None = None) -> bool:
    """Whether this is the embedded development profile, the only one with made-up keys."""
    env = os.environ if environ is None else environ
    return env.get(PROFILE_VARIABLE, "").strip() == DEVELOPMENT


def secret(
    variable: str, environ: Mapping[str, str] | None = None, *, var_dir: Path | None = None
) -> str:
    """The value of one of `SECRETS`: from the environment, checked; in the development profile
    a kept development value when unset; otherwise KeyConfigError saying what to do."""
    spec = SECRETS[variable]
    env = os.environ if environ is None else environ
    value = env.get(variable, "").strip()
    if value:
        problem = spec.check(value)
        if problem:
            raise KeyConfigError(f"{variable} {problem}: set it to e.g. the output of `{spec.how}`")
        return value
    if development_profile(env):
        folder = var_dir or Path(env.get("APP_VAR_DIR", "").strip() or VAR_DIR)
        return _development_value(spec, folder / spec.dev_file)
    raise KeyConfigError(
        f"{variable} is not set. It is {spec.purpose}. Set it to e.g. the output of "
        f"`{spec.how}`, or run `make run`, the development profile "
        f"({PROFILE_VARIABLE}={DEVELOPMENT}), which keeps development keys under var/."
    )


def hash_key_from_env(
    environ: Mapping[str, str] | None = None, *, var_dir: Path | None = None
) -> bytes:
    """The secret for `conversation_key` (HASH_KEY), as bytes."""
    return secret("HASH_KEY", environ, var_dir=var_dir).encode("utf-8")


def conversation_key(channel: str, user_id: str, secret: bytes) -> str:
    """The keyed hash (HMAC-SHA256, hex) of ``channel:user_id`` that stands for a person.

    A plain hash of a phone number or Telegram id can be reversed by hashing every possible
    id; with a secret key it cannot, so the referral log and tracker store may keep this value.
    The channel is part of the input so that the same id on two channels gives two keys. A
    channel may not contain ":" (that would make "a:b"+"c" and "a"+"b:c" collide).
    """
    if not secret:
        raise ValueError("conversation_key needs a non-empty secret (see hash_key_from_env)")
    if not channel or ":" in channel:
        raise ValueError("channel must be a non-empty name without ':'")
    if not user_id:
        raise ValueError("user_id must not be empty")
    message = f"{channel}:{user_id}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def _development_value(spec: Secret, path: Path) -> str:
    """Read the development value at ``path``, creating it (mode 0600) the first time.

    The new value is written to a private temporary file and hard-linked into place, which
    fails if the file already exists: two processes starting together end up with the same
    value, and nobody ever reads a half-written file.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # created 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(spec.make() + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            # FileExistsError: another process won the race, and its value is the one to use
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    value = path.read_text(encoding="utf-8").strip()
    if not value:
        raise KeyConfigError(f"{path} is empty: delete it to have a new development key made")
    problem = spec.check(value)
    if problem:
        raise KeyConfigError(f"{path} {problem}: delete it to have a new development key made")
    return value


def production_problems(
    environ: Mapping[str, str] | None = None, *, var_dir: Path | None = None
) -> list[str]:
    """What keeps this environment from being the production profile: the development profile
    asked for, a secret unset or unusable, or a secret that is this checkout's development key
    (copied from var/, it is known to anyone who had the checkout)."""
    env = os.environ if environ is None else environ
    if development_profile(env):
        return [f"{PROFILE_VARIABLE}={DEVELOPMENT} is the embedded profile: unset it"]
    folder = var_dir or Path(env.get("APP_VAR_DIR", "").strip() or VAR_DIR)
    problems = []
    for name, spec in SECRETS.items():
        try:
            value = secret(name, env)
        except KeyConfigError as exc:
            problems.append(str(exc))
            continue
        dev = folder / spec.dev_file
        if dev.exists() and dev.read_text(encoding="utf-8").strip() == value:
            problems.append(f"{name} is the development key of {dev}: set a key of its own")
    return problems


def main(argv: list[str] | None = None) -> int:
    """`python -m privacy.keys check NAME...` (exit 2 with the reason when one is unusable),
    `python -m privacy.keys print NAME` (for the start scripts: the value, on standard output)
    and `python -m privacy.keys production` (exit 2 unless every secret is a production one)."""
    args = sys.argv[1:] if argv is None else argv
    if args == ["production"]:
        problems = production_problems()
        for problem in problems:
            print(f"refusing to start the production profile: {problem}", file=sys.stderr)
        return 2 if problems else 0
    if len(args) < 2 or args[0] not in ("check", "print") or not set(args[1:]) <= set(SECRETS):
        print(f"usage: python -m privacy.keys check|print {'|'.join(SECRETS)}...", file=sys.stderr)
        return 64
    try:
        values = [secret(name) for name in args[1:]]
    except KeyConfigError as exc:
        print(f"refusing to start: {exc}", file=sys.stderr)
        return 2
    if args[0] == "print":
        print("\n".join(values))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
