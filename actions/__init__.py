"""Custom actions served by rasa-sdk's action server, in one process (`python -m actions.serve`)."""
