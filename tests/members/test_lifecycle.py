"""The rules of a member's party life (lifecycle.py): each rule, the derived state, and
properties of the date arithmetic and of ``derive`` over random valid histories."""

from __future__ import annotations

import datetime as dt
import random

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django_scopes import scopes_disabled
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from chibo.core.models import AuditEntry
from chibo.members.lifecycle import (
    TERMINAL,
    EventData,
    add_months,
    age_in_months,
    age_on,
    derive,
    member_event_add,
    member_event_void,
    member_events,
    member_refresh,
    party_age,
    validate_event,
)
from chibo.members.models import EventKind, Member, MemberEvent, MemberStatus
from chibo.orgunits.models import OrgUnit, UnitKind
from tests.factories import make_member

D = dt.date
TODAY = D(2026, 3, 2)
K = EventKind
S = MemberStatus
dates = st.dates(min_value=D(1900, 1, 1), max_value=D(2100, 12, 31))


# --- Date arithmetic ------------------------------------------------------------------------
def test_add_months_examples() -> None:
    assert add_months(D(2024, 2, 29), 12) == D(2025, 2, 28)
    assert add_months(D(2024, 2, 29), 48) == D(2028, 2, 29)
    assert add_months(D(2025, 1, 31), 1) == D(2025, 2, 28)
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert add_months(D(2025, 3, 31), 1) == D(2025, 4, 30)
    assert add_months(D(2025, 12, 15), 1) == D(2026, 1, 15)
    assert add_months(D(2026, 1, 15), -1) == D(2025, 12, 15)
    assert add_months(D(2025, 3, 31), -1) == D(2025, 2, 28)


@given(day=dates, months=st.integers(-600, 600))
def test_add_months_keeps_the_day_or_takes_the_month_end(day, months) -> None:
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    if result.day != day.day:
        assert result.day < day.day
        assert (result + dt.timedelta(days=1)).day == 1  # the last day of its month


@given(day=dates, months=st.integers(0, 600))
def test_add_months_is_monotonic_and_returns(day, months) -> None:
    assert add_months(day, months) >= day
    assert add_months(day, months) <= add_months(day, months + 1)
    if day.day <= 28:
        assert add_months(add_months(day, months), -months) == day


@given(birth=dates, years=st.integers(0, 100))
def test_age_on_birthdays(birth, years) -> None:
    assume(birth.year + years <= 2100)
    birthday = add_months(birth, 12 * years)
    if birthday.day != birth.day:
        # Born on 29 February: in a common year the birthday counts from 1 March.
        birthday += dt.timedelta(days=1)
    assert age_on(birth, birthday) == years
    if years:
        assert age_on(birth, birthday - dt.timedelta(days=1)) == years - 1


@given(three=st.lists(dates, min_size=3, max_size=3))
def test_age_on_is_monotonic(three) -> None:
    # Sorted draws, not assume(): filtering five draws in six fails hypothesis's health check.
    birth, a, b = sorted(three)
    assert 0 <= age_on(birth, a) <= age_on(birth, b)
    assert age_on(birth, a) * 12 <= age_in_months(birth, a)


def test_leap_day_birthday() -> None:
    born = D(2004, 2, 29)
    assert age_on(born, D(2022, 2, 28)) == 17
    assert age_on(born, D(2022, 3, 1)) == 18
    assert age_in_months(born, D(2022, 2, 1)) == 18 * 12


# --- Rules, without a database ---------------------------------------------------------------
CELL = OrgUnit(pk=1, kind=UnitKind.CELL, name="A", path="00010001")
CELL2 = OrgUnit(pk=2, kind=UnitKind.CELL, name="B", path="00010002")
CELL3 = OrgUnit(pk=3, kind=UnitKind.CELL, name="C", path="00010003")
COMMUNE = OrgUnit(pk=9, kind=UnitKind.COMMUNE, name="X", path="0001")
_ids = iter(range(1, 10**9))
BORN = D(1990, 6, 15)
ADMITTED = D(2015, 3, 10)


