"""The JSON API, ``/api/v1/`` (django-ninja). Authentication by bearer token only.

Errors always have the shape ``{"error", "code", "fields"}``: 400 bad input, 401 no or bad
token, 404 missing *or out of scope* (the two are indistinguishable by design).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from chibo.api import (
    actions_api,
    auth_api,
    events_api,
    exchange_api,
    meetings_api,
    members_api,
    reports_api,
    units_api,
)


class TokenAuth(HttpBearer):
    """The token was resolved by BearerTokenMiddleware (before the scope was set)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return request.user if request.user.is_authenticated else None


api = NinjaAPI(
    title="Chibo API",
    version="1",
    description="Chi bộ số: party cell records, scoped to the caller's organisation units.",
    urls_namespace="api",
    docs_url=None,  # the bundled docs page loads scripts from a CDN: not here, not under our CSP
    auth=TokenAuth(),
)


def error_response(
    request: HttpRequest,
    status: int,
    message: str,
    code: str,
    fields: dict[str, list[str]] | None = None,
) -> HttpResponse:
    return api.create_response(
        request, {"error": message, "code": code, "fields": fields or {}}, status=status
    )


def _field_name(loc: Any) -> str:
    parts = [str(p) for p in loc if p not in {"body", "query", "path", "payload"}]
    return ".".join(parts) or "__all__"


@api.exception_handler(NinjaValidationError)
def on_invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        fields.setdefault(_field_name(error.get("loc", ())), []).append(str(error.get("msg", "")))
    return error_response(request, 400, _("The request is not valid."), "invalid", fields)


@api.exception_handler(DjangoValidationError)
def on_service_invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    fields = {k: [str(m) for m in v] for k, v in getattr(exc, "message_dict", {}).items()}
    code = getattr(exc, "code", None) or "invalid"
    message = "; ".join(str(m) for m in exc.messages) or _("The request is not valid.")
    return error_response(request, 400, message, code, fields)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(request, 401, _("A valid API token is required."), "unauthorized")


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, _("Not found."), "not_found")


_CODES = {400: "invalid", 401: "unauthorized", 404: "not_found", 429: "locked_out"}


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = getattr(exc, "code", None) or _CODES.get(exc.status_code, "error")
    return error_response(request, exc.status_code, str(exc), code)


api.add_router("/", auth_api.router)
api.add_router("/", units_api.router)
api.add_router("/", members_api.router)
api.add_router("/", events_api.router)
api.add_router("/", exchange_api.router)
api.add_router("/", meetings_api.router)
api.add_router("/", actions_api.router)
api.add_router("/", reports_api.router)
