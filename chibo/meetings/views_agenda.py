"""Agenda pages besides building one: the agenda templates a commune or a cell keeps (list,
write, copy and adapt, withdraw or delete), and taking an item off a meeting's agenda or moving
it within its step.

A commune-level unit's templates need ``Cap.MEETING_CONFIGURE`` on it; a cell's need
``Cap.MEETING_CHANGE`` on the cell (its secretary and deputies, and the commune), and only a
model cell may publish them (``agenda.agenda_template_save``). A cell copies the templates
offered to it (``selectors.templates_available``) into its own and adapts them. Anything out of
scope or not permitted answers 404, as in ``views.py``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from chibo.core.roles import Cap
from chibo.core.views import apply_validation_error
from chibo.meetings import agenda, overview, selectors
from chibo.meetings.forms import AgendaTemplateForm
from chibo.meetings.models import (
    AgendaItem,
    AgendaStep,
    AgendaTemplate,
    Meeting,
    MeetingKind,
    ModelCell,
)
from chibo.orgunits.models import OrgUnit
from chibo.orgunits.selectors import unit_get


# --- Access ------------------------------------------------------------------------------------
def _capability_for(unit: OrgUnit) -> str:
    """A cell keeps its templates with the meetings' rights; the commune with its own."""
    return Cap.MEETING_CHANGE if unit.is_cell else Cap.MEETING_CONFIGURE


def _templates_unit(request: HttpRequest, pk: int) -> OrgUnit:
    """The unit whose templates these are, if the user may keep them; otherwise 404."""
    access = request.access
    unit = unit_get(access=access, pk=pk, capability=Cap.MEETING_VIEW)
    access.require(_capability_for(unit), unit)
    return unit


def _template_get(request: HttpRequest, pk: int) -> AgendaTemplate:
    """One of the templates the user may keep (in scope, with the right on its owner)."""
    template = AgendaTemplate.objects.select_related("owner").filter(pk=pk).first()
    if template is None:
        raise Http404
    request.access.require(_capability_for(template.owner), template.owner)
    return template


def _can_publish(unit: OrgUnit) -> bool:
    return not unit.is_cell or ModelCell.objects.filter(cell=unit).exists()


def _offered(unit: OrgUnit) -> list[AgendaTemplate]:
    """The templates the unit may copy besides its own: for a cell, those published by the
    units above it and the model cells beside it; for a commune, those its model cells
    publish."""
    if unit.is_cell:
        return [t for t in selectors.templates_available(unit) if t.owner_id != unit.pk]
    return list(
        AgendaTemplate.objects.filter(
            owner__path__startswith=unit.path,
            owner__model_cell__isnull=False,
            is_published=True,
        )
        .exclude(owner=unit)
        .select_related("owner")
    )


def _steps_of(template: AgendaTemplate) -> list[tuple[str, list[str]]]:
    """The template's item titles by step, for the list (local issues in the content step)."""
    return [
        (str(label), [i["title"] for i in template.items if i.get("step") == step])
        for step, label in AgendaStep.choices
        if any(i.get("step") == step for i in template.items)
    ]


def _list_url(unit: OrgUnit) -> str:
    return reverse("meetings:agenda_templates", args=[unit.pk])


# --- Templates ---------------------------------------------------------------------------------
@login_required
def agenda_templates(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit's own templates, and those it may copy and adapt (a constant number of
    queries)."""
    unit = _templates_unit(request, pk)
    own = list(AgendaTemplate.objects.filter(owner=unit))
    offered = _offered(unit)
    for template in (*own, *offered):
        template.steps = _steps_of(template)  # type: ignore[attr-defined]
    context = {"unit": unit, "own": own, "offered": offered, "can_publish": _can_publish(unit)}
    return render(request, "meetings/agenda_templates.html", context)


def _copy_source(request: HttpRequest, unit: OrgUnit) -> AgendaTemplate | None:
    """The template asked for by ``?from=``: one of the unit's own or offered to it, or 404."""
    raw = request.GET.get("from", "")
    if not raw:
        return None
    own = AgendaTemplate.objects.select_related("owner").filter(owner=unit)
    for template in (*own, *_offered(unit)):
        if str(template.pk) == raw:
            return template
    raise Http404


