"""The exports of the reports (issue 6 "Exports"): a unit's indicators as an Excel workbook, and
its periodic report as a Word file in the official layout.

Both read a ``Breakdown`` (``indicators.breakdown``: one query over the rollup) and the names
of the child units (one more query); the report also reads the committee above the unit and
the unit's secretary (one query each). Nothing here reads meetings, attendance or members, so
the cost does not grow with them.

- ``indicators_xlsx``: a header block (unit, code, period ``mm/yyyy – mm/yyyy``, date and time
  of the export in Asia/Ho_Chi_Minh), a sheet of the unit's indicators (label, value, rate) and
  a sheet with one row per child unit. Labels follow the user's language.
- ``periodic_report_docx``: "BÁO CÁO Kết quả sinh hoạt chi bộ tháng/quý …" with the header of
  party documents (GLOSSARY.md "Conventions"), the figures by section, a table by child unit,
  the committee's assessment to fill in and the signature block. The text is Vietnamese
  whatever the user's language, as the minutes are (``chibo.meetings.docx``): it is an official
  document the committee signs and files.

``LINES`` lists every indicator once, in the dashboard's order, with its label in both forms:
the exports, the API and a test that no figure is left out all read it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from chibo.core.audit import audit_record
from chibo.exchange.xlsx import XLSX_TYPE
from chibo.meetings.docx import (
    DOCX_TYPE,
    cell_lines,
    date_line,
    new_document,
    para,
    parent_unit,
    percent,
    place_name,
    two_columns,
)
from chibo.orgunits.models import OrgUnit, Post, PostKind, UnitKind
from chibo.reports.indicators import Breakdown, Figures, Period
from chibo.reports.rollup import first_of

__all__ = [
    "DOCX_TYPE",
    "LINES",
    "SECTIONS",
    "XLSX_TYPE",
    "child_rows",
    "default_period",
    "export_filename",
    "export_record",
    "indicators_xlsx",
    "period_from_query",
    "periodic_report_docx",
]

EXPORT_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
_BLANK = "……"


# --- The indicators, in order ------------------------------------------------------------------
@dataclass(frozen=True)
class Line:
    """One indicator: the ``Figures`` attribute holding its count, its label (the user's
    language) and its label in the official report; when it has a rate, the ``Figures``
    property giving it and the attribute it is a share of."""

    key: str
    label: Promise
    vi: str
    rate: str | None = None
    whole: str | None = None

    def value(self, figures: Figures) -> int:
        return int(getattr(figures, self.key))

    def rate_of(self, figures: Figures) -> float | None:
        return getattr(figures, self.rate) if self.rate else None


@dataclass(frozen=True)
class Section:
    label: Promise
    vi: str
    lines: tuple[Line, ...]


SECTIONS: tuple[Section, ...] = (
    Section(
        gettext_lazy("Party members"),
        "TÌNH HÌNH ĐẢNG VIÊN",
        (
            Line("members", gettext_lazy("Party members"), "Tổng số đảng viên"),
            Line("members_official", gettext_lazy("Official members"), "Đảng viên chính thức"),
            Line(
                "members_probationary",
                gettext_lazy("Probationary members"),
                "Đảng viên dự bị",
            ),
            Line(
                "members_exempt",
                gettext_lazy("Members exempt from activities"),
                "Đảng viên được miễn sinh hoạt đảng",
            ),
            Line(
                "members_away",
                gettext_lazy("Members temporarily active in another cell"),
                "Đảng viên đang sinh hoạt tạm thời nơi khác",
            ),
            Line(
                "removal_review",
                gettext_lazy("Members to review for removal"),
                "Đảng viên cần xem xét xóa tên",
            ),
            Line(
                "probation_overdue",
                gettext_lazy("Probation deadlines overdue"),
                "Đảng viên dự bị quá hạn (tổ chức kết nạp, công nhận chính thức)",
            ),
            Line(
                "transfers_overdue",
                gettext_lazy("Transfers overdue"),
                "Chuyển sinh hoạt đảng quá thời hạn",
            ),
        ),
    ),
    Section(
        gettext_lazy("Regular meetings"),
        "SINH HOẠT CHI BỘ THƯỜNG KỲ",
        (
            Line("cells", gettext_lazy("Party cells"), "Số chi bộ"),
            Line(
                "cell_months",
                gettext_lazy("Regular meetings due"),
                "Số cuộc sinh hoạt thường kỳ phải tổ chức",
            ),
            Line(
                "regular_held",
                gettext_lazy("Regular meetings held"),
                "Số cuộc sinh hoạt thường kỳ đã tổ chức",
                "held_rate",
                "cell_months",
            ),
            Line(
                "regular_on_fixed_day",
                gettext_lazy("Regular meetings held on the fixed day"),
                "Số cuộc tổ chức đúng ngày quy định",
                "on_fixed_day_rate",
                "cell_months",
            ),
            Line(
                "cells_every_held",
                gettext_lazy("Cells holding every regular meeting"),
                "Số chi bộ sinh hoạt đủ các kỳ",
                "every_held_rate",
                "cells",
            ),
            Line(
                "cells_every_on_fixed_day",
                gettext_lazy("Cells holding every regular meeting on the fixed day"),
                "Số chi bộ sinh hoạt đủ các kỳ, đúng ngày quy định",
                "every_on_fixed_day_rate",
                "cells",
            ),
        ),
    ),
    Section(
        gettext_lazy("Thematic meetings"),
        "SINH HOẠT CHUYÊN ĐỀ",
        (
            Line(
                "thematic_held",
                gettext_lazy("Thematic meetings held"),
                "Số cuộc sinh hoạt chuyên đề đã tổ chức",
            ),
            Line(
                "thematic_quarters_due",
                gettext_lazy("Quarters due a thematic meeting (cells × quarters)"),
                "Số lượt chi bộ - quý phải sinh hoạt chuyên đề",
            ),
            Line(
                "thematic_quarters_held",
                gettext_lazy("Quarters with a thematic meeting"),
                "Số lượt chi bộ - quý có sinh hoạt chuyên đề",
                "thematic_rate",
                "thematic_quarters_due",
            ),
        ),
    ),
    Section(
        gettext_lazy("Attendance"),
        "ĐẢNG VIÊN DỰ SINH HOẠT",
        (
            Line(
                "attendance_required",
                gettext_lazy("Members required to attend"),
                "Lượt đảng viên phải dự sinh hoạt",
            ),
            Line(
                "attendance_attended",
                gettext_lazy("Members who attended"),
                "Lượt đảng viên dự sinh hoạt",
                "attendance_rate",
                "attendance_required",
            ),
            Line("absent_excused", gettext_lazy("Absences with reason"), "Vắng có lý do"),
            Line("absent_unexcused", gettext_lazy("Absences without reason"), "Vắng không lý do"),
        ),
    ),
    Section(
        gettext_lazy("Quality of the meetings"),
        "CHẤT LƯỢNG SINH HOẠT",
        (
            Line("meetings_held", gettext_lazy("Meetings held"), "Tổng số cuộc sinh hoạt"),
            Line(
                "meetings_quality",
                gettext_lazy("Meetings meeting every quality criterion"),
                "Số cuộc đạt đủ các tiêu chí chất lượng",
                "quality_rate",
                "meetings_held",
            ),
            Line("minutes_locked", gettext_lazy("Minutes locked"), "Số biên bản đã khóa"),
            Line(
                "minutes_locked_on_time",
                gettext_lazy("Minutes locked on time"),
                "Số biên bản khóa đúng hạn",
                "locked_on_time_rate",
                "meetings_held",
            ),
        ),
    ),
    Section(
        gettext_lazy("Action items"),
        "THỰC HIỆN NHIỆM VỤ ĐƯỢC PHÂN CÔNG",
        (
            Line("items_due", gettext_lazy("Action items due"), "Số nhiệm vụ đến hạn"),
            Line(
                "items_done",
                gettext_lazy("Action items done"),
                "Số nhiệm vụ đã hoàn thành",
                "items_done_rate",
                "items_due",
            ),
            Line(
                "items_done_on_time",
                gettext_lazy("Action items done on time"),
                "Số nhiệm vụ hoàn thành đúng hạn",
            ),
            Line("items_overdue", gettext_lazy("Action items overdue"), "Số nhiệm vụ quá hạn"),
        ),
    ),
)
LINES: tuple[Line, ...] = tuple(line for section in SECTIONS for line in section.lines)


# --- Periods and children ----------------------------------------------------------------------
def default_period(today: dt.date | None = None) -> Period:
    """The dashboard's default: the current year up to the current month."""
    today = today or timezone.localdate()
    return Period(dt.date(today.year, 1, 1), first_of(today))


