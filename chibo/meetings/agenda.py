"""Preparing a meeting: the agenda in three steps, templates, model cells."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from chibo.core.audit import audit_record, diff, snapshot
from chibo.core.vietnamese import nfc
from chibo.meetings import selectors
from chibo.meetings.guards import audit_meeting, check_cell, fail, open_meeting
from chibo.meetings.models import (
    AgendaItem,
    AgendaSource,
    AgendaStep,
    AgendaTemplate,
    AttendanceCategory,
    Meeting,
    MeetingKind,
    ModelCell,
)
from chibo.orgunits.models import OrgUnit

C = AttendanceCategory


# --- Preparation -----------------------------------------------------------------------------
@dataclass(frozen=True)
class AgendaEntry:
    """An item to put on the agenda: a document from above, a local issue, an action item."""

    title: str
    content: str = ""
    reference: str = ""


def _default_steps() -> dict[str, list[AgendaEntry]]:
    """The three-step procedure of Guidance 42-HD/BTCTW, when a template leaves a step out."""
    return {
        AgendaStep.OPENING: [
            AgendaEntry(_("Roll call, guests and minute-taker; adoption of the agenda")),
        ],
        AgendaStep.CONTENT: [
            AgendaEntry(_("Results of last month's tasks")),
            AgendaEntry(_("Each member's assigned tasks and self-criticism")),
            AgendaEntry(_("Ideological situation of members and residents")),
            AgendaEntry(_("Next month's tasks")),
        ],
        AgendaStep.CONCLUSION: [
            AgendaEntry(_("Conclusion by the secretary")),
            AgendaEntry(_("Vote on the resolution")),
        ],
    }


def open_action_items(meeting: Meeting) -> list[AgendaEntry]:
    """Last month's open action items, to review at this meeting.

    The hook for the actions app (DESIGN.md: resolution → action items → reviewed at the next
    meeting); until it exists there are none.
    """
    return []


def _template_items(template: AgendaTemplate) -> dict[str, list[AgendaEntry]]:
    steps: dict[str, list[AgendaEntry]] = {s: [] for s in AgendaStep.values}
    for item in template.items:
        steps[item["step"]].append(
            AgendaEntry(item["title"], item.get("content", ""), item.get("reference", ""))
        )
    return steps


@transaction.atomic
def agenda_from_template(
    *,
    actor: Any,
    meeting: Meeting,
    template: AgendaTemplate | None = None,
    documents: Sequence[AgendaEntry] = (),
    local_issues: Sequence[AgendaEntry] = (),
) -> list[AgendaItem]:
    """Build (or rebuild) the agenda in three steps: opening, content, conclusion.

    Each step takes the template's items, or the standard ones where the template has none;
    the content step then lists last month's open action items, the documents from above and
    the cell's local issues. The template must be one the cell may use.
    """
    meeting = open_meeting(meeting)
    if meeting.status in selectors.HELD_STATUSES:
        raise fail(_("The agenda is prepared before the meeting."), "already_held")
    steps = _default_steps()
    custom: dict[str, list[AgendaEntry]] = {}
    if template is not None:
        cell = OrgUnit.objects.get(pk=meeting.cell_id)
        if template.pk not in {t.pk for t in selectors.templates_available(cell)}:
            raise fail(_("This template is not available to the cell."), "template_not_available")
        custom = {step: entries for step, entries in _template_items(template).items() if entries}
        steps.update(custom)
    source = AgendaSource.TEMPLATE
    rows = [(str(AgendaStep.OPENING), str(source), e) for e in steps[AgendaStep.OPENING]]
    content = steps[AgendaStep.CONTENT]
    # The standard content ends with next month's tasks: the new items go before it. After a
    # template's own content, they follow it.
    head, tail = (content, []) if AgendaStep.CONTENT in custom else (content[:-1], content[-1:])
    rows += [(AgendaStep.CONTENT, source, e) for e in head]
    rows += [(AgendaStep.CONTENT, AgendaSource.ACTION_ITEM, e) for e in open_action_items(meeting)]
    rows += [(AgendaStep.CONTENT, AgendaSource.DOCUMENT, e) for e in documents]
    rows += [(AgendaStep.CONTENT, AgendaSource.LOCAL_ISSUE, e) for e in local_issues]
    rows += [(AgendaStep.CONTENT, source, e) for e in tail]
    rows += [(AgendaStep.CONCLUSION, source, e) for e in steps[AgendaStep.CONCLUSION]]
    items = [
        AgendaItem(
            meeting=meeting,
            order=i,
            step=step,
            source=kind,
            title=nfc(entry.title).strip()[:300],
            content=nfc(entry.content).strip(),
            reference=nfc(entry.reference).strip()[:100],
        )
        for i, (step, kind, entry) in enumerate(rows, start=1)
    ]
    for item in items:
        if not item.title:
            raise fail(_("Every agenda item needs a title."), "no_title")
    AgendaItem.objects.filter(meeting=meeting).delete()
    created = AgendaItem.objects.bulk_create(items)
    audit_meeting(
        actor,
        "meeting.agenda_built",
        meeting,
        {
            "template": [None, template.pk if template else None],
            "agenda": [None, [item.title for item in created]],
        },
    )
    return created


def _check_template_items(items: Any) -> list[dict[str, str]]:
    if not isinstance(items, list):
        raise fail(_("The template's items are a list."), "invalid_items", "items")
    cleaned = []
    for item in items:
        if (
            not isinstance(item, dict)
            or item.get("step") not in AgendaStep.values
            or not str(item.get("title", "")).strip()
        ):
            raise fail(
                _("Each item has a step (opening, content or conclusion) and a title."),
                "invalid_items",
                "items",
            )
        cleaned.append(
            {
                "step": item["step"],
                "title": nfc(str(item["title"])).strip(),
                "content": nfc(str(item.get("content", ""))).strip(),
            }
        )
    return cleaned


@transaction.atomic
def agenda_template_save(
    *,
    actor: Any,
    owner: OrgUnit,
    title: str,
    items: list[dict[str, str]],
    kind: str = MeetingKind.REGULAR,
    is_published: bool = False,
    template: AgendaTemplate | None = None,
) -> AgendaTemplate:
    """Create or change a template. Only a commune-level unit or a model cell may publish one
    to other cells."""
    if not nfc(title).strip():
        raise fail(_("The template needs a title."), "no_title", "title")
    cleaned = _check_template_items(items)
    if is_published and owner.is_cell and not ModelCell.objects.filter(cell=owner).exists():
        raise fail(_("Only the commune or a model cell can publish templates."), "cannot_publish")
    audited = ["title", "items", "kind", "is_published"]
    current = template or AgendaTemplate(owner=owner)
    before = snapshot(current, audited) if template else {}
    current.title, current.items, current.kind = nfc(title).strip(), cleaned, kind
    current.is_published = is_published
    current.full_clean()
    current.save()
    audit_record(
        actor=actor,
        action="agenda_template.saved",
        obj=current,
        unit=owner,
        changes=diff(before, snapshot(current, audited)),
    )
    return current


@transaction.atomic
def model_cell_mark(
    *, actor: Any, commune: OrgUnit, cell: OrgUnit, since: dt.date, note: str = ""
) -> ModelCell:
    """The commune marks one of its cells as a model cell, whose templates others may copy."""
    check_cell(cell)
    if not cell.path.startswith(commune.path) or cell.pk == commune.pk:
        raise fail(_("A commune marks only its own cells."), "not_below")
    marker, _created = ModelCell.objects.update_or_create(
        cell=cell, defaults={"marked_by": commune, "since": since, "note": nfc(note).strip()}
    )
    audit_record(
        actor=actor,
        action="model_cell.marked",
        obj=marker,
        unit=cell,
        changes={"since": [None, since.isoformat()]},
    )
    return marker


@transaction.atomic
def model_cell_unmark(*, actor: Any, commune: OrgUnit, cell: OrgUnit) -> None:
    """The commune takes the model-cell marker off one of its cells (its templates stay, no
    longer offered to other cells unless the commune publishes them)."""
    if not cell.path.startswith(commune.path) or cell.pk == commune.pk:
        raise fail(_("A commune marks only its own cells."), "not_below")
    marker = ModelCell.objects.filter(cell=cell).first()
    if marker is None:
        return
    since = marker.since.isoformat()
    marker.delete()
    audit_record(
        actor=actor,
        action="model_cell.unmarked",
        obj=cell,
        unit=cell,
        changes={"since": [since, None]},
    )


_ITEM_FIELDS = ("step", "title", "content", "reference", "conclusion")


@transaction.atomic
def agenda_item_save(
    *,
    actor: Any,
    meeting: Meeting,
    step: str,
    title: str,
    content: str = "",
    reference: str = "",
    conclusion: str = "",
    item: AgendaItem | None = None,
) -> AgendaItem:
    """Add an item to the agenda (at the end of its step), or change one: its text before the
    meeting, its conclusion during and after it. Refused once the minutes are locked."""
    meeting = open_meeting(meeting)
    if item is not None and item.meeting_id != meeting.pk:
        raise fail(_("That agenda item is not of this meeting."), "wrong_meeting")
    if step not in AgendaStep.values:
        raise fail(_("Choose the step: opening, content or conclusion."), "invalid_step", "step")
    title = nfc(title).strip()
    if not title:
        raise fail(_("Every agenda item needs a title."), "no_title", "title")
    before = snapshot(item, list(_ITEM_FIELDS)) if item is not None else {}
    if item is None:
        items = list(AgendaItem.objects.filter(meeting=meeting).order_by("order"))
        steps = list(AgendaStep.values)
        # After the last item of the same or an earlier step; the later ones move down by one.
        position = sum(1 for i in items if steps.index(i.step) <= steps.index(step)) + 1
        later = [i for i in items if i.order >= position]
        for moved in reversed(later):
            # One by one from the end, so the (meeting, order) constraint holds at every step.
            AgendaItem.objects.filter(pk=moved.pk).update(order=moved.order + 1)
        item = AgendaItem(
            meeting=meeting, order=position, source=AgendaSource.LOCAL_ISSUE, step=step
        )
    item.step, item.title = step, title[:300]
    item.content, item.reference = nfc(content).strip(), nfc(reference).strip()[:100]
    item.conclusion = nfc(conclusion).strip()
    item.full_clean()
    item.save()
    changes = diff(before, snapshot(item, list(_ITEM_FIELDS)))
    if changes:
        audit_meeting(actor, "meeting.agenda_item_saved", meeting, changes)
    return item
