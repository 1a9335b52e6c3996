"""Reads of meetings: the roll, its counts, the quality check, warnings and alerts.

Every function runs inside the caller's scope (see ``chibo.core.scoping``), except where a comment
says why not. Who is on a meeting's roll is decided from the members' *events* on the meeting's
date, not from their current cell: a member who joined the cell after the meeting is not on it,
and a member who left later stays on the rolls of the meetings they belonged to.

Rules and their sources (DOMAIN.md "Meetings", "Members"):

- On the roll: official and probationary members whose cell on the date is the meeting's cell,
  and those temporarily transferred into it; suspended members are not called (their activities
  are suspended). A member exempt on the date, or temporarily in another cell, is on the roll as
  "exempt" or "temporarily away" and is not required to attend. A committee meeting's roll is the
  secretary, deputies and committee members holding the post on the date.
- Quality criteria: attendance above 85% of those required; nobody absent without reason;
  nobody absent with reason more than 3 times in a row in the year; held on the fixed day;
  content prepared by the secretary or a deputy; draft resolution; materials published at least
  one day before; the cell committee met beforehand; at least 90 minutes (120 with a thematic part).
- Alerts: absent without reason; absent with reason 3 times in a row; 3 months in a year
  without taking part without a valid reason (Charter Art. 8, removal review) — months counted
  in total by default, or consecutive ones with ``CHIBO_ABSENCE_RULE = "consecutive"``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.core.bulk import plain_rows
from chibo.core.scoping import scopes_disabled
from chibo.meetings.models import (
    AgendaItem,
    AgendaTemplate,
    Attendance,
    AttendanceCategory,
    Meeting,
    MeetingKind,
    MeetingStatus,
    MinutesAmendment,
    ModelCell,
)
from chibo.members.lifecycle import Derived, EventRow, derive
from chibo.members.models import Member, MemberEvent, MemberStatus
from chibo.orgunits.models import OrgUnit, Post, PostKind, UnitKind

C = AttendanceCategory
ATTENDED = (C.PRESENT, C.LATE)
NOT_REQUIRED = (C.EXEMPT, C.AWAY)
HELD_STATUSES = (MeetingStatus.HELD, MeetingStatus.LOCKED)
ATTENDANCE_THRESHOLD = 0.85  # "attendance above 85%"
MAX_EXCUSED_IN_A_ROW = 3  # "nobody absent with reason more than 3 times in a row"
ALERT_EXCUSED_IN_A_ROW = 3  # alert on the 3rd, before the criterion fails on the 4th
REVIEW_MONTHS = 3  # Charter Art. 8: 3 months in a year without taking part
COMMITTEE_POSTS = (PostKind.SECRETARY, PostKind.DEPUTY_SECRETARY, PostKind.COMMITTEE_MEMBER)
PREPARER_POSTS = (PostKind.SECRETARY, PostKind.DEPUTY_SECRETARY)
CUMULATIVE, CONSECUTIVE = "cumulative", "consecutive"


def meeting_date(meeting: Meeting) -> dt.date:
    """The day the meeting was held (local time), or the planned day until then."""
    if meeting.held_start is not None:
        return timezone.localdate(meeting.held_start)
    return meeting.planned_date


# --- The roll --------------------------------------------------------------------------------
@dataclass
class RollEntry:
    """A member on a meeting's roll: their standing on the date and what was recorded."""

    member: Member
    status: str  # official or probationary, on the date
    expected: str  # "", "exempt" or "away": what the member's record says about the date
    temporary: bool  # temporarily transferred into this cell
    attendance: Attendance | None = None

    @property
    def required(self) -> bool:
        return self.expected not in NOT_REQUIRED

    @property
    def category(self) -> str:
        return self.attendance.category if self.attendance is not None else ""

    def allowed(self) -> tuple[str, ...]:
        return allowed_categories(self.expected)


