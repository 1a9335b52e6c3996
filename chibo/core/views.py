from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from chibo.meetings.overview import home_meetings
from chibo.members.deadlines import deadlines_for
from chibo.orgunits.selectors import unit_roots


def page_number(request: HttpRequest) -> int:
    """The ``?page=`` number; anything that is not a positive integer means page 1."""
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 1_000_000 else 1


def apply_validation_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its fields where it names them."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    # Imported here: the actions pages import this module's helpers.
    from chibo.actions.views_households import home_households
    from chibo.actions.views_items import home_tasks
    from chibo.reports.views import home_dashboards

    roots = unit_roots(access=request.access)
    context = {
        "roots": roots,
        "dashboards": home_dashboards(request.access, roots),
        "deadlines": deadlines_for(access=request.access),
        "meetings": home_meetings(access=request.access),
        "tasks": home_tasks(request.access),
        "households": home_households(request.access),
    }
    return render(request, "core/home.html", context)


@login_required
def me(request: HttpRequest) -> HttpResponse:
    """The user's own member record, if they have one."""
    if request.access.member_id is None:
        return render(request, "core/no_record.html")
    return redirect("members:detail", pk=request.access.member_id)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        # The API answers in its own error shape even for paths it does not know.
        return JsonResponse(
            {"error": _("Not found."), "code": "not_found", "fields": {}}, status=404
        )
    return render(request, "404.html", status=404)


__all__ = ["NON_FIELD_ERRORS", "apply_validation_error", "home", "me", "not_found", "page_number"]
