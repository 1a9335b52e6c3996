"""Session rules (OWASP ASVS 5, level 2): idle timeout, absolute lifetime, ending them all.

- Login time and last-seen time live in the session (``user_logged_in`` stamps both).
  ``SessionLimitsMiddleware`` ends a session idle for ``CHIBO_SESSION_IDLE_MINUTES`` or older
  than ``CHIBO_SESSION_MAX_HOURS`` since login, and sends the browser to the login page with a
  message. It writes the last-seen time at most once a minute, not on every request.
- Ending every session of a user (log out everywhere, deactivation) raises
  ``User.session_epoch``, which is folded into the session hash Django checks on every request
  (``User._get_session_auth_hash``): one UPDATE, no scan of the session table.
- The API (bearer tokens, ``/api/``) has no session and is left alone (``/healthz`` is answered
  before the session middlewares: ``chibo.ops.health.HealthCheckMiddleware``).

See docs/decisions/0015-sessions.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.messages.storage import default_storage
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

LOGIN_AT_KEY = "chibo_login_at"
SEEN_AT_KEY = "chibo_seen_at"
# The last-seen time is written when it is at least this old: one session write a minute at most.
TOUCH_EVERY_SECONDS = 60
EXEMPT_PREFIXES = ("/api/",)
# How long the stored session outlives its absolute lifetime (to say why it ended).
STORED_GRACE_SECONDS = 3600


def idle_seconds() -> int:
    return max(1, int(settings.CHIBO_SESSION_IDLE_MINUTES)) * 60


def max_seconds() -> int:
    return max(1, int(settings.CHIBO_SESSION_MAX_HOURS)) * 3600


def session_stamp(request: HttpRequest) -> None:
    """Start the clocks of a freshly logged-in session."""
    now = int(time.time())
    request.session[LOGIN_AT_KEY] = now
    request.session[SEEN_AT_KEY] = now
    # The stored session and its cookie end a little after the absolute lifetime, whatever the
    # activity; until then a late request is told why it was logged out.
    request.session.set_expiry(
        datetime.fromtimestamp(now + max_seconds() + STORED_GRACE_SECONDS, tz=UTC)
    )


@receiver(user_logged_in, dispatch_uid="chibo.accounts.sessions.stamp_login")
def _stamp_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    # login() has just cycled the session key (a new key at every login).
    if request is not None and hasattr(request, "session"):
        session_stamp(request)


def session_expired(request: HttpRequest) -> bool:
    """Has the logged-in session of ``request`` run out (idle, or too long since login)?"""
    now = int(time.time())
    login_at = request.session.get(LOGIN_AT_KEY)
    seen_at = request.session.get(SEEN_AT_KEY)
    if not isinstance(login_at, int) or not isinstance(seen_at, int):
        # A session from before these rules: its clocks start now.
        session_stamp(request)
        return False
    if now - login_at >= max_seconds() or now - seen_at >= idle_seconds():
        return True
    if now - seen_at >= TOUCH_EVERY_SECONDS:
        request.session[SEEN_AT_KEY] = now
    return False


def _expired_response(request: HttpRequest) -> HttpResponse:
    url = resolve_url(settings.LOGIN_URL)
    htmx = request.headers.get("HX-Request") == "true"
    if request.method == "GET" and not htmx:
        url += "?" + urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})
    logout(request)
    # htmx would swap the login page into a fragment: make the browser go there instead.
    response: HttpResponse = HttpResponseClientRedirect(url) if htmx else HttpResponseRedirect(url)
    # MessageMiddleware comes later in the chain and does not run for this answer: store the
    # message here (in its cookie: the session was just emptied).
    storage = default_storage(request)
    storage.add(messages.WARNING, _("Your session has expired. Please log in again."))
    storage.update(response)
    return response


class SessionLimitsMiddleware:
    """Ends a logged-in session that was idle too long or is past its absolute lifetime.

    Right after ``AuthenticationMiddleware``. Costs nothing extra on a request: the user and
    the session are loaded anyway; the session is written at most once a minute.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(EXEMPT_PREFIXES):
            return self.get_response(request)
        if request.user.is_authenticated and session_expired(request):
            return _expired_response(request)
        return self.get_response(request)
