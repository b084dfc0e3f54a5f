# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
FAST_WORKERS ?= auto  # make test-fast runs on every core (pytest-xdist)
export HOST PORT

# Debian packages the tests (and the PDF reports) need; the tests run on PostgreSQL and Redis
# too (tests/support/engines.py starts private servers; nginx fronts `make cluster`).
CLUSTER_PACKAGES := postgresql redis-server nginx
SYSTEM_PACKAGES := chromium poppler-utils fonts-noto-core fonts-noto-cjk \
	libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 sqlite3 nodejs $(CLUSTER_PACKAGES)
PROCESSES ?= 2
export PROCESSES

.PHONY: cluster cluster-start cluster-stop cluster-demo system-deps-cluster lock run serve install install-test system-deps system-deps-run test test-fast test-js lint typecheck format bench clean i18n i18n-check fonts architecture

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Installs come from the lock files (pinned versions: transport.py and reports/pdf.py patch
# library internals); `pip check` fails if pyproject.toml asks for something the lock lacks.
COMPILE := $(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links

$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/pip check || { echo "pyproject.toml and requirements.lock disagree: run make lock"; exit 1; }
	touch $@

$(VENV)/.installed-test: requirements-test.lock $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-test.lock
	$(BIN)/pip check || { echo "pyproject.toml and requirements-test.lock disagree: run make lock"; exit 1; }
	touch $@

## lock: re-resolve every dependency to its newest allowed version and rewrite the lock files
lock: | $(BIN)/python
	$(BIN)/pip install --quiet pip-tools
	$(COMPILE) --upgrade --extra test -o requirements-test.lock pyproject.toml
	$(COMPILE) -c requirements-test.lock -o requirements.lock pyproject.toml

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## run: set up, create or migrate the database, load the demo event, serve on $(HOST):$(PORT)
run: install system-deps-run
	$(BIN)/flask --app app init-db
	$(BIN)/flask --app app demo
	$(MAKE) --no-print-directory serve

serve:
	$(BIN)/gunicorn --worker-class gevent --workers 1 --bind $(HOST):$(PORT) \
		--worker-connections 4000 --graceful-timeout 5 --no-control-socket --access-logfile - app:app

## cluster: PostgreSQL, Redis, nginx and $(PROCESSES) app processes on this machine, the demo
## loaded, serving on $(HOST):$(PORT) until Ctrl-C (docs/deploy.md; data in instance/cluster)
cluster: install system-deps-run system-deps-cluster
	$(BIN)/python deploy/cluster.py up

## cluster-start / cluster-stop: the same in the background, and stopping it
cluster-start: install system-deps-run system-deps-cluster
	$(BIN)/python deploy/cluster.py start

cluster-stop:
	$(BIN)/python deploy/cluster.py stop

## cluster-demo: the demo's `flask --app app demo --json` line for the running cluster
cluster-demo: install
	@$(BIN)/python deploy/cluster.py demo

system-deps-cluster:
	@$(MAKE) --no-print-directory system-deps SYSTEM_PACKAGES="$(CLUSTER_PACKAGES)"

# Only what serving needs (fonts and Pango for PDFs); installed when root and missing.
system-deps-run:
	@missing=""; \
	for p in fonts-noto-core fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0; do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
		else echo "Please install:$$missing (PDF reports need them)"; fi; \
	fi

system-deps:
	@missing=""; \
	for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else echo "Missing system packages:$$missing (run as root, or install them)"; exit 1; fi; \
	fi

## test: install what the tests need (system packages too), lint, the JS tests, then the fast
## tier on every core and the end-to-end tier (servers, browsers) one test at a time
test: install-test system-deps lint test-js
	$(BIN)/pytest -q -n $(FAST_WORKERS) -m "not e2e" $(PYTEST_ARGS)
	$(BIN)/pytest -m e2e $(PYTEST_ARGS)

## test-js: the board's pure JS modules under node's own test runner (no browser, no build step)
test-js:
	node --test tests/js/

## test-fast: units and in-process socket tests only (no server process, browser or PDF): < 1 min
test-fast: install-test
	$(BIN)/ruff check .
	$(BIN)/pytest -q -n $(FAST_WORKERS) -m "not e2e" $(PYTEST_ARGS)

## lint: ruff, formatting, spelling, and types (mypy's error count may only go down)
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/codespell
	$(MAKE) --no-print-directory typecheck
	$(MAKE) --no-print-directory i18n-check
	$(BIN)/python docs/tree.py --check

## architecture: rewrite the module map in docs/architecture.md from the modules' docstrings
architecture: install
	$(BIN)/python docs/tree.py

# mypy's error count may only go down (.mypy-baseline), and these folders must have none.
TYPED := roadmap/ops/ roadmap/realtime/ roadmap/boards/
typecheck:
	@out=$$($(BIN)/mypy 2>/dev/null); found=$$(echo "$$out" | grep -c ': error:'); \
	allowed=$$(cat .mypy-baseline); \
	echo "mypy: $$found errors (baseline $$allowed; $(TYPED) must have none)"; \
	if [ "$$found" -gt "$$allowed" ]; then echo "$$out" | tail -20; \
		echo "mypy: more errors than .mypy-baseline allows"; exit 1; fi; \
	for d in $(TYPED); do if echo "$$out" | grep -q "^$$d.*: error:"; then \
		echo "$$out" | grep "^$$d"; exit 1; fi; done; \
	if [ "$$found" -lt "$$allowed" ]; then echo "$$found" > .mypy-baseline; \
		echo "mypy: fewer errors: .mypy-baseline lowered to $$found (commit it)"; fi

format:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## i18n: extract the template/Python strings, rebuild every language's catalogue from its
## translations/<lang>.json working copy, compile (docs/languages.md)
i18n: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ --no-location --sort-output \
		--project roadmap -o translations/messages.pot .
	$(BIN)/python translations/fill.py

## i18n-check: fail on a stale .pot, an untranslated or fuzzy message, or JS catalogue keys
## that differ from static/i18n/en.json (`python translations/fill.py --missing` lists the gaps)
i18n-check: install
	$(BIN)/python translations/check.py

## fonts: rebuild the subsetted WOFF2 note fonts in static/fonts/ (docs/languages.md)
fonts: install-test system-deps
	$(BIN)/python static/fonts/build.py

bench: install-test
	$(BIN)/python bench/live.py
	$(BIN)/python bench/report.py
	$(BIN)/python bench/frames.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
