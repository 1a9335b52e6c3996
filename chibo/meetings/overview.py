"""Reads for the meeting pages: one meeting or 404, and many meetings at once (the commune's
quality page, the home page) in a constant number of queries.

Runs inside the caller's scope (``chibo.core.scoping``); where a read is unscoped a comment
says why. The rules are those of ``selectors.py``; the functions here only batch its reads.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from chibo.core.access import Access
from chibo.core.roles import Cap
from chibo.meetings.models import (
    AgendaItem,
    Attendance,
    Meeting,
    MeetingDay,
    MeetingKind,
    MeetingStatus,
    ModelCell,
)
from chibo.meetings.selectors import (
    COMMITTEE_POSTS,
    HELD_STATUSES,
    PREPARER_POSTS,
    Criterion,
    MemberAlert,
    QualityFacts,
    RollEntry,
    alerts_for_cells,
    criteria_of,
    excused_runs,
    meeting_date,
    roll_standing,
)
from chibo.members.lifecycle import MEMBER_UNIT_KINDS, derive
from chibo.members.models import Member, MemberEvent
from chibo.orgunits.models import OrgUnit, Post


def meeting_get(*, access: Access, pk: object, capability: str = Cap.MEETING_VIEW) -> Meeting:
    """The meeting if it is in the user's meetings scope and the user has ``capability`` on its
    cell; otherwise 404 (never 403: a foreign meeting must not be revealed)."""
    try:
        meeting_id = int(str(pk))
    except (TypeError, ValueError):
        raise Http404 from None
    meeting = (
        Meeting.objects.select_related("cell", "chair", "minute_taker", "prepared_by")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        raise Http404
    access.require(capability, meeting.cell)
    return meeting


def cell_get(*, access: Access, pk: object, capability: str = Cap.MEETING_VIEW) -> OrgUnit:
    """A unit that holds meetings (a cell), with ``capability`` on it; otherwise 404."""
    from chibo.orgunits.selectors import unit_get

    cell = unit_get(access=access, pk=pk, capability=capability)
    if cell.kind not in MEMBER_UNIT_KINDS:
        raise Http404
    return cell


def meetings_of_year(cell: OrgUnit, year: int) -> list[Meeting]:
    return list(
        Meeting.objects.filter(
            cell=cell,
            planned_date__gte=dt.date(year, 1, 1),
            planned_date__lte=dt.date(year, 12, 31),
        ).order_by("planned_date", "id")
    )


def cells_under(unit: OrgUnit) -> list[OrgUnit]:
    """The units below ``unit`` that hold meetings, in Vietnamese order (one query)."""
    return list(
        OrgUnit.objects.filter(
            path__startswith=unit.path, depth__gt=unit.depth, kind__in=MEMBER_UNIT_KINDS
        ).order_by("sort_key")
    )


@dataclass
class CellRow:
    """One cell on the commune's page: its fixed day, whether it is a model cell, and the
    quality of its meetings held in the month."""

    cell: OrgUnit
    day: MeetingDay | None
    model: ModelCell | None
    meetings: list[tuple[Meeting, list[Criterion]]]


def commune_overview(commune: OrgUnit, month: dt.date) -> list[CellRow]:
    """The commune's cells with their meeting day, model-cell marker and the quality check of
    each meeting held in ``month``. A constant number of queries, whatever the number of cells,
    meetings and members."""
    cells = cells_under(commune)
    ids = [c.pk for c in cells]
    days = {d.cell_id: d for d in MeetingDay.objects.filter(cell_id__in=ids)}
    models = {m.cell_id: m for m in ModelCell.objects.filter(cell_id__in=ids)}
    end = (month + dt.timedelta(days=32)).replace(day=1)
    held = list(
        Meeting.objects.filter(
            cell_id__in=ids,
            status__in=HELD_STATUSES,
            planned_date__gte=month,
            planned_date__lt=end,
        ).order_by("planned_date", "id")
    )
    quality = quality_many(held)
    by_cell: dict[int, list[tuple[Meeting, list[Criterion]]]] = defaultdict(list)
    for meeting in held:
        by_cell[meeting.cell_id].append((meeting, quality[meeting.pk]))
    return [CellRow(c, days.get(c.pk), models.get(c.pk), by_cell[c.pk]) for c in cells]


# --- Many rolls and quality checks at once -----------------------------------------------------
def rolls_for(
    meetings: Sequence[Meeting], posts: Sequence[Post] | None = None
) -> dict[int, list[RollEntry]]:
    """The roll of each meeting, as ``selectors.roll_for`` gives it for one: four queries (five
    without ``posts``) whatever the number of meetings and members. Read unscoped, as there:
    the rolls keep members who have since moved out of the caller's scope."""
    if not meetings:
        return {}
    cell_ids = {m.cell_id for m in meetings}
    last_day = max(meeting_date(m) for m in meetings)
    linked = list(
        MemberEvent._base_manager.filter(
            Q(cell_id__in=cell_ids) | Q(other_cell_id__in=cell_ids)
        ).values_list("member_id", "cell_id", "other_cell_id")
    )
    linked_to: dict[int, set[int]] = defaultdict(set)
    for member_id, cell_id, other_cell_id in linked:
        linked_to[member_id] |= {cell_id, other_cell_id}
    candidates = list(
        Member._base_manager.filter(
            Q(cell_id__in=cell_ids) | Q(pk__in={member_id for member_id, *_r in linked})
        ).order_by("sort_key", "id")
    )
    events: dict[int, list[MemberEvent]] = defaultdict(list)
    for event in MemberEvent._base_manager.filter(
        member_id__in=[m.pk for m in candidates], date__lte=last_day, voided_at__isnull=True
    ).order_by("date", "id"):
        events[event.member_id].append(event)
    if posts is None:
        posts = _posts(cell_ids)
    rows: dict[tuple[int, int], Attendance] = {
        (a.meeting_id, a.member_id): a
        for a in Attendance.objects.filter(meeting_id__in=[m.pk for m in meetings])
    }
    rolls: dict[int, list[RollEntry]] = {}
    for meeting in meetings:
        day = meeting_date(meeting)
        committee = None
        if meeting.kind == MeetingKind.COMMITTEE:
            committee = {p.member_id for p in _holding(posts, meeting.cell_id, day)}
        roll: list[RollEntry] = []
        for member in candidates:
            if member.cell_id != meeting.cell_id and meeting.cell_id not in linked_to[member.pk]:
                continue
            if committee is not None and member.pk not in committee:
                continue
            state = derive(events[member.pk], today=day)
            standing = roll_standing(state, meeting.cell_id, day)
            if standing is None:
                continue
            assert state.status is not None
            entry = RollEntry(member, str(state.status), standing[0], standing[1])
            entry.attendance = rows.get((meeting.pk, member.pk))
            roll.append(entry)
        rolls[meeting.pk] = roll
    return rolls


