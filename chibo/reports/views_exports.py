"""The exports of a unit's reports (issue 6 "Exports"; ``chibo.reports.exports``): the
indicators as XLSX and the periodic report as DOCX.

Both need ``Cap.REPORT_VIEW`` on the unit (404 otherwise, before the period is even read, so a
foreign unit is not revealed). The period is ``?from=YYYY-MM&to=YYYY-MM``, by default the
dashboard's (the current year up to the current month); one that cannot be read answers 400
with its message and a way back to the dashboard. Every export is recorded in the audit trail
(``report.exported``). A constant number of queries whatever the size of the unit.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from chibo.core.roles import Cap
from chibo.orgunits.models import OrgUnit
from chibo.orgunits.selectors import unit_get
from chibo.reports import exports
from chibo.reports.indicators import Period, PeriodError, breakdown

# The message page of a period that cannot be read. Every text in it comes translated from the
# view, so it needs no template file of its own.
_BAD_PERIOD_PAGE = """{% extends "base.html" %}
{% block title %}{{ title }}{% endblock %}
{% block content %}
<h1>{{ title }}</h1>
<p role="alert">{{ message }}</p>
<p><a class="button" href="{{ back }}">{{ back_label }}</a></p>
{% endblock %}"""


def _unit(request: HttpRequest, pk: int) -> OrgUnit:
    return unit_get(access=request.access, pk=pk, capability=Cap.REPORT_VIEW)  # type: ignore[attr-defined]


def _period(request: HttpRequest) -> Period:
    return exports.period_from_query(request.GET.get("from"), request.GET.get("to"))


def _bad_period(request: HttpRequest, unit: OrgUnit, error: PeriodError) -> HttpResponse:
    context = {
        "title": _("This period cannot be exported"),
        "message": str(error),
        "back": reverse("reports:dashboard", args=[unit.pk]),
        "back_label": _("Back to the dashboard of %(unit)s") % {"unit": unit.name},
    }
    page = engines["django"].from_string(_BAD_PERIOD_PAGE)
    return HttpResponse(page.render(context, request), status=400)


def _download(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
@login_required
def dashboard_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit's indicators over the period, and by child unit, as an Excel workbook."""
    unit = _unit(request, pk)
    try:
        period = _period(request)
    except PeriodError as error:
        return _bad_period(request, unit, error)
    data = exports.indicators_xlsx(unit, period, breakdown(unit, period))
    exports.export_record(actor=request.user, unit=unit, period=period, kind="xlsx")
    return _download(
        data, exports.XLSX_TYPE, exports.export_filename(unit, period, "chi-so", "xlsx")
    )


@require_safe
@login_required
def report_docx(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit's periodic report over the period as a Word file in the official layout."""
    unit = _unit(request, pk)
    try:
        period = _period(request)
    except PeriodError as error:
        return _bad_period(request, unit, error)
    data = exports.periodic_report_docx(unit, period, breakdown(unit, period))
    exports.export_record(actor=request.user, unit=unit, period=period, kind="docx")
    filename = exports.export_filename(unit, period, "bao-cao", "docx")
    return _download(data, exports.DOCX_TYPE, filename)
