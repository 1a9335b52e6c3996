"""The roll read from the stored member rows (``Member.state_since``) against an oracle that
derives every member from all their events; and saving a whole roll in a constant number of
queries.

The oracle is the slow algorithm with an even wider net than the old one: it derives *every*
member of the database (not only the likely candidates) from their non-voided events on the
day, and keeps those whose standing puts them on the cell's roll. So a member the fast roll
forgets, reads from a stale row, or derives wrongly makes the two differ.

The histories are written through the real services (``member_event_add``,
``member_event_void``), so the stored columns and ``state_since`` are what production writes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chibo.core.models import AuditEntry
from chibo.core.scoping import scopes_disabled
from chibo.meetings import selectors, services
from chibo.meetings.models import Attendance, MeetingKind
from chibo.meetings.selectors import Standing, roll_standing
from chibo.members.lifecycle import EventData, derive, member_event_add, member_event_void
from chibo.members.models import EventKind, Member, MemberEvent
from chibo.orgunits.models import OrgUnit, Post, PostKind, UnitKind
from tests.factories import make_member, make_unit
from tests.meetings.factories import EXC, LATE, UNEXC, P, meeting_on

pytestmark = pytest.mark.django_db
D = dt.date
K = EventKind
ONE_DAY = dt.timedelta(days=1)
# Events cannot be in the future; the real today is 2026-11-24 (and only moves on).
LAST_EVENT_DAY = D(2026, 11, 20)
SINCE = D(2018, 1, 1)  # the histories begin in 2019 (the world's members in 2005)
KINDS = (MeetingKind.REGULAR, MeetingKind.COMMITTEE)
COMMITTEE_POSTS = (PostKind.SECRETARY, PostKind.DEPUTY_SECRETARY, PostKind.COMMITTEE_MEMBER)
VOID = "void"
# Two "Lò Văn An": the same sort key, so the order falls back on the id.
NAMES = ("Lò Văn An", "Lò Văn An", "Tòng Thị Ánh", "Quàng Văn Đi", "Cầm Thị Hoa", "Lường Văn Bình")


# --- Random histories, through the services -------------------------------------------------
END = "end"  # an end of membership: ENDINGS[the step's last number]
ENDINGS = (K.REMOVAL, K.DEATH, K.RESIGNATION, K.EXPULSION)
STEP = st.tuples(
    # Transfers, exemptions and suspensions often; an end of membership now and then (nothing
    # follows it but a new admission).
    st.sampled_from(
        [
            K.CEREMONY,
            K.RECOGNITION,
            K.TRANSFER_OUT,
            K.TRANSFER_OUT,
            K.TRANSFER_OUT,
            K.TRANSFER_IN,
            K.TRANSFER_IN,
            K.TRANSFER_IN,
            K.EXEMPTION,
            K.EXEMPTION,
            K.SUSPENSION,
            K.SUSPENSION,
            K.ADMISSION,
            VOID,
            VOID,
            END,
        ]
    ),
    st.integers(0, 300),  # days after the previous step (0: the same day)
    st.integers(0, 2),  # the cell a transfer goes to (index in the cells)
    st.booleans(),  # temporary (transfers)
    st.none() | st.integers(0, 400),  # exemption / suspension: days to the end, or no end
    st.integers(0, 3),  # void: which live event, counted from the latest; end: which end
)
POST = st.tuples(
    st.integers(0, 2),  # cell
    st.dates(D(2019, 1, 1), D(2026, 6, 30)),  # start
    st.none() | st.integers(0, 900),  # days to the end, or no end
)
HISTORY = st.tuples(
    st.sampled_from(NAMES),
    st.integers(0, 2),  # home cell
    st.sampled_from(["none", "probationary", "official"]),  # how the history starts
    st.dates(D(2019, 1, 1), D(2023, 6, 30)),  # admission
    st.lists(STEP, min_size=1, max_size=10),
    st.none() | POST,  # a committee post, held or not on the roll's day
)


def add_event(member: Member, kind: str, day: dt.date, **extra: Any) -> MemberEvent:
    with scopes_disabled():
        return member_event_add(actor=None, member=member, data=EventData(kind, day, **extra))


def void_event(event: MemberEvent, reason: str = "Nhầm") -> MemberEvent:
    with scopes_disabled():
        return member_event_void(actor=None, event=event, reason=reason)


def live_events(member: Member) -> list[MemberEvent]:
    events = MemberEvent._base_manager.filter(member=member, voided_at__isnull=True)
    return list(events.order_by("date", "id"))


def build_history(cells: Sequence[OrgUnit], spec: tuple[Any, ...]) -> tuple[Member, list[str]]:
    """A member with the history ``spec`` (a draw of ``HISTORY``); each step goes through the
    services and is dropped when they refuse it. Returns the member and what was applied."""
    name, home, start, admitted, steps, post = spec
    member = make_member(cells[home], name, official=start == "official", admitted=admitted)
    applied: list[str] = []
    day = admitted
    if start == "probationary":
        add_event(member, K.ADMISSION, admitted)
    elif start == "official":
        day = admitted + dt.timedelta(days=400)
    for kind, gap, target, temporary, until, back in steps:
        day += dt.timedelta(days=gap)
        if day > LAST_EVENT_DAY:
            break
        try:
            if kind == VOID:
                live = live_events(member)
                if live:
                    void_event(live[-1 - back % len(live)])
                    applied.append(VOID)
                continue
            if kind == END:
                kind = ENDINGS[back]
            extra: dict[str, Any] = {"reason": "Lý do", "higher_approval": "Huyện ủy"}
            if kind == K.TRANSFER_OUT:
                extra.update(other_cell=cells[target], temporary=temporary)
            elif kind == K.TRANSFER_IN:
                extra.update(temporary=temporary)
            elif kind in {K.EXEMPTION, K.SUSPENSION} and until is not None:
                extra.update(until=day + dt.timedelta(days=until))
            add_event(member, kind, day, **extra)
            temporary = temporary and kind in {K.TRANSFER_OUT, K.TRANSFER_IN}
            applied.append(f"{kind}{'-temporary' if temporary else ''}")
        except ValidationError:
            continue
    if post is not None:
        cell, start_date, length = post
        Post._base_manager.create(
            unit=cells[cell],
            member=member,
            kind=PostKind.COMMITTEE_MEMBER,
            start_date=start_date,
            end_date=None if length is None else start_date + dt.timedelta(days=length),
        )
    return member, applied


# --- The oracle -------------------------------------------------------------------------------
class Oracle:
    """Every member of the database derived from all their non-voided events (the roll before
    ``state_since``, with every member as a candidate)."""

    def __init__(self) -> None:
        self.members = list(Member._base_manager.order_by("sort_key", "id"))
        self.events: dict[int, list[MemberEvent]] = defaultdict(list)
        for event in MemberEvent._base_manager.filter(voided_at__isnull=True):
            self.events[event.member_id].append(event)
        self.posts = list(Post._base_manager.filter(kind__in=COMMITTEE_POSTS))

    def committee(self, cell_id: int, day: dt.date) -> set[int]:
        return {
            p.member_id
            for p in self.posts
            if p.unit_id == cell_id
            and p.start_date <= day
            and (p.end_date is None or p.end_date >= day)
        }

    def roll(self, cell_id: int, day: dt.date, kind: str) -> list[Standing]:
        committee = self.committee(cell_id, day) if kind == MeetingKind.COMMITTEE else None
        roll = []
        for member in self.members:
            if committee is not None and member.pk not in committee:
                continue
            state = derive(self.events[member.pk], today=day)
            standing = roll_standing(state, cell_id, day)
            if standing is not None:
                roll.append(Standing(member.pk, member.full_name, str(state.status), *standing))
        return roll


def boundary_days() -> set[dt.date]:
    """Every day since ``SINCE`` on which, or just before which, some member's state changes
    (events, voided ones too, the ends of exemptions and suspensions, posts)."""
    days: set[dt.date] = set()
    for date, until in MemberEvent._base_manager.values_list("date", "until"):
        days |= {date - ONE_DAY, date}
        if until is not None:
            days |= {until, until + ONE_DAY}
    for start, end in Post._base_manager.values_list("start_date", "end_date"):
        days |= {start - ONE_DAY, start}
        if end is not None:
            days |= {end, end + ONE_DAY}
    return {day for day in days if day >= SINCE}


def key_days() -> set[dt.date]:
    """Per member, the days around which the fast roll switches between the stored row and
    the events: the day of the latest live event and the day before, and the ends of live
    exemptions and suspensions and the day after."""
    days: set[dt.date] = set()
    latest: dict[int, dt.date] = {}
    live = MemberEvent._base_manager.filter(voided_at__isnull=True, date__gte=SINCE)
    for member_id, date, until in live.values_list("member_id", "date", "until"):
        latest[member_id] = max(date, latest.get(member_id, date))
        if until is not None:
            days |= {until, until + ONE_DAY}
    for date in latest.values():
        days |= {date - ONE_DAY, date}
    return days


def check_rolls(
    cells: Iterable[OrgUnit],
    days: Iterable[dt.date],
    *,
    committee: Iterable[dt.date] = (),
    with_records: Iterable[dt.date] = (),
) -> int:
    """Compare the fast roll with the oracle: the regular roll on ``days``, the committee's on
    ``committee``, for every cell; and ``eligible_members`` (the ORM's instances, which cost
    more) on ``with_records``. Returns how many rolls were compared."""
    oracle = Oracle()
    compared = 0
    checks = [(day, MeetingKind.REGULAR) for day in set(days)]
    checks += [(day, MeetingKind.COMMITTEE) for day in set(committee)]
    for day, kind in sorted(checks):
        for cell in cells:
            expected = oracle.roll(cell.pk, day, kind)
            got = selectors.roll_standings(cell.pk, day, kind)
            assert got == expected, (cell.name, day, kind)
            compared += 1
    for day in sorted(set(with_records)):
        for cell in cells:
            entries = selectors.eligible_members(cell.pk, day, MeetingKind.REGULAR)
            assert [
                (e.member.pk, e.member.full_name, e.status, e.expected, e.temporary)
                for e in entries
            ] == [tuple(s) for s in oracle.roll(cell.pk, day, MeetingKind.REGULAR)], (cell, day)
            compared += 1
    return compared


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    histories=st.lists(HISTORY, min_size=1, max_size=5),
    days=st.lists(st.dates(D(2018, 6, 1), D(2027, 12, 31)), max_size=3),
    pick=st.randoms(use_true_random=False),
)
def test_the_roll_is_what_all_the_events_say(world, sd, histories, days, pick) -> None:
    cells = (world.cell, world.cell2, world.other_cell)
    # One savepoint per example: the world is shared, each history is rolled back.
    with transaction.atomic():
        for spec in histories:
            build_history(cells, spec)
        # Each roll costs a few milliseconds of ORM work: a sample of the days where a state
        # changes, most of them where the roll stops reading a member's row.
        key = sorted(key_days())
        others = sorted(boundary_days() - set(key))
        sample = [*pick.sample(key, min(12, len(key))), *pick.sample(others, min(6, len(others)))]
        assert check_rolls(
            cells,
            [*days, *sample],
            committee=[*days, *sample[::2]],
            with_records=[*days, *sample[:2]],
        )
        transaction.set_rollback(True)


def test_a_scripted_history_with_every_kind_of_event(world, sd) -> None:
    """Every kind of change, each at a known date, so the comparison does not depend on what
    the random draws happen to reach."""
    a, b, c = world.cell, world.cell2, world.other_cell
    mover = make_member(a, "Quàng Văn Đi", admitted=D(2019, 2, 1))
    add_event(mover, K.TRANSFER_OUT, D(2021, 3, 1), other_cell=b)
    add_event(mover, K.TRANSFER_IN, D(2021, 3, 20))  # now in B
    add_event(mover, K.TRANSFER_OUT, D(2023, 5, 1), other_cell=c)  # sent on, never received
    visitor = make_member(a, "Cầm Thị Hoa", admitted=D(2019, 2, 1))
    add_event(visitor, K.TRANSFER_OUT, D(2021, 1, 10), other_cell=b, temporary=True)
    add_event(visitor, K.TRANSFER_IN, D(2021, 9, 10), temporary=True)
    add_event(visitor, K.TRANSFER_OUT, D(2022, 1, 10), other_cell=c, temporary=True)  # still away
    resting = make_member(b, "Lường Văn Bình", admitted=D(2019, 2, 1))
    add_event(resting, K.EXEMPTION, D(2021, 4, 1), reason="Tuổi cao", until=D(2021, 12, 31))
    add_event(resting, K.EXEMPTION, D(2022, 4, 1), reason="Ốm dài ngày")  # no end
    suspended = make_member(a, "Lò Văn An", admitted=D(2019, 2, 1))
    add_event(suspended, K.SUSPENSION, D(2021, 6, 1), until=D(2021, 8, 31))
    add_event(suspended, K.SUSPENSION, D(2024, 6, 1))  # no end
    suspended_now = make_member(b, "Lò Văn An", admitted=D(2019, 2, 1))
    add_event(suspended_now, K.SUSPENSION, D(2026, 10, 1), until=D(2027, 3, 31))
    gone = make_member(a, "Tòng Văn Mất", admitted=D(2019, 2, 1))
    add_event(gone, K.EXEMPTION, D(2022, 1, 1), reason="Ốm")
    add_event(gone, K.DEATH, D(2023, 2, 2))
    removed = make_member(b, "Mùa A Lử", admitted=D(2019, 2, 1))
    add_event(removed, K.TRANSFER_OUT, D(2020, 5, 5), other_cell=a, temporary=True)
    add_event(removed, K.REMOVAL, D(2022, 2, 2))  # ends the temporary stay in A too
    add_event(removed, K.ADMISSION, D(2025, 2, 2))  # admitted again, probationary in B
    voided = make_member(a, "Giàng A Sử", admitted=D(2019, 2, 1))
    wrong_out = add_event(voided, K.TRANSFER_OUT, D(2022, 7, 1), other_cell=b)
    wrong_in = add_event(voided, K.TRANSFER_IN, D(2022, 7, 2))
    void_event(wrong_in)
    void_event(wrong_out)
    wrong_suspension = add_event(voided, K.SUSPENSION, D(2023, 1, 1))
    void_event(wrong_suspension)
    add_event(voided, K.EXEMPTION, D(2024, 1, 1), reason="Đi làm ăn xa", until=D(2024, 3, 1))
    newcomer = make_member(b, "Vàng A Mới", official=False)
    add_event(newcomer, K.ADMISSION, D(2026, 9, 1))
    make_member(a, "Hờ A Chưa", official=False)  # a record with no event: on no roll
    Post._base_manager.create(
        unit=a, member=visitor, kind=PostKind.COMMITTEE_MEMBER, start_date=D(2020, 1, 1)
    )
    Post._base_manager.create(
        unit=b,
        member=mover,
        kind=PostKind.DEPUTY_SECRETARY,
        start_date=D(2021, 4, 1),
        end_date=D(2023, 4, 30),
    )

    def on(cell: OrgUnit, day: dt.date) -> dict[int, tuple[str, str, bool]]:
        return {
            s.member_id: (s.status, s.expected, s.temporary)
            for s in selectors.roll_standings(cell.pk, day)
        }

    # A few expectations spelled out, so the scenario is known to do what it says.
    assert on(a, D(2021, 2, 1))[mover.pk] == ("official", "", False)
    assert mover.pk not in on(a, D(2021, 3, 10)) | on(b, D(2021, 3, 10))
    assert on(b, D(2021, 3, 20))[mover.pk] == ("official", "", False)
    assert on(a, D(2021, 5, 1))[visitor.pk] == ("official", "away", False)
    assert on(b, D(2021, 5, 1))[visitor.pk] == ("official", "", True)
    assert on(c, D(2022, 1, 10))[visitor.pk] == ("official", "", True)
    assert on(b, D(2021, 12, 31))[resting.pk] == ("official", "exempt", False)
    assert on(b, D(2022, 1, 1))[resting.pk] == ("official", "", False)
    assert suspended.pk not in on(a, D(2021, 8, 31))
    assert on(a, D(2021, 9, 1))[suspended.pk] == ("official", "", False)
    assert suspended.pk not in on(a, D(2026, 11, 1))
    assert on(b, D(2026, 9, 30))[suspended_now.pk] == ("official", "", False)
    assert suspended_now.pk not in on(b, D(2026, 10, 1))
    assert on(b, D(2027, 4, 1))[suspended_now.pk] == ("official", "", False)
    assert gone.pk in on(a, D(2023, 2, 1))
    assert gone.pk not in on(a, D(2023, 2, 2))
    assert on(a, D(2021, 1, 1))[removed.pk] == ("official", "", True)
    assert removed.pk not in on(a, D(2022, 2, 2)) | on(b, D(2022, 2, 2))
    assert on(b, D(2025, 2, 2))[removed.pk] == ("probationary", "", False)
    assert on(a, D(2022, 7, 5))[voided.pk] == ("official", "", False)
    assert on(a, D(2023, 1, 1))[voided.pk] == ("official", "", False)
    assert newcomer.pk not in on(b, D(2026, 8, 31))
    assert on(b, D(2026, 9, 1))[newcomer.pk] == ("probationary", "", False)
    days = boundary_days()
    assert check_rolls((a, b, c), days, committee=days, with_records=sorted(days)[::4])


# --- Saving a whole roll ---------------------------------------------------------------------
def _cell_with(world, name: str, size: int) -> OrgUnit:
    """A cell of ``size`` members with the same mix whatever the size: one exempt on the day,
    one temporarily away, one whose suspension has ended (read from the events), one with an
    event after the day (read from the events), and a record not yet admitted (on no roll)."""
    cell = make_unit(world.commune, name, UnitKind.CELL)
    members = [
        make_member(cell, f"Lò Văn Thành {i:02d}", admitted=D(2015, 1, 1) + i * ONE_DAY)
        for i in range(size)
    ]
    add_event(members[0], K.EXEMPTION, D(2025, 1, 5), reason="Tuổi cao")
    add_event(members[1], K.TRANSFER_OUT, D(2025, 1, 5), other_cell=world.cell2, temporary=True)
    add_event(members[2], K.SUSPENSION, D(2024, 1, 1), until=D(2024, 6, 30))
    add_event(members[3], K.EXEMPTION, D(2025, 6, 1), reason="Ốm")
    make_member(cell, "Hờ A Chưa", official=False)
    return cell


def _whole_roll(standings: Sequence[Standing]) -> list[services.RollRow]:
    cycle = (P, LATE, EXC, UNEXC)
    rows = []
    for i, s in enumerate(standings):
        category = s.expected or cycle[i % len(cycle)]
        rows.append(services.RollRow(s.member_id, category, "Ốm" if category == EXC else ""))
    return rows


def _saved(meeting) -> list[tuple[Any, ...]]:
    return sorted(
        Attendance._base_manager.filter(meeting=meeting).values_list(
            "member_id", "category", "reason", "recorded_at", "advance_answer", "advance_reason"
        )
    )


def _audits() -> int:
    return AuditEntry.objects.filter(action="meeting.attendance_saved").count()


def test_saving_a_roll_takes_the_same_queries_for_5_and_40_members(world, sd) -> None:
    day = D(2025, 3, 8)
    queries: dict[int, tuple[int, int]] = {}
    for size in (5, 40):
        cell = _cell_with(world, f"Chi bộ {size} đảng viên", size)
        meeting = meeting_on(cell, day)
        standings = selectors.roll_standings(cell.pk, day, meeting.kind)
        assert len(standings) == size
        assert sorted(s.expected for s in standings)[-2:] == ["away", "exempt"]
        rows = _whole_roll(standings)
        first_member = standings[0].member_id
        services.answer_notice(
            actor=None,
            meeting=meeting,
            member=Member._base_manager.get(pk=first_member),
            will_come=False,
            reason="Đi rừng",
        )
        audits = _audits()
        with CaptureQueriesContext(connection) as first:
            changed = services.attendance_save(actor=None, meeting=meeting, rows=rows)
        assert changed == size
        assert _audits() == audits + 1
        saved = _saved(meeting)
        assert [(m, c, r) for m, c, r, *_ in saved] == sorted(
            (r.member_id, r.category, r.reason) for r in rows
        )
        # The answer given to the notice beforehand is kept by the roll call.
        assert [(a, ar) for m, _c, _r, _t, a, ar in saved if m == first_member] == [
            ("absent", "Đi rừng")
        ]
        # The same roll again: nothing written, nothing audited.
        with CaptureQueriesContext(connection) as again:
            assert services.attendance_save(actor=None, meeting=meeting, rows=rows) == 0
        assert _saved(meeting) == saved
        assert _audits() == audits + 1
        queries[size] = (len(first), len(again))
    assert queries[5] == queries[40], queries
    # The savepoint pair, the meeting locked, the roll (the member rows, and the events of
    # those who changed after the day), the recorded lines; then the upsert and the audit
    # entry, only when something changed, and the reports' rollup of the cell's months
    # (chibo.reports.rollup: 12 queries, the same for any roll; two of them read the
    # current month's fixed date, for whether its regular meeting is due yet).
    assert queries[5] == (20, 6), queries


def test_a_changed_line_and_a_line_left_out_count_as_two(world, sd) -> None:
    day = D(2025, 3, 8)
    cell = _cell_with(world, "Chi bộ nhỏ", 6)
    meeting = meeting_on(cell, day)
    rows = _whole_roll(selectors.roll_standings(cell.pk, day))
    services.attendance_save(actor=None, meeting=meeting, rows=rows)
    plain = [i for i, r in enumerate(rows) if r.category in {P, LATE, UNEXC}]
    changed, dropped = plain[0], plain[1]
    new_rows = [r for i, r in enumerate(rows) if i != dropped]
    new_rows[new_rows.index(rows[changed])] = services.RollRow(rows[changed].member_id, EXC, "Ốm")
    audits = _audits()
    assert services.attendance_save(actor=None, meeting=meeting, rows=new_rows) == 2
    assert _audits() == audits + 1
    saved = {m: (c, r) for m, c, r, *_ in _saved(meeting)}
    assert saved[rows[changed].member_id] == (EXC, "Ốm")
    assert saved[rows[dropped].member_id] == ("", "")
    # Leaving out a line already "not recorded" changes nothing.
    assert services.attendance_save(actor=None, meeting=meeting, rows=new_rows) == 0
