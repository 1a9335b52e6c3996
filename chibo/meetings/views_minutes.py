"""The minutes (biên bản): speeches by name per agenda item, conclusions, the resolution and
its vote, locking; after locking, dated amendments only. The print page and the quality check.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from chibo.core.roles import Cap
from chibo.core.scoping import scopes_disabled
from chibo.core.views import apply_validation_error
from chibo.meetings import docx, overview, selectors, services
from chibo.meetings.forms import AmendForm, ConfirmForm, ResolutionForm, SpeechForm
from chibo.meetings.models import AgendaItem, AttendanceCategory, Meeting, Resolution, Speech
from chibo.orgunits.models import OrgUnit

C = AttendanceCategory


def minutes_context(meeting: Meeting) -> dict[str, Any]:
    """What the minutes show: counts, names by category, the agenda with its speeches, the
    resolution and the amendments. Six queries."""
    roll = selectors.roll_for(meeting)
    items = list(AgendaItem.objects.filter(meeting=meeting).order_by("order"))
    speeches = list(Speech.objects.filter(meeting=meeting).order_by("order"))
    by_item: dict[int | None, list[Speech]] = {}
    for speech in speeches:
        by_item.setdefault(speech.agenda_item_id, []).append(speech)
    for item in items:
        item.said = by_item.get(item.pk, [])  # type: ignore[attr-defined]

    def named(category: str) -> list[selectors.RollEntry]:
        return [e for e in roll if e.category == category]

    return {
        "meeting": meeting,
        "roll": roll,
        "counts": selectors.counts_of(roll),
        "present": named(C.PRESENT),
        "late": named(C.LATE),
        "excused": named(C.ABSENT_EXCUSED),
        "unexcused": named(C.ABSENT_UNEXCUSED),
        "exempt": [e for e in roll if e.expected == C.EXEMPT],
        "away": [e for e in roll if e.expected == C.AWAY],
        "items": items,
        "general_speeches": by_item.get(None, []),
        "resolution": Resolution.objects.filter(meeting=meeting).first(),
        "amendments": selectors.amendments_of(meeting),
        "date": selectors.meeting_date(meeting),
    }


def _speech_form(meeting: Meeting, context: dict[str, Any], data: Any = None) -> SpeechForm:
    return SpeechForm(data, roll=context["roll"], items=context["items"])


def _resolution_form(context: dict[str, Any], data: Any = None) -> ResolutionForm:
    resolution = context["resolution"]
    initial: dict[str, Any] = {
        "text": context["meeting"].draft_resolution,
        "vote_method": "hands",
        "votes_for": context["counts"].attended,
        "votes_against": 0,
        "votes_abstain": 0,
    }
    if resolution is not None:
        initial = {
            name: getattr(resolution, name)
            for name in ("text", "vote_method", "votes_for", "votes_against", "votes_abstain")
        }
    # Its own ids: on the minutes page it sits beside the speech form, whose "text" field
    # would otherwise share the id "id_text" (and its label).
    return ResolutionForm(data, initial=initial, auto_id="id_resolution_%s")


@login_required
def minutes(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = overview.meeting_get(access=request.access, pk=pk, capability=Cap.MEETING_CHANGE)
    context = minutes_context(meeting)
    if not meeting.is_locked:
        context["speech_form"] = _speech_form(meeting, context)
        context["resolution_form"] = _resolution_form(context)
    return render(request, "meetings/minutes.html", context)


@login_required
def speech_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Record what someone said; with htmx the speeches and a fresh form come back in place."""
    meeting = overview.meeting_get(access=request.access, pk=pk, capability=Cap.MEETING_CHANGE)
    context = minutes_context(meeting)
    form = _speech_form(meeting, context, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.speech_add(
                actor=request.user,
                meeting=meeting,
                text=form.cleaned_data["text"],
                member=form.member_object(),
                speaker_name=form.cleaned_data["speaker_name"],
                agenda_item=form.item_object(),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if not request.htmx:
                messages.success(request, _("The speech has been recorded."))
                return redirect(f"{_minutes_url(meeting)}#speeches")
            context = minutes_context(meeting)
            form = _speech_form(meeting, context)
            context["saved"] = True
    context["speech_form"] = form
    if request.htmx:
        return render(request, "meetings/minutes.html#speeches", context)
    return render(request, "meetings/speech_add.html", context)


def _minutes_url(meeting: Meeting) -> str:
    return reverse("meetings:minutes", args=[meeting.pk])


@login_required
def resolution(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = overview.meeting_get(access=request.access, pk=pk, capability=Cap.MEETING_CHANGE)
    context = minutes_context(meeting)
    form = _resolution_form(context, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.resolution_save(
                actor=request.user,
                meeting=meeting,
                data=services.ResolutionData(**form.cleaned_data),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The resolution and its vote have been saved."))
            return redirect(f"{_minutes_url(meeting)}#resolution")
    context["resolution_form"] = form
    return render(request, "meetings/resolution.html", context)


@login_required
def lock(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve and lock the minutes, after a confirmation: they cannot be edited afterwards."""
    meeting = overview.meeting_get(access=request.access, pk=pk, capability=Cap.MEETING_CHANGE)
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_lock(actor=request.user, meeting=meeting)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The minutes have been approved and locked."))
            return redirect("meetings:minutes", pk=meeting.pk)
    context = minutes_context(meeting)
    context["form"] = form
    return render(request, "meetings/lock.html", context)


@login_required
def amend(request: HttpRequest, pk: int) -> HttpResponse:
    """A dated amendment of locked minutes, with its reason; the values before are kept."""
    meeting = overview.meeting_get(access=request.access, pk=pk, capability=Cap.MEETING_CHANGE)
    context = minutes_context(meeting)
    form = AmendForm(
        request.POST or None,
        meeting=meeting,
        roll=context["roll"],
        resolution=context["resolution"],
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.minutes_amend(
                actor=request.user,
                meeting=meeting,
                reason=form.cleaned_data["reason"],
                changes=form.changes(),
                date=form.cleaned_data["date"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The amendment has been recorded."))
            return redirect("meetings:minutes", pk=meeting.pk)
    context["form"] = form
    return render(request, "meetings/amend.html", context)


@login_required
def minutes_docx(request: HttpRequest, pk: int) -> HttpResponse:
    """The minutes as a Word file in the official layout (chibo.meetings.docx)."""
    meeting = overview.meeting_get(access=request.access, pk=pk)
    response = HttpResponse(docx.minutes_docx(meeting), content_type=docx.DOCX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{docx.minutes_filename(meeting)}"'
    return response


@login_required
def print_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    """The minutes laid out like the paper template, with the national header, to print."""
    meeting = overview.meeting_get(access=request.access, pk=pk)
    context = minutes_context(meeting)
    cell = meeting.cell
    with scopes_disabled():
        # Only the name of the committee above the cell, printed in the header of its minutes
        # (a member sees the cell's minutes without seeing the commune's unit page).
        committee = OrgUnit.objects.filter(path=cell.path[: -cell.steplen]).first()
    context["committee"] = committee
    # Title and place of the date line as in the Word file (the place is the commune's name).
    context["title"] = docx.title_of(meeting)
    place = docx.place_name(committee.name) if committee else meeting.place or cell.name
    context["date_line"] = docx.date_line(place, context["date"])
    return render(request, "meetings/print.html", context)


@login_required
def quality(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = overview.meeting_get(access=request.access, pk=pk)
    criteria = selectors.quality_check(meeting)
    context = {
        "meeting": meeting,
        "criteria": criteria,
        "result": overview.quality_result(criteria),
        "held": meeting.status in selectors.HELD_STATUSES,
        "can_change": request.access.can(Cap.MEETING_CHANGE, meeting.cell),
    }
    return render(request, "meetings/quality.html", context)
