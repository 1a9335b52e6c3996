"""The dashboards and targets pages (chibo.reports.views): the numbers of a known rollup, the
breakdown by child unit worst first and its orders, periods asked for and periods that cannot
be read, a cell's meetings behind its numbers, targets against the period's rates, setting and
removing targets (audited), who is refused, and a constant number of queries whatever the size
of the tree. (Scope of every role: tests/scope_rows/reports_dashboard.py.)"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from chibo.core.bulk import insert_values
from chibo.core.models import AuditEntry
from chibo.meetings import services as meetings
from chibo.meetings.models import Meeting, MeetingKind
from chibo.orgunits.models import UnitKind
from chibo.reports import rollup
from chibo.reports.models import COUNT_FIELDS, CellMonth, Indicator, Target
from chibo.reports.services import TargetData, target_create
from chibo.reports.views import home_dashboards
from tests.factories import make_unit
from tests.meetings.factories import aware, hold, meeting_on

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2025, 6, 15)
MONTHS = [D(2025, m, 1) for m in range(1, 7)]


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(aware(TODAY, 10), tick=False):
        yield


def put(cell, month, **counts) -> None:
    CellMonth._base_manager.create(cell=cell, path=cell.path, month=month, **counts)


@pytest.fixture
def known(world):
    """A rollup written by hand, January to June 2025 (nothing else in the table).

    Cell A1 (Nà Tăm) holds every regular meeting on the fixed day, 9 of 10 members attend,
    every meeting meets the criteria and its minutes are locked on time; a thematic meeting
    in February and May; one item due and done in March, one overdue in June; 8 official, 2
    probationary (1 exempt) members at the end of June (7 official before).
    Cell A2 (Pá Khoang) holds January to March only (on the fixed day in January and
    February), half its members attend, the others without reason; at the end of June: 5
    official members, 1 to review for removal, 1 probation and 1 transfer overdue.
    The other commune's cell: every meeting, everyone present, 4 members."""
    CellMonth._base_manager.all().delete()
    for month in MONTHS:
        june = month == MONTHS[-1]
        put(
            world.cell,
            month,
            regular_held=1,
            regular_on_fixed_day=1,
            thematic_held=1 if month.month in (2, 5) else 0,
            meetings_held=1,
            meetings_quality=1,
            minutes_locked=1,
            minutes_locked_on_time=1,
            attendance_required=10,
            attendance_attended=9,
            absent_excused=1,
            items_due=1 if month.month == 3 else 0,
            items_done=1 if month.month == 3 else 0,
            items_done_on_time=1 if month.month == 3 else 0,
            members_official=8 if june else 7,
            members_probationary=2,
            members_exempt=1 if june else 0,
            items_overdue=1 if june else 0,
        )
        early = month.month <= 3
        put(
            world.cell2,
            month,
            regular_held=1 if early else 0,
            regular_on_fixed_day=1 if month.month <= 2 else 0,
            meetings_held=1 if early else 0,
            attendance_required=10 if early else 0,
            attendance_attended=5 if early else 0,
            absent_unexcused=5 if early else 0,
            members_official=5,
            removal_review=1 if june else 0,
            probation_overdue=1 if june else 0,
            transfers_overdue=1 if june else 0,
        )
        put(
            world.other_cell,
            month,
            regular_held=1,
            meetings_held=1,
            attendance_required=10,
            attendance_attended=10,
            members_official=4,
        )


def _url(unit, name: str = "reports:dashboard") -> str:
    return reverse(name, args=[unit.pk])


def _text(fragment: str) -> str:
    """The text of an HTML fragment, each cell or element apart."""
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


def _line(fragment: str) -> str:
    """The text of an HTML fragment as it reads (inline elements run on)."""
    return " ".join(re.sub(r"<[^>]+>", "", fragment).split())


