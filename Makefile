# The two commands of the README: `make run` and `make test`. Both set up
# everything they need (a virtual environment in .venv) on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
EVAL   ?= ../shared/eval

.PHONY: setup run ingest test eval bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,postgres]'
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/policy-monitor migrate
	$(BIN)/policy-monitor run

test: setup
	$(BIN)/python -m pytest -q

eval: setup
	@tmp=$$(mktemp -d); \
	MONITOR_DATABASE_URL=sqlite:///$$tmp/eval.db $(BIN)/policy-monitor ingest seeds >/dev/null && \
	MONITOR_DATABASE_URL=sqlite:///$$tmp/eval.db $(BIN)/policy-monitor export --output $$tmp/export.json >/dev/null && \
	$(BIN)/python $(EVAL)/evaluate.py $(EVAL)/seeds-gold.toml $$tmp/export.json; \
	status=$$?; rm -rf $$tmp; exit $$status

bench: setup
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var build *.egg-info .pytest_cache
