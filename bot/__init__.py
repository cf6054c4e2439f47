"""The Telegram and WhatsApp gateways: people write here, Rasa answers through its REST channel.

One process (`python -m bot`) relays every message to Rasa under a keyed hash of the channel's
user id, with the way back to the person sealed under ROUTE_KEY (the action keeps it only for a
handoff the person agreed to), and renders Rasa's answers natively on each channel. It holds no
data and opens no database. What the channels share is here; each channel is apart
(`bot.telegram`, `bot.whatsapp`). See README.md, "Telegram and WhatsApp".
"""
