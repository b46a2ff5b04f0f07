# The two commands of the README: `make run` and `make test`. Both set up
# everything they need (a virtual environment in .venv) on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup browser run ingest test test-sqlite test-postgres lint mutate eval eval-check judge fit lodo bench clean

# pip's own progress (what it collects, downloads and builds), not --quiet: a first set-up takes minutes.
$(STAMP): pyproject.toml
	@echo "setup: a virtual environment in $(VENV) with the project and its test and postgres extras (pip; minutes on a fresh machine)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade --progress-bar on pip
	$(BIN)/python -m pip install --progress-bar on -e '.[test,postgres]'
	touch $(STAMP)
	@echo "setup: done"

setup: $(STAMP)

run: setup
	$(BIN)/policy-monitor migrate
	$(BIN)/policy-monitor run

# The browser tests' tools: Debian's Chromium and chromium-driver, axe-core from npm (pinned) under var/npm.
AXE_VERSION := 4.14.1
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		{ echo "browser: installing Debian's chromium and chromium-driver (apt-get, a few minutes)"; \
		  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; }
	@test -f var/npm/node_modules/axe-core/axe.min.js || { \
		command -v npm >/dev/null || { echo "browser: npm is needed for axe-core (Debian: apt-get install npm)" >&2; exit 2; }; \
		echo "browser: installing axe-core $(AXE_VERSION) from npm under var/npm"; \
		npm install --no-audit --no-fund --prefix var/npm axe-core@$(AXE_VERSION); }

# `make test`: the whole suite on SQLite (one worker per core, pytest-xdist), then again on PostgreSQL, also
# one worker per core: the workers share one throw-away server that scripts/pg.sh installs if needed, starts
# in a temporary folder and removes afterwards; every test database is named after its worker's pid
# (tests/conftest.py), so the workers never meet.
JOBS ?= auto
test: test-sqlite test-postgres

test-sqlite: setup browser
	$(BIN)/python -m pytest -q -n $(JOBS)

# The guard rails (.ci/run runs them before the tests): lint, architecture contracts, types.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# Mutation testing of the analysis core and the publishing modules; not in CI (an hour or more on 2 cores).
# MUTATE='monitor.position*' narrows it to one module. `$(BIN)/mutmut results` lists the survivors,
# `$(BIN)/mutmut show NAME` shows one; docs/testing.md has the last score.
MUTATE ?=
mutate: setup
	$(BIN)/mutmut run $(MUTATE)

test-postgres: setup
	scripts/pg.sh run env POLICY_MONITOR_TEST_DATABASE=postgresql $(BIN)/python -m pytest -q -n $(JOBS)

# `make eval`: the development corpus (eval/dossiers/, one row per dossier and the macro-average;
# docs/evaluation.md). `make eval-check` also fails when a macro-average falls below eval/floors.toml (CI).
# `make judge` draws a fresh sheet of what the current version publishes, per dossier, for a reader to judge.
eval: setup
	$(BIN)/python eval/score.py $(EVAL_ARGS)

eval-check: setup
	$(BIN)/python eval/score.py --check eval/floors.toml $(EVAL_ARGS)

judge: setup
	$(BIN)/python eval/judge.py $(JUDGE_ARGS)

# The significance model fitted on the judged corpus, scored leave-one-dossier-out; writes monitor/lang/nl/weights.toml
# only when the held-out model beats the publishing it replaces (FIT_ARGS=--force to write anyway).
fit: setup
	$(BIN)/python eval/fit.py --write $(FIT_ARGS)

# Thresholds chosen leave-one-dossier-out over eval/grid.toml; prints the held-out macro (minutes).
lodo: setup
	$(BIN)/python eval/lodo.py

bench: setup
	$(BIN)/python bench/run.py

# Both backends side by side (README, "Running on PostgreSQL"); SCALE_SECONDS bounds the PostgreSQL scale run.
SCALE_SECONDS ?= 300
bench-backends: setup
	scripts/pg.sh run sh -c '$(BIN)/python bench/backends.py --postgres "$$POLICY_MONITOR_TEST_PG_URL" --scale-seconds $(SCALE_SECONDS)'

clean:
	rm -rf $(VENV) var build *.egg-info .pytest_cache .mypy_cache .ruff_cache mutants
