"""Demo study sessions of documents from above (issue 5; ``chibo.actions.studies``), written
after the action items, from what they hold.

- Every cell plan for a document (an item of origin ``document`` decided at a meeting) was
  made at the meeting that studied it: a study at that meeting, attended by those present.
- Of the other cells of the same commune, about half studied the document at a held meeting
  after it was issued and wrote no plan, and a third of the cells studied each of the other
  documents of the demo's list without a plan — what the commune's page shows as
  "disseminated but not implemented"; the rest have not studied them yet.

Deterministic for a seed (one random stream per cell). No service per row: the rules are the
service's (a held meeting of the cell, attendees on its roll, the folded document number),
and ``tests/demo/test_demo_actions.py`` checks them on the result.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from chibo.actions.models import ActionItem, DocumentStudy, Origin
from chibo.actions.studies import reference_key
from chibo.demo.actions.texts import DOCUMENTS
from chibo.meetings.models import Attendance, AttendanceCategory, Meeting, MeetingKind
from chibo.meetings.selectors import HELD_STATUSES, meeting_date
from chibo.members.lifecycle import MEMBER_UNIT_KINDS
from chibo.orgunits.models import OrgUnit

__all__ = ["delete_studies", "seed_studies"]

_TITLES = {ref: f"{kind} {ref}" for ref, _day, kind, _step in DOCUMENTS}
_ISSUED = {ref: day for ref, day, _kind, _step in DOCUMENTS}
_NOTES = (
    "Bí thư chi bộ quán triệt nội dung chính; đảng viên thảo luận cách làm ở thôn.",
    "Đồng chí đảng ủy viên phụ trách chi bộ dự và truyền đạt.",
    "Học tập kết hợp với sinh hoạt thường kỳ; đảng viên ghi chép đầy đủ.",
)
PRESENT = (AttendanceCategory.PRESENT, AttendanceCategory.LATE)


def _commune_of(cell: OrgUnit, communes: dict[str, OrgUnit]) -> OrgUnit | None:
    for length in range(len(cell.path) - cell.steplen, 0, -cell.steplen):
        found = communes.get(cell.path[:length])
        if found is not None:
            return found
    return None


def seed_studies(root: OrgUnit, *, seed: int) -> int:
    """Write the demo's study sessions under ``root``; returns how many."""
    under = OrgUnit._base_manager.filter(path__startswith=root.path)
    cells = {c.pk: c for c in under.filter(kind__in=MEMBER_UNIT_KINDS)}
    communes = {u.path: u for u in under.exclude(pk__in=list(cells))}
    plans = (
        ActionItem._base_manager.filter(
            cell_id__in=list(cells), origin=Origin.DOCUMENT, source_meeting__isnull=False
        )
        .values_list("cell_id", "document_reference", "source_meeting_id")
        .order_by("cell_id", "source_meeting_id", "id")
    )
    studied: dict[tuple[int, str], int] = {}  # (cell, reference) → meeting
    by_commune: dict[int, set[str]] = defaultdict(set)
    for cell_id, reference, meeting_id in plans:
        key = (cell_id, reference_key(reference))
        studied.setdefault(key, meeting_id)
        commune = _commune_of(cells[cell_id], communes)
        if commune is not None:
            by_commune[commune.pk].add(key[1])
    held = defaultdict(list)
    for meeting_id, cell_id, day in (
        Meeting._base_manager.filter(cell_id__in=list(cells), status__in=HELD_STATUSES)
        .exclude(kind=MeetingKind.COMMITTEE)
        .values_list("pk", "cell_id", "planned_date")
        .order_by("planned_date", "pk")
    ):
        held[cell_id].append((day, meeting_id))
    # Documents a cell studied without writing a plan: the commune's, in about half of the
    # cells that did not plan them; the others from above in a third of the cells.
    for cell_id in sorted(cells):
        commune = _commune_of(cells[cell_id], communes)
        planned_here = by_commune[commune.pk] if commune is not None else set()
        rng = random.Random(f"{seed}:studies:{cell_id}")
        for reference, issued in sorted(_ISSUED.items()):
            if (cell_id, reference) in studied:
                continue
            if rng.random() >= (0.5 if reference in planned_here else 0.35):
                continue
            after = [m for day, m in held[cell_id] if day >= issued + dt.timedelta(days=20)]
            if after:
                studied[(cell_id, reference)] = rng.choice(after[:3])
    meetings = {
        m.pk: m
        for m in Meeting._base_manager.filter(pk__in=set(studied.values())).only(
            "pk", "planned_date", "held_start"
        )
    }
    present = defaultdict(list)
    for meeting_id, member_id in (
        Attendance._base_manager.filter(meeting_id__in=list(meetings), category__in=PRESENT)
        .values_list("meeting_id", "member_id")
        .order_by("meeting_id", "member_id")
    ):
        present[meeting_id].append(member_id)
    rows = []
    for (cell_id, reference), meeting_id in sorted(studied.items()):
        meeting = meetings[meeting_id]
        day = meeting_date(meeting)
        rng = random.Random(f"{seed}:study:{cell_id}:{reference}")
        rows.append(
            DocumentStudy(
                cell_id=cell_id,
                document_reference=reference,
                document_title=_TITLES.get(reference, ""),
                document_date=_ISSUED.get(reference),
                meeting_id=meeting_id,
                date=day,
                notes=rng.choice(_NOTES),
            )
        )
    written = DocumentStudy._base_manager.bulk_create(rows, batch_size=500)
    through = DocumentStudy.attendees.through
    links = [
        through(documentstudy_id=study.pk, member_id=member_id)
        for study in written
        if study.meeting_id is not None  # always: every study above has its meeting
        for member_id in present[study.meeting_id]
    ]
    through._base_manager.bulk_create(links, batch_size=2000)
    return len(written)


def delete_studies(prefix: str) -> None:
    studies = DocumentStudy._base_manager.filter(cell__path__startswith=prefix)
    DocumentStudy.attendees.through._base_manager.filter(
        documentstudy__cell__path__startswith=prefix
    ).delete()
    studies.delete()