class History:
    """An in-memory member history, built only through ``validate_event`` (as the service)."""

    def __init__(self, birth: dt.date | None = BORN) -> None:
        self.member = Member(pk=1, birth_date=birth, cell_id=CELL.pk)
        self.events: list[MemberEvent] = []

    @property
    def state(self):
        return derive(self.events, today=TODAY)

    def add(self, kind: str, day: dt.date, **extra) -> MemberEvent:
        data = EventData(kind=kind, date=day, **extra)
        validate_event(self.member, self.events, data, TODAY)
        state = derive(self.events, today=day)
        cell_id = state.cell_id or CELL.pk
        other = data.other_cell.pk if data.other_cell else None
        if kind == K.TRANSFER_IN and data.temporary:
            other = state.temporary_cell_id
        elif kind == K.TRANSFER_IN:
            cell_id, other = state.pending_transfer_to, state.cell_id
        event = MemberEvent(
            pk=next(_ids),
            kind=kind,
            date=day,
            decision_date=data.decision_date,
            cell_id=cell_id,
            other_cell_id=other,
            temporary=data.temporary,
            until=data.until,
        )
        self.events.append(event)
        return event

    def official(self, admitted: dt.date = ADMITTED) -> History:
        self.add(K.ADMISSION, admitted)
        self.add(K.CEREMONY, admitted + dt.timedelta(days=20))
        self.add(K.RECOGNITION, add_months(admitted + dt.timedelta(days=20), 12))
        return self


def refused(history: History, kind: str, day: dt.date, **extra) -> str:
    with pytest.raises(ValidationError) as info:
        history.add(kind, day, **extra)
    return info.value.code


def test_admission_age_from_full_18_counted_by_month() -> None:
    # Born 15/6/1990: full 18 "by month" in June 2008, whatever the day.
    assert refused(History(), K.ADMISSION, D(2008, 5, 31)) == "too_young"
    History().add(K.ADMISSION, D(2008, 6, 1))
    # The decision date counts, not the day the event was recorded.
    assert refused(History(), K.ADMISSION, D(2008, 7, 1), decision_date=D(2008, 5, 20)) == (
        "too_young"
    )


def test_admission_over_60_needs_the_higher_level() -> None:
    born = D(1960, 6, 15)
    History(born).add(K.ADMISSION, D(2020, 6, 30))  # full 60 that month
    assert refused(History(born), K.ADMISSION, D(2020, 7, 1)) == "needs_approval"
    with pytest.raises(ValidationError) as info:
        History(born).add(K.ADMISSION, D(2020, 7, 1), higher_approval="  ")
    assert "higher_approval" in info.value.message_dict
    state = History(born)
    state.add(K.ADMISSION, D(2020, 7, 1), higher_approval="Công văn 12-CV/TU")
    assert state.state.status == S.PROBATIONARY


def test_admission_needs_a_birth_date_and_comes_once() -> None:
    assert refused(History(birth=None), K.ADMISSION, D(2020, 1, 1)) == "no_birth_date"
    history = History()
    history.add(K.ADMISSION, D(2020, 1, 1))
    assert refused(history, K.ADMISSION, D(2020, 2, 1)) == "already_admitted"


def test_first_event_is_the_admission() -> None:
    for kind in (K.CEREMONY, K.RECOGNITION, K.TRANSFER_OUT, K.EXEMPTION, K.DEATH):
        assert refused(History(), kind, D(2020, 1, 1), other_cell=CELL2) == "no_admission"


def test_ceremony_after_the_admission_decision_and_once() -> None:
    history = History()
    history.add(K.ADMISSION, D(2020, 3, 1), decision_date=D(2020, 3, 5))
    assert refused(history, K.CEREMONY, D(2020, 3, 4)) == "ceremony_before"
    history.add(K.CEREMONY, D(2020, 3, 5))
    assert history.state.ceremony_date == D(2020, 3, 5)
    assert history.state.admission_date == D(2020, 3, 5)  # the decision's date
    assert refused(history, K.CEREMONY, D(2020, 3, 6)) == "duplicate"


@pytest.mark.parametrize(
    ("ceremony", "too_early", "earliest"),
    [
        (D(2024, 2, 29), D(2025, 2, 27), D(2025, 2, 28)),  # leap day
        (D(2023, 3, 31), D(2024, 3, 30), D(2024, 3, 31)),
        (D(2023, 1, 31), D(2024, 1, 30), D(2024, 1, 31)),
    ],
)
def test_recognition_not_before_12_months_after_the_ceremony(ceremony, too_early, earliest):
    history = History()
    history.add(K.ADMISSION, ceremony - dt.timedelta(days=10))
    assert refused(history, K.RECOGNITION, ceremony) == "not_probationary"  # no ceremony yet
    history.add(K.CEREMONY, ceremony)
    assert refused(history, K.RECOGNITION, too_early) == "probation_not_over"
    history.add(K.RECOGNITION, earliest)
    assert history.state.status == S.OFFICIAL
    assert history.state.recognition_date == earliest
    assert refused(history, K.RECOGNITION, earliest) == "not_probationary"