def period_from_query(start: str | None, end: str | None, today: dt.date | None = None) -> Period:
    """The period of ``?from=YYYY-MM&to=YYYY-MM``; a missing (or empty) end takes the default
    period's. Raises ``PeriodError`` with a message for the user."""
    default = default_period(today)
    start = (start or "").strip() or f"{default.first:%Y-%m}"
    end = (end or "").strip() or f"{default.last:%Y-%m}"
    return Period.parse(start, end)


def child_rows(breakdown: Breakdown) -> list[tuple[OrgUnit, Figures]]:
    """The child units of the breakdown with their figures, in Vietnamese order. One query
    (none for a cell, whose only "child" is itself). Runs in the caller's scope."""
    paths = [path for path in breakdown.children if path != breakdown.unit.path]
    if not paths:
        return []
    units = OrgUnit.objects.filter(path__in=paths).order_by("sort_key", "pk")
    return [(unit, breakdown.children[unit.path]) for unit in units]


def export_filename(unit: OrgUnit, period: Period, label: str, extension: str) -> str:
    """An ASCII file name: ``chi-so-T00001-2025-01-2025-03.xlsx``."""
    code = re.sub(r"[^A-Za-z0-9_-]+", "-", unit.code).strip("-") or str(unit.pk)
    return f"{label}-{code}-{period.first:%Y-%m}-{period.last:%Y-%m}.{extension}"


