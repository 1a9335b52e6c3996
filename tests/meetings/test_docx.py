"""The minutes as DOCX, read back with python-docx: header, title, counts, names, speeches,
resolution, signatures and amendments."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from docx import Document

from chibo.meetings import services
from chibo.meetings.docx import date_line, minutes_docx, place_name, title_of
from chibo.meetings.models import AgendaItem, Meeting, MeetingKind
from chibo.members.lifecycle import EventData, member_event_add
from chibo.members.models import EventKind
from tests.factories import make_member
from tests.meetings.factories import EXC, LATE, UNEXC, P, hold, meeting_on, roll

pytestmark = pytest.mark.django_db
D = dt.date


def _text(document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


def _cell_text(cell) -> list[str]:
    return [p.text for p in cell.paragraphs]


@pytest.fixture
def minutes(world, sd) -> Meeting:
    """A held thematic meeting with every category on its roll, an agenda, speeches and a
    resolution."""
    late = make_member(world.cell, "Lường Văn Muộn")
    excused = make_member(world.cell, "Cầm Thị Ốm")
    unexcused = make_member(world.cell, "Quàng Văn Trốn")
    exempt = make_member(world.cell, "Lò Văn Miễn")
    member_event_add(
        actor=None,
        member=exempt,
        data=EventData(kind=EventKind.EXEMPTION, date=D(2025, 1, 5), reason="Tuổi cao"),
    )
    meeting = meeting_on(
        world.cell, D(2025, 3, 8), kind=MeetingKind.THEMATIC, topic="Học tập và làm theo Bác"
    )
    meeting = hold(
        meeting,
        chair=world.secretary_member,
        minute_taker=world.plain_member,
        place="Nhà văn hóa bản Nà Tăm",
        guests="Đồng chí Lò Văn Xã, Đảng ủy viên",
    )
    roll(
        meeting,
        {
            world.secretary_member: P,
            world.plain_member: P,
            late: LATE,
            excused: EXC,
            unexcused: UNEXC,
            exempt: "exempt",
        },
        reason="Đi viện",
    )
    item = AgendaItem.objects.create(
        meeting=meeting,
        order=1,
        step="content",
        title="Làm đường bê tông nội bản",
        content="Bàn phương án góp công, góp của.",
        source="local_issue",
        conclusion="Khởi công trước mùa mưa.",
    )
    services.speech_add(
        actor=None,
        meeting=meeting,
        member=world.plain_member,
        text="Đề nghị làm trước mùa mưa",
        agenda_item=item,
    )
    services.speech_add(
        actor=None, meeting=meeting, speaker_name="Lò Văn Xã", text="Nhất trí với chi bộ"
    )
    services.resolution_save(
        actor=None,
        meeting=meeting,
        data=services.ResolutionData(
            text="Chi bộ thống nhất làm đường bê tông.", votes_for=3, votes_against=0
        ),
    )
    return Meeting.objects.select_related("cell").get(pk=meeting.pk)


def _read(meeting: Meeting):
    return Document(io.BytesIO(minutes_docx(meeting)))


def test_header_table_and_title(world, minutes) -> None:
    document = _read(minutes)
    left, right = document.tables[0].rows[0].cells
    assert _cell_text(left) == ["ĐẢNG BỘ XÃ NẬM TĂM", "CHI BỘ BẢN NÀ TĂM", "*"]
    assert _cell_text(right)[0] == "ĐẢNG CỘNG SẢN VIỆT NAM"
    assert _cell_text(right)[-1] == "Nậm Tăm, ngày 08 tháng 3 năm 2025"
    assert right.paragraphs[0].runs[0].bold
    text = _text(document)
    assert "BIÊN BẢN SINH HOẠT CHI BỘ CHUYÊN ĐỀ" in text
    assert "Chuyên đề: Học tập và làm theo Bác" in text
    assert "Bản dự thảo" in text  # not locked yet


def test_time_place_chair_and_minute_taker(world, minutes) -> None:
    text = _text(_read(minutes))
    assert "Thời gian: bắt đầu lúc 19 giờ 00 phút, ngày 08/03/2025." in text
    assert "Địa điểm: Nhà văn hóa bản Nà Tăm." in text
    assert "Chủ trì: đồng chí Lò Văn Piếng." in text
    assert "Thư ký: đồng chí Tòng Thị Ánh." in text
    assert "Khách mời: Đồng chí Lò Văn Xã, Đảng ủy viên." in text
    assert "Buổi sinh hoạt kết thúc lúc 21 giờ 00 phút, ngày 08/03/2025." in text


def test_counts_and_names_by_category(world, minutes) -> None:
    lines = _text(_read(minutes)).splitlines()

    def line(label: str) -> str:
        return next(x for x in lines if x.startswith(f"- {label}:"))

    assert line("Tổng số đảng viên của chi bộ").startswith("- Tổng số đảng viên của chi bộ: 6 ")
    assert "miễn sinh hoạt: 1" in line("Tổng số đảng viên của chi bộ")
    assert line("Số đảng viên phải dự sinh hoạt") == "- Số đảng viên phải dự sinh hoạt: 5 đồng chí."
    present = line("Có mặt")
    assert present.startswith("- Có mặt: 3 đồng chí (đạt 60%); trong đó đến muộn: 1.")
    for name in ("Lò Văn Piếng", "Tòng Thị Ánh", "Lường Văn Muộn"):
        assert name in present
    assert line("Vắng có lý do") == "- Vắng có lý do: 1 đồng chí: Cầm Thị Ốm (Đi viện)."
    assert line("Vắng không lý do") == "- Vắng không lý do: 1 đồng chí: Quàng Văn Trốn."
    assert line("Miễn sinh hoạt") == "- Miễn sinh hoạt: 1 đồng chí: Lò Văn Miễn."
    assert (
        line("Đang sinh hoạt tạm thời nơi khác")
        == "- Đang sinh hoạt tạm thời nơi khác: 0 đồng chí: không."
    )


def test_agenda_speeches_conclusion_and_resolution(world, minutes) -> None:
    text = _text(_read(minutes))
    assert "1. Làm đường bê tông nội bản" in text
    assert "+ Đồng chí Tòng Thị Ánh: Đề nghị làm trước mùa mưa" in text
    assert "Kết luận: Khởi công trước mùa mưa." in text
    assert "Ý kiến khác:" in text
    assert "+ Đồng chí Lò Văn Xã: Nhất trí với chi bộ" in text
    assert "Chi bộ thống nhất làm đường bê tông." in text
    assert "Hình thức biểu quyết: giơ tay." in text
    assert (
        "Kết quả biểu quyết: tán thành 3/3 đồng chí (100%); không tán thành 0; "
        "không biểu quyết 0." in text
    )


def test_signatures_and_font(world, minutes) -> None:
    document = _read(minutes)
    left, right = document.tables[-1].rows[0].cells
    assert _cell_text(left)[0] == "THƯ KÝ"
    assert _cell_text(left)[-1] == "Tòng Thị Ánh"
    assert _cell_text(right)[0] == "CHỦ TRÌ"
    assert _cell_text(right)[-1] == "Lò Văn Piếng"
    normal = document.styles["Normal"].font
    assert normal.name == "Times New Roman"
    assert normal.size.pt == 13


def test_locked_minutes_carry_the_amendments(world, minutes) -> None:
    services.meeting_lock(actor=None, meeting=minutes)
    services.minutes_amend(
        actor=None,
        meeting=minutes,
        reason="Ghi sai địa điểm",
        changes={"meeting.place": "Hội trường thôn"},
        date=D(2025, 3, 15),
    )
    minutes.refresh_from_db()
    text = _text(_read(minutes))
    assert "Bản dự thảo" not in text
    assert "Địa điểm: Hội trường thôn." in text
    assert "SỬA ĐỔI, BỔ SUNG BIÊN BẢN" in text
    assert "Ngày 15/03/2025: Ghi sai địa điểm" in text


def test_a_planned_meeting_gives_a_blank_draft(world, sd) -> None:
    meeting = meeting_on(world.cell2, D(2025, 4, 3))
    text = _text(_read(Meeting.objects.select_related("cell").get(pk=meeting.pk)))
    assert "BIÊN BẢN SINH HOẠT CHI BỘ BẤT THƯỜNG" in text
    assert "Chủ trì: đồng chí ……." in text
    assert "Chưa có nghị quyết." in text
    assert "Chưa điểm danh: 1 đồng chí: Giàng A Dình." in text


def test_query_count_does_not_grow_with_the_roll(world, minutes) -> None:
    minutes_docx(minutes)  # the meeting caches its resolution on the first read
    with CaptureQueriesContext(connection) as few:
        minutes_docx(minutes)
    for i in range(5):
        make_member(world.cell, f"Lò Văn Thêm {i}")
    with CaptureQueriesContext(connection) as many:
        minutes_docx(minutes)
    assert len(many) == len(few)


@pytest.mark.parametrize(
    ("name", "place"),
    [
        ("Đảng bộ xã Nậm Tăm", "Nậm Tăm"),
        ("Đảng bộ phường Ba Đình", "Ba Đình"),
        ("Đảng bộ Đặc khu Phú Quốc", "Phú Quốc"),
        ("Xã", "Xã"),
    ],
)
def test_place_name(name, place) -> None:
    assert place_name(name) == place


def test_date_line_pads_days_and_the_first_two_months() -> None:
    assert date_line("Nậm Tăm", D(2025, 1, 5)) == "Nậm Tăm, ngày 05 tháng 01 năm 2025"
    assert date_line("Nậm Tăm", D(2025, 12, 25)) == "Nậm Tăm, ngày 25 tháng 12 năm 2025"


def test_titles_by_kind(world, sd) -> None:
    committee = meeting_on(world.cell, D(2025, 4, 3), kind=MeetingKind.COMMITTEE)
    assert title_of(committee) == "BIÊN BẢN HỌP CHI ỦY"
