"""WhatsApp Cloud API: the webhook endpoints and message handling (`gateway`), the one call to
Meta (`api`), the 24-hour customer-service window (`window`) and the seen-message ids that keep
Meta's retries from being answered twice (`dedupe`). What the channels share is in `bot/`."""