def figure(html: str, label: str) -> str:
    """The value shown beside ``label`` in the indicators, as text."""
    match = re.search(rf"<dt>{re.escape(label)}</dt>\s*<dd>(.*?)</dd>", html, re.S)
    assert match, f"no figure {label!r}"
    return _text(match[1]).split(" See them")[0]


def rows_of(html: str) -> list[str]:
    """The names of the breakdown's rows, in order."""
    body = html.split('id="breakdown"')[1].split("<tbody>")[1].split("</tbody>")[0]
    return [_text(row.split("</th>")[0]) for row in body.split("<tr>")[1:]]


def row_values(html: str, name: str) -> list[str]:
    body = html.split('id="breakdown"')[1].split("<tbody>")[1].split("</tbody>")[0]
    row = next(r for r in body.split("<tr>")[1:] if name in r)
    return re.findall(r"<td>([^<]*)</td>", row)


# --- The numbers ---------------------------------------------------------------------------------
def test_the_commune_dashboard_shows_the_rollup(world, client_en, known) -> None:
    response = client_en(world.commune_user).get(_url(world.commune))
    assert response.status_code == 200
    html = response.content.decode()
    # The default period: this year up to this month.
    assert "From 01/2025 to 06/2025" in html
    assert figure(html, "Official members") == "13"  # the stocks of June, not of May
    assert figure(html, "Probationary members") == "2"
    assert figure(html, "Exempt from activities") == "1"
    assert figure(html, "Due (one per cell and month, from its fixed day)") == "12"
    assert figure(html, "Held") == "75% (9 of 12)"
    assert figure(html, "Held on the fixed day") == "66.7% (8 of 12)"
    assert figure(html, "Cells holding every regular meeting") == "50% (1 of 2)"
    assert figure(html, "Quarters with a thematic meeting") == "50% (2 of 4)"
    assert figure(html, "Thematic meetings held") == "2"
    assert figure(html, "Attendance rate") == "76.7% (69 of 90)"
    assert figure(html, "Absent with reason") == "6"
    assert figure(html, "Absent without reason") == "15"
    assert figure(html, "Meetings meeting every quality criterion") == "66.7% (6 of 9)"
    assert figure(html, "Minutes locked on time") == "66.7% (6 of 9)"
    assert figure(html, "Done") == "100% (1 of 1)"
    assert figure(html, "Overdue") == "1"
    assert figure(html, "Members to review for removal") == "1"
    assert figure(html, "Probation deadlines overdue") == "1"
    assert figure(html, "Transfers overdue") == "1"
    # The other commune's cell is not counted, nor named.
    assert world.other_cell.name not in html
    assert world.other_commune.name not in html


def test_the_province_adds_up_its_communes(world, client_en, known) -> None:
    html = client_en(world.province_user).get(_url(world.province)).content.decode()
    assert figure(html, "Official members") == "17"
    assert figure(html, "Attendance rate") == "86% (129 of 150)"
    assert figure(html, "Cells holding every regular meeting") == "66.7% (2 of 3)"
    # By commune, each linking to its own dashboard over the same period.
    assert set(rows_of(html)) == {world.commune.name, world.other_commune.name}
    query = "?from=2025-01&amp;to=2025-06"
    assert f'href="{_url(world.commune)}{query}"' in html
    assert f'href="{_url(world.other_commune)}{query}"' in html
    assert "By unit" in html


def test_numbers_are_formatted_the_vietnamese_way(world, client_for, known) -> None:
    html = client_for(world.commune_user).get(_url(world.commune)).content.decode()
    assert "76,7%" in html
    assert "76.7%" not in html


def test_the_exports_take_the_same_period(world, client_en, known) -> None:
    html = (
        client_en(world.commune_user)
        .get(_url(world.commune), {"kind": "quarter", "from": "2025-02"})
        .content.decode()
    )
    query = "?from=2025-01&amp;to=2025-03"
    assert f"{reverse('reports:dashboard_xlsx', args=[world.commune.pk])}{query}" in html
    assert f"{reverse('reports:report_docx', args=[world.commune.pk])}{query}" in html
    assert "Download Excel" in html
    assert "Word report" in html


