"""The dashboards (issue 6 "What users can do", "Charts", "Targets"; decision 0013).

A unit's dashboard shows its indicators over a period read from the monthly rollup
(``indicators.breakdown``), the same by child unit (worst first, sortable, each child linking
to its own dashboard), the monthly trend and the cells by quality as charts with their numbers
in tables, and the committees' targets against the period's rates. On a unit that holds
meetings (a cell) the drill-down ends at its meetings of the period, read from the meeting
rows of that one cell. The page answers in a constant number of queries, whatever the number
of cells and months below the unit.

Seeing a dashboard needs ``Cap.REPORT_VIEW`` on the unit; setting and removing targets
``Cap.REPORT_TARGET``. Anything out of scope or not permitted answers 404 (never 403).
A period that cannot be read shows why and falls back to this year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chibo.core.access import Access
from chibo.core.roles import Cap
from chibo.core.views import apply_validation_error
from chibo.meetings.models import Meeting, MeetingKind, MeetingStatus
from chibo.meetings.selectors import HELD_STATUSES, meeting_date
from chibo.members.lifecycle import MEMBER_UNIT_KINDS
from chibo.orgunits.models import OrgUnit, UnitKind
from chibo.orgunits.selectors import unit_breadcrumb, unit_get
from chibo.reports import charts, services
from chibo.reports.behind import KEYS as BEHIND_KEYS
from chibo.reports.charts import percent
from chibo.reports.forms import (
    PeriodForm,
    TargetForm,
    last_day,
    period_asked,
    period_query,
    quick_periods,
)
from chibo.reports.indicators import (
    STEP,
    Breakdown,
    Figures,
    Period,
    breakdown,
    monthly_trend,
    quality_distribution,
)
from chibo.reports.models import Target
from chibo.reports.rollup import first_of, held_on_fixed_day, lock_days, locked_on_time


def _access(request: HttpRequest) -> Access:
    return request.access  # type: ignore[attr-defined]


# --- The indicators ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Line:
    """One indicator: a count, "of" how many, the rate as a percentage, where its rows are."""

    label: str
    count: int
    whole: int | None = None
    rate: float | None = None
    has_rate: bool = False
    url: str = ""
    flag: bool = False  # a count that needs attention when it is not zero

    @property
    def flagged(self) -> bool:
        return self.flag and self.count > 0


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    lines: list[Line]
    hint: str = ""


def _rate(label: str, count: int, whole: int, rate: float | None) -> Line:
    return Line(label, count, whole, percent(rate), has_rate=True)


def sections(f: Figures, links: dict[str, str]) -> list[Section]:
    """The unit's indicators in plain groups (issue 6's list), with the links that show the
    rows behind them where there is a page for them (``links``: members, alerts, items)."""
    return [
        Section(
            "members",
            _("Members"),
            [
                Line(_("Official members"), f.members_official, url=links.get("official", "")),
                Line(
                    _("Probationary members"),
                    f.members_probationary,
                    url=links.get("probationary", ""),
                ),
                Line(_("Exempt from activities"), f.members_exempt, url=links.get("exempt", "")),
                Line(_("Temporarily away"), f.members_away, url=links.get("away", "")),
            ],
            _("At the end of the period (today while it runs)."),
        ),
        Section(
            "regular",
            _("Regular meetings"),
            [
                Line(
                    _("Due (one per cell and month, from its fixed day)"),
                    f.cell_months,
                ),
                _rate(_("Held"), f.regular_held, f.cell_months, f.held_rate),
                _rate(
                    _("Held on the fixed day"),
                    f.regular_on_fixed_day,
                    f.cell_months,
                    f.on_fixed_day_rate,
                ),
                _rate(
                    _("Cells holding every regular meeting"),
                    f.cells_every_held,
                    f.cells,
                    f.every_held_rate,
                ),
                _rate(
                    _("Cells holding every regular meeting on the fixed day"),
                    f.cells_every_on_fixed_day,
                    f.cells,
                    f.every_on_fixed_day_rate,
                ),
            ],
        ),
        Section(
            "thematic",
            _("Thematic meetings"),
            [
                _rate(
                    _("Quarters with a thematic meeting"),
                    f.thematic_quarters_held,
                    f.thematic_quarters_due,
                    f.thematic_rate,
                ),
                Line(_("Thematic meetings held"), f.thematic_held),
            ],
            _("Each cell holds at least one thematic meeting a quarter."),
        ),
        Section(
            "attendance",
            _("Attendance"),
            [
                _rate(
                    _("Attendance rate"),
                    f.attendance_attended,
                    f.attendance_required,
                    f.attendance_rate,
                ),
                Line(_("Absent with reason"), f.absent_excused),
                Line(
                    _("Absent without reason"),
                    f.absent_unexcused,
                    url=links.get("absent_unexcused", ""),
                    flag=True,
                ),
            ],
        ),
        Section(
            "quality",
            _("Quality of meetings and minutes"),
            [
                Line(_("Meetings held"), f.meetings_held),
                _rate(
                    _("Meetings meeting every quality criterion"),
                    f.meetings_quality,
                    f.meetings_held,
                    f.quality_rate,
                ),
                _rate(
                    _("Minutes locked on time"),
                    f.minutes_locked_on_time,
                    f.meetings_held,
                    f.locked_on_time_rate,
                ),
            ],
        ),
        Section(
            "items",
            _("Action items"),
            [
                Line(_("Due in the period"), f.items_due, url=links.get("items", "")),
                _rate(_("Done"), f.items_done, f.items_due, f.items_done_rate),
                Line(_("Done on time"), f.items_done_on_time),
                Line(_("Overdue"), f.items_overdue, url=links.get("items", ""), flag=True),
            ],
        ),
        Section(
            "follow-up",
            _("To follow up"),
            [
                Line(
                    _("Members to review for removal"),
                    f.removal_review,
                    url=links.get("removal_review", ""),
                    flag=True,
                ),
                Line(
                    _("Probation deadlines overdue"),
                    f.probation_overdue,
                    url=links.get("probation_overdue", ""),
                    flag=True,
                ),
                Line(
                    _("Transfers overdue"),
                    f.transfers_overdue,
                    url=links.get("transfers_overdue", ""),
                    flag=True,
                ),
            ],
            _("At the end of the period (today while it runs)."),
        ),
    ]


# --- The breakdown by child unit ---------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    key: str
    label: Promise
    rate: Callable[[Figures], float | None]


COLUMNS = (
    Column("every_held", gettext_lazy("Every regular meeting held"), lambda f: f.every_held_rate),
    Column("on_fixed_day", gettext_lazy("On the fixed day"), lambda f: f.on_fixed_day_rate),
    Column("thematic", gettext_lazy("Thematic each quarter"), lambda f: f.thematic_rate),
    Column("attendance", gettext_lazy("Attendance"), lambda f: f.attendance_rate),
    Column("quality", gettext_lazy("Every quality criterion"), lambda f: f.quality_rate),
    Column("locked", gettext_lazy("Minutes on time"), lambda f: f.locked_on_time_rate),
    Column("items", gettext_lazy("Items done"), lambda f: f.items_done_rate),
)
BY_KEY = {c.key: c for c in COLUMNS}
DEFAULT_SORT = "every_held"


@dataclass
class ChildRow:
    """One child unit (or, for a unit that holds meetings itself, its own meetings)."""

    path: str
    unit: OrgUnit | None
    figures: Figures
    url: str = ""
    values: list[float | None] = field(default_factory=list)

    @property
    def sort_name(self) -> str:
        return self.unit.sort_key if self.unit is not None else ""


@dataclass(frozen=True)
class Heading:
    column: Column | None  # None: the name
    label: str
    query: str  # the sort this heading's link asks for
    order: str  # "ascending" / "descending" when the table is sorted by it, else ""


def sort_asked(request: HttpRequest) -> str:
    """``?sort=<column>`` (worst first), ``-<column>`` (best first) or ``name``."""
    sort = request.GET.get("sort", "")
    if sort == "name" or sort.removeprefix("-") in BY_KEY:
        return sort
    return DEFAULT_SORT


def sort_rows(rows: list[ChildRow], sort: str) -> list[ChildRow]:
    """Rows by ``sort``: a rate ascending (worst first) or descending, the units with nothing
    to measure last either way, then by name."""
    if sort == "name":
        return sorted(rows, key=lambda r: r.sort_name)
    column = BY_KEY[sort.removeprefix("-")]
    sign = -1 if sort.startswith("-") else 1

    def key(row: ChildRow) -> tuple[bool, float, str]:
        rate = column.rate(row.figures)
        return (rate is None, sign * (rate or 0.0), row.sort_name)

    return sorted(rows, key=key)


def headings(sort: str, period: Period) -> list[Heading]:
    found = [
        Heading(
            None,
            _("Unit"),
            period_query(period, sort="name"),
            "ascending" if sort == "name" else "",
        )
    ]
    for column in COLUMNS:
        order = ""
        asked = column.key
        if sort == column.key:
            order, asked = "ascending", f"-{column.key}"
        elif sort == f"-{column.key}":
            order = "descending"
        found.append(Heading(column, str(column.label), period_query(period, sort=asked), order))
    return found


def child_rows(unit: OrgUnit, result: Breakdown, period: Period, sort: str) -> list[ChildRow]:
    """The breakdown's children, named from the tree (one query for them all)."""
    paths = [path for path in result.children if path != unit.path]
    units = {u.path: u for u in OrgUnit.objects.filter(path__in=paths)} if paths else {}
    query = period_query(period)
    rows = []
    for path, figures in result.children.items():
        child = units.get(path)
        if path != unit.path and child is None:
            continue  # a unit out of the user's view (cannot happen below a unit in scope)
        url = f"{reverse('reports:dashboard', args=[child.pk])}?{query}" if child else ""
        values = [percent(c.rate(figures)) for c in COLUMNS]
        rows.append(ChildRow(path, child, figures, url, values))
    return sort_rows(rows, sort)


