# Kurslotse: two commands on a fresh machine.
#   make run   set up, migrate, load demo data, start worker + beat and the app on :8000
#              (make run PORT=8101 HOST=0.0.0.0 for another port or address)
#   make test  set up and run the whole test suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup messages lint lock clean

# requirements-dev.lock = the runtime lock (requirements.lock, used by the
# Docker image) plus the test and lint tools.
$(VENV)/.installed: requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.lock
	touch $@

# Mozilla's ical.js (exact version in the lock file), to read our calendars
# as Thunderbird does in tests/calendars/test_clients.py. Skipped with a note
# where Debian's node/npm are missing (apt-get install nodejs npm).
ICALJS := tests/calendars/js
$(ICALJS)/node_modules/.package-lock.json: $(ICALJS)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		cd $(ICALJS) && npm ci --no-audit --no-fund --loglevel=error; \
	else \
		echo "npm not found: the ical.js tests will skip (apt-get install nodejs npm)"; \
	fi

setup: $(VENV)/.installed messages $(ICALJS)/node_modules/.package-lock.json
	mkdir -p var/mail var/celery-broker var/celery-processed var/celery-control

messages: $(VENV)/.installed
	$(PY) manage.py compilemessages --ignore=.venv -v 0

run: setup
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py seed_demo --url http://$(HOST):$(PORT)/
	$(PY) manage.py collectstatic --no-input -v 0
	@echo "Starting Celery worker and beat (log: var/celery.log) ..."
	@$(VENV)/bin/celery -A backend worker --beat --pool=solo -Q celery,notifications --loglevel=INFO \
		--schedule=var/celerybeat-schedule > var/celery.log 2>&1 & echo $$! > var/celery.pid
	@trap 'kill $$(cat var/celery.pid) 2>/dev/null' EXIT INT TERM; \
		$(PY) manage.py runserver $(HOST):$(PORT)

# The suite runs in one process per core (pytest-xdist, at most 4), each with
# its own test database and Redis databases (tests/conftest.py).
# `make test TEST_PROCESSES=0` runs it in a single process.
TEST_PROCESSES ?= auto
test: setup
	$(VENV)/bin/pytest -n $(TEST_PROCESSES) --maxprocesses=4

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run

# Re-resolve the locked dependencies after changing pyproject.toml.
lock: $(VENV)/.installed
	$(VENV)/bin/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
		-o requirements.lock pyproject.toml
	$(VENV)/bin/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
		--extra dev -o requirements-dev.lock pyproject.toml

clean:
	rm -rf $(VENV) var staticfiles $(ICALJS)/node_modules
