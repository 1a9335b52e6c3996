"""The bulk helpers the roll call uses: ``upsert_values`` (insert, or update only the given
columns of the existing row) and ``plain_rows`` (the ORM's query, the driver's rows)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F

from chibo.core.bulk import plain_rows, upsert_values
from chibo.core.scoping import scopes_disabled
from chibo.meetings import services
from chibo.meetings.models import AdvanceAnswer, Attendance, MeetingKind
from chibo.members.lifecycle import EventData, member_event_add
from chibo.members.models import EventKind, Member
from tests.factories import make_member

pytestmark = pytest.mark.django_db
D = dt.date
FIELDS = (
    "meeting",
    "member",
    "category",
    "reason",
    "recorded_at",
    "advance_answer",
    "advance_reason",
)
ROLL = ("category", "reason", "recorded_at")
UNIQUE = ("meeting", "member")
COLUMNS = ("category", "reason", "recorded_at", "advance_answer", "advance_reason", "answered_at")


@pytest.fixture
def sd():
    with scopes_disabled():
        yield


@pytest.fixture
def meeting(world, sd):
    return services.meeting_create(
        actor=None, cell=world.cell, kind=MeetingKind.EXTRAORDINARY, planned_date=D(2025, 3, 8)
    )


def _row(meeting, member) -> tuple:
    return Attendance._base_manager.filter(meeting=meeting, member=member).values_list(*COLUMNS)[0]


def test_upsert_inserts_new_rows_and_updates_only_the_given_columns(
    world, meeting, django_assert_num_queries
) -> None:
    answered = dt.datetime(2025, 3, 1, 8, 30, 15, 123456, tzinfo=dt.UTC)
    Attendance._base_manager.create(
        meeting=meeting,
        member=world.plain_member,
        category="absent_unexcused",
        advance_answer=AdvanceAnswer.ABSENT,
        advance_reason="Đi rừng",
        answered_at=answered,
    )
    now = dt.datetime(2025, 3, 8, 19, 5, 1, 654321, tzinfo=dt.UTC)
    rows = [
        # An existing line: its answer to the notice must survive the roll call.
        (meeting.pk, world.plain_member.pk, "absent_excused", "Ốm", now, "", ""),
        # A new line: every column is written.
        (meeting.pk, world.secretary_member.pk, "late", "Mưa to", now, "will_come", ""),
    ]
    with django_assert_num_queries(1):  # one statement, whatever the number of rows
        assert upsert_values(Attendance, FIELDS, rows, unique=UNIQUE, update=ROLL) == 2
    assert _row(meeting, world.plain_member) == (
        "absent_excused",
        "Ốm",
        now,
        AdvanceAnswer.ABSENT,
        "Đi rừng",
        answered,
    )
    assert _row(meeting, world.secretary_member) == ("late", "Mưa to", now, "will_come", "", None)
    assert Attendance._base_manager.filter(meeting=meeting).count() == 2


def test_upsert_twice_is_one_row(world, meeting) -> None:
    first = dt.datetime(2025, 3, 8, 19, tzinfo=dt.UTC)
    later = first + dt.timedelta(minutes=5)
    row = (meeting.pk, world.plain_member.pk, "present", "", first, "absent", "Đi rừng")
    upsert_values(Attendance, FIELDS, [row], unique=UNIQUE, update=ROLL)
    again = (meeting.pk, world.plain_member.pk, "late", "Đến muộn", later, "", "")
    assert upsert_values(Attendance, FIELDS, [again], unique=UNIQUE, update=ROLL) == 1
    assert list(Attendance._base_manager.filter(meeting=meeting).values_list(*COLUMNS)) == [
        ("late", "Đến muộn", later, "absent", "Đi rừng", None)
    ]


def test_upsert_writes_nulls(world, meeting, sd) -> None:
    """A nullable column with values and nulls mixed, or only nulls (every column is given:
    the helper applies no defaults)."""
    members = [make_member(world.cell, f"Lò Văn Thành {i:02d}") for i in range(3)]
    answered = dt.datetime(2025, 3, 1, 8, tzinfo=dt.UTC)
    fields = (*UNIQUE, "category", "reason", "advance_answer", "advance_reason", "answered_at")
    update = ("answered_at",)

    def line(member, category, answered_at):
        return (meeting.pk, member.pk, category, "", "", "", answered_at)

    rows = [line(members[0], "present", answered), line(members[1], "present", None)]
    assert upsert_values(Attendance, fields, rows, unique=UNIQUE, update=update) == 2
    assert _row(meeting, members[0])[-1] == answered
    only_nulls = [line(members[2], "late", None), line(members[0], "", None)]
    assert upsert_values(Attendance, fields, only_nulls, unique=UNIQUE, update=update) == 2
    got = dict(
        Attendance._base_manager.filter(meeting=meeting).values_list("member_id", "answered_at")
    )
    assert got == {members[0].pk: None, members[1].pk: None, members[2].pk: None}
    # The category of the existing line was not in ``update``: kept.
    assert _row(meeting, members[0])[0] == "present"
    assert _row(meeting, members[2])[0] == "late"


def test_upsert_of_nothing(world, meeting, django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        assert upsert_values(Attendance, FIELDS, [], unique=UNIQUE, update=ROLL) == 0
    assert not Attendance._base_manager.filter(meeting=meeting).exists()


# --- plain_rows ------------------------------------------------------------------------------
def test_plain_rows_are_the_orms_rows(world, sd) -> None:
    member_event_add(
        actor=None,
        member=world.plain_member,
        data=EventData(
            kind=EventKind.TRANSFER_OUT,
            date=D(2025, 1, 5),
            other_cell=world.cell2,
            temporary=True,
        ),
    )
    make_member(world.cell, "Hờ A Chưa", official=False)  # null dates
    members = Member._base_manager.order_by("sort_key", "id")
    # int, str, a nullable foreign key (set and null), nullable dates (set and null).
    columns = ("id", "full_name", "cell", "temporary_cell", "admission_date", "state_since")
    query = members.values_list(*columns)
    expected = list(query)
    assert {row[3] for row in expected} == {None, world.cell2.pk}
    assert None in {row[4] for row in expected}
    assert all(isinstance(row[4], dt.date) for row in expected if row[4] is not None)
    assert plain_rows(members.values_list(*columns)) == expected
    # With parameters, a join and a subquery, as the roll's query.
    filtered = Member._base_manager.filter(
        cell_id=world.cell.pk, pk__in=Member._base_manager.filter(sex="male").values("pk")
    ).values_list("id", "cell__name", "status", F("admission_date"))
    assert plain_rows(filtered) == list(filtered)
    assert plain_rows(filtered)  # not trivially equal


def test_plain_rows_of_an_empty_in(world, sd, django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        assert plain_rows(Member._base_manager.filter(pk__in=[]).values_list("id")) == []
    assert plain_rows(Member._base_manager.filter(pk=-1).values_list("id", "full_name")) == []
