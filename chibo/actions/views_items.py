"""Pages of action items (issue 5 "From the resolution to action items" and "Follow-up";
decision 0012): a cell's open and recently closed items, the items a meeting decided (added
from its resolution), the commune's guidance and a document's local plan, one item with its
owners and reviews, editing it, an owner's own report, the review of every open item at a
meeting in one save, and "my tasks" on the home page.

Reading needs ``Cap.MEETING_VIEW`` on the item's cell; writing ``Cap.MEETING_CHANGE``. An owner
reports on their own item with ``meeting.view`` (the service checks the ownership). Anything
out of scope or not permitted answers 404, as on the meeting pages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chibo.actions import selectors, services
from chibo.actions.forms_items import (
    DocumentItemForm,
    GuidanceItemForm,
    ItemForm,
    ReportForm,
    ReviewForm,
)
from chibo.actions.models import CLOSED, ActionItem, ActionOwner, ActionReview
from chibo.core.access import Access
from chibo.core.roles import Cap
from chibo.core.views import apply_validation_error
from chibo.meetings import overview
from chibo.meetings.models import Meeting, Resolution
from chibo.meetings.selectors import HELD_STATUSES, eligible_members, roll_standings
from chibo.members.models import Member
from chibo.orgunits.models import OrgUnit

RECENT_DAYS = 90  # the cell's page lists the items closed in the last 90 days…
RECENT_MAX = 30  # …at most this many
DOCUMENT_MEETINGS = 24  # the held meetings offered as the study session of a document


def _access(request: HttpRequest) -> Access:
    return request.access  # type: ignore[attr-defined]


def item_get(*, access: Access, pk: object, capability: str = Cap.MEETING_VIEW) -> ActionItem:
    """The item if it is in the user's meetings scope and the user has ``capability`` on its
    cell; otherwise 404 (never 403: a foreign item must not be revealed)."""
    try:
        item_id = int(str(pk))
    except (TypeError, ValueError):
        raise Http404 from None
    rows = ActionItem.objects.select_related("cell", "source_meeting", "created_by")
    item = rows.filter(pk=item_id).first()
    if item is None:
        raise Http404
    access.require(capability, item.cell)
    return item


def _owners() -> Prefetch:
    return Prefetch(
        "owned",
        queryset=ActionOwner.objects.filter(end_date__isnull=True)
        .select_related("member")
        .order_by("member__sort_key", "id"),
        to_attr="current_owners",
    )


def _people(cell_id: int, day: dt.date, keep: Sequence[Member] = ()) -> list[tuple[Member, str]]:
    """Who may be ticked as an owner: the cell's roll on ``day``, and ``keep`` (the current
    owners) marked when they are no longer on it. One or two queries."""
    roll = [entry.member for entry in eligible_members(cell_id, day)]
    on_roll = {m.pk for m in roll}
    people = [(m, m.full_name) for m in roll]
    off = _("no longer on the roll")
    return people + [(m, f"{m.full_name} ({off})") for m in keep if m.pk not in on_roll]


def _safe_next(request: HttpRequest) -> str:
    """The ``next`` page asked for, if it is a page of this site; else ""."""
    asked = request.POST.get("next") or request.GET.get("next") or ""
    if asked.startswith("/") and url_has_allowed_host_and_scheme(
        asked, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return asked
    return ""


# --- A cell's items ----------------------------------------------------------------------------
@login_required
def cell_items(request: HttpRequest, pk: int) -> HttpResponse:
    """The cell's open items by due date (overdue and needing an owner marked) and those closed
    lately. A constant number of queries, whatever the number of items."""
    access = _access(request)
    cell = overview.cell_get(access=access, pk=pk)
    today = timezone.localdate()
    closed = (
        ActionItem.objects.filter(
            cell_id=cell.pk,
            status__in=CLOSED,
            closed_on__gte=today - dt.timedelta(days=RECENT_DAYS),
        )
        .prefetch_related(_owners())
        .order_by("-closed_on", "-id")
    )
    context = {
        "cell": cell,
        "rows": selectors.cell_open_items(cell, today),
        "closed": list(closed[:RECENT_MAX]),
        "recent_days": RECENT_DAYS,
        "can_change": access.can(Cap.MEETING_CHANGE, cell),
    }
    return render(request, "actions/cell_items.html", context)


def _add(request: HttpRequest, cell: OrgUnit, form: ItemForm, document: bool) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            if isinstance(form, DocumentItemForm):
                item = services.action_item_for_document(
                    actor=request.user,
                    cell=cell,
                    data=form.item_data(),
                    meeting=form.meeting_object(),
                )
            else:
                item = services.action_item_from_guidance(
                    actor=request.user, cell=cell, data=form.item_data()
                )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The action item has been added."))
            return redirect("actions:item", pk=item.pk)
    context = {"cell": cell, "form": form, "document": document}
    return render(request, "actions/item_add.html", context)


@login_required
def guidance_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A task the commune's guidance gives the cell (it may start without an owner)."""
    cell = overview.cell_get(access=_access(request), pk=pk, capability=Cap.MEETING_CHANGE)
    people = _people(cell.pk, timezone.localdate())
    return _add(request, cell, GuidanceItemForm(request.POST or None, people=people), False)


