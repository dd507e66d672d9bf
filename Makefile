# One Makefile for set-up, the demo, tests and benchmarks. Every target creates or updates .venv itself.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PY_PACKAGES := core transform_runner c2c sandbox ingestion transform orchestration reverse_etl tests benchmarks
export DO_NOT_TRACK := 1
export PYTHONDONTWRITEBYTECODE :=

.PHONY: install demo ui test test-fast test-integration update-snapshots sandbox-up sandbox-down lint lint-sql bench bench-generate bench-serve bench-ingest bench-incremental bench-writeback bench-recovery bench-propagation clean docs

install: $(STAMP)

# uv installs the locked set ~5x faster than pip; the lock pins every transitive dependency.
$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip install --python $(BIN)/python --compile-bytecode --quiet -r requirements.lock
	$(BIN)/uv pip install --python $(BIN)/python --compile-bytecode --quiet --no-deps -e .
	@touch $(STAMP)

demo: $(STAMP)  ## the main job on the embedded sandbox (small firm)
	$(BIN)/c2c demo --size small

test: lint  ## lint, then the whole suite, exactly as CI runs it
	$(BIN)/python -m pytest

test-fast: $(STAMP)  ## skip the slow tests (larger firms, whole-chain runs)
	$(BIN)/python -m pytest -m "not slow"

update-snapshots: $(STAMP)  ## after an intended change of Dagster asset keys: rewrite tests/orchestration/asset_graph.json
	UPDATE_SNAPSHOTS=1 $(BIN)/python -m pytest tests/orchestration/test_definitions.py

test-integration: $(STAMP)
	$(BIN)/python -m pytest -m integration

ui: export C2C_DATA_DIR ?= $(CURDIR)/data
ui: export DAGSTER_HOME = $(C2C_DATA_DIR)/dagster
ui: $(STAMP)  ## the Dagster UI on http://127.0.0.1:3000 against the sandbox (starts it when needed)
	$(BIN)/c2c sandbox up --detach
	@mkdir -p $(DAGSTER_HOME) && cp orchestration/instance/$(if $(C2C_DAGSTER_PG_HOST),dagster-postgres.yaml,dagster.yaml) $(DAGSTER_HOME)/dagster.yaml
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/dagster dev -h 127.0.0.1 -p 3000 -w workspace.yaml

sandbox-up: $(STAMP)
	$(BIN)/c2c sandbox up --detach

sandbox-down: $(STAMP)
	$(BIN)/c2c sandbox down

lint: $(STAMP)  ## ruff, the import contract (pyproject.toml [tool.importlinter]: imports run down the house), sqlfluff over the dbt models (transform/.sqlfluff)
	$(BIN)/ruff check $(PY_PACKAGES)
	$(BIN)/lint-imports --no-cache --no-logo
	$(MAKE) --no-print-directory lint-sql

# The dbt templater compiles the project through dbt itself, so it needs a profile: a throwaway data dir gives
# it an empty DuckDB warehouse, and dbt's target/ and logs go there too. Run from transform/: sqlfluff takes
# the templater setting only from the working directory's .sqlfluff.
lint-sql: $(STAMP)
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && cd transform && \
		C2C_DATA_DIR=$$tmp DBT_TARGET=duckdb DBT_TARGET_PATH=$$tmp/target DBT_LOG_PATH=$$tmp/logs \
		../$(BIN)/sqlfluff lint models --processes 2

# dbt docs (every model, column, test and exposure, with lineage) of the warehouse in C2C_DATA_DIR (default ./data),
# written to $(C2C_DATA_DIR)/dbt/target; view it with
# `$(BIN)/dbt docs serve --project-dir transform --profiles-dir transform --target-path data/dbt/target`.
docs: export C2C_DATA_DIR ?= $(CURDIR)/data
docs: $(STAMP)  ## dbt docs catalog and lineage of the warehouse (run the demo or `c2c transform` first)
	$(BIN)/dbt docs generate --project-dir transform --profiles-dir transform --target-path $(C2C_DATA_DIR)/dbt/target

bench: bench-generate bench-serve bench-ingest bench-incremental bench-writeback bench-recovery bench-propagation

bench-propagation: $(STAMP)  ## change order approved -> corrected schedule read back, Dagster vs direct, at small (p50 must <= 60 s)
	$(BIN)/python -m benchmarks.propagation

bench-incremental: $(STAMP)  ## chain after 1 % of records change vs a full refresh, at medium (must <= 0.15)
	$(BIN)/python -m benchmarks.incremental --size medium

bench-writeback: $(STAMP)  ## reverse-ETL writes/s vs the sandbox ERP's allowed rate, at medium (must >= 0.8, 0 duplicates)
	$(BIN)/python -m benchmarks.writeback

bench-recovery: $(STAMP)  ## an apply killed with SIGKILL and resumed vs uninterrupted, at small (must <= 1.3, 0 duplicates)
	$(BIN)/python -m benchmarks.recovery --size small

bench-ingest: $(STAMP)  ## dlt ingestion vs a plain httpx fetch + DuckDB bulk load (must <= 3x)
	$(BIN)/python -m benchmarks.ingest --size small
	$(BIN)/python -m benchmarks.ingest --size medium --pairs 1

bench-generate: $(STAMP)  ## generation time of the medium firm (target <= 60 s on 2 cores)
	$(BIN)/python -m benchmarks.generate

bench-serve: $(STAMP)  ## records/s served per simulator
	$(BIN)/python -m benchmarks.serve

clean:
	-$(BIN)/c2c sandbox down
	rm -rf data .pytest_cache benchmarks/results