def allowed_categories(expected: str) -> tuple[str, ...]:
    """The categories the roll call may give a member whose record says ``expected`` about the
    day: exempt and away follow the record, so they cannot be typed in for someone else (or
    hidden as absences)."""
    if expected:
        return (C.PRESENT, C.LATE, expected)
    return (C.PRESENT, C.LATE, C.ABSENT_EXCUSED, C.ABSENT_UNEXCUSED)


class Standing(NamedTuple):
    """A member's place on a meeting's roll, without the member's record (``roll_standings``)."""

    member_id: int
    full_name: str
    status: str  # official or probationary, on the date
    expected: str  # "", "exempt" or "away"
    temporary: bool  # temporarily transferred into this cell


def _standing(
    status: str | None,
    home: int | None,
    temporary_cell: int | None,
    exempt_from: dt.date | None,
    exempt_until: dt.date | None,
    cell_id: int,
    day: dt.date,
) -> tuple[str, bool] | None:
    if status not in {MemberStatus.OFFICIAL, MemberStatus.PROBATIONARY}:
        return None
    if temporary_cell == cell_id:
        return "", True
    if home != cell_id:
        return None
    if (
        exempt_from is not None
        and exempt_from <= day
        and (exempt_until is None or exempt_until >= day)
    ):
        return C.EXEMPT, False
    if temporary_cell is not None:
        return C.AWAY, False
    return "", False


def roll_standing(state: Derived, cell_id: int, day: dt.date) -> tuple[str, bool] | None:
    """``(expected category, temporary)`` of a member in ``cell_id`` on ``day``, or None when
    the member is not on that cell's roll that day."""
    return _standing(
        state.status,
        state.cell_id,
        state.temporary_cell_id,
        state.exempt_from,
        state.exempt_until,
        cell_id,
        day,
    )


def _committee_ids(cell_id: int, day: dt.date) -> set[int]:
    posts = Post._base_manager.filter(
        unit_id=cell_id, kind__in=COMMITTEE_POSTS, start_date__lte=day
    ).exclude(end_date__lt=day)
    return set(posts.values_list("member_id", flat=True))


def roll_candidates(cell_id: int) -> QuerySet[Member]:
    """Everyone who is, or ever was, in the cell (now, or by an event there), by given name."""
    linked = MemberEvent._base_manager.filter(Q(cell_id=cell_id) | Q(other_cell_id=cell_id))
    return Member._base_manager.filter(
        Q(cell_id=cell_id) | Q(pk__in=linked.values("member_id"))
    ).order_by("sort_key", "id")


# The event columns ``derive`` reads.
_DERIVED_FROM = (
    "id", "kind", "date", "cell_id", "decision_date", "other_cell_id", "temporary", "until"
)  # fmt: skip


class _Stored(NamedTuple):
    """The member columns the roll reads (the attributes of ``Member`` by the same names)."""

    id: int
    full_name: str
    status: str
    admission_date: dt.date | None
    cell_id: int
    temporary_cell_id: int | None
    exempt_from: dt.date | None
    exempt_until: dt.date | None
    state_since: dt.date | None


def member_ids_of(*conditions: Q, events: Sequence[Q] = ()) -> QuerySet[Any]:
    """The ids of the members matching any of ``conditions``, or with an event matching any of
    ``events``, as one subquery: a ``UNION`` of one indexed lookup each. (An ``OR`` of the same
    conditions makes PostgreSQL read every member: 113 ms against 1.6 ms at 250,000 members.)"""
    parts: list[QuerySet[Any]] = [
        Member._base_manager.filter(c).order_by().values("id") for c in conditions
    ]
    parts += [MemberEvent._base_manager.filter(c).order_by().values("member_id") for c in events]
    return parts[0].union(*parts[1:])


