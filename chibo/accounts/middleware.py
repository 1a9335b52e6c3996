from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse

from chibo.accounts.services import api_token_authenticate


class BearerTokenMiddleware:
    """The API authenticates by bearer token only; a browser session never counts there.

    So an API call cannot ride on a logged-in browser (no CSRF on the API), and the scope
    middleware that follows sees the token's user.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            request.user = AnonymousUser()
            request.api_token = None  # type: ignore[attr-defined]
            header = request.headers.get("Authorization", "")
            scheme, _, raw = header.partition(" ")
            if scheme.lower() == "bearer" and raw.strip():
                token = api_token_authenticate(raw.strip())
                if token is not None:
                    request.user = token.user
                    request.api_token = token  # type: ignore[attr-defined]
        return self.get_response(request)
