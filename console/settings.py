"""The console's configuration, read from the environment in this one module."""

from __future__ import annotations

import os
from dataclasses import dataclass

from privacy import keys

#: a signed-in session lasts this long, then the caseworker signs in again
SESSION_HOURS = 8


@dataclass(frozen=True)
class Settings:
    secret_key: str
    gateway_url: str
    #: the gateway's internal token; empty: replies cannot be sent (the page says so)
    gateway_token: str
    #: failed sign-ins allowed per address and e-mail (Flask-Limiter syntax)
    login_limit: str = "5 per minute;20 per hour"
    #: failed sign-ins allowed per address, whatever the e-mail
    address_limit: str = "50 per hour"
    #: cookies only over HTTPS (off in the development profile, which serves plain HTTP)
    secure_cookies: bool = True
    #: where the try-the-bot page reaches Rasa's REST channel (RASA_URL, as the gateway's)
    rasa_url: str = "http://127.0.0.1:5005"

    @classmethod
    def from_env(cls) -> Settings:
        """KeyConfigError (with what to do) when CONSOLE_SECRET_KEY is missing or too short;
        in the development profile (`make run`) a key is kept under var/."""
        token = os.environ.get("GATEWAY_INTERNAL_TOKEN", "").strip()
        if not token and keys.development_profile():
            token = keys.secret("GATEWAY_INTERNAL_TOKEN")
        return cls(
            secret_key=keys.secret("CONSOLE_SECRET_KEY"),
            gateway_url=os.environ.get(
                "GATEWAY_URL", f"http://127.0.0.1:{os.environ.get('GATEWAY_PORT', '8081')}"
            ).rstrip("/"),
            gateway_token=token,
            login_limit=os.environ.get("CONSOLE_LOGIN_LIMIT", "").strip()
            or "5 per minute;20 per hour",
            secure_cookies=not keys.development_profile(),
            rasa_url=os.environ.get("RASA_URL", "").strip().rstrip("/") or "http://127.0.0.1:5005",
        )