# --- A cell's meetings -------------------------------------------------------------------------
@dataclass(frozen=True)
class MeetingRow:
    meeting: Meeting
    day: dt.date
    held: bool
    on_fixed_day: bool | None  # None: not a regular meeting, or not held
    locked: bool
    locked_on_time: bool


def meeting_rows(cell: OrgUnit, period: Period) -> list[MeetingRow]:
    """The cell's meetings of the period (committee meetings apart), as the rollup counts
    them: by their month. One query, for one cell."""
    meetings = (
        Meeting.objects.filter(cell_id=cell.pk, month__gte=period.first, month__lte=period.last)
        .exclude(kind=MeetingKind.COMMITTEE)
        .order_by("planned_date", "id")
    )
    limit = lock_days()
    rows = []
    for meeting in meetings:
        day = meeting_date(meeting)
        held = meeting.status in HELD_STATUSES
        regular = meeting.kind == MeetingKind.REGULAR
        rows.append(
            MeetingRow(
                meeting,
                day,
                held,
                held_on_fixed_day(meeting, day) if regular and held else None,
                meeting.status == MeetingStatus.LOCKED,
                locked_on_time(meeting, day, limit),
            )
        )
    return rows


# --- Targets -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class TargetRow:
    """A target and the rate it is measured against (as a percentage; None: nothing to measure
    yet)."""

    target: Target
    rate: float | None
    started: bool = True

    @property
    def gap(self) -> float | None:
        """Percentage points above (positive) or below the target."""
        return None if self.rate is None else self.rate - float(self.target.value)

    @property
    def met(self) -> bool:
        return self.gap is not None and self.gap >= 0

    @property
    def shortfall(self) -> float | None:
        return None if self.gap is None else -self.gap


