"""The minutes of a cell meeting (biên bản sinh hoạt chi bộ) as a Word file.

Laid out like the paper template the cells use (DOMAIN.md "Meetings": minutes; the party's
document conventions, GLOSSARY.md): a header table with the commune's committee and the cell on
the left and "ĐẢNG CỘNG SẢN VIỆT NAM" with the place and date on the right; the title; time,
place, chair and minute-taker; the counts and the names by category; each agenda item with the
speakers and what they said, and its conclusion; the resolution and its vote; the closing time;
the two signatures; and, for locked minutes, the dated amendments. Times New Roman, 13 pt (the
title 14 pt), A4.

The text is Vietnamese whatever the user's language: the minutes are an official document of
the cell, kept on file. Values come from ``selectors.minutes_snapshot`` (the minutes as data,
with any amendment applied), so the file says what the locked minutes say.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable
from typing import IO, Any

from django.utils import timezone
from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from chibo.meetings import selectors
from chibo.meetings.models import (
    AgendaItem,
    AttendanceCategory,
    Meeting,
    MeetingKind,
    MeetingStatus,
    VoteMethod,
)
from chibo.members.models import Member
from chibo.orgunits.models import OrgUnit

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FONT = "Times New Roman"
BODY_PT = 13
TITLE_PT = 14
C = AttendanceCategory
_BLANK = "……"
_PLACE_PREFIXES = ("đảng bộ ", "chi bộ ", "xã ", "phường ", "thị trấn ", "đặc khu ")
_VOTE_METHOD = {VoteMethod.HANDS: "giơ tay", VoteMethod.BALLOT: "bỏ phiếu kín"}


# --- Vietnamese forms of dates, times and numbers ----------------------------------------------
def date_line(place: str, day: dt.date) -> str:
    """ "Nậm Tăm, ngày 08 tháng 3 năm 2025": a day below 10 and the months 1 and 2 take a
    leading zero, as the rules for party and state documents ask."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def _clock(moment: dt.datetime | dt.time | None) -> str:
    if moment is None:
        return f"{_BLANK} giờ {_BLANK} phút"
    if isinstance(moment, dt.datetime):
        moment = timezone.localtime(moment)
    return f"{moment.hour:02d} giờ {moment.minute:02d} phút"


def percent(part: int, whole: int) -> str:
    """``85,5%`` (Vietnamese decimal comma), or an empty string when there is no whole."""
    if not whole:
        return ""
    return f"{part * 100 / whole:.1f}".rstrip("0").rstrip(".").replace(".", ",") + "%"


def place_name(unit_name: str) -> str:
    """The place of the date line from a unit's name: "Đảng bộ xã Nậm Tăm" → "Nậm Tăm"."""
    name = unit_name.strip()
    changed = True
    while changed:
        changed = False
        for prefix in _PLACE_PREFIXES:
            if name.lower().startswith(prefix) and len(name) > len(prefix):
                name, changed = name[len(prefix) :].strip(), True
    return name


def title_of(meeting: Meeting) -> str:
    if meeting.kind == MeetingKind.COMMITTEE:
        return "BIÊN BẢN HỌP CHI ỦY"
    if meeting.kind == MeetingKind.THEMATIC or meeting.includes_thematic:
        return "BIÊN BẢN SINH HOẠT CHI BỘ CHUYÊN ĐỀ"
    if meeting.kind == MeetingKind.EXTRAORDINARY:
        return "BIÊN BẢN SINH HOẠT CHI BỘ BẤT THƯỜNG"
    return "BIÊN BẢN SINH HOẠT CHI BỘ"


def minutes_filename(meeting: Meeting) -> str:
    day = selectors.meeting_date(meeting)
    return f"bien-ban-{meeting.cell.code}-{day:%Y%m%d}-{meeting.pk}.docx"


# --- Layout helpers ----------------------------------------------------------------------------
def _set_font(style_or_run: Any, size: int | None = None) -> None:
    font = style_or_run.font
    font.name = FONT
    if size is not None:
        font.size = Pt(size)
    fonts = style_or_run.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)


