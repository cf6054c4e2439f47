# The entry point for people and CI: `make run` and `make test` are all a newcomer needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

RASA_VENV := .venv-rasa
APP_VENV  := .venv
RASA_PY   := $(RASA_VENV)/bin/python
APP_PY    := $(APP_VENV)/bin/python
RASA      := RASA_TELEMETRY_ENABLED=false $(RASA_VENV)/bin/rasa
RASA_TRAIN = $(DETERMINISTIC) $(RASA)
RASA_STAMP := $(RASA_VENV)/.installed
APP_STAMP  := $(APP_VENV)/.installed
MODEL     := models/current.tar.gz
LOOKUPS   := nlu/data/lookups/places.yml
TRAINING_INPUTS := config.yml domain.yml $(LOOKUPS) \
	$(shell find nlu/data nlu/components nlu/safety -name '*.yml' -o -name '*.py' 2>/dev/null)
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export TF_CPP_MIN_LOG_LEVEL := 2

# Reproducible training: the same data and config give the same model, and so the same
# figures, on any machine of this kind. Python's hash seed fixes the order of Rasa's sets of
# examples; TensorFlow runs its deterministic kernels on a fixed number of threads, and without
# oneDNN, whose kernels pick code paths (and rounding) by the CPU they find. Every component
# that takes a `random_seed` has one in config.yml and nlu/configs/. Scoring uses the same.
DETERMINISTIC := PYTHONHASHSEED=0 TF_DETERMINISTIC_OPS=1 TF_ENABLE_ONEDNN_OPTS=0 \
	TF_INTER_OP_PARALLELISM_THREADS=1 TF_INTRA_OP_PARALLELISM_THREADS=2

.PHONY: help setup generate train run test test-unit test-console validate test-stories eval \
	check-leakage compare compare-language lint lock clean console-messages run-production purge \
	directory-init bench-directory bench-console bench-reports bench audit audit-where-reachable

help:
	@echo "make run    set up what is missing, train if needed, start Rasa + action server"
	@echo "make test   unit tests, data validation, test stories, NLU evaluation, stack test"
	@echo "make train | eval | compare | lint | generate | setup | lock | clean"
	@echo "make run-production (PostgreSQL, Redis, 2 replicas: docs/deploy.md) | purge (retention)"
	@echo "make test-console (browser tests of the console) | console-messages (gettext catalogues)"

## --- environments ---------------------------------------------------------------
setup: $(RASA_STAMP) $(APP_STAMP)

$(RASA_STAMP): requirements/rasa.in requirements/rasa.lock
	@py=$$(scripts/find-python 3.10) || exit 1; \
	if [ ! -x $(RASA_PY) ]; then echo "creating $(RASA_VENV) with $$py"; "$$py" -m venv $(RASA_VENV); fi
	$(RASA_PY) -m pip install -q -r requirements/rasa.in -c requirements/rasa.lock
	@touch $@

$(APP_STAMP): requirements/app.in requirements/app.lock
	@py=$$(scripts/find-python 3.12 3.13 3.11) || exit 1; \
	if [ ! -x $(APP_PY) ]; then echo "creating $(APP_VENV) with $$py"; "$$py" -m venv $(APP_VENV); fi
	$(APP_PY) -m pip install -q -r requirements/app.in -c requirements/app.lock
	@touch $@