def _roll(cell_id: int, day: dt.date, kind: str, *, instances: bool) -> list[tuple[Any, Standing]]:
    """The roll of ``cell_id`` on ``day``: ``(member, standing)`` by given name, the member a
    ``Member`` with ``instances`` or else a ``_Stored`` row.

    A member's stored state columns are what their events say from the date of the latest one
    on (``Member.state_since``; events are never dated in the future). So for most members the
    row is enough; only those whose latest event is after ``day``, or who were suspended
    (a suspension ends by itself), are derived from their events on ``day``.

    Who to read: the members now in the cell, or temporarily in it, and those who were in it
    on ``day`` and have left since. Leaving takes an event: a transfer whose other cell is this
    one (an official transfer in elsewhere comes from here; a temporary stay here began with a
    temporary transfer naming it), or any event here after ``day`` (how a member leaves who is
    no longer called: removal, death, …, is then read from the events).

    One query, two when someone changed after ``day``; one more for a committee meeting. Read
    unscoped: the roll belongs to a meeting the caller already sees, and must keep members who
    have since moved to a cell outside the caller's scope.
    """
    members = Member._base_manager.filter(
        pk__in=member_ids_of(
            Q(cell_id=cell_id),
            Q(temporary_cell_id=cell_id),
            events=(Q(other_cell_id=cell_id), Q(cell_id=cell_id, date__gt=day)),
        )
    ).order_by("sort_key", "id")
    rows: list[Any] = (
        list(members)
        if instances
        else [_Stored(*r) for r in plain_rows(members.values_list(*_Stored._fields))]
    )
    changed = {
        row.id
        for row in rows
        if (row.state_since is None and row.admission_date is not None)
        or (row.state_since is not None and row.state_since > day)
    }
    events: dict[int, list[EventRow]] = defaultdict(list)
    if changed:
        for (
            member_id,
            event_id,
            kind_,
            date,
            cell,
            decision,
            other,
            temporary,
            until,
        ) in MemberEvent._base_manager.filter(
            member_id__in=changed, date__lte=day, voided_at__isnull=True
        ).values_list("member_id", *_DERIVED_FROM):
            events[member_id].append(
                EventRow(
                    kind_,
                    date,
                    cell,
                    decision_date=decision,
                    other_cell_id=other,
                    temporary=temporary,
                    until=until,
                    pk=event_id,
                )
            )
    committee = _committee_ids(cell_id, day) if kind == MeetingKind.COMMITTEE else None
    roll: list[tuple[Any, Standing]] = []
    for row in rows:
        pk = row.id
        if committee is not None and pk not in committee:
            continue
        if pk in changed:
            state = derive(events[pk], today=day)
            status = state.status
            standing = roll_standing(state, cell_id, day)
        elif row.state_since is None:  # no event yet: not a member
            continue
        else:
            status = row.status
            standing = _standing(
                status,
                row.cell_id,
                row.temporary_cell_id,
                row.exempt_from,
                row.exempt_until,
                cell_id,
                day,
            )
        if standing is not None:
            roll.append((row, Standing(pk, row.full_name, str(status), *standing)))
    return roll


def roll_standings(cell_id: int, day: dt.date, kind: str = MeetingKind.REGULAR) -> list[Standing]:
    """Who is on the roll of ``cell_id``'s meeting of ``kind`` on ``day``, by given name, as
    plain rows (what saving a roll call needs; see ``_roll``)."""
    return [standing for _row, standing in _roll(cell_id, day, kind, instances=False)]


def eligible_members(
    cell_id: int, day: dt.date, kind: str = MeetingKind.REGULAR
) -> list[RollEntry]:
    """Who is on the roll of ``cell_id``'s meeting of ``kind`` on ``day``, by given name, with
    their records (see ``_roll``)."""
    return [
        RollEntry(member, s.status, s.expected, s.temporary)
        for member, s in _roll(cell_id, day, kind, instances=True)
    ]


def roll_for(meeting: Meeting) -> list[RollEntry]:
    """The meeting's roll with what was recorded for each member: three queries (four for a
    committee meeting), the same for 20 members or 200."""
    roll = eligible_members(meeting.cell_id, meeting_date(meeting), meeting.kind)
    rows = {a.member_id: a for a in Attendance.objects.filter(meeting_id=meeting.pk)}
    for entry in roll:
        entry.attendance = rows.get(entry.member.pk)
    return roll


