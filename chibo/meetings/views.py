"""Pages of the meeting cycle: a cell's year, the commune's page, a meeting and its
preparation, the answer to a notice, a member's own attendance record.

Seeing needs ``Cap.MEETING_VIEW`` on the cell; planning, preparing, the roll call and the
minutes need ``Cap.MEETING_CHANGE``; the fixed days and model cells ``Cap.MEETING_CONFIGURE``
on the commune. Anything out of scope or not permitted answers 404. The roll call is in
``views_roll.py``, the minutes and the quality check in ``views_minutes.py``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.core.roles import Cap
from chibo.core.views import apply_validation_error
from chibo.meetings import overview, selectors, services
from chibo.meetings.agenda import agenda_item_save, model_cell_unmark
from chibo.meetings.forms import (
    AgendaBuildForm,
    AgendaItemForm,
    AnswerForm,
    MeetingAddForm,
    MeetingDayForm,
    MeetingEditForm,
    ModelCellForm,
    PlanYearForm,
    ReasonForm,
)
from chibo.meetings.models import (
    AdvanceAnswer,
    AgendaItem,
    AgendaStep,
    Attendance,
    Meeting,
    MeetingDay,
    MeetingStatus,
    ModelCell,
)
from chibo.members.models import Member
from chibo.members.selectors import member_get
from chibo.notifications.services import notify_meeting
from chibo.orgunits.models import OrgUnit
from chibo.orgunits.selectors import unit_get


def year_of(request: HttpRequest) -> int:
    """The ``?year=`` asked for; anything else means this year."""
    raw = request.GET.get("year", "")
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    return timezone.localdate().year


def month_of(request: HttpRequest) -> dt.date:
    """The ``?month=YYYY-MM`` asked for (first day); anything else means this month."""
    try:
        day = dt.datetime.strptime(request.GET.get("month", ""), "%Y-%m").date()
    except ValueError:
        return timezone.localdate().replace(day=1)
    return day if 2000 <= day.year <= 2100 else timezone.localdate().replace(day=1)


def stale_or_errors(request: HttpRequest, form: object, error: ValidationError) -> bool:
    """Show a service error; True when it was the optimistic check (reload the form)."""
    if getattr(error, "code", None) == "stale":
        messages.error(request, error.messages[0])
        return True
    apply_validation_error(form, error)  # type: ignore[arg-type]
    return False


# --- A cell's year -----------------------------------------------------------------------------
@login_required
def cell_year(request: HttpRequest, pk: int) -> HttpResponse:
    access = request.access
    cell = overview.cell_get(access=access, pk=pk)
    year = year_of(request)
    can_change = access.can(Cap.MEETING_CHANGE, cell)
    context = {
        "cell": cell,
        "year": year,
        "years": (year - 1, year + 1),
        "meetings": overview.meetings_of_year(cell, year),
        "quarters": selectors.quarter_warnings(cell, year),
        "alerts": selectors.member_alerts(cell, year) if can_change else [],
        "meeting_day": MeetingDay.objects.filter(cell=cell).first(),
        "can_change": can_change,
        "plan_form": PlanYearForm(initial={"year": year}),
    }
    return render(request, "meetings/cell_year.html", context)


@login_required
def plan_year(request: HttpRequest, pk: int) -> HttpResponse:
    cell = overview.cell_get(access=request.access, pk=pk, capability=Cap.MEETING_CHANGE)
    form = PlanYearForm(request.POST or None, initial={"year": year_of(request)})
    if request.method == "POST" and form.is_valid():
        year = form.cleaned_data["year"]
        try:
            created = services.plan_year(actor=request.user, cell=cell, year=year)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if created:
                messages.success(
                    request,
                    _("%(n)s regular meetings have been planned.") % {"n": len(created)},
                )
            else:
                messages.info(request, _("Every month of the year already has its meeting."))
            return redirect(f"{_cell_url(cell)}?year={year}")
    context = {"cell": cell, "form": form}
    return render(request, "meetings/plan_year.html", context)


def _cell_url(cell: OrgUnit) -> str:
    return reverse("meetings:cell_year", args=[cell.pk])


@login_required
def add(request: HttpRequest, pk: int) -> HttpResponse:
    cell = overview.cell_get(access=request.access, pk=pk, capability=Cap.MEETING_CHANGE)
    form = MeetingAddForm(request.POST or None, initial={"kind": request.GET.get("kind", "")})
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(actor=request.user, cell=cell, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The meeting has been added."))
            return redirect("meetings:detail", pk=meeting.pk)
    return render(request, "meetings/add.html", {"cell": cell, "form": form})


# --- The commune -------------------------------------------------------------------------------
@login_required
def commune(request: HttpRequest, pk: int) -> HttpResponse:
    """Each cell's fixed day and model-cell marker, and the quality of the meetings held in a
    month, for all the commune's cells."""
    access = request.access
    unit = unit_get(access=access, pk=pk, capability=Cap.MEETING_VIEW)
    if unit.is_cell:
        raise Http404
    month = month_of(request)
    rows = overview.commune_overview(unit, month)
    for row in rows:
        row.results = [  # type: ignore[attr-defined]
            (meeting, overview.quality_result(criteria), criteria)
            for meeting, criteria in row.meetings
        ]
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    context = {
        "unit": unit,
        "rows": rows,
        "month": month,
        "previous": previous,
        "following": following,
        "can_configure": access.can(Cap.MEETING_CONFIGURE, unit),
    }
    return render(request, "meetings/commune.html", context)


