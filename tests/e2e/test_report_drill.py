"""Drilling down the dashboards on a phone (issue 6, "Tests"): from the province's dashboard to
a commune's, to one of its cells', to a meeting of that cell behind the cell's numbers.

The issue says "a commune user drilling from the province dashboard"; a commune's committee
cannot open the province's dashboard (it answers 404: the province is outside its scope), so
the province board's user drills down here, through the commune, as a commune user would from
the commune's own dashboard.

The clock is the real one: the meeting was held yesterday, and the period is chosen with the
dashboard's period form (no JavaScript needed) as that month. Every page is checked with
axe-core, for ids used twice and for sideways scrolling at 360 px. Labels are read from the
Vietnamese catalogue, so the test follows the translation.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from chibo.meetings.models import MeetingKind
from chibo.reports import rollup
from tests.e2e.conftest import ConsoleLog, login
from tests.e2e.test_action_cycle import check
from tests.e2e.test_meeting_cycle import button, click_and_wait, vi
from tests.factories import World
from tests.meetings.factories import hold, meeting_on, roll

pytestmark = pytest.mark.browser

TOPIC = "Bàn biện pháp phòng chống cháy rừng"


def test_the_province_drills_down_to_a_cells_meeting(
    page: Page, live_server, live_world: World, console: ConsoleLog
) -> None:
    world = live_world
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    month = f"{yesterday:%Y-%m}"
    meeting = hold(meeting_on(world.cell, yesterday, MeetingKind.THEMATIC, topic=TOPIC))
    roll(meeting, {world.plain_member: "absent_unexcused"})
    rollup.rebuild()
    base = live_server.url

    login(page, live_server, "province")
    page.goto(f"{base}{reverse('reports:dashboard', args=[world.province.pk])}")
    expect(page.locator("h1")).to_have_text(vi("Dashboard"))
    check(page)

    # The month of the meeting, through the period form (a plain GET form).
    page.locator("#period summary").click()
    page.select_option("#id_kind", "month")
    page.fill("#id_from", month)
    check(page)  # with the form open
    click_and_wait(page, button(page, "Show"))
    expect(page.locator("#period-shown")).to_contain_text(
        vi("Month %(month)s", month=f"{yesterday:%m/%Y}")
    )
    expect(page.locator("#period-error")).to_have_count(0)
    # The charts and their numbers: the tables open under them.
    chart = page.locator("#chart-quality")
    expect(chart.locator("svg[role=img]")).to_be_visible()
    chart.locator("summary").click()
    expect(chart.locator("table")).to_be_visible()
    check(page)

    # Province → commune: the row of the breakdown, for the same period.
    breakdown = page.locator("#breakdown")
    click_and_wait(page, breakdown.get_by_role("link", name=world.commune.name, exact=True))
    query = f"?from={month}&to={month}"
    assert page.url == f"{base}{reverse('reports:dashboard', args=[world.commune.pk])}{query}"
    expect(page.locator("#breakdown tbody tr")).to_have_count(2)  # the commune's two cells
    check(page)

    # Commune → cell.
    breakdown = page.locator("#breakdown")
    click_and_wait(page, breakdown.get_by_role("link", name=world.cell.name, exact=True))
    assert page.url == f"{base}{reverse('reports:dashboard', args=[world.cell.pk])}{query}"
    row = page.locator(f"#meeting-{meeting.pk}")
    expect(row).to_contain_text(f"{yesterday:%d/%m/%Y}")
    expect(page.locator("#ind-quality dd").first).to_have_text("1")  # one meeting held
    check(page)

    # The number of absences without reason → the member behind it, and back.
    absent = page.locator("#ind-attendance a[href*='/members/absent_unexcused/']")
    expect(absent).to_contain_text(vi("See them"))
    click_and_wait(page, absent)
    expect(page.locator("#behind")).to_contain_text(world.plain_member.full_name)
    check(page)
    page.go_back()

    # Cell → the meeting behind its numbers.
    click_and_wait(page, row.get_by_role("link"))
    assert page.url == f"{base}{reverse('meetings:detail', args=[meeting.pk])}"
    expect(page.locator("main")).to_contain_text(TOPIC)
    check(page)
    console.assert_clean()