@login_required
def agenda_template_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A new template: from the standard three steps, or a copy (``?from=``) to adapt."""
    unit = _templates_unit(request, pk)
    source = _copy_source(request, unit)
    if source is not None:
        initial = {**AgendaTemplateForm.initial_of(source), "is_published": False}
    else:
        initial = {
            "kind": MeetingKind.REGULAR,
            **AgendaTemplateForm.initial_items(agenda.standard_items()),
        }
    form = AgendaTemplateForm(request.POST or None, initial=initial, can_publish=_can_publish(unit))
    if request.method == "POST" and form.is_valid():
        try:
            agenda.agenda_template_save(actor=request.user, owner=unit, **form.template_data())
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The template has been saved."))
            return redirect(_list_url(unit))
    context = {"owner": unit, "form": form, "template": None, "source": source}
    return render(request, "meetings/agenda_template_form.html", context)


@login_required
def agenda_template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = _template_get(request, pk)
    owner = template.owner
    form = AgendaTemplateForm(
        request.POST or None, template=template, can_publish=_can_publish(owner)
    )
    if request.method == "POST" and form.is_valid():
        try:
            agenda.agenda_template_save(
                actor=request.user, owner=owner, template=template, **form.template_data()
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The template has been saved."))
            return redirect(_list_url(owner))
    context = {"owner": owner, "form": form, "template": template, "source": None}
    return render(request, "meetings/agenda_template_form.html", context)


@login_required
def agenda_template_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw a template: stop publishing it (it stays the owner's), or delete it."""
    template = _template_get(request, pk)
    owner = template.owner
    error_text = ""
    action = request.POST.get("action", "")
    if request.method == "POST" and action in {"unpublish", "delete"}:
        try:
            if action == "unpublish":
                agenda.agenda_template_withdraw(actor=request.user, template=template)
                done = _("The template is no longer offered to other cells.")
            else:
                agenda.agenda_template_delete(actor=request.user, template=template)
                done = _("The template has been deleted.")
        except ValidationError as error:
            error_text = " ".join(error.messages)
        else:
            messages.success(request, done)
            return redirect(_list_url(owner))
    context = {"mode": "template", "template": template, "owner": owner, "error": error_text}
    return render(request, "meetings/agenda_confirm.html", context)


# --- Agenda items ------------------------------------------------------------------------------
def _item_get(request: HttpRequest, pk: int) -> AgendaItem:
    """An agenda item of a meeting the user may prepare (as ``views.agenda_edit``), or 404."""
    item = AgendaItem.objects.filter(pk=pk).first()
    if item is None:
        raise Http404
    item.meeting = overview.meeting_get(
        access=request.access, pk=item.meeting_id, capability=Cap.MEETING_CHANGE
    )
    return item


def _agenda_url(meeting: Meeting, anchor: str = "agenda") -> str:
    return f"{reverse('meetings:detail', args=[meeting.pk])}#{anchor}"


@login_required
def agenda_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask, then take the item off the agenda."""
    item = _item_get(request, pk)
    error_text = ""
    if request.method == "POST":
        try:
            agenda.agenda_item_delete(actor=request.user, item=item)
        except ValidationError as error:
            error_text = " ".join(error.messages)
        else:
            messages.success(request, _("The item has been taken off the agenda."))
            return redirect(_agenda_url(item.meeting))
    context = {"mode": "delete", "item": item, "meeting": item.meeting, "error": error_text}
    return render(request, "meetings/agenda_confirm.html", context)


@login_required
def agenda_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the item up or down in its step (the meeting page posts here directly)."""
    item = _item_get(request, pk)
    if request.method == "POST":
        try:
            agenda.agenda_item_move(
                actor=request.user, item=item, direction=request.POST.get("direction", "")
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The item has been moved."))
        return redirect(_agenda_url(item.meeting, f"item-{item.pk}"))
    same_step = list(
        AgendaItem.objects.filter(meeting=item.meeting, step=item.step).values_list("pk", flat=True)
    )
    context = {
        "mode": "move",
        "item": item,
        "meeting": item.meeting,
        "error": "",
        "can_up": same_step[:1] != [item.pk],
        "can_down": same_step[-1:] != [item.pk],
    }
    return render(request, "meetings/agenda_confirm.html", context)
