"""The whole meeting cycle on a phone, as a cell secretary and one of the cell's members:
plan the year and a thematic meeting, prepare it, send the notice, answer it, call the roll,
write the minutes, lock them, download them as a Word file and print them.

The meeting is held today (the roll is refused before the meeting's date, and the home page
lists only the notices still ahead), opened earlier today and closed a minute ago, so the test
runs whatever the real date and hour. Every page is checked with axe-core. Button labels are
read from the Vietnamese catalogue, so the test follows the translation.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext
from django_scopes import scopes_disabled
from docx import Document
from playwright.sync_api import Locator, Page, expect

from chibo.meetings import services
from chibo.meetings.models import Meeting, MeetingStatus
from tests.e2e.conftest import ConsoleLog, assert_accessible, login, watch
from tests.factories import World, make_member

TOPIC = "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh"
PLACE = "Nhà văn hóa bản Nà Tăm"
LOCAL_ISSUE = "Làm đường bê tông nội bản"
DRAFT = "Chi bộ thống nhất góp công làm đường bê tông nội bản trước mùa mưa."
ABSENCE = "Đi khám bệnh ở huyện"
LATE_REASON = "Đi nương về muộn"
SPEECH = "Mỗi hộ góp năm ngày công, bản lo cát sỏi."
CONCLUSION = "Khởi công vào ngày 05 tháng sau."
GUESTS = "Đồng chí Lò Văn Xã, Đảng ủy viên phụ trách bản"


def vi(message: str, **values: Any) -> str:
    """``message`` as the Vietnamese pages show it."""
    with translation.override("vi"):
        text = gettext(message)
    return text % values if values else text


def button(page: Page, message: str, **values: Any) -> Locator:
    return page.get_by_role("button", name=vi(message, **values), exact=True)


def link(page: Page, message: str, **values: Any) -> Locator:
    return page.get_by_role("link", name=vi(message, **values), exact=True)


def click_and_wait(page: Page, target: Locator) -> None:
    with page.expect_navigation():
        target.click()


def expect_message(page: Page, message: str, **values: Any) -> None:
    expect(page.locator(".messages")).to_contain_text(vi(message, **values))


def assert_sound(page: Page) -> None:
    """axe-core, and no id used twice (a label would name the wrong field)."""
    assert_accessible(page)
    twice = page.evaluate(
        """() => {
      const seen = {};
      document.querySelectorAll("[id]").forEach((el) => { seen[el.id] = (seen[el.id] || 0) + 1; });
      return Object.keys(seen).filter((id) => seen[id] > 1);
    }"""
    )
    assert not twice, f"ids used twice on {page.url}: {twice}"


def _hours(now: dt.datetime) -> tuple[str, str]:
    """An opening and a closing time today, both already past: 2½ hours before now and a minute
    before now (clamped to midnight just after midnight)."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    end = max(midnight, now - dt.timedelta(minutes=1))
    start = max(midnight, now - dt.timedelta(minutes=150))
    return f"{start:%H:%M}", f"{end:%H:%M}"


