"""The meeting pages: each renders, POSTs work and redirect, bad input gives a message (never a
500), locked meetings refuse, and the roll call and the commune page answer in a constant
number of queries. (Scope: tests/scope_rows/meetings.py.)"""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from chibo.meetings import services
from chibo.meetings.models import (
    AdvanceAnswer,
    AgendaItem,
    Attendance,
    Meeting,
    MeetingDay,
    MeetingKind,
    MeetingStatus,
    MinutesAmendment,
    ModelCell,
    Resolution,
    Speech,
)
from chibo.notifications.models import Notice
from tests.meetings.factories import EXC, UNEXC, P, aware, bulk_members, hold, meeting_on, roll

pytestmark = pytest.mark.django_db
D = dt.date
NOW = aware(D(2025, 3, 8), 21)  # the meeting of 08/03/2025 has been held


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def meeting(world):
    return meeting_on(world.cell, D(2025, 3, 8))


def _fresh(meeting: Meeting) -> Meeting:
    with scopes_disabled():
        return Meeting.objects.get(pk=meeting.pk)


def _roll_post(meeting: Meeting, members, categories: dict, **extra) -> dict:
    data = {
        "held_date": "2025-03-08",
        "held_start": "19:00",
        "held_end": "20:45",
        "chair": str(members[0].pk),
        "minute_taker": str(members[-1].pk),
        "guests": "Lò Văn Xã (đảng ủy xã)",
        "version": str(_fresh(meeting).version),
    }
    for member in members:
        category = categories.get(member, P)
        data[f"cat_{member.pk}"] = category
        data[f"reason_{member.pk}"] = "Ốm" if category == EXC else ""
    data.update(extra)
    return data


def _lockable(world, meeting) -> Meeting:
    people = [world.secretary_member, world.plain_member]
    hold(meeting, minutes=100, chair=people[0], minute_taker=people[1])
    roll(meeting, {people[0]: P, people[1]: P})
    with scopes_disabled():
        services.resolution_save(
            actor=None,
            meeting=_fresh(meeting),
            data=services.ResolutionData("Nghị quyết tháng 3", votes_for=2),
        )
    return _fresh(meeting)


# --- A cell's year -----------------------------------------------------------------------------
def test_cell_year_shows_meetings_quarter_warnings_and_plan_buttons(world, sec) -> None:
    with scopes_disabled():
        services.meeting_day_set(actor=None, cell=world.cell, rule="day", day=5)
    url = reverse("meetings:cell_year", args=[world.cell.pk])
    response = sec.post(reverse("meetings:plan_year", args=[world.cell.pk]), {"year": "2025"})
    assert response.status_code == 302
    assert response["Location"] == f"{url}?year=2025"
    with scopes_disabled():
        assert Meeting.objects.filter(cell=world.cell, kind=MeetingKind.REGULAR).count() == 12
    html = sec.get(url, {"year": "2025"}).content.decode()
    assert "05/01/2025" in html
    assert "05/12/2025" in html
    assert 'id="quarter-warnings"' in html
    assert "quarter 4" in html
    assert "Plan the year 2025" in html


def test_plan_year_without_a_fixed_day_explains(world, sec) -> None:
    response = sec.post(reverse("meetings:plan_year", args=[world.cell.pk]), {"year": "2025"})
    assert response.status_code == 200
    assert "has not set this cell&#x27;s meeting day" in response.content.decode()


def test_member_sees_the_year_but_no_buttons_nor_alerts(world, client_en) -> None:
    html = (
        client_en(world.member_user)
        .get(reverse("meetings:cell_year", args=[world.cell.pk]))
        .content.decode()
    )
    assert "Plan the year" not in html
    assert "Add a meeting" not in html


