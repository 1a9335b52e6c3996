"""The commune's view of its cells' action items: counts by cell, worst first, the completion
rate as a percent ("—" when nothing is due), the resolutions that produced no action item,
months and orders asked for, and a constant number of queries. (Scope: tests/scope_rows/
actions_households.py.)"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from chibo.actions import services
from chibo.meetings import services as meetings
from chibo.members.models import Member
from tests.actions.factories import at, held_meeting, resolution_item
from tests.factories import make_member, make_unit
from tests.meetings.factories import aware

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2025, 2, 10)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(aware(TODAY, 10), tick=False):
        yield


def _review(item, meeting, outcome, note=""):
    with at(meeting.planned_date):
        return services.action_review_add(
            actor=None, item=item, meeting=meeting, outcome=outcome, note=note
        )


def _resolution(meeting, text="Nghị quyết") -> None:
    with at(meeting.planned_date):
        meetings.resolution_save(
            actor=None, meeting=meeting, data=meetings.ResolutionData(text=text)
        )


@pytest.fixture
def january(world):
    """January 2025. Cell A1: two items due in January, one done on time, one still open
    (overdue); one due in February. Cell A2: one item due in January, not done; a held
    meeting whose resolution produced no action item. The other commune's cell: an item."""
    with scopes_disabled():
        a1 = held_meeting(world.cell, D(2025, 1, 10))
        done = resolution_item(a1, [world.plain_member], D(2025, 1, 25), title="Xong")
        resolution_item(a1, [world.plain_member], D(2025, 1, 31), title="Quá hạn")
        resolution_item(a1, [world.secretary_member], D(2025, 2, 28), title="Còn hạn")
        a1_review = held_meeting(world.cell, D(2025, 1, 20))
        _review(done, a1_review, "done")
        sec2 = Member.objects.get(user=world.secretary2)
        a2 = held_meeting(world.cell2, D(2025, 1, 5))
        failed = resolution_item(a2, [sec2], D(2025, 1, 15), title="Không xong")
        a2_review = held_meeting(world.cell2, D(2025, 1, 18))
        _review(failed, a2_review, "not_done", "Thiếu người")
        _resolution(a2_review)
        far = held_meeting(world.other_cell, D(2025, 1, 10))
        resolution_item(far, [world.other_member], D(2025, 1, 20), title="Xã khác")
    return {"silent": a2_review}


def test_the_commune_page_by_cell_worst_first(world, client_en, january) -> None:
    url = reverse("actions:commune", args=[world.commune.pk])
    response = client_en(world.commune_user).get(url, {"month": "2025-01"})
    assert response.status_code == 200
    html = response.content.decode()
    rows = html.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    cells = [row.split("</a>")[0].rsplit(">", 1)[1] for row in rows]
    # A2 completed 0% of what was due, A1 50%: A2 first.
    assert cells == [world.cell2.name, world.cell.name]
    a2, a1 = ("".join(row.split()) for row in rows)
    # open, overdue, due, done, on time, rate
    assert (
        '<td>1</td><td><strongclass="flag">1</strong></td><td>1</td><td>0</td><td>0</td><td>0%</td>'
        in a2
    )
    assert (
        '<td>2</td><td><strongclass="flag">1</strong></td><td>2</td><td>1</td><td>1</td><td>50%</td>'
        in a1
    )
    total = "".join(html.split("<tfoot>")[1].split("</tfoot>")[0].split())
    assert "<td>3</td><td>2</td><td>3</td><td>1</td><td>1</td><td>33%</td>" in total
    assert "Xã khác" not in html
    assert world.other_cell.name not in html
    # The resolution of A2's meeting of 18/01 produced no action item: linked.
    silent = html.split('id="without-items"')[1]
    assert world.cell2.name in silent
    assert reverse("meetings:detail", args=[january["silent"].pk]) in silent
    assert "18/01/2025" in silent
    # Months around.
    assert "?month=2024-12&amp;sort=worst" in html
    assert "?month=2025-02&amp;sort=worst" in html


