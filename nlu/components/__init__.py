"""Custom Rasa NLU components. Loaded by the Rasa server (Python 3.10): keep them small,
and import nothing from the application packages (`referral_directory`, `actions`, `bot`)."""
