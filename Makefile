# Two commands for a new user: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP_RUN  := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: run test lint format bench install install-test migrate clean browser-deps screenshots

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed: '$(PYTHON)' was not found (set PYTHON=/path/to/python3.11)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $@ $(STAMP_RUN)

install: $(STAMP_RUN)
install-test: $(STAMP_TEST)

migrate: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_seed_content --if-empty

run: migrate
	@echo ""
	@echo "  The glossary is at http://127.0.0.1:$(PORT)/"
	@echo "  To use the admin (http://127.0.0.1:$(PORT)/admin/), create an account first:"
	@echo "      $(BIN)/python manage.py createsuperuser"
	@echo "  Then add writers (Editors group, password printed once):"
	@echo "      $(BIN)/python manage.py create_editor <username>"
	@echo ""
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Refresh the README's screenshots (docs/screenshots/) with the browser tests that take them.
screenshots: install-test
	SCREENSHOTS_DIR=docs/screenshots $(BIN)/python -m pytest tests/browser/test_screenshots.py -q -p no:cacheprovider

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install-test
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
