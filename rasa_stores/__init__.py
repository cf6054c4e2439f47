"""What Rasa loads by module path in the production profile (endpoints.production.yml,
credentials.production.yml): a tracker store that scrubs before it writes, a lock store whose
tickets are atomic on Redis, and a REST channel that says "try again" when the tracker store
cannot be read (both profiles), refuses a body that is not a JSON object with a 400, and checks
the action server's answers with a schema compiled once (action_validation.py). It runs
inside Rasa's environment (.venv-rasa) and imports of the application only the scrubbing rules
(privacy/) and the gateway's fallback texts (bot/texts.py)."""
