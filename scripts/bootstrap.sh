#!/usr/bin/env bash
# Create .venv with every Python dependency pinned in uv.lock. Safe to run again (a no-op then).
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "Chibo needs Python 3.11 or newer; found $("$PYTHON" --version)." >&2
  exit 1
fi
UV="$(command -v uv || true)"
if [ -z "$UV" ]; then
  if [ ! -x .tools/bin/uv ]; then
    echo "Installing uv into .tools/ ..."
    "$PYTHON" -m venv .tools
    .tools/bin/pip install -q uv
  fi
  UV=.tools/bin/uv
fi
"$UV" sync --frozen --quiet --python "$PYTHON"
