"""The Telegram and WhatsApp gateways: people write here, Rasa answers through its REST channel.

One process (`python -m bot`) relays every message to Rasa under a keyed hash of the channel's
user id, renders Rasa's answers natively on each channel, and keeps how to reach a person only
for a handoff they agreed to, encrypted. See README.md, "Telegram and WhatsApp".
"""
