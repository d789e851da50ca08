# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres

.PHONY: run test test-sqlite test-postgres bench chaos migrate clean venv vendor

$(STAMP): pyproject.toml
	@$(PY) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

## make run: migrate (SQLite under var/), seed the dev data, start gateway :8000, mediation :8001, lawyers :8002,
## console :8003 (ports from GATEWAY_PORT, MEDIATION_PORT, LAWYERS_PORT, CONSOLE_PORT)
run: venv
	$(BIN)/python -m shared.runner run

migrate: venv
	$(BIN)/python -m shared.runner migrate

## make test: every test on SQLite, then again on PostgreSQL when one is reachable
test: venv
	$(MAKE) --no-print-directory test-sqlite
	@if TEST_DATABASE_URL="$${TEST_DATABASE_URL:-$(PG_TEST_URL)}" $(BIN)/python -m shared.testing --probe; then \
		$(MAKE) --no-print-directory test-postgres; \
	else echo "PostgreSQL not reachable: skipped the PostgreSQL run"; fi

test-sqlite: venv
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest

test-postgres: venv
	TEST_DATABASE_URL="$${TEST_DATABASE_URL:-$(PG_TEST_URL)}" $(BIN)/python -m pytest

## make bench: the benchmarks (print figures; see docs/benchmarks.md)
bench: venv
	@for b in bench/gateway_overhead.py bench/booking.py bench/assignment.py bench/handoff.py bench/console.py; do \
		if [ -f $$b ]; then echo "== $$b"; $(BIN)/python $$b || exit 1; fi; done

## make chaos: the full fault test (2,000 handoffs, 50 SIGKILLs)
chaos: venv
	$(BIN)/python scripts/chaos.py --mode full --transport both

## make vendor: refresh the console's vendored scripts (needs npm; nothing else does)
vendor:
	bash scripts/vendor_console.sh

clean:
	rm -rf var/ .venv/