@dataclass(frozen=True)
class AttendanceCounts:
    """The counts the minutes need (DOMAIN.md "Minutes")."""

    on_roll: int
    official: int
    probationary: int
    exempt: int
    away: int
    required: int
    present: int
    late: int
    absent_excused: int
    absent_unexcused: int
    not_recorded: int

    @property
    def attended(self) -> int:
        return self.present + self.late

    @property
    def rate(self) -> float | None:
        """Share of those required to attend who came (exempt and away members aside)."""
        return self.attended / self.required if self.required else None


def counts_of(roll: Iterable[RollEntry]) -> AttendanceCounts:
    entries = list(roll)
    # Those required to attend, and anyone exempt or away who came all the same.
    required = [e for e in entries if e.required or e.category in ATTENDED]

    def n(category: str) -> int:
        return sum(1 for e in entries if e.category == category)

    return AttendanceCounts(
        on_roll=len(entries),
        official=sum(1 for e in entries if e.status == MemberStatus.OFFICIAL),
        probationary=sum(1 for e in entries if e.status == MemberStatus.PROBATIONARY),
        exempt=sum(1 for e in entries if e.expected == C.EXEMPT),
        away=sum(1 for e in entries if e.expected == C.AWAY),
        required=len(required),
        present=n(C.PRESENT),
        late=n(C.LATE),
        absent_excused=n(C.ABSENT_EXCUSED),
        absent_unexcused=n(C.ABSENT_UNEXCUSED),
        not_recorded=sum(1 for e in entries if not e.category),
    )


def attendance_counts(meeting: Meeting) -> AttendanceCounts:
    return counts_of(roll_for(meeting))


# --- Quality check ---------------------------------------------------------------------------
class Criterion(NamedTuple):
    key: str
    label: str
    passed: bool | None  # None: not applicable, or not known yet
    detail: str


def year_attendance_rows(
    cell_id: int, year: int, until: dt.date | None = None
) -> QuerySet[Attendance, tuple[int, int, dt.date, str]]:
    """``(member_id, meeting_id, planned_date, category)`` of the cell's held meetings (not
    committee meetings) in ``year``, up to ``until``, in meeting order."""
    rows = Attendance.objects.filter(
        meeting__cell_id=cell_id,
        meeting__status__in=HELD_STATUSES,
        meeting__planned_date__gte=dt.date(year, 1, 1),
        meeting__planned_date__lte=until or dt.date(year, 12, 31),
    ).exclude(meeting__kind=MeetingKind.COMMITTEE)
    return rows.order_by("meeting__planned_date", "meeting_id").values_list(
        "member_id", "meeting_id", "meeting__planned_date", "category"
    )


def _year_attendance(cell_id: int, year: int, until: dt.date | None = None) -> list[Any]:
    return list(year_attendance_rows(cell_id, year, until))


Run = list[tuple[int, dt.date]]


def excused_runs(rows: Iterable[Any]) -> dict[int, list[Run]]:
    """Per member, the runs of consecutive absences with reason (``(meeting id, date)``), in the
    order given. Exempt, away and unrecorded meetings are skipped; any other category ends a
    run."""
    runs: dict[int, list[Run]] = defaultdict(list)
    current: dict[int, Run] = {}
    for member_id, meeting_id, day, category in rows:
        if category in NOT_REQUIRED or not category:
            continue
        if category == C.ABSENT_EXCUSED:
            if member_id not in current:
                current[member_id] = []
                runs[member_id].append(current[member_id])
            current[member_id].append((meeting_id, day))
        else:
            current.pop(member_id, None)
    return runs


def _percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def _names(entries: Iterable[RollEntry]) -> str:
    return ", ".join(e.member.full_name for e in entries)


