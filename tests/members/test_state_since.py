"""``Member.state_since``: the date of the member's latest non-voided event, from which the
stored state columns are the member's state on every day; null with no event, or with a
(non-voided) suspension, which ends by itself. Checked after each service call, as a
property of random histories, and for the migration's backfill against what the services
wrote."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chibo.core.scoping import scopes_disabled
from chibo.members.lifecycle import derive
from chibo.members.models import EventKind, Member, MemberEvent
from tests.factories import make_member
from tests.meetings.test_roll_state import HISTORY, add_event, build_history, void_event

pytestmark = pytest.mark.django_db
D = dt.date
K = EventKind
MIGRATION = importlib.import_module("chibo.members.migrations.0005_member_state_since")


@pytest.fixture
def sd():
    """Services and selectors called directly, outside any request's scope."""
    with scopes_disabled():
        yield


# The stored columns that ``state_since`` vouches for (``Derived`` has the same names).
STATE_COLUMNS = (
    "status",
    "admission_date",
    "ceremony_date",
    "recognition_date",
    "exempt_from",
    "exempt_until",
    "cell_id",
    "temporary_cell_id",
)


def _live(member_id: int) -> list[MemberEvent]:
    return list(MemberEvent._base_manager.filter(member_id=member_id, voided_at__isnull=True))


def by_definition(member_id: int) -> dt.date | None:
    """``state_since`` as the model documents it."""
    live = _live(member_id)
    if not live or any(e.kind == K.SUSPENSION for e in live):
        return None
    return max(e.date for e in live)


def check(member: Member) -> dt.date | None:
    """The stored ``state_since`` of ``member``, after checking it against its definition and
    its promise: from that day on, the stored columns are what the events say, on any day."""
    row = Member._base_manager.get(pk=member.pk)
    assert row.state_since == by_definition(row.pk)
    if row.state_since is not None:
        stored = {column: getattr(row, column) for column in STATE_COLUMNS}
        events = _live(row.pk)
        since = row.state_since
        for day in (since, since + dt.timedelta(days=1), D(2027, 1, 1), D(2035, 6, 30)):
            state = derive(events, today=day)
            derived = {column: getattr(state, column) for column in STATE_COLUMNS}
            assert derived == stored, (row.full_name, day)
    return row.state_since


def scripted_histories(world) -> dict[str, Member]:
    """Histories written through the services (events added and voided, suspensions),
    ``state_since`` checked after each call."""
    cell, cell2 = world.cell, world.cell2
    record = make_member(cell, "Hờ A Chưa", official=False)
    assert check(record) is None  # no event yet

    first = make_member(cell, "Lò Văn An", admitted=D(2020, 1, 10))
    assert check(first) == D(2020, 1, 10) + dt.timedelta(days=400)  # the recognition
    add_event(first, K.EXEMPTION, D(2022, 5, 1), reason="Ốm", until=D(2022, 12, 31))
    assert check(first) == D(2022, 5, 1)
    away = add_event(first, K.TRANSFER_OUT, D(2022, 6, 1), other_cell=cell2, temporary=True)
    assert check(first) == D(2022, 6, 1)
    void_event(away)
    assert check(first) == D(2022, 5, 1)  # the voided event no longer counts
    ended = add_event(first, K.SUSPENSION, D(2023, 1, 1), until=D(2023, 3, 1))
    assert check(first) is None  # even a suspension that has ended
    void_event(ended)
    assert check(first) == D(2022, 5, 1)
    add_event(first, K.SUSPENSION, D(2023, 4, 1))
    assert check(first) is None

    second = make_member(cell, "Tòng Thị Ánh", official=False)
    add_event(second, K.ADMISSION, D(2024, 1, 1))
    assert check(second) == D(2024, 1, 1)
    add_event(second, K.TRANSFER_OUT, D(2024, 3, 1), other_cell=cell2)
    assert check(second) == D(2024, 3, 1)
    add_event(second, K.TRANSFER_IN, D(2024, 3, 15))
    assert check(second) == D(2024, 3, 15)
    assert Member._base_manager.get(pk=second.pk).cell_id == cell2.pk
    add_event(second, K.CEREMONY, D(2024, 3, 15))  # two events on one day
    assert check(second) == D(2024, 3, 15)
    add_event(second, K.DEATH, D(2024, 6, 1))
    assert check(second) == D(2024, 6, 1)

    third = make_member(cell2, "Quàng Văn Đi", admitted=D(2019, 3, 3))
    add_event(third, K.SUSPENSION, D(2021, 1, 1), until=D(2021, 6, 30))
    add_event(third, K.REMOVAL, D(2021, 3, 1))  # removed while suspended
    assert check(third) is None
    add_event(third, K.ADMISSION, D(2023, 3, 3))  # admitted again: the suspension still counts
    assert check(third) is None

    fourth = make_member(cell2, "Cầm Thị Hoa", admitted=D(2019, 3, 3))
    add_event(fourth, K.RESIGNATION, D(2021, 2, 2))
    add_event(fourth, K.ADMISSION, D(2022, 2, 2))
    assert check(fourth) == D(2022, 2, 2)

    only = make_member(cell2, "Lường Văn Bình", official=False)
    admission = add_event(only, K.ADMISSION, D(2025, 5, 5))
    assert check(only) == D(2025, 5, 5)
    void_event(admission)
    assert check(only) is None  # every event voided
    return {"record": record, "first": first, "second": second, "third": third, "only": only}


def test_state_since_after_each_service_call(world, sd) -> None:
    scripted_histories(world)
    # The world's members, written by the same services.
    for member in (world.secretary_member, world.plain_member, world.other_member):
        assert check(member) is not None


def _stored() -> dict[int, dt.date | None]:
    return dict(Member._base_manager.values_list("pk", "state_since"))


def _backfill() -> dict[int, dt.date | None]:
    Member._base_manager.update(state_since=None)
    with scopes_disabled():
        MIGRATION.fill_state_since(apps, None)
    return _stored()


def test_the_backfill_gives_what_the_services_wrote(world, sd) -> None:
    scripted_histories(world)
    written = _stored()
    assert None in written.values()
    assert len(set(written.values())) >= 4  # null, and three different dates
    assert _backfill() == written


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(histories=st.lists(HISTORY, min_size=1, max_size=5))
def test_state_since_of_random_histories(world, sd, histories) -> None:
    cells = (world.cell, world.cell2, world.other_cell)
    with transaction.atomic():  # one savepoint per example, rolled back
        members = [build_history(cells, spec)[0] for spec in histories]
        for member in members:
            check(member)
        written = _stored()
        assert _backfill() == written
        transaction.set_rollback(True)
