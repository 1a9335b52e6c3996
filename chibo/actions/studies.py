"""Study sessions of documents from above, and whether each became a local plan (issue 5,
"Local implementation of documents from above"; decision 0012).

A cell studies a resolution, directive or conclusion from above (``DocumentStudy``: when, at
which meeting if it was one, who attended) and writes its local implementation plan as action
items of origin ``document`` carrying the same reference. A document is *implemented* by the
cell when it has at least one such item; studied without one, it is "disseminated but not
implemented" — what the commune's page shows, cell by cell.

References are compared by their folded form (``reference_key``: case, spaces and the dash
variants people type do not matter), so "57-NQ/TW", "57 - NQ/TW" and "57–nq/tw" are one
document.

Writes are atomic and audited; reads run in the caller's scope (dimension ``meetings``) in a
constant number of queries.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.actions.models import ActionItem, DocumentStudy, Origin
from chibo.actions.services import _check_cell, _check_on_roll, _held_meeting
from chibo.core.audit import audit_record, diff, snapshot
from chibo.core.vietnamese import nfc
from chibo.meetings.guards import fail
from chibo.meetings.models import Meeting
from chibo.meetings.overview import cells_under
from chibo.meetings.selectors import meeting_date
from chibo.members.models import Member
from chibo.orgunits.models import OrgUnit

__all__ = [
    "CellDocument",
    "DocumentRow",
    "StudyData",
    "cell_documents",
    "commune_documents",
    "document_study_record",
    "document_study_update",
    "reference_key",
    "study_plan_items",
]

_DASHES = re.compile(r"\s*[-‐‑‒–—]\s*")
_SPACES = re.compile(r"\s+")


def reference_key(reference: str) -> str:
    """The folded form of a document number: "57 – nq/tw" → "57-NQ/TW"."""
    text = _DASHES.sub("-", nfc(reference).strip())
    text = _SPACES.sub(" ", text.replace(" /", "/").replace("/ ", "/"))
    return text.upper()


# --- Writes ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class StudyData:
    document_reference: str
    date: dt.date
    attendees: tuple[Member, ...] = ()
    document_title: str = ""
    document_date: dt.date | None = None
    meeting: Meeting | None = None
    notes: str = ""


_AUDITED = ("document_reference", "document_title", "document_date", "meeting", "date", "notes")


def _clean(cell: OrgUnit, data: StudyData) -> StudyData:
    reference = nfc(data.document_reference).strip()
    if not reference:
        raise fail(_("Give the number of the document from above."), "no_document",
                         "document_reference")  # fmt: skip
    if len(reference) > 100:
        raise fail(_("A document number has at most 100 characters."), "too_long",
                         "document_reference")  # fmt: skip
    day = data.date
    meeting = data.meeting
    if meeting is not None:
        meeting = _held_meeting(meeting, cell.pk)
        day = meeting_date(meeting)
    today = timezone.localdate()
    if day > today:
        raise fail(_("A study session cannot be in the future."), "future", "date")
    if data.document_date is not None:
        if data.document_date > today:
            raise fail(_("The document from above cannot be dated in the future."),
                             "document_in_future", "document_date")  # fmt: skip
        if data.document_date > day:
            raise fail(
                _("The study (%(day)s) cannot be before the document's date (%(doc)s).")
                % {"day": f"{day:%d/%m/%Y}", "doc": f"{data.document_date:%d/%m/%Y}"},
                "study_before_document",
                "date",
            )
    if len({m.pk for m in data.attendees}) != len(data.attendees):
        raise fail(_("A member is named twice among those who attended."),
                         "duplicate_attendee", "attendees")  # fmt: skip
    _check_on_roll(cell.pk, data.attendees, day, "attendees")
    return StudyData(
        document_reference=reference_key(reference),
        date=day,
        attendees=data.attendees,
        document_title=nfc(data.document_title).strip()[:300],
        document_date=data.document_date,
        meeting=meeting,
        notes=nfc(data.notes).strip(),
    )


def _fill(study: DocumentStudy, data: StudyData) -> None:
    study.document_reference = data.document_reference
    study.document_title = data.document_title
    study.document_date = data.document_date
    study.meeting = data.meeting
    study.date = data.date
    study.notes = data.notes
    study.full_clean(exclude=["created_by", "cell"])


@transaction.atomic
def document_study_record(*, actor: Any, cell: OrgUnit, data: StudyData) -> DocumentStudy:
    """The cell studied a document from above on ``data.date`` (the meeting's date when it was
    studied at a held meeting of the cell), with the members who attended: each must be on the
    cell's roll that day."""
    _check_cell(cell)
    data = _clean(cell, data)
    study = DocumentStudy(cell=cell)
    _fill(study, data)
    if getattr(actor, "is_authenticated", False):
        study.created_by = actor
    study.save()
    study.attendees.set(data.attendees)
    changes = diff({}, snapshot(study, _AUDITED))
    changes["attendees"] = [None, sorted(m.pk for m in data.attendees)]
    audit_record(actor=actor, action="document_study.recorded", obj=study, unit=cell,
                 changes=changes)  # fmt: skip
    return study


