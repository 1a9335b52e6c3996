from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from chibo.core.access import access_for_user


class ScopeMiddleware:
    """Runs every request inside the scope of its user (after authentication, token or session).

    Anonymous requests get an empty scope: a tenant query they reach returns nothing.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        access = access_for_user(request.user)
        request.access = access  # type: ignore[attr-defined]
        with access.activate():
            return self.get_response(request)
