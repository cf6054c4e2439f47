"""Telegram, through python-telegram-bot: the gateway's handlers and lifecycle (`gateway`) and
the per-chat rate limiter it gives the Bot API client (`limiter`). What the channels share
(relay to Rasa, rendering, texts, identity, settings) is in `bot/` itself."""