def export_record(*, actor: Any, unit: OrgUnit, period: Period, kind: str) -> None:
    """Record who exported what (``report.exported``; ``kind``: the file's format)."""
    audit_record(
        actor=actor,
        action="report.exported",
        obj=unit,
        unit=unit,
        changes={"format": [None, kind], "period": [None, period.key]},
    )


def _period_text(period: Period) -> str:
    return f"{period.first:%m/%Y} – {period.last:%m/%Y}"


def _export_time() -> str:
    return f"{timezone.localtime(timezone.now(), EXPORT_ZONE):%d/%m/%Y %H:%M}"


# --- XLSX --------------------------------------------------------------------------------------
_BOLD = Font(bold=True)
_WRAP_HEAD = Alignment(wrap_text=True, vertical="center")
PERCENT = "0.0%"
HEADER_ROW = 6  # the column titles, below the header block (unit, code, period, export time)


def _sheet_title(text: str) -> str:
    """A valid sheet name: at most 31 characters, none of ``[]:*?/\\``."""
    return re.sub(r"[\[\]:*?/\\]", "-", text)[:31] or "Sheet"


def _text(sheet: Worksheet, row: int, column: int, value: str) -> Any:
    """A text cell that stays text: openpyxl would store a name starting with "=" as a
    formula, which the spreadsheet would run."""
    cell = sheet.cell(row=row, column=column, value=value)
    cell.data_type = "s"
    return cell


def _header_block(sheet: Worksheet, unit: OrgUnit, period: Period, exported: str) -> None:
    for row, (label, value) in enumerate(
        (
            (_("Unit"), unit.name),
            (_("Code"), unit.code),
            (_("Period"), _period_text(period)),
            (_("Exported on"), exported),
        ),
        start=1,
    ):
        sheet.cell(row=row, column=1, value=label).font = _BOLD
        _text(sheet, row, 2, value)
    sheet.cell(row=1, column=2).font = Font(bold=True, size=13)


def _titles(sheet: Worksheet, titles: list[str], widths: list[float]) -> None:
    for column, (title, width) in enumerate(zip(titles, widths, strict=True), start=1):
        cell = sheet.cell(row=HEADER_ROW, column=column, value=title)
        cell.font = _BOLD
        cell.alignment = _WRAP_HEAD
        sheet.column_dimensions[get_column_letter(column)].width = width


