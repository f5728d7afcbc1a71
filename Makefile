# Relay. The two set-up commands are `make run` and `make test`; both work on a fresh machine
# with only Python 3.11+ and make (embedded default: SQLite, in-memory channel layer).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
MANAGE := $(BIN)/python backend/manage.py
PORT   ?= 8000
HOST   ?= 127.0.0.1

# `make run` is the demo: DEBUG on (demo passwords, browsable API) unless the caller says otherwise.
RUN_ENV  := DEBUG=$${DEBUG:-1}
# `make test` runs with production-like settings (DEBUG off) and a throwaway secret.
TEST_ENV := DEBUG=0 SECRET_KEY=$${SECRET_KEY:-test-only-secret-key-not-for-production-use-0123456789} SECURE_SSL_REDIRECT=0

.PHONY: install model run test migrate demo lint-imports bench bench-load clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the dependency declarations change.
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Train the spaCy router from fixtures/nlp when it is missing or older than the corpus.
model: install
	$(BIN)/python -m nlp ensure

migrate: install
	$(RUN_ENV) $(MANAGE) migrate --noinput

demo: migrate
	$(RUN_ENV) $(MANAGE) load_demo

run: model demo
	@echo ""
	@echo "Relay is starting on http://$(HOST):$(PORT)  (HTTP and websockets, one ASGI server)"
	@echo "  API docs (Swagger UI): http://$(HOST):$(PORT)/api/docs/"
	@echo "  API docs (ReDoc):      http://$(HOST):$(PORT)/api/redoc/"
	@echo "  OpenAPI schema:        http://$(HOST):$(PORT)/api/v1/schema/"
	@echo "  Django admin:          http://$(HOST):$(PORT)/admin/   (admin@relay.demo)"
	@echo "  Demo logins (password relay-demo): emma@relay.demo (employee, nl), lars@relay.demo (employee, da),"
	@echo "    sam@relay.demo (sales NL), rasmus@relay.demo (sales DK), sofie@relay.demo (support),"
	@echo "    rita@relay.demo (recruitment), mark@relay.demo (editor), olga@relay.demo (alumni), admin@relay.demo (admin)"
	@echo "  This is the development server (DEBUG on): error pages with settings and local variables are"
	@echo "    shown only to requests from this machine; API paths (/api/...) always answer JSON errors."
	@echo ""
	$(RUN_ENV) $(BIN)/uvicorn backend.asgi:application --host $(HOST) --port $(PORT) --no-access-log --ws websockets-sansio

# Lint, type-check and the import contracts first (each stops the run on failure), then the tests.
test: model
	$(BIN)/ruff check .
	$(TEST_ENV) $(BIN)/mypy
	$(BIN)/lint-imports
	$(TEST_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

# Benchmarks add locust (mixed load) and py-spy (profiles) to the dev tools; see benchmarks/README.md.
$(VENV)/.bench-installed: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,bench]'
	touch $@

# The ratios of issue 14, each beside its yardstick and goal, then push_bench.py's (PostgreSQL and
# Redis needed; recreates the database relay_ratios, flushes Redis db 6). BENCH_ARGS=--profile adds
# a py-spy profile of every endpoint whose goal was missed.
bench: model $(VENV)/.bench-installed
	$(BIN)/python benchmarks/ratios.py $(BENCH_ARGS)

# Mixed traffic under a saturating load, and 1 vs 2 server processes (~4 min; flushes Redis db 4,
# recreates relay_load).
bench-load: model $(VENV)/.bench-installed
	$(BIN)/python benchmarks/load_bench.py

lint-imports: install
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) var
