# The production profile's two images (docker-compose.yml, docs/deploy.md), from the lock files:
#   rasa: Rasa 3.6.21 on Python 3.10 with the project's NLU components and stores
#   app:  the action server, gateway, console and retention job on Python 3.12
FROM python:3.10-slim-bookworm AS rasa
WORKDIR /app
COPY requirements/rasa.in requirements/rasa.lock requirements/
RUN python -m venv .venv-rasa && .venv-rasa/bin/pip install --no-cache-dir \
    -r requirements/rasa.in -c requirements/rasa.lock
COPY requirements/app.in requirements/app.lock requirements/
# scripts/run-rasa reads the API token through privacy/keys.py in the application environment
RUN python -m venv .venv && .venv/bin/pip install --no-cache-dir cryptography==$(grep -i '^cryptography==' requirements/app.lock | cut -d= -f3)
COPY . .
ENV RASA_TELEMETRY_ENABLED=false LOG_LEVEL=INFO \
    RASA_ENDPOINTS=endpoints.production.yml RASA_CREDENTIALS=credentials.production.yml
USER 1000
CMD ["scripts/run-rasa"]

FROM python:3.12-slim-bookworm AS app
WORKDIR /app
COPY requirements/app.in requirements/app.lock requirements/
RUN python -m venv .venv && .venv/bin/pip install --no-cache-dir \
    -r requirements/app.in -c requirements/app.lock
COPY . .
USER 1000
CMD ["scripts/run-actions"]
