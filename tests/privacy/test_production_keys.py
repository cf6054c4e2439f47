"""The production profile starts only with production secrets of its own."""

from __future__ import annotations

import secrets
from pathlib import Path

from cryptography.fernet import Fernet

from privacy.keys import production_problems


def _production_env() -> dict[str, str]:
    return {
        "HASH_KEY": secrets.token_urlsafe(32),
        "RASA_TOKEN": secrets.token_urlsafe(32),
        "GATEWAY_INTERNAL_TOKEN": secrets.token_urlsafe(32),
        "ROUTE_KEY": Fernet.generate_key().decode(),
        "CONSOLE_SECRET_KEY": secrets.token_urlsafe(32),
    }


def test_secrets_of_its_own_pass(tmp_path: Path) -> None:
    assert production_problems(_production_env(), var_dir=tmp_path) == []


def test_a_development_key_copied_from_var_is_refused(tmp_path: Path) -> None:
    env = _production_env()
    (tmp_path / "hash_key").write_text(env["HASH_KEY"] + "\n")
    problems = production_problems(env, var_dir=tmp_path)
    assert len(problems) == 1 and problems[0].startswith("HASH_KEY is the development key")


def test_the_development_profile_and_missing_secrets_are_refused(tmp_path: Path) -> None:
    assert (
        "APP_PROFILE=development"
        in production_problems(
            {**_production_env(), "APP_PROFILE": "development"}, var_dir=tmp_path
        )[0]
    )
    env = _production_env()
    del env["ROUTE_KEY"]
    assert [p.split(" ")[0] for p in production_problems(env, var_dir=tmp_path)] == ["ROUTE_KEY"]
