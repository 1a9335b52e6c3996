"""Pages of households (issue 5; decision 0012): a cell's households and who follows them, one
household with its assignments and contacts, logging a contact, and the home page's block.

Seeing needs ``Cap.MEETING_VIEW`` on the cell; adding, editing, deactivating and assigning
need ``Cap.MEETING_CHANGE``. A member logs contacts with the households they follow (the
service checks the dates); a user with ``Cap.MEETING_CHANGE`` logs them for any member who
followed the household. Anything out of scope or not permitted answers 404.

Contact notes may hold people's opinions about the party and the authorities: a user with
``Cap.MEETING_CHANGE`` on the cell reads every note; anyone else only the notes of the contacts
they logged themselves, and every note of a household they follow today. The other notes are
not sent to the page at all (``ContactRow.note`` is None).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Max, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.actions import selectors, services
from chibo.actions.forms_households import AssignForm, ContactForm, DayForm, EndForm, HouseholdForm
from chibo.actions.models import Household, HouseholdAssignment, HouseholdContact
from chibo.core.access import Access
from chibo.core.roles import Cap
from chibo.core.views import apply_validation_error
from chibo.meetings import overview
from chibo.meetings.selectors import eligible_members, roll_standings
from chibo.members.models import Member
from chibo.orgunits.models import OrgUnit

USUAL_MIN, USUAL_MAX = 5, 7  # households a member usually follows


# --- Access ------------------------------------------------------------------------------------
def _household_get(access: Access, pk: object, capability: str = Cap.MEETING_VIEW) -> Household:
    """The household if it is in the user's meetings scope and the user has ``capability`` on
    its cell; otherwise 404."""
    try:
        household_id = int(str(pk))
    except (TypeError, ValueError):
        raise Http404 from None
    household = Household.objects.select_related("cell").filter(pk=household_id).first()
    if household is None:
        raise Http404
    access.require(capability, household.cell)
    return household


def _household_url(household: Household, anchor: str = "") -> str:
    return reverse("actions:household", args=[household.pk]) + anchor


# --- A cell's households -----------------------------------------------------------------------
@dataclass
class HouseholdRow:
    household: Household
    followers: list[HouseholdAssignment]  # current assignments, by the member's name
    last_contact: dt.date | None
    unfollowed: bool  # nobody on the roll follows it today


@dataclass
class FollowerCount:
    member_id: int
    full_name: str
    count: int

    @property
    def unusual(self) -> bool:
        return not USUAL_MIN <= self.count <= USUAL_MAX


def cell_households(cell: OrgUnit, day: dt.date) -> tuple[list[HouseholdRow], list[FollowerCount]]:
    """The cell's active households, those nobody follows first, then by the head's name, each
    with who follows it on ``day`` and the last contact; and how many each member on the roll
    follows. Five queries (six when a member's state changed after ``day``), whatever the
    number of households."""
    unfollowed = {h.pk for h in selectors.households_unfollowed(cell, day)}
    current = (
        HouseholdAssignment.objects.filter(start_date__lte=day)
        .exclude(end_date__lt=day)
        .select_related("member")
        .order_by("member__sort_key", "id")
    )
    households = (
        Household.objects.filter(cell_id=cell.pk, active=True)
        .annotate(last_contact=Max("contacts__date"))
        .prefetch_related(Prefetch("assignments", queryset=current, to_attr="current"))
        .order_by("sort_key", "id")
    )
    rows = [HouseholdRow(h, h.current, h.last_contact, h.pk in unfollowed) for h in households]
    rows.sort(key=lambda r: not r.unfollowed)  # stable: by name within each group
    followed: dict[int, int] = {}
    for row in rows:
        for assignment in row.followers:
            followed[assignment.member_id] = followed.get(assignment.member_id, 0) + 1
    counts = [
        FollowerCount(s.member_id, s.full_name, followed.get(s.member_id, 0))
        for s in roll_standings(cell.pk, day)
    ]
    return rows, counts


@login_required
def households(request: HttpRequest, pk: int) -> HttpResponse:
    access = request.access
    cell = overview.cell_get(access=access, pk=pk)
    today = timezone.localdate()
    rows, counts = cell_households(cell, today)
    can_change = access.can(Cap.MEETING_CHANGE, cell)
    context = {
        "cell": cell,
        "rows": rows,
        "unfollowed": sum(1 for r in rows if r.unfollowed),
        "counts": counts,
        "usual": (USUAL_MIN, USUAL_MAX),
        "can_change": can_change,
        "form": HouseholdForm() if can_change else None,
        "month": today.replace(day=1),
    }
    return render(request, "actions/households.html", context)


@login_required
def household_add(request: HttpRequest, pk: int) -> HttpResponse:
    cell = overview.cell_get(access=request.access, pk=pk, capability=Cap.MEETING_CHANGE)
    form = HouseholdForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            household = services.household_create(
                actor=request.user, cell=cell, data=form.household_data()
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The household has been added."))
            return redirect("actions:household", pk=household.pk)
    return render(request, "actions/household_add.html", {"cell": cell, "form": form})


# --- One household -----------------------------------------------------------------------------
@dataclass
class ContactRow:
    contact: HouseholdContact
    note: str | None  # None: hidden from this user


def _follows(assignments: list[HouseholdAssignment], member_id: int | None, day: dt.date) -> bool:
    return member_id is not None and any(
        a.member_id == member_id
        and a.start_date <= day
        and (a.end_date is None or a.end_date >= day)
        for a in assignments
    )


def _loggers(
    access: Access, assignments: list[HouseholdAssignment], can_change: bool
) -> tuple[list[Member], Member | None]:
    """Who the user may log a contact for, and the user's own record among them: with
    meeting.change every member who followed the household, else only themself if they did."""
    members: dict[int, Member] = {}
    for a in sorted(assignments, key=lambda a: (a.member.sort_key, a.member_id)):
        members.setdefault(a.member_id, a.member)
    own = members.get(access.member_id) if access.member_id is not None else None
    if can_change:
        return list(members.values()), own
    return ([own], own) if own is not None else ([], None)


def household_context(
    request: HttpRequest, household: Household, contact_form: ContactForm | None = None
) -> dict[str, Any]:
    """What the household's page shows: its assignments, its contacts (notes as the user may
    read them) and the forms the user may use. Two queries."""
    access = request.access
    today = timezone.localdate()
    assignments = list(
        HouseholdAssignment.objects.filter(household=household)
        .select_related("member")
        .order_by("start_date", "id")
    )
    contacts = list(
        HouseholdContact.objects.filter(household=household)
        .select_related("member")
        .order_by("-date", "-id")
    )
    can_change = access.can(Cap.MEETING_CHANGE, household.cell)
    sees_all = can_change or _follows(assignments, access.member_id, today)
    rows = [
        ContactRow(c, c.note if sees_all or c.member_id == access.member_id else None)
        for c in contacts
    ]
    members, own = _loggers(access, assignments, can_change)
    may_log = can_change or own is not None
    if contact_form is None and may_log and members:
        contact_form = ContactForm(members=members, own=own)
    return {
        "household": household,
        "cell": household.cell,
        "assignments": assignments,
        "current": [a for a in assignments if a.end_date is None],
        "contacts": rows,
        "hidden": sum(1 for r in rows if r.note is None),
        "can_change": can_change,
        "may_log": may_log,
        "contact_form": contact_form if may_log else None,
        "loggers": members,
        "own": own,
    }


@login_required
def household(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household_get(request.access, pk)
    context = household_context(request, household)
    if context["can_change"] and household.active:
        context["assign_form"] = AssignForm(
            members=[e.member for e in eligible_members(household.cell_id, timezone.localdate())]
        )
    return render(request, "actions/household.html", context)


@login_required
def household_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """Log a contact. With htmx (from the household's page) the contacts and a fresh form come
    back in place; otherwise the household's page with a message."""
    household = _household_get(request.access, pk)
    context = household_context(request, household)
    if not context["may_log"]:
        raise Http404
    members, own = context["loggers"], context["own"]
    # Nobody ever followed it: nothing to log yet (the page says to assign someone first).
    form = ContactForm(request.POST or None, members=members, own=own) if members else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.household_contact_log(
                actor=request.user,
                household=household,
                member=form.member_object(),
                day=form.cleaned_data["date"],
                category=form.cleaned_data["category"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if not request.htmx:
                messages.success(request, _("The contact has been logged."))
                return redirect(_household_url(household, "#contacts"))
            context = household_context(request, household)
            context["saved"] = True
            form = context["contact_form"]
    context["contact_form"] = form
    if request.htmx:
        return render(request, "actions/household.html#contacts", context)
    return render(request, "actions/household_contact.html", context)


@login_required
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household_get(request.access, pk, Cap.MEETING_CHANGE)
    initial = {f: getattr(household, f) for f in ("head_name", "hamlet", "address", "notes")}
    form = HouseholdForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.household_update(
                actor=request.user, household=household, data=form.household_data()
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The household has been saved."))
            return redirect("actions:household", pk=household.pk)
    return render(request, "actions/household_edit.html", {"household": household, "form": form})


@login_required
def household_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """The household has moved away or merged with another: it is no longer followed, and its
    assignments end on the day given."""
    household = _household_get(request.access, pk, Cap.MEETING_CHANGE)
    form = DayForm(request.POST or None, label=_("No longer followed from"))
    if request.method == "POST" and household.active and form.is_valid():
        try:
            services.household_deactivate(
                actor=request.user, household=household, day=form.cleaned_data["day"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The household is no longer followed."))
            return redirect("actions:household", pk=household.pk)
    context = {"household": household, "form": form}
    return render(request, "actions/household_deactivate.html", context)


@login_required
def household_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """A member on the cell's roll today follows the household from a date."""
    household = _household_get(request.access, pk, Cap.MEETING_CHANGE)
    roll = [e.member for e in eligible_members(household.cell_id, timezone.localdate())]
    form = AssignForm(request.POST or None, members=roll)
    if request.method == "POST" and form.is_valid():
        try:
            assignment = services.household_assign(
                actor=request.user,
                household=household,
                member=form.member_object(),
                start_date=form.cleaned_data["start_date"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("%(name)s follows this household from %(day)s.")
                % {
                    "name": assignment.member.full_name,
                    "day": f"{assignment.start_date:%d/%m/%Y}",
                },
            )
            return redirect(_household_url(household, "#assignments"))
    context = {"household": household, "form": form}
    return render(request, "actions/household_assign.html", context)


@login_required
def household_assignment_end(request: HttpRequest, pk: int) -> HttpResponse:
    """The member stops following the household (the history keeps the assignment)."""
    assignment = (
        HouseholdAssignment.objects.select_related("household__cell", "member")
        .filter(pk=pk)
        .first()
    )
    if assignment is None:
        raise Http404
    household = assignment.household
    request.access.require(Cap.MEETING_CHANGE, household.cell)
    form = EndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.household_assignment_end(
                actor=request.user, assignment=assignment, end_date=form.cleaned_data["end_date"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("%(name)s no longer follows this household.")
                % {"name": assignment.member.full_name},
            )
            return redirect(_household_url(household, "#assignments"))
    context = {"household": household, "assignment": assignment, "form": form}
    return render(request, "actions/household_assignment_end.html", context)


# --- The home page -----------------------------------------------------------------------------
@dataclass
class HomeHouseholds:
    """The home page's block for a user with a member record: the households they follow
    (maybe none) and the link to their results of the month."""

    member_id: int
    rows: list[selectors.FollowedHousehold]
    month: dt.date


def home_households(access: Access) -> HomeHouseholds | None:
    """What the home page shows of the households the user follows, with a link to log a
    contact with each and to the user's own results of the month; None without a member
    record. One query."""
    if access.member_id is None:
        return None
    today = timezone.localdate()
    rows = selectors.member_households(access.member_id, today)
    return HomeHouseholds(access.member_id, rows, today.replace(day=1))
