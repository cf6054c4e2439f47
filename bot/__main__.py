"""``python -m bot``: the Telegram and WhatsApp gateway, configured from the environment.

With no channel configured it says so and exits 0 (scripts/run-gateway keeps `make run` going).
"""

from __future__ import annotations

import logging
import sys

from bot.logs import configure
from bot.server import Gateway
from bot.settings import Settings, SettingsError

logger = logging.getLogger("bot")


def main() -> int:
    try:
        settings = Settings.from_env()
    except (SettingsError, RuntimeError) as exc:
        print(f"gateway: {exc}", file=sys.stderr)
        return 2
    secrets = [settings.internal_token or "", *settings.route_keys]
    if settings.telegram:
        secrets += [settings.telegram.token, settings.telegram.webhook_secret or ""]
    if settings.whatsapp:
        secrets += [
            settings.whatsapp.token,
            settings.whatsapp.app_secret,
            settings.whatsapp.verify_token,
        ]
    configure(secrets)
    if not settings.channels:
        logger.info(
            "no channel configured: set TELEGRAM_TOKEN and/or the WHATSAPP_* variables "
            "(README.md, 'Telegram and WhatsApp'); the gateway is not started"
        )
        return 0
    Gateway(settings).server().run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