# --- The breakdown -------------------------------------------------------------------------------
def test_the_breakdown_puts_the_worst_first_and_links_each_cell(world, client_en, known) -> None:
    html = client_en(world.commune_user).get(_url(world.commune)).content.decode()
    assert rows_of(html) == [world.cell2.name, world.cell.name]  # A2 missed meetings
    assert "By party cell" in html
    # every held, fixed day, thematic, attendance, quality, minutes, items, cells
    assert row_values(html, world.cell2.name) == ["0%", "33.3%", "0%", "50%", "0%", "0%", "—", "1"]
    assert row_values(html, world.cell.name) == [
        "100%",
        "100%",
        "100%",
        "90%",
        "100%",
        "100%",
        "100%",
        "1",
    ]
    assert f'href="{_url(world.cell)}?from=2025-01&amp;to=2025-06"' in html
    # The column sorted by is marked, and its link reverses the order.
    assert (
        'aria-sort="ascending"><a href="?from=2025-01&amp;to=2025-06&amp;sort=-every_held' in html
    )


@pytest.mark.parametrize(
    ("sort", "first"),
    [
        ("name", "cell"),  # Nà Tăm before Pá Khoang
        ("-every_held", "cell"),
        ("attendance", "cell2"),  # 50% before 90%
        ("-attendance", "cell"),
        ("items", "cell"),  # A2 has nothing due: last whichever the order
        ("-items", "cell"),
        ("'; drop table", "cell2"),  # not an order: the default one
        ("every_held", "cell2"),
    ],
)
def test_the_breakdown_sorts_on_the_server(world, client_en, known, sort, first) -> None:
    html = client_en(world.commune_user).get(_url(world.commune), {"sort": sort}).content.decode()
    names = rows_of(html)
    assert len(names) == 2
    assert names[0] == getattr(world, first).name


# --- Periods -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "shown"),
    [
        ({"kind": "month", "from": "2025-05"}, "Month 05/2025"),
        ({"kind": "quarter", "from": "2025-05"}, "From 04/2025 to 06/2025"),
        ({"kind": "year", "from": "2024-03"}, "From 01/2024 to 12/2024"),
        ({"from": "2025-02", "to": "2025-03"}, "From 02/2025 to 03/2025"),
        ({"kind": "custom", "from": "2025-02"}, "Month 02/2025"),
        ({"kind": "nonsense", "from": "2025-02", "to": "2025-04"}, "From 02/2025 to 04/2025"),
    ],
)
def test_periods_asked_for(world, client_en, known, params, shown) -> None:
    response = client_en(world.commune_user).get(_url(world.commune), params)
    assert response.status_code == 200
    html = response.content.decode()
    assert shown in html
    assert 'role="alert"' not in html


def test_a_month_and_a_year_read_their_own_months(world, client_en, known) -> None:
    client = client_en(world.commune_user)
    html = client.get(_url(world.commune), {"kind": "month", "from": "2025-04"}).content.decode()
    assert figure(html, "Held") == "50% (1 of 2)"  # A2 stopped after March
    assert figure(html, "Official members") == "12"  # the stocks of April
    html = client.get(_url(world.commune), {"kind": "year", "from": "2025-01"}).content.decode()
    assert "figures up to 06/2025" in html  # the year is not over
    assert figure(html, "Due (one per cell and month, from its fixed day)") == "12"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "abc"}, "The start of the period must be a month written YYYY-MM"),
        ({"from": "2025-13"}, "The start of the period must be a month written YYYY-MM"),
        ({"from": "2025-01", "to": "x"}, "The end of the period must be a month written YYYY-MM"),
        ({"from": "2025-06", "to": "2025-01"}, "The end of the period is before its start."),
        ({"from": "2020-01", "to": "2025-06"}, "A period is at most 36 months"),
        ({"from": "9999-12"}, "Choose months between 2000 and 2100."),
        ({"kind": "year", "from": "1899-01"}, "Choose months between 2000 and 2100."),
        ({"kind": "quarter", "from": "<b>x</b>"}, "must be a month written YYYY-MM"),
        ({"from": "+2025-01"}, "must be a month written YYYY-MM"),
        ({"to": "2025-03"}, "The start of the period must be a month written YYYY-MM"),
    ],
)
def test_a_period_that_cannot_be_read_says_why(world, client_en, known, params, message) -> None:
    response = client_en(world.commune_user).get(_url(world.commune), params)
    assert response.status_code == 200
    html = response.content.decode()
    alert = html.split('id="period-error"')[1].split("</div>")[0]
    assert message in alert
    assert "This year is shown." in alert
    assert "From 01/2025 to 06/2025" in html  # the default period instead
    assert figure(html, "Held") == "75% (9 of 12)"
    assert "<b>x</b>" not in html


