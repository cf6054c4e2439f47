"""Custom actions served by rasa-sdk's action server (`python -m rasa_sdk --actions actions`)."""
