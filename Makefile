# Quick start: `make demo` runs the portal with a demo workspace; `make test` runs the suite.
# `make demo PORT=8080` serves elsewhere: PORTAL_PORT is the one setting the served port,
# the printed URLs and the links in pages and emails follow (config/__init__.py).
PYTHON ?= python3
PORT ?= $(or $(PORTAL_PORT),5000)
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

DEMO_FLASK := PORTAL_PORT=$(PORT) $(FLASK)

demo: install
	$(DEMO_FLASK) portal init-db
	$(DEMO_FLASK) portal i18n compile
	$(DEMO_FLASK) portal seed-demo
	@echo "Starting the portal on http://127.0.0.1:$(PORT) (Ctrl+C stops it)"
	$(DEMO_FLASK) run --host 127.0.0.1 --port $(PORT)

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

# Search relevance (keyword / semantic / hybrid vs an SQLite FTS5 BM25 baseline on the labelled
# set in bench/search/data) and speed (1k / 10k / 100k synthetic articles; the sentence model of
# the embeddings extra at 1k / 10k). Updates the "Search quality" and "Search speed" sections
# of docs/PERFORMANCE.md.
# SEARCH_TUNED: the best knob setting of the sweep, reported as an extra "hybrid (tuned)" row.
SEARCH_TUNED ?= char_ngrams=true typo_cutoff=70 semantic_weight=1.5
.PHONY: bench-search
bench-search: install-test
	$(BIN)/python -m bench.search.make_data
	$(BIN)/python -m bench.search.evaluate --sweep --write-doc --tuned $(SEARCH_TUNED)
	$(BIN)/python -m bench.search.speed --write-doc
	$(BIN)/python -m bench.search.speed --embedder sentence --sizes 1000 10000 --repeats 3 1 --write-doc

# Search JSON under load (issue 11 part 2): 10k synthetic articles, gunicorn 2 workers, wrk 16
# connections over many different queries (keyword, hybrid, search-as-you-type), the bare
# Flask reference in the same run. Updates "Search under load (issue 11)" in PERFORMANCE.md.
.PHONY: bench-search-load
bench-search-load: install
	$(BIN)/python -m bench.search_load --write-doc

# Faults under load (issue 9): PostgreSQL (a fresh database), its own redis-server, two
# gunicorn instances, one worker and an SMTP server on this machine; ticket creations with
# Idempotency-Key and retries, reads and sign-in codes while the worker is killed, Redis
# stops, database connections are terminated and SMTP goes away (~3-5 minutes). Counts lost
# and duplicated tickets, 500s and emails: instance/bench/faults-<commit>.json; write-up in
# docs/PERFORMANCE.md. BENCH_PG_ADMIN_URL picks the PostgreSQL server (default 127.0.0.1).
FAULTS_ARGS ?=
.PHONY: bench-faults
bench-faults: install-test
	$(BIN)/python -m bench.faults_load $(FAULTS_ARGS)

# gunicorn worker classes (issue 11 part 4): sync, gthread, gevent and the recommended split
# (pages on sync workers, event streams on the gevent live-update instance) under a page mix
# with open event streams (~8 minutes, SQLite, its own redis-server). Writes the "Server
# settings" section of docs/PERFORMANCE.md; results in instance/bench/servers-sqlite.json.
.PHONY: bench-servers
bench-servers: install-test
	$(BIN)/python -m bench.servers --reps 5 --duration 6 --write-doc

# Issue 11 (speed), every benchmark in one go (~12 minutes): seeds the bench database (10k
# tickets, 1,000 imported articles), then pages and the API under load next to a bare Flask
# reference and ticket creation next to django-helpdesk (bench/pages_load.py; the first run
# sets django-helpdesk up in instance/bench/helpdesk-venv through pip, bench/peer_helpdesk.py),
# then search under load, memory and server settings
# (bench/search_load.py, bench/memory.py, bench/servers.py; each skipped with a line when
# the module is missing). Each writes its section of docs/PERFORMANCE.md with the load
# average of its run. BENCH_DURATION: seconds per wrk run (default 5).
BENCH_DURATION ?= 5
.PHONY: bench
bench: install-test
	BENCH_DURATION=$(BENCH_DURATION) $(BIN)/python -m bench.run_all
