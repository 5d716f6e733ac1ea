# Two commands for a fresh machine with Python 3.11 (see README):
#   make demo   - install, migrate, load fixtures and demo accounts, build the matching index,
#                 serve http://127.0.0.1:8000
#   make test   - install, check the import layers (lint-imports), run the whole test suite
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: demo test test-deps install setup smoke fixtures vectors serve bench-load bench-setup ranking-snapshot

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# pip compiles every installed .py file to bytecode one file after another (about 100 CPU seconds
# here, about two thirds of the install's CPU); compileall does it on every core. Bytecode only speeds
# up imports, so a file it cannot compile (torch ships one in Python 3.12 syntax; pip skips it too)
# does not fail the install.
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --no-compile -r requirements.txt
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib || true
	touch $@

install: $(VENV)/.installed

setup: install
	mkdir -p var
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py import_catalog fixtures/catalog.csv
	$(BIN)/python manage.py import_needs fixtures/needs.csv
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py build_index

demo: setup
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# What the tests need beyond Python, installed or started when missing: Debian's Chromium and CJK
# fonts for the browser tests (never `playwright install`: it downloads a browser of its own), and
# Redis on 127.0.0.1:6379 for the Celery and cache tests.
test-deps:
	@command -v chromium >/dev/null || { apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk; }
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || { \
		redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
			--dir /tmp --logfile /tmp/redis-test.log && \
		for i in $$(seq 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done; }

# pytest-xdist: one worker per core (PYTEST_WORKERS=0 runs in this process); each worker has its own
# test database (test_<name>_gw0, ...). --dist loadfile keeps each test file on one worker, in
# order: module fixtures are made once and tests sharing one (tests/config/test_gunicorn.py's
# server) see each other's requests as in one process. (--dist loadgroup would not group: pytest 9
# ignores the node ids pytest-xdist 3.8 rewrites for it.)
# A transactional test's flush no longer empties the taxonomy for the files after it on the same
# worker (post_migrate restores it), so workers are the default; PYTEST_WORKERS=0 runs one process.
PYTEST_WORKERS ?= auto
test: install test-deps
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# The embedded default path on SQLite, as README's first command runs it (without serving).
# Matches of every open need are left out (build_index --no-refresh) to keep CI short.
smoke: export DATABASE_URL = sqlite:///$(CURDIR)/var/smoke/db.sqlite3
smoke: install
	rm -rf var/smoke && mkdir -p var/smoke
	$(BIN)/python manage.py migrate --no-input -v0
	$(BIN)/python manage.py import_catalog fixtures/catalog.csv
	$(BIN)/python manage.py import_needs fixtures/needs.csv
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py check_counts --providers 1191 --needs-min 1500
	$(BIN)/python manage.py build_index --no-refresh
	$(BIN)/python manage.py match --text "窑炉温度全靠老师傅看火，天然气费用一年比一年高" --industry ceramics \
		--city 淄博市 --county 博山区 --budget-max 150000 --top 3

fixtures: install
	$(BIN)/python manage.py generate_fixtures --seed 0

# The vectors of every fixture text and the term counts of every fixture solution, shipped in
# fixtures/vectors/ so that no machine encodes or segments them
# again. Run after changing a fixture (only new or edited texts are encoded).
vectors: export DATABASE_URL = sqlite:///$(CURDIR)/var/vectors/db.sqlite3
vectors: install
	rm -rf var/vectors && mkdir -p var/vectors
	$(BIN)/python manage.py migrate --no-input -v0
	$(BIN)/python manage.py import_catalog fixtures/catalog.csv
	$(BIN)/python manage.py import_needs fixtures/needs.csv
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py vectors_export $(foreach f,$(wildcard fixtures/dev/needs.csv fixtures/blind/needs.csv),--needs-file $(f))

# Issue 11's set-up target: `make setup`'s steps on a fresh SQLite database against the time of 300
# single-passage encodes of the model, in one run (README "Two commands").
bench-setup: install
	mkdir -p var/bench
	$(BIN)/python manage.py bench_setup | tee var/bench/setup.json

# Production on one machine (README "Running in production"): web (gunicorn), worker and beat
# from the Procfile. Needs SECRET_KEY and DATABASE_URL (in the environment or .env) and Redis.
serve: export DJANGO_SETTINGS_MODULE ?= config.settings.production
serve: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py collectstatic --no-input -v0
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start

# Bounded load on loopback (README "Load benchmark"): gunicorn with 4 workers on 127.0.0.1:8077
# over DATABASE_URL (PostgreSQL with the fixture catalog, needs, seed_demo and build_index done),
# then bench_load's fixed number of requests; gunicorn is stopped by its pid afterwards.
bench-load: export DJANGO_SETTINGS_MODULE = config.settings.production
bench-load: export SECRET_KEY ?= bench-load-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz
bench-load: export HTTPS = false
bench-load: export ALLOWED_HOSTS = 127.0.0.1,localhost
bench-load: export WEB_CONCURRENCY = 4
bench-load: export GUNICORN_BIND = 127.0.0.1:8077
bench-load: export GUNICORN_LOG_LEVEL = warning
bench-load: export MATCHING_JOBS ?= thread
bench-load: export REDIS_URL ?= redis://127.0.0.1:6379/7
bench-load: export API_THROTTLE_ANON = 100000/minute
bench-load: export API_THROTTLE_USER = 100000/minute
bench-load: BENCH_REQUESTS ?= 2000
bench-load: install
	$(BIN)/python manage.py collectstatic --no-input -v0
	mkdir -p var
	if [ "$$MATCHING_JOBS" = celery ]; then $(BIN)/celery -A config worker --pool solo --detach \
		--pidfile $(CURDIR)/var/bench-celery.pid --logfile $(CURDIR)/var/bench-celery.log; fi
	$(BIN)/gunicorn -c config/gunicorn.py --access-logfile /dev/null --pid var/bench-gunicorn.pid --daemon
	for i in $$(seq 60); do curl -sf http://127.0.0.1:8077/solutions/ >/dev/null && break; sleep 1; done
	$(BIN)/python manage.py bench_load --base-url http://127.0.0.1:8077 --requests $(BENCH_REQUESTS) \
		--gunicorn-pid $$(cat var/bench-gunicorn.pid); status=$$?; kill $$(cat var/bench-gunicorn.pid); \
		[ -f var/bench-celery.pid ] && kill $$(cat var/bench-celery.pid); rm -f var/bench-celery.pid; exit $$status

# The ranking of the development needs on a fresh SQLite database built from the fixtures (as
# README "Two commands", without seed_demo and the stored matches): `match --json` and the
# full-precision `ranking_snapshot` (candidates, channel scores, frontiers) in var/ranking/$(NAME).*
# Run it before and after a change of the engine's internals, then compare (README "Scale"):
#   diff var/ranking/before.json var/ranking/after.json
#   python manage.py ranking_snapshot --compare var/ranking/before.jsonl var/ranking/after.jsonl
NAME ?= snapshot
ranking-snapshot: export DATABASE_URL = sqlite:///$(CURDIR)/var/ranking/db.sqlite3
ranking-snapshot: install
	mkdir -p var/ranking && rm -f var/ranking/db.sqlite3
	$(BIN)/python manage.py migrate --no-input -v0
	$(BIN)/python manage.py import_catalog fixtures/catalog.csv
	$(BIN)/python manage.py import_needs fixtures/needs.csv
	$(BIN)/python manage.py build_index --no-refresh
	$(BIN)/python manage.py match --needs-file fixtures/dev/needs.csv --json > var/ranking/$(NAME).json
	$(BIN)/python manage.py ranking_snapshot --needs-file fixtures/dev/needs.csv --out var/ranking/$(NAME).jsonl