def new_document() -> DocumentObject:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    normal = document.styles["Normal"]
    _set_font(normal, BODY_PT)
    normal.paragraph_format.space_after = Pt(3)
    normal.paragraph_format.line_spacing = 1.15
    return document


def para(
    container: Any,
    text: str = "",
    *,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    size: int | None = None,
    center: bool = False,
    justify: bool = False,
) -> Paragraph:
    paragraph = container.add_paragraph()
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif justify:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    if text:
        run = paragraph.add_run(text)
        run.bold, run.italic, run.underline = bold, italic, underline
        if size is not None:
            run.font.size = Pt(size)
    return paragraph


def _labelled(container: Any, label: str, value: str) -> Paragraph:
    """ "- Label: value" with the label in bold."""
    paragraph = container.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.add_run(f"- {label}: ").bold = True
    paragraph.add_run(value)
    return paragraph


def cell_lines(cell: _Cell, lines: Iterable[tuple[str, dict[str, bool]]]) -> None:
    """Fill a table cell with centred lines (the first reuses the cell's empty paragraph)."""
    first = True
    for text, style in lines:
        paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(0)
        if text:
            run = paragraph.add_run(text)
            run.bold = style.get("bold", False)
            run.italic = style.get("italic", False)
            run.underline = style.get("underline", False)


def two_columns(document: DocumentObject) -> tuple[_Cell, _Cell]:
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    left, right = table.rows[0].cells
    left.width, right.width = Cm(7.5), Cm(9)
    return left, right


# --- The minutes -------------------------------------------------------------------------------
def parent_unit(cell: OrgUnit) -> OrgUnit | None:
    if cell.depth <= 1:
        return None
    # The committee above the cell heads the document; a cell's own users may not see it
    # (it lies outside their scope), but its name is printed on every paper the cell issues.
    return OrgUnit._base_manager.filter(path=cell.path[: -cell.steplen]).first()


def _names(rows: Iterable[dict[str, Any]], with_reason: bool = False) -> str:
    names = [
        f"{r['name']} ({r['reason']})" if with_reason and r["reason"] else r["name"] for r in rows
    ]
    return "; ".join(names) if names else "không"


def _people(snapshot: dict[str, Any]) -> dict[int, str]:
    names = {r["member"]: r["name"] for r in snapshot["roll"]}
    header = snapshot["meeting"]
    missing = {header[k] for k in ("chair", "minute_taker") if header[k] and header[k] not in names}
    if missing:
        # People of the header are on the roll; one who is not (an amendment named them) is
        # still named, read by id within the meeting's cell history.
        for member in Member._base_manager.filter(pk__in=missing):
            names[member.pk] = member.full_name
    return names


def _header(document: DocumentObject, meeting: Meeting, day: dt.date) -> None:
    parent = parent_unit(meeting.cell)
    left, right = two_columns(document)
    left_lines: list[tuple[str, dict[str, bool]]] = []
    if parent is not None:
        left_lines.append((parent.name.upper(), {}))
    left_lines += [(meeting.cell.name.upper(), {"bold": True}), ("*", {})]
    cell_lines(left, left_lines)
    place = place_name(parent.name) if parent is not None else meeting.place or _BLANK
    cell_lines(
        right,
        [
            ("ĐẢNG CỘNG SẢN VIỆT NAM", {"bold": True, "underline": True}),
            ("", {}),
            (date_line(place, day), {"italic": True}),
        ],
    )


def _title(document: DocumentObject, meeting: Meeting, day: dt.date) -> None:
    para(document)
    para(document, title_of(meeting), bold=True, size=TITLE_PT, center=True)
    para(document, f"Tháng {day.month:02d} năm {day.year}", bold=True, center=True)
    if meeting.topic:
        para(document, f"Chuyên đề: {meeting.topic}", italic=True, center=True)
    if meeting.status != MeetingStatus.LOCKED:
        para(
            document,
            "(Bản dự thảo: biên bản chưa được thông qua và khóa)",
            italic=True,
            center=True,
        )