def test_add_a_thematic_meeting_needs_a_topic(world, sec) -> None:
    url = reverse("meetings:add", args=[world.cell.pk])
    assert sec.get(url, {"kind": "thematic"}).status_code == 200
    response = sec.post(url, {"kind": "thematic", "planned_date": "2025-05-20"})
    assert response.status_code == 200
    assert "A thematic meeting needs a topic." in response.content.decode()
    response = sec.post(
        url,
        {
            "kind": "thematic",
            "planned_date": "2025-05-20",
            "topic": "Học tập Nghị quyết",
            "presenter": "Lò Văn Piếng",
        },
    )
    with scopes_disabled():
        created = Meeting.objects.get(kind=MeetingKind.THEMATIC)
    assert response["Location"] == reverse("meetings:detail", args=[created.pk])
    html = sec.get(reverse("meetings:cell_year", args=[world.cell.pk])).content.decode()
    assert "Học tập Nghị quyết" in html
    assert "quarter 2" not in html  # quarter 2 now has its thematic meeting


def test_bad_years_and_months_do_not_break_the_pages(world, client_en) -> None:
    client = client_en(world.commune_user)
    for value in ["abc", "-1", "99999", "1" * 40]:
        assert (
            client.get(reverse("meetings:cell_year", args=[world.cell.pk]), {"year": value})
        ).status_code == 200
        assert (
            client.get(reverse("meetings:commune", args=[world.commune.pk]), {"month": value})
        ).status_code == 200


def test_cell_pages_of_a_commune_unit_are_404(world, client_en) -> None:
    client = client_en(world.commune_user)
    assert client.get(reverse("meetings:cell_year", args=[world.commune.pk])).status_code == 404
    url = reverse("meetings:day_set", args=[world.commune.pk, world.other_cell.pk])
    assert client.get(url).status_code == 404


# --- The commune -------------------------------------------------------------------------------
def test_commune_sets_the_fixed_day_and_marks_a_model_cell(world, client_en) -> None:
    client = client_en(world.commune_user)
    url = reverse("meetings:day_set", args=[world.commune.pk, world.cell.pk])
    response = client.post(url, {"rule": "day", "day": "40"})
    assert response.status_code == 200
    assert "has-error" in response.content.decode()
    response = client.post(
        url, {"rule": "day", "day": "3", "time": "19:30", "place": "Nhà văn hóa"}
    )
    assert response["Location"] == reverse("meetings:commune", args=[world.commune.pk])
    with scopes_disabled():
        assert MeetingDay.objects.get(cell=world.cell).day == 3
    url = reverse("meetings:model_cell", args=[world.commune.pk, world.cell2.pk])
    assert client.post(url, {"since": "2025-01-01", "note": ""}).status_code == 302
    html = client.get(reverse("meetings:commune", args=[world.commune.pk])).content.decode()
    assert "Model cell" in html
    assert "the 3 of each month" in html
    client.post(url, {"unmark": "1"})
    with scopes_disabled():
        assert not ModelCell.objects.filter(cell=world.cell2).exists()


def _held_meetings(cell, n_members: int):
    members = bulk_members(cell, n_members)
    meeting = meeting_on(cell, D(2025, 3, 8))
    hold(meeting, chair=members[0], minute_taker=members[1])
    roll(meeting, dict.fromkeys(members, P) | {members[2]: UNEXC})
    return meeting


def test_commune_quality_page_answers_in_a_constant_number_of_queries(world, client_en) -> None:
    client = client_en(world.commune_user)
    url = reverse("meetings:commune", args=[world.commune.pk])
    _held_meetings(world.cell, 5)
    client.get(url, {"month": "2025-03"})
    with CaptureQueriesContext(connection) as few:
        response = client.get(url, {"month": "2025-03"})
    assert "Nobody absent without reason" in response.content.decode()
    _held_meetings(world.cell2, 30)
    with scopes_disabled():
        from tests.factories import make_unit

        extra = make_unit(world.commune, "Chi bộ bản Mới", "cell")
    _held_meetings(extra, 10)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, {"month": "2025-03"})
    assert response.content.decode().count("Not met") >= 3
    assert len(many) == len(few)