# --- A cell --------------------------------------------------------------------------------------
@pytest.fixture
def cell_meetings(world):
    """Cell A1's regular meetings of 2025 planned on the 5th; May's held that day; a thematic
    meeting planned on 20/06; a committee meeting held in May (not listed)."""
    cell = world.cell
    with scopes_disabled():
        meetings.meeting_day_set(
            actor=None, cell=cell, rule="day", day=5, time=dt.time(19, 30), place="Nhà văn hóa"
        )
        meetings.plan_year(actor=None, cell=cell, year=2025)
        may = Meeting.objects.get(cell=cell, kind=MeetingKind.REGULAR, month=D(2025, 5, 1))
    may = hold(may)
    thematic = meeting_on(cell, D(2025, 6, 20), MeetingKind.THEMATIC, topic="Học tập Nghị quyết")
    committee = hold(meeting_on(cell, D(2025, 5, 2), MeetingKind.COMMITTEE))
    rollup.rebuild(today=TODAY)
    return {"may": may, "thematic": thematic, "committee": committee}


def test_a_cell_shows_its_meetings_behind_the_numbers(world, client_en, cell_meetings) -> None:
    response = client_en(world.secretary).get(_url(world.cell))
    assert response.status_code == 200
    html = response.content.decode()
    assert figure(html, "Held") == "16.7% (1 of 6)"  # from the rollup the services wrote
    assert figure(html, "Held on the fixed day") == "16.7% (1 of 6)"
    listed = html.split('id="meetings"')[1].split("</section>")[0]
    may, thematic = cell_meetings["may"], cell_meetings["thematic"]
    row = listed.split(f'id="meeting-{may.pk}"')[1].split("</tr>")[0]
    assert f'href="{reverse("meetings:detail", args=[may.pk])}"' in row
    assert "05/05/2025" in row
    assert _text(row).endswith("Yes Yes Not yet")  # held, on the fixed day, minutes not locked
    row = listed.split(f'id="meeting-{thematic.pk}"')[1].split("</tr>")[0]
    assert "20/06/2025" in row
    assert "Planned" in row
    assert listed.count("<tr id=") == 7  # 6 regular meetings and the thematic one
    assert f"meeting-{cell_meetings['committee'].pk}" not in listed
    # Where the other rows are: the cell's items, and (for its secretary) the members to follow.
    assert reverse("actions:cell_items", args=[world.cell.pk]) in listed
    assert f"{reverse('meetings:cell_year', args=[world.cell.pk])}?year=2025#alerts" in listed
    assert 'id="breakdown"' not in html  # a cell has no child unit


def test_minutes_locked_late_are_marked(world, client_en, cell_meetings) -> None:
    may = cell_meetings["may"]
    with scopes_disabled():  # the minutes locked 10 days after the meeting (the limit is 7)
        Meeting.objects.filter(pk=may.pk).update(
            status="locked", locked_at=aware(D(2025, 5, 15), 9)
        )
    html = client_en(world.commune_user).get(_url(world.cell)).content.decode()
    row = html.split(f'id="meeting-{may.pk}"')[1].split("</tr>")[0]
    assert _text(row).endswith("Yes Yes Late")
    # The committee sees no link to the members to follow up: that is the cell's page to act on.
    html = client_en(world.province_user).get(_url(world.cell)).content.decode()
    assert "#alerts" not in html


