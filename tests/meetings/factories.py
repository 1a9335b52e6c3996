"""Helpers for the meetings tests: members in bulk, a held meeting, a roll in one call."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from django.utils import timezone
from django_scopes import scopes_disabled

from chibo.core.vietnamese import fold, name_sort_key
from chibo.meetings import services
from chibo.meetings.models import Meeting, MeetingKind
from chibo.members.models import EventKind, Member, MemberEvent, MemberStatus, Sex
from chibo.orgunits.models import OrgUnit

P = "present"
LATE = "late"
EXC = "absent_excused"
UNEXC = "absent_unexcused"


def bulk_members(cell: OrgUnit, n: int, admitted: dt.date = dt.date(2010, 5, 4)) -> list[Member]:
    """``n`` official members of ``cell`` with their events, written in bulk (as the demo
    generator does): fast enough for a 200-member cell."""
    with scopes_disabled():
        names = [f"Lò Văn Thành {i:03d}" for i in range(n)]
        members = Member.objects.bulk_create(
            Member(
                full_name=name,
                sort_key=name_sort_key(name),
                search_name=fold(name),
                sex=Sex.MALE,
                birth_date=dt.date(1975, 1, 1),
                status=MemberStatus.OFFICIAL,
                admission_date=admitted,
                ceremony_date=admitted + dt.timedelta(days=20),
                recognition_date=admitted + dt.timedelta(days=400),
                state_since=admitted + dt.timedelta(days=400),  # as derived_columns writes it
                cell=cell,
            )
            for name in names
        )
        MemberEvent.objects.bulk_create(
            MemberEvent(member=m, kind=kind, date=admitted + dt.timedelta(days=days), cell=cell)
            for m in members
            for kind, days in (
                (EventKind.ADMISSION, 0),
                (EventKind.CEREMONY, 20),
                (EventKind.RECOGNITION, 400),
            )
        )
    return members


def aware(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, minute))


def meeting_on(
    cell: OrgUnit, day: dt.date, kind: str = MeetingKind.EXTRAORDINARY, topic: str = ""
) -> Meeting:
    with scopes_disabled():
        return services.meeting_create(
            actor=None, cell=cell, kind=kind, planned_date=day, topic=topic
        )


def hold(
    meeting: Meeting,
    *,
    minutes: int = 120,
    chair: Member | None = None,
    minute_taker: Member | None = None,
    **extra: object,
) -> Meeting:
    """Record the meeting as held at 19:00 on its planned day for ``minutes``."""
    with scopes_disabled():
        meeting = Meeting.objects.get(pk=meeting.pk)
        start = aware(meeting.planned_date, 19)
        data = services.MeetingData.of(meeting)
        data = replace(
            data,
            held_start=start,
            held_end=start + dt.timedelta(minutes=minutes),
            chair=chair,
            minute_taker=minute_taker,
            **extra,
        )
        return services.meeting_update(
            actor=None, meeting=meeting, data=data, version=meeting.version
        )


def roll(meeting: Meeting, categories: dict[Member, str], reason: str = "Ốm") -> None:
    rows = [services.RollRow(m.pk, c, reason if c == EXC else "") for m, c in categories.items()]
    with scopes_disabled():
        services.attendance_save(actor=None, meeting=meeting, rows=rows)
