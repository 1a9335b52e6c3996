#!/usr/bin/env bash
# The test command (make test): installs what the tests need, then runs every check and test,
# on SQLite and on a real PostgreSQL server started here on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-apt.sh postgresql chromium gettext fonts-noto-core
scripts/bootstrap.sh
PY=.venv/bin/python
export CHIBO_VAR_DIR="${CHIBO_VAR_DIR:-$(mktemp -d)}"

step() { printf '\n== %s\n' "$*"; }

step "compile translations"
$PY manage.py compilemessages -v0 --ignore=.venv --ignore=.tools

step "ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

step "mypy (services, selectors, access helpers)"
.venv/bin/mypy

step "migrations are up to date"
$PY manage.py makemigrations --check --dry-run

step "deployment check with production settings"
DEBUG=0 SECRET_KEY="$($PY -c 'import secrets; print(secrets.token_urlsafe(50))')" \
  ALLOWED_HOSTS=chibo.example.vn $PY manage.py check --deploy --fail-level WARNING

pgdir="$(mktemp -d)"
trap 'scripts/pg-test.sh stop "$pgdir"' EXIT

step "tests on SQLite (unit, browser, API fuzzing)"
$PY -m pytest -p no:randomly "$@"

step "tests on PostgreSQL"
DATABASE_URL="$(scripts/pg-test.sh start "$pgdir")"
export DATABASE_URL
$PY -m pytest -p no:randomly -m "not browser and not fuzz" "$@"
