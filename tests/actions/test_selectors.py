"""Reads: the agenda's open items carried forward, my tasks and households, completion rates,
the commune's view, reassignment after a transfer, scope, and constant query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation
from django_scopes import ScopeError

from chibo.actions import selectors, services
from chibo.actions.models import ActionItem, ActionReview, Household, HouseholdContact
from chibo.core.access import access_for_user
from chibo.meetings import services as meetings
from chibo.members.lifecycle import EventData, member_event_add, member_event_void
from chibo.members.models import EventKind, Member
from tests.actions.factories import at, held_meeting, resolution_item
from tests.meetings.factories import bulk_members

pytestmark = pytest.mark.django_db
D = dt.date
Data = services.ItemData


def _review(item, meeting, outcome, note=""):
    with at(meeting.planned_date):
        return services.action_review_add(
            actor=None, item=item, meeting=meeting, outcome=outcome, note=note
        )


def _titles(rows) -> list[str]:
    return [row.item.title for row in rows]


# --- Carry-forward -------------------------------------------------------------------------------
def test_open_items_carry_forward_across_three_meetings(world, sd) -> None:
    """January decides two tasks; February, March and April review them. The one not done
    comes back, overdue, at every meeting until one marks it done; then it is gone."""
    january = held_meeting(world.cell, D(2025, 1, 10))
    road = resolution_item(january, [world.plain_member], D(2025, 1, 31), title="Làm đường")
    school = resolution_item(
        january, [world.secretary_member], D(2025, 3, 31), title="Vận động trẻ đến trường"
    )
    assert selectors.open_items_for_meeting(january) == []  # its own items are reviewed later

    february = held_meeting(world.cell, D(2025, 2, 8))
    rows = selectors.open_items_for_meeting(february)
    assert _titles(rows) == ["Làm đường", "Vận động trẻ đến trường"]
    assert [(r.overdue, r.carried) for r in rows] == [(True, 0), (False, 0)]
    _review(road, february, "not_done", "Thiếu xi măng")
    _review(school, february, "in_progress", "Đã vận động 3 hộ")
    # February's own new task is not on February's agenda, but is on March's.
    resolution_item(february, [world.plain_member], D(2025, 3, 15), title="Phát quang")

    with at(D(2025, 2, 20)):
        services.action_progress_report(
            actor=world.member_user,
            item=road,
            member=world.plain_member,
            outcome="in_progress",
            note="Đã có xi măng",
        )
    march = held_meeting(world.cell, D(2025, 3, 8))
    rows = selectors.open_items_for_meeting(march)
    assert _titles(rows) == ["Làm đường", "Phát quang", "Vận động trẻ đến trường"]
    assert [(r.overdue, r.carried) for r in rows] == [(True, 1), (False, 0), (False, 1)]
    first = rows[0]
    assert first.last_review is not None
    assert first.last_review.note == "Đã có xi măng"
    with translation.override("en"):
        assert "Due 31/01/2025. Overdue." in first.agenda_content
        assert "Đã có xi măng" in first.agenda_content
    _review(road, march, "not_done", "Mưa to")
    _review(school, march, "done")

    april = held_meeting(world.cell, D(2025, 4, 8))
    rows = selectors.open_items_for_meeting(april)
    assert _titles(rows) == ["Làm đường", "Phát quang"]
    assert [(r.overdue, r.carried) for r in rows] == [(True, 2), (True, 0)]
    _review(road, april, "done", "Đã đổ xong")

    may = held_meeting(world.cell, D(2025, 5, 8))
    assert _titles(selectors.open_items_for_meeting(may)) == ["Phát quang"]
    road.refresh_from_db()
    assert (road.status, road.closed_on) == ("done", D(2025, 4, 8))
    # The history stays, in order.
    outcomes = list(
        ActionReview.objects.filter(item=road)
        .order_by("created_at", "id")
        .values_list("outcome", "meeting_id")
    )
    assert outcomes == [
        ("not_done", february.pk),
        ("in_progress", None),
        ("not_done", march.pk),
        ("done", april.pk),
    ]


# --- Completion ----------------------------------------------------------------------------------
def test_completion_counts_only_items_due_in_the_month(world, sd) -> None:
    january = held_meeting(world.cell, D(2025, 1, 10))
    owners = [world.plain_member]
    due_feb = [
        resolution_item(january, owners, D(2025, 2, day), title=f"Tháng 2 #{day}")
        for day in (1, 10, 20, 28)
    ]
    due_mar = resolution_item(january, owners, D(2025, 3, 5), title="Tháng 3")
    early_drop = resolution_item(january, owners, D(2025, 2, 25), title="Bỏ sớm")
    february = held_meeting(world.cell, D(2025, 2, 15))
    march = held_meeting(world.cell, D(2025, 3, 8))
    _review(due_feb[0], february, "done")  # on time? no: due 1 Feb, closed 15 Feb
    _review(due_feb[1], february, "not_done", "Chưa làm")
    _review(due_feb[2], february, "done")  # on time
    _review(due_feb[3], march, "dropped", "Không còn cần")  # withdrawn after due: counts
    _review(early_drop, february, "dropped", "Xã làm thay")  # withdrawn before due: left out
    _review(due_mar, february, "done")  # done, but due in March

    feb = selectors.completion_rate(world.cell, D(2025, 2, 1))
    assert (feb.due, feb.done, feb.done_on_time, feb.still_open) == (4, 2, 1, 1)
    assert feb.rate == 0.5
    mar = selectors.completion_rate(world.cell, D(2025, 3, 17))
    assert (mar.due, mar.done, mar.rate) == (1, 1, 1.0)
    assert selectors.completion_rate(world.cell, D(2025, 4, 1)).rate is None
    assert selectors.completion_rate(world.cell2, D(2025, 2, 1)).due == 0


# --- Reassignment --------------------------------------------------------------------------------
def test_a_member_who_transfers_out_leaves_the_items_with_the_cell_flagged(world, sd) -> None:
    january = held_meeting(world.cell, D(2025, 1, 10))
    shared = resolution_item(
        january, [world.plain_member, world.secretary_member], D(2025, 3, 31), title="Chung"
    )
    own = resolution_item(january, [world.plain_member], D(2025, 3, 31), title="Riêng")
    resolution_item(january, [world.secretary_member], D(2025, 3, 31), title="Của bí thư")
    with at(D(2025, 1, 12)):
        household = services.household_create(
            actor=None, cell=world.cell, data=services.HouseholdData("Lò Văn Khánh")
        )
        services.household_assign(
            actor=None, household=household, member=world.plain_member, start_date=D(2025, 1, 12)
        )
    assert selectors.items_needing_reassignment(world.cell, D(2025, 2, 1)) == []
    assert selectors.households_unfollowed(world.cell, D(2025, 2, 1)) == []

    with at(D(2025, 2, 3)):
        event = member_event_add(
            actor=None,
            member=world.plain_member,
            data=EventData(kind=EventKind.TRANSFER_OUT, date=D(2025, 2, 3), other_cell=world.cell2),
        )
    flagged = selectors.items_needing_reassignment(world.cell, D(2025, 2, 5))
    assert _titles(flagged) == ["Chung", "Riêng"]
    assert [m.pk for m in flagged[0].departed] == [world.plain_member.pk]
    assert "Tòng Thị Ánh" in flagged[0].agenda_content
    # The items stay with the cell, open, with their owners as they were.
    assert {i.cell_id for i in ActionItem.objects.filter(pk__in=[shared.pk, own.pk])} == {
        world.cell.pk
    }
    assert {r.item.status for r in flagged} == {"open"}
    # The day before the transfer nothing was flagged: the roll is read on the day asked.
    assert selectors.items_needing_reassignment(world.cell, D(2025, 2, 2)) == []
    assert selectors.households_unfollowed(world.cell, D(2025, 2, 5)) == [household]
    # On the agenda of the next meeting they are shown to reassign.
    february = held_meeting(world.cell, D(2025, 2, 8))
    rows = {r.item.title: r for r in selectors.open_items_for_meeting(february)}
    assert rows["Riêng"].needs_reassignment
    assert not rows["Của bí thư"].needs_reassignment

    with at(D(2025, 2, 8)):
        services.action_item_update(
            actor=None,
            item=own,
            data=Data(own.title, own.due_date, (world.secretary_member,)),
        )
    assert _titles(selectors.items_needing_reassignment(world.cell, D(2025, 2, 9))) == ["Chung"]

    # A transfer recorded by mistake and voided: nothing to reassign any more.
    with at(D(2025, 2, 10)):
        member_event_void(actor=None, event=event, reason="Nhập nhầm")
    assert selectors.items_needing_reassignment(world.cell, D(2025, 2, 10)) == []


def test_an_item_without_an_owner_needs_one(world, sd) -> None:
    with at(D(2025, 3, 1)):
        services.action_item_from_guidance(
            actor=None, cell=world.cell, data=Data("Rà soát hộ nghèo", D(2025, 3, 31))
        )
    (row,) = selectors.items_needing_reassignment(world.cell, D(2025, 3, 2))
    assert row.owners == []
    assert row.needs_reassignment
    with translation.override("en"):
        assert "Owners: no owner yet." in row.agenda_content


# --- My tasks, my households, households nobody follows ---------------------------------------
def test_my_tasks_and_my_households(world, sd) -> None:
    january = held_meeting(world.cell, D(2025, 1, 10))
    resolution_item(january, [world.plain_member], D(2025, 1, 20), title="Của tôi")
    done = resolution_item(january, [world.plain_member], D(2025, 2, 20), title="Xong")
    resolution_item(january, [world.secretary_member], D(2025, 2, 20), title="Của bí thư")
    february = held_meeting(world.cell, D(2025, 2, 8))
    _review(done, february, "done")
    with at(D(2025, 2, 10)):
        households = [
            services.household_create(
                actor=None, cell=world.cell, data=services.HouseholdData(name)
            )
            for name in ("Lò Văn Khánh", "Cầm Thị Bình", "Quàng Văn Ơn")
        ]
        for household in households[:2]:
            services.household_assign(
                actor=None,
                household=household,
                member=world.plain_member,
                start_date=D(2025, 2, 1),
            )
        for day in (D(2025, 1, 30), D(2025, 2, 3), D(2025, 2, 9)):
            HouseholdContact.objects.create(
                household=households[0],
                member=world.plain_member,
                date=day,
                category="production",
                note="Thăm hỏi",
            )
    tasks = selectors.member_tasks(world.plain_member.pk, D(2025, 2, 10))
    assert _titles(tasks) == ["Của tôi"]
    assert tasks[0].overdue
    followed = selectors.member_households(world.plain_member.pk, D(2025, 2, 10))
    assert [(f.household.head_name, f.last_contact, f.contacts_in_month) for f in followed] == [
        ("Cầm Thị Bình", None, 0),
        ("Lò Văn Khánh", D(2025, 2, 9), 2),
    ]
    assert selectors.households_unfollowed(world.cell, D(2025, 2, 10)) == [households[2]]
    assert selectors.member_tasks(world.secretary_member.pk, D(2025, 2, 10))[0].item.title == (
        "Của bí thư"
    )


# --- The commune's view -----------------------------------------------------------------------
def test_commune_view_by_cell(world, sd) -> None:
    january = held_meeting(world.cell, D(2025, 1, 10))
    resolution_item(january, [world.plain_member], D(2025, 1, 31), title="Quá hạn")
    closed = resolution_item(january, [world.plain_member], D(2025, 1, 25), title="Xong")
    resolution_item(january, [world.plain_member], D(2025, 2, 28), title="Còn hạn")
    january2 = held_meeting(world.cell2, D(2025, 1, 12))
    with at(D(2025, 1, 12)):
        meetings.resolution_save(
            actor=None, meeting=january2, data=meetings.ResolutionData(text="Nghị quyết")
        )
        meetings.resolution_save(
            actor=None, meeting=january, data=meetings.ResolutionData(text="Nghị quyết")
        )
    february = held_meeting(world.cell, D(2025, 2, 8))
    _review(closed, february, "done")
    other = held_meeting(world.other_cell, D(2025, 1, 10))
    resolution_item(other, [world.other_member], D(2025, 1, 20), title="Xã khác")

    view = selectors.commune_actions(world.commune, D(2025, 1, 1), day=D(2025, 2, 10))
    rows = {row.cell.pk: row for row in view.cells}
    assert set(rows) == {world.cell.pk, world.cell2.pk}
    a1, a2 = rows[world.cell.pk], rows[world.cell2.pk]
    assert (a1.open, a1.overdue) == (2, 1)
    assert (a1.completion.due, a1.completion.done, a1.completion.rate) == (2, 1, 0.5)
    assert a1.resolutions_without_items == []
    assert (a2.open, a2.overdue, a2.completion.rate) == (0, 0, None)
    assert a2.resolutions_without_items == [january2]
    assert [row.cell for row in view.cells_without_items] == [world.cell2]


# --- Scope ---------------------------------------------------------------------------------------
def test_items_and_households_stay_in_scope(world) -> None:
    from django_scopes import scopes_disabled

    with scopes_disabled():
        january = held_meeting(world.cell, D(2025, 1, 10))
        item = resolution_item(january, [world.plain_member], D(2025, 2, 1))
        with at(D(2025, 1, 12)):
            household = services.household_create(
                actor=None, cell=world.cell, data=services.HouseholdData("Lò Văn Khánh")
            )
        february = held_meeting(world.cell, D(2025, 2, 8))
        _review(item, february, "in_progress", "Đang làm")
    with pytest.raises(ScopeError):
        ActionItem.objects.count()
    with pytest.raises(ScopeError):
        list(Household.objects.all())

    for user in (world.outsider, world.secretary2):
        with access_for_user(user).activate():
            assert not ActionItem.objects.filter(pk=item.pk).exists()
            assert not ActionReview.objects.filter(item_id=item.pk).exists()
            assert not Household.objects.filter(pk=household.pk).exists()
            assert selectors.cell_open_items(world.cell, D(2025, 2, 9)) == []
            assert selectors.member_tasks(world.plain_member.pk, D(2025, 2, 9)) == []
            view = selectors.commune_actions(world.commune, D(2025, 2, 1), day=D(2025, 2, 9))
            assert all(row.open == 0 for row in view.cells)
    for user in (world.member_user, world.secretary, world.commune_user, world.province_user):
        with access_for_user(user).activate():
            assert ActionItem.objects.filter(pk=item.pk).exists()
            assert _titles(selectors.member_tasks(world.plain_member.pk, D(2025, 2, 9))) == [
                item.title
            ]
            assert selectors.households_unfollowed(world.cell, D(2025, 2, 9)) == [household]


# --- Query counts --------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [2, 20])
def test_the_reads_take_a_constant_number_of_queries(
    world, sd, django_assert_num_queries, size
) -> None:
    members = bulk_members(world.cell, size)
    # As every writer stores it (decision 0011): the roll is then one query.
    Member.objects.filter(pk__in=[m.pk for m in members]).update(state_since=D(2011, 6, 8))
    january = held_meeting(world.cell, D(2025, 1, 10))
    february = held_meeting(world.cell, D(2025, 2, 8))
    with at(D(2025, 1, 12)):
        for n, member in enumerate(members):
            item = services.action_item_from_resolution(
                actor=None,
                meeting=january,
                data=Data(f"Việc {n}", D(2025, 2, 1 + n % 27), (member, world.plain_member)),
            )
            household = services.household_create(
                actor=None, cell=world.cell, data=services.HouseholdData(f"Hộ {n}")
            )
            services.household_assign(
                actor=None, household=household, member=member, start_date=D(2025, 1, 12)
            )
            services.household_contact_log(
                actor=None,
                household=household,
                member=member,
                day=D(2025, 1, 12),
                category="security",
                note="Ổn định",
            )
            if n % 2:
                _review(item, february, "not_done", "Chưa xong")
    march = held_meeting(world.cell, D(2025, 3, 8))
    day = D(2025, 3, 8)
    # The roll, the items, their owners, their reviews.
    with django_assert_num_queries(4):
        rows = selectors.open_items_for_meeting(march)
        assert len(rows) == size
        assert all(len(r.owners) == 2 and r.agenda_content for r in rows)
    with django_assert_num_queries(4):
        assert len(selectors.cell_open_items(world.cell, day)) == size
    with django_assert_num_queries(3):
        assert len(selectors.member_tasks(world.plain_member.pk, day)) == size
    with django_assert_num_queries(1):
        assert len(selectors.member_households(members[0].pk, day)) == 1
    with django_assert_num_queries(2):
        assert selectors.households_unfollowed(world.cell, day) == []
    with django_assert_num_queries(1):
        assert selectors.completion_rate(world.cell, D(2025, 2, 1)).due == size
    with django_assert_num_queries(3):
        view = selectors.commune_actions(world.commune, D(2025, 1, 1), day=day)
        assert sum(row.open for row in view.cells) == size
