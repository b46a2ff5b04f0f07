# The two commands of the README: `make run` and `make test`. Both set up
# everything they need (a virtual environment in .venv) on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
EVAL   ?= ../shared/eval

.PHONY: setup run ingest test test-sqlite test-postgres eval bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,postgres]'
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/policy-monitor migrate
	$(BIN)/policy-monitor run

# `make test`: the whole suite on SQLite, then again on PostgreSQL (a throw-away server that
# scripts/pg.sh installs if needed, starts in a temporary folder and removes afterwards).
test: test-sqlite test-postgres

test-sqlite: setup
	$(BIN)/python -m pytest -q

test-postgres: setup
	scripts/pg.sh run env POLICY_MONITOR_TEST_DATABASE=postgresql $(BIN)/python -m pytest -q

eval: setup
	@tmp=$$(mktemp -d); \
	MONITOR_DATABASE_URL=sqlite:///$$tmp/eval.db $(BIN)/policy-monitor ingest seeds >/dev/null && \
	MONITOR_DATABASE_URL=sqlite:///$$tmp/eval.db $(BIN)/policy-monitor export --output $$tmp/export.json >/dev/null && \
	$(BIN)/python $(EVAL)/evaluate.py $(EVAL)/seeds-gold.toml $$tmp/export.json; \
	status=$$?; rm -rf $$tmp; exit $$status

bench: setup
	$(BIN)/python bench/run.py

# Both backends side by side (README, "Running on PostgreSQL"); SCALE_SECONDS bounds the PostgreSQL scale run.
SCALE_SECONDS ?= 300
bench-backends: setup
	scripts/pg.sh run sh -c '$(BIN)/python bench/backends.py --postgres "$$POLICY_MONITOR_TEST_PG_URL" --scale-seconds $(SCALE_SECONDS)'

clean:
	rm -rf $(VENV) var build *.egg-info .pytest_cache