def _commune_and_cell(request: HttpRequest, pk: int, cell_pk: int) -> tuple[OrgUnit, OrgUnit]:
    access = request.access
    unit = unit_get(access=access, pk=pk, capability=Cap.MEETING_CONFIGURE)
    cell = overview.cell_get(access=access, pk=cell_pk, capability=Cap.MEETING_CONFIGURE)
    if unit.is_cell or not cell.path.startswith(unit.path) or cell.pk == unit.pk:
        raise Http404
    return unit, cell


@login_required
def day_set(request: HttpRequest, pk: int, cell_pk: int) -> HttpResponse:
    unit, cell = _commune_and_cell(request, pk, cell_pk)
    current = MeetingDay.objects.filter(cell=cell).first()
    initial = (
        {"rule": current.rule, "day": current.day, "time": current.time, "place": current.place}
        if current
        else {"rule": "day", "day": 5}
    )
    form = MeetingDayForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_day_set(actor=request.user, cell=cell, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request, _("The fixed meeting day of %(cell)s has been set.") % {"cell": cell}
            )
            return redirect("meetings:commune", pk=unit.pk)
    return render(request, "meetings/day_set.html", {"unit": unit, "cell": cell, "form": form})


@login_required
def model_cell(request: HttpRequest, pk: int, cell_pk: int) -> HttpResponse:
    unit, cell = _commune_and_cell(request, pk, cell_pk)
    marker = ModelCell.objects.filter(cell=cell).first()
    form = ModelCellForm(
        request.POST or None,
        initial={"since": marker.since if marker else timezone.localdate(), "note": ""},
    )
    if request.method == "POST" and "unmark" in request.POST:
        _unmark(request, unit, cell)
        return redirect("meetings:commune", pk=unit.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.model_cell_mark(
                actor=request.user, commune=unit, cell=cell, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("%(cell)s is marked as a model cell.") % {"cell": cell})
            return redirect("meetings:commune", pk=unit.pk)
    context = {"unit": unit, "cell": cell, "form": form, "marker": marker}
    return render(request, "meetings/model_cell.html", context)


def _unmark(request: HttpRequest, unit: OrgUnit, cell: OrgUnit) -> None:
    try:
        model_cell_unmark(actor=request.user, commune=unit, cell=cell)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(cell)s is no longer a model cell.") % {"cell": cell})


# --- One meeting -------------------------------------------------------------------------------
def materials_warning(meeting: Meeting) -> str:
    """The warning about the materials (published at least one day before), or ""."""
    day = selectors.meeting_date(meeting)
    deadline = day - dt.timedelta(days=1)
    published = meeting.materials_published_at
    if published is not None:
        if timezone.localdate(published) > deadline:
            return _("The materials were published late: they are due one day before.")
        return ""
    if meeting.status in {MeetingStatus.CANCELLED, *selectors.HELD_STATUSES}:
        return _("The materials were not published before the meeting.")
    if timezone.localdate() > deadline:
        return _("The materials are late: they were due by %(day)s.") % {
            "day": deadline.strftime("%d/%m/%Y")
        }
    return _("Publish the materials by %(day)s.") % {"day": deadline.strftime("%d/%m/%Y")}


def _own_answer(request: HttpRequest, meeting: Meeting) -> Attendance | None:
    member_id = request.access.member_id
    if member_id is None:
        return None
    return Attendance.objects.filter(meeting=meeting, member_id=member_id).first()


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = request.access
    meeting = overview.meeting_get(access=access, pk=pk)
    can_change = access.can(Cap.MEETING_CHANGE, meeting.cell)
    items = list(AgendaItem.objects.filter(meeting=meeting).order_by("order"))
    answers = []
    if can_change:
        answers = list(
            Attendance.objects.filter(meeting=meeting)
            .exclude(advance_answer="")
            .select_related("member")
            .order_by("member__sort_key")
        )
    context = {
        "meeting": meeting,
        "steps": _by_step(items),
        "can_change": can_change,
        "materials_warning": materials_warning(meeting),
        "answers": answers,
        "will_come": sum(1 for a in answers if a.advance_answer == AdvanceAnswer.WILL_COME),
        "cannot_come": sum(1 for a in answers if a.advance_answer == AdvanceAnswer.ABSENT),
        "own_answer": _own_answer(request, meeting),
        "may_answer": meeting.status == MeetingStatus.NOTIFIED and access.member_id is not None,
        "date": selectors.meeting_date(meeting),
    }
    return render(request, "meetings/detail.html", context)


def _by_step(items: list[AgendaItem]) -> list[tuple[str, list[AgendaItem]]]:
    return [
        (str(label), [i for i in items if i.step == step])
        for step, label in AgendaStep.choices
        if any(i.step == step for i in items)
    ]


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Prepare the meeting: date, place, topic, who prepared it, the committee's agreement,
    the materials and the draft resolution (with the optimistic check)."""
    meeting = overview.meeting_get(access=request.access, pk=pk, capability=Cap.MEETING_CHANGE)
    day = selectors.meeting_date(meeting)
    roll = selectors.eligible_members(meeting.cell_id, day, meeting.kind)
    if request.method == "POST" and "publish_now" in request.POST:
        return _publish_now(request, meeting)
    form = MeetingEditForm(request.POST or None, meeting=meeting, roll=roll)
    if request.method == "POST" and form.is_valid():
        data = form.meeting_data()
        try:
            services.meeting_update(
                actor=request.user, meeting=meeting, data=data, version=form.cleaned_data["version"]
            )
        except ValidationError as error:
            if stale_or_errors(request, form, error):
                meeting = overview.meeting_get(access=request.access, pk=pk)
                form = MeetingEditForm(meeting=meeting, roll=roll)
        else:
            messages.success(request, _("The meeting has been saved."))
            return redirect("meetings:detail", pk=meeting.pk)
    return render(request, "meetings/edit.html", {"meeting": meeting, "form": form})


def _publish_now(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    """The one-button "materials published now" of the meeting page."""
    raw = request.POST.get("version", "")
    data = replace(services.MeetingData.of(meeting), materials_published_at=timezone.now())
    try:
        services.meeting_update(
            actor=request.user,
            meeting=meeting,
            data=data,
            version=int(raw) if raw.isdigit() else 0,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The materials are recorded as published now."))
    return redirect("meetings:detail", pk=meeting.pk)


@login_required
def agenda_build(request: HttpRequest, pk: int) -> HttpResponse:
    """Build the agenda from a template (or the standard three steps), with the documents from
    above and the cell's local issues. Replaces the agenda there is."""
    meeting = overview.meeting_get(access=request.access, pk=pk, capability=Cap.MEETING_CHANGE)
    templates = selectors.templates_available(meeting.cell)
    form = AgendaBuildForm(request.POST or None, templates=templates)
    if request.method == "POST" and form.is_valid():
        try:
            services.agenda_from_template(
                actor=request.user,
                meeting=meeting,
                template=form.template_object(),
                documents=form.documents_list(),
                local_issues=form.local_issues_list(),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The agenda has been built."))
            return redirect("meetings:detail", pk=meeting.pk)
    has_agenda = AgendaItem.objects.filter(meeting=meeting).exists()
    context = {"meeting": meeting, "form": form, "has_agenda": has_agenda}
    return render(request, "meetings/agenda_build.html", context)


def _next(request: HttpRequest) -> str:
    """Where an agenda form returns: the minutes, or the meeting (the default)."""
    asked = request.POST.get("next") or request.GET.get("next") or ""
    return "minutes" if asked == "minutes" else ""


def _back_to(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    if _next(request) == "minutes":
        return redirect("meetings:minutes", pk=meeting.pk)
    return redirect("meetings:detail", pk=meeting.pk)


@login_required
def agenda_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = overview.meeting_get(access=request.access, pk=pk, capability=Cap.MEETING_CHANGE)
    form = AgendaItemForm(request.POST or None, initial={"step": AgendaStep.CONTENT})
    if request.method == "POST" and form.is_valid():
        try:
            _item_save(request, meeting, form, None)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The item has been added to the agenda."))
            return _back_to(request, meeting)
    context = {"meeting": meeting, "form": form, "item": None, "next": _next(request)}
    return render(request, "meetings/agenda_item.html", context)


@login_required
def agenda_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change an agenda item: its text, and its conclusion (during or after the meeting)."""
    item = AgendaItem.objects.select_related("meeting").filter(pk=pk).first()
    if item is None:
        raise Http404
    meeting = overview.meeting_get(
        access=request.access, pk=item.meeting_id, capability=Cap.MEETING_CHANGE
    )
    initial = {f: getattr(item, f) for f in ("step", "title", "content", "reference", "conclusion")}
    form = AgendaItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            _item_save(request, meeting, form, item)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The agenda item has been saved."))
            return _back_to(request, meeting)
    context = {
        "meeting": meeting,
        "form": form,
        "item": item,
        "next": _next(request),
    }
    return render(request, "meetings/agenda_item.html", context)


def _item_save(
    request: HttpRequest, meeting: Meeting, form: AgendaItemForm, item: AgendaItem | None
) -> None:
    agenda_item_save(actor=request.user, meeting=meeting, item=item, **form.cleaned_data)


@login_required
def notify(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that the notice (time, place, content) went out to the members."""
    meeting = overview.meeting_get(access=request.access, pk=pk, capability=Cap.MEETING_CHANGE)
    error_text = ""
    if request.method == "POST":
        try:
            # Marks the meeting notified and sends the notice (home page, e-mail, SMS).
            notify_meeting(actor=request.user, meeting=meeting)
        except ValidationError as error:
            error_text = " ".join(error.messages)
        else:
            messages.success(request, _("The notice has been sent."))
            return redirect("meetings:detail", pk=meeting.pk)
    context = {"meeting": meeting, "error": error_text, "date": selectors.meeting_date(meeting)}
    return render(request, "meetings/notify.html", context)


@login_required
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = overview.meeting_get(access=request.access, pk=pk, capability=Cap.MEETING_CHANGE)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_cancel(
                actor=request.user, meeting=meeting, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The meeting has been cancelled."))
            return redirect("meetings:detail", pk=meeting.pk)
    return render(request, "meetings/cancel.html", {"meeting": meeting, "form": form})


@login_required
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The member's own answer to the notice: "I will come", or the reason they cannot."""
    access = request.access
    meeting = overview.meeting_get(access=access, pk=pk)
    form = AnswerForm(request.POST or None)
    member = None
    if access.member_id is not None:
        # The user's own record, identified by their login: not a scope question.
        member = Member._base_manager.filter(pk=access.member_id).first()
    if request.method == "POST" and member is not None and form.is_valid():
        will_come = form.cleaned_data["answer"] == "come"
        try:
            services.answer_notice(
                actor=request.user,
                meeting=meeting,
                member=member,
                will_come=will_come,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Your answer has been sent to the secretary."))
            if request.POST.get("next") == "home":
                return redirect("home")
            return redirect("meetings:detail", pk=meeting.pk)
    context = {
        "meeting": meeting,
        "form": form,
        "member": member,
        "own_answer": _own_answer(request, meeting),
        "date": selectors.meeting_date(meeting),
    }
    return render(request, "meetings/answer.html", context)


# --- A member's record -------------------------------------------------------------------------
@login_required
def member_year(request: HttpRequest, pk: int) -> HttpResponse:
    """A member's attendance in the held meetings of a year, and the rate."""
    member = member_get(access=request.access, pk=pk)
    year = year_of(request)
    record = selectors.member_attendance_year(member, year)
    context = {
        "member": member,
        "year": year,
        "years": (year - 1, year + 1),
        "record": record,
        "own": member.pk == request.access.member_id,
    }
    return render(request, "meetings/member_year.html", context)
