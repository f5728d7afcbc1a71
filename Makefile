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

.PHONY: install model run test migrate demo messages lint-imports bench bench-load clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the dependency declarations change.
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	@echo "==> [1/4] Installing the dependencies into $(VENV) (first run: 1-2 minutes) ..."
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --progress-bar off -c constraints.txt -e '.[dev]'
	@echo "    installed."
	touch $@

install: $(VENV)/.installed

# Train the spaCy router from fixtures/nlp when it is missing or older than the corpus.
# A (re)build prints one line per training stage, then the model's held-out summary.
model: install
	@echo "==> [2/4] The nlp router: trained from fixtures/nlp when missing or stale (first run: ~1 minute) ..."
	$(BIN)/python -m nlp ensure

migrate: install
	@echo "==> [3/4] Migrating the database ..."
	$(RUN_ENV) $(MANAGE) migrate --noinput

demo: migrate
	@echo "==> [4/4] Loading the demo bank (people, teams, routing rules, stories) ..."
	$(RUN_ENV) $(MANAGE) load_demo

# `--lifespan off`: Django has no ASGI lifespan handler, and uvicorn's "auto" would only log that.
run: model demo
	@echo ""
	@echo "Relay is starting on http://$(HOST):$(PORT)  (HTTP and websockets, one ASGI server; Ctrl-C stops it)"
	@echo "  Start page:            http://$(HOST):$(PORT)/"
	@echo "  Web console:           http://$(HOST):$(PORT)/console/"
	@echo "  API docs (Swagger UI): http://$(HOST):$(PORT)/api/docs/"
	@echo "  API docs (ReDoc):      http://$(HOST):$(PORT)/api/redoc/"
	@echo "  OpenAPI schema:        http://$(HOST):$(PORT)/api/v1/schema/"
	@echo "  Django admin:          http://$(HOST):$(PORT)/admin/   (admin@relay.demo)"
	@echo "  Health:                http://$(HOST):$(PORT)/healthz  http://$(HOST):$(PORT)/readyz"
	@echo "  Demo logins (password relay-demo): emma@relay.demo (employee, nl), lars@relay.demo (employee, da),"
	@echo "    sam@relay.demo (sales NL), pieter@relay.demo (sales NL lead, triage), rasmus@relay.demo (sales DK),"
	@echo "    sofie@relay.demo (support lead, triage), rita@relay.demo (recruitment), mark@relay.demo and"
	@echo "    julia@relay.demo (editors), olga@relay.demo (alumni), admin@relay.demo (admin)"
	@echo "  This is the development server (DEBUG on): error pages with settings and local variables are"
	@echo "    shown only to requests from this machine; API paths (/api/...) always answer JSON errors."
	@echo ""
	$(RUN_ENV) $(BIN)/uvicorn backend.asgi:application --host $(HOST) --port $(PORT) --no-access-log --no-proxy-headers --ws websockets-sansio --lifespan off

# Lint, type-check and the import contracts first (each stops the run on failure), then the tests.
test: model
	@echo "==> ruff (lint) ..."
	$(BIN)/ruff check .
	@echo "==> mypy (types) ..."
	$(TEST_ENV) $(BIN)/mypy
	@echo "==> import-linter (layers) ..."
	$(BIN)/lint-imports
	@echo "==> pytest (the whole suite: ~6-10 minutes; progress in % on the right) ..."
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

# Regenerate every catalogue from the sources — the API's messages in locale/, the console's in
# backend/console/locale/ (makemessages puts each string beside the nearest locale folder) — then
# compile them. New strings arrive untranslated: translate them in the .po files, run it again;
# tests/test_locale.py fails while any entry is untranslated or fuzzy. Needs GNU gettext.
MESSAGES_IGNORE := --ignore='.venv/*' --ignore='var/*' --ignore='tests/*' --ignore='benchmarks/*' --ignore='nlp/*' --ignore='fixtures/*'
messages: install
	DEBUG=1 $(MANAGE) makemessages -l nl -l da --no-wrap --no-obsolete $(MESSAGES_IGNORE)
	DEBUG=1 $(MANAGE) compilemessages --ignore=.venv --ignore=var

lint-imports: install
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) var
