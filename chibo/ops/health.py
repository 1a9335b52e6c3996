"""``/healthz``: is this app server able to serve? 200 when the database answers, 503 when not.

For load balancers, container orchestrators and monitoring (docs/deploy.md "Health checks and
sessions"). No login, no session, no cookie, never cached; the body says which part failed but
never the error itself (it is logged on the server).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def database_ok() -> bool:
    """One short query on the default database."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("Health check: the database does not answer", exc_info=True)
        # A persistent connection (CONN_MAX_AGE) that died must not be reused for ever:
        # drop it, so the next request connects again.
        with contextlib.suppress(DatabaseError):
            connection.close()
        return False
    return True


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    if database_ok():
        return JsonResponse({"status": "ok", "database": "ok"})
    return JsonResponse({"status": "error", "database": "unavailable"}, status=503)


class HealthCheckMiddleware:
    """Answers ``/healthz`` before the session and login middlewares run.

    A probe that carries a session cookie (a browser, a monitoring tool reusing one) would
    otherwise make the login middlewares read the session from the database, and a database
    that is down would then answer 500 instead of the 503 that tells the load balancer what is
    wrong. Placed after SecurityMiddleware, so the answer keeps the security headers (the HTTPS
    redirect exempts the path: ``SECURE_REDIRECT_EXEMPT``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == "/healthz":
            request.get_host()  # the host check stays (DisallowedHost: 400), as on every URL
            return healthz(request)
        return self.get_response(request)