@dataclass(frozen=True)
class QualityFacts:
    """What the quality check reads besides the meeting: gathered for one meeting
    (``quality_check``) or for many at once (``quality_many``)."""

    roll: list[RollEntry]
    runs: dict[int, list[Run]]  # excused runs of the year up to the meeting
    preparer_ids: set[int]  # secretary and deputies on the meeting's date
    has_agenda: bool
    committee_met_before: bool  # a committee meeting held in the 31 days before


def quality_check(meeting: Meeting) -> list[Criterion]:
    """The meeting against the quality criteria of DOMAIN.md; a constant number of queries."""
    day = meeting_date(meeting)
    preparers = Post._base_manager.filter(
        unit_id=meeting.cell_id, kind__in=PREPARER_POSTS, start_date__lte=day
    ).exclude(end_date__lt=day)
    committee_met = (
        Meeting.objects.filter(
            cell_id=meeting.cell_id,
            kind=MeetingKind.COMMITTEE,
            status__in=HELD_STATUSES,
            planned_date__gte=day - dt.timedelta(days=31),
            planned_date__lt=day,
        )
        .exclude(pk=meeting.pk)
        .exists()
    )
    facts = QualityFacts(
        roll=roll_for(meeting),
        runs=excused_runs(_year_attendance(meeting.cell_id, day.year, until=meeting.planned_date)),
        preparer_ids=set(preparers.values_list("member_id", flat=True)),
        has_agenda=AgendaItem.objects.filter(meeting_id=meeting.pk).exists(),
        committee_met_before=committee_met,
    )
    return criteria_of(meeting, facts)


def criteria_of(meeting: Meeting, facts: QualityFacts) -> list[Criterion]:
    """The quality criteria from the meeting and its facts (no query)."""
    day = meeting_date(meeting)
    held = meeting.status in HELD_STATUSES
    roll = facts.roll
    counts = counts_of(roll)
    recorded = held and counts.on_roll > counts.not_recorded
    criteria: list[Criterion] = []

    rate = counts.rate
    criteria.append(
        Criterion(
            "attendance",
            _("Attendance above 85% of those required to attend"),
            (rate > ATTENDANCE_THRESHOLD) if recorded and rate is not None else None,
            _("%(attended)s of %(required)s (%(rate)s)")
            % {
                "attended": counts.attended,
                "required": counts.required,
                "rate": _percent(rate) if rate is not None else "-",
            },
        )
    )
    unexcused = [e for e in roll if e.category == C.ABSENT_UNEXCUSED]
    criteria.append(
        Criterion(
            "no_unexcused",
            _("Nobody absent without reason"),
            not unexcused if recorded else None,
            _names(unexcused),
        )
    )
    runs = facts.runs
    too_many = [
        e
        for e in roll
        if e.category == C.ABSENT_EXCUSED
        and runs.get(e.member.pk)
        and runs[e.member.pk][-1][-1][0] == meeting.pk
        and len(runs[e.member.pk][-1]) > MAX_EXCUSED_IN_A_ROW
    ]
    criteria.append(
        Criterion(
            "excused_in_a_row",
            _("Nobody absent with reason more than 3 times in a row this year"),
            not too_many if recorded else None,
            _names(too_many),
        )
    )
    on_fixed_day: bool | None = None
    if meeting.kind == MeetingKind.REGULAR and meeting.fixed_date is not None and held:
        on_fixed_day = day == meeting.fixed_date
    criteria.append(
        Criterion(
            "fixed_day",
            _("Held on the fixed day"),
            on_fixed_day,
            meeting.fixed_date.strftime("%d/%m/%Y") if meeting.fixed_date else "",
        )
    )
    has_agenda = facts.has_agenda
    prepared = (
        has_agenda
        and meeting.prepared_by_id is not None
        and meeting.prepared_by_id in facts.preparer_ids
    )
    criteria.append(
        Criterion(
            "content_prepared",
            _("Content prepared by the secretary or a deputy secretary"),
            prepared,
            "" if has_agenda else _("No agenda yet."),
        )
    )
    criteria.append(
        Criterion(
            "draft_resolution",
            _("A draft resolution was prepared"),
            bool(meeting.draft_resolution.strip()),
            "",
        )
    )
    published = meeting.materials_published_at
    criteria.append(
        Criterion(
            "materials_on_time",
            _("Materials published at least one day before"),
            published is not None and timezone.localdate(published) <= day - dt.timedelta(days=1),
            timezone.localtime(published).strftime("%d/%m/%Y %H:%M") if published else "",
        )
    )
    committee_met = meeting.committee_met_before or facts.committee_met_before
    if meeting.kind == MeetingKind.COMMITTEE:
        committee_met_result: bool | None = None
    else:
        committee_met_result = committee_met
    criteria.append(
        Criterion(
            "committee_met",
            _("The cell committee met beforehand"),
            committee_met_result,
            "",
        )
    )
    minutes = meeting.duration_minutes
    criteria.append(
        Criterion(
            "duration",
            _("Lasted at least the minimum time"),
            (minutes >= meeting.minimum_minutes) if minutes is not None else None,
            _("%(minutes)s of %(minimum)s minutes")
            % {
                "minutes": minutes if minutes is not None else "-",
                "minimum": meeting.minimum_minutes,
            },
        )
    )
    return criteria