def _opening(
    document: DocumentObject, meeting: Meeting, snapshot: dict[str, Any], day: dt.date
) -> None:
    header = snapshot["meeting"]
    names = _people(snapshot)
    start = meeting.held_start or meeting.planned_time
    para(document, "I. THỜI GIAN, ĐỊA ĐIỂM, THÀNH PHẦN", bold=True)
    _labelled(document, "Thời gian", f"bắt đầu lúc {_clock(start)}, ngày {day:%d/%m/%Y}.")
    _labelled(document, "Địa điểm", f"{header['place'] or _BLANK}.")
    chair = names.get(header["chair"], _BLANK) if header["chair"] else _BLANK
    taker = names.get(header["minute_taker"], _BLANK) if header["minute_taker"] else _BLANK
    _labelled(document, "Chủ trì", f"đồng chí {chair}.")
    _labelled(document, "Thư ký", f"đồng chí {taker}.")
    if meeting.presenter:
        _labelled(document, "Người trình bày chuyên đề", f"đồng chí {meeting.presenter}.")
    counts = snapshot["counts"]
    by_category: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in snapshot["roll"]:
        by_category[row["category"]].append(row)
    attended = counts["present"] + counts["late"]
    _labelled(
        document,
        "Tổng số đảng viên của chi bộ",
        f"{counts['on_roll']} đồng chí (chính thức: {counts['official']}, dự bị: "
        f"{counts['probationary']}); miễn sinh hoạt: {counts['exempt']}; đang sinh hoạt tạm "
        f"thời nơi khác: {counts['away']}.",
    )
    _labelled(document, "Số đảng viên phải dự sinh hoạt", f"{counts['required']} đồng chí.")
    rate = percent(attended, counts["required"])
    _labelled(
        document,
        "Có mặt",
        f"{attended} đồng chí" + (f" (đạt {rate})" if rate else "") + f"; trong đó đến muộn: "
        f"{counts['late']}. Gồm các đồng chí: "
        f"{_names(by_category[C.PRESENT] + by_category[C.LATE])}.",
    )
    _labelled(
        document,
        "Vắng có lý do",
        f"{counts['absent_excused']} đồng chí: "
        f"{_names(by_category[C.ABSENT_EXCUSED], with_reason=True)}.",
    )
    _labelled(
        document,
        "Vắng không lý do",
        f"{counts['absent_unexcused']} đồng chí: {_names(by_category[C.ABSENT_UNEXCUSED])}.",
    )
    _labelled(
        document,
        "Miễn sinh hoạt",
        f"{counts['exempt']} đồng chí: {_names(by_category[C.EXEMPT])}.",
    )
    _labelled(
        document,
        "Đang sinh hoạt tạm thời nơi khác",
        f"{counts['away']} đồng chí: {_names(by_category[C.AWAY])}.",
    )
    if counts["not_recorded"]:
        _labelled(
            document,
            "Chưa điểm danh",
            f"{counts['not_recorded']} đồng chí: {_names(by_category[''])}.",
        )
    _labelled(document, "Khách mời", f"{header['guests'] or 'không'}.")


def _speech(document: DocumentObject, speech: dict[str, Any]) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.paragraph_format.left_indent = Cm(0.75)
    paragraph.add_run(f"+ Đồng chí {speech['speaker']}: ").bold = True
    paragraph.add_run(speech["text"])


