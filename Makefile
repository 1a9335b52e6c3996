# Chibo — the two commands of the README, and a few helpers.
PORT ?= 8000
PY := .venv/bin/python
export UV_PYTHON_DOWNLOADS := never

.PHONY: run test install demo lint fmt bench

## run: install, create the SQLite database, load the demo province, serve on 127.0.0.1:$(PORT)
run: install
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py seed_demo
	@echo "Chibo: http://127.0.0.1:$(PORT)/  (Ctrl+C to stop)"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

## test: install what the tests need (PostgreSQL, Chromium, gettext) and run every test
test:
	scripts/test.sh

install:
	scripts/ensure-apt.sh gettext
	scripts/bootstrap.sh
	$(PY) manage.py compilemessages -v0 --ignore=.venv --ignore=.tools

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy

fmt:
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .

bench:
	$(PY) bench/seed.py

## check-deploy: check a server's configuration (ENV_FILE=…, default /etc/chibo/env or the current env)
.PHONY: check-deploy
check-deploy:
	scripts/check-deploy.sh $(ENV_FILE)

## backup: one archive of the database in $(CHIBO_VAR_DIR)/backups (or OUT=dir-or-file)
## restore: restore FILE=… (checks it first; FORCE=1 replaces a database that holds data)
.PHONY: backup restore
backup:
	$(PY) manage.py backup $(if $(OUT),--output "$(OUT)")

restore:
	@test -n "$(FILE)" || { echo "usage: make restore FILE=chibo-backup-….tar [FORCE=1]" >&2; exit 2; }
	$(PY) manage.py restore "$(FILE)" $(if $(FORCE),--force)
