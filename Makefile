# Seva Desk: `make run` starts everything, `make test` runs every test. Both set up a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= seva.settings.local
export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/seva
export REDIS_URL ?= redis://127.0.0.1:6379/0
# Playwright drives Debian's Chromium (scripts/browser.sh); it never downloads a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: run test lint format setup services browser fonts venv db clean check-deploy map screenshots

# The virtual environment is rebuilt whenever the requirements change.
$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(BIN)/.installed

services:
	@scripts/services.sh

browser:
	@scripts/browser.sh

fonts:
	@scripts/fonts.sh

# The dashboard's map of India (static/vendor/svg-maps-india/, CC BY 4.0): committed, so a fresh machine
# needs no registry to serve it; this fetches the pinned npm package again and checks it is the same file.
MAP_PACKAGE := @svg-maps/india@2.0.0
MAP_SHA256 := 614d8e36599c254eee068791db371f8a7c5accf7a47146e21a828fe21d85fe85
map:
	@scripts/india_map.sh $(MAP_PACKAGE) $(MAP_SHA256) static/vendor/svg-maps-india

db: venv services
	@$(BIN)/python scripts/createdb.py
	@$(BIN)/python manage.py migrate --noinput -v 0
	@$(BIN)/python manage.py collectstatic --noinput -v 0

setup: db fonts

run: setup
	@test -s .demo-password || $(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(9))' > .demo-password
	@SEVA_DEMO_PASSWORD=$${SEVA_DEMO_PASSWORD:-$$(cat .demo-password)} $(BIN)/python manage.py seed_demo
	@# Replies are posted with tokens from the database: X_ACCOUNT_TOKENS if set, else the fake X API's.
	@$(BIN)/python manage.py load_account_tokens --demo
	@echo
	@echo "Seva Desk: http://127.0.0.1:$(PORT)/  (API docs /api/docs/, admin /admin/, health /healthz)"
	@echo "Ctrl-C stops the web server, the worker and beat together."
	@PORT=$(PORT) $(BIN)/honcho start

# Tests run on the test settings whatever this Makefile exports for `make run`: pytest-django lets
# the environment win over pytest.ini.
test: venv services browser fonts
	@DATABASE_URL=$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/seva} $(BIN)/python scripts/createdb.py
	@$(MAKE) --no-print-directory check-deploy
	DJANGO_SETTINGS_MODULE=seva.settings.test $(BIN)/pytest $(PYTEST_ARGS)

# The README's screenshots (docs/screenshots/), taken afresh by the browser tests over a demo-like day.
screenshots: venv services browser
	@DATABASE_URL=$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/seva} $(BIN)/python scripts/createdb.py
	SEVA_SCREENSHOTS=1 DJANGO_SETTINGS_MODULE=seva.settings.test $(BIN)/pytest tests/browser/test_screenshots.py

# Django's deployment checklist against the production settings, with stand-in values for the
# secrets they insist on (nothing is connected to; the key is made up for this run only).
check-deploy: venv
	DJANGO_SETTINGS_MODULE=seva.settings.production \
	SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	ALLOWED_HOSTS=seva.example.invalid DATABASE_URL=postgres://check@127.0.0.1:5432/check \
	REDIS_URL=redis://127.0.0.1:6379/0 X_API_BEARER_TOKEN=check X_API_CONSUMER_KEY=check \
	X_API_CONSUMER_SECRET=check SEVA_TOKEN_KEYS="$$($(BIN)/python -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')" \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -c pyproject.toml -r . --severity-level medium

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .celerybeat-schedule*