def test_transfer_in_follows_a_transfer_out() -> None:
    history = History().official()
    assert refused(history, K.TRANSFER_IN, D(2020, 1, 1)) == "no_transfer_out"
    assert refused(history, K.TRANSFER_IN, D(2020, 1, 1), temporary=True) == "no_transfer_out"
    assert refused(history, K.TRANSFER_OUT, D(2020, 1, 1)) == "no_cell"
    assert refused(history, K.TRANSFER_OUT, D(2020, 1, 1), other_cell=CELL) == "same_cell"
    assert refused(history, K.TRANSFER_OUT, D(2020, 1, 1), other_cell=COMMUNE) == "not_a_cell"

    history.add(K.TRANSFER_OUT, D(2020, 1, 1), other_cell=CELL2)
    assert history.state.status == S.TRANSFERRED_OUT
    assert history.state.pending_transfer_to == CELL2.pk
    assert history.state.cell_id == CELL.pk  # still in the old cell until received
    assert refused(history, K.TRANSFER_OUT, D(2020, 1, 2), other_cell=CELL3) == "not_active"
    assert refused(history, K.TRANSFER_IN, D(2020, 1, 2), other_cell=CELL3) == "wrong_cell"
    history.add(K.TRANSFER_IN, D(2020, 2, 1))
    state = history.state
    assert (state.status, state.cell_id, state.pending_transfer_to) == (S.OFFICIAL, CELL2.pk, None)
    assert refused(history, K.TRANSFER_IN, D(2020, 2, 2)) == "no_transfer_out"


def test_temporary_transfer_keeps_the_home_cell() -> None:
    history = History().official()
    history.add(K.TRANSFER_OUT, D(2020, 1, 1), other_cell=CELL2, temporary=True)
    state = history.state
    assert (state.status, state.cell_id, state.temporary_cell_id) == (S.OFFICIAL, 1, CELL2.pk)
    assert refused(history, K.TRANSFER_OUT, D(2020, 1, 2), other_cell=CELL3, temporary=True) == (
        "already_away"
    )
    history.add(K.TRANSFER_IN, D(2020, 6, 1), temporary=True)
    assert history.events[-1].other_cell_id == CELL2.pk
    assert history.state.temporary_cell_id is None
    assert history.state.cell_id == CELL.pk


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        (K.REMOVAL, S.REMOVED),
        (K.EXPULSION, S.EXPELLED),
        (K.RESIGNATION, S.RESIGNED),
        (K.DEATH, S.DECEASED),
    ],
)
def test_nothing_after_the_end(kind, status) -> None:
    history = History().official()
    history.add(kind, D(2021, 1, 1))
    assert history.state.status == status
    for later in (K.CEREMONY, K.EXEMPTION, K.SUSPENSION, K.DEATH, K.TRANSFER_OUT):
        assert refused(history, later, D(2021, 2, 1), other_cell=CELL2, reason="x") == "terminal"


def test_readmission_after_removal_or_resignation_only() -> None:
    history = History().official()
    history.add(K.REMOVAL, D(2021, 1, 1))
    history.add(K.ADMISSION, D(2022, 1, 1))
    assert history.state.status == S.PROBATIONARY
    assert history.state.recognition_date is None
    expelled = History().official()
    expelled.add(K.EXPULSION, D(2021, 1, 1))
    assert refused(expelled, K.ADMISSION, D(2022, 1, 1)) == "already_admitted"


def test_events_in_date_order_and_not_in_the_future() -> None:
    history = History().official()
    last = history.events[-1].date
    assert refused(history, K.EXEMPTION, last - dt.timedelta(days=1), reason="x") == "out_of_order"
    assert refused(history, K.EXEMPTION, TODAY + dt.timedelta(days=1), reason="x") == "future"
    history.add(K.EXEMPTION, last, reason="Sức khỏe")  # the same day is fine


def test_exemption_needs_a_reason_and_an_active_member() -> None:
    history = History().official()
    assert refused(history, K.EXEMPTION, D(2020, 1, 1)) == "no_reason"
    assert refused(history, K.EXEMPTION, D(2020, 1, 1), reason="x", until=D(2019, 1, 1)) == (
        "until_before"
    )
    history.add(K.EXEMPTION, D(2020, 1, 1), reason="Tuổi cao", until=D(2021, 1, 1))
    state = history.state
    assert (state.exempt_from, state.exempt_until, state.status) == (
        D(2020, 1, 1),
        D(2021, 1, 1),
        S.OFFICIAL,
    )


