from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/api/v1/openapi.json"])
def test_security_headers_on_html_and_json(path: str) -> None:
    response = Client().get(path)
    csp = response["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "script-src 'self'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_deploy_check_passes_with_production_settings(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "k" * 20 + "-production-secret-" + "x" * 30,
        "ALLOWED_HOSTS": "chibo.example.vn",
        "CHIBO_VAR_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    # Set for the browser tests' process only (Playwright beside the ORM); never in deployment.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    env = {**os.environ, "DEBUG": "0", "CHIBO_VAR_DIR": str(tmp_path)}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


_PRODUCTION_PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings
# The pages link their static files through the manifest, which collectstatic writes on a
# server; this probe has none, so it links them unhashed. Nothing else changes.
override_settings(
    STORAGES={**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
).enable()
out = {}
for path in ("/accounts/login/", "/api/v1/openapi.json"):
    response = Client().get(path, secure=True, headers={"host": "chibo.example.vn"})
    cookie = response.cookies.get(settings.CSRF_COOKIE_NAME)
    out[path] = {
        "status": response.status_code,
        "headers": dict(response.headers),
        "csrf_cookie": None if cookie is None else {
            "secure": bool(cookie["secure"]), "samesite": cookie["samesite"],
            "httponly": bool(cookie["httponly"]), "name": cookie.key,
        },
    }
out["settings"] = {
    name: getattr(settings, name)
    for name in (
        "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
        "SESSION_COOKIE_NAME", "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY",
    )
}
plain = Client().get("/accounts/login/", headers={"host": "chibo.example.vn"})
out["plain_http"] = [plain.status_code, plain.headers.get("Location", "")]
print(json.dumps(out))
"""


def test_production_headers_and_cookies_on_html_and_json(tmp_path: Path) -> None:
    """With the production settings (``DEBUG=0``): HSTS, the CSP, nosniff and the referrer
    policy on an HTML page and a JSON answer; Secure, HttpOnly, SameSite cookies with the
    ``__Host-`` prefix; plain HTTP sent to HTTPS."""
    import json

    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "k" * 20 + "-production-secret-" + "x" * 30,
        "ALLOWED_HOSTS": "chibo.example.vn",
        "CHIBO_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "-c", _PRODUCTION_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    for path in ("/accounts/login/", "/api/v1/openapi.json"):
        answer = found[path]
        assert answer["status"] == 200, path
        headers = answer["headers"]
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        csp = headers["Content-Security-Policy"]
        for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
            assert directive in csp, path
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
    cookie = found["/accounts/login/"]["csrf_cookie"]
    assert cookie == {
        "secure": True,
        "samesite": "Lax",
        "httponly": True,
        "name": "__Host-csrftoken",
    }
    assert found["settings"] == {
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "__Host-sessionid",
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_HTTPONLY": True,
    }
    assert found["plain_http"] == [301, "https://chibo.example.vn/accounts/login/"]