# --- One meeting -------------------------------------------------------------------------------
def test_detail_shows_agenda_materials_warning_and_answers(world, sec, client_en) -> None:
    meeting = meeting_on(world.cell, D(2025, 3, 20))
    url = reverse("meetings:detail", args=[meeting.pk])
    response = sec.post(
        reverse("meetings:agenda_build", args=[meeting.pk]),
        {"template": "", "documents": "42-HD/BTCTW: Hướng dẫn sinh hoạt", "local_issues": "Đường"},
    )
    assert response["Location"] == url
    with scopes_disabled():
        items = list(AgendaItem.objects.filter(meeting=meeting).order_by("order"))
    assert any(i.reference == "42-HD/BTCTW" for i in items)
    html = sec.get(url).content.decode()
    assert "Publish the materials by 19/03/2025." in html
    assert "Hướng dẫn sinh hoạt" in html
    assert "Đường" in html
    # The one-button "published now", then the notice and a member's answer.
    sec.post(reverse("meetings:edit", args=[meeting.pk]), {"publish_now": "1", "version": "1"})
    assert _fresh(meeting).materials_published_at is not None
    assert sec.post(reverse("meetings:notify", args=[meeting.pk])).status_code == 302
    # The notice went out: one on the home page of each member on the roll, at least.
    with scopes_disabled():
        sent = Notice.objects.filter(related_id=meeting.pk, channel="web")
        assert sent.filter(recipient_member=world.plain_member).exists()
    member = client_en(world.member_user)
    response = member.post(
        reverse("meetings:answer", args=[meeting.pk]), {"answer": "absent", "reason": ""}
    )
    assert "Give the reason you cannot come." in response.content.decode()
    response = member.post(
        reverse("meetings:answer", args=[meeting.pk]),
        {"answer": "absent", "reason": "Đi rẫy", "next": "home"},
    )
    assert response["Location"] == reverse("home")
    with scopes_disabled():
        answer = Attendance.objects.get(meeting=meeting, member=world.plain_member)
    assert answer.advance_answer == AdvanceAnswer.ABSENT
    html = sec.get(url).content.decode()
    assert "Đi rẫy" in html
    assert "0 will come, 1 cannot come." in html


def test_late_materials_are_flagged(world, sec) -> None:
    meeting = meeting_on(world.cell, D(2025, 3, 8))
    html = sec.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert "The materials are late: they were due by 07/03/2025." in html


def test_edit_with_a_stale_version_shows_the_message_and_the_saved_values(
    world, sec, meeting
) -> None:
    url = reverse("meetings:edit", args=[meeting.pk])
    assert sec.get(url).status_code == 200
    data = {"planned_date": "2025-03-08", "place": "Nhà văn hóa", "version": "1"}
    assert sec.post(url, data)["Location"] == reverse("meetings:detail", args=[meeting.pk])
    response = sec.post(url, {**data, "place": "Sân bóng"})
    assert "Someone else saved this meeting" in response.content.decode()
    assert _fresh(meeting).place == "Nhà văn hóa"


def test_agenda_items_are_added_and_concluded(world, sec, meeting) -> None:
    url = reverse("meetings:agenda_add", args=[meeting.pk])
    assert sec.post(url, {"step": "content", "title": ""}).status_code == 200
    sec.post(url, {"step": "opening", "title": "Điểm danh"})
    sec.post(url, {"step": "content", "title": "Việc làm đường"})
    with scopes_disabled():
        item = AgendaItem.objects.get(meeting=meeting, title="Việc làm đường")
    edit = reverse("meetings:agenda_edit", args=[item.pk])
    response = sec.post(
        edit,
        {"step": "content", "title": "Việc làm đường", "conclusion": "Góp công", "next": "minutes"},
    )
    assert response["Location"] == reverse("meetings:minutes", args=[meeting.pk])
    with scopes_disabled():
        assert AgendaItem.objects.get(pk=item.pk).conclusion == "Góp công"


def test_cancel_needs_a_reason(world, sec) -> None:
    meeting = meeting_on(world.cell, D(2025, 4, 8))
    url = reverse("meetings:cancel", args=[meeting.pk])
    assert sec.post(url, {"reason": ""}).status_code == 200
    assert sec.post(url, {"reason": "Mưa lũ"}).status_code == 302
    assert _fresh(meeting).status == MeetingStatus.CANCELLED