# --- Year views ------------------------------------------------------------------------------
def quarter_warnings(cell: OrgUnit, year: int) -> list[int]:
    """Quarters (1–4) of ``year`` with no thematic meeting planned or held (cancelled ones do
    not count); a regular meeting holding the thematic part counts. One query."""
    thematic = (
        Meeting.objects.filter(
            cell=cell,
            planned_date__gte=dt.date(year, 1, 1),
            planned_date__lte=dt.date(year, 12, 31),
        )
        .filter(Q(kind=MeetingKind.THEMATIC) | Q(kind=MeetingKind.REGULAR, includes_thematic=True))
        .exclude(status=MeetingStatus.CANCELLED)
        .values_list("planned_date", flat=True)
    )
    covered = {(day.month - 1) // 3 + 1 for day in thematic}
    return [q for q in (1, 2, 3, 4) if q not in covered]


class AlertKind:
    UNEXCUSED = "absent_unexcused"
    EXCUSED_IN_A_ROW = "excused_in_a_row"
    REMOVAL_REVIEW = "removal_review"


@dataclass
class MemberAlert:
    member: Member
    kind: str
    label: str
    dates: list[dt.date] = field(default_factory=list)


def absence_rule() -> str:
    """``CHIBO_ABSENCE_RULE``: whether the 3 months of Charter Art. 8 are counted in total
    (default) or must be consecutive — the rule is uncertain (DOMAIN.md), so it is a setting."""
    rule = getattr(settings, "CHIBO_ABSENCE_RULE", CUMULATIVE)
    if rule not in {CUMULATIVE, CONSECUTIVE}:
        raise ImproperlyConfigured("CHIBO_ABSENCE_RULE must be 'cumulative' or 'consecutive'")
    return str(rule)


def months_without_taking_part(rows: Iterable[Any]) -> dict[int, list[dt.date]]:
    """Per member, the months (first days) in which they attended none of the held meetings
    they were required at, and at least one absence had no reason."""
    took_part: dict[int, set[dt.date]] = defaultdict(set)
    unexcused: dict[int, set[dt.date]] = defaultdict(set)
    for member_id, _meeting_id, day, category in rows:
        month = day.replace(day=1)
        if category in ATTENDED:
            took_part[member_id].add(month)
        elif category == C.ABSENT_UNEXCUSED:
            unexcused[member_id].add(month)
    return {
        member_id: sorted(months - took_part[member_id])
        for member_id, months in unexcused.items()
        if months - took_part[member_id]
    }


def longest_consecutive(months: list[dt.date]) -> list[dt.date]:
    """The longest run of consecutive calendar months in a sorted list."""
    best: list[dt.date] = []
    run: list[dt.date] = []
    for month in months:
        if run and (month.year * 12 + month.month) - (run[-1].year * 12 + run[-1].month) == 1:
            run.append(month)
        else:
            run = [month]
        if len(run) > len(best):
            best = list(run)
    return best


def member_alerts(cell: OrgUnit, year: int) -> list[MemberAlert]:
    """Members of ``cell`` to bring to the secretary's and the commune's attention in ``year``.

    Two queries. (Not paying dues for 3 months also calls for the review; that joins here when
    the dues app exists.)
    """
    return alerts_for_cells([cell], year)[cell.pk]


Found = tuple[int, str, str, list[dt.date]]


def _found_alerts(rows: list[Any], rule: str) -> list[Found]:
    """``(member id, kind, label, dates)`` of the alerts in one cell's rows of the year."""
    unexcused: dict[int, list[dt.date]] = defaultdict(list)
    for member_id, _meeting_id, day, category in rows:
        if category == C.ABSENT_UNEXCUSED:
            unexcused[member_id].append(day)
    found: list[tuple[int, str, str, list[dt.date]]] = []
    for member_id, days in unexcused.items():
        found.append((member_id, AlertKind.UNEXCUSED, _("Absent without reason"), days))
    for member_id, member_runs in excused_runs(rows).items():
        longest = max(member_runs, key=len)
        if len(longest) >= ALERT_EXCUSED_IN_A_ROW:
            label = _("Absent with reason %(n)s times in a row") % {"n": len(longest)}
            found.append(
                (member_id, AlertKind.EXCUSED_IN_A_ROW, label, [day for _m, day in longest])
            )
    for member_id, months in months_without_taking_part(rows).items():
        counted = longest_consecutive(months) if rule == CONSECUTIVE else months
        if len(counted) >= REVIEW_MONTHS:
            label = _(
                "%(n)s months this year without taking part without a valid reason: "
                "the cell reviews the member (Charter Art. 8)"
            ) % {"n": len(counted)}
            found.append((member_id, AlertKind.REMOVAL_REVIEW, label, counted))
    return found


def alerts_for_cells(cells: Iterable[OrgUnit], year: int) -> dict[int, list[MemberAlert]]:
    """``member_alerts`` of several cells at once (the commune's view): two queries."""
    cell_ids = [cell.pk for cell in cells]
    by_cell: dict[int, list[Any]] = {pk: [] for pk in cell_ids}
    rows = Attendance.objects.filter(
        meeting__cell_id__in=cell_ids,
        meeting__status__in=HELD_STATUSES,
        meeting__planned_date__gte=dt.date(year, 1, 1),
        meeting__planned_date__lte=dt.date(year, 12, 31),
    ).exclude(meeting__kind=MeetingKind.COMMITTEE)
    for cell_id, *row in rows.order_by("meeting__planned_date", "meeting_id").values_list(
        "meeting__cell_id", "member_id", "meeting_id", "meeting__planned_date", "category"
    ):
        by_cell[cell_id].append(row)
    rule = absence_rule()
    found = {cell_id: _found_alerts(cell_rows, rule) for cell_id, cell_rows in by_cell.items()}
    # The members themselves, unscoped: they were on these cells' rolls (see eligible_members).
    members = Member._base_manager.in_bulk(
        {member_id for cell_found in found.values() for member_id, *_rest in cell_found}
    )
    order = {AlertKind.REMOVAL_REVIEW: 0, AlertKind.UNEXCUSED: 1, AlertKind.EXCUSED_IN_A_ROW: 2}
    result: dict[int, list[MemberAlert]] = {}
    for cell_id, cell_found in found.items():
        alerts = {
            (member_id, kind): MemberAlert(members[member_id], kind, label, days)
            for member_id, kind, label, days in cell_found
        }
        result[cell_id] = sorted(
            alerts.values(), key=lambda a: (order[a.kind], a.member.sort_key, a.member.pk)
        )
    return result


@dataclass(frozen=True)
class AttendanceYear:
    rows: list[Attendance]
    attended: int
    required: int

    @property
    def rate(self) -> float | None:
        return self.attended / self.required if self.required else None


def member_attendance_year(member: Member, year: int) -> AttendanceYear:
    """The member's roll calls in the held meetings of ``year``, in any cell, and the rate."""
    with scopes_disabled():
        # Visibility was decided when the member was fetched (member_get); the rows are that
        # person's, including those of a cell they have since left.
        rows = list(
            Attendance.objects.filter(
                member=member,
                meeting__status__in=HELD_STATUSES,
                meeting__planned_date__gte=dt.date(year, 1, 1),
                meeting__planned_date__lte=dt.date(year, 12, 31),
            )
            .exclude(category="")
            .select_related("meeting", "meeting__cell")
            .order_by("meeting__planned_date", "meeting_id")
        )
    required = [r for r in rows if r.category not in NOT_REQUIRED]
    attended = sum(1 for r in required if r.category in ATTENDED)
    return AttendanceYear(rows, attended, len(required))


# --- Templates and minutes -------------------------------------------------------------------
def _is_commune_level(unit: OrgUnit) -> bool:
    return unit.kind not in {UnitKind.CELL, UnitKind.PARTY_GROUP}


def templates_available(cell: OrgUnit) -> list[AgendaTemplate]:
    """The cell's own templates, and those published by a unit above it or by a model cell
    under the same parent. Read unscoped: templates from above lie outside a cell's scope by
    nature, and only published ones are offered. Two queries."""
    ancestors = [cell.path[:i] for i in range(cell.steplen, len(cell.path), cell.steplen)]
    parent_path = cell.path[: -cell.steplen]
    with scopes_disabled():
        model_cells = ModelCell.objects.filter(cell__path__startswith=parent_path).values("cell_id")
        condition = Q(owner=cell) | Q(
            Q(owner__path__in=ancestors) | Q(owner_id__in=model_cells), is_published=True
        )
        return list(AgendaTemplate._base_manager.filter(condition).select_related("owner"))


def minutes_snapshot(meeting: Meeting) -> dict[str, Any]:
    """The minutes as data (what is locked, and what a DOCX export would lay out)."""
    roll = roll_for(meeting)
    counts = counts_of(roll)
    resolution = getattr(meeting, "resolution", None)
    return {
        "meeting": {
            "cell": meeting.cell_id,
            "kind": meeting.kind,
            "date": meeting_date(meeting).isoformat(),
            "place": meeting.place,
            "topic": meeting.topic,
            "presenter": meeting.presenter,
            "held_start": meeting.held_start.isoformat() if meeting.held_start else None,
            "held_end": meeting.held_end.isoformat() if meeting.held_end else None,
            "chair": meeting.chair_id,
            "minute_taker": meeting.minute_taker_id,
            "guests": meeting.guests,
        },
        "counts": {k: getattr(counts, k) for k in counts.__dataclass_fields__},
        "roll": [
            {
                "member": e.member.pk,
                "name": e.member.full_name,
                "category": e.category,
                "reason": e.attendance.reason if e.attendance else "",
            }
            for e in roll
        ],
        "agenda": [
            {"step": i.step, "title": i.title, "content": i.content, "conclusion": i.conclusion}
            for i in AgendaItem.objects.filter(meeting_id=meeting.pk).order_by("order")
        ],
        "speeches": [
            {
                "speaker": s.speaker_name,
                "member": s.member_id,
                "text": s.text,
                "item": s.agenda_item_id,
            }
            for s in meeting.speeches.order_by("order")
        ],
        "resolution": None
        if resolution is None
        else {
            "text": resolution.text,
            "vote_method": resolution.vote_method,
            "for": resolution.votes_for,
            "against": resolution.votes_against,
            "abstain": resolution.votes_abstain,
        },
    }


def amendments_of(meeting: Meeting) -> list[MinutesAmendment]:
    return list(MinutesAmendment.objects.filter(meeting_id=meeting.pk).order_by("created_at", "id"))
