"""The gateway's settings, read from the environment in this one module (house rule 8).

Why one frozen dataclass per channel: a channel is either wholly configured or not started, and
a half-configured one is an error that names the missing variables, so nobody runs a WhatsApp
webhook without its app secret by accident. Secrets are held here and nowhere else; `__repr__`
never shows them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from privacy import keys

DEFAULT_RASA_URL = "http://127.0.0.1:5005"
DEFAULT_PORT = 8081
DEFAULT_TELEGRAM_BASE_URL = "https://api.telegram.org/bot"
#: The Graph API version is part of the base address, so a deployment moves to a newer one by
#: changing WHATSAPP_GRAPH_URL alone.
DEFAULT_GRAPH_URL = "https://graph.facebook.com/v21.0"

_Getter = Callable[[str], "str | None"]


class SettingsError(RuntimeError):
    """The environment does not describe a runnable gateway; the message says what to set."""


@dataclass(frozen=True)
class TelegramSettings:
    """Telegram: polling unless a public webhook URL is given (then the secret is mandatory)."""

    token: str = field(repr=False)
    base_url: str = DEFAULT_TELEGRAM_BASE_URL
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)

    @property
    def webhook(self) -> bool:
        """Whether Telegram posts updates to us (True) or we poll for them (False)."""
        return self.webhook_url is not None


@dataclass(frozen=True)
class WhatsAppSettings:
    """WhatsApp Cloud API: all four credentials, or the channel is off."""

    token: str = field(repr=False)
    phone_number_id: str
    app_secret: str = field(repr=False)
    verify_token: str = field(repr=False)
    graph_url: str = DEFAULT_GRAPH_URL
    #: an approved message template for caseworker follow-ups outside the 24-hour window
    followup_template: str | None = None


@dataclass(frozen=True)
class Settings:
    """Everything the gateway process needs; build it with `from_env` (tests build it directly)."""

    hash_key: bytes = field(repr=False)
    #: Fernet keys (urlsafe base64, 32 bytes); the first seals, all open (rotation). Empty
    #: (ROUTE_KEY unset): no reply route travels with the messages, caseworker replies are off
    route_keys: tuple[str, ...] = field(repr=False)
    rasa_url: str = DEFAULT_RASA_URL
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    telegram: TelegramSettings | None = None
    whatsapp: WhatsAppSettings | None = None
    #: bearer token of POST /internal/handoff-reply, POST /internal/handoff-closed and GET
    #: /internal/point/{token} (the action server holds the same one); all are off without it,
    #: and shared points are not kept
    internal_token: str | None = field(default=None, repr=False)
    #: seconds for Rasa's whole answer, retries included (the person is promised one in 10)
    #: Redis (the production profile): the ids of answered webhooks outlive a restart there
    redis_url: str | None = field(default=None, repr=False)
    #: the Redis keys' prefix: REDIS_KEY_PREFIX (the lock store's) + "gateway-seen:"
    seen_prefix: str = "gateway-seen:"
    rasa_timeout: float = 9.0
    rasa_attempts: int = 3
    rasa_backoff: float = 0.5

    @property
    def channels(self) -> list[str]:
        """The configured channels, for the start-up line and `make run`."""
        return [
            name for name, on in (("telegram", self.telegram), ("whatsapp", self.whatsapp)) if on
        ]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the gateway's environment variables (README.md lists them)."""
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        return cls(
            hash_key=keys.hash_key_from_env(env),
            route_keys=route_keys_from_env(env),
            rasa_url=(get("RASA_URL") or DEFAULT_RASA_URL).rstrip("/"),
            host=get("GATEWAY_HOST") or "127.0.0.1",
            port=_int(get("GATEWAY_PORT"), DEFAULT_PORT, "GATEWAY_PORT"),
            telegram=_telegram(get),
            whatsapp=_whatsapp(get),
            internal_token=get("GATEWAY_INTERNAL_TOKEN"),
            redis_url=get("REDIS_URL"),
            seen_prefix=(get("REDIS_KEY_PREFIX") or "") + "gateway-seen:",
        )


def _int(value: str | None, default: int, name: str) -> int:
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {value!r}") from None


def _telegram(get: _Getter) -> TelegramSettings | None:
    token = get("TELEGRAM_TOKEN")
    if token is None:
        return None
    webhook_url = get("TELEGRAM_WEBHOOK_URL")
    secret = get("TELEGRAM_WEBHOOK_SECRET")
    if webhook_url and not secret:
        raise SettingsError(
            "TELEGRAM_WEBHOOK_URL is set but TELEGRAM_WEBHOOK_SECRET is not: webhook mode needs a "
            "secret (1-256 characters of A-Z, a-z, 0-9, _ and -) so forged updates get 403"
        )
    return TelegramSettings(
        token=token,
        base_url=get("TELEGRAM_BASE_URL") or DEFAULT_TELEGRAM_BASE_URL,
        webhook_url=webhook_url,
        webhook_secret=secret,
    )


def _whatsapp(get: _Getter) -> WhatsAppSettings | None:
    names = (
        "WHATSAPP_TOKEN",
        "WHATSAPP_PHONE_NUMBER_ID",
        "WHATSAPP_APP_SECRET",
        "WHATSAPP_VERIFY_TOKEN",
    )
    values = {name: get(name) for name in names}
    if not any(values.values()):
        return None
    missing = [name for name, value in values.items() if value is None]
    if missing:
        raise SettingsError(f"WhatsApp is half configured: set {', '.join(missing)} as well")
    return WhatsAppSettings(
        token=str(values["WHATSAPP_TOKEN"]),
        phone_number_id=str(values["WHATSAPP_PHONE_NUMBER_ID"]),
        app_secret=str(values["WHATSAPP_APP_SECRET"]),
        verify_token=str(values["WHATSAPP_VERIFY_TOKEN"]),
        graph_url=(get("WHATSAPP_GRAPH_URL") or DEFAULT_GRAPH_URL).rstrip("/"),
        followup_template=get("WHATSAPP_FOLLOWUP_TEMPLATE"),
    )


def route_keys_from_env(
    environ: Mapping[str, str] | None = None, var_dir: Path | None = None
) -> tuple[str, ...]:
    """``ROUTE_KEY``: comma-separated Fernet keys, newest first (the first seals, all open).

    Production sets ROUTE_KEY and keeps it: without it the sealed reply routes of open handoffs
    cannot be read. Only the development profile makes one up (privacy/keys.py, var/route_key).
    """
    value = keys.secret("ROUTE_KEY", environ, var_dir=var_dir)
    return tuple(key.strip() for key in value.split(",") if key.strip())
