"""Pages for a member's events (record, void) and for transfers between cells (send, receive).

Recording needs ``Cap.MEMBER_CHANGE`` on the member's cell; receiving needs it on the cell the
member was sent to (the member is not visible there yet: see selectors_lifecycle).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.core.roles import Cap
from chibo.core.scoping import UnitScope
from chibo.core.views import apply_validation_error
from chibo.core.workdays import WorkCalendar
from chibo.members import selectors
from chibo.members import selectors_lifecycle as lifecycle_selectors
from chibo.members.deadlines import RECEIVE_DAYS, TRANSFER_DAYS
from chibo.members.forms_lifecycle import (
    FIELDS_BY_KIND,
    KIND_LABELS,
    EventForm,
    ReceiveForm,
    TransferForm,
    VoidForm,
)
from chibo.members.lifecycle import member_event_add, member_event_void
from chibo.members.models import Member
from chibo.orgunits.selectors import unit_get


@login_required
def event_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose the kind of event, then fill in the fields that kind needs."""
    member = selectors.member_get(access=request.access, pk=pk, capability=Cap.MEMBER_CHANGE)
    kind = request.POST.get("kind") or request.GET.get("kind") or ""
    context: dict[str, object] = {"member": member, "unit": member.cell}
    if kind not in FIELDS_BY_KIND:
        context["kinds"] = list(KIND_LABELS.items())
        return render(request, "members/event_form.html", context)
    form = EventForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            member_event_add(actor=request.user, member=member, data=form.event_data())
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The event has been recorded."))
            return redirect(member)
    context.update(form=form, kind=kind, kind_label=KIND_LABELS[kind])
    return render(request, "members/event_form.html", context)


@login_required
def event_void(request: HttpRequest, pk: int) -> HttpResponse:
    event = lifecycle_selectors.event_get(access=request.access, pk=pk)
    member = event.member
    form = VoidForm(request.POST or None)
    if request.method == "POST" and event.voided_at is None and form.is_valid():
        try:
            member_event_void(actor=request.user, event=event, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The event has been voided."))
            return _to_member(request, member)
    context = {"event": event, "member": member, "form": form}
    return render(request, "members/event_void.html", context)


def _to_member(request: HttpRequest, member: Member) -> HttpResponse:
    """The member's page, unless the change took the member out of the user's sight."""
    member = Member._base_manager.select_related("cell").get(pk=member.pk)
    if request.access.can(Cap.MEMBER_VIEW, member.cell):
        return redirect(member)
    return redirect("home")


@login_required
def transfer_send(request: HttpRequest, pk: int) -> HttpResponse:
    """An official or temporary transfer to a cell given by its code (two steps: look the code
    up and show the cell's name, then confirm)."""
    member = selectors.member_get(access=request.access, pk=pk, capability=Cap.MEMBER_CHANGE)
    form = TransferForm(request.POST or None)
    destination = None
    if request.method == "POST" and form.is_valid():
        destination = lifecycle_selectors.destination_by_code(form.cleaned_data["destination"])
        if destination is None:
            form.add_error("destination", _("No party cell has this code."))
        elif request.POST.get("shown") == destination.code and "confirm" in request.POST:
            try:
                member_event_add(
                    actor=request.user, member=member, data=form.event_data(destination)
                )
            except ValidationError as error:
                apply_validation_error(form, _on_destination(error))
            else:
                messages.success(request, _("The transfer has been sent."))
                return redirect(member)
    events = lifecycle_selectors.member_event_list(member=member)
    context = {
        "member": member,
        "form": form,
        "destination": destination if destination and not form.errors else None,
        "pending": lifecycle_selectors.pending_transfer(member=member, events=events),
    }
    return render(request, "members/transfer_send.html", context)


def _on_destination(error: ValidationError) -> ValidationError:
    """The service names the receiving cell ``other_cell``; the form calls it ``destination``."""
    if hasattr(error, "error_dict") and "other_cell" in error.error_dict:
        errors = dict(error.error_dict)
        errors["destination"] = errors.pop("other_cell")
        return ValidationError(errors)
    return error


def _due(calendar: WorkCalendar, start: dt.date, days: int) -> dt.date | None:
    try:
        return calendar.add(start, days)
    except ValueError:
        return None


@login_required
def transfers_incoming(request: HttpRequest, pk: int) -> HttpResponse:
    """Transfers on their way into the unit (to receive) and out of it (waiting)."""
    unit = unit_get(access=request.access, pk=pk, capability=Cap.MEMBER_CHANGE)
    within = UnitScope.of([unit.path])
    incoming = list(lifecycle_selectors.incoming_transfers(within=within))
    outgoing = list(lifecycle_selectors.outgoing_transfers(within=within))
    today = timezone.localdate()
    starts = [e.date for e in incoming + outgoing]
    calendar = WorkCalendar.load(min(starts, default=today), today + dt.timedelta(days=200))
    rows_in = [(e, _due(calendar, e.date, RECEIVE_DAYS)) for e in incoming]
    rows_out = [(e, _due(calendar, e.date, TRANSFER_DAYS)) for e in outgoing]
    context = {"unit": unit, "incoming": rows_in, "outgoing": rows_out, "today": today}
    return render(request, "members/transfer_list.html", context)


@login_required
def transfer_receive(request: HttpRequest, pk: int) -> HttpResponse:
    """The receiving cell sees who is coming (a limited view) and confirms the arrival."""
    event = lifecycle_selectors.incoming_get(access=request.access, pk=pk)
    member = event.member
    form = ReceiveForm(request.POST or None) if not event.temporary else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            member_event_add(actor=request.user, member=member, data=form.event_data())
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The member has been received into the cell."))
            return _to_member(request, member)
    context = {"event": event, "member": member, "form": form, "unit": event.other_cell}
    return render(request, "members/transfer_receive.html", context)