def _rate_cell(sheet: Worksheet, row: int, column: int, rate: float | None) -> None:
    cell = sheet.cell(row=row, column=column, value=rate)
    cell.number_format = PERCENT


def _indicator_sheet(sheet: Worksheet, figures: Figures) -> None:
    _titles(sheet, [_("Indicator"), _("Value"), _("Rate")], [58, 12, 10])
    row = HEADER_ROW
    for section in SECTIONS:
        row += 1
        sheet.cell(row=row, column=1, value=str(section.label)).font = _BOLD
        for line in section.lines:
            row += 1
            sheet.cell(row=row, column=1, value=str(line.label))
            sheet.cell(row=row, column=2, value=line.value(figures))
            if line.rate:
                _rate_cell(sheet, row, 3, line.rate_of(figures))
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"


def breakdown_columns() -> list[tuple[str, Line, bool]]:
    """The columns of the sheet by child unit after its name and code: each indicator's
    value, and its rate right after it when it has one (``(title, line, is_rate)``)."""
    columns: list[tuple[str, Line, bool]] = []
    for line in LINES:
        columns.append((str(line.label), line, False))
        if line.rate:
            columns.append((_("%(indicator)s (rate)") % {"indicator": line.label}, line, True))
    return columns


def _children_sheet(sheet: Worksheet, children: list[tuple[OrgUnit, Figures]]) -> None:
    columns = breakdown_columns()
    titles = [_("Unit"), _("Code"), *(title for title, _line, _rate in columns)]
    _titles(sheet, titles, [34, 12, *(11 if rate else 14 for _t, _l, rate in columns)])
    sheet.row_dimensions[HEADER_ROW].height = 60
    for row, (child, figures) in enumerate(children, start=HEADER_ROW + 1):
        _text(sheet, row, 1, child.name)
        _text(sheet, row, 2, child.code)
        for column, (_title, line, is_rate) in enumerate(columns, start=3):
            if is_rate:
                _rate_cell(sheet, row, column, line.rate_of(figures))
            else:
                sheet.cell(row=row, column=column, value=line.value(figures))
    last = get_column_letter(len(titles))
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + max(len(children), 1)}"
    sheet.freeze_panes = f"C{HEADER_ROW + 1}"


def indicators_xlsx(unit: OrgUnit, period: Period, breakdown: Breakdown) -> bytes:
    """The indicators of ``unit`` over ``period`` (``breakdown``, computed by the caller) as
    an XLSX workbook: the indicators, then one row per child unit. Labels in the active
    language. One query (the names of the child units)."""
    exported = _export_time()
    book = Workbook()
    first = book.active
    assert first is not None  # a new workbook has one sheet
    first.title = _sheet_title(_("Indicators"))
    _header_block(first, unit, period, exported)
    _indicator_sheet(first, breakdown.total)
    second = book.create_sheet(_sheet_title(_("By unit")))
    _header_block(second, unit, period, exported)
    _children_sheet(second, child_rows(breakdown))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- DOCX --------------------------------------------------------------------------------------
_PROVINCE_PREFIXES = ("tỉnh ", "thành phố ", "huyện ", "quận ", "thị xã ")
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII")
TABLE_PT = 11


def number_vi(value: int) -> str:
    """``1.234`` (Vietnamese thousands separator)."""
    return f"{value:,}".replace(",", ".")


def period_phrase(period: Period) -> str:
    """ "tháng 3 năm 2025", "quý I năm 2025", "năm 2025", or "từ tháng 01/2025 đến tháng
    05/2025"."""
    first, last = period.first, period.last
    if first == last:
        return f"tháng {first.month} năm {first.year}"
    if first.year == last.year and first.month % 3 == 1 and last.month == first.month + 2:
        return f"quý {_ROMAN[(first.month - 1) // 3]} năm {first.year}"
    if (first.month, last.month) == (1, 12) and first.year == last.year:
        return f"năm {first.year}"
    return f"từ tháng {first:%m/%Y} đến tháng {last:%m/%Y}"