@login_required
def document_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A step of the cell's plan for a document from above, optionally decided at one of the
    cell's held meetings."""
    cell = overview.cell_get(access=_access(request), pk=pk, capability=Cap.MEETING_CHANGE)
    held = Meeting.objects.filter(cell_id=cell.pk, status__in=HELD_STATUSES).order_by(
        "-planned_date", "-id"
    )
    form = DocumentItemForm(
        request.POST or None,
        people=_people(cell.pk, timezone.localdate()),
        meetings=list(held[:DOCUMENT_MEETINGS]),
    )
    return _add(request, cell, form, True)


# --- A meeting's items -------------------------------------------------------------------------
def _resolution_form(meeting: Meeting, data: object = None) -> ItemForm:
    """Owners from the cell's roll today: the service gives a task only to a member who is on
    it on the day the item is written (someone who left since the meeting is not offered)."""
    return ItemForm(data, people=_people(meeting.cell_id, timezone.localdate()))


@login_required
def meeting_items(request: HttpRequest, pk: int) -> HttpResponse:
    """The items this meeting decided, its resolution to turn into items, and (to those who
    change the cell's meetings, once it is held) the form to add one; with htmx the list and a
    fresh form come back in place."""
    access = _access(request)
    posted = request.method == "POST"
    capability = Cap.MEETING_CHANGE if posted else Cap.MEETING_VIEW
    meeting = overview.meeting_get(access=access, pk=pk, capability=capability)
    can_change = access.can(Cap.MEETING_CHANGE, meeting.cell)
    held = meeting.status in HELD_STATUSES
    form = _resolution_form(meeting, request.POST if posted else None) if can_change else None
    saved = False
    if posted and form is not None and form.is_valid():
        try:
            services.action_item_from_resolution(
                actor=request.user, meeting=meeting, data=form.item_data()
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if not request.htmx:  # type: ignore[attr-defined]
                messages.success(request, _("The action item has been added."))
                url = reverse("actions:meeting_items", args=[meeting.pk])
                return redirect(f"{url}#items")
            form, saved = _resolution_form(meeting), True
    today = timezone.localdate()
    items = list(
        ActionItem.objects.filter(source_meeting=meeting)
        .prefetch_related(_owners())
        .order_by("due_date", "id")
    )
    for one in items:
        one.owner_members = [o.member for o in one.current_owners]  # type: ignore[attr-defined]
        one.overdue = not one.is_closed and one.due_date < today  # type: ignore[attr-defined]
    context = {
        "meeting": meeting,
        "can_change": can_change,
        "held": held,
        "items": items,
        "form": form if held or posted else None,
        "saved": saved,
        "resolution": Resolution.objects.filter(meeting=meeting).first(),
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "actions/meeting_items.html#items", context)
    return render(request, "actions/meeting_items.html", context)


# --- One item ----------------------------------------------------------------------------------
@login_required
def item(request: HttpRequest, pk: int) -> HttpResponse:
    """The item, where it comes from, who had it when, and every review, oldest first; its
    owner's report form and, for those who change the cell's meetings, the edit link."""
    access = _access(request)
    item = item_get(access=access, pk=pk)
    today = timezone.localdate()
    ownerships = list(
        ActionOwner.objects.filter(item=item)
        .select_related("member")
        .order_by("start_date", "member__sort_key", "id")
    )
    current = [o for o in ownerships if o.end_date is None]
    departed: set[int] = set()
    if current and not item.is_closed:
        roll = {s.member_id for s in roll_standings(item.cell_id, today)}
        departed = {o.member_id for o in current if o.member_id not in roll}
    reviews = (
        ActionReview.objects.filter(item=item)
        .select_related("meeting", "reported_by", "recorded_by")
        .order_by("created_at", "id")
    )
    is_owner = any(o.member_id == access.member_id for o in current)
    context = {
        "item": item,
        "current": current,
        "past": [o for o in ownerships if o.end_date is not None],
        "departed": departed,
        "reviews": list(reviews),
        "overdue": not item.is_closed and item.due_date < today,
        "can_change": access.can(Cap.MEETING_CHANGE, item.cell),
        "report_form": ReportForm() if is_owner and not item.is_closed else None,
    }
    return render(request, "actions/item.html", context)


def closed_message(item: ActionItem) -> str:
    """What the service answers to a change of a closed item."""
    return _("This item is closed (%(status)s): it does not change any more.") % {
        "status": item.get_status_display()
    }


@login_required
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change an open item: title, details, due date, owners (the roll today, and the current
    owners), document. A closed item refuses with the service's message."""
    item = item_get(access=_access(request), pk=pk, capability=Cap.MEETING_CHANGE)
    owners = [
        o.member
        for o in ActionOwner.objects.filter(item=item, end_date__isnull=True)
        .select_related("member")
        .order_by("member__sort_key", "id")
    ]
    form = ItemForm(
        request.POST or None,
        people=_people(item.cell_id, timezone.localdate(), owners),
        initial=ItemForm.initial_of(item, owners),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.action_item_update(actor=request.user, item=item, data=form.item_data())
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The action item has been saved."))
            return redirect("actions:item", pk=item.pk)
    context = {
        "item": item,
        "form": form,
        "closed": closed_message(item) if item.is_closed else "",
    }
    return render(request, "actions/item_edit.html", context)


@login_required
def item_report(request: HttpRequest, pk: int) -> HttpResponse:
    """An owner's own report before the meeting (in progress, or done for the meeting to
    confirm), from the item's page or the home page; back to ``next`` when it is ours."""
    access = _access(request)
    item = item_get(access=access, pk=pk)
    member = None
    if access.member_id is not None:
        # The user's own record, identified by their login: not a scope question.
        member = Member._base_manager.filter(pk=access.member_id).first()
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if member is None:
            form.add_error(None, _("Only an owner of the item can report on it."))
        else:
            try:
                services.action_progress_report(
                    actor=request.user,
                    item=item,
                    member=member,
                    outcome=form.cleaned_data["outcome"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("Your report has been recorded."))
                return redirect(_safe_next(request) or reverse("actions:item", args=[item.pk]))
    context = {"item": item, "form": form, "member": member, "next": _safe_next(request)}
    return render(request, "actions/item_report.html", context)


# --- The review at a meeting -------------------------------------------------------------------
@dataclass
class ReviewLine:
    """One open item on the review page, with its fields."""

    row: selectors.OpenItem
    outcome: forms.BoundField
    note: forms.BoundField
    here: ActionReview | None  # this meeting's latest review of it
    # The owners' own reports since the last meeting's review, with the reporter's name.
    reports: list[tuple[ActionReview, str]]


def _lines(form: ReviewForm, meeting: Meeting) -> list[ReviewLine]:
    lines = []
    for row, outcome, note in form.lines():
        here = [r for r in row.reviews if r.meeting_id == meeting.pk]
        names = {m.pk: m.full_name for m in row.owners}
        reports: list[tuple[ActionReview, str]] = []
        for review in row.reviews:
            if review.meeting_id is not None:
                reports = []
            else:
                reports.append((review, names.get(review.reported_by_id or 0, "")))
        lines.append(ReviewLine(row, outcome, note, here[-1] if here else None, reports))
    return lines


def _record_reviews(request: HttpRequest, meeting: Meeting, form: ReviewForm) -> int:
    """Record every row given an outcome, all or nothing: a refused row shows its error and
    nothing is saved (0)."""
    chosen = form.chosen()
    failed = False
    with transaction.atomic():
        for row, outcome, note in chosen:
            try:
                services.action_review_add(
                    actor=request.user, item=row.item, meeting=meeting, outcome=outcome, note=note
                )
            except ValidationError as error:
                form.row_error(row, error)
                failed = True
        if failed:
            form.add_error(None, _("Nothing was saved: correct the items marked below."))
            transaction.set_rollback(True)
    return 0 if failed else len(chosen)


@login_required
def meeting_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Every open item of the cell at a held meeting, one card each: done, in progress, not
    done or withdrawn, with a note; one Save records them all, or none if one is refused."""
    meeting = overview.meeting_get(access=_access(request), pk=pk, capability=Cap.MEETING_CHANGE)
    held = meeting.status in HELD_STATUSES
    rows = selectors.open_items_for_meeting(meeting) if held else []
    form = ReviewForm(request.POST or None, rows=rows)
    if request.method == "POST" and held and form.is_valid():
        if not form.chosen():
            form.add_error(None, _("Choose how at least one item stands."))
        elif count := _record_reviews(request, meeting, form):
            messages.success(
                request,
                ngettext(
                    "%(n)s review has been recorded.", "%(n)s reviews have been recorded.", count
                )
                % {"n": count},
            )
            return redirect("actions:meeting_review", pk=meeting.pk)
    recorded = (
        ActionReview.objects.filter(meeting=meeting)
        .select_related("item")
        .order_by("created_at", "id")
    )
    context = {
        "meeting": meeting,
        "can_change": True,
        "held": held,
        "form": form,
        "lines": _lines(form, meeting),
        "recorded": list(recorded),
    }
    return render(request, "actions/meeting_review.html", context)


# --- The home page -----------------------------------------------------------------------------
def home_tasks(access: Access) -> list[selectors.OpenItem] | None:
    """What the home page shows of the user's own tasks: the open items they own, by due date
    (three queries, however many); None when there is nothing to show."""
    if access.member_id is None:
        return None
    return selectors.member_tasks(access.member_id) or None