def _posts(cell_ids: set[int]) -> list[Post]:
    # Unscoped, as selectors._committee_ids: posts on cells whose meetings the caller sees.
    return list(Post._base_manager.filter(unit_id__in=cell_ids, kind__in=COMMITTEE_POSTS))


def _holding(
    posts: Sequence[Post], cell_id: int, day: dt.date, kinds: Sequence[str] = COMMITTEE_POSTS
) -> list[Post]:
    return [
        p
        for p in posts
        if p.unit_id == cell_id
        and p.kind in kinds
        and p.start_date <= day
        and (p.end_date is None or p.end_date >= day)
    ]


def quality_many(meetings: Sequence[Meeting]) -> dict[int, list[Criterion]]:
    """``selectors.quality_check`` of each meeting, in a constant number of queries."""
    if not meetings:
        return {}
    cell_ids = {m.cell_id for m in meetings}
    posts = _posts(cell_ids)
    rolls = rolls_for(meetings, posts)
    days = {m.pk: meeting_date(m) for m in meetings}
    first_year = min(d.year for d in days.values())
    last_planned = max(m.planned_date for m in meetings)
    year_rows: dict[int, list[tuple[int, int, dt.date, str]]] = defaultdict(list)
    rows = (
        Attendance.objects.filter(
            meeting__cell_id__in=cell_ids,
            meeting__status__in=HELD_STATUSES,
            meeting__planned_date__gte=dt.date(first_year, 1, 1),
            meeting__planned_date__lte=last_planned,
        )
        .exclude(meeting__kind=MeetingKind.COMMITTEE)
        .order_by("meeting__planned_date", "meeting_id")
        .values_list(
            "meeting__cell_id", "member_id", "meeting_id", "meeting__planned_date", "category"
        )
    )
    for cell_id, member_id, meeting_id, planned, category in rows:
        year_rows[cell_id].append((member_id, meeting_id, planned, category))
    with_agenda = set(
        AgendaItem.objects.filter(meeting_id__in=[m.pk for m in meetings]).values_list(
            "meeting_id", flat=True
        )
    )
    first_day = min(days.values()) - dt.timedelta(days=31)
    committees = list(
        Meeting.objects.filter(
            cell_id__in=cell_ids,
            kind=MeetingKind.COMMITTEE,
            status__in=HELD_STATUSES,
            planned_date__gte=first_day,
            planned_date__lt=max(days.values()),
        ).values_list("pk", "cell_id", "planned_date")
    )
    result: dict[int, list[Criterion]] = {}
    for meeting in meetings:
        day = days[meeting.pk]
        facts = QualityFacts(
            roll=rolls[meeting.pk],
            runs=excused_runs(
                r
                for r in year_rows[meeting.cell_id]
                if r[2].year == day.year and r[2] <= meeting.planned_date
            ),
            preparer_ids={
                p.member_id for p in _holding(posts, meeting.cell_id, day, PREPARER_POSTS)
            },
            has_agenda=meeting.pk in with_agenda,
            committee_met_before=any(
                cell_id == meeting.cell_id
                and pk != meeting.pk
                and day - dt.timedelta(days=31) <= planned < day
                for pk, cell_id, planned in committees
            ),
        )
        result[meeting.pk] = criteria_of(meeting, facts)
    return result


