"""The members behind a dashboard's follow-up numbers: the list, the page, its links.

(After random sequences of service calls, the lists add up to the numbers: see
``test_rollup.test_the_services_rollup_equals_a_recomputation``.)
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chibo.meetings.models import Meeting, MeetingKind
from chibo.meetings.selectors import roll_standings
from chibo.members.models import EventKind, Member
from chibo.reports import behind
from chibo.reports.indicators import Period, breakdown
from tests.factories import make_member
from tests.meetings.factories import aware, bulk_members, hold, roll
from tests.meetings.test_roll_state import add_event
from tests.reports.test_rollup import plan

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2026, 11, 23)
YEAR = Period.year(2026)


@pytest.fixture
def cell_year(world, sd):
    """The cell's regular meetings of August to October 2026: one member absent without reason
    at all three (to review for removal), another at one; a probationary member whose
    admission ceremony was due in February."""
    cell = world.cell
    often, once, *_rest = bulk_members(cell, 4)
    with time_machine.travel(aware(TODAY, 22), tick=False):
        probation = make_member(cell, "Lù Thị Dự", official=False, admitted=D(2026, 1, 5))
        add_event(probation, EventKind.ADMISSION, D(2026, 1, 5))
        plan([cell])
        for month in (8, 9, 10):
            meeting = hold(
                Meeting._base_manager.get(
                    cell=cell, kind=MeetingKind.REGULAR, month=D(2026, month, 1)
                )
            )
            standing = roll_standings(cell.pk, meeting.planned_date)
            people = Member._base_manager.in_bulk([s.member_id for s in standing])
            categories = dict.fromkeys(people.values(), "present")
            categories[people[often.pk]] = "absent_unexcused"
            if month == 9:
                categories[people[once.pk]] = "absent_unexcused"
            roll(meeting, categories)
    return often, once, probation


def test_the_lists_are_the_members_counted(world, cell_year) -> None:
    often, once, probation = cell_year
    figures = breakdown(world.commune, YEAR, today=TODAY).total

    review = behind.members_behind(world.commune, YEAR, "removal_review", today=TODAY)
    assert [(b.member_id, b.months) for b in review] == [
        (often.pk, [D(2026, 8, 1), D(2026, 9, 1), D(2026, 10, 1)])
    ]
    assert figures.removal_review == 1

    absent = behind.members_behind(world.commune, YEAR, "absent_unexcused", today=TODAY)
    assert {b.member_id: b.count for b in absent} == {often.pk: 3, once.pk: 1}
    assert figures.absent_unexcused == 4

    overdue = behind.members_behind(world.province, YEAR, "probation_overdue", today=TODAY)
    assert [(b.member_id, b.cell_name) for b in overdue] == [(probation.pk, world.cell.name)]
    assert overdue[0].due is not None
    assert overdue[0].due < TODAY
    assert figures.probation_overdue == 1

    # Another period: August alone has one absence, nobody to review yet.
    august = Period.month(D(2026, 8, 1))
    assert behind.members_behind(world.commune, august, "removal_review", today=TODAY) == []
    assert [
        b.count for b in behind.members_behind(world.cell, august, "absent_unexcused", today=TODAY)
    ] == [1]
    # Another commune counts nobody of this one.
    assert behind.members_behind(world.other_commune, YEAR, "absent_unexcused", today=TODAY) == []
    with pytest.raises(KeyError):
        behind.members_behind(world.commune, YEAR, "members_official", today=TODAY)


def _page(client, unit, key: str, query: str = "from=2026-01&to=2026-12"):
    return client.get(f"{reverse('reports:members', args=[unit.pk, key])}?{query}")


def test_the_page_lists_them_with_links_to_their_records(world, cell_year, client_en) -> None:
    often, _once, _probation = cell_year
    with time_machine.travel(aware(TODAY, 9), tick=False):
        response = _page(client_en(world.commune_user), world.commune, "removal_review")
        html = response.content.decode()
        assert response.status_code == 200
        assert often.full_name in html
        assert reverse("members:detail", args=[often.pk]) in html
        assert "08/2026, 09/2026, 10/2026" in html
        # The dashboard's number links to this page, for the same period.
        dashboard = client_en(world.commune_user).get(
            reverse("reports:dashboard", args=[world.commune.pk]) + "?from=2026-01&to=2026-12"
        )
        link = reverse("reports:members", args=[world.commune.pk, "removal_review"])
        assert f'href="{link}?from=2026-01&amp;to=2026-12"' in dashboard.content.decode()
        # The items: the commune's items by cell, for the period's last month with figures.
        items = reverse("actions:commune", args=[world.commune.pk])
        assert f'href="{items}?month=2026-11"' in dashboard.content.decode()
        # The register by status is today's: linked while the period runs only.
        register = reverse("members:unit_list", args=[world.commune.pk])
        assert f'href="{register}?category=probationary"' in dashboard.content.decode()
        past = client_en(world.commune_user).get(
            reverse("reports:dashboard", args=[world.commune.pk]) + "?from=2025-01&to=2025-12"
        )
        assert register not in past.content.decode()


def test_a_secretary_sees_the_names_of_their_cell(world, cell_year, client_en) -> None:
    often, once, _probation = cell_year
    with time_machine.travel(aware(TODAY, 9), tick=False):
        html = _page(client_en(world.secretary), world.cell, "absent_unexcused").content.decode()
    assert often.full_name in html
    assert once.full_name in html
    assert "Absent without reason 3 times" in html


def test_an_unknown_number_or_a_bad_period_is_a_clear_answer(world, cell_year, client_en):
    client = client_en(world.commune_user)
    assert _page(client, world.commune, "members_official").status_code == 404
    response = _page(client, world.commune, "absent_unexcused", "from=2026-13&to=x")
    assert response.status_code == 200
    assert "This year is shown." in response.content.decode()


def test_the_page_takes_the_same_queries_for_few_and_many_members(world, cell_year, client_en):
    client = client_en(world.commune_user)
    counts = []
    with time_machine.travel(aware(TODAY, 22), tick=False):
        for extra in (0, 6):
            if extra:
                more = bulk_members(world.cell2, extra)
                plan([world.cell2])
                meeting = hold(
                    Meeting._base_manager.get(
                        cell=world.cell2, kind=MeetingKind.REGULAR, month=D(2026, 10, 1)
                    )
                )
                roll(meeting, dict.fromkeys(more, "absent_unexcused"))
            with CaptureQueriesContext(connection) as queries:
                response = _page(client, world.commune, "absent_unexcused")
            assert response.status_code == 200
            counts.append(len(queries))
    assert response.content.decode().count('href="/members/') >= 2 + 6
    assert counts[0] == counts[1], counts
