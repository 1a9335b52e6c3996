from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

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


class LanguageMiddleware:
    """Vietnamese unless the user chose otherwise; the browser's Accept-Language is ignored.

    Many cheap phones ship with an English system language their owners never changed;
    Django's LocaleMiddleware would then greet a village secretary in English. The choice is
    the language cookie (set by the switch on every page, and at login from the account).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response


class AuditDeniedMiddleware:
    """Files an ``access.denied`` audit entry when a signed-in user is answered 403 or 404 by a
    URL pattern that exists (a mistyped address is not an attempt on anything).

    At most one entry per user, method and path a minute (``audit_access_denied``). The entry is
    filed under the user's own unit (their cell, else their widest grant): the committee that
    answers for them sees what they tried (decision 0016).
    """

    SKIPPED_PREFIXES = ("/static/",)  # /healthz never gets here (HealthCheckMiddleware)

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code in (403, 404) and request.user.is_authenticated:
            match = getattr(request, "resolver_match", None)
            if match is not None and not request.path.startswith(self.SKIPPED_PREFIXES):
                from chibo.core.audit import audit_access_denied

                audit_access_denied(
                    request=request,
                    status=response.status_code,
                    url_name=match.view_name or "",
                    unit_id=_home_unit_id(getattr(request, "access", None)),
                )
        return response


def _home_unit_id(access: Any) -> int | None:
    lines = getattr(access, "lines", ())
    for line in lines:
        if line.source == "membership":
            return int(line.unit_id)
    widest = min(lines, key=lambda line: (len(line.path), line.unit_id), default=None)
    return int(widest.unit_id) if widest is not None else None
