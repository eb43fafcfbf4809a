# gongzhi — the two commands that matter: `make run` and `make test`.
SHELL := /bin/bash
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Development mode is opted into here (gongzhi/settings.py defaults to production and then needs a secret key);
# an exported GONGZHI_DEBUG=0 (a deployment) wins.
export GONGZHI_DEBUG ?= 1

.PHONY: run test test-fast lint check typecheck venv migrate demo worker clean bench-load bench-faults fuzz bench

$(STAMP): pyproject.toml
	@PY=$$(scripts/find-python.sh) || exit 1; \
	  [ -x $(BIN)/python ] || $$PY -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

migrate: venv
	$(BIN)/gongzhi migrate --noinput
	$(BIN)/gongzhi createcachetable

demo: migrate
	$(BIN)/gongzhi load_demo

# Serves as soon as the accounts exist and loads the demo's history in the background (scripts/run.sh).
run: venv
	@bash scripts/run.sh $(PORT)

test: venv
	$(BIN)/python -m pytest -p no:cacheprovider -n $${PYTEST_WORKERS:-2} $(PYTEST_ARGS)

# Everything but the browser, cluster, process and training tests (marked e2e and slow): before each commit.
test-fast: venv
	$(BIN)/python -m pytest -p no:cacheprovider -n $${PYTEST_WORKERS:-2} -m "not e2e and not slow" $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy with django-stubs and djangorestframework-stubs; pyproject.toml's [tool.mypy] says what is strict and lists
# the modules that do not pass yet (they only leave that list).
typecheck: venv
	$(BIN)/mypy

# Django's and gongzhi's checks, and no model change without its migration (CI runs both, with `make lint`).
check: venv
	$(BIN)/gongzhi check
	$(BIN)/gongzhi makemigrations --check --dry-run

# Benchmarks of the production stack (bench/load.py, bench/faults.py): RATE appeals/s for DURATION s;
# PostgreSQL when DATABASE_URL is set, else SQLite. The last line printed is the JSON result.
bench-load: venv
	RATE=$${RATE:-100} DURATION=$${DURATION:-60} $(BIN)/python bench/load.py

bench-faults: venv
	RATE=$${RATE:-100} DURATION=$${DURATION:-60} $(BIN)/python bench/faults.py

clean:
	rm -rf $(VENV) *.sqlite3 media

# schemathesis against the OpenAPI schema as every role (>= 1,000 requests; fails on a 5xx or a schema
# violation). FUZZ_DATABASE_URL=postgres://… fuzzes PostgreSQL instead of a temporary SQLite file.
fuzz: venv
	$(BIN)/python scripts/fuzz.py

# The quick benchmarks (bench/README.md lists them all).
bench: venv
	$(BIN)/python bench/insight.py