def targets_over(unit: OrgUnit, period: Period, total: Figures) -> list[TargetRow]:
    """The targets of the unit and of the units above it that overlap ``period``, against the
    period's rates of the unit. One query.

    A target set above applies to the units below: they are read by the unit's own path
    (its ancestors), not through the scoped manager, since a commune committee does not see
    the province in its scope; only targets of the unit's own ancestors are read."""
    prefixes = [unit.path[:i] for i in range(STEP, len(unit.path) + 1, STEP)]
    targets = (
        Target._base_manager.select_related("unit")
        .filter(unit__path__in=prefixes, start__lte=last_day(period), deadline__gte=period.first)
        .order_by("unit__depth", "deadline", "indicator", "id")
    )
    return [TargetRow(t, percent(total.rate_of(t.indicator))) for t in targets]


def target_progress(unit: OrgUnit, targets: Sequence[Target]) -> list[TargetRow]:
    """Each target against its rate from its start to its deadline (or this month): one
    query per distinct period (a unit has few targets)."""
    today = timezone.localdate()
    found: dict[Period, Figures] = {}
    rows = []
    for target in targets:
        if target.start > today:
            rows.append(TargetRow(target, None, started=False))
            continue
        period = Period(first_of(target.start), first_of(min(target.deadline, today)))
        if period not in found:
            found[period] = breakdown(unit, period).total
        rows.append(TargetRow(target, percent(found[period].rate_of(target.indicator))))
    return rows


