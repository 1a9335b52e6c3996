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


def standard_items() -> list[dict[str, str]]:
    """The standard three steps as a template's items: where a new template starts."""
    return [
        {"step": str(step), "title": entry.title, "content": entry.content}
        for step, entries in _default_steps().items()
        for entry in entries
    ]


def open_action_items(meeting: Meeting) -> list[AgendaEntry]:
    """The cell's action items not closed yet (overdue ones carried forward), to review at this
    meeting: DESIGN.md "resolution → action items → reviewed at the next meeting"."""
    from chibo.actions.selectors import open_items_for_meeting  # actions builds on meetings

    return [
        AgendaEntry(row.agenda_title, row.agenda_content, row.reference)
        for row in open_items_for_meeting(meeting)
    ]


def _template_items(
    template: AgendaTemplate,
) -> tuple[dict[str, list[AgendaEntry]], list[AgendaEntry]]:
    """The template's items by step, and apart from them the local issues it suggests."""
    steps: dict[str, list[AgendaEntry]] = {s: [] for s in AgendaStep.values}
    local_issues: list[AgendaEntry] = []
    for item in template.items:
        entry = AgendaEntry(item["title"], item.get("content", ""), item.get("reference", ""))
        if item.get("source") == AgendaSource.LOCAL_ISSUE:
            local_issues.append(entry)
        else:
            steps[item["step"]].append(entry)
    return steps, local_issues


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
    the local issues (the template's, then the cell's). The template must be one the cell may
    use.
    """
    meeting = open_meeting(meeting)
    if meeting.status in selectors.HELD_STATUSES:
        raise fail(_("The agenda is prepared before the meeting."), "already_held")
    steps = _default_steps()
    custom: dict[str, list[AgendaEntry]] = {}
    template_issues: list[AgendaEntry] = []
    if template is not None:
        cell = OrgUnit.objects.get(pk=meeting.cell_id)
        if template.pk not in {t.pk for t in selectors.templates_available(cell)}:
            raise fail(_("This template is not available to the cell."), "template_not_available")
        template_steps, template_issues = _template_items(template)
        custom = {step: entries for step, entries in template_steps.items() if entries}
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
    issues = [*template_issues, *local_issues]
    rows += [(AgendaStep.CONTENT, AgendaSource.LOCAL_ISSUE, e) for e in issues]
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
    """The items as stored: a step, a title and a content each; a local issue (a content item)
    also says so by ``"source": "local_issue"``."""
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
        title = nfc(str(item["title"])).strip()
        if len(title) > 300:
            raise fail(
                _("An item's title has at most 300 characters: put the rest in its details."),
                "invalid_items",
                "items",
            )
        entry = {"step": item["step"], "title": title}
        entry["content"] = nfc(str(item.get("content", ""))).strip()
        source = item.get("source", AgendaSource.TEMPLATE)
        if source == AgendaSource.LOCAL_ISSUE and item["step"] == AgendaStep.CONTENT:
            entry["source"] = str(AgendaSource.LOCAL_ISSUE)
        elif source != AgendaSource.TEMPLATE:
            raise fail(_("A local issue belongs to the content step."), "invalid_items", "items")
        cleaned.append(entry)
    return cleaned


@transaction.atomic
def agenda_template_save(
    *,
    actor: Any,
    owner: OrgUnit,
    title: str,
    items: list[dict[str, str]],
    kind: str = MeetingKind.REGULAR,
    topic: str = "",
    is_published: bool = False,
    template: AgendaTemplate | None = None,
) -> AgendaTemplate:
    """Create or change a template. Only a commune-level unit or a model cell may publish one
    to other cells."""
    if template is not None and template.owner_id != owner.pk:
        raise fail(_("This template belongs to another unit."), "wrong_owner")
    if not nfc(title).strip():
        raise fail(_("The template needs a title."), "no_title", "title")
    cleaned = _check_template_items(items)
    if is_published and owner.is_cell and not ModelCell.objects.filter(cell=owner).exists():
        raise fail(_("Only the commune or a model cell can publish templates."), "cannot_publish")
    audited = ["title", "topic", "items", "kind", "is_published"]
    current = template or AgendaTemplate(owner=owner)
    before = snapshot(current, audited) if template else {}
    current.title, current.items, current.kind = nfc(title).strip(), cleaned, kind
    current.topic = nfc(topic).strip()
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


def _template_fresh(template: AgendaTemplate) -> AgendaTemplate:
    fresh = (
        AgendaTemplate.objects.select_for_update(of=("self",))
        .select_related("owner")
        .filter(pk=template.pk)
        .first()
    )
    if fresh is None:
        raise fail(_("This template no longer exists."), "not_found")
    return fresh


@transaction.atomic
def agenda_template_withdraw(*, actor: Any, template: AgendaTemplate) -> AgendaTemplate:
    """Stop offering a template to other cells. The owner keeps it, to publish it again or
    delete it; the agendas already built from it keep their items."""
    current = _template_fresh(template)
    if not current.is_published:
        return current
    current.is_published = False
    current.save(update_fields=["is_published", "updated_at"])
    audit_record(
        actor=actor,
        action="agenda_template.withdrawn",
        obj=current,
        unit=current.owner,
        changes={"is_published": [True, False]},
    )
    return current


@transaction.atomic
def agenda_template_delete(*, actor: Any, template: AgendaTemplate) -> None:
    """Delete a template for good. The agendas built from it keep their items (copies)."""
    current = _template_fresh(template)
    audit_record(
        actor=actor,
        action="agenda_template.deleted",
        obj=current,
        unit=current.owner,
        changes={
            "title": [current.title, None],
            "kind": [current.kind, None],
            "is_published": [current.is_published, None],
        },
    )
    current.delete()


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


def _item_fresh(meeting: Meeting, item: AgendaItem) -> AgendaItem:
    if item.meeting_id != meeting.pk:
        raise fail(_("That agenda item is not of this meeting."), "wrong_meeting")
    fresh = AgendaItem.objects.filter(pk=item.pk, meeting=meeting).first()
    if fresh is None:
        raise fail(_("This agenda item no longer exists."), "not_found")
    return fresh


@transaction.atomic
def agenda_item_delete(*, actor: Any, item: AgendaItem) -> None:
    """Take an item off the agenda; the later items move up by one. Refused once the minutes
    are locked, and for an item under which speeches are recorded (the minutes would lose
    where they were said)."""
    meeting = open_meeting(item.meeting)
    current = _item_fresh(meeting, item)
    if current.speeches.exists():
        raise fail(
            _(
                "Speeches are recorded under this item in the minutes: it cannot be deleted. "
                "Change its title instead."
            ),
            "has_speeches",
        )
    later = list(
        AgendaItem.objects.filter(meeting=meeting, order__gt=current.order).order_by("order")
    )
    before = snapshot(current, ["step", "title", "order"])
    current.delete()
    for moved in later:
        # One by one from the start, so the (meeting, order) constraint holds at every step.
        AgendaItem.objects.filter(pk=moved.pk).update(order=moved.order - 1)
    audit_meeting(
        actor,
        "meeting.agenda_item_deleted",
        meeting,
        {name: [value, None] for name, value in before.items()},
    )


MOVES = ("up", "down")


@transaction.atomic
def agenda_item_move(*, actor: Any, item: AgendaItem, direction: str) -> AgendaItem:
    """Swap an item with the one before it ("up") or after it ("down") in the same step.
    Refused once the minutes are locked, and at the edge of the step."""
    if direction not in MOVES:
        raise fail(_("An item moves up or down."), "invalid_direction")
    meeting = open_meeting(item.meeting)
    fresh = _item_fresh(meeting, item)
    agenda = list(AgendaItem.objects.filter(meeting=meeting).order_by("order"))
    current = next(i for i in agenda if i.pk == fresh.pk)
    same_step = [i for i in agenda if i.step == current.step]
    position = next(n for n, i in enumerate(same_step) if i.pk == current.pk)
    target = position - 1 if direction == "up" else position + 1
    if not 0 <= target < len(same_step):
        if direction == "up":
            raise fail(_("This item is already the first of its step."), "cannot_move")
        raise fail(_("This item is already the last of its step."), "cannot_move")
    neighbour = same_step[target]
    old, new = current.order, neighbour.order
    # Through 0, which no item holds, so the (meeting, order) constraint holds at every step.
    AgendaItem.objects.filter(pk=current.pk).update(order=0)
    AgendaItem.objects.filter(pk=neighbour.pk).update(order=old)
    AgendaItem.objects.filter(pk=current.pk).update(order=new)
    current.order, neighbour.order = new, old
    after = sorted(agenda, key=lambda i: i.order)
    audit_meeting(
        actor,
        "meeting.agenda_item_moved",
        meeting,
        {"agenda": [[i.title for i in agenda], [i.title for i in after]]},
    )
    return current