# --- The roll call -----------------------------------------------------------------------------
def test_roll_call_saves_header_and_roll_in_one_post(world, sec, meeting) -> None:
    members = [world.secretary_member, world.plain_member]
    url = reverse("meetings:roll", args=[meeting.pk])
    html = sec.get(url).content.decode()
    assert 'type="radio"' in html
    assert "Tòng Thị Ánh" in html
    response = sec.post(url, _roll_post(meeting, members, {world.plain_member: EXC}))
    assert response["Location"] == url
    fresh = _fresh(meeting)
    assert fresh.status == MeetingStatus.HELD
    assert fresh.chair_id == world.secretary_member.pk
    assert fresh.duration_minutes == 105
    with scopes_disabled():
        rows = dict(Attendance.objects.filter(meeting=meeting).values_list("member_id", "category"))
    assert rows == {world.secretary_member.pk: P, world.plain_member.pk: EXC}
    html = sec.get(url).content.decode()
    assert 'data-count="absent_excused">1<' in html
    assert "105" in html  # the timer, against the 90-minute minimum


def test_roll_call_without_a_reason_is_refused_and_nothing_is_saved(world, sec, meeting) -> None:
    members = [world.secretary_member, world.plain_member]
    data = _roll_post(meeting, members, {world.plain_member: EXC})
    data[f"reason_{world.plain_member.pk}"] = ""
    response = sec.post(reverse("meetings:roll", args=[meeting.pk]), data)
    assert response.status_code == 200
    assert "Give the reason of Tòng Thị Ánh" in response.content.decode()
    # One transaction: the header was not saved either.
    assert _fresh(meeting).held_start is None


def test_a_closing_time_that_would_fall_tomorrow_is_refused(world, sec, meeting) -> None:
    """Opened at 19:00, "closed" at 18:00: read as after midnight, that is tomorrow, in the
    future (NOW is 21:00 on the meeting's day). Refused with a message; nothing is saved."""
    members = [world.secretary_member, world.plain_member]
    data = _roll_post(meeting, members, {}, held_start="19:00", held_end="18:00")
    response = sec.post(reverse("meetings:roll", args=[meeting.pk]), data)
    assert response.status_code == 200
    assert "The meeting cannot have closed in the future." in response.content.decode()
    assert _fresh(meeting).held_end is None
    on_time = _roll_post(meeting, members, {}, held_start="19:00", held_end="20:30")
    assert sec.post(reverse("meetings:roll", args=[meeting.pk]), on_time).status_code == 302
    assert _fresh(meeting).held_end == aware(D(2025, 3, 8), 20, 30)


def test_roll_call_open_now_button(world, sec, meeting) -> None:
    members = [world.secretary_member, world.plain_member]
    data = _roll_post(meeting, members, {}, open_now="1", held_start="", held_end="")
    sec.post(reverse("meetings:roll", args=[meeting.pk]), data)
    assert _fresh(meeting).held_start == NOW


@pytest.mark.parametrize("method", ["get", "post"])
def test_roll_call_answers_in_a_constant_number_of_queries(world, sec, method) -> None:
    def run(n: int) -> int:
        with scopes_disabled():
            from tests.factories import make_unit

            cell = make_unit(world.commune, f"Chi bộ {n}", "cell")
        members = bulk_members(cell, n)
        meeting = meeting_on(cell, D(2025, 3, 8))
        url = reverse("meetings:roll", args=[meeting.pk])
        client = sec
        if method == "get":
            client.get(url)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
        else:
            data = _roll_post(meeting, members, {members[1]: UNEXC, members[2]: EXC})
            with CaptureQueriesContext(connection) as queries:
                assert client.post(url, data).status_code == 302
            with scopes_disabled():
                assert Attendance.objects.filter(meeting=meeting).count() == n
        return len(queries)

    # The commune user may change every cell of the commune.
    sec.force_login(world.commune_user)
    assert run(20) == run(60)


