from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from chibo.core.access import Access
from chibo.core.roles import CAPABILITY_NAMES, Cap, Role
from chibo.core.views import apply_validation_error, page_number
from chibo.orgunits import selectors, services
from chibo.orgunits.forms import GrantForm, PostAssignForm, PostEndForm, UnitForm
from chibo.orgunits.models import OrgUnit, Post


def capability_flags(access: Access, unit: OrgUnit) -> dict[str, bool]:
    """``{"member_view": True, ...}`` for templates (dots do not survive template lookups)."""
    return {cap.replace(".", "_"): access.can(cap, unit) for cap in CAPABILITY_NAMES}


@login_required
def tree(request: HttpRequest) -> HttpResponse:
    roots = selectors.unit_roots(access=request.access)
    return render(request, "orgunits/tree.html", {"roots": roots})


@login_required
def children(request: HttpRequest, pk: int) -> HttpResponse:
    """The children of one node, for the tree (an htmx fragment, or a page without JS)."""
    unit = selectors.unit_get(access=request.access, pk=pk)
    context = {"unit": unit, "children": selectors.unit_children(unit=unit)}
    if request.htmx:
        return render(request, "orgunits/tree.html#children", context)
    return redirect(unit)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = request.access
    unit = selectors.unit_get(access=access, pk=pk)
    context = {
        "unit": unit,
        "breadcrumb": selectors.unit_breadcrumb(unit=unit),
        "children": selectors.unit_children(unit=unit),
        "posts": selectors.unit_posts(unit=unit),
        "can": capability_flags(access, unit),
    }
    if not unit.is_cell:
        count, rows = selectors.concurrent_holdings_under(unit=unit)
        context["concurrent_count"] = count
        context["concurrent_rows"] = rows
    return render(request, "orgunits/detail.html", context)


@login_required
def history(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.unit_get(access=request.access, pk=pk, capability=Cap.AUDIT_VIEW)
    page = Paginator(selectors.unit_history(unit=unit), 50).get_page(page_number(request))
    return render(request, "orgunits/history.html", {"unit": unit, "page": page})


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.unit_get(access=request.access, pk=pk, capability=Cap.UNIT_CHANGE)
    form = UnitForm(request.POST or None, instance=unit)
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_update(
                actor=request.user, unit=unit, data=services.UnitData(**form.cleaned_data)
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The unit has been saved."))
            return redirect(unit)
    return render(
        request, "orgunits/form.html", {"unit": unit, "form": form, "title": _("Edit unit")}
    )


@login_required
def add_child(request: HttpRequest, pk: int) -> HttpResponse:
    parent = selectors.unit_get(access=request.access, pk=pk, capability=Cap.UNIT_CHANGE)
    form = UnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            child = services.unit_create(
                actor=request.user, parent=parent, data=services.UnitData(**form.cleaned_data)
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The unit has been created."))
            return redirect(child)
    title = _("New unit under %(parent)s") % {"parent": parent.name}
    return render(request, "orgunits/form.html", {"unit": parent, "form": form, "title": title})


@login_required
def post_assign(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.unit_get(access=request.access, pk=pk, capability=Cap.POST_MANAGE)
    form = PostAssignForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_assign(actor=request.user, unit=unit, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The post has been recorded."))
            return redirect(unit)
    context = {"unit": unit, "form": form, "title": _("Record a post")}
    return render(request, "orgunits/form.html", context)


@login_required
def post_end(request: HttpRequest, pk: int) -> HttpResponse:
    post = Post.objects.select_related("unit", "member").filter(pk=pk).first()
    if post is None:
        raise Http404
    request.access.require(Cap.POST_MANAGE, post.unit)
    form = PostEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_end(actor=request.user, post=post, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The term has been ended."))
            return redirect(post.unit)
    return render(
        request, "orgunits/post_end.html", {"post": post, "unit": post.unit, "form": form}
    )


@login_required
def access_list(request: HttpRequest, pk: int) -> HttpResponse:
    """Who has which role on this unit, and (for those who may) give a role."""
    access = request.access
    unit = selectors.unit_get(access=access, pk=pk, capability=Cap.GRANT_MANAGE)
    roles = [(value, label) for value, label in Role.choices if access.can_grant(value, unit)]
    form = GrantForm(request.POST or None, roles=roles)
    if request.method == "POST" and form.is_valid():
        services.grant_add(actor=request.user, unit=unit, **form.cleaned_data)
        messages.success(request, _("The role has been given."))
        return redirect("orgunits:access", pk=unit.pk)
    context = {"unit": unit, "grants": selectors.unit_grants(unit=unit), "form": form}
    return render(request, "orgunits/access.html", context)


@login_required
def grant_remove(request: HttpRequest, pk: int) -> HttpResponse:
    grant = selectors.grant_get(access=request.access, pk=pk)
    if not request.access.can_grant(grant.role, grant.unit):
        raise Http404
    if request.method == "POST":
        services.grant_remove(actor=request.user, grant=grant)
        messages.success(request, _("The role has been removed."))
        return redirect("orgunits:access", pk=grant.unit.pk)
    return render(request, "orgunits/grant_remove.html", {"grant": grant, "unit": grant.unit})