def quality_result(criteria: Sequence[Criterion]) -> bool | None:
    """Passed when every applicable criterion passed; None while some are not known yet and
    none failed."""
    known = [c.passed for c in criteria if c.passed is not None]
    if any(passed is False for passed in known):
        return False
    return True if known else None


# --- The home page -----------------------------------------------------------------------------
@dataclass
class Notice:
    meeting: Meeting
    answer: Attendance | None


def upcoming_notices(member_id: int, today: dt.date | None = None) -> list[Notice]:
    """Meetings whose notice went out and that are still ahead, in the member's cell (and the
    cell they are temporarily in), with the member's answer: three queries."""
    today = today or timezone.localdate()
    # The user's own record, identified by their login: not a scope question.
    cells = Member._base_manager.filter(pk=member_id).values_list("cell_id", "temporary_cell_id")
    cell_ids = {pk for pair in cells for pk in pair if pk is not None}
    meetings = list(
        Meeting.objects.filter(
            cell_id__in=cell_ids, status=MeetingStatus.NOTIFIED, planned_date__gte=today
        )
        .select_related("cell")
        .order_by("planned_date", "id")[:3]
    )
    answers = {
        a.meeting_id: a
        for a in Attendance.objects.filter(
            member_id=member_id, meeting_id__in=[m.pk for m in meetings]
        )
    }
    return [Notice(m, answers.get(m.pk)) for m in meetings]


@dataclass
class HomeMeetings:
    """The meetings part of the home page."""

    notices: list[Notice]
    own_cell: OrgUnit | None
    cells: list[OrgUnit]  # cells the user plans meetings for (first ones)
    communes: list[OrgUnit]  # units whose cells' fixed days the user sets
    alerts: list[tuple[OrgUnit, MemberAlert]]


HOME_CELLS = 30


def home_meetings(*, access: Access, today: dt.date | None = None) -> HomeMeetings:
    """The member's upcoming notices, and for secretaries and the commune the cells they run
    and the alerts of this year (at most ``HOME_CELLS`` cells): a constant number of queries."""
    today = today or timezone.localdate()
    notices = upcoming_notices(access.member_id, today) if access.member_id else []
    own_cell = None
    if access.member_id is not None:
        own = [line for line in access.lines if line.source == "membership"]
        if own:
            own_cell = OrgUnit.objects.filter(pk=own[0].unit_id).first()
    cells: list[OrgUnit] = []
    communes: list[OrgUnit] = []
    change = access.scope_for(Cap.MEETING_CHANGE)
    if change.paths:
        cells = list(
            OrgUnit.objects.filter(path__within=change, kind__in=MEMBER_UNIT_KINDS).order_by(
                "sort_key"
            )[:HOME_CELLS]
        )
    configure = access.scope_for(Cap.MEETING_CONFIGURE)
    if configure.paths:
        communes = [
            u
            for u in OrgUnit.objects.filter(path__in=configure.paths).order_by("sort_key")
            if not u.is_cell
        ]
    by_cell = alerts_for_cells(cells, today.year) if cells else {}
    alerts = [(cell, alert) for cell in cells for alert in by_cell.get(cell.pk, [])]
    return HomeMeetings(notices, own_cell, cells, communes, alerts)
