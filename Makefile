# sywc: `make run` serves the demo on SQLite with the scheduler; `make test` checks everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PG_URL ?= $(or $(TEST_DATABASE_URL),postgresql+psycopg://postgres@127.0.0.1:5432/postgres)
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-sqlite test-postgres lint format bench bench-quick install install-dev clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

# Install, migrate the embedded database, load demo data into one without users (a first
# run, or one stopped before its demo load committed), then serve the API with the
# scheduler beside it (Ctrl-C stops both).
run: install
	@mkdir -p instance
	@$(FLASK) db upgrade || exit 1; \
	$(FLASK) sywc demo-data --if-empty || exit 1; \
	$(FLASK) sywc scheduler & sched=$$!; \
	trap 'kill $$sched 2>/dev/null' EXIT INT TERM; \
	echo "sywc: http://$(HOST):$(PORT)/api/v1/docs"; \
	$(FLASK) run --host $(HOST) --port $(PORT)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The whole suite on SQLite, then on PostgreSQL when a server answers
# (REQUIRE_POSTGRES=1 turns a missing server into a failure, as in CI).
test: install-dev lint test-sqlite test-postgres

test-sqlite: install-dev
	SYWC_TEST_DB=sqlite $(BIN)/pytest -n 2 --dist loadfile

test-postgres: install-dev
	@if $(BIN)/python -m tests.pg_available "$(PG_URL)"; then \
		SYWC_TEST_DB=postgresql TEST_DATABASE_URL="$(PG_URL)" $(BIN)/pytest -n 2 --dist loadfile; \
	elif [ "$(REQUIRE_POSTGRES)" = "1" ]; then \
		echo "PostgreSQL is required but not reachable at $(PG_URL)"; exit 1; \
	else \
		echo "PostgreSQL not reachable at $(PG_URL): skipped the PostgreSQL run"; \
	fi

bench: install-dev
	$(BIN)/python -m tests.benchmarks.run $(BENCH_ARGS)

bench-quick: install-dev
	$(BIN)/python -m tests.benchmarks.run --quick $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache .mypy_cache .hypothesis
