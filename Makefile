# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format audit install migrate demo clean bench-load eval-match bench-match bench-bank-load messages bench-dashboard

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "takedown needs Python 3.11 or newer"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py load_demo

# On another port (make run PORT=8765) links in e-mails and the demo platform's own URLs
# follow, unless set in the environment.
run demo: export TAKEDOWN_SITE_URL ?= http://$(HOST):$(PORT)
run demo: export TAKEDOWN_PLATFORM_HOSTS ?= $(HOST):$(PORT),localhost:$(PORT)

run: demo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

# Security audit: bandit over the project's code (tests and migrations left out: tests assert
# by design), then pip-audit over every installed package (README, "Security hardening and
# audit"; reviewed findings in .ci/audit-reviewed.txt).
audit: install
	$(BIN)/bandit -q -r takedown cases notices demo_platform staydown benchmarks .ci -x '*/migrations/*'
	$(BIN)/python .ci/audit_dependencies.py

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var

# The Chinese catalogues: extract every marked string into <app>/locale/zh_Hans (needs GNU
# gettext), then compile the .mo files, which are committed so a machine without gettext
# serves Chinese. tests/test_translations.py checks that none is missing or untranslated.
MESSAGES_IGNORE := --ignore=.venv --ignore=var --ignore=tests --ignore=benchmarks --ignore=demo_platform
messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete $(MESSAGES_IGNORE)
	$(BIN)/python manage.py compilemessages -l zh_Hans $(MESSAGES_IGNORE)

# Load on gunicorn + PostgreSQL + Redis + a Celery worker with a zero-loss reconciliation,
# then the review queue at 100,000 cases against 1,000 (see README, "Benchmarks").
bench-load: install
	$(BIN)/python -m benchmarks.load
	$(BIN)/python -m benchmarks.queue

# The staff dashboard at 100,000 cases spread over a year against 1,000, on the embedded SQLite
# and then on a throwaway PostgreSQL (see README, "Benchmarks").
bench-dashboard: install
	$(BIN)/python -m benchmarks.dashboard
	$(BIN)/python -m benchmarks.dashboard --postgres

# Matching quality: precision, recall and false-match rate per transform family on reposts made
# from photos that ship inside installed packages (see README, "Image matching").
eval-match: install
	$(BIN)/python -m benchmarks.eval_match

# The staydown index at 100,000 / 1,000,000 / 10,000,000 PDQ hashes against a NumPy scan, and
# the cost of hashing one upload (see README, "The staydown bank").
bench-match: install
	$(BIN)/python -m benchmarks.bench_match

# The staydown index built from a SQLite bank of 100,000 and 1,000,000 entries, and the catch-up
# after a bulk import of 260,000 hashes (see README, "The staydown bank").
bench-bank-load: install
	$(BIN)/python -m benchmarks.bank_load
