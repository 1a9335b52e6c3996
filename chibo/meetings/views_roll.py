"""The roll call on one phone screen: every member on the roll with their category, the
header of the minutes (opening and closing time, chair, minute-taker, guests) and a timer
against the minimum duration, saved in one POST (``services.roll_call_save``).

A constant number of queries whatever the size of the cell (asserted in the tests).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.core.roles import Cap
from chibo.meetings import overview, selectors, services
from chibo.meetings.forms import RollCallForm
from chibo.meetings.models import Meeting
from chibo.meetings.views import stale_or_errors


def elapsed_minutes(meeting: Meeting) -> int | None:
    """Minutes since the meeting opened (to its closing time once closed)."""
    if meeting.held_start is None:
        return None
    end = meeting.held_end or timezone.now()
    return max(0, int((end - meeting.held_start).total_seconds() // 60))


@login_required
def roll(request: HttpRequest, pk: int) -> HttpResponse:
    access = request.access
    meeting = overview.meeting_get(access=access, pk=pk, capability=Cap.MEETING_CHANGE)
    entries = selectors.roll_for(meeting)
    form = RollCallForm(request.POST or None, meeting=meeting, roll=entries)
    if request.method == "POST" and form.is_valid():
        try:
            services.roll_call_save(
                actor=request.user,
                meeting=meeting,
                data=form.meeting_data(open_now="open_now" in request.POST),
                version=form.cleaned_data["version"],
                rows=form.rows(),
            )
        except ValidationError as error:
            if stale_or_errors(request, form, error):
                meeting = overview.meeting_get(access=access, pk=pk)
                entries = selectors.roll_for(meeting)
                form = RollCallForm(meeting=meeting, roll=entries)
        else:
            messages.success(request, _("The roll call has been saved."))
            return redirect("meetings:roll", pk=meeting.pk)
    if meeting.is_locked:
        # Locked minutes change only by an amendment: the roll is shown, not offered for edit.
        for field in form.fields.values():
            field.disabled = True
    counts = selectors.counts_of(entries)
    context = {
        "meeting": meeting,
        "form": form,
        "counts": counts,
        "elapsed": elapsed_minutes(meeting),
        "closed": meeting.held_end is not None,
        "start_iso": meeting.held_start.isoformat() if meeting.held_start else "",
    }
    return render(request, "meetings/roll.html", context)
