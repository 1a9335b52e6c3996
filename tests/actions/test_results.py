"""Each member's results of a month (chibo.actions.results) and their pages: checked against
hand-built data over two months — an item reassigned mid-month counts for the owner who had it,
an item closed in the next month is open at the end of this one, the roll of the month follows
the members' events — and a constant number of queries. (Scope: tests/scope_rows/
actions_households.py.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django_scopes import scopes_disabled

from chibo.actions import results, services
from chibo.actions.models import HouseholdContact
from chibo.members.lifecycle import EventData, member_event_add
from chibo.members.models import EventKind
from tests.actions.factories import at, held_meeting, resolution_item
from tests.factories import make_member, make_unit, make_user
from tests.meetings.factories import EXC, LATE, UNEXC, P, bulk_members, roll

pytestmark = pytest.mark.django_db
D = dt.date
JAN, FEB = D(2025, 1, 1), D(2025, 2, 1)


def _review(item, meeting, outcome, note=""):
    with at(meeting.planned_date):
        return services.action_review_add(
            actor=None, item=item, meeting=meeting, outcome=outcome, note=note
        )


def _contact(household, member, day, category):
    HouseholdContact.objects.create(
        household=household, member=member, date=day, category=category, note="Ghi chép"
    )


@pytest.fixture
def months(world):
    with scopes_disabled():
        return _months(world)


def _months(world):
    """January and February 2025 in cell A1, by hand.

    Members: the secretary (S), the plain member (A), Chung (C); Dũng (T) transfers out on
    15/01; Em (E) is admitted on 10/02.
    Items decided on 10/01:
      road   A, due 31/01; A reports it done on 28/01; the meeting of 08/02 confirms it.
      ditch  A, due 20/02; never reviewed.
      school S, due 25/01; not done on 25/01, done on 08/02.
      fence  S, due 20/01; withdrawn on 08/02 (after its due date: not done).
      well   A, due 31/01; reassigned to C on 20/01; never reviewed.
      later  S, due 15/03 (after both months: in neither).
    """
    s, a = world.secretary_member, world.plain_member
    c = make_member(world.cell, "Cầm Văn Chung")
    t = make_member(world.cell, "Lường Văn Dũng")
    e = make_member(world.cell, "Quàng Thị Em", official=False)
    jan10 = held_meeting(world.cell, D(2025, 1, 10))
    road = resolution_item(jan10, [a], D(2025, 1, 31), title="Làm đường")
    ditch = resolution_item(jan10, [a], D(2025, 2, 20), title="Nạo vét mương")
    school = resolution_item(jan10, [s], D(2025, 1, 25), title="Vận động trẻ đến trường")
    fence = resolution_item(jan10, [s], D(2025, 1, 20), title="Rào vườn")
    well = resolution_item(jan10, [a], D(2025, 1, 31), title="Sửa giếng")
    resolution_item(jan10, [s], D(2025, 3, 15), title="Việc tháng ba")
    with at(D(2025, 1, 12)):
        h1, h2 = (
            services.household_create(
                actor=None, cell=world.cell, data=services.HouseholdData(name)
            )
            for name in ("Lò Văn Khánh", "Cầm Thị Bình")
        )
        services.household_assign(actor=None, household=h1, member=a, start_date=D(2025, 1, 12))
        c_h2 = services.household_assign(
            actor=None, household=h2, member=c, start_date=D(2025, 1, 12)
        )
    with at(D(2025, 1, 15)):
        member_event_add(
            actor=None,
            member=t,
            data=EventData(
                kind=EventKind.TRANSFER_OUT, date=D(2025, 1, 15), other_cell=world.cell2
            ),
        )
    _contact(h1, a, D(2025, 1, 15), "production")
    _contact(h1, a, D(2025, 1, 20), "opinions")
    _contact(h1, a, D(2025, 2, 3), "security")
    _contact(h2, c, D(2025, 1, 25), "production")
    with at(D(2025, 1, 20)):
        services.action_item_update(
            actor=None, item=well, data=services.ItemData(well.title, well.due_date, (c,))
        )
    roll(jan10, {s: P, a: P, c: EXC, t: P})
    jan25 = held_meeting(world.cell, D(2025, 1, 25))
    roll(jan25, {s: P, a: LATE, c: UNEXC})
    _review(school, jan25, "not_done", "Thiếu kinh phí")
    with at(D(2025, 1, 28)):
        services.action_progress_report(
            actor=None, item=road, member=a, outcome="done", note="Đã đổ bê tông"
        )
    with at(D(2025, 1, 31)):
        services.household_assignment_end(actor=None, assignment=c_h2, end_date=D(2025, 1, 31))
    with at(D(2025, 2, 10)):
        for kind in (EventKind.ADMISSION, EventKind.CEREMONY):
            member_event_add(actor=None, member=e, data=EventData(kind=kind, date=D(2025, 2, 10)))
    feb8 = held_meeting(world.cell, D(2025, 2, 8))
    roll(feb8, {s: P, a: P, c: P})
    _review(road, feb8, "done")
    _review(school, feb8, "done")
    _review(fence, feb8, "dropped", "Hộ đã tự làm")
    return {"S": s, "A": a, "C": c, "T": t, "E": e, "ditch": ditch}


def _items(row) -> list[tuple[str, str, str]]:
    return [(r.item.title, r.status, r.result) for r in row.items]


def test_january_as_it_stood_at_the_end_of_january(world, sd, months) -> None:
    rows = {r.member.pk: r for r in results.cell_month_results(world.cell, D(2025, 1, 17))}
    # On the roll some day of January, by given name: the plain member, Chung, Dũng (until
    # 15/01), the secretary; not Em (admitted in February).
    by_name = [r.member.full_name for r in rows.values()]
    assert by_name == ["Tòng Thị Ánh", "Cầm Văn Chung", "Lường Văn Dũng", "Lò Văn Piếng"]
    a, s, c = rows[months["A"].pk], rows[months["S"].pk], rows[months["C"].pk]
    # Done on 08/02: open at the end of January (reported done by its owner, to confirm).
    assert _items(a) == [
        ("Làm đường", "reported_done", "open"),
        ("Sửa giếng", "open", "open"),
    ]
    assert a.items[1].until == D(2025, 1, 20)  # taken from A on 20/01 …
    assert _items(c) == [("Sửa giếng", "open", "open")]  # … and counted for C too
    assert c.items[0].until is None
    assert _items(s) == [
        ("Rào vườn", "open", "open"),
        ("Vận động trẻ đến trường", "not_done", "not_done"),
    ]
    assert (a.done, a.not_done, a.still_open) == (0, 0, 2)
    assert (s.done, s.not_done, s.still_open) == (0, 1, 1)
    assert [h.household.head_name for h in a.households] == ["Lò Văn Khánh"]
    assert a.contacts_total == 2
    assert a.contacts == {"production": 1, "opinions": 1}
    with translation.override("en"):
        assert a.contacts_by_category == [
            ("Production and livelihoods", 1),
            ("Opinions about the party and authorities", 1),
        ]
    assert (a.present, a.late, a.excused, a.unexcused) == (1, 1, 0, 0)
    assert (c.present, c.late, c.excused, c.unexcused) == (0, 0, 1, 1)
    assert [h.household.head_name for h in c.households] == ["Cầm Thị Bình"]
    assert rows[months["T"].pk].present == 1


def test_february_carries_what_was_open_and_closes_it(world, sd, months) -> None:
    rows = {r.member.pk: r for r in results.cell_month_results(world.cell, FEB)}
    names = [r.member.full_name for r in rows.values()]
    assert "Lường Văn Dũng" not in names  # left in January
    assert "Quàng Thị Em" in names  # admitted on 10/02
    a, s, c = rows[months["A"].pk], rows[months["S"].pk], rows[months["C"].pk]
    # The well was taken from A in January: in February it is C's only.
    assert _items(a) == [("Làm đường", "done", "done"), ("Nạo vét mương", "open", "open")]
    assert _items(c) == [("Sửa giếng", "open", "open")]
    assert c.items[0].overdue
    # Withdrawn after its due date: not done; the school task done at last.
    assert _items(s) == [
        ("Rào vườn", "dropped", "not_done"),
        ("Vận động trẻ đến trường", "done", "done"),
    ]
    assert (s.done, s.not_done, s.still_open) == (1, 1, 0)
    assert (a.done, a.not_done, a.still_open) == (1, 0, 1)
    assert a.contacts == {"security": 1}
    assert c.households == []  # C's assignment ended on 31/01
    assert c.contacts_total == 0
    assert (a.present, c.present, c.unexcused) == (1, 1, 0)
    assert rows[months["E"].pk].is_empty


def test_member_month_is_the_same_as_the_cells_row(world, sd, months) -> None:
    for month in (JAN, FEB):
        cell_row = next(
            r
            for r in results.cell_month_results(world.cell, month)
            if r.member.pk == months["A"].pk
        )
        own = results.member_month(months["A"].pk, month)
        assert _items(own) == _items(cell_row)
        assert own.contacts == cell_row.contacts
        assert [x.pk for x in own.attendance] == [x.pk for x in cell_row.attendance]
    # Nothing yet in March for A: the ditch was due in February, and is carried.
    march = results.member_month(months["A"].pk, D(2025, 3, 1))
    assert _items(march) == [("Nạo vét mương", "open", "open")]
    assert march.households  # still follows Lò Văn Khánh


def test_an_item_withdrawn_before_its_due_date_is_shown_but_not_counted(world, sd) -> None:
    jan10 = held_meeting(world.cell, D(2025, 1, 10))
    item = resolution_item(jan10, [world.plain_member], D(2025, 1, 31), title="Bỏ sớm")
    jan20 = held_meeting(world.cell, D(2025, 1, 20))
    _review(item, jan20, "dropped", "Xã làm thay")
    (row,) = [
        r for r in results.cell_month_results(world.cell, JAN) if r.member == world.plain_member
    ]
    assert _items(row) == [("Bỏ sớm", "dropped", "withdrawn")]
    assert (row.done, row.not_done, row.still_open) == (0, 0, 0)


@pytest.mark.parametrize("size", [2, 12])
def test_the_cells_results_take_a_constant_number_of_queries(
    world, sd, django_assert_num_queries, size
) -> None:
    members = bulk_members(world.cell, size)
    jan10 = held_meeting(world.cell, D(2025, 1, 10))
    with at(D(2025, 1, 10)):
        for n, member in enumerate(members):
            item = services.action_item_from_resolution(
                actor=None,
                meeting=jan10,
                data=services.ItemData(f"Việc {n}", D(2025, 1, 20 + n % 10), (member,)),
            )
            household = services.household_create(
                actor=None, cell=world.cell, data=services.HouseholdData(f"Hộ {n}")
            )
            services.household_assign(
                actor=None, household=household, member=member, start_date=D(2025, 1, 10)
            )
            _contact(household, member, D(2025, 1, 10), "social_welfare")
    roll(jan10, dict.fromkeys(members, P))
    jan25 = held_meeting(world.cell, D(2025, 1, 25))
    _review(item, jan25, "in_progress", "Đang làm")
    # The roll (members, their events), the ownerships, the reviews, the assignments, the
    # contacts, the attendance.
    with django_assert_num_queries(7):
        rows = results.cell_month_results(world.cell, JAN)
    assert len(rows) == size + 2
    assert sum(r.still_open for r in rows) == size
    assert sum(r.contacts_total for r in rows) == size
    assert sum(r.present for r in rows) == size
    with django_assert_num_queries(6):
        assert results.member_month(members[0].pk, JAN).still_open == 1


# --- Pages ---------------------------------------------------------------------------------------
def test_the_cells_results_page(world, client_en, months) -> None:
    url = reverse("actions:cell_results", args=[world.cell.pk])
    html = client_en(world.secretary).get(url, {"month": "2025-01"}).content.decode()
    assert "Results of the members in 01/2025" in html
    assert "Cầm Văn Chung" in html
    assert "Quàng Thị Em" not in html
    assert "0 done, 1 not done, 1 open" in html  # the secretary
    assert "Reported done, to confirm at the meeting" in html
    assert "reassigned on 20/01/2025" in html
    assert "absent with reason 1, absent without reason 1" in html
    assert reverse("actions:member_results", args=[months["A"].pk]) + "?month=2025-01" in html
    assert "?month=2024-12" in html
    assert "?month=2025-02" in html


def test_the_results_page_takes_a_constant_number_of_queries(world, client_en) -> None:
    client = client_en(world.secretary)
    url = reverse("actions:cell_results", args=[world.cell.pk])
    with scopes_disabled():
        jan10 = held_meeting(world.cell, D(2025, 1, 10))

    def count(members) -> int:
        with scopes_disabled():
            for n, member in enumerate(members):
                resolution_item(jan10, [member], D(2025, 1, 31), title=f"Việc {member.pk}-{n}")
        roll(jan10, dict.fromkeys([world.secretary_member, *members], P))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"month": "2025-01"})
        assert response.status_code == 200
        return len(queries)

    few = count([world.plain_member])
    assert count(bulk_members(world.cell, 15)) == few


def test_a_member_reads_their_own_results_and_their_cells(world, client_en, months) -> None:
    client = client_en(world.member_user)
    own = reverse("actions:member_results", args=[months["A"].pk])
    html = client.get(own, {"month": "2025-02"}).content.decode()
    assert "These are your own results." in html
    assert "Nạo vét mương" in html
    assert "1 done, 0 not done, 1 open" in html
    assert "Security and order: 1" in html
    # Another member of the same cell: the meeting reviews everyone's results.
    other = reverse("actions:member_results", args=[months["C"].pk])
    assert client.get(other).status_code == 200
    assert client.get(reverse("actions:cell_results", args=[world.cell.pk])).status_code == 200


def test_other_cells_and_communes_get_404(world, client_en, months) -> None:
    url = reverse("actions:member_results", args=[months["A"].pk])
    assert client_en(world.secretary2).get(url).status_code == 404
    assert client_en(world.outsider).get(url).status_code == 404
    cell = reverse("actions:cell_results", args=[world.cell.pk])
    assert client_en(world.secretary2).get(cell).status_code == 404
    assert client_en(world.outsider).get(cell).status_code == 404
    # A member without a login in another commune's cell.
    far = make_member(world.other_cell, "Giàng A Pháo")
    url = reverse("actions:member_results", args=[far.pk])
    assert client_en(world.member_user).get(url).status_code == 404
    assert client_en(world.commune_user).get(url).status_code == 404
    assert client_en(world.outsider).get(url).status_code == 200
    assert client_en(world.member_user).get("/actions/results/member/99999999/").status_code == 404
    # Results belong to a cell: a commune's pk is not one.
    commune = reverse("actions:cell_results", args=[world.commune.pk])
    assert client_en(world.commune_user).get(commune).status_code == 404


@pytest.mark.parametrize("value", ["abc", "2025-13", "1999-01", "9" * 40, "2025-1-1"])
def test_a_month_that_cannot_be_read_shows_a_message(world, client_en, value) -> None:
    for url in (
        reverse("actions:cell_results", args=[world.cell.pk]),
        reverse("actions:member_results", args=[world.plain_member.pk]),
    ):
        response = client_en(world.member_user).get(url, {"month": value})
        assert response.status_code == 200
        assert "cannot be read (write it as 2025-03): this month is shown." in (
            response.content.decode()
        )


def test_the_home_page_links_the_members_own_results(world, client_en) -> None:
    user = make_user("lonely", "Lò Thị Một")
    member = make_member(make_unit(world.commune, "Chi bộ bản Mới", "cell"), "Lò Thị Một", user)
    html = client_en(user).get(reverse("home")).content.decode()
    assert reverse("actions:member_results", args=[member.pk]) in html
    assert "You follow no household at the moment." in html
    # A user without a member record has no such block.
    html = client_en(world.commune_user).get(reverse("home")).content.decode()
    assert "My results this month" not in html
