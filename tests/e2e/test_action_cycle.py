"""The action-item cycle on a phone (issue 5, "Tests"): the secretary locks the minutes of a
regular meeting and turns its resolution into items; a member reports progress from her home
page; the next meeting reviews the items, closing one and carrying the other forward.

The clock is the real one, as in test_meeting_cycle.py (the browser's cookies follow it): the
first meeting was held yesterday evening, the items are created today, and the next meeting
(next month's regular meeting, brought forward) was held earlier today. Every page is checked
with axe-core, for ids used twice and for sideways scrolling at 360 px. Labels are read from
the Vietnamese catalogue, so the test follows the translation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import ngettext
from django_scopes import scopes_disabled
from playwright.sync_api import Locator, Page, expect

from chibo.actions.models import ActionItem, ActionReview, ItemStatus
from chibo.meetings import services
from chibo.meetings.models import Meeting, MeetingKind, MeetingStatus
from tests.e2e.conftest import ConsoleLog, login, watch
from tests.e2e.test_meeting_cycle import (
    assert_sound,
    button,
    click_and_wait,
    expect_message,
    link,
    vi,
)
from tests.factories import World, make_member

PLACE = "Nhà văn hóa bản Nà Tăm"
RESOLUTION = (
    "Tháng tới: vận động các hộ góp công làm đường bê tông nội bản; "
    "thu quỹ khuyến học trước ngày khai giảng."
)
ROAD = "Vận động các hộ góp công làm đường bê tông"
FUND = "Thu quỹ khuyến học"
ROAD_REPORT = "Đã họp 12 hộ, 9 hộ nhận góp công."
FUND_REPORT = "Đã thu đủ 35 hộ, nộp thủ quỹ."
NOT_DONE = "Còn 3 hộ chưa đồng ý, chuyển sang tháng sau."


def vi_n(singular: str, plural: str, n: int, **values: Any) -> str:
    """A plural message as the Vietnamese pages show it."""
    with translation.override("vi"):
        return ngettext(singular, plural, n) % {"n": n, **values}


def in_card(card: Locator, message: str) -> Locator:
    """The button labelled ``message`` inside ``card``."""
    return card.get_by_role("button", name=vi(message), exact=True)


def check(page: Page) -> None:
    """axe-core, no id used twice, and nothing wider than the phone's 360 px."""
    assert_sound(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    size = page.viewport_size
    assert size is not None
    assert size["width"] == 360
    assert width <= size["width"], f"{page.url} scrolls sideways: {width}px"


def _status(item: ActionItem) -> str:
    with scopes_disabled():
        return ActionItem.objects.get(pk=item.pk).status


def _hold(meeting: Meeting, day: dt.date, start: dt.datetime, end: dt.datetime, **extra) -> None:
    """Move ``meeting`` to ``day`` and record it as held from ``start`` to ``end``."""
    with scopes_disabled():
        meeting = Meeting.objects.get(pk=meeting.pk)
        moved = replace(services.MeetingData.of(meeting), planned_date=day)
        meeting = services.meeting_update(
            actor=None, meeting=meeting, data=moved, version=meeting.version
        )
        held = replace(moved, held_start=start, held_end=end, **extra)
        services.meeting_update(actor=None, meeting=meeting, data=held, version=meeting.version)


def test_action_cycle_on_a_phone(
    page: Page, new_context, live_server, live_world: World, console: ConsoleLog
) -> None:
    world = live_world
    cell, chair, owner = world.cell, world.secretary_member, world.plain_member
    helper = make_member(cell, "Lường Văn Giúp")
    now = timezone.localtime()
    today = now.date()
    yesterday = today - dt.timedelta(days=1)
    next_month = (yesterday.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    base = live_server.url

    # --- 1. A regular meeting held yesterday: roll and resolution written, minutes not locked -
    with scopes_disabled():
        services.meeting_day_set(
            actor=None, cell=cell, rule="day", day=5, time=dt.time(19, 30), place=PLACE
        )
        for year in sorted({yesterday.year, next_month.year}):
            services.plan_year(actor=None, cell=cell, year=year)
        regular = Meeting.objects.filter(cell=cell, kind=MeetingKind.REGULAR)
        first = regular.get(month=yesterday.replace(day=1))
        second = regular.get(month=next_month)
    evening = timezone.make_aware(dt.datetime.combine(yesterday, dt.time(19, 30)))
    _hold(
        first,
        yesterday,
        evening,
        evening + dt.timedelta(hours=2),
        chair=chair,
        minute_taker=helper,
    )
    with scopes_disabled():
        services.attendance_save(
            actor=None,
            meeting=first,
            rows=[services.RollRow(m.pk, "present", "") for m in (chair, owner, helper)],
        )
        services.resolution_save(
            actor=None, meeting=first, data=services.ResolutionData(RESOLUTION, votes_for=3)
        )
        assert Meeting.objects.get(pk=first.pk).status == MeetingStatus.HELD

    # --- 2. The secretary locks the minutes and turns the resolution into items -------------
    login(page, live_server, "secretary")
    page.goto(f"{base}/meetings/{first.pk}/minutes/")
    check(page)
    click_and_wait(page, link(page, "Lock the minutes"))
    check(page)
    page.check("#id_confirm")
    click_and_wait(page, button(page, "Lock the minutes"))
    expect_message(page, "The minutes have been approved and locked.")
    expect(page.locator("#locked")).to_be_visible()
    check(page)
    with scopes_disabled():
        assert Meeting.objects.get(pk=first.pk).status == MeetingStatus.LOCKED

    click_and_wait(page, link(page, "Action items of this meeting"))
    assert page.url == f"{base}/actions/meeting/{first.pk}/items/"
    expect(page.locator("#resolution")).to_contain_text(RESOLUTION)
    items = page.locator("#items")
    expect(items).to_contain_text(vi("No item was decided at this meeting yet."))
    check(page)

    def owners_box(member) -> Any:
        return page.locator("#owners").get_by_label(member.full_name, exact=True)

    # A due date before today is refused (htmx: the card comes back in place), nothing saved.
    page.fill("#id_title", ROAD)
    page.fill("#id_due_date", yesterday.isoformat())
    owners_box(owner).tap()
    button(page, "Add the item").click()
    refused = vi(
        "The due date (%(due)s) cannot be before the day the item was created (%(day)s).",
        due=f"{yesterday:%d/%m/%Y}",
        day=f"{today:%d/%m/%Y}",
    )
    expect(items.locator(".field.has-error .errors")).to_have_text(refused)
    expect(page.locator("#id_title")).to_have_value(ROAD)
    expect(owners_box(owner)).to_be_checked()
    assert page.url == f"{base}/actions/meeting/{first.pk}/items/"
    with scopes_disabled():
        assert not ActionItem.objects.exists()
    check(page)

    road_due, fund_due = today + dt.timedelta(days=20), today + dt.timedelta(days=30)
    page.fill("#id_due_date", road_due.isoformat())
    button(page, "Add the item").click()
    expect(items.locator(".msg-success")).to_have_text(vi("The action item has been added."))
    expect(items.locator(".rows > li")).to_have_count(1)
    expect(page.locator("#id_title")).to_have_value("")  # a fresh form
    check(page)

    page.fill("#id_title", FUND)
    page.fill("#id_due_date", fund_due.isoformat())
    owners_box(owner).tap()
    owners_box(helper).tap()
    button(page, "Add the item").click()
    expect(items.locator(".rows > li")).to_have_count(2)
    with scopes_disabled():
        road = ActionItem.objects.get(title=ROAD)
        fund = ActionItem.objects.get(title=FUND)
        assert road.source_meeting_id == fund.source_meeting_id == first.pk
        assert list(road.owners.all()) == [owner]
        assert set(fund.owners.all()) == {owner, helper}
    road_line = items.locator(f"#item-{road.pk}")
    expect(road_line).to_contain_text(vi("Due %(day)s", day=f"{road_due:%d/%m/%Y}"))
    expect(road_line).to_contain_text(owner.full_name)
    expect(items.locator(f"#item-{fund.pk}")).to_contain_text(helper.full_name)
    check(page)

    # --- 3. The member reports from her phone ----------------------------------------------
    member = new_context().new_page()
    watch(member, console)
    login(member, live_server, "member")
    tasks = member.locator("#my-tasks")
    expect(tasks.locator("h2")).to_have_text(vi("My tasks"))
    road_task, fund_task = tasks.locator(f"#task-{road.pk}"), tasks.locator(f"#task-{fund.pk}")
    expect(road_task).to_contain_text(ROAD)
    expect(road_task).to_contain_text(vi("Due %(day)s", day=f"{road_due:%d/%m/%Y}"))
    expect(fund_task).to_contain_text(FUND)
    # What she taps to report is a full-size target (44 px, as every control: test_budget.py).
    for task in (road_task, fund_task):
        box = task.locator("summary").bounding_box()
        assert box is not None
        assert min(box["height"], box["width"]) >= 44, box
    check(member)

    road_task.locator("summary").tap()
    member.fill(f"#report-note-{road.pk}", ROAD_REPORT)
    click_and_wait(member, in_card(road_task, "Report: in progress"))
    assert member.url == f"{base}/"
    expect_message(member, "Your report has been recorded.")
    expect(road_task).to_contain_text(vi("In progress"))
    check(member)

    # "Done" without a note: refused on the report page, nothing recorded.
    fund_task.locator("summary").tap()
    click_and_wait(member, in_card(fund_task, "Report: done"))
    expect(member.locator("h1")).to_have_text(vi("Report your progress"))
    expect(member.locator(".field.has-error .errors")).to_have_text(vi("Say what was done."))
    assert _status(fund) == ItemStatus.OPEN
    with scopes_disabled():
        assert not ActionReview.objects.filter(item=fund).exists()
    check(member)
    member.fill(f"#report-note-{fund.pk}", FUND_REPORT)
    click_and_wait(member, button(member, "Report: done"))
    assert member.url == f"{base}/"  # back to where she came from
    expect_message(member, "Your report has been recorded.")
    expect(fund_task).to_contain_text(vi("Reported done, to confirm at the meeting"))
    assert _status(fund) == ItemStatus.REPORTED_DONE
    assert _status(road) == ItemStatus.IN_PROGRESS

    click_and_wait(member, fund_task.get_by_role("link", name=FUND, exact=True))
    expect(member.locator("h1 + p.muted strong")).to_have_text(
        vi("Reported done, to confirm at the meeting")
    )
    history = member.locator("#history")
    expect(history).to_contain_text(vi("Reported done"))
    expect(history).to_contain_text(vi("own report, for the meeting to confirm"))
    expect(history).to_contain_text(FUND_REPORT)
    expect(history).to_contain_text(vi("Reported by %(name)s", name=owner.full_name))
    check(member)

    # --- 4. The next meeting, held earlier today, reviews both items -------------------------
    start = max(now.replace(hour=0, minute=0, second=0, microsecond=0), now - dt.timedelta(hours=2))
    _hold(second, today, start, max(start, now - dt.timedelta(minutes=1)), chair=chair)

    page.goto(f"{base}/meetings/{second.pk}/minutes/")
    check(page)
    click_and_wait(page, link(page, "Review the open items"))
    assert page.url == f"{base}/actions/meeting/{second.pk}/review/"
    expect(page.locator("#review section.card")).to_have_count(2)
    road_card, fund_card = page.locator(f"#item-{road.pk}"), page.locator(f"#item-{fund.pk}")
    reported = f"({today:%d/%m/%Y}, {owner.full_name})"
    expect(road_card.locator("p.flag")).to_have_text(
        f"{vi('Reported in progress')} {reported}: {ROAD_REPORT}"
    )
    expect(fund_card.locator("p.flag")).to_have_text(
        f"{vi('Reported done')} {reported}: {FUND_REPORT}"
    )
    check(page)

    # "Not done" without a note: the whole save is refused, the message on that row.
    page.locator(f"input[name=outcome_{road.pk}][value=not_done]").tap()
    page.locator(f"input[name=outcome_{fund.pk}][value=done]").tap()
    click_and_wait(page, button(page, "Save the reviews"))
    note_needed = vi("Say why: a task not done or withdrawn needs a note.")
    expect(road_card.locator(".errors")).to_have_text(note_needed)
    expect(fund_card.locator(".errors")).to_have_count(0)
    expect(page.locator(f"input[name=outcome_{fund.pk}][value=done]")).to_be_checked()
    expect(page.locator(f"input[name=outcome_{road.pk}][value=not_done]")).to_be_checked()
    with scopes_disabled():
        assert not ActionReview.objects.filter(meeting=second).exists()
    assert (_status(road), _status(fund)) == (ItemStatus.IN_PROGRESS, ItemStatus.REPORTED_DONE)
    check(page)

    page.fill(f"#id_note_{road.pk}", NOT_DONE)
    click_and_wait(page, button(page, "Save the reviews"))
    expect_message(
        page,
        vi_n("%(n)s review has been recorded.", "%(n)s reviews have been recorded.", 2),
    )
    assert (_status(road), _status(fund)) == (ItemStatus.NOT_DONE, ItemStatus.DONE)
    expect(fund_card).to_have_count(0)  # closed: no more card
    expect(page.locator("#recorded")).to_contain_text(f"{FUND}: {vi('Done')}")
    expect(road_card.locator(".msg-success")).to_contain_text(NOT_DONE)
    expect(road_card).to_contain_text(
        vi_n("carried over %(n)s time", "carried over %(n)s times", 1)
    )
    check(page)

    # The cell's items: the done one closed today, the other still open (carried forward).
    click_and_wait(page, link(page, "Action items of this meeting"))
    check(page)
    click_and_wait(page, link(page, "All open items of the cell"))
    assert page.url == f"{base}/actions/cell/{cell.pk}/items/"
    opened, closed = page.locator("#open"), page.locator("#closed")
    expect(opened.locator(f"#item-{road.pk}")).to_contain_text(vi("Not done"))
    expect(opened.locator(f"#item-{fund.pk}")).to_have_count(0)
    expect(closed.locator(f"#item-{fund.pk}")).to_contain_text(
        vi("closed on %(day)s", day=f"{today:%d/%m/%Y}")
    )
    expect(closed.locator(f"#item-{road.pk}")).to_have_count(0)
    check(page)

    click_and_wait(page, opened.get_by_role("link", name=ROAD, exact=True))
    expect(page.locator("h1 + p.muted strong")).to_have_text(vi("Not done"))
    history = page.locator("#history")
    expect(history.locator("li")).to_have_count(2)
    last = history.locator("li").last
    expect(last).to_contain_text(vi("Not done"))
    expect(last).to_contain_text(vi("at the meeting of %(day)s", day=f"{today:%d/%m/%Y}"))
    expect(last).to_contain_text(NOT_DONE)
    expect(history.locator("li").first).to_contain_text(ROAD_REPORT)
    check(page)

    # On her home page the member keeps only the open task.
    member.goto(f"{base}/")
    expect(road_task).to_contain_text(vi("Not done"))
    expect(fund_task).to_have_count(0)
    check(member)
    console.assert_clean()
