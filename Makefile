# Portico: two commands. `make run` serves the demo; `make test` runs everything.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Two workers: the machine has two cores and CI has a time budget.
PYTEST_ARGS ?= -n 2

.PHONY: run test install install-dev lint check pytest browser-deps migrate demo clean lock audit

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml requirements/lock.txt | $(BIN)/python
	$(BIN)/pip install -q -c requirements/lock.txt -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml requirements/lock.txt | $(BIN)/python
	$(BIN)/pip install -q -c requirements/lock.txt -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/portico migrate --noinput -v0

demo: migrate
	$(BIN)/portico load-codes --if-empty
	$(BIN)/portico demo-data --scale small

## run: set up (venv, database, code sets, demo data) and serve on http://localhost:$(PORT)
# Links in emails and texts point at the port the demo is served on (unless set already).
run demo: export PORTICO_BASE_URL ?= http://localhost:$(PORT)
run: demo
	@echo ""
	@echo "Portico is starting on http://localhost:$(PORT)  (development outbox: http://localhost:$(PORT)/dev/outbox/)"
	$(BIN)/portico runserver localhost:$(PORT)

## browser-deps: Debian's chromium (and pdftotext) for the browser tests; never a downloaded browser
browser-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium chromium-driver"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "The browser tests need Debian packages:$$missing"; \
	    echo "Install them with: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi

## lint: ruff, mypy, import-linter contracts, migrations up to date
lint: install-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/bandit -q -r src -ll
	DJANGO_SETTINGS_MODULE=portico.config.settings.test $(BIN)/portico makemigrations --check --dry-run

## pytest: the whole suite (SQLite by default; PostgreSQL when DATABASE_URL names one)
pytest: install-dev browser-deps
	$(BIN)/pytest $(PYTEST_ARGS)

## test: everything: lint and the whole suite including browser journeys
test: lint pytest

## audit: known vulnerabilities in the pinned dependencies (needs PyPI's JSON API or OSV)
audit: install-dev
	$(BIN)/pip-audit -r requirements/lock.txt --no-deps --disable-pip --progress-spinner off

lock: install-dev
	$(BIN)/pip freeze --exclude-editable | grep -v '^-e' > requirements/lock.txt

clean:
	rm -rf var/ $(VENV)
