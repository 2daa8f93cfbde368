# Two commands for a new user: `make run` and `make test`; `make serve` for production.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP_RUN  := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: run serve serve-check test lint format bench install install-test migrate clean browser-deps screenshots

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
	$(BIN)/python manage.py load_editorial_seed

# The development server, with DEBUG on (it is off unless DJANGO_DEBUG=1).
run: export DJANGO_DEBUG = 1
run: migrate
	@echo ""
	@echo "  The glossary is at http://127.0.0.1:$(PORT)/"
	@echo "  To use the admin (http://127.0.0.1:$(PORT)/admin/), create an account first:"
	@echo "      $(BIN)/python manage.py createsuperuser"
	@echo "  Then add editors (Editors group: write and publish directly; password printed once):"
	@echo "      $(BIN)/python manage.py create_editor <username> --email <address>"
	@echo "  or accounts for the review workflow (docs/editorial-workflow.md; a reviewer"
	@echo "  also needs a person profile, Editorial > People, to sign reviews with):"
	@echo "      $(BIN)/python manage.py create_editor <username> --email <address> --role writer|reviewer|publisher"
	@echo ""
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The production configuration (DEBUG off, gunicorn with config/gunicorn.conf.py) on
# 127.0.0.1 over plain http. Needs DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS.
serve: export DJANGO_DEBUG = 0
serve: serve-check
	$(MAKE) --no-print-directory migrate
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo ""
	@echo "  The glossary (production settings, gunicorn) is at http://127.0.0.1:$(PORT)/"
	@echo "  Health check: http://127.0.0.1:$(PORT)/healthz   Stop with Ctrl-C."
	@echo ""
	exec $(BIN)/gunicorn --config config/gunicorn.conf.py --bind 127.0.0.1:$(PORT)

serve-check:
	@if [ -z "$$DJANGO_SECRET_KEY" ] || [ -z "$$DJANGO_ALLOWED_HOSTS" ]; then \
	  echo "make serve needs two variables in the environment:"; \
	  echo "  DJANGO_SECRET_KEY     a long random string, e.g. from"; \
	  echo "                        $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))'"; \
	  echo "  DJANGO_ALLOWED_HOSTS  the host names to answer to, e.g. 127.0.0.1,localhost"; \
	  echo "Example: DJANGO_SECRET_KEY=... DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost make serve"; \
	  exit 1; \
	fi

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
