"""The commune's view of its cells' action items, and each member's results of a month
(issue 5; decision 0012; ``chibo.actions.results``).

Reading needs ``Cap.MEETING_VIEW``: on the commune for its page, on the cell for the cell's
results; a member's own results are theirs to read, anyone else's need ``Cap.MEETING_VIEW`` on
the member's cell (the meeting reviews them). Anything out of scope answers 404. A month that
cannot be read (``?month=`` is not ``YYYY-MM``) falls back to this month, with a message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chibo.actions import results, selectors
from chibo.core.roles import Cap
from chibo.meetings import overview
from chibo.members.models import Member
from chibo.orgunits.selectors import unit_get


def month_asked(request: HttpRequest) -> dt.date:
    """The first day of the ``?month=YYYY-MM`` asked for; this month when none is asked, and
    with a message when what was asked cannot be read."""
    raw = request.GET.get("month", "").strip()
    this_month = timezone.localdate().replace(day=1)
    if not raw:
        return this_month
    try:
        day = dt.datetime.strptime(raw, "%Y-%m").date()
    except ValueError:
        day = None
    if day is None or not 2000 <= day.year <= 2100:
        messages.warning(
            request,
            _("The month “%(value)s” cannot be read (write it as 2025-03): this month is shown.")
            % {"value": raw[:20]},
        )
        return this_month
    return day


def _around(month: dt.date) -> dict[str, dt.date]:
    return {
        "month": month,
        "previous": (month - dt.timedelta(days=1)).replace(day=1),
        "following": (month + dt.timedelta(days=32)).replace(day=1),
    }


# --- The commune -------------------------------------------------------------------------------
@dataclass
class CommuneRow:
    """One cell on the commune's page, with its completion rate as a whole percent."""

    cells: selectors.CellActions

    @property
    def percent(self) -> int | None:
        rate = self.cells.completion.rate
        return None if rate is None else round(rate * 100)


def _worst_first(row: CommuneRow) -> tuple[Any, ...]:
    # The lowest completion rate first (a cell with nothing due after those with a rate),
    # then the most overdue items.
    percent = row.percent
    return (percent is None, percent or 0, -row.cells.overdue, row.cells.cell.sort_key)


SORTS: dict[str, tuple[Any, Callable[[CommuneRow], Any]]] = {
    "worst": (gettext_lazy("Worst first"), _worst_first),
    "overdue": (
        gettext_lazy("Most overdue"),
        lambda r: (-r.cells.overdue, -r.cells.open, r.cells.cell.sort_key),
    ),
    "open": (gettext_lazy("Most open"), lambda r: (-r.cells.open, r.cells.cell.sort_key)),
    "name": (gettext_lazy("By name"), lambda r: r.cells.cell.sort_key),
}


@dataclass
class Totals:
    open: int
    overdue: int
    due: int
    done: int
    done_on_time: int

    @property
    def percent(self) -> int | None:
        return round(self.done * 100 / self.due) if self.due else None


@login_required
def commune(request: HttpRequest, pk: int) -> HttpResponse:
    """The commune's cells: open and overdue items, the completion of the items due in the
    month, and the month's held meetings whose resolution produced no action item. Worst
    first by default; a constant number of queries, whatever the number of cells."""
    unit = unit_get(access=request.access, pk=pk, capability=Cap.MEETING_VIEW)
    if unit.is_cell:
        raise Http404
    month = month_asked(request)
    view = selectors.commune_actions(unit, month)
    sort = request.GET.get("sort", "")
    if sort not in SORTS:
        sort = "worst"
    rows = sorted((CommuneRow(c) for c in view.cells), key=SORTS[sort][1])
    totals = Totals(
        open=sum(c.open for c in view.cells),
        overdue=sum(c.overdue for c in view.cells),
        due=sum(c.completion.due for c in view.cells),
        done=sum(c.completion.done for c in view.cells),
        done_on_time=sum(c.completion.done_on_time for c in view.cells),
    )
    context = {
        "unit": unit,
        "rows": rows,
        "totals": totals,
        "without_items": view.cells_without_items,
        "sort": sort,
        "sorts": [(key, label) for key, (label, _key) in SORTS.items()],
        **_around(month),
    }
    return render(request, "actions/commune.html", context)


# --- Monthly results ---------------------------------------------------------------------------
@login_required
def cell_results(request: HttpRequest, pk: int) -> HttpResponse:
    """Every member on the cell's roll in the month: tasks and how they stood at its end,
    households and contacts, attendance. A constant number of queries."""
    cell = overview.cell_get(access=request.access, pk=pk)
    month = month_asked(request)
    context = {
        "cell": cell,
        "rows": results.cell_month_results(cell, month),
        **_around(month),
    }
    return render(request, "actions/results_cell.html", context)


def _member_for_results(request: HttpRequest, pk: int) -> Member:
    """The member whose results are asked for, if they are the user or the user sees their
    cell's meetings; otherwise 404."""
    access = request.access
    # Read unscoped: results are the cell's meeting business (meeting.view, checked below),
    # not the members register's (member.view).
    member = Member._base_manager.select_related("cell").filter(pk=pk).first()
    if member is None:
        raise Http404
    if member.pk != access.member_id:
        access.require(Cap.MEETING_VIEW, member.cell)
    return member


@login_required
def member_results(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member_for_results(request, pk)
    month = month_asked(request)
    context = {
        "member": member,
        "row": results.member_month(member.pk, month),
        "own": member.pk == request.access.member_id,
        **_around(month),
    }
    return render(request, "actions/results_member.html", context)
