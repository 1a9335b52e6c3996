"""The roll: who is on it (from the events on the meeting's date), saving it (idempotent, bulk,
refusals), answers to the notice, and a constant number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from chibo.core.models import AuditEntry
from chibo.meetings import selectors, services
from chibo.meetings.models import AdvanceAnswer, Attendance, MeetingKind
from chibo.members.lifecycle import EventData, member_event_add
from chibo.members.models import EventKind
from chibo.orgunits.models import PostKind
from chibo.orgunits.services import post_assign
from tests.factories import make_member
from tests.meetings.factories import EXC, LATE, UNEXC, P, bulk_members, meeting_on, roll

pytestmark = pytest.mark.django_db
D = dt.date


def _rows(meeting):
    return sorted(
        Attendance.objects.filter(meeting=meeting).values_list("member_id", "category", "reason")
    )


def test_saving_the_same_roll_twice_gives_one_roll(world, sd) -> None:
    meeting = meeting_on(world.cell, D(2025, 3, 8))
    rows = [
        services.RollRow(world.secretary_member.pk, P),
        services.RollRow(world.plain_member.pk, EXC, "Đi viện"),
    ]
    services.attendance_save(actor=None, meeting=meeting, rows=rows)
    first = _rows(meeting)
    entries = AuditEntry.objects.filter(action="meeting.attendance_saved").count()
    services.attendance_save(actor=None, meeting=meeting, rows=rows)
    assert _rows(meeting) == first
    assert len(first) == 2
    # Nothing changed, so nothing was written or audited.
    assert AuditEntry.objects.filter(action="meeting.attendance_saved").count() == entries


def test_the_roll_replaces_what_was_recorded(world, sd) -> None:
    meeting = meeting_on(world.cell, D(2025, 3, 8))
    roll(meeting, {world.secretary_member: P, world.plain_member: UNEXC})
    roll(meeting, {world.secretary_member: LATE})
    assert _rows(meeting) == [
        (world.secretary_member.pk, LATE, ""),
        (world.plain_member.pk, "", ""),
    ]
    counts = selectors.attendance_counts(meeting)
    assert (counts.on_roll, counts.late, counts.not_recorded) == (2, 1, 1)


@pytest.mark.parametrize(
    ("category", "reason", "code"),
    [
        (EXC, "", "reason_required"),
        ("exempt", "", "category_not_allowed"),
        ("away", "", "category_not_allowed"),
        ("", "", "category_not_allowed"),
        ("asleep", "", "category_not_allowed"),
    ],
)
def test_roll_lines_are_checked(world, sd, category, reason, code) -> None:
    meeting = meeting_on(world.cell, D(2025, 3, 8))
    rows = [services.RollRow(world.plain_member.pk, category, reason)]
    with pytest.raises(ValidationError) as error:
        services.attendance_save(actor=None, meeting=meeting, rows=rows)
    assert error.value.code == code
    assert not Attendance.objects.filter(meeting=meeting).exists()


def test_a_roll_is_refused_whole(world, sd) -> None:
    meeting = meeting_on(world.cell, D(2025, 3, 8))
    rows = [
        services.RollRow(world.secretary_member.pk, P),
        services.RollRow(world.other_member.pk, P),  # another commune's cell
    ]
    with pytest.raises(ValidationError) as error:
        services.attendance_save(actor=None, meeting=meeting, rows=rows)
    assert error.value.code == "not_eligible"
    assert not Attendance.objects.filter(meeting=meeting).exists()
    twice = [services.RollRow(world.secretary_member.pk, P)] * 2
    with pytest.raises(ValidationError) as error:
        services.attendance_save(actor=None, meeting=meeting, rows=twice)
    assert error.value.code == "duplicate"


def test_no_roll_before_the_meeting(world, sd) -> None:
    with time_machine.travel(dt.datetime(2025, 3, 7, 10, tzinfo=dt.UTC), tick=False):
        meeting = meeting_on(world.cell, D(2025, 3, 8))
        with pytest.raises(ValidationError) as error:
            roll(meeting, {world.secretary_member: P})
    assert error.value.code == "future"


def test_who_joined_after_the_meeting_is_not_on_its_roll(world, sd) -> None:
    newcomer = make_member(world.cell, "Lường Văn Mới", admitted=D(2025, 6, 1))
    before = meeting_on(world.cell, D(2025, 5, 10))
    after = meeting_on(world.cell, D(2025, 6, 10))
    assert newcomer.pk not in {e.member.pk for e in selectors.roll_for(before)}
    assert newcomer.pk in {e.member.pk for e in selectors.roll_for(after)}
    with pytest.raises(ValidationError) as error:
        roll(before, {newcomer: P})
    assert error.value.code == "not_eligible"


def test_who_left_keeps_past_attendance(world, sd) -> None:
    leaver = make_member(world.cell, "Quàng Văn Đi")
    past = meeting_on(world.cell, D(2025, 3, 8))
    roll(past, {leaver: P, world.secretary_member: P, world.plain_member: P})
    member_event_add(
        actor=None,
        member=leaver,
        data=EventData(
            kind=EventKind.TRANSFER_OUT, date=D(2025, 4, 1), other_cell=world.other_cell
        ),
    )
    member_event_add(
        actor=None,
        member=leaver,
        data=EventData(
            kind=EventKind.TRANSFER_IN, date=D(2025, 4, 15), other_cell=world.other_cell
        ),
    )
    leaver.refresh_from_db()
    assert leaver.cell_id == world.other_cell.pk
    past_roll = {e.member.pk: e for e in selectors.roll_for(past)}
    assert past_roll[leaver.pk].category == P
    assert selectors.attendance_counts(past).present == 3
    later = meeting_on(world.cell, D(2025, 5, 8))
    assert leaver.pk not in {e.member.pk for e in selectors.roll_for(later)}
    new_cell = meeting_on(world.other_cell, D(2025, 5, 8))
    assert leaver.pk in {e.member.pk for e in selectors.roll_for(new_cell)}
    record = selectors.member_attendance_year(leaver, 2025)
    assert record.required == 0  # the March meeting was not held (no opening time)


def test_exempt_away_and_temporary_members(world, sd) -> None:
    exempt = make_member(world.cell, "Lò Văn Miễn")
    member_event_add(
        actor=None,
        member=exempt,
        data=EventData(kind=EventKind.EXEMPTION, date=D(2025, 1, 5), reason="Tuổi cao"),
    )
    away = make_member(world.cell, "Lò Văn Vắng")
    member_event_add(
        actor=None,
        member=away,
        data=EventData(
            kind=EventKind.TRANSFER_OUT, date=D(2025, 1, 5), other_cell=world.cell2, temporary=True
        ),
    )
    meeting = meeting_on(world.cell, D(2025, 3, 8))
    entries = {e.member.pk: e for e in selectors.roll_for(meeting)}
    assert entries[exempt.pk].expected == "exempt"
    assert entries[away.pk].expected == "away"
    in_cell2 = {e.member.pk: e for e in selectors.roll_for(meeting_on(world.cell2, D(2025, 3, 8)))}
    assert in_cell2[away.pk].temporary
    assert in_cell2[away.pk].required
    with pytest.raises(ValidationError):
        roll(meeting, {exempt: UNEXC})
    roll(meeting, {exempt: "exempt", away: P, world.secretary_member: P, world.plain_member: UNEXC})
    counts = selectors.attendance_counts(meeting)
    assert (counts.on_roll, counts.exempt, counts.away) == (4, 1, 1)
    # The away member came all the same: counted among those who took part.
    assert (counts.required, counts.attended, counts.absent_unexcused) == (3, 2, 1)


def test_committee_meeting_roll_is_the_committee(world, sd) -> None:
    post_assign(
        actor=None,
        unit=world.cell,
        member=world.plain_member,
        kind=PostKind.COMMITTEE_MEMBER,
        start_date=D(2025, 6, 1),
    )
    meeting = meeting_on(world.cell, D(2025, 3, 8), MeetingKind.COMMITTEE)
    assert [e.member.pk for e in selectors.roll_for(meeting)] == [world.secretary_member.pk]
    later = meeting_on(world.cell, D(2025, 7, 8), MeetingKind.COMMITTEE)
    assert len(selectors.roll_for(later)) == 2


def test_answers_to_the_notice(world, sd) -> None:
    meeting = meeting_on(world.cell, D(2025, 3, 8))
    with pytest.raises(ValidationError) as error:
        services.answer_notice(
            actor=None, meeting=meeting, member=world.plain_member, will_come=False
        )
    assert error.value.code == "reason_required"
    services.answer_notice(
        actor=None, meeting=meeting, member=world.plain_member, will_come=False, reason="Đi rừng"
    )
    services.answer_notice(
        actor=None, meeting=meeting, member=world.secretary_member, will_come=True
    )
    with pytest.raises(ValidationError) as error:
        services.answer_notice(
            actor=None, meeting=meeting, member=world.other_member, will_come=True
        )
    assert error.value.code == "not_eligible"
    entries = {e.member.pk: e for e in selectors.roll_for(meeting)}
    answer = entries[world.plain_member.pk].attendance
    assert answer is not None
    assert (answer.advance_answer, answer.advance_reason) == (AdvanceAnswer.ABSENT, "Đi rừng")
    assert entries[world.plain_member.pk].category == ""  # not recorded until the roll call
    # The roll keeps the answer given beforehand.
    roll(meeting, {world.plain_member: EXC, world.secretary_member: P}, reason="Đi rừng")
    row = Attendance.objects.get(meeting=meeting, member=world.plain_member)
    assert (row.category, row.advance_answer) == (EXC, AdvanceAnswer.ABSENT)


@pytest.mark.parametrize("size", [20, 200])
def test_roll_for_answers_in_a_constant_number_of_queries(
    world, sd, django_assert_num_queries, size
) -> None:
    members = bulk_members(world.cell, size)
    meeting = meeting_on(world.cell, D(2025, 3, 8))
    roll(meeting, dict.fromkeys(members[::2], P))
    # The member rows and the recorded lines; nobody changed since, so no events are read.
    with django_assert_num_queries(2):
        entries = selectors.roll_for(meeting)
        names = [(e.member.full_name, e.category) for e in entries]
    assert len(names) == size + 2
    with django_assert_num_queries(2):
        counts = selectors.attendance_counts(meeting)
    assert counts.present == size // 2


def test_a_200_member_roll_is_saved_with_bulk_writes(
    world, sd, django_assert_max_num_queries
) -> None:
    members = bulk_members(world.cell, 200)
    meeting = meeting_on(world.cell, D(2025, 3, 8))
    # The meeting row locked, the roll (3), the upsert (SQLite splits it in batches of its
    # parameter limit: 2), the audit entry, the rows read back, and the savepoint pair; then
    # the reports' rollup of the cell's months (chibo.reports.rollup, 10–12 queries for any roll).
    with django_assert_max_num_queries(20):
        roll(meeting, dict.fromkeys(members, P))
    assert Attendance.objects.filter(meeting=meeting, category=P).count() == 200
