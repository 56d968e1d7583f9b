# Luohu one-click sports booking. `make run` for the quick start, `make test` for the whole suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# Tests prove correctness on PostgreSQL; pytest-django creates and drops test_<name>.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/luohu
TEST_REDIS_URL ?= redis://127.0.0.1:6379/13
PYTEST_ARGS ?=

.PHONY: help setup run serve migrate demo messages test test-sqlite test-clock test-deps services bench faults lint typecheck fmt clean

help:
	@echo "make run    - quick start on SQLite: install, migrate, load demo data, serve :$(PORT)"
	@echo "make test   - install everything the suite needs and run it on PostgreSQL (+ SQLite part)"
	@echo "make test-clock - the suite under pinned clocks: midnight, end of week, release time"
	@echo "make serve  - production server (gunicorn, tuned config) on HOST:PORT from the environment"
	@echo "make bench  - flash-crowd and feed benchmarks (see bench/README.md)"
	@echo "make faults - the rush under injected faults; restarts this machine's PostgreSQL (bench/README.md)"
	@echo "make lint   - ruff and mypy (make typecheck: mypy alone; booking/ is strict)"
	@echo "make fmt    - ruff fix and format"

$(PY):
	@PYTHON=$$(scripts/find-python.sh) && echo "Using $$PYTHON" && $$PYTHON -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[dev]'
	@touch $@

setup: $(VENV)/.installed

migrate: setup
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo
	$(PY) manage.py load_ballot_demo

# Translations: the compiled .mo files are committed; rebuilt here when missing (needs gettext).
messages: setup
	@ls locale/*/LC_MESSAGES/django.mo >/dev/null 2>&1 || $(PY) manage.py compilemessages --ignore=.venv -v0

# The quick start is a development server: DEBUG=1 (SQLite, a development SECRET_KEY and
# check-in key, local host names, plain HTTP) for runserver and the migrate and demo steps it
# runs first. `make migrate` or `make serve` alone take the environment as it is (production).
run: export DEBUG = 1
# Mails (sent with no request) link to HOST:PORT when SITE_URL is unset (common/urls.py).
run: export HOST := $(HOST)
run: export PORT := $(PORT)
# Paid slots work too: scripts/quickstart_stripe.py runs localstripe (a fake Stripe server, dev
# extra) on 127.0.0.1:$(LOCALSTRIPE_PORT) for as long as runserver runs, with its webhook pointed
# at it and the STRIPE_* test settings exported (LOCALSTRIPE=0, or a STRIPE_SECRET_KEY set: not).
run: export LOCALSTRIPE_PORT ?= 8420
run: demo messages
	@echo ""
	@echo "Serving http://$(HOST):$(PORT)/  (API docs: http://$(HOST):$(PORT)/api/docs/)"
	$(PY) scripts/quickstart_stripe.py --webhook-url http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)/api/v1/payments/stripe/webhook/ \
	  -- $(PY) manage.py runserver $(HOST):$(PORT)

serve: setup
	$(PY) manage.py collectstatic --noinput -v0
	HOST=$(HOST) PORT=$(PORT) $(VENV)/bin/gunicorn -c config/gunicorn.py config.wsgi

services:
	@scripts/ensure-services.sh

test-deps: setup
	@scripts/ensure-test-deps.sh

test: test-deps services typecheck
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(VENV)/bin/pytest $(PYTEST_ARGS)
	$(MAKE) test-sqlite

# The quick-start database: everything but real-connection concurrency, PostgreSQL's own
# backend and browser tests.
test-sqlite: setup
	DATABASE_URL=sqlite:///$(CURDIR)/.test-sqlite.db REDIS_URL= $(VENV)/bin/pytest -m "not concurrency and not e2e and not postgres" -q -p no:randomly $(PYTEST_ARGS)

# The suite without browser and concurrency tests (their other processes keep the real clock),
# once per pinned instant: every test starts at it (LUOHU_TEST_NOW, tests/conftest.py). Saturday
# 22:30 (the evening that once failed), 23:59:30 and 00:00:30 into Sunday and into Monday (the
# end of a week), a 12:00 release ±1 min, an ordinary 10:00. Slow: not part of `make test`.
CLOCK_INSTANTS ?= 2026-12-05T22:30:00+08:00 2026-12-05T23:59:30+08:00 2026-12-06T00:00:30+08:00 \
	2026-12-06T23:59:30+08:00 2026-12-07T00:00:30+08:00 2026-12-08T11:59:00+08:00 \
	2026-12-08T12:01:00+08:00 2026-12-09T10:00:00+08:00
test-clock: test-deps services
	@failed=""; for now in $(CLOCK_INSTANTS); do echo "== LUOHU_TEST_NOW=$$now"; \
	  LUOHU_TEST_NOW=$$now DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
	    $(VENV)/bin/pytest -m "not e2e and not concurrency" -q -p no:randomly $(PYTEST_ARGS) \
	    || failed="$$failed $$now"; \
	done; if [ -n "$$failed" ]; then echo "failed at:$$failed"; exit 1; fi

bench: setup services
	$(PY) bench/flash_crowd.py
	$(PY) bench/feeds.py

# Not part of `make test` or `make bench`: it restarts the machine's PostgreSQL cluster once
# (FAULTS_ARGS="--faults baseline,redis_stop" to choose; see bench/README.md, "Faults").
FAULTS_ARGS ?=
faults: setup services
	$(PY) bench/faults.py $(FAULTS_ARGS)

lint: setup typecheck
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# mypy with the Django and DRF plugins; strict for booking/ (see [tool.mypy] in pyproject.toml).
typecheck: setup
	$(VENV)/bin/mypy

fmt: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache test-artifacts .test-sqlite.db