def test_suspension_ends_by_itself_and_never_undoes_a_later_end() -> None:
    history = History().official()
    history.add(K.SUSPENSION, D(2020, 1, 1), until=D(2020, 6, 30))
    assert derive(history.events, today=D(2020, 6, 30)).status == S.SUSPENDED
    assert derive(history.events, today=D(2020, 7, 1)).status == S.OFFICIAL
    assert refused(history, K.EXEMPTION, D(2020, 3, 1), reason="x") == "not_active"
    history.add(K.EXEMPTION, D(2020, 8, 1), reason="x")  # the suspension is over
    history.add(K.REMOVAL, D(2021, 1, 1))
    assert history.state.status == S.REMOVED


def test_removed_while_suspended_stays_removed() -> None:
    history = History().official()
    history.add(K.SUSPENSION, D(2020, 1, 1), until=D(2020, 6, 30))
    history.add(K.REMOVAL, D(2020, 2, 1))
    assert history.state.status == S.REMOVED


def test_derive_ignores_voided_and_future_events() -> None:
    history = History().official()
    recognition = history.events[-1]
    recognition.voided_at = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    assert history.state.status == S.PROBATIONARY
    assert history.state.recognition_date is None
    assert derive(history.events, today=D(2015, 3, 20)).status == S.PROBATIONARY
    assert derive(history.events, today=D(2015, 3, 9)).status is None


# --- Random valid histories -----------------------------------------------------------------
STEP = st.tuples(
    st.sampled_from(list(EventKind)),
    st.integers(0, 500),  # days after the previous event
    st.sampled_from([CELL, CELL2, CELL3, COMMUNE]),
    st.booleans(),  # temporary
    st.booleans(),  # with an end date
)


def build(steps) -> History:
    history = History(birth=D(1960, 1, 1))
    day = D(1990, 1, 1)
    history.add(K.ADMISSION, day)
    for kind, gap, cell, temporary, ending in steps:
        day += dt.timedelta(days=gap)
        if day > TODAY:
            break
        until = day + dt.timedelta(days=90) if ending else None
        try:
            history.add(
                kind,
                day,
                other_cell=cell,
                temporary=temporary,
                until=until,
                reason="lý do",
                higher_approval="x",
            )
        except ValidationError:
            continue
    return history


@settings(max_examples=300, deadline=None)
@given(steps=st.lists(STEP, max_size=25), seed=st.integers(0, 2**16))
def test_derive_is_a_function_of_the_live_events(steps, seed) -> None:
    history = build(steps)
    events, state = history.events, history.state
    shuffled = list(events)
    random.Random(seed).shuffle(shuffled)
    assert derive(shuffled, today=TODAY) == state
    noise = MemberEvent(
        pk=next(_ids),
        kind=K.DEATH,
        date=D(2000, 1, 1),
        cell_id=1,
        voided_at=dt.datetime.now(dt.UTC),
    )
    assert derive([*events, noise], today=TODAY) == state

    live = [e for e in events if e.voided_at is None]
    last = live[-1]
    # Status follows the last event that sets one.
    if state.status in TERMINAL:
        assert last.kind in {K.REMOVAL, K.EXPULSION, K.RESIGNATION, K.DEATH}
    assert (state.status == S.TRANSFERRED_OUT) == (state.pending_transfer_to is not None)
    # A re-admission (after removal or resignation) starts the record over.
    admissions = [i for i, e in enumerate(live) if e.kind == K.ADMISSION]
    current = live[admissions[-1] :]
    assert (state.recognition_date is not None) == any(e.kind == K.RECOGNITION for e in current)
    if state.status == S.OFFICIAL:
        assert state.recognition_date is not None
    if state.status == S.PROBATIONARY:
        assert state.recognition_date is None
    if state.recognition_date is not None:
        assert state.ceremony_date is not None
        assert state.recognition_date >= add_months(state.ceremony_date, 12)
    if state.ceremony_date is not None:
        assert state.ceremony_date >= state.admission_date
    # The cell is where the last admission or official transfer in placed the member.
    placing = [
        e for e in live if e.kind == K.ADMISSION or (e.kind == K.TRANSFER_IN and not e.temporary)
    ]
    assert state.cell_id == placing[-1].cell_id
    assert state.cell_id != state.temporary_cell_id
    # Each prefix is a valid history too, and the dates never go back.
    assert [e.date for e in live] == sorted(e.date for e in live)


# --- The services, with the database ---------------------------------------------------------
pytestmark_db = pytest.mark.django_db


def _add(member, kind, day, **extra):
    with scopes_disabled():
        return member_event_add(actor=None, member=member, data=EventData(kind, day, **extra))


def _fresh(member) -> Member:
    with scopes_disabled():
        return Member.objects.get(pk=member.pk)


