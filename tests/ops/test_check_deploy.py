"""scripts/check-deploy.sh (make check-deploy): run for real in a subprocess, with an environment
file as a server has, against a migrated PostgreSQL database and collected static files.

On the PostgreSQL run of the suite the database is the tests' own (migrated by pytest-django);
on the SQLite run a throwaway PostgreSQL server is started (scripts/pg-test.sh) and migrated.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check-deploy.sh"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
if not Path(PYTHON).exists():  # a venv elsewhere: the interpreter running the tests
    import sys

    PYTHON = sys.executable


def _base_env(tmp: Path) -> dict[str, str]:
    """A clean environment: what the script reads must come from the file it is given."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env["CHIBO_VAR_DIR"] = str(tmp / "var")
    env["PYTHON"] = PYTHON
    return env


def _secret() -> str:
    return secrets.token_urlsafe(50)


ON_PG = os.environ.get("DATABASE_URL", "").startswith("postgres")


@pytest.fixture
def postgres_url(request, db) -> str:
    """A migrated PostgreSQL database the script can reach. (``db`` in the signature: asked
    for by name only, pytest-django would not create the tests' database.)"""
    if ON_PG:
        s = connections["default"].settings_dict  # the tests' database, migrated
        return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    return str(request.getfixturevalue("throwaway_postgres"))


@pytest.fixture(scope="module")
def throwaway_postgres() -> Iterator[str]:
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        pytest.skip("PostgreSQL server binaries not installed (make test installs them)")
    # Not under pytest's temporary directory: as root, the cluster belongs to "postgres", who
    # must reach its directory (pytest's are private to root).
    tmp = Path(tempfile.mkdtemp(prefix="chibo-check-deploy-"))
    os.chmod(tmp, 0o711)  # noqa: S103
    pg_dir = tmp / "cluster"
    url = subprocess.run(
        [str(ROOT / "scripts" / "pg-test.sh"), "start", str(pg_dir)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    try:
        import psycopg

        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as db:
            db.execute("CREATE DATABASE chibo")
        env = {**_base_env(tmp), "DATABASE_URL": url}
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
        )
        yield url
    finally:
        subprocess.run([str(ROOT / "scripts" / "pg-test.sh"), "stop", str(pg_dir)], check=False)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def static_root(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("static")
    env = {
        **_base_env(tmp),
        "DEBUG": "0",
        "SECRET_KEY": _secret(),
        "STATIC_ROOT": str(tmp / "static"),
    }
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    return tmp / "static"


@pytest.fixture
def run_check(tmp_path, postgres_url, static_root):
    """``run_check(**changes)``: write a good environment file with ``changes`` (None removes a
    variable), run the script on it, return (exit code, output)."""

    def run(**changes: str | None) -> tuple[int, str]:
        values: dict[str, str | None] = {
            "DEBUG": "0",
            "SECRET_KEY": _secret(),
            "ALLOWED_HOSTS": "chibo.example.vn",
            "DATABASE_URL": postgres_url,
            "STATIC_ROOT": str(static_root),
            **changes,
        }
        lines = ["# /etc/chibo/env of a test server", ""]
        for key, value in values.items():
            if value is not None:
                # Quoted values, as people write them: the script strips the quotes.
                lines.append(f'{key}="{value}"' if key == "SECRET_KEY" else f"{key}={value}")
        env_file = tmp_path / "env"
        env_file.write_text("\n".join(lines) + "\n")
        done = subprocess.run(
            [str(SCRIPT), str(env_file)],
            cwd=tmp_path,  # the script finds the project itself
            env=_base_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=300,
        )
        return done.returncode, done.stdout + done.stderr

    return run


def test_a_good_configuration_passes(run_check):
    code, out = run_check()
    assert code == 0, out
    for line in (
        "✓ DEBUG is off",
        "✓ ALLOWED_HOSTS: chibo.example.vn",
        "✓ PostgreSQL database",
        "✓ static files collected",
        "✓ manage.py check --deploy --fail-level WARNING",
        "✓ migrations applied",
        "Configuration check passed.",
    ):
        assert line in out, out
    assert "✗" not in out


def test_debug_on_fails_with_the_reason(run_check):
    code, out = run_check(DEBUG="1")
    assert code == 1, out
    assert "✗ DEBUG is on: set DEBUG=0" in out
    # Django's own deployment check says it too (security.W018), and the rest still passes.
    assert "✗ manage.py check --deploy" in out
    assert "security.W018" in out
    assert "✓ ALLOWED_HOSTS: chibo.example.vn" in out
    assert "Configuration check FAILED" in out


def test_a_short_secret_fails_with_the_reason(run_check):
    code, out = run_check(SECRET_KEY="too-short")
    assert code == 1, out
    assert "✗ SECRET_KEY is too short or too simple (9 characters; at least 50)" in out
    assert "✓ DEBUG is off" in out


def test_sqlite_and_a_wildcard_host_fail(run_check, tmp_path):
    code, out = run_check(DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}", ALLOWED_HOSTS="*")
    assert code == 1, out
    assert "✗ DATABASE_URL is not PostgreSQL (sqlite3)" in out
    assert "✗ ALLOWED_HOSTS contains '*'" in out
    # A new SQLite file has no tables: the migrations are reported as not applied.
    assert "✗ migrations not applied" in out


def test_settings_that_do_not_load_are_reported(run_check):
    code, out = run_check(SECRET_KEY=None)
    assert code == 1, out
    assert "✗ the settings do not load: RuntimeError: SECRET_KEY must be set when DEBUG=0" in out


def test_a_missing_env_file_is_refused(tmp_path):
    done = subprocess.run(
        [str(SCRIPT), str(tmp_path / "nope")],
        env=_base_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert f"cannot read the environment file {tmp_path / 'nope'}" in done.stderr


def test_a_malformed_env_file_is_refused(tmp_path):
    env_file = tmp_path / "env"
    env_file.write_text("DEBUG=0\nthis is not a setting\n")
    done = subprocess.run(
        [str(SCRIPT), str(env_file)],
        env=_base_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "not a KEY=value line: this is not a setting" in done.stderr


def test_the_make_target_runs_the_script():
    done = subprocess.run(
        ["make", "-n", "check-deploy", "ENV_FILE=/srv/test/env"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "scripts/check-deploy.sh /srv/test/env" in done.stdout