# --- Minutes -----------------------------------------------------------------------------------
def test_minutes_speech_resolution_and_lock(world, sec, meeting) -> None:
    with scopes_disabled():
        item = services.agenda_from_template(actor=None, meeting=meeting)[1]
    people = [world.secretary_member, world.plain_member]
    hold(meeting, minutes=100, chair=people[0], minute_taker=people[1])
    minutes = reverse("meetings:minutes", args=[meeting.pk])
    assert sec.get(minutes).status_code == 200
    speech = reverse("meetings:speech_add", args=[meeting.pk])
    response = sec.post(speech, {"member": "", "speaker_name": "", "text": "Ý kiến"})
    assert "Choose the member or write the speaker" in response.content.decode()
    response = sec.post(
        speech, {"member": str(people[1].pk), "agenda_item": str(item.pk), "text": "Đồng ý"}
    )
    assert response.status_code == 302
    # With htmx the speeches come back in place, with a fresh form.
    response = sec.post(
        speech,
        {"speaker_name": "Khách mời", "text": "Chúc mừng"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "Chúc mừng" in html
    with scopes_disabled():
        assert Speech.objects.filter(meeting=meeting).count() == 2
    # Lock before the roll and the resolution: refused with the list of what is missing.
    lock = reverse("meetings:lock", args=[meeting.pk])
    assert sec.get(lock).status_code == 200
    response = sec.post(lock, {"confirm": "on"})
    assert "The minutes are not complete: resolution, roll call of 2" in response.content.decode()
    roll(meeting, {people[0]: P, people[1]: P})
    resolution = reverse("meetings:resolution", args=[meeting.pk])
    data = {"text": "Nghị quyết", "vote_method": "hands", "votes_for": "2"}
    response = sec.post(resolution, {**data, "votes_against": "5", "votes_abstain": "0"})
    assert "7 votes, but only 2 members took part." in response.content.decode()
    response = sec.post(resolution, {**data, "votes_against": "-1", "votes_abstain": "0"})
    assert response.status_code == 200
    assert "has-error" in response.content.decode()
    sec.post(resolution, {**data, "votes_against": "0", "votes_abstain": "0"})
    with scopes_disabled():
        assert Resolution.objects.get(meeting=meeting).votes_for == 2
    assert sec.post(lock, {"confirm": "on"})["Location"] == minutes
    assert _fresh(meeting).status == MeetingStatus.LOCKED
    html = sec.get(minutes).content.decode()
    assert 'id="locked"' in html
    assert "Amend the minutes" in html
    assert "Record a speech" not in html


def test_locked_minutes_refuse_every_change_with_the_message(world, sec, meeting) -> None:
    meeting = _lockable(world, meeting)
    with scopes_disabled():
        services.meeting_lock(actor=None, meeting=meeting)
    message = "The minutes of this meeting are locked"
    members = [world.secretary_member, world.plain_member]
    posts = {
        "meetings:roll": _roll_post(meeting, members, {}),
        "meetings:speech_add": {"speaker_name": "A", "text": "B"},
        "meetings:resolution": {"text": "X", "vote_method": "hands", "votes_for": "1"}
        | {"votes_against": "0", "votes_abstain": "0"},
        "meetings:edit": {"planned_date": "2025-03-08", "version": str(_fresh(meeting).version)},
        "meetings:agenda_add": {"step": "content", "title": "Mới"},
        "meetings:lock": {"confirm": "on"},
    }
    for name, data in posts.items():
        response = sec.post(reverse(name, args=[meeting.pk]), data)
        assert response.status_code == 200, name
        content = response.content.decode()
        assert message in content or "Only the minutes of a meeting that was held" in content, name


def test_amendment_of_locked_minutes(world, sec, meeting) -> None:
    meeting = _lockable(world, meeting)
    with scopes_disabled():
        services.meeting_lock(actor=None, meeting=meeting)
    url = reverse("meetings:amend", args=[meeting.pk])
    assert sec.get(url).status_code == 200
    response = sec.post(url, {"date": "2025-03-09", "reason": "Sửa", "vote_method": "hands"})
    assert "The amendment changes nothing." in response.content.decode()
    response = sec.post(
        url,
        {
            "date": "2025-03-09",
            "reason": "Ghi nhầm địa điểm",
            "place": "Nhà văn hóa bản",
            "vote_method": "hands",
            "roll_member": str(world.plain_member.pk),
            "roll_category": EXC,
            "roll_reason": "Ốm",
        },
    )
    assert response["Location"] == reverse("meetings:minutes", args=[meeting.pk])
    with scopes_disabled():
        amendment = MinutesAmendment.objects.get(meeting=meeting)
    assert amendment.after["meeting.place"] == "Nhà văn hóa bản"
    assert set(amendment.after) == {"meeting.place", f"attendance.{world.plain_member.pk}"}
    html = sec.get(reverse("meetings:minutes", args=[meeting.pk])).content.decode()
    assert "Ghi nhầm địa điểm" in html
    assert "09/03/2025" in html


def test_print_page_has_the_national_header(world, client_en, meeting) -> None:
    meeting = _lockable(world, meeting)
    html = (
        client_en(world.member_user)
        .get(reverse("meetings:print", args=[meeting.pk]))
        .content.decode()
    )
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in html
    assert "ĐẢNG BỘ XÃ NẬM TĂM" in html
    assert "CHI BỘ BẢN NÀ TĂM" in html
    # As in the Word file: a day below 10 and the months 1 and 2 take a leading zero.
    assert "ngày 08 tháng 3 năm 2025" in html
    assert "BIÊN BẢN SINH HOẠT CHI BỘ" in html
    assert "Nghị quyết tháng 3" in html


def test_quality_checklist(world, client_en, meeting) -> None:
    meeting = _lockable(world, meeting)
    html = (
        client_en(world.member_user)
        .get(reverse("meetings:quality", args=[meeting.pk]))
        .content.decode()
    )
    assert 'data-key="attendance"' in html
    assert 'data-key="duration"' in html
    assert "Not met" in html  # e.g. no draft resolution


# --- A member's record and the home page -------------------------------------------------------
def test_member_sees_own_attendance_year(world, client_en, meeting) -> None:
    _lockable(world, meeting)
    client = client_en(world.member_user)
    url = reverse("meetings:member_year", args=[world.plain_member.pk])
    html = client.get(url, {"year": "2025"}).content.decode()
    assert "100%" in html
    assert "08/03/2025" in html
    assert (
        client.get(reverse("meetings:member_year", args=[world.secretary_member.pk])).status_code
        == 404
    )


def test_home_shows_the_notice_with_the_answer_buttons(world, client_en) -> None:
    meeting = meeting_on(world.cell, D(2025, 3, 20))
    with scopes_disabled():
        services.meeting_notify(actor=None, meeting=meeting)
    html = client_en(world.member_user).get(reverse("home")).content.decode()
    assert f'id="notice-{meeting.pk}"' in html
    assert "I will come" in html
    assert "20/03/2025" in html
    assert "My attendance" in html


def test_home_shows_the_alerts_to_the_secretary(world, client_en, meeting) -> None:
    hold(meeting, chair=world.secretary_member, minute_taker=world.secretary_member)
    roll(meeting, {world.secretary_member: P, world.plain_member: UNEXC})
    html = client_en(world.secretary).get(reverse("home")).content.decode()
    assert 'id="meeting-alerts"' in html
    assert "Absent without reason" in html
    html = client_en(world.commune_user).get(reverse("home")).content.decode()
    assert 'id="meeting-alerts"' in html
    assert reverse("meetings:commune", args=[world.commune.pk]) in html


def test_minutes_download_as_word(world, sec, meeting) -> None:
    from docx import Document

    response = sec.get(reverse("meetings:minutes_docx", args=[meeting.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "BIÊN BẢN" in text
    html = sec.get(reverse("meetings:minutes", args=[meeting.pk])).content.decode()
    assert reverse("meetings:minutes_docx", args=[meeting.pk]) in html