def test_a_cell_with_party_groups_shows_its_own_meetings_beside_them(world, client_en, known):
    group = make_unit(world.cell, "Tổ đảng số 1", UnitKind.PARTY_GROUP)
    put(group, MONTHS[0], regular_held=0, members_official=3)
    html = client_en(world.secretary).get(_url(world.cell)).content.decode()
    assert rows_of(html) == [group.name, "This unit's own meetings"]  # 0% before 100%
    assert f'href="{_url(group)}?from=2025-01&amp;to=2025-06"' in html
    assert 'id="meetings"' in html  # the cell's own meetings are still listed


# --- Targets -------------------------------------------------------------------------------------
def _target(unit, indicator, value, start, deadline, note=""):
    with scopes_disabled():
        return target_create(
            actor=None,
            unit=unit,
            data=TargetData(indicator, Decimal(value), start, deadline, note),
        )


def test_targets_of_the_unit_and_above_against_the_period(world, client_en, known) -> None:
    above = _target(world.province, Indicator.ATTENDANCE, "80", D(2025, 1, 1), D(2025, 12, 31))
    own = _target(world.commune, Indicator.HELD, "90", D(2025, 1, 1), D(2027, 12, 31))
    past = _target(world.commune, Indicator.QUALITY, "50", D(2024, 1, 1), D(2024, 12, 31))
    other = _target(world.other_commune, Indicator.QUALITY, "70", D(2025, 1, 1), D(2025, 12, 31))
    html = client_en(world.commune_user).get(_url(world.commune)).content.decode()
    card = html.split('id="targets"')[1].split("</section>")[0]
    line = _line(card.split(f'id="target-{above.pk}"')[1].split("</li>")[0])
    assert "Attendance rate: 80% by 31/12/2025" in line
    assert f"set by {world.province.name}" in line  # the province, out of the commune's scope
    assert "This period: 76.7% — not met, 3.3 points short" in line
    line = _line(card.split(f'id="target-{own.pk}"')[1].split("</li>")[0])
    assert "This period: 50% — not met, 40 points short" in line
    assert f"target-{past.pk}" not in card  # over before the period
    assert f"target-{other.pk}" not in card  # another commune's
    # A1 on its own: 90% attendance meets the province's target.
    html = client_en(world.secretary).get(_url(world.cell)).content.decode()
    line = _line(html.split(f'id="target-{above.pk}"')[1].split("</li>")[0])
    assert "This period: 90% — met" in line


def test_the_commune_sets_a_target(world, client_for, known) -> None:
    client = client_for(world.commune_user)  # in Vietnamese: "85,5" and dd/mm/yyyy
    url = _url(world.commune, "reports:targets")
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="indicator"' in page.content.decode()
    data = {
        "indicator": "quality",
        "value": "85,5",
        "start": "01/01/2025",
        "deadline": "31/12/2025",
        "note": "Nghị quyết Đại hội",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == url
    with scopes_disabled():
        target = Target.objects.get()
        entry = AuditEntry.objects.get(action="report.target_set")
    assert (target.unit, target.indicator, target.value) == (
        world.commune,
        "quality",
        Decimal("85.5"),
    )
    assert (target.start, target.deadline) == (D(2025, 1, 1), D(2025, 12, 31))
    assert target.created_by == world.commune_user
    assert entry.unit_id == world.commune.pk
    assert entry.actor_id == world.commune_user.pk
    html = client.get(url).content.decode()
    line = _line(html.split(f'id="target-{target.pk}"')[1].split("</li>")[0])
    assert "Nghị quyết Đại hội" in line
    # Progress: January to June, 6 of 9 meetings met every criterion.
    assert "66,7%" in line


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"deadline": "01/01/2024"},
            "deadline",
            "The deadline (01/01/2024) is before the start (01/01/2025).",
        ),
        ({"value": "150"}, "value", "A target is a percentage from 0 to 100."),
        ({"start": "31/02/2025"}, "start", "Enter a valid date."),
        ({"indicator": "nonsense"}, "indicator", "Select a valid choice."),
    ],
)
def test_a_wrong_target_is_refused_on_its_field(world, client_en, changes, field, message) -> None:
    url = _url(world.commune, "reports:targets")
    data = {"indicator": "held", "value": "90", "start": "01/01/2025", "deadline": "31/12/2025"}
    response = client_en(world.commune_user).post(url, {**data, **changes})
    assert response.status_code == 200
    html = response.content.decode()
    error = html.split(f'id="id_{field}-err"')[1].split("</div>")[0]
    assert message in error
    with scopes_disabled():
        assert not Target.objects.exists()
        assert not AuditEntry.objects.filter(action="report.target_set").exists()