# --- Pages -------------------------------------------------------------------------------------
def _links(access: Access, unit: OrgUnit, period: Period, holds_meetings: bool) -> dict[str, str]:
    """The pages that show the rows behind the numbers, when the user may open them: the
    members behind the follow-up numbers (``behind``); the register by status while the period
    runs (the register is today's); the items; the cell's alerts."""
    query = period_query(period)
    links = {
        key: f"{reverse('reports:members', args=[unit.pk, key])}?{query}" for key in BEHIND_KEYS
    }
    if access.can(Cap.MEMBER_VIEW, unit) and period.reported_last() == first_of(
        timezone.localdate()
    ):
        register = reverse("members:unit_list", args=[unit.pk])
        for category in ("official", "probationary", "exempt", "away"):
            links[category] = f"{register}?{urlencode({'category': category})}"
    if holds_meetings:
        links["items"] = reverse("actions:cell_items", args=[unit.pk])
        if access.can(Cap.MEETING_CHANGE, unit):
            url = reverse("meetings:cell_year", args=[unit.pk])
            links["alerts"] = f"{url}?year={period.reported_last().year}#alerts"
    elif unit.kind == UnitKind.COMMUNE and access.can(Cap.MEETING_VIEW, unit):
        # The commune's items by cell, for the period's last month.
        month = urlencode({"month": f"{period.reported_last():%Y-%m}"})
        links["items"] = f"{reverse('actions:commune', args=[unit.pk])}?{month}"
    return links


@login_required
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    """A unit's indicators over a period, by child unit, with charts and targets."""
    access = _access(request)
    unit = unit_get(access=access, pk=pk, capability=Cap.REPORT_VIEW)
    period, kind, error = period_asked(request.GET)
    sort = sort_asked(request)
    result = breakdown(unit, period)
    holds_meetings = unit.kind in MEMBER_UNIT_KINDS
    rows = child_rows(unit, result, period, sort)
    links = _links(access, unit, period, holds_meetings)
    form = PeriodForm(
        initial={"kind": kind, "from": f"{period.first:%Y-%m}", "to": f"{period.last:%Y-%m}"}
    )
    context = {
        "unit": unit,
        "breadcrumb": [a for a in unit_breadcrumb(unit=unit) if access.can(Cap.REPORT_VIEW, a)],
        "period": period,
        "reported_last": period.reported_last(),
        "period_error": error,
        "period_form": form,
        "quick": quick_periods(period),
        "query": period_query(period),
        "total": result.total,
        "sections": sections(result.total, links),
        "links": links,
        "rows": rows if any(r.unit is not None for r in rows) else [],
        "by_cell": all(r.unit.kind in MEMBER_UNIT_KINDS for r in rows if r.unit is not None),
        "headings": headings(sort, period),
        "sort": sort,
        "charts": [
            *charts.trend_charts(monthly_trend(unit, period), period),
            charts.quality_chart(quality_distribution(unit, period)),
        ],
        "targets": targets_over(unit, period, result.total),
        "meetings": meeting_rows(unit, period) if holds_meetings else None,
        "can_target": access.can(Cap.REPORT_TARGET, unit),
    }
    return render(request, "reports/dashboard.html", context)


def target_get(*, access: Access, pk: object, capability: str = Cap.REPORT_TARGET) -> Target:
    """The target if its unit is in scope and the user has ``capability`` on it; else 404."""
    try:
        target_id = int(str(pk))
    except (TypeError, ValueError):
        raise Http404 from None
    target = Target.objects.select_related("unit").filter(pk=target_id).first()
    if target is None:
        raise Http404
    access.require(capability, target.unit)
    return target


@login_required
def targets(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit's targets with their progress; the form to set one, for its committee."""
    access = _access(request)
    unit = unit_get(access=access, pk=pk, capability=Cap.REPORT_VIEW)
    can_set = access.can(Cap.REPORT_TARGET, unit) and not unit.is_cell
    if request.method == "POST" and not can_set:
        raise Http404
    form = None
    if can_set:
        form = TargetForm(request.POST or None, initial=TargetForm.initial_for())
        if request.method == "POST" and form.is_valid():
            try:
                services.target_create(actor=request.user, unit=unit, data=form.target_data())
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("The target has been set."))
                return redirect("reports:targets", pk=unit.pk)
    own = list(Target.objects.filter(unit=unit).order_by("deadline", "indicator", "id"))
    context = {
        "unit": unit,
        "rows": target_progress(unit, own),
        "form": form,
        "can_target": access.can(Cap.REPORT_TARGET, unit),
    }
    return render(request, "reports/targets.html", context)


@login_required
def target_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a target, after a confirmation (the page asks; only a POST removes)."""
    target = target_get(access=_access(request), pk=pk)
    if request.method == "POST":
        unit_id = target.unit_id
        services.target_delete(actor=request.user, target=target)
        messages.success(request, _("The target has been removed."))
        return redirect("reports:targets", pk=unit_id)
    return render(request, "reports/target_delete.html", {"target": target, "unit": target.unit})


# --- The home page -----------------------------------------------------------------------------
def home_dashboards(access: Access, roots: Sequence[OrgUnit]) -> list[OrgUnit]:
    """The user's top units whose dashboard they may open (for the home page; no query)."""
    return [unit for unit in roots if access.can(Cap.REPORT_VIEW, unit)]