def test_meeting_cycle_on_a_phone(
    page: Page, new_context, live_server, live_world: World, console: ConsoleLog
) -> None:
    world = live_world
    cell = world.cell
    with scopes_disabled():
        # The commune's decision: the cell meets on the 5th at 19:30 in the village hall.
        services.meeting_day_set(
            actor=None, cell=cell, rule="day", day=5, time=dt.time(19, 30), place=PLACE
        )
    late = make_member(cell, "Lường Văn Muộn")
    truant = make_member(cell, "Quàng Văn Trốn")
    chair, excused = world.secretary_member, world.plain_member
    today = timezone.localdate()
    year = today.year
    base = live_server.url

    # --- 1. Plan: the year's regular meetings, then the quarter's thematic meeting -------------
    login(page, live_server, "secretary")
    page.goto(f"{base}/meetings/cell/{cell.pk}/")
    expect(page.locator("h1")).to_have_text(vi("Meetings of %(year)s", year=year))
    expect(page.locator("#quarter-warnings")).to_be_visible()
    assert_sound(page)
    click_and_wait(page, button(page, "Plan the year %(year)s", year=year))
    expect_message(page, "%(n)s regular meetings have been planned.", n=12)
    expect(page.locator("#meetings > li")).to_have_count(12)
    assert_sound(page)

    # Planning again (from its own page) creates nothing.
    page.goto(f"{base}/meetings/cell/{cell.pk}/plan/?year={year}")
    expect(page.locator("#id_year")).to_have_value(str(year))
    assert_sound(page)
    click_and_wait(page, page.locator("main form button[type=submit]"))
    expect_message(page, "Every month of the year already has its meeting.")
    expect(page.locator("#meetings > li")).to_have_count(12)

    click_and_wait(page, link(page, "Add a thematic meeting"))
    expect(page.locator("input[name=kind][value=thematic]")).to_be_checked()
    assert_sound(page)
    page.fill("#id_planned_date", today.isoformat())
    page.fill("#id_topic", TOPIC)
    page.fill("#id_presenter", chair.full_name)
    click_and_wait(page, button(page, "Add the meeting"))
    expect_message(page, "The meeting has been added.")
    expect(page.locator("h1")).to_contain_text(TOPIC)
    with scopes_disabled():
        meeting = Meeting.objects.get(cell=cell, kind="thematic")
    pk = meeting.pk
    assert page.url == f"{base}/meetings/{pk}/"
    # The cell's usual time and place came with it.
    expect(page.locator("dl.facts")).to_contain_text(PLACE)
    expect(page.locator("dl.facts")).to_contain_text("19:30")
    assert_sound(page)
    # The quarter has its thematic meeting now.
    back = page.get_by_role("link", name=f"← {vi('Meetings of %(cell)s', cell=cell.name)}")
    click_and_wait(page, back)
    quarter = vi("quarter %(q)s", q=(today.month - 1) // 3 + 1)
    expect(page.locator("#meetings")).to_contain_text(TOPIC)
    expect(page.locator("#quarter-warnings")).not_to_contain_text(quarter)
    click_and_wait(page, page.locator("#meetings li", has_text=TOPIC).get_by_role("link"))
    expect(page.locator("h1")).to_contain_text(TOPIC)

    # --- 2. Prepare: the agenda from the template, an item, the draft resolution ---------------
    click_and_wait(page, link(page, "Build from a template"))
    assert_sound(page)
    page.fill("#id_documents", "42-HD/BTCTW: Hướng dẫn nâng cao chất lượng sinh hoạt chi bộ")
    page.fill("#id_local_issues", LOCAL_ISSUE)
    click_and_wait(page, button(page, "Build the agenda"))
    expect_message(page, "The agenda has been built.")
    agenda = page.locator("#agenda")
    expect(agenda).to_contain_text(LOCAL_ISSUE)
    expect(agenda).to_contain_text("42-HD/BTCTW")
    assert_sound(page)

    click_and_wait(page, link(page, "Add an item"))
    assert_sound(page)
    page.select_option("#id_step", "content")
    page.fill("#id_title", "Phân công đảng viên phụ trách hộ")
    click_and_wait(page, page.locator("main form button[type=submit]"))
    expect_message(page, "The item has been added to the agenda.")
    expect(agenda).to_contain_text("Phân công đảng viên phụ trách hộ")

    # Edit the local issue: its content.
    edit_issue = agenda.get_by_role("link", name=f"{vi('Edit')} — {LOCAL_ISSUE}", exact=True)
    click_and_wait(page, edit_issue)
    expect(page.locator("#id_title")).to_have_value(LOCAL_ISSUE)
    assert_sound(page)
    page.fill("#id_content", "Bàn phương án góp công, góp của.")
    click_and_wait(page, page.locator("main form button[type=submit]"))
    expect_message(page, "The agenda item has been saved.")
    expect(agenda).to_contain_text("Bàn phương án góp công, góp của.")

    click_and_wait(page, link(page, "Prepare / edit"))
    assert_sound(page)
    yesterday = timezone.localtime() - dt.timedelta(days=1)
    page.select_option("#id_prepared_by", str(chair.pk))
    page.check("#id_committee_met_before")
    page.fill("#id_materials_published_at", f"{yesterday:%Y-%m-%dT%H:%M}")
    page.fill("#id_draft_resolution", DRAFT)
    click_and_wait(page, page.locator("main form button[type=submit]"))
    expect_message(page, "The meeting has been saved.")
    expect(page.locator("#draft-h + p")).to_have_text(DRAFT)
    expect(page.locator("#materials")).to_have_text(f"{yesterday:%d/%m/%Y %H:%M}")
    expect(page.locator("#materials-warning")).to_have_count(0)
    assert_sound(page)

    # --- 3. Notify, and a member answers from her home page ----------------------------------
    click_and_wait(page, link(page, "Send the notice"))
    expect(page.locator("main")).to_contain_text(TOPIC)
    assert_sound(page)
    click_and_wait(page, button(page, "Send the notice"))
    expect_message(page, "The notice has been sent.")
    expect(page.locator("main p.muted strong")).to_have_text(vi("Notice sent"))
    expect(link(page, "Send the notice")).to_have_count(0)

    member = new_context().new_page()
    watch(member, console)
    login(member, live_server, "member")
    notice = member.locator(f"#notice-{pk}")
    expect(notice).to_contain_text(TOPIC)
    expect(notice).to_contain_text(today.strftime("%d/%m/%Y"))
    assert_sound(member)
    # "I cannot come" without a reason is refused, on the answer page.
    click_and_wait(member, notice.get_by_role("button", name=vi("I cannot come"), exact=True))
    expect(member.locator("h1")).to_have_text(vi("Answer the notice"))
    expect(member.locator(".field.has-error .errors")).to_have_text(
        vi("Give the reason you cannot come.")
    )
    assert_sound(member)
    member.fill(f"#answer-reason-{pk}", ABSENCE)
    click_and_wait(member, button(member, "I cannot come"))
    expect_message(member, "Your answer has been sent to the secretary.")
    expect(member.locator(".answer-note")).to_contain_text(ABSENCE)
    assert_sound(member)
    member.goto(f"{base}/")
    expect(notice.locator(".answer-note")).to_contain_text(ABSENCE)

    page.reload()
    answers = page.locator("#answers")
    expect(answers).to_contain_text(excused.full_name)
    expect(answers).to_contain_text(ABSENCE)

    # --- 4. The roll call ----------------------------------------------------------------------
    click_and_wait(page, link(page, "Roll call"))
    assert_sound(page)
    counts = page.locator("#counts")

    def count(name: str):
        return counts.locator(f"[data-count={name}]")

    expect(counts.locator("dd").first).to_have_text("4")
    expect(count("not_recorded")).to_have_text("4")
    line = page.locator("fieldset.roll-line", has_text=excused.full_name)
    expect(line.locator("legend .flag")).to_contain_text(ABSENCE)

    start, end = _hours(timezone.localtime())
    page.fill("#id_held_start", start)
    page.select_option("#id_chair", str(chair.pk))
    page.select_option("#id_minute_taker", str(late.pk))
    page.fill("#id_guests", GUESTS)
    page.locator(f"input[name=cat_{chair.pk}][value=present]").tap()
    expect(count("present")).to_have_text("1")
    expect(count("not_recorded")).to_have_text("3")
    page.locator(f"input[name=cat_{late.pk}][value=late]").tap()
    page.fill(f"input[name=reason_{late.pk}]", LATE_REASON)
    page.locator(f"input[name=cat_{excused.pk}][value=absent_excused]").tap()
    page.fill(f"input[name=reason_{excused.pk}]", ABSENCE)
    page.locator(f"input[name=cat_{truant.pk}][value=absent_unexcused]").tap()
    for name, value in (
        ("present", "1"),
        ("late", "1"),
        ("absent_excused", "1"),
        ("absent_unexcused", "1"),
        ("not_recorded", "0"),
    ):
        expect(count(name)).to_have_text(value)
    page.fill("#id_held_end", end)
    assert_sound(page)
    click_and_wait(page, button(page, "Save the roll call"))
    expect_message(page, "The roll call has been saved.")

    page.reload()
    for member_pk, category in (
        (chair.pk, "present"),
        (late.pk, "late"),
        (excused.pk, "absent_excused"),
        (truant.pk, "absent_unexcused"),
    ):
        expect(page.locator(f"input[name=cat_{member_pk}][value={category}]")).to_be_checked()
    expect(page.locator(f"input[name=reason_{excused.pk}]")).to_have_value(ABSENCE)
    expect(page.locator(f"input[name=reason_{late.pk}]")).to_have_value(LATE_REASON)
    expect(page.locator("#id_held_start")).to_have_value(start)
    expect(page.locator("#id_held_end")).to_have_value(end)
    expect(page.locator("#id_chair")).to_have_value(str(chair.pk))
    expect(page.locator("#id_minute_taker")).to_have_value(str(late.pk))
    expect(count("present")).to_have_text("1")
    expect(count("not_recorded")).to_have_text("0")
    expect(page.locator("main p.muted strong")).to_have_text(vi("Held"))
    assert_sound(page)

    # --- 5. The minutes: a speech, a conclusion, the resolution and its vote; lock ------------
    click_and_wait(page, link(page, "Minutes"))
    assert_sound(page)
    speeches = page.locator("#speeches")
    issue = speeches.locator("h3", has_text=LOCAL_ISSUE)
    item_value = page.locator("#id_agenda_item option", has_text=LOCAL_ISSUE).get_attribute("value")
    assert item_value
    page.select_option("#id_agenda_item", item_value)
    page.select_option("#id_member", str(late.pk))
    page.fill("#id_text", SPEECH)
    # htmx swaps the speeches in place: no navigation.
    button(page, "Record the speech").click()
    expect(speeches.locator(".msg-success")).to_have_text(vi("The speech has been recorded."))
    said = issue.locator("xpath=following-sibling::p[contains(@class, 'speech')][1]")
    expect(said).to_have_text(f"{late.full_name}: {SPEECH}")
    expect(page.locator("#id_text")).to_have_value("")
    assert_sound(page)

    conclude = f"{vi('Write the conclusion')} — {LOCAL_ISSUE}"
    click_and_wait(page, speeches.get_by_role("link", name=conclude, exact=True))
    page.fill("#id_conclusion", CONCLUSION)
    click_and_wait(page, page.locator("main form button[type=submit]"))
    assert "/minutes/" in page.url
    expect(speeches).to_contain_text(CONCLUSION)

    resolution = page.locator("#resolution")
    # Each field of the two forms has its own label (no shared id).
    expect(resolution.get_by_label(vi("Resolution"), exact=True)).to_have_value(DRAFT)
    expect(resolution.locator("input[name=vote_method][value=hands]")).to_be_checked()
    expect(resolution.locator("#id_resolution_votes_for")).to_have_value("2")
    page.fill("#id_resolution_votes_against", "0")
    page.fill("#id_resolution_votes_abstain", "0")
    click_and_wait(page, button(page, "Save the resolution"))
    expect_message(page, "The resolution and its vote have been saved.")
    expect(resolution).to_contain_text(DRAFT)
    votes = vi(
        "%(method)s: %(f)s for, %(a)s against, %(ab)s abstaining.",
        method=vi("Show of hands"),
        f=2,
        a=0,
        ab=0,
    )
    expect(resolution.locator("p", has_text=votes)).to_have_count(1)
    assert_sound(page)

    # The pages behind the minutes' forms (without JavaScript, or after an error).
    page.goto(f"{base}/meetings/{pk}/minutes/speech/")
    expect(page.locator("h1")).to_have_text(vi("Record a speech"))
    assert_sound(page)
    page.goto(f"{base}/meetings/{pk}/minutes/resolution/")
    expect(page.get_by_label(vi("Resolution"), exact=True)).to_have_value(DRAFT)
    assert_sound(page)

    page.goto(f"{base}/meetings/{pk}/minutes/")
    click_and_wait(page, link(page, "Lock the minutes"))
    expect(page.locator("main")).to_contain_text(GUESTS)
    assert_sound(page)
    # Not confirmed: refused.
    click_and_wait(page, button(page, "Lock the minutes"))
    expect(page.locator(".field.has-error")).to_have_count(1)
    page.check("#id_confirm")
    click_and_wait(page, button(page, "Lock the minutes"))
    expect_message(page, "The minutes have been approved and locked.")
    expect(page.locator("#locked")).to_be_visible()
    assert_sound(page)
    with scopes_disabled():
        assert Meeting.objects.get(pk=pk).status == MeetingStatus.LOCKED

    # Locked: nothing to edit any more, only the dated amendment.
    expect(link(page, "Amend the minutes")).to_be_visible()
    main = page.locator("main")
    expect(main.locator("form")).to_have_count(0)
    expect(link(page, "Lock the minutes")).to_have_count(0)
    expect(main.locator("a[href*='/agenda/']")).to_have_count(0)
    expect(link(page, "Correct the roll call and the header")).to_have_count(0)

    click_and_wait(page, link(page, "Roll call"))
    expect(page.locator(".warn")).to_contain_text(vi("Amend the minutes"))
    expect(button(page, "Save the roll call")).to_have_count(0)
    controls = "#roll :is(input:not([type=hidden]), select, textarea, button):enabled"
    expect(page.locator(controls)).to_have_count(0)
    expect(page.locator(f"input[name=cat_{excused.pk}][value=absent_excused]")).to_be_checked()
    expect(count("absent_excused")).to_have_text("1")
    assert_sound(page)

    click_and_wait(page, link(page, "Meeting"))
    expect(link(page, "Prepare / edit")).to_have_count(0)
    expect(page.locator("#agenda a")).to_have_count(0)
    assert_sound(page)

    click_and_wait(page, link(page, "Quality"))
    assert_sound(page)

    # --- 6. The Word file and the print page ----------------------------------------------------
    page.goto(f"{base}/meetings/{pk}/minutes/")
    with page.expect_download() as download_info:
        link(page, "Download as a Word file").click()
    download = download_info.value
    assert download.suggested_filename.endswith(f"-{today:%Y%m%d}-{pk}.docx")
    document = Document(io.BytesIO(download.path().read_bytes()))
    header = [p.text for cell_ in document.tables[0].rows[0].cells for p in cell_.paragraphs]
    assert world.commune.name.upper() in header
    assert cell.name.upper() in header
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in header
    # The place is the commune's; a day below 10 and the months 1 and 2 take a leading zero.
    month = f"{today.month:02d}" if today.month < 3 else str(today.month)
    assert f"Nậm Tăm, ngày {today.day:02d} tháng {month} năm {today.year}" in header, header
    text = "\n".join(p.text for p in document.paragraphs)
    assert "BIÊN BẢN SINH HOẠT CHI BỘ CHUYÊN ĐỀ" in text
    assert f"Chuyên đề: {TOPIC}" in text
    assert "Bản dự thảo" not in text
    assert f"- Chủ trì: đồng chí {chair.full_name}." in text
    assert f"- Thư ký: đồng chí {late.full_name}." in text
    assert "- Số đảng viên phải dự sinh hoạt: 4 đồng chí." in text
    assert "- Có mặt: 2 đồng chí (đạt 50%); trong đó đến muộn: 1." in text
    assert f"- Vắng có lý do: 1 đồng chí: {excused.full_name} ({ABSENCE})." in text
    assert f"- Vắng không lý do: 1 đồng chí: {truant.full_name}." in text
    assert f"+ Đồng chí {late.full_name}: {SPEECH}" in text
    assert f"- Kết luận: {CONCLUSION}" in text
    assert DRAFT in text
    assert "tán thành 2/2 đồng chí (100%)" in text
    assert f"- Khách mời: {GUESTS}." in text

    click_and_wait(page, link(page, "Print the minutes"))
    paper = page.locator("article.paper")
    expect(paper).to_contain_text("ĐẢNG CỘNG SẢN VIỆT NAM")
    expect(paper).to_contain_text(world.commune.name.upper())
    expect(paper.locator("h1")).to_have_text("BIÊN BẢN SINH HOẠT CHI BỘ CHUYÊN ĐỀ")
    expect(paper.locator(".place-date")).to_contain_text(f"Nậm Tăm, ngày {today.day:02d} tháng")
    expect(paper).to_contain_text(votes)
    expect(paper).to_contain_text(TOPIC)
    expect(paper).to_contain_text(f"{late.full_name}: {SPEECH}")
    expect(paper).to_contain_text(DRAFT)
    expect(page.locator(".no-print .warn")).to_have_count(0)
    assert_sound(page)

    # After the meeting the notice is gone from the member's home page.
    member.goto(f"{base}/")
    expect(member.locator(f"#notice-{pk}")).to_have_count(0)
    console.assert_clean()
