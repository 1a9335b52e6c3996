"""Pages of study sessions of documents from above (issue 5; ``chibo.actions.studies``).

A cell's documents (``meeting.view`` on the cell): what it studied, who attended, and its local
plan for each. Recording or correcting a study and adding a step to the plan need
``meeting.change`` (the secretary, the deputies, the commune). The commune's page lists each
document with the cells that studied it and those that did not turn it into a plan. Anything
out of scope, or not a cell, answers 404.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.actions import services, studies
from chibo.actions.forms_studies import PlanStepForm, StudyForm
from chibo.actions.models import DocumentStudy
from chibo.core.roles import Cap
from chibo.core.views import apply_validation_error
from chibo.meetings import overview
from chibo.meetings.models import Meeting
from chibo.meetings.selectors import HELD_STATUSES, eligible_members
from chibo.members.models import Member
from chibo.orgunits.models import OrgUnit
from chibo.orgunits.selectors import unit_get


def _list_url(cell: OrgUnit) -> str:
    return reverse("actions:studies", args=[cell.pk])


def _study_get(request: HttpRequest, pk: int, capability: str) -> DocumentStudy:
    study = DocumentStudy.objects.select_related("cell", "meeting").filter(pk=pk).first()
    if study is None:
        raise Http404
    request.access.require(capability, study.cell)
    return study


def _roll(cell: OrgUnit, day: dt.date) -> list[Member]:
    return [entry.member for entry in eligible_members(cell.pk, day)]


def _held_meetings(cell: OrgUnit) -> list[Meeting]:
    """The cell's held meetings of the last twelve months, newest first (to pick from)."""
    since = timezone.localdate() - dt.timedelta(days=366)
    rows = Meeting.objects.filter(cell=cell, status__in=HELD_STATUSES, planned_date__gte=since)
    return list(rows.order_by("-planned_date", "-id"))


@login_required
def cell_studies(request: HttpRequest, pk: int) -> HttpResponse:
    """The documents the cell studied and its plan for each (a constant number of queries)."""
    cell = overview.cell_get(access=request.access, pk=pk)
    context = {
        "cell": cell,
        "documents": studies.cell_documents(cell),
        "can_change": request.access.can(Cap.MEETING_CHANGE, cell),
    }
    return render(request, "actions/studies.html", context)


def _study_data(form: StudyForm) -> studies.StudyData:
    data = form.cleaned_data
    meeting = form.chosen_meeting()
    return studies.StudyData(
        document_reference=data["document_reference"],
        date=data["date"] or timezone.localdate(),
        attendees=form.chosen(),
        document_title=data["document_title"],
        document_date=data["document_date"],
        meeting=meeting,
        notes=data["notes"],
    )


@login_required
def study_add(request: HttpRequest, pk: int) -> HttpResponse:
    cell = overview.cell_get(access=request.access, pk=pk, capability=Cap.MEETING_CHANGE)
    initial = {"date": timezone.localdate(), "document_reference": request.GET.get("ref", "")[:100]}
    form = StudyForm(
        request.POST or None,
        initial=initial,
        members=_roll(cell, timezone.localdate()),
        meetings=_held_meetings(cell),
    )
    if request.method == "POST" and form.is_valid():
        try:
            studies.document_study_record(actor=request.user, cell=cell, data=_study_data(form))
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The study session has been recorded."))
            return redirect(_list_url(cell))
    return render(request, "actions/study_form.html", {"cell": cell, "form": form, "study": None})


@login_required
def study_edit(request: HttpRequest, pk: int) -> HttpResponse:
    study = _study_get(request, pk, Cap.MEETING_CHANGE)
    cell = study.cell
    initial = {
        "document_reference": study.document_reference,
        "document_title": study.document_title,
        "document_date": study.document_date,
        "meeting": str(study.meeting_id or ""),
        "date": study.date,
        "attendees": [str(pk) for pk in study.attendees.values_list("pk", flat=True)],
        "notes": study.notes,
    }
    # Those who attended stay offered even if they have left the cell since.
    roll = _roll(cell, study.date)
    form = StudyForm(
        request.POST or None, initial=initial, members=roll, meetings=_held_meetings(cell)
    )
    if request.method == "POST" and form.is_valid():
        try:
            studies.document_study_update(actor=request.user, study=study, data=_study_data(form))
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The study session has been saved."))
            return redirect(_list_url(cell))
    return render(request, "actions/study_form.html", {"cell": cell, "form": form, "study": study})


@login_required
def study_plan_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A step of the cell's local plan for the studied document: an action item of origin
    "document" with the study's reference (and its meeting, if it was studied at one)."""
    study = _study_get(request, pk, Cap.MEETING_CHANGE)
    cell = study.cell
    form = PlanStepForm(request.POST or None, members=_roll(cell, timezone.localdate()))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        item_data = services.ItemData(
            title=data["title"],
            due_date=data["due_date"],
            owners=form.chosen(),
            details=data["details"],
            document_reference=study.document_reference,
            document_date=study.document_date,
        )
        try:
            services.action_item_for_document(
                actor=request.user, cell=cell, data=item_data, meeting=study.meeting
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The step has been added to the cell's plan."))
            return redirect(_list_url(cell))
    context = {"cell": cell, "form": form, "study": study}
    return render(request, "actions/study_plan_form.html", context)


@login_required
def commune_documents(request: HttpRequest, pk: int) -> HttpResponse:
    """The documents the commune's cells studied or planned for: which cells did not turn a
    studied document into a plan, which did not study it (a constant number of queries)."""
    unit = unit_get(access=request.access, pk=pk, capability=Cap.MEETING_VIEW)
    if unit.is_cell:
        raise Http404
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else None
    context = {"unit": unit, "documents": studies.commune_documents(unit, year), "year": year}
    return render(request, "actions/commune_documents.html", context)