def _signing_body(unit: OrgUnit) -> str:
    if unit.kind in (UnitKind.CELL, UnitKind.PARTY_GROUP):
        return "T/M CHI BỘ"
    if unit.kind in (UnitKind.PROVINCE, UnitKind.DISTRICT):
        return "T/M BAN THƯỜNG VỤ"
    return "T/M ĐẢNG ỦY"


def _secretary(unit: OrgUnit, day: dt.date) -> str:
    """The name of the unit's secretary on ``day`` ("" if none). One query, in scope."""
    post = (
        Post.objects.filter(unit=unit, kind=PostKind.SECRETARY, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .select_related("member")
        .order_by("-start_date", "-pk")
        .first()
    )
    return post.member.full_name if post is not None else ""


def _figure_text(line: Line, figures: Figures) -> str:
    value = number_vi(line.value(figures))
    if line.whole is None:
        return value
    whole = int(getattr(figures, line.whole))
    share = percent(line.value(figures), whole)
    return f"{value}/{number_vi(whole)}" + (f" (đạt {share})" if share else "")


def report_place(unit: OrgUnit, parent: OrgUnit | None) -> str:
    """The place of the date line: where the issuing committee sits, i.e. the commune of a
    cell (as on its minutes), or the unit's own place for a committee ("Đảng bộ tỉnh Sơn La"
    → "Sơn La")."""
    name = parent.name if unit.is_cell and parent is not None else unit.name
    place = place_name(name)
    for prefix in _PROVINCE_PREFIXES:
        if place.lower().startswith(prefix) and len(place) > len(prefix):
            place = place[len(prefix) :].strip()
    return place or _BLANK


def _docx_header(
    document: DocumentObject, unit: OrgUnit, parent: OrgUnit | None, day: dt.date
) -> None:
    left, right = two_columns(document)
    lines: list[tuple[str, dict[str, bool]]] = []
    if parent is not None:
        lines.append((parent.name.upper(), {}))
    lines += [(unit.name.upper(), {"bold": True}), ("*", {}), (f"Số: {_BLANK}-BC", {})]
    cell_lines(left, lines)
    place = report_place(unit, parent)
    cell_lines(
        right,
        [
            ("ĐẢNG CỘNG SẢN VIỆT NAM", {"bold": True, "underline": True}),
            ("", {}),
            (date_line(place, day), {"italic": True}),
        ],
    )


def _docx_figures(document: DocumentObject, unit: OrgUnit, breakdown: Breakdown) -> None:
    total = breakdown.total
    for number, section in enumerate(SECTIONS):
        para(document, f"{_ROMAN[number]}. {section.vi}", bold=True)
        for line in section.lines:
            if unit.is_cell and line.key in {
                "cells",
                "cells_every_held",
                "cells_every_on_fixed_day",
            }:
                continue  # "how many cells" is one for a cell's own report
            paragraph = document.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            paragraph.add_run(f"- {line.vi}: ")
            paragraph.add_run(_figure_text(line, total)).bold = True


TABLE_TITLES = (
    "TT",
    "Đơn vị",
    "Số chi bộ",
    "Sinh hoạt thường kỳ (đã họp/phải họp)",
    "Đúng ngày quy định",
    "Tỷ lệ đảng viên dự sinh hoạt",
    "Đạt đủ tiêu chí chất lượng",
    "Nhiệm vụ hoàn thành",
)
# The text width of the page is 16.5 cm (A4 less the margins of chibo.meetings.docx).
_TABLE_WIDTHS = (Cm(1), Cm(4.1), *[Cm(1.9)] * 6)
_TABLE_VALUES: tuple[Callable[[Figures], str], ...] = (
    lambda f: number_vi(f.cells),
    lambda f: f"{number_vi(f.regular_held)}/{number_vi(f.cell_months)}",
    lambda f: percent(f.regular_on_fixed_day, f.cell_months) or "-",
    lambda f: percent(f.attendance_attended, f.attendance_required) or "-",
    lambda f: percent(f.meetings_quality, f.meetings_held) or "-",
    lambda f: percent(f.items_done, f.items_due) or "-",
)


def _table_row(cells: Any, texts: list[str], *, bold: bool = False) -> None:
    for index, (cell, text) in enumerate(zip(cells, texts, strict=True)):
        cell.width = _TABLE_WIDTHS[index]
        paragraph = cell.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if index == 1 else WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(0)
        run = paragraph.add_run(text)
        run.bold = bold
        run.font.size = Pt(TABLE_PT)


def _docx_table(
    document: DocumentObject, number: int, children: list[tuple[OrgUnit, Figures]], total: Figures
) -> None:
    para(document, f"{_ROMAN[number]}. KẾT QUẢ THEO ĐƠN VỊ TRỰC THUỘC", bold=True)
    table = document.add_table(rows=1, cols=len(TABLE_TITLES))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, _TABLE_WIDTHS, strict=True):
        column.width = width  # the grid, which LibreOffice reads; Word reads the cells'
    _table_row(table.rows[0].cells, list(TABLE_TITLES), bold=True)
    for index, (child, figures) in enumerate(children, start=1):
        texts = [str(index), child.name, *(value(figures) for value in _TABLE_VALUES)]
        _table_row(table.add_row().cells, texts)
    texts = ["", "Tổng cộng", *(value(total) for value in _TABLE_VALUES)]
    _table_row(table.add_row().cells, texts, bold=True)
    para(document)