# Re-pin both environments from the .in files (then commit the .lock files).
lock:
	rm -rf $(RASA_VENV) $(APP_VENV) requirements/*.lock
	touch requirements/rasa.lock requirements/app.lock
	$(MAKE) setup
	$(RASA_PY) -m pip freeze > requirements/rasa.lock
	$(APP_PY) -m pip freeze > requirements/app.lock

## --- data and model -------------------------------------------------------------
generate: $(APP_STAMP)
	$(APP_PY) -m tools.nlu_export

$(LOOKUPS): referral_directory/data/places.yaml tools/nlu_export.py | $(APP_STAMP)
	$(APP_PY) -m tools.nlu_export

# Trains only when the training data, the config, the domain or a component changed.
$(MODEL): $(RASA_STAMP) $(TRAINING_INPUTS)
	$(RASA_TRAIN) train --config config.yml --domain domain.yml --data nlu/data \
		--out models --fixed-model-name current
	@touch $@

train: $(MODEL)

## --- benchmarks ---------------------------------------------------------------------
# docs/benchmarks.md and docs/bench/*.png (tools/bench.py): NLU against Rasa's default
# pipeline, REST latency at 1/8/32 at once and the 200-conversation load test on the embedded
# and production profiles, SANIC_WORKERS, memory, start time, directory search. Slow (30 min and
# more); BENCH=latency,load make bench runs parts. Uses the machine's PostgreSQL and Redis.
bench: $(APP_STAMP) $(MODEL)
	$(APP_PY) -m tools.bench --out docs/benchmarks.md

## --- referral directory -------------------------------------------------------------
# Migrate (Alembic) and load the seed into DATABASE_URL, else var/directory.sqlite. Idempotent.
DIRECTORY_DB := var/directory.sqlite
DIRECTORY_INPUTS := $(wildcard store/migrations/versions/*.py) \
	referral_directory/data/places.yaml referral_directory/data/seed/services.yaml

directory-init: $(APP_STAMP)
	$(APP_PY) -m referral_directory init

$(DIRECTORY_DB): $(DIRECTORY_INPUTS) | $(APP_STAMP)
	DATABASE_URL= $(APP_PY) -m referral_directory init
	@touch $@

# Search p50/p95 with 1k, 10k, 100k generated services on SQLite and PostgreSQL (slow).
bench-directory: $(APP_STAMP)
	$(APP_PY) -m tools.bench_directory --out reports/directory_benchmark.md

# /hsds/services p50/p95 at 1k and 10k services; a year of reports over 100k referral rows.
bench-reports: $(APP_STAMP) $(CONSOLE_MO)
	$(APP_PY) -m tools.bench_reports --out reports/reports_benchmark.md

## --- web console ------------------------------------------------------------------
# The gettext catalogues (Spanish first, English): .po and compiled .mo are committed; a .po
# edited is compiled again here. `make console-messages` extracts new strings into both.
CONSOLE_I18N := console/translations
CONSOLE_MO := $(CONSOLE_I18N)/es/LC_MESSAGES/messages.mo $(CONSOLE_I18N)/en/LC_MESSAGES/messages.mo

$(CONSOLE_I18N)/%/LC_MESSAGES/messages.mo: $(CONSOLE_I18N)/%/LC_MESSAGES/messages.po | $(APP_STAMP)
	$(APP_VENV)/bin/pybabel compile -i $< -o $@ -l $*

# Page-load figures of the handoff queue with 1,000 open handoffs (a measurement, not a test).
bench-console: $(APP_STAMP) $(CONSOLE_MO)
	$(APP_PY) -m tools.bench_console --handoffs 1000 --out reports/console_benchmark.md

console-messages: $(APP_STAMP)
	$(APP_VENV)/bin/pybabel extract -F console/babel.cfg -k lazy_gettext --no-location \
		--sort-output --project console -o $(CONSOLE_I18N)/messages.pot console
	$(APP_VENV)/bin/pybabel update -i $(CONSOLE_I18N)/messages.pot -d $(CONSOLE_I18N) \
		--ignore-pot-creation-date --ignore-obsolete --no-fuzzy-matching
	$(MAKE) --no-print-directory $(CONSOLE_MO)

## --- run ------------------------------------------------------------------------
# The gateway (bot/) starts only when a channel is configured.
GATEWAY_CHANNELS := $(strip $(if $(TELEGRAM_TOKEN),Telegram) $(if $(WHATSAPP_TOKEN),WhatsApp))

run: setup $(MODEL) $(CONSOLE_MO) $(if $(DATABASE_URL),directory-init,$(DIRECTORY_DB))
	@echo "Rasa: http://127.0.0.1:5005 (REST channel: /webhooks/rest/webhook; API token: scripts/rasa-token)"
	@echo "Action server: http://127.0.0.1:5055   Ctrl-C stops everything."
	@echo "Console: http://127.0.0.1:$${CONSOLE_PORT:-8000} (first account: .venv/bin/python -m console create-user you@example.org --role admin)"
	@if [ -n "$(GATEWAY_CHANNELS)" ]; then echo "Gateway ($(GATEWAY_CHANNELS)): http://127.0.0.1:$${GATEWAY_PORT:-8081} (README: Telegram and WhatsApp)"; \
	else echo "Telegram and WhatsApp: not configured (set TELEGRAM_TOKEN and/or WHATSAPP_*): gateway not started"; fi
	APP_PROFILE=development $(APP_VENV)/bin/python -m tools.supervise Procfile rasa actions console $(if $(GATEWAY_CHANNELS),gateway)

# The production profile (scripts/run-production, docs/deploy.md): chosen by the environment
# alone (DATABASE_URL, TRACKER_STORE_URL, REDIS_URL, secrets); two Rasa replicas and two
# action servers behind HAProxy on 127.0.0.1:5005, the gateway, the console, the daily purge.
run-production: setup $(MODEL) $(CONSOLE_MO)
	scripts/run-production

# Retention: conversations and closed handoffs older than RETENTION_DAYS (30) deleted.
purge: $(APP_STAMP)
	scripts/purge

## --- quality --------------------------------------------------------------------
test: setup lint audit-where-reachable test-unit test-console validate test-stories eval
	$(APP_PY) -m pytest -q tests/e2e
	$(APP_PY) -m pytest -q tests/production

test-unit: setup
	$(APP_PY) -m tools.nlu_export --check
	$(MAKE) --no-print-directory check-leakage
	$(APP_PY) -m pytest -q tests/store tests/privacy tests/content tests/casework tests/directory tests/tools
	$(APP_PY) -m pytest -q tests/actions tests/gateways
	$(RASA_PY) -m pytest -q -p no:cacheprovider tests/nlu
	$(RASA_PY) -m pytest -q -p no:cacheprovider -W ignore::DeprecationWarning tests/rasa_stores

# The console in Debian's headless Chromium (/usr/bin/chromium; the tests fail without it).
test-console: $(APP_STAMP) $(CONSOLE_MO)
	$(APP_PY) -m pytest -q tests/console

validate: $(RASA_STAMP)
	$(RASA) data validate --config config.yml --domain domain.yml --data nlu/data --fail-on-warnings

test-stories: $(MODEL)
	$(RASA_TRAIN) test core --model $(MODEL) --stories tests/stories \
		--fail-on-prediction-errors --out reports/stories

# Every evaluation set scored on its own, each figure against its guard in nlu/guards.yml
# (set under the worst of three seeds: `make compare`); the blind sets make the headline,
# tests/nlu_fresh is the second blind set (2026-12-04), written after the first one was studied.
EVAL_SETS := tests/nlu_blind tests/nlu_test tests/nlu_dev tests/nlu_fresh
eval: $(MODEL)
	$(DETERMINISTIC) $(RASA_PY) -m nlu.evaluate --model $(MODEL) --test-data $(EVAL_SETS) \
		--out reports --guards nlu/guards.yml

# No evaluation message in, or near, the training data or another set (nlu/leakage.py).
check-leakage: $(RASA_STAMP)
	$(RASA_PY) -m nlu.leakage --training nlu/data/nlu --sets $(EVAL_SETS)

# Language identification: lingua, py3langid and fastText alone against our LanguageDetector,
# one message at a time with no context, on every evaluation set (reports/language_id.md).
compare-language: $(RASA_STAMP)
	$(RASA_PY) -m nlu.language_compare $(EVAL_SETS) --out reports/language_id.md

# Pipeline comparison, three seeds each, chosen on the development set (slow: 3 trainings a config).
compare: $(RASA_STAMP)
	$(DETERMINISTIC) $(RASA_PY) -m nlu.compare --configs nlu/configs --test-data $(EVAL_SETS) --out reports

# Known vulnerabilities in both lock files (tools/audit.py: pip-audit with OSV, failing on one in
# a package requirements/*.in names). api.osv.dev does not resolve from the development
# machines and PyPI's per-version JSON answers 404 there: `make audit` then fails for want of
# data, as it should when asked for on purpose.
audit: $(APP_STAMP)
	$(APP_PY) -m tools.audit

# `make test`'s audit: the same, where the vulnerability service can be reached at all; where
# nothing answers (these machines and their CI) it says so in one line and passes.
audit-where-reachable: $(APP_STAMP)
	$(APP_PY) -m tools.audit --where-reachable

lint: setup
	$(APP_VENV)/bin/ruff format --check .
	$(APP_VENV)/bin/ruff check .
	$(APP_VENV)/bin/mypy
	$(APP_VENV)/bin/lint-imports

clean:
	rm -rf models reports/stories .pytest_cache