def test_only_a_committee_sets_targets(world, client_en) -> None:
    data = {"indicator": "held", "value": "90", "start": "01/01/2025", "deadline": "31/12/2025"}
    # The secretary sees the cell's targets (none) and no form; a POST is refused.
    url = _url(world.cell, "reports:targets")
    page = client_en(world.secretary).get(url)
    assert page.status_code == 200
    assert 'name="indicator"' not in page.content.decode()
    assert client_en(world.secretary).post(url, data).status_code == 404
    # The commune on a cell: targets are set on committees' units.
    page = client_en(world.commune_user).get(url).content.decode()
    assert "Targets are set by a committee for its units, not on a cell." in page
    assert client_en(world.commune_user).post(url, data).status_code == 404
    # Nobody outside the unit.
    url = _url(world.commune, "reports:targets")
    assert client_en(world.outsider).post(url, data).status_code == 404
    assert client_en(world.secretary).get(url).status_code == 404
    with scopes_disabled():
        assert not Target.objects.exists()


def test_removing_a_target_asks_first(world, client_en, known) -> None:
    target = _target(world.commune, Indicator.HELD, "90", D(2025, 1, 1), D(2025, 12, 31))
    url = reverse("reports:target_delete", args=[target.pk])
    targets_url = _url(world.commune, "reports:targets")
    assert url in client_en(world.commune_user).get(targets_url).content.decode()
    page = client_en(world.commune_user).get(url)
    assert page.status_code == 200
    assert "Remove the target" in page.content.decode()
    with scopes_disabled():
        assert Target.objects.filter(pk=target.pk).exists()  # a GET removes nothing
    for user in (world.outsider, world.secretary, world.member_user):
        assert client_en(user).post(url).status_code == 404
    response = client_en(world.commune_user).post(url)
    assert response.status_code == 302
    assert response["Location"] == targets_url
    with scopes_disabled():
        assert not Target.objects.filter(pk=target.pk).exists()
        entry = AuditEntry.objects.get(action="report.target_removed")
    assert entry.unit_id == world.commune.pk
    assert client_en(world.commune_user).post(url).status_code == 404  # gone


def test_a_commune_cannot_remove_the_provinces_target(world, client_en) -> None:
    target = _target(world.province, Indicator.HELD, "90", D(2025, 1, 1), D(2025, 12, 31))
    url = reverse("reports:target_delete", args=[target.pk])
    assert client_en(world.commune_user).get(url).status_code == 404
    assert client_en(world.commune_user).post(url).status_code == 404
    assert client_en(world.province_user).post(url).status_code == 302
    with scopes_disabled():
        assert not Target.objects.exists()