def _docx_assessment(document: DocumentObject, number: int) -> None:
    para(document, f"{_ROMAN[number]}. ĐÁNH GIÁ CHUNG VÀ PHƯƠNG HƯỚNG", bold=True)
    for heading in ("Ưu điểm", "Hạn chế, nguyên nhân", "Phương hướng, nhiệm vụ kỳ tới"):
        paragraph = document.add_paragraph()
        paragraph.add_run(f"- {heading}: ").bold = True
        paragraph.add_run(_BLANK * 8)


def _docx_signature(
    document: DocumentObject, unit: OrgUnit, parent: OrgUnit | None, signer: str
) -> None:
    para(document)
    left, right = two_columns(document)
    recipients: list[tuple[str, dict[str, bool]]] = [("Nơi nhận:", {"bold": True, "italic": True})]
    if parent is not None:
        recipients.append((f"- {parent.name},", {}))
    recipients.append((f"- Lưu {unit.name}.", {}))
    cell_lines(left, recipients)
    for paragraph in left.paragraphs:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
    cell_lines(
        right,
        [
            (_signing_body(unit), {"bold": True}),
            ("BÍ THƯ", {"bold": True}),
            ("(Ký, ghi rõ họ tên)", {"italic": True}),
            ("", {}),
            ("", {}),
            ("", {}),
            (signer, {"bold": True}),
        ],
    )


def periodic_report_docx(
    unit: OrgUnit, period: Period, breakdown: Breakdown, *, day: dt.date | None = None
) -> bytes:
    """The periodic report of ``unit`` over ``period`` (``breakdown``, computed by the
    caller) as DOCX, dated ``day`` (today). Three queries: the committee above the unit (its
    name heads the document even where the user's scope stops at the unit), the unit's
    secretary, and the names of the child units."""
    day = day or timezone.localdate()
    parent = parent_unit(unit)
    document = new_document()
    _docx_header(document, unit, parent, day)
    para(document)
    para(document, "BÁO CÁO", bold=True, size=14, center=True)
    para(document, f"Kết quả sinh hoạt chi bộ {period_phrase(period)}", bold=True, center=True)
    para(document, "-----", center=True)
    as_of = period.reported_last(day)
    para(
        document,
        f"{unit.name} báo cáo kết quả sinh hoạt chi bộ {period_phrase(period)} như sau "
        f"(số liệu đảng viên và các việc quá hạn tính đến tháng {as_of:%m/%Y}):",
        justify=True,
    )
    _docx_figures(document, unit, breakdown)
    number = len(SECTIONS)
    children = child_rows(breakdown)
    if children:
        _docx_table(document, number, children, breakdown.total)
        number += 1
    _docx_assessment(document, number)
    _docx_signature(document, unit, parent, _secretary(unit, day))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