def _content(document: DocumentObject, meeting: Meeting, snapshot: dict[str, Any]) -> None:
    para(document, "II. NỘI DUNG", bold=True)
    # The snapshot lists the agenda in order without ids; the speeches name their item by id.
    ids = list(
        AgendaItem.objects.filter(meeting_id=meeting.pk)
        .order_by("order")
        .values_list("pk", flat=True)
    )
    speeches: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
    for speech in snapshot["speeches"]:
        item = speech["item"] if speech["item"] in ids else None
        speeches[item].append(speech)
    if not snapshot["agenda"]:
        para(document, _BLANK)
    for number, (item_id, item) in enumerate(zip(ids, snapshot["agenda"], strict=False), 1):
        para(document, f"{number}. {item['title']}", bold=True, justify=True)
        if item["content"]:
            para(document, item["content"], justify=True)
        if speeches[item_id]:
            para(document, "Ý kiến phát biểu:", italic=True)
            for speech in speeches[item_id]:
                _speech(document, speech)
        if item["conclusion"]:
            _labelled(document, "Kết luận", item["conclusion"])
    if speeches[None]:
        para(document, "Ý kiến khác:", bold=True)
        for speech in speeches[None]:
            _speech(document, speech)


def _resolution(document: DocumentObject, snapshot: dict[str, Any]) -> None:
    para(document, "III. NGHỊ QUYẾT VÀ BIỂU QUYẾT", bold=True)
    resolution = snapshot["resolution"]
    if resolution is None:
        para(document, "Chưa có nghị quyết.", italic=True)
        return
    for line in resolution["text"].splitlines():
        if line.strip():
            para(document, line.strip(), justify=True)
    counts = snapshot["counts"]
    attended = counts["present"] + counts["late"]
    method = _VOTE_METHOD.get(resolution["vote_method"], resolution["vote_method"])
    _labelled(document, "Hình thức biểu quyết", f"{method}.")
    share = percent(resolution["for"], attended)
    _labelled(
        document,
        "Kết quả biểu quyết",
        f"tán thành {resolution['for']}/{attended} đồng chí"
        + (f" ({share})" if share else "")
        + f"; không tán thành {resolution['against']}; không biểu quyết "
        f"{resolution['abstain']}.",
    )


def _closing(document: DocumentObject, meeting: Meeting, snapshot: dict[str, Any]) -> None:
    end = meeting.held_end
    when = f"{_clock(end)}, ngày {timezone.localtime(end):%d/%m/%Y}" if end else _clock(None)
    para(document, f"Buổi sinh hoạt kết thúc lúc {when}.", justify=True)
    para(document)
    names = _people(snapshot)
    header = snapshot["meeting"]
    left, right = two_columns(document)
    for cell, title, person in (
        (left, "THƯ KÝ", header["minute_taker"]),
        (right, "CHỦ TRÌ", header["chair"]),
    ):
        name = names.get(person, "") if person else ""
        cell_lines(
            cell,
            [
                (title, {"bold": True}),
                ("(Ký, ghi rõ họ tên)", {"italic": True}),
                ("", {}),
                ("", {}),
                ("", {}),
                (name, {"bold": True}),
            ],
        )


def _amendments(document: DocumentObject, meeting: Meeting) -> None:
    amendments = selectors.amendments_of(meeting)
    if not amendments:
        return
    para(document)
    para(document, "SỬA ĐỔI, BỔ SUNG BIÊN BẢN", bold=True, center=True)
    for amendment in amendments:
        author = f" ({amendment.author_name})" if amendment.author_name else ""
        _labelled(document, f"Ngày {amendment.date:%d/%m/%Y}{author}", amendment.reason)


def minutes_write(meeting: Meeting, target: IO[bytes]) -> None:
    """Write the minutes of ``meeting`` as DOCX to ``target``. The caller has checked that the
    user may see the meeting; a constant number of queries."""
    snapshot = selectors.minutes_snapshot(meeting)
    day = selectors.meeting_date(meeting)
    document = new_document()
    _header(document, meeting, day)
    _title(document, meeting, day)
    _opening(document, meeting, snapshot, day)
    _content(document, meeting, snapshot)
    _resolution(document, snapshot)
    _closing(document, meeting, snapshot)
    _amendments(document, meeting)
    document.save(target)


def minutes_docx(meeting: Meeting) -> bytes:
    out = io.BytesIO()
    minutes_write(meeting, out)
    return out.getvalue()
