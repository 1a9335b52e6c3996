"""The members behind a follow-up number of a dashboard (``behind.members_behind``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from chibo.core.access import Access
from chibo.core.roles import Cap
from chibo.orgunits.selectors import unit_get
from chibo.reports.behind import KEYS, members_behind
from chibo.reports.forms import period_asked, period_query


@login_required
def members(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    """Who is counted in one number of the unit's dashboard, over the same period."""
    access: Access = request.access  # type: ignore[attr-defined]
    unit = unit_get(access=access, pk=pk, capability=Cap.REPORT_VIEW)
    if key not in KEYS:
        raise Http404
    period, _kind, error = period_asked(request.GET)
    found = members_behind(unit, period, key)
    # A name links to the record where the user may read it (a cell committee, a commune).
    scope = access.scope_for(Cap.MEMBER_VIEW)
    readable = {b.cell_id for b in found if access.is_superuser or scope.contains(b.cell_path)}
    context = {
        "unit": unit,
        "key": key,
        "title": KEYS[key],
        "period": period,
        "reported_last": period.reported_last(),
        "period_error": error,
        "query": period_query(period),
        "rows": [(b, b.cell_id in readable) for b in found],
        "total": sum(b.count for b in found),
    }
    return render(request, "reports/members_behind.html", context)
