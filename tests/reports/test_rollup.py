"""The rollup the services write equals the rollup computed again from the raw rows.

Random sequences of service calls (meetings held, rolls called, minutes locked, action items
created and reviewed, members' histories with transfers, exemptions, suspensions and voids)
run with the clock stopped; after them, every ``CellMonth`` row must equal what
``rollup.compute`` gives from the raw tables, and ``rebuild`` must write the same rows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from dataclasses import replace
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chibo.actions import services as actions
from chibo.actions.models import ActionItem, ReviewOutcome
from chibo.meetings import services
from chibo.meetings.minutes import ResolutionData, meeting_lock, resolution_save
from chibo.meetings.models import Meeting, MeetingKind, MeetingStatus
from chibo.meetings.selectors import HELD_STATUSES, roll_standings
from chibo.members.models import Member
from chibo.reports import behind, rollup
from chibo.reports.indicators import Period, breakdown
from chibo.reports.models import COUNT_FIELDS, CellMonth
from tests.meetings.factories import aware, bulk_members, hold, meeting_on
from tests.meetings.test_roll_state import HISTORY, build_history

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2026, 11, 23)
CATEGORIES = ("present", "present", "present", "late", "absent_excused", "absent_unexcused")
MONTHS = rollup.months(D(2025, 1, 1), D(2026, 11, 1))

MEETING = st.tuples(
    st.just("meeting"),
    st.integers(0, 2),  # cell
    st.sampled_from([*MONTHS, *[D(2026, 11, 1)] * 4]),  # often the current month
    st.integers(1, 28),  # day of the month
    st.sampled_from([MeetingKind.REGULAR, MeetingKind.THEMATIC, MeetingKind.COMMITTEE]),
    st.integers(0, 2**16),  # the roll's categories, chair, minute-taker
    st.booleans(),  # lock the minutes
)
ITEM = st.tuples(
    st.just("item"),
    st.integers(0, 50),  # which held meeting (modulo)
    st.integers(-40, 120),  # due: days after the meeting
    st.sampled_from([None, *ReviewOutcome.values]),  # reviewed at a later meeting, or not
)
MEMBER = st.tuples(st.just("member"), HISTORY)
STEPS = st.lists(st.one_of(MEETING, ITEM, MEMBER), min_size=1, max_size=8)


def rows_in_table() -> dict[tuple[int, dt.date], dict[str, Any]]:
    return {
        (row["cell_id"], row["month"]): {k: row[k] for k in ("path", *COUNT_FIELDS)}
        for row in CellMonth._base_manager.values("cell_id", "month", "path", *COUNT_FIELDS)
    }


def differences(written, expected) -> list[tuple[Any, ...]]:
    """``(cell, month, field, written, expected)`` wherever the two disagree."""
    found: list[tuple[Any, ...]] = []
    for key in sorted(set(written) | set(expected)):
        a, b = written.get(key), expected.get(key)
        if a is None or b is None:
            found.append((*key, "row", a is not None, b is not None))
            continue
        found += [(*key, f, a[f], b[f]) for f in a if a[f] != b[f]]
    return found


def recomputed() -> dict[tuple[int, dt.date], dict[str, Any]]:
    return rollup.compute(rollup.all_cell_ids(), MONTHS[0], MONTHS[-1], today=TODAY)


def plan(cells) -> None:
    """Every cell meets on the 5th; the regular meetings of 2025 and 2026 are planned."""
    for cell in cells:
        services.meeting_day_set(actor=None, cell=cell, rule="day", day=5)
        for year in (2025, 2026):
            services.plan_year(actor=None, cell=cell, year=year)


def _meeting(cells, step) -> None:
    """Hold a meeting of the month (the planned regular one, or a new thematic or committee
    meeting), call the roll, maybe lock the minutes. The clock stays on TODAY (a service never
    runs in the past), so the minutes of the last week are locked on time and older ones late."""
    _kind, cell_index, month, day, kind, seed, lock = step
    pick = random.Random(seed)
    cell = cells[cell_index]
    planned = month.replace(day=day)
    if planned > TODAY:
        return
    if kind == MeetingKind.REGULAR:
        meeting = Meeting._base_manager.get(cell=cell, kind=kind, month=month)
        if meeting.status != MeetingStatus.PLANNED:
            return
        Meeting._base_manager.filter(pk=meeting.pk).update(planned_date=planned)
    else:
        meeting = meeting_on(cell, planned, kind=kind, topic="Chuyên đề")
    roll = roll_standings(cell.pk, planned, kind)
    people = Member._base_manager.in_bulk([s.member_id for s in roll])
    chair = people[roll[0].member_id] if roll else None
    meeting = hold(
        meeting,
        minutes=pick.choice([60, 95, 125]),
        chair=chair,
        minute_taker=chair,
        draft_resolution=pick.choice(["", "Dự thảo"]),
        committee_met_before=pick.random() < 0.5,
    )
    rows = []
    for standing in roll:
        category = standing.expected or pick.choice(CATEGORIES)
        if pick.random() < 0.1:
            continue  # not recorded
        reason = "Ốm" if category == "absent_excused" else ""
        rows.append(services.RollRow(standing.member_id, category, reason))
    services.attendance_save(actor=None, meeting=meeting, rows=rows)
    if lock:
        try:
            if kind != MeetingKind.COMMITTEE:
                resolution_save(actor=None, meeting=meeting, data=ResolutionData("Nghị quyết"))
            meeting_lock(actor=None, meeting=Meeting._base_manager.get(pk=meeting.pk))
        except ValidationError:
            pass  # incomplete minutes: left open


def _item(step) -> None:
    _kind, which, due_after, outcome = step
    held = list(
        Meeting._base_manager.filter(status__in=HELD_STATUSES)
        .exclude(kind=MeetingKind.COMMITTEE)
        .order_by("planned_date", "id")
    )
    if not held:
        return
    meeting = held[which % len(held)]
    owners = [s.member_id for s in roll_standings(meeting.cell_id, TODAY) if not s.expected][:2]
    if not owners:
        return
    try:
        if not hasattr(meeting, "resolution"):
            resolution_save(actor=None, meeting=meeting, data=ResolutionData("Nghị quyết"))
        item = actions.action_item_from_resolution(
            actor=None,
            meeting=Meeting._base_manager.get(pk=meeting.pk),
            data=actions.ItemData(
                title="Làm đường",
                due_date=meeting.planned_date + dt.timedelta(days=due_after),
                owners=tuple(Member._base_manager.filter(pk__in=owners)),
            ),
        )
    except ValidationError:
        return
    later = [m for m in held if m.cell_id == item.cell_id and m.planned_date > meeting.planned_date]
    if outcome is None or not later:
        return
    note = "" if outcome in ("done", "in_progress") else "Chưa làm được"
    with contextlib.suppress(ValidationError):
        actions.action_review_add(
            actor=None,
            item=ActionItem._base_manager.get(pk=item.pk),
            meeting=later[0],
            outcome=outcome,
            note=note,
        )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS)
def test_the_services_rollup_equals_a_recomputation(world, sd, steps) -> None:
    cells = (world.cell, world.cell2, world.other_cell)
    with time_machine.travel(aware(TODAY, 22), tick=False), transaction.atomic():
        plan(cells)
        rollup.rebuild()
        for step in steps:
            if step[0] == "meeting":
                _meeting(cells, step)
            elif step[0] == "item":
                _item(step)
            else:
                build_history(cells, step[1])
        written = rows_in_table()
        diff_ = differences(written, recomputed())
        assert diff_ == []
        assert rollup.rebuild() == len(written)
        assert rows_in_table() == written
        # The members behind each follow-up number add up to it.
        for period in (Period.year(2026), Period.month(D(2026, 11, 1)), Period.quarter(2025, 2)):
            figures = breakdown(world.province, period, today=TODAY).total
            for key in behind.KEYS:
                found = behind.members_behind(world.province, period, key, today=TODAY)
                assert sum(b.count for b in found) == getattr(figures, key), (period, key)
        transaction.set_rollback(True)


def test_a_scripted_month_is_counted(world, sd) -> None:
    """Known inputs, known counts: the rules of ``rollup`` on one cell and one month."""
    cell = world.cell
    members = bulk_members(cell, 8)
    with time_machine.travel(aware(D(2026, 3, 20), 22), tick=False):
        plan([cell])
        regular = Meeting._base_manager.get(
            cell=cell, kind=MeetingKind.REGULAR, month=D(2026, 3, 1)
        )
        assert regular.fixed_date == D(2026, 3, 5)
        hold(regular, minutes=125)
        roll = roll_standings(cell.pk, D(2026, 3, 5))
        categories = {s.member_id: "present" for s in roll}
        first, second = members[0].pk, members[1].pk
        categories[first], categories[second] = "absent_unexcused", "absent_excused"
        services.attendance_save(
            actor=None,
            meeting=regular,
            rows=[
                services.RollRow(pk, c, "Ốm" if c == "absent_excused" else "")
                for pk, c in categories.items()
            ],
        )
        thematic = meeting_on(
            cell, D(2026, 3, 20), kind=MeetingKind.THEMATIC, topic="Chuyển đổi số"
        )
        hold(thematic)
        actions.action_item_from_resolution(
            actor=None,
            meeting=Meeting._base_manager.get(pk=regular.pk),
            data=actions.ItemData(title="Làm đường", due_date=D(2026, 3, 25), owners=(members[2],)),
        )
    row = CellMonth._base_manager.get(cell=cell, month=D(2026, 3, 1))
    assert (row.items_due, row.items_done, row.items_overdue) == (1, 0, 0)  # due on the 25th
    with time_machine.travel(aware(D(2026, 4, 2), 1), tick=False):
        assert rollup.refresh_current() == 2 * 3  # the nightly job: March and April, 3 cells
    row = CellMonth._base_manager.get(cell=cell, month=D(2026, 3, 1))
    assert (row.regular_held, row.regular_on_fixed_day, row.thematic_held) == (1, 1, 1)
    assert row.meetings_held == 2
    assert row.attendance_required == len(roll)
    assert row.attendance_attended == len(roll) - 2
    assert (row.absent_excused, row.absent_unexcused) == (1, 1)
    assert row.meetings_quality == 0  # someone absent without reason; no agenda either
    assert (row.items_due, row.items_done, row.items_overdue) == (1, 0, 1)
    assert row.members_official == len(roll)
    assert row.minutes_locked == 0
    assert Meeting._base_manager.get(pk=regular.pk).status == MeetingStatus.HELD


def _due(cell, month) -> int:
    return CellMonth._base_manager.get(cell=cell, month=month).regular_due


def test_the_current_months_meeting_falls_due_after_its_fixed_day(world, sd) -> None:
    """A cell is not behind before its day: the current month's regular meeting counts as due
    once held, or from the day after its fixed date; every past month is due, held or not."""
    cell, early, idle = world.cell, world.cell2, world.other_cell
    for one in (cell, early):
        services.meeting_day_set(actor=None, cell=one, rule="day", day=10)
        services.plan_year(actor=None, cell=one, year=2026)
    nov, oct_ = D(2026, 11, 1), D(2026, 10, 1)
    with time_machine.travel(aware(D(2026, 11, 9), 22), tick=False):
        meeting = Meeting._base_manager.get(cell=early, kind=MeetingKind.REGULAR, month=nov)
        Meeting._base_manager.filter(pk=meeting.pk).update(planned_date=D(2026, 11, 9))
        hold(Meeting._base_manager.get(pk=meeting.pk))  # held a day early
        rollup.refresh_current()
        assert (_due(cell, nov), _due(early, nov), _due(idle, nov)) == (0, 1, 0)
        assert (_due(cell, oct_), _due(early, oct_), _due(idle, oct_)) == (1, 1, 1)
    with time_machine.travel(aware(D(2026, 11, 10), 20), tick=False):
        rollup.refresh_current()
        assert _due(cell, nov) == 0  # the fixed day itself: it may still be held tonight
    with time_machine.travel(aware(D(2026, 11, 11), 1), tick=False):
        rollup.refresh_current()
        # The day after: due (and missing); a cell without a fixed day only with the month's end.
        assert (_due(cell, nov), _due(early, nov), _due(idle, nov)) == (1, 1, 0)
        # The planned meeting's own fixed date wins over the rule (the rule changed since).
        services.meeting_day_set(actor=None, cell=cell, rule="day", day=20)
        rollup.refresh_current()
        assert _due(cell, nov) == 1
    with time_machine.travel(aware(D(2026, 12, 1), 1), tick=False):
        rollup.refresh_current()
        assert (_due(cell, nov), _due(idle, nov)) == (1, 1)


def test_a_first_week_cell_is_due_after_the_first_working_day(world, sd) -> None:
    cell = world.cell
    services.meeting_day_set(actor=None, cell=cell, rule="first_week")
    # 1 November 2026 is a Sunday: the first working day is Monday the 2nd; no meeting planned.
    with time_machine.travel(aware(D(2026, 11, 2), 20), tick=False):
        rollup.refresh_current()
        assert _due(cell, D(2026, 11, 1)) == 0
    with time_machine.travel(aware(D(2026, 11, 3), 1), tick=False):
        rollup.refresh_current()
        assert _due(cell, D(2026, 11, 1)) == 1


def test_refreshing_one_cell_takes_the_same_queries_for_small_and_large_data(world, sd) -> None:
    counts = []
    for size in (3, 40):
        bulk_members(world.cell2, size)
        meeting = meeting_on(
            world.cell2, D(2026, 2, 10 + size % 7), kind=MeetingKind.THEMATIC, topic="Chuyên đề"
        )
        with time_machine.travel(aware(TODAY, 22), tick=False):
            hold(meeting)
            with CaptureQueriesContext(connection) as queries:
                rollup.refresh([world.cell2.pk], D(2025, 1, 1))
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_command_rebuilds_and_refreshes(world, sd) -> None:
    from io import StringIO

    from django.core.management import call_command

    with time_machine.travel(aware(TODAY, 22), tick=False):
        out = StringIO()
        call_command("reports_rollup", "--rebuild", stdout=out)
        cells = len(rollup.all_cell_ids())
        assert CellMonth._base_manager.count() == cells * len(MONTHS)
        assert f"{cells}/{cells}" in out.getvalue()
        CellMonth._base_manager.filter(month=D(2026, 11, 1)).delete()
        call_command("reports_rollup", stdout=StringIO())  # the nightly job
        assert CellMonth._base_manager.filter(month=D(2026, 11, 1)).count() == cells


@pytest.mark.parametrize("value", ["9999-12", "0001-01", "2026-13", "2026", "abc", ""])
def test_a_period_outside_the_calendar_is_a_message_not_a_crash(value) -> None:
    from chibo.reports.indicators import Period, PeriodError

    with pytest.raises(PeriodError):
        Period.parse(value, "2026-03")


def _counting_compute(monkeypatch) -> list[tuple[tuple[int, ...], dt.date]]:
    """Record each ``rollup.compute`` call: its cells and first month."""
    calls: list[tuple[tuple[int, ...], dt.date]] = []
    real = rollup.compute

    def counted(cell_ids, first, last, *, today):
        calls.append((tuple(cell_ids), first))
        return real(cell_ids, first, last, today=today)

    monkeypatch.setattr(rollup, "compute", counted)
    return calls


def test_the_roll_screen_computes_the_rollup_once_and_right(world, sd, monkeypatch) -> None:
    """The header and the roll both change the cell: one refresh after both (deferred), and
    the rows it writes are those a recomputation from the raw rows gives."""
    cell = world.cell
    bulk_members(cell, 5)
    with time_machine.travel(aware(D(2026, 11, 20), 22), tick=False):
        plan([cell])
        meeting = Meeting._base_manager.get(
            cell=cell, kind=MeetingKind.REGULAR, month=D(2026, 11, 1)
        )
        roll = roll_standings(cell.pk, meeting.planned_date)
        people = Member._base_manager.in_bulk([s.member_id for s in roll])
        data = replace(
            services.MeetingData.of(meeting),
            held_start=aware(meeting.planned_date, 19),
            held_end=aware(meeting.planned_date, 21),
            chair=people[roll[0].member_id],
            minute_taker=people[roll[1].member_id],
        )
        rows = [services.RollRow(s.member_id, s.expected or "present") for s in roll]
        rollup.rebuild(today=D(2026, 11, 20))  # the members were bulk-made, not by services
        calls = _counting_compute(monkeypatch)
        services.roll_call_save(
            actor=None, meeting=meeting, data=data, version=meeting.version, rows=rows
        )
        assert calls == [((cell.pk,), D(2026, 11, 1))]
        expected = rollup.compute(
            rollup.all_cell_ids(), MONTHS[0], D(2026, 11, 1), today=D(2026, 11, 20)
        )
    assert differences(rows_in_table(), expected) == []
    row = CellMonth._base_manager.get(cell=cell, month=D(2026, 11, 1))
    assert (row.regular_held, row.attendance_required) == (1, len(roll))


def test_deferred_refreshes_each_cell_once_from_its_earliest_month(world, sd, monkeypatch) -> None:
    calls = _counting_compute(monkeypatch)
    a, b = world.cell, world.other_cell
    with time_machine.travel(aware(TODAY, 12), tick=False):
        with rollup.deferred():
            assert rollup.refresh([a.pk], D(2026, 3, 14)) == 0  # noted, not computed
            with rollup.deferred():  # nested: the outer one's notes
                rollup.refresh([a.pk, b.pk], D(2026, 1, 2))
            rollup.refresh([b.pk], D(2026, 6, 1))
            assert calls == []
        assert sorted(calls) == [((a.pk, b.pk), D(2026, 1, 1))]
        calls.clear()
        with contextlib.suppress(RuntimeError), rollup.deferred():
            rollup.refresh([a.pk], D(2026, 3, 1))
            raise RuntimeError  # the caller's transaction rolls back: nothing is computed
        assert calls == []
        rollup.refresh([a.pk], D(2026, 10, 1))  # outside: computed at once
        assert calls == [((a.pk,), D(2026, 10, 1))]
