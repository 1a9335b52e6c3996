"""/healthz: 200 when the database answers, 503 when it does not.

The main test stops a real PostgreSQL server under a running app server (gunicorn); the
in-process tests cover the answer's shape, headers, and what it must not do (cookies, HTTPS
redirect of a local probe, leaking the error).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import OperationalError, connection
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
PG_TEST = ROOT / "scripts" / "pg-test.sh"
URL = "/healthz"
SESSION_COOKIE = "sessionid=0123456789abcdefghijklmnopqrstuv; csrftoken=x"  # DEBUG=1 names


# --- In process (SQLite or PostgreSQL, whichever the pass uses) -----------------------------


@pytest.mark.django_db
def test_healthz_answers_ok_without_session_cookie_or_cache() -> None:
    response = Client().get(URL)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies  # no session, no CSRF, no language cookie


@pytest.mark.django_db
def test_healthz_does_not_need_a_login_even_with_two_factor_required(settings) -> None:
    settings.CHIBO_2FA_REQUIRED = True
    response = Client().get(URL)
    assert response.status_code == 200


@pytest.mark.django_db
def test_healthz_with_a_logged_in_session_leaves_it_alone(world, client_for) -> None:
    client = client_for(world.secretary)
    response = client.get(URL)
    assert response.status_code == 200
    assert not response.cookies


@pytest.mark.django_db
def test_healthz_answers_get_and_head_only() -> None:
    assert Client().head(URL).status_code == 200
    assert Client().post(URL).status_code == 405


def test_healthz_is_503_when_the_database_fails_and_hides_the_error(monkeypatch) -> None:
    """In addition to the real stop below: a database error of any kind gives 503."""

    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection to 10.0.0.5 refused: password for chibo_prod")

    closed = []
    monkeypatch.setattr(connection, "cursor", broken_cursor)
    monkeypatch.setattr(connection, "close", lambda: closed.append(True))
    response = Client().get(URL)
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}
    assert "10.0.0.5" not in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert closed == [True]  # the broken connection is dropped, the next probe reconnects


@pytest.mark.django_db
def test_local_plain_http_probe_is_not_redirected_to_https(settings) -> None:
    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    assert client.get(URL).status_code == 200
    # The redirect itself is on: any other page goes to HTTPS.
    response = client.get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


@pytest.mark.django_db
def test_healthz_keeps_the_host_check(settings) -> None:
    settings.ALLOWED_HOSTS = ["chibo.example.vn"]
    assert Client().get(URL, HTTP_HOST="evil.example").status_code == 400
    assert Client().get(URL, HTTP_HOST="chibo.example.vn").status_code == 200


# --- A real PostgreSQL stopped under a running app server -----------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, cookie: str = "") -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (local URL)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _wait_until_up(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the app server stopped:\n{log.read_text()[-3000:]}")
        try:
            _get(url)
            return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.2)
    pytest.fail(f"the app server did not start:\n{log.read_text()[-3000:]}")


def _pg(*args: str) -> None:
    subprocess.run([str(PG_TEST), *args], check=True, capture_output=True, timeout=60)


def _pg_start_again(pgdir: str, port: int) -> None:
    """Start the same cluster on the same port (pg-test.sh start would make a new one)."""
    bindir = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    command = [
        str(bindir / "pg_ctl"),
        "-D",
        f"{pgdir}/data",
        "-l",
        f"{pgdir}/server.log",
        "-w",
        "-o",
        f"-c listen_addresses=127.0.0.1 -p {port} -k {pgdir} -c fsync=off",
        "start",
    ]
    if os.getuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, capture_output=True, timeout=60)


@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="runs once, in the SQLite pass (it starts its own PostgreSQL server)",
)
@pytest.mark.skipif(
    not list(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")),
    reason="PostgreSQL server binaries are not installed (scripts/test.sh installs them)",
)
def test_healthz_follows_a_real_database_going_down_and_coming_back() -> None:
    pgdir = tempfile.mkdtemp(prefix="chibo-healthz-pg-")
    vardir = tempfile.mkdtemp(prefix="chibo-healthz-var-")
    server = None
    log = Path(vardir) / "gunicorn.log"
    try:
        database_url = subprocess.run(
            [str(PG_TEST), "start", pgdir], check=True, capture_output=True, text=True, timeout=60
        ).stdout.strip()
        pg_port = urlsplit(database_url).port
        assert pg_port
        # Only "SELECT 1" is asked: the server's own "postgres" database will do.
        database_url = database_url.rsplit("/", 1)[0] + "/postgres"
        app_port = _free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "CONN_MAX_AGE": "600",  # a persistent connection, which must not stay dead
            "DEBUG": "1",
            "CHIBO_VAR_DIR": vardir,
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("DJANGO_SETTINGS_MODULE", None)
        with log.open("w") as out:
            server = subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("gunicorn")),
                    # The production configuration: the application preloaded and warmed in
                    # the master, the worker forked from it (deploy/gunicorn.conf.py).
                    "-c",
                    str(ROOT / "deploy" / "gunicorn.conf.py"),
                    "config.wsgi",
                    "--bind",
                    f"127.0.0.1:{app_port}",
                    "--workers",
                    "1",
                    "--pid",
                    f"{vardir}/gunicorn.pid",
                    "--no-control-socket",
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{app_port}{URL}"
        _wait_until_up(url, server, log)

        assert _get(url) == (200, {"status": "ok", "database": "ok"})
        assert _get(url)[0] == 200  # the persistent connection is reused

        # A probe with a session cookie: the session is never read (this database has no
        # session table; reading it would answer 500).
        assert _get(url, cookie=SESSION_COOKIE) == (200, {"status": "ok", "database": "ok"})

        _pg("stop", pgdir)
        for cookie in ("", "", SESSION_COOKIE):  # and stays 503 while it is down
            status, body = _get(url, cookie)
            assert status == 503
            assert body == {"status": "error", "database": "unavailable"}

        _pg_start_again(pgdir, pg_port)
        assert _get(url) == (200, {"status": "ok", "database": "ok"})
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        subprocess.run([str(PG_TEST), "stop", pgdir], capture_output=True, timeout=60)
        shutil.rmtree(pgdir, ignore_errors=True)
        shutil.rmtree(vardir, ignore_errors=True)