def test_nothing_due_shows_a_dash_and_other_orders(world, client_en, january) -> None:
    client = client_en(world.commune_user)
    url = reverse("actions:commune", args=[world.commune.pk])
    html = client.get(url, {"month": "2025-03"}).content.decode()
    assert html.count("<td>—</td>") == 3  # both cells and the total: nothing due in March
    assert "Every resolution of the month has its action items." in html
    html = client.get(url, {"month": "2025-01", "sort": "name"}).content.decode()
    body = html.split("<tbody>")[1]
    assert body.index(world.cell.name) < body.index(world.cell2.name)  # Nà Tăm < Pá Khoang
    html = client.get(url, {"month": "2025-01", "sort": "open"}).content.decode()
    body = html.split("<tbody>")[1]
    assert body.index(world.cell.name) < body.index(world.cell2.name)  # 2 open before 1
    # An order that does not exist is the default one.
    html = client.get(url, {"month": "2025-01", "sort": "'; drop"}).content.decode()
    body = html.split("<tbody>")[1]
    assert body.index(world.cell2.name) < body.index(world.cell.name)


@pytest.mark.parametrize("value", ["abc", "2025-00", "1800-01", "9" * 50, "<b>x</b>"])
def test_a_month_that_cannot_be_read_shows_a_message(world, client_en, value) -> None:
    url = reverse("actions:commune", args=[world.commune.pk])
    response = client_en(world.commune_user).get(url, {"month": value})
    assert response.status_code == 200
    html = response.content.decode()
    assert "cannot be read (write it as 2025-03): this month is shown." in html
    assert "Items due in 02/2025" in html
    assert "<b>x</b>" not in html


def test_only_the_commune_and_above_see_it(world, client_en) -> None:
    url = reverse("actions:commune", args=[world.commune.pk])
    assert client_en(world.province_user).get(url).status_code == 200
    for user in (world.secretary, world.member_user, world.outsider, world.secretary2):
        assert client_en(user).get(url).status_code == 404
    # A cell is not a commune.
    cell = reverse("actions:commune", args=[world.cell.pk])
    assert client_en(world.commune_user).get(cell).status_code == 404
    assert client_en(world.commune_user).get("/actions/commune/99999999999/").status_code == 404


def test_the_meetings_commune_page_links_here(world, client_en) -> None:
    html = (
        client_en(world.commune_user)
        .get(reverse("meetings:commune", args=[world.commune.pk]), {"month": "2025-01"})
        .content.decode()
    )
    assert reverse("actions:commune", args=[world.commune.pk]) + "?month=2025-01" in html


def _items_in(cell, n: int) -> None:
    """A member, two items due in January (one done on time), a resolution without items."""
    with scopes_disabled():
        member = make_member(cell, f"Lò Văn Số {n}")
        meeting = held_meeting(cell, D(2025, 1, 8))
        first = resolution_item(meeting, [member], D(2025, 1, 20), title=f"Việc {n}")
        resolution_item(meeting, [member], D(2025, 1, 31), title=f"Việc khác {n}")
        review = held_meeting(cell, D(2025, 1, 22))
        _review(first, review, "done")
        _resolution(review)


def test_the_commune_page_takes_a_constant_number_of_queries(
    world, client_en, django_assert_num_queries
) -> None:
    """Two cells, then six: the same number of queries."""
    client = client_en(world.commune_user)
    url = reverse("actions:commune", args=[world.commune.pk])
    _items_in(world.cell, 0)
    _items_in(world.cell2, 1)
    with CaptureQueriesContext(connection) as two:
        html = client.get(url, {"month": "2025-01"}).content.decode()
    assert html.split("<tbody>")[1].split("</tbody>")[0].count("<tr>") == 2
    for n in range(2, 6):
        with scopes_disabled():
            cell = make_unit(world.commune, f"Chi bộ bản Số {n}", "cell")
        _items_in(cell, n)
    with django_assert_num_queries(len(two)):
        html = client.get(url, {"month": "2025-01"}).content.decode()
    assert html.split("<tbody>")[1].split("</tbody>")[0].count("<tr>") == 6
    assert html.count("<td>50%</td>") == 7  # each cell, and the total
    assert html.split('id="without-items"')[1].count("22/01/2025") == 6
