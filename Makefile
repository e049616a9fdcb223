SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
UV_VERSION := 0.13.9
# Every platform, Python 3.11 and later; keeps the pins already in the lock unless UPGRADE is given.
COMPILE = $(VENV)/bin/uv pip compile --quiet --generate-hashes --universal --python-version 3.11 \
	--custom-compile-command "make lock" $(UPGRADE)

.PHONY: run test lint migrate demo venv clean-db lock lock-upgrade

$(VENV)/bin/python:
	python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

## Installs come from the lock files (exact versions, checked against their hashes), never from the ranges.
$(VENV)/.runtime: requirements.lock | $(VENV)/bin/python
	$(PIP) install --quiet --require-hashes -r requirements.lock
	touch $@

$(VENV)/.dev: requirements.lock requirements-dev.lock | $(VENV)/bin/python
	$(PIP) install --quiet --require-hashes -r requirements-dev.lock
	touch $@ $(VENV)/.runtime

.env: | $(VENV)/.runtime
	$(PY) -m config.envfile .env

venv: $(VENV)/.runtime

## Migrate every database alias (the app's, and the sandbox's when SANDBOX_ENABLED) and create the cache table.
migrate: $(VENV)/.runtime .env
	$(PY) manage.py migrate --noinput
	@for alias in $$($(PY) -m config.database_aliases); do \
	  [ "$$alias" = default ] || $(PY) manage.py migrate --noinput --database "$$alias"; done
	$(PY) manage.py createcachetable

demo: migrate
	$(PY) manage.py demo

## Set up on first run, serve the web app and the django-q2 worker until Ctrl-C; once the app answers,
## connect the sandbox Zoho org (demo --connect) so the first sync starts by itself.
run: demo
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "Zoho Store Sync: http://$(HOST):$(PORT)/  (Ctrl-C stops the web server and the worker)"
	@trap 'kill 0' INT TERM EXIT; \
	$(PY) manage.py qcluster & \
	$(VENV)/bin/gunicorn config.wsgi --bind $(HOST):$(PORT) --workers 2 --threads 8 --timeout 120 & \
	( $(PY) -m scripts.wait_for_health http://$(HOST):$(PORT)/healthz && $(PY) manage.py demo --connect ) & \
	wait

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .

## Lint, then the whole suite (browser tests included).
test: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(PY) -m scripts.ensure_chromium
	$(VENV)/bin/pytest $(PYTEST_ARGS)

## Regenerate the lock files from requirements*.txt (the ranges people edit): new and changed requirements
## are resolved, every other pin stays. `make lock-upgrade` moves every pin to the newest release in range.
lock: | $(VENV)/bin/python
	$(PIP) install --quiet uv==$(UV_VERSION)
	$(COMPILE) requirements.txt -o requirements.lock
	$(COMPILE) requirements-dev.txt --constraint requirements.lock -o requirements-dev.lock

lock-upgrade:
	$(MAKE) lock UPGRADE=--upgrade
