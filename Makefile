# The README's two commands: `make run` and `make test`. Everything runs from the project's own .venv,
# made on first use from pyproject.toml, so a fresh machine needs only python3, make and git.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: run test lint specs clean

# The stamp, not the directory, is the target: a half-made venv (pip interrupted) is redone next time.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[test]'
	touch $@

# All four services in one process: SQLite files in ./data, embedded bus, ports 8001-8004.
run: $(VENV)/.installed
	$(BIN)/safetynet run

# Lint first (cheap), then the whole suite; e.g. `make test PYTEST_ARGS='-k referral -x'`.
test: lint
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy libs services tests

# Regenerate deploy/asyncapi.yaml and deploy/openapi/*.json from the code; commit the result.
specs: $(VENV)/.installed
	$(BIN)/python -m services.specs

# Local state of `make run` only; the venv stays.
clean:
	rm -rf data
