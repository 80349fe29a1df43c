# Two commands set up a fresh machine: `make run` and `make test` (README.md).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1:8000

# The newest Python >= 3.12 on this machine: PATH first, then pyenv's versions.
PYTHON_FOR_VENV := $(shell scripts/find-python)

.PHONY: run test lint format install messages bench clean

$(STAMP): requirements.txt requirements-dev.txt
	@if [ -z "$(PYTHON_FOR_VENV)" ]; then \
	  echo "No Python 3.12 or newer found. Install one (for example 'pyenv install 3.13' or your OS package python3.13) and run make again." >&2; exit 1; fi
	@test -x $(PY) || $(PYTHON_FOR_VENV) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	$(PY) -m pip check
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@mkdir -p var
	DJANGO_SETTINGS_MODULE=cpp_registry.settings.local $(PY) manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=cpp_registry.settings.local $(PY) manage.py seed_demo
	DJANGO_SETTINGS_MODULE=cpp_registry.settings.local $(PY) manage.py serve $(HOST)

# Two processes (pytest-xdist), each with its own test database; the tests of the real Celery workers run
# in one of them (tests/conftest.py). TEST_PROCESSES=0 runs everything in this process.
TEST_PROCESSES ?= 2
test: $(STAMP)
	$(PY) -m pytest -n $(TEST_PROCESSES) --dist loadgroup $(PYTEST_ARGS)

# ruff (lint and format), import-linter (which way imports run: pyproject.toml) and mypy (typed services,
# selectors and core: pyproject.toml).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Needs GNU gettext; the compiled catalogues are committed so that nothing else does.
messages: $(STAMP)
	$(PY) manage.py makemessages -l zh_Hant -l zh_Hans --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv

bench: $(STAMP)
	$(PY) scripts/bench.py

clean:
	rm -rf $(VENV) var/db.sqlite3 staticfiles
