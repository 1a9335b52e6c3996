"""Writes to meetings: plan, prepare, roll call, minutes, resolution, lock and amend.

Each service is atomic, re-reads the meeting row under a lock (so two writers are serialised and
a meeting locked meanwhile is seen as locked), and writes one audit entry. Once the minutes are
locked every service refuses with code ``locked``; only ``minutes_amend`` changes them then, and
it keeps what it changed. Rules: DOMAIN.md "Meetings" (see also ``selectors.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, replace
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.core.audit import audit_record, diff, snapshot
from chibo.core.vietnamese import nfc
from chibo.core.workdays import WorkCalendar
from chibo.meetings import selectors
from chibo.meetings.agenda import (
    AgendaEntry,
    agenda_from_template,
    agenda_template_save,
    model_cell_mark,
    open_action_items,
)
from chibo.meetings.guards import audit_meeting, check_cell, fail, open_meeting
from chibo.meetings.minutes import (
    ResolutionData,
    RollRow,
    answer_notice,
    attendance_save,
    meeting_lock,
    minutes_amend,
    resolution_save,
    speech_add,
)
from chibo.meetings.models import (
    DayRule,
    Meeting,
    MeetingDay,
    MeetingKind,
    MeetingStatus,
)
from chibo.members.models import Member
from chibo.orgunits.models import OrgUnit

__all__ = [
    "AgendaEntry",
    "MeetingData",
    "ResolutionData",
    "RollRow",
    "agenda_from_template",
    "agenda_template_save",
    "answer_notice",
    "attendance_save",
    "fixed_dates",
    "meeting_cancel",
    "meeting_create",
    "meeting_day_set",
    "meeting_lock",
    "meeting_notify",
    "meeting_update",
    "minutes_amend",
    "model_cell_mark",
    "open_action_items",
    "plan_year",
    "resolution_save",
    "roll_call_save",
    "speech_add",
]


# --- Planning --------------------------------------------------------------------------------
@transaction.atomic
def meeting_day_set(
    *,
    actor: Any,
    cell: OrgUnit,
    rule: str,
    day: int | None = None,
    time: dt.time | None = None,
    place: str = "",
) -> MeetingDay:
    """Set the cell's fixed meeting day (the commune's decision). Meetings already planned keep
    the day they were given."""
    check_cell(cell)
    if rule not in DayRule.values:
        raise fail(_("Choose a day of the month or the first week."), "invalid_rule", "rule")
    if rule == DayRule.DAY_OF_MONTH and (day is None or not 1 <= day <= 28):
        raise fail(_("The day of the month is between 1 and 28."), "invalid_day", "day")
    if rule == DayRule.FIRST_WEEK:
        day = None
    current = MeetingDay.objects.filter(cell=cell).first()
    meeting_day = current or MeetingDay(cell=cell)
    audited = ["rule", "day", "time", "place"]
    before = snapshot(meeting_day, audited) if current else {}
    meeting_day.rule, meeting_day.day, meeting_day.time = rule, day, time
    meeting_day.place = nfc(place).strip()
    meeting_day.full_clean()
    meeting_day.save()
    changes = diff(before, snapshot(meeting_day, audited))
    if changes:
        audit_record(
            actor=actor, action="meeting_day.set", obj=meeting_day, unit=cell, changes=changes
        )
    return meeting_day


def fixed_dates(meeting_day: MeetingDay, year: int) -> list[dt.date]:
    """The twelve fixed days of ``year``; "first week" is the first working day of each month
    (one query for the year's holidays)."""
    if meeting_day.rule == DayRule.DAY_OF_MONTH:
        assert meeting_day.day is not None
        return [dt.date(year, month, meeting_day.day) for month in range(1, 13)]
    calendar = WorkCalendar.load(dt.date(year, 1, 1), dt.date(year, 12, 31))
    one_day = dt.timedelta(days=1)
    return [calendar.add(dt.date(year, month, 1) - one_day, 1) for month in range(1, 13)]


@transaction.atomic
def plan_year(*, actor: Any, cell: OrgUnit, year: int) -> list[Meeting]:
    """Create the regular meetings of ``year`` from the cell's fixed day; months that already
    have one are left alone, so running it again creates nothing. Returns those created."""
    meeting_day = MeetingDay.objects.filter(cell=cell).first()
    if meeting_day is None:
        raise fail(_("The commune has not set this cell's meeting day yet."), "no_meeting_day")
    existing = set(
        Meeting.objects.filter(
            cell=cell,
            kind=MeetingKind.REGULAR,
            month__gte=dt.date(year, 1, 1),
            month__lte=dt.date(year, 12, 1),
        ).values_list("month", flat=True)
    )
    new = [
        Meeting(
            cell=cell,
            kind=MeetingKind.REGULAR,
            month=day.replace(day=1),
            fixed_date=day,
            planned_date=day,
            planned_time=meeting_day.time,
            place=meeting_day.place,
        )
        for day in fixed_dates(meeting_day, year)
        if day.replace(day=1) not in existing
    ]
    if not new:
        return []
    created = Meeting.objects.bulk_create(new)
    # One entry for the plan, as for other bulk writes (decision 0004).
    audit_record(
        actor=actor,
        action="meeting.year_planned",
        obj=meeting_day,
        unit=cell,
        changes={"planned": [None, [m.planned_date.isoformat() for m in created]]},
    )
    return created


_CREATABLE = (MeetingKind.THEMATIC, MeetingKind.EXTRAORDINARY, MeetingKind.COMMITTEE)
_CREATE_AUDITED = ("kind", "planned_date", "planned_time", "place", "topic", "presenter")


@transaction.atomic
def meeting_create(
    *,
    actor: Any,
    cell: OrgUnit,
    kind: str,
    planned_date: dt.date,
    planned_time: dt.time | None = None,
    place: str = "",
    topic: str = "",
    presenter: str = "",
) -> Meeting:
    """A thematic, extraordinary or committee meeting. (Regular meetings come from
    ``plan_year``.) Time and place default to the cell's usual ones."""
    check_cell(cell)
    if kind not in _CREATABLE:
        raise fail(
            _("Regular meetings are planned from the fixed meeting day."), "invalid_kind", "kind"
        )
    topic = nfc(topic).strip()
    if kind == MeetingKind.THEMATIC and not topic:
        raise fail(_("A thematic meeting needs a topic."), "topic_required", "topic")
    usual = MeetingDay.objects.filter(cell=cell).first()
    meeting = Meeting(
        cell=cell,
        kind=kind,
        month=planned_date.replace(day=1),
        planned_date=planned_date,
        planned_time=planned_time or (usual.time if usual else None),
        place=nfc(place).strip() or (usual.place if usual else ""),
        topic=topic,
        presenter=nfc(presenter).strip(),
    )
    meeting.full_clean()
    meeting.save()
    audit_meeting(actor, "meeting.created", meeting, diff({}, snapshot(meeting, _CREATE_AUDITED)))
    return meeting


@dataclass(frozen=True)
class MeetingData:
    """The fields of a meeting its secretary edits (preparation and the minutes' header).
    ``MeetingData.of(meeting)`` gives the current values; change them with ``replace``."""

    planned_date: dt.date
    planned_time: dt.time | None = None
    place: str = ""
    topic: str = ""
    presenter: str = ""
    includes_thematic: bool = False
    held_start: dt.datetime | None = None
    held_end: dt.datetime | None = None
    chair: Member | None = None
    minute_taker: Member | None = None
    prepared_by: Member | None = None
    guests: str = ""
    materials_published_at: dt.datetime | None = None
    committee_met_before: bool = False
    draft_resolution: str = ""

    @classmethod
    def of(cls, meeting: Meeting) -> MeetingData:
        return cls(**{f.name: getattr(meeting, f.name) for f in fields(cls)})


MEETING_FIELDS = tuple(f.name for f in fields(MeetingData))
_PEOPLE = ("chair", "minute_taker", "prepared_by")


def _check_data(meeting: Meeting, data: MeetingData) -> None:
    if data.includes_thematic and meeting.kind != MeetingKind.REGULAR:
        raise fail(
            _("Only a regular meeting can also hold the thematic part."),
            "not_regular",
            "includes_thematic",
        )
    if (meeting.kind == MeetingKind.THEMATIC or data.includes_thematic) and not data.topic:
        raise fail(_("A thematic meeting needs a topic."), "topic_required", "topic")
    now = timezone.now()
    if data.held_start is not None and data.held_start > now:
        raise fail(_("The meeting cannot have opened in the future."), "future", "held_start")
    if data.held_end is not None and data.held_start is None:
        raise fail(_("Record when the meeting opened."), "no_start", "held_start")
    if data.held_end is not None and data.held_start and data.held_end < data.held_start:
        raise fail(_("The meeting cannot close before it opened."), "end_before_start", "held_end")
    if data.held_end is not None and data.held_end > now:
        # The roll screen reads a closing time earlier than the opening as after midnight: a
        # meeting opened at 21:00 "closing" at 19:00 would end tomorrow, 22 hours long.
        raise fail(_("The meeting cannot have closed in the future."), "future", "held_end")
    changed = [n for n in _PEOPLE if getattr(data, n) != getattr(meeting, n)]
    people = [getattr(data, n) for n in changed if getattr(data, n) is not None]
    if people:
        day = timezone.localdate(data.held_start) if data.held_start else data.planned_date
        roll = {s.member_id for s in selectors.roll_standings(meeting.cell_id, day)}
        for name in changed:
            person = getattr(data, name)
            if person is not None and person.pk not in roll:
                raise fail(
                    _("%(name)s is not a member of this cell on the meeting's date.")
                    % {"name": person.full_name},
                    "not_eligible",
                    name,
                )


@transaction.atomic
def meeting_update(*, actor: Any, meeting: Meeting, data: MeetingData, version: int) -> Meeting:
    """Save the meeting if nobody saved it since ``version`` was read. Recording when it opened
    marks it held. Refused once the minutes are locked (code ``locked``)."""
    meeting = open_meeting(meeting)
    month_before = meeting.month
    data = replace(
        data,
        place=nfc(data.place).strip(),
        topic=nfc(data.topic).strip(),
        presenter=nfc(data.presenter).strip(),
        guests=nfc(data.guests).strip(),
        draft_resolution=nfc(data.draft_resolution).strip(),
    )
    _check_data(meeting, data)
    before = snapshot(meeting, [*MEETING_FIELDS, "status"])
    for name in MEETING_FIELDS:
        setattr(meeting, name, getattr(data, name))
    if meeting.kind != MeetingKind.REGULAR:
        meeting.month = data.planned_date.replace(day=1)
    if data.held_start is not None and meeting.status in {
        MeetingStatus.PLANNED,
        MeetingStatus.NOTIFIED,
    }:
        meeting.status = MeetingStatus.HELD
    # Field checks only: the people were checked against the roll above and the cell does not
    # change; the closing time was checked above, and a regular meeting keeps its month (the
    # one-per-month constraint). full_clean would repeat those with a query each.
    meeting.full_clean(exclude=["version", "cell", *_PEOPLE], validate_constraints=False)
    changes = diff(before, snapshot(meeting, [*MEETING_FIELDS, "status"]))
    attnames = [f"{n}_id" if n in _PEOPLE else n for n in (*MEETING_FIELDS, "status", "month")]
    values = {name: getattr(meeting, name) for name in attnames}
    updated = Meeting._base_manager.filter(pk=meeting.pk, version=version).update(
        **values, version=F("version") + 1, updated_at=timezone.now()
    )
    if not updated:
        raise fail(
            _(
                "Someone else saved this meeting while you were editing it. Your changes were "
                "not saved: the page now shows their version; make your changes again."
            ),
            "stale",
        )
    meeting.version = version + 1
    if changes:
        audit_meeting(actor, "meeting.changed", meeting, changes, since=month_before)
    return meeting


@transaction.atomic
def meeting_notify(*, actor: Any, meeting: Meeting) -> Meeting:
    """Mark the notice as sent (time, place and content to members and the commune's monitoring
    member). Sending by e-mail and SMS is the notification module's job."""
    meeting = open_meeting(meeting)
    if meeting.status != MeetingStatus.PLANNED:
        raise fail(_("The notice goes out before the meeting."), "not_planned")
    meeting.status, meeting.notified_at = MeetingStatus.NOTIFIED, timezone.now()
    meeting.save(update_fields=["status", "notified_at", "updated_at"])
    audit_meeting(
        actor, "meeting.notified", meeting, {"status": [MeetingStatus.PLANNED, meeting.status]}
    )
    return meeting


@transaction.atomic
def meeting_cancel(*, actor: Any, meeting: Meeting, reason: str) -> Meeting:
    """Cancel a meeting that has not been held (kept, with the reason in the audit trail)."""
    meeting = open_meeting(meeting)
    if meeting.status == MeetingStatus.HELD:
        raise fail(_("A meeting that was held cannot be cancelled."), "already_held")
    if not reason.strip():
        raise fail(_("Give the reason for cancelling."), "reason_required", "reason")
    before = meeting.status
    meeting.status = MeetingStatus.CANCELLED
    meeting.save(update_fields=["status", "updated_at"])
    audit_meeting(
        actor,
        "meeting.cancelled",
        meeting,
        {"status": [before, meeting.status], "reason": [None, nfc(reason).strip()]},
    )
    return meeting


@transaction.atomic
def roll_call_save(
    *, actor: Any, meeting: Meeting, data: MeetingData, version: int, rows: list[RollRow]
) -> Meeting:
    """The roll-call screen in one transaction: the header (opening and closing time, chair,
    minute-taker, guests) with the optimistic check, then the whole roll. Either both are saved
    or neither. The reports' rollup of the cell is computed once, after both."""
    from chibo.reports import rollup  # the rollup reads the meetings' modules

    with rollup.deferred():
        meeting = meeting_update(actor=actor, meeting=meeting, data=data, version=version)
        attendance_save(actor=actor, meeting=meeting, rows=rows)
    return meeting
