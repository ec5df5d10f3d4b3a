# Quick start: `make demo` runs the portal with a demo workspace; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app

.PHONY: demo test install install-test lint

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .

install-test: $(BIN)/python
	bash scripts/install-test-deps.sh

demo: install
	$(FLASK) portal init-db
	$(FLASK) portal i18n compile
	$(FLASK) portal seed-demo
	@echo "Starting the portal on http://127.0.0.1:5000 (Ctrl+C stops it)"
	$(FLASK) run --host 127.0.0.1 --port 5000

test: install-test
	bash scripts/run-tests.sh

lint:
	$(BIN)/ruff check portal tests app.py config

# Ticket list and ticket page under load (gunicorn + wrk on loopback, 10k tickets; SQLite and
# PostgreSQL). Results: instance/bench/results-*.json; write-up: docs/PERFORMANCE.md.
BENCH_DB ?= both
.PHONY: bench-tickets
bench-tickets: install
	$(BIN)/python -m bench.tickets_load --db $(BENCH_DB)