def test_a_target_not_started_yet(world, client_en, known) -> None:
    target = _target(world.commune, Indicator.HELD, "90", D(2026, 1, 1), D(2026, 12, 31))
    html = (
        client_en(world.commune_user).get(_url(world.commune, "reports:targets")).content.decode()
    )
    line = _line(html.split(f'id="target-{target.pk}"')[1].split("</li>")[0])
    assert "Starts on 01/01/2026." in line


# --- Who sees what -------------------------------------------------------------------------------
def test_who_is_refused(world, client_en, known) -> None:
    assert client_en(world.member_user).get(_url(world.cell)).status_code == 404
    assert client_en(world.outsider).get(_url(world.commune)).status_code == 404
    assert client_en(world.commune_user).get(_url(world.province)).status_code == 404
    assert client_en(world.secretary).get(_url(world.commune)).status_code == 404
    assert client_en(world.secretary).get(_url(world.cell2)).status_code == 404
    assert client_en(world.province_user).get("/reports/units/999999/").status_code == 404


def test_the_breadcrumb_links_only_dashboards_the_user_may_open(world, client_en, known) -> None:
    html = client_en(world.commune_user).get(_url(world.cell)).content.decode()
    crumbs = html.split('class="crumbs"')[1].split("</nav>")[0]
    assert f"{_url(world.commune)}?from=2025-01&amp;to=2025-06" in crumbs
    assert _url(world.province) not in crumbs
    html = client_en(world.province_user).get(_url(world.cell)).content.decode()
    crumbs = html.split('class="crumbs"')[1].split("</nav>")[0]
    assert _url(world.province) in crumbs


def test_the_home_page_offers_the_dashboards_of_the_users_units(world) -> None:
    from chibo.core.access import access_for_user

    units = [world.province, world.commune, world.cell]
    for user, expected in (
        (world.province_user, units),
        (world.commune_user, [world.commune, world.cell]),
        (world.secretary, [world.cell]),
        (world.member_user, []),
    ):
        assert home_dashboards(access_for_user(user), units) == expected


# --- Queries -------------------------------------------------------------------------------------
def _bigger_tree(world) -> int:
    """Three more communes of five cells each, with a rollup row per cell and month (written
    directly): 18 cells in all instead of 3. Returns the number of cells."""
    for c in range(3):
        commune = make_unit(world.province, f"Đảng bộ xã Thêm {c}", UnitKind.COMMUNE)
        for i in range(5):
            make_unit(commune, f"Chi bộ bản Thêm {c}-{i}", UnitKind.CELL)
    CellMonth._base_manager.all().delete()
    with scopes_disabled():
        from chibo.orgunits.models import OrgUnit

        cells = list(OrgUnit.objects.filter(kind=UnitKind.CELL).values_list("pk", "path"))
    now = aware(TODAY, 10)
    fields = ("cell", "path", "month", *COUNT_FIELDS, "updated_at")
    rows = [
        (pk, path, month, *(i % 3 for i in range(len(COUNT_FIELDS))), now)
        for pk, path in cells
        for month in MONTHS
    ]
    insert_values(CellMonth, fields, rows)
    return len(cells)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_province_dashboard_answers_in_constant_queries(world, client_en, known) -> None:
    _target(world.province, Indicator.ATTENDANCE, "80", D(2025, 1, 1), D(2025, 12, 31))
    client = client_en(world.province_user)
    url = _url(world.province)
    client.get(url)  # the session and the language are settled
    small = _queries(client, url)
    assert _bigger_tree(world) == 18
    large = _queries(client, url)
    assert small == large
    assert small <= 12, small
    html = client.get(url).content.decode()
    assert len(rows_of(html)) == 5  # the five communes, from one query


def test_a_cells_dashboard_answers_in_constant_queries(world, client_en, cell_meetings) -> None:
    client = client_en(world.secretary)
    url = _url(world.cell)
    client.get(url)
    few = _queries(client, url)
    for day in (D(2025, 3, 20), D(2025, 4, 20), D(2025, 5, 20)):
        meeting_on(world.cell, day)
    assert _queries(client, url) == few
