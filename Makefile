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

.PHONY: help setup run serve migrate demo messages test test-sqlite test-deps services bench lint typecheck fmt clean

help:
	@echo "make run    - quick start on SQLite: install, migrate, load demo data, serve :$(PORT)"
	@echo "make test   - install everything the suite needs and run it on PostgreSQL (+ SQLite part)"
	@echo "make serve  - production server (gunicorn, tuned config) on HOST:PORT from the environment"
	@echo "make bench  - flash-crowd and feed benchmarks (see bench/README.md)"
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

# Translations: the compiled .mo files are committed; rebuilt here when missing (needs gettext).
messages: setup
	@ls locale/*/LC_MESSAGES/django.mo >/dev/null 2>&1 || $(PY) manage.py compilemessages --ignore=.venv -v0

run: demo messages
	@echo ""
	@echo "Serving http://$(HOST):$(PORT)/  (API docs: http://$(HOST):$(PORT)/api/docs/)"
	$(PY) manage.py runserver $(HOST):$(PORT)

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

bench: setup services
	$(PY) bench/flash_crowd.py
	$(PY) bench/feeds.py

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
