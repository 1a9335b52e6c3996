from __future__ import annotations

from contextlib import suppress

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from chibo.core.access import Access
from chibo.core.models import AuditEntry
from chibo.core.roles import Cap
from chibo.core.views import apply_validation_error, page_number
from chibo.members import selectors, selectors_lifecycle, services
from chibo.members.forms import ListFilterForm, MemberForm, SearchForm
from chibo.members.lifecycle import party_age
from chibo.members.models import Member
from chibo.orgunits.models import OrgUnit, UnitKind
from chibo.orgunits.selectors import unit_get

PAGE_SIZE = 50
# Units a member's record can belong to (as services.member_create checks).
MEMBER_UNIT_KINDS = {UnitKind.CELL, UnitKind.PARTY_GROUP, UnitKind.GRASSROOTS}
_ALWAYS_COUNTED = {"official", "probationary", selectors.EXEMPT, selectors.AWAY}


def _event_add_url(member: Member) -> str | None:
    """The lifecycle part's event form, where it exists."""
    try:
        return reverse("members:event_add", args=[member.pk])
    except NoReverseMatch:
        return None


@login_required
def unit_members(request: HttpRequest, pk: int) -> HttpResponse:
    access = request.access
    unit = unit_get(access=access, pk=pk, capability=Cap.MEMBER_VIEW)
    filters = ListFilterForm(request.GET or None)
    show, category = filters.values()
    counts, page = selectors.member_list_page(
        unit=unit, show=show, category=category, page=page_number(request), per_page=PAGE_SIZE
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "unit": unit,
        "page": page,
        "filters": filters,
        "counts": counts,
        # The four a secretary reports on always; the others when someone is in them.
        "tallies": [
            {"key": key, "label": label, "count": counts[key]}
            for key, label in selectors.CATEGORIES
            if counts[key] or key in _ALWAYS_COUNTED
        ],
        "former_count": sum(counts[s] for s in selectors.FORMER_STATUSES),
        "labels": selectors.CATEGORY_LABELS,
        "show": show,
        "query": query.urlencode(),
        "show_cell": unit.kind not in MEMBER_UNIT_KINDS,
        "can_change": unit.kind in MEMBER_UNIT_KINDS and access.can(Cap.MEMBER_CHANGE, unit),
    }
    return render(request, "members/list.html", context)


def _search_units(request: HttpRequest, access: Access) -> list[OrgUnit]:
    """The units offered as a filter, plus the one asked for if it is in scope but deeper."""
    units = selectors.search_units(access=access)
    asked = request.GET.get("unit", "")
    if asked.isdigit() and int(asked) not in {u.pk for u in units}:
        with suppress(Http404):
            units.append(unit_get(access=access, pk=asked, capability=Cap.MEMBER_VIEW))
    return units


@login_required
def search(request: HttpRequest) -> HttpResponse:
    access = request.access
    if not selectors.can_view_members(access):
        raise Http404
    form = SearchForm(request.GET or None, units=_search_units(request, access))
    filters = form.filters()
    page = None
    if not filters.is_empty():
        page = selectors.member_search_page(
            filters=filters, page=page_number(request), per_page=PAGE_SIZE
        )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "labels": selectors.CATEGORY_LABELS,
        "query": query.urlencode(),
    }
    if request.htmx and request.htmx.target == "results":
        return render(request, "members/search.html#results", context)
    return render(request, "members/search.html", context)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = request.access
    member = selectors.member_get(access=access, pk=pk)
    own = member.pk == access.member_id
    if not own and not request.htmx:
        # Who opened whose full record (Regulation 339); fragments are part of one view.
        services.member_viewed(actor=request.user, member=member)
    page = Paginator(selectors.member_history(member=member), 30).get_page(page_number(request))
    posts = member.posts.select_related("unit").order_by("-start_date")
    can_change = access.can(Cap.MEMBER_CHANGE, member.cell)
    private = own or can_change
    if not private:
        page.object_list = [_masked_entry(entry) for entry in page.object_list]
    return render(
        request,
        "members/detail.html",
        {
            "member": member,
            "page": page,
            "posts": list(posts),
            "own": own,
            "can_change": can_change,
            "citizen_id": member.citizen_id if private else selectors.mask(member.citizen_id),
            "phone": member.phone if private else selectors.mask(member.phone),
            "party_age": party_age(member),
            "lifecycle": selectors_lifecycle.member_lifecycle(access=access, member=member),
            "category": selectors.CATEGORY_LABELS[selectors.category_of(member)],
            "event_add_url": _event_add_url(member) if can_change else None,
        },
    )


def _masked_entry(entry: AuditEntry) -> AuditEntry:
    """The entry as shown to those who may not see private numbers (not saved)."""
    if entry.changes:
        entry.changes = {
            field: (
                [selectors.mask(v) if isinstance(v, str) else v for v in pair]
                if field in selectors.PRIVATE_FIELDS
                else pair
            )
            for field, pair in entry.changes.items()
        }
    return entry


@login_required
def add(request: HttpRequest, pk: int) -> HttpResponse:
    cell = unit_get(access=request.access, pk=pk, capability=Cap.MEMBER_CHANGE)
    if cell.kind not in MEMBER_UNIT_KINDS:
        raise Http404
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.member_create(actor=request.user, cell=cell, data=form.record())
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The record has been created."))
            return redirect(member)
    context = {"unit": cell, "form": form, "title": _("New member record")}
    return render(request, "members/form.html", context)


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.member_get(access=request.access, pk=pk, capability=Cap.MEMBER_CHANGE)
    title = _("Edit the record of %(name)s") % {"name": member.full_name}
    form = MemberForm(request.POST or None, initial=MemberForm.initial_from(member))
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data["version"] or 0
        try:
            services.member_update(
                actor=request.user, member=member, data=form.record(), version=version
            )
        except ValidationError as error:
            if getattr(error, "code", None) != "stale":
                apply_validation_error(form, error)
            else:
                # Show what is saved now (the other person's change), not the stale form.
                messages.error(request, error.messages[0])
                member.refresh_from_db()
                form = MemberForm(initial=MemberForm.initial_from(member))
        else:
            messages.success(request, _("The record has been saved."))
            return redirect(member)
    context = {
        "unit": member.cell,
        "member": member,
        "form": form,
        "title": title,
    }
    return render(request, "members/form.html", context)
