from __future__ import annotations

from collections.abc import Callable

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