@pytestmark_db
@time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False)
def test_status_and_dates_are_derived_and_stored(world) -> None:
    member = make_member(world.cell, "Lò Văn Mới", official=False, birth_date=D(1995, 4, 1))
    assert member.status == S.PROBATIONARY
    assert member.admission_date is None
    _add(member, K.ADMISSION, D(2025, 1, 10), decision_number="12-QĐ/ĐU", introducers="A, B")
    _add(member, K.CEREMONY, D(2025, 2, 3))
    member = _fresh(member)
    assert (member.status, member.admission_date, member.ceremony_date) == (
        S.PROBATIONARY,
        D(2025, 1, 10),
        D(2025, 2, 3),
    )
    assert party_age(member, TODAY) is None  # not recognised yet
    _add(member, K.RECOGNITION, D(2026, 2, 3))
    member = _fresh(member)
    assert (member.status, member.recognition_date) == (S.OFFICIAL, D(2026, 2, 3))
    assert party_age(member, TODAY) == 1
    assert party_age(member, D(2026, 1, 9)) == 0
    with scopes_disabled():
        actions = set(AuditEntry.objects.filter(member=member).values_list("action", flat=True))
    assert {"member.event.admission", "member.event.ceremony", "member.event.recognition"} <= (
        actions
    )


@pytestmark_db
@time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False)
def test_official_transfer_moves_the_record_and_void_moves_it_back(world) -> None:
    member = world.plain_member
    out = _add(member, K.TRANSFER_OUT, D(2026, 1, 5), other_cell=world.other_cell)
    member = _fresh(member)
    assert (member.status, member.cell_id) == (S.TRANSFERRED_OUT, world.cell.pk)
    received = _add(member, K.TRANSFER_IN, D(2026, 2, 2))
    assert (received.cell_id, received.other_cell_id) == (world.other_cell.pk, world.cell.pk)
    member = _fresh(member)
    assert (member.status, member.cell_id) == (S.OFFICIAL, world.other_cell.pk)
    with scopes_disabled():
        assert MemberEvent.objects.filter(member=member).count() == 5  # history moved along

        with pytest.raises(ValidationError) as info:
            member_event_void(actor=None, event=out, reason="Nhầm")
        assert info.value.code == "later_events"
        with pytest.raises(ValidationError):
            member_event_void(actor=None, event=received, reason="  ")
        member_event_void(actor=world.commune_user, event=received, reason="Nhầm chi bộ")
    member = _fresh(member)
    assert (member.status, member.cell_id) == (S.TRANSFERRED_OUT, world.cell.pk)
    with scopes_disabled():
        member_event_void(actor=None, event=out, reason="Không chuyển nữa")
    member = _fresh(member)
    assert (member.status, member.cell_id) == (S.OFFICIAL, world.cell.pk)
    with scopes_disabled():
        entry = AuditEntry.objects.filter(action="member.event.voided").first()
    assert entry.member_id == member.pk


@pytestmark_db
@time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False)
def test_void_recomputes_the_status(world) -> None:
    member = world.plain_member
    with scopes_disabled():
        recognition = MemberEvent.objects.get(member=member, kind=K.RECOGNITION)
        member_event_void(actor=None, event=recognition, reason="Sai ngày")
        member = Member.objects.get(pk=member.pk)
        assert (member.status, member.recognition_date) == (S.PROBATIONARY, None)
        events = member_events(member)
        assert [e.voided_at is not None for e in events] == [False, False, True]
        # Voiding the admission while the ceremony stands is refused.
        admission = events[0]
        with pytest.raises(ValidationError):
            member_event_void(actor=None, event=admission, reason="x")


@pytestmark_db
@time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False)
def test_temporary_transfer_sets_the_temporary_cell(world) -> None:
    member = world.plain_member
    _add(member, K.TRANSFER_OUT, D(2026, 1, 5), other_cell=world.cell2, temporary=True)
    member = _fresh(member)
    assert (member.cell_id, member.temporary_cell_id, member.status) == (
        world.cell.pk,
        world.cell2.pk,
        S.OFFICIAL,
    )
    _add(member, K.TRANSFER_IN, D(2026, 2, 5), temporary=True)
    assert _fresh(member).temporary_cell_id is None


@pytestmark_db
@time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False)
def test_refresh_ends_a_suspension_on_its_own(world) -> None:
    member = world.plain_member
    _add(member, K.SUSPENSION, D(2026, 1, 5), until=D(2026, 3, 10))
    assert _fresh(member).status == S.SUSPENDED
    with scopes_disabled():
        member_refresh(member=member, today=D(2026, 3, 11))
    assert _fresh(member).status == S.OFFICIAL
