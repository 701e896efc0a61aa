# Kastoma: `make run` serves a seeded shop on http://127.0.0.1:5000, `make test` runs the suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test fuzz faults multi bench lint format migrate seed serve clean help

help:
	@echo "make run    - create .venv, install, migrate + seed the SQLite DB, serve on http://$(HOST):$(PORT)"
	@echo "make test   - create .venv, install dev requirements, run the tests with coverage"
	@echo "make lint   - ruff check + format check + the import contracts (the floors of DESIGN.md)"
	@echo "make fuzz   - the nightly contract fuzzing profile (schemathesis, FUZZ_EXAMPLES=100 per operation)"
	@echo "make faults - fault tolerance against real gunicorn (database/Redis outages, killed workers; needs TEST_DATABASE_URL, REDIS_URL)"
	@echo "make multi  - two gunicorn instances on one PostgreSQL + Redis (needs TEST_DATABASE_URL, REDIS_URL)"
	@echo "make bench  - benchmark suite (100k products in PostgreSQL, wrk, ratios to a ceiling app); docs/PERFORMANCE.md"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit("Kastoma needs Python 3.11+, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $(VENV)/.installed $@

migrate: $(VENV)/.installed
	@mkdir -p instance
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed

run: seed
	@echo "Kastoma on http://$(HOST):$(PORT)  (API docs: /api/docs/  back office: /admin/)"
	$(FLASK) run --host $(HOST) --port $(PORT)

serve: $(VENV)/.installed
	$(BIN)/gunicorn -c python:kastoma.gunicorn_conf wsgi:app

test: $(VENV)/.installed-dev
	$(BIN)/pytest --cov --cov-report=term $(PYTEST_ARGS)

fuzz: $(VENV)/.installed-dev
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-100} $(BIN)/pytest -q tests/contract $(PYTEST_ARGS)

faults: $(VENV)/.installed-dev
	$(BIN)/pytest -q -p no:cacheprovider -m faults tests/faults $(PYTEST_ARGS)

multi: $(VENV)/.installed-dev
	$(BIN)/pytest -q -p no:cacheprovider -m multi tests/multi $(PYTEST_ARGS)

bench: $(VENV)/.installed
	$(BIN)/python -m bench.run $(BENCH_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .coverage htmlcov
