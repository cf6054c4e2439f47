"""Conversation keys and the secrets every process checks at start (privacy/keys.py)."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from privacy import keys
from privacy.keys import KeyConfigError, conversation_key, hash_key_from_env

ROOT = Path(__file__).resolve().parents[2]
DEV = {keys.PROFILE_VARIABLE: keys.DEVELOPMENT}

SECRET = b"k" * 32


def test_key_is_stable_hex_and_not_the_raw_id() -> None:
    key = conversation_key("telegram", "100000000", SECRET)
    assert key == conversation_key("telegram", "100000000", SECRET)
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert "100000000" not in key


def test_key_differs_across_secrets_channels_and_users() -> None:
    base = conversation_key("telegram", "100000000", SECRET)
    assert conversation_key("telegram", "100000000", b"j" * 32) != base
    assert conversation_key("whatsapp", "100000000", SECRET) != base
    assert conversation_key("telegram", "100000001", SECRET) != base


def test_key_is_the_hmac_of_channel_and_id() -> None:
    expected = hmac.new(SECRET, b"telegram:100000000", hashlib.sha256).hexdigest()
    assert conversation_key("telegram", "100000000", SECRET) == expected


@pytest.mark.parametrize(
    ("channel", "user_id", "secret"),
    [("telegram", "1", b""), ("", "1", SECRET), ("a:b", "1", SECRET), ("telegram", "", SECRET)],
)
def test_key_refuses_unusable_input(channel: str, user_id: str, secret: bytes) -> None:
    with pytest.raises(ValueError):
        conversation_key(channel, user_id, secret)


def test_hash_key_comes_from_the_environment(tmp_path: Path) -> None:
    value = "s" * 40
    assert hash_key_from_env({"HASH_KEY": value, **DEV}, var_dir=tmp_path) == value.encode()
    assert list(tmp_path.iterdir()) == []  # no development key made


def test_missing_hash_key_is_an_error_that_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(KeyConfigError, match="HASH_KEY is not set.*secrets.token_urlsafe"):
        hash_key_from_env({}, var_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("profile", ["", "production", "Development "])
def test_development_keys_only_in_the_development_profile(tmp_path: Path, profile: str) -> None:
    with pytest.raises(KeyConfigError, match="make run"):
        hash_key_from_env({keys.PROFILE_VARIABLE: profile}, var_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_short_hash_key_is_refused_even_in_development(tmp_path: Path) -> None:
    with pytest.raises(KeyConfigError, match="shorter than 32"):
        hash_key_from_env({"HASH_KEY": "short", **DEV}, var_dir=tmp_path)


def test_development_key_is_made_once_and_private(tmp_path: Path) -> None:
    first = hash_key_from_env(DEV, var_dir=tmp_path)
    assert len(first) >= 32
    path = tmp_path / "hash_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert hash_key_from_env(DEV, var_dir=tmp_path) == first
    assert [p.name for p in tmp_path.iterdir()] == ["hash_key"]  # no temporary file left


def test_environment_wins_over_the_development_key(tmp_path: Path) -> None:
    hash_key_from_env(DEV, var_dir=tmp_path)
    value = "e" * 40
    assert hash_key_from_env({"HASH_KEY": value, **DEV}, var_dir=tmp_path) == value.encode()


@pytest.mark.parametrize(
    ("variable", "bad", "says"),
    [
        ("RASA_TOKEN", "t0ken", "shorter than 24"),
        ("GATEWAY_INTERNAL_TOKEN", "internal", "shorter than 24"),
        ("ROUTE_KEY", "not-a-fernet-key", "not a Fernet key"),
    ],
)
def test_every_secret_is_checked(tmp_path: Path, variable: str, bad: str, says: str) -> None:
    with pytest.raises(KeyConfigError, match=says):
        keys.secret(variable, {variable: bad}, var_dir=tmp_path)
    made = keys.secret(variable, DEV, var_dir=tmp_path)
    assert keys.SECRETS[variable].check(made) is None


def _start(command: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in keys.SECRETS}
    clean.pop(keys.PROFILE_VARIABLE, None)
    return subprocess.run(
        command, cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "command",
    [
        [str(ROOT / "scripts" / "run-actions")],
        [sys.executable, "-m", "bot"],
    ],
    ids=["action server", "gateway"],
)
def test_a_process_with_a_short_hash_key_exits_at_once_saying_what_to_do(
    command: list[str],
) -> None:
    started = _start(command, HASH_KEY="short", TELEGRAM_TOKEN="4242:TEST")
    assert started.returncode != 0
    assert "HASH_KEY is shorter than 32 characters" in started.stderr
    assert "secrets.token_urlsafe" in started.stderr


def test_outside_development_a_missing_key_stops_the_action_server() -> None:
    started = _start([str(ROOT / "scripts" / "run-actions")])
    assert started.returncode != 0
    assert "HASH_KEY is not set" in started.stderr and "make run" in started.stderr


def test_the_start_scripts_print_only_a_checked_token(tmp_path: Path) -> None:
    ok = _start([sys.executable, "-m", "privacy.keys", "print", "RASA_TOKEN"], RASA_TOKEN="r" * 30)
    assert (ok.returncode, ok.stdout.strip()) == (0, "r" * 30)
    weak = _start([sys.executable, "-m", "privacy.keys", "print", "RASA_TOKEN"], RASA_TOKEN="r")
    assert weak.returncode == 2 and weak.stdout == "" and "RASA_TOKEN" in weak.stderr