@transaction.atomic
def document_study_update(*, actor: Any, study: DocumentStudy, data: StudyData) -> DocumentStudy:
    """Correct a study session: the document, the date or meeting, who attended, the notes."""
    rows = DocumentStudy._base_manager.select_related("cell").select_for_update(of=("self",))
    study = rows.get(pk=study.pk)
    data = _clean(study.cell, data)
    before = snapshot(study, _AUDITED)
    before_ids = sorted(study.attendees.values_list("pk", flat=True))
    _fill(study, data)
    changes = diff(before, snapshot(study, _AUDITED))
    if changes:
        study.save()
    after_ids = sorted(m.pk for m in data.attendees)
    if after_ids != before_ids:
        study.attendees.set(data.attendees)
        changes["attendees"] = [before_ids, after_ids]
    if changes:
        audit_record(actor=actor, action="document_study.changed", obj=study, unit=study.cell,
                     changes=changes)  # fmt: skip
    return study


# --- Reads -----------------------------------------------------------------------------------
def _document_items(cell_ids: Sequence[int]) -> dict[tuple[int, str], list[ActionItem]]:
    """The document items of the cells, by (cell, folded reference). One query."""
    found: dict[tuple[int, str], list[ActionItem]] = defaultdict(list)
    rows = ActionItem.objects.filter(cell_id__in=cell_ids, origin=Origin.DOCUMENT)
    for item in rows.order_by("due_date", "id"):
        found[(item.cell_id, reference_key(item.document_reference))].append(item)
    return found


def study_plan_items(study: DocumentStudy) -> list[ActionItem]:
    """The cell's plan for the studied document: its document items with the same reference,
    by due date. One query."""
    key = reference_key(study.document_reference)
    return _document_items([study.cell_id]).get((study.cell_id, key), [])


@dataclass
class CellDocument:
    """A document the cell studied (its sessions, newest first) and its plan items."""

    reference: str
    title: str
    studies: list[DocumentStudy]
    items: list[ActionItem]

    @property
    def implemented(self) -> bool:
        return bool(self.items)

    @property
    def done(self) -> int:
        return sum(1 for i in self.items if i.status == "done")


def cell_documents(cell: OrgUnit) -> list[CellDocument]:
    """The documents the cell studied, newest study first, with attendance and the plan items;
    then the documents it has plan items for without a recorded study. Three queries."""
    studies = list(
        DocumentStudy.objects.filter(cell_id=cell.pk)
        .select_related("meeting")
        # Members are read unscoped here: whoever sees the cell's meetings sees who attended.
        .prefetch_related(Prefetch("attendees", queryset=Member._base_manager.order_by("sort_key")))
        .order_by("-date", "-id")
    )
    items = _document_items([cell.pk])
    rows: dict[str, CellDocument] = {}
    for study in studies:
        key = study.document_reference
        row = rows.get(key)
        if row is None:
            row = rows[key] = CellDocument(
                key, study.document_title, [], items.get((cell.pk, key), [])
            )
        row.studies.append(study)
        row.title = row.title or study.document_title
    for (_cell, key), plan in items.items():
        if key not in rows:
            rows[key] = CellDocument(key, "", [], plan)
    return list(rows.values())


@dataclass
class DocumentRow:
    """One document on the commune's page: which of its cells studied it, which wrote a plan."""

    reference: str
    title: str
    document_date: dt.date | None
    studied: list[OrgUnit] = field(default_factory=list)
    planned: list[OrgUnit] = field(default_factory=list)
    # Studied, no plan item: "disseminated but not implemented".
    not_implemented: list[OrgUnit] = field(default_factory=list)
    not_studied: list[OrgUnit] = field(default_factory=list)
    items: int = 0
    items_done: int = 0


def commune_documents(commune: OrgUnit, year: int | None = None) -> list[DocumentRow]:
    """The documents from above the commune's cells studied (in ``year``, when given) or
    planned for, newest first: for each, the cells that studied it, that wrote a plan, that
    studied it without a plan, and that did neither. Three queries, whatever the number of
    cells and documents."""
    cells = cells_under(commune)
    ids = [c.pk for c in cells]
    studies = DocumentStudy.objects.filter(cell_id__in=ids)
    if year is not None:
        studies = studies.filter(date__year=year)
    rows: dict[str, DocumentRow] = {}
    studied: dict[str, set[int]] = defaultdict(set)
    latest: dict[str, dt.date] = {}
    for study in studies.only(
        "cell_id", "document_reference", "document_title", "document_date", "date"
    ).order_by("-date", "-id"):
        key = study.document_reference
        if key not in rows:
            rows[key] = DocumentRow(key, study.document_title, study.document_date)
            latest[key] = study.date
        row = rows[key]
        row.title = row.title or study.document_title
        row.document_date = row.document_date or study.document_date
        studied[key].add(study.cell_id)
    planned: dict[str, set[int]] = defaultdict(set)
    for (cell_id, key), plan in _document_items(ids).items():
        if key not in rows:
            if year is not None:
                continue
            rows[key] = DocumentRow(key, "", plan[0].document_date)
            latest[key] = min(timezone.localdate(i.created_at) for i in plan)
        planned[key].add(cell_id)
        rows[key].items += len(plan)
        rows[key].items_done += sum(1 for i in plan if i.status == "done")
    for key, row in rows.items():
        for cell in cells:
            in_study, in_plan = cell.pk in studied[key], cell.pk in planned[key]
            if in_study:
                row.studied.append(cell)
            if in_plan:
                row.planned.append(cell)
            if in_study and not in_plan:
                row.not_implemented.append(cell)
            if not in_study and not in_plan:
                row.not_studied.append(cell)
    return sorted(rows.values(), key=lambda r: (latest[r.reference], r.reference), reverse=True)
