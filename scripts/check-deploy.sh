#!/usr/bin/env bash
# Check a deployment's configuration before (re)starting Chibo (docs/deploy.md, "Checklist").
#   scripts/check-deploy.sh [ENV_FILE]     (make check-deploy [ENV_FILE=/etc/chibo/env])
# Reads the environment file the service uses (KEY=value lines, as systemd's EnvironmentFile;
# default /etc/chibo/env when it exists, otherwise the current environment), then checks:
# DEBUG off, a long SECRET_KEY that is not the development one, ALLOWED_HOSTS, PostgreSQL,
# `manage.py check --deploy --fail-level WARNING`, migrations applied, static files collected
# and translations compiled. One ✓/✗ line per check; exits 1 when any check fails.
set -uo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"

env_file="${1:-}"
if [ -z "$env_file" ] && [ -r /etc/chibo/env ]; then
  env_file=/etc/chibo/env
fi
if [ -n "$env_file" ]; then
  if [ ! -r "$env_file" ]; then
    echo "✗ cannot read the environment file $env_file" >&2
    exit 2
  fi
  # As systemd reads it: KEY=value, optional quotes, no shell expansion, # comments.
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line#"${line%%[![:space:]]*}"}"
    case "$line" in "" | "#"* | ";"*) continue ;; esac
    line="${line#export }"
    key="${line%%=*}"
    value="${line#*=}"
    if [ "$key" = "$line" ] || ! [[ "$key" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
      echo "✗ $env_file: not a KEY=value line: $line" >&2
      exit 2
    fi
    if [[ "$value" =~ ^\"(.*)\"$ ]] || [[ "$value" =~ ^\'(.*)\'$ ]]; then
      value="${BASH_REMATCH[1]}"
    fi
    export "$key=$value"
  done <"$env_file"
  echo "Environment: $env_file"
else
  echo "Environment: the current one (no file given, /etc/chibo/env not found)"
fi

failed=0
ok() { printf '✓ %s\n' "$*"; }
bad() { printf '✗ %s\n' "$*"; failed=1; }

# The settings as Chibo sees them (the same parsing as the server's).
settings_out="$("$PY" - <<'PYCODE' 2>&1
import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
try:
    import django

    django.setup()
except Exception as error:  # the settings refuse to load: say why, as one line
    print(json.dumps({"error": f"{type(error).__name__}: {error}"}))
    sys.exit(0)
from django.conf import settings

from config.settings import _DEV_SECRET

lines = []


def check(good, message):
    lines.append(("ok" if good else "bad", message))


check(not settings.DEBUG, "DEBUG is off" if not settings.DEBUG else
      "DEBUG is on: set DEBUG=0 (unset means on)")
key = settings.SECRET_KEY
if key == _DEV_SECRET or key.startswith("django-insecure"):
    check(False, "SECRET_KEY is the development key: generate one (see docs/deploy.md)")
elif len(key) < 50 or len(set(key)) < 5:
    check(False, f"SECRET_KEY is too short or too simple ({len(key)} characters; at least 50)")
else:
    check(True, f"SECRET_KEY is set ({len(key)} characters)")
hosts = settings.ALLOWED_HOSTS
if not hosts:
    check(False, "ALLOWED_HOSTS is empty: set the site's host name(s)")
elif "*" in hosts:
    check(False, "ALLOWED_HOSTS contains '*': name the site's host(s)")
else:
    check(True, "ALLOWED_HOSTS: " + ", ".join(hosts))
db = settings.DATABASES["default"]
if db["ENGINE"] == "django.db.backends.postgresql":
    check(True, f"PostgreSQL database {db['NAME']} on {db.get('HOST') or 'local socket'}"
          f" (CONN_MAX_AGE={db.get('CONN_MAX_AGE')})")
else:
    check(False, f"DATABASE_URL is not PostgreSQL ({db['ENGINE'].rsplit('.', 1)[-1]}): "
          "set DATABASE_URL=postgres://…")
manifest = os.path.join(settings.STATIC_ROOT, "staticfiles.json")
if not os.path.exists(manifest):
    check(False, f"static files not collected in {settings.STATIC_ROOT}: run collectstatic")
else:
    from django.contrib.staticfiles.finders import get_finders

    with open(manifest, encoding="utf-8") as handle:
        collected = json.load(handle).get("paths", {})
    missing = sorted(
        path
        for finder in get_finders()
        for path, _storage in finder.list(["CVS", ".*", "*~"])
        if path.replace(os.sep, "/") not in collected
    )
    if missing:
        check(False, f"static files out of date ({len(missing)} not collected, e.g. "
              f"{missing[0]}): run collectstatic")
    else:
        check(True, f"static files collected in {settings.STATIC_ROOT} ({len(collected)})")
missing_mo = [
    os.path.join(str(path), lang)
    for path in settings.LOCALE_PATHS
    for lang in sorted(os.listdir(path))
    if os.path.exists(os.path.join(path, lang, "LC_MESSAGES", "django.po"))
    and not os.path.exists(os.path.join(path, lang, "LC_MESSAGES", "django.mo"))
]
check(not missing_mo, "translations compiled" if not missing_mo else
      "translations not compiled (" + ", ".join(missing_mo) + "): run compilemessages")
print(json.dumps({"lines": lines}))
PYCODE
)"
settings_json="$(printf '%s\n' "$settings_out" | tail -n 1)"
if ! parsed="$(printf '%s' "$settings_json" | "$PY" -c '
import json, sys
data = json.load(sys.stdin)
if "error" in data:
    print("bad\tthe settings do not load: " + data["error"])
for status, message in data.get("lines", []):
    print(status + "\t" + message)
' 2>/dev/null)"; then
  bad "the settings could not be read:"
  printf '%s\n' "$settings_out" | tail -n 5 | sed 's/^/    /'
  exit 1
fi
while IFS=$'\t' read -r status message; do
  if [ "$status" = ok ]; then ok "$message"; else bad "$message"; fi
done <<<"$parsed"
if grep -q "the settings do not load" <<<"$parsed"; then
  exit 1
fi

if out="$("$PY" manage.py check --deploy --fail-level WARNING 2>&1)"; then
  ok "manage.py check --deploy --fail-level WARNING"
else
  bad "manage.py check --deploy --fail-level WARNING:"
  printf '%s\n' "$out" | grep -v '^$' | sed 's/^/    /'
fi

if out="$("$PY" manage.py migrate --check 2>&1)"; then
  ok "migrations applied"
else
  bad "migrations not applied (or the database cannot be reached): run manage.py migrate"
  pending="$("$PY" manage.py showmigrations --plan 2>&1 | grep -F '[ ]')"
  printf '%s\n' "${pending:-$out}" | grep -v '^$' | tail -n 5 | sed 's/^/    /'
fi

if [ "$failed" -ne 0 ]; then
  echo "Configuration check FAILED: fix the ✗ lines above."
  exit 1
fi
echo "Configuration check passed."
