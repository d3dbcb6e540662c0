# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app efaktur
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint bench install install-test migrate admin reset-admin-password backup restore check browser clean translations compile-translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Stamp files re-run the install when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed compile-translations
install-test: $(VENV)/.installed-test compile-translations

# Translations (README, "Translations"): the catalogues are efaktur/translations/<language>/LC_MESSAGES/messages.po.
# `make translations` extracts every marked text of the code and templates into messages.pot and merges it
# into each catalogue (new texts arrive empty, changed ones fuzzy); `compile-translations` builds the .mo
# files the app reads, and runs on every install.
BABEL_KEYWORDS := -k lazy_gettext -k N_
translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --ignore-dirs=".* __pycache__" --no-location --sort-output \
		--project efaktur --copyright-holder efaktur -o efaktur/translations/messages.pot .
	$(BIN)/pybabel update -i efaktur/translations/messages.pot -d efaktur/translations -w 120 \
		--ignore-obsolete
	$(BIN)/pybabel compile -d efaktur/translations --statistics

compile-translations: $(VENV)/.installed
	@$(BIN)/pybabel compile -d efaktur/translations >/dev/null

instance/config.py:
	$(BIN)/python -m efaktur.instance_setup instance

migrate: install instance/config.py
	$(FLASK) db upgrade

admin: migrate
	@$(FLASK) users ensure-admin --url http://$(HOST):$(PORT)

reset-admin-password: migrate
	$(FLASK) users set-password admin@example.com

# Operations (README, "Operations"): a backup of the database now, into instance/backups
# (or EFAKTUR_BACKUP_DIR), keeping the last EFAKTUR_BACKUP_KEEP; a restore; the ledger check.
backup: install instance/config.py
	@$(FLASK) backup $(BACKUP_ARGS)

restore: install instance/config.py
	@test -n "$(BACKUP)" || { echo "Say which backup: make restore BACKUP=instance/backups/efaktur-....sqlite"; exit 2; }
	@$(FLASK) restore "$(BACKUP)" $(RESTORE_ARGS)

check: install instance/config.py
	@$(FLASK) check

# Threaded workers: a Generate waiting on a slow mail server holds one thread, not the whole app.
# E-mail links and the trusted host follow where it is served, unless FLASK_EFAKTUR_PUBLIC_URL says otherwise.
# No control socket: gunicorn's is one path per user, and a second instance on the machine would remove it.
run: export FLASK_EFAKTUR_PUBLIC_URL ?= http://$(HOST):$(PORT)
run: admin
	@echo "Serving on http://$(HOST):$(PORT) (Ctrl-C stops)"
	$(BIN)/gunicorn --workers 2 --worker-class gthread --threads 4 --no-control-socket --bind $(HOST):$(PORT) \
		--access-logfile - wsgi:app

# Browser tests need Debian's Chromium; install it when we are root and it is missing.
browser:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests..."; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core) >/dev/null \
		|| echo "Could not install chromium; browser tests will be skipped."; \
	fi

# The linter first (pyflakes, pycodestyle, bugbear, import order: pyproject.toml [tool.ruff]), then the suite.
test: install-test browser lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .

bench: install-test
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
