"""Reading uploaded tables (XLSX, CSV) and writing the member register (XLSX).

The register follows the party's member register form, "Sổ danh sách đảng viên" (form 7-HSĐV,
Guidance 09-HD/BTCTW of 2017, continued by 12-HD/BTCTW). The paper form has 14 columns, several
holding two or three facts in one cell:

    1 STT · 2 Họ và tên / họ và tên khai sinh · 3 Nam, nữ, dân tộc, tôn giáo · 4 Quê quán ·
    5 Văn hoá, lý luận, chuyên môn nghiệp vụ, ngoại ngữ · 6 Nghề nghiệp trước khi vào Đảng,
    nghề nghiệp hiện nay · 7 Ngày vào Đảng, ngày chính thức · 8 Số thẻ đảng viên, số lý lịch,
    số Huy hiệu Đảng · 9 Bộ đội, công an, hưu trí · 10 Ngày chuyển đi · 11 Ngày chuyển đến ·
    12 Ngày từ trần, lý do · 13 Ngày ra khỏi Đảng, hình thức · 14 Ghi chú

A spreadsheet needs one fact per cell to be read back, so each combined column is split into
its facts, kept in the form's order, with the date of birth (which the form leaves to the
record) after the names, the residence after the home town, and the cell (name and code) before
the notes: see ``parsing.COLUMNS``. Column titles are the form's Vietnamese titles whatever the
user's language: the register is an official Vietnamese document, and the import reads them.
Columns 9–13 (forces, transfers, death, leaving) are recorded as events here; the notes column
carries the member's status.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from chibo.exchange.parsing import COLUMNS, find_header, header_field, is_numbering_row

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
MAX_COLUMNS = 60
MAX_CELL_CHARS = 1000
_REQUIRED = ("full_name", "birth_date", "sex", "admission_date")


@dataclass(frozen=True)
class RawRow:
    """One data row: its row number in the file (as the user sees it) and its cells by field.

    Values are JSON-ready: text, numbers (kept, for Excel serials and lost leading zeros),
    dates as ``yyyy-mm-dd`` text.
    """

    number: int
    values: dict[str, Any]


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: list[RawRow]


def _file_error(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _json_cell(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return value[:MAX_CELL_CHARS]
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return value
    return str(value)[:MAX_CELL_CHARS]


def read_table(stream: IO[bytes], filename: str, *, size: int | None = None) -> Table:
    """The data rows of an uploaded XLSX or CSV file, after its header row.

    Raises ``ValidationError`` (codes ``too_large``, ``unreadable``, ``no_header``,
    ``missing_columns``, ``too_many_rows``, ``empty``) with a message for the user.
    """
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise _file_error(
            _("The file is larger than %(mb)d MB: split it into several files.")
            % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
            "too_large",
        )
    name = filename.lower()
    if name.endswith(".csv") or name.endswith(".txt"):
        rows = _csv_rows(stream)
    elif name.endswith(".xls"):
        raise _file_error(
            _("Old Excel files (.xls) cannot be read: save the file as .xlsx or CSV."),
            "unreadable",
        )
    else:
        rows = _xlsx_rows(stream)
    return _table(rows)


def _xlsx_rows(stream: IO[bytes]) -> Iterator[tuple[Any, ...]]:
    # The fast reader yields what openpyxl yields; where it cannot be sure to, it hands over
    # to openpyxl (the stream rewound, the rows already read skipped).
    from chibo.exchange.xlsx_fast import iter_rows_with_fallback

    def with_openpyxl() -> Iterator[tuple[Any, ...]]:
        book = load_workbook(stream, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        return sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)

    try:
        rows = iter_rows_with_fallback(stream, max_col=MAX_COLUMNS, fallback=with_openpyxl)
        first = next(rows, None)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise _file_error(
            _("This file cannot be read as an Excel workbook (.xlsx)."), "unreadable"
        ) from exc
    return _guarded(first, rows)


def _guarded(first: Any, rows: Iterator[Any]) -> Iterator[tuple[Any, ...]]:
    if first is None:
        return
    yield first
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # a damaged sheet can fail half-way
            raise _file_error(
                _("This file cannot be read as an Excel workbook (.xlsx)."), "unreadable"
            ) from exc
        yield row


def _csv_rows(stream: IO[bytes]) -> Iterator[tuple[Any, ...]]:
    raw = stream.read(MAX_UPLOAD_BYTES + 1)
    if len(raw) > MAX_UPLOAD_BYTES:
        raise _file_error(_("The file is too large."), "too_large")
    text = None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig",)
    for encoding in encodings:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    if text is None or "\x00" in text:
        raise _file_error(
            _('The CSV file is not in UTF-8: save it as "CSV UTF-8" and upload it again.'),
            "unreadable",
        )
    sample = "\n".join(text.splitlines()[:40])
    delimiter = max(";,\t", key=sample.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            yield tuple(cell[:MAX_CELL_CHARS] for cell in row[:MAX_COLUMNS])
    except csv.Error as exc:
        raise _file_error(_("This CSV file cannot be read."), "unreadable") from exc


def _table(rows: Iterator[tuple[Any, ...]]) -> Table:
    from chibo.exchange.parsing import HEADER_SEARCH_ROWS

    head: list[tuple[Any, ...]] = []
    for row in rows:
        head.append(row)
        if len(head) > HEADER_SEARCH_ROWS:
            break
    header = find_header(head)
    if header is None:
        raise _file_error(
            _(
                "No row of column titles was found in the first %(n)d rows. The file needs a "
                'row with the titles, e.g. "Họ và tên", "Ngày sinh", "Ngày vào Đảng".'
            )
            % {"n": HEADER_SEARCH_ROWS},
            "no_header",
        )
    missing = [c.title for c in COLUMNS if c.field in _REQUIRED and c.field not in header.columns]
    if missing:
        raise _file_error(
            _("Columns are missing: %(columns)s.") % {"columns": ", ".join(missing)},
            "missing_columns",
        )
    columns = header.columns
    out: list[RawRow] = []
    data = _chain(head[header.last_row + 1 :], rows)
    start = header.last_row + 2  # 1-based row number of the first data row
    leading = True
    for offset, row in enumerate(data):
        values = {
            field: _json_cell(row[index]) if index < len(row) else None
            for field, index in columns.items()
        }
        if all(v in (None, "") or (isinstance(v, str) and not v.strip()) for v in values.values()):
            continue
        if leading and is_numbering_row(row):
            continue
        leading = False
        if len(out) >= MAX_ROWS:
            raise _file_error(
                _("The file has more than %(n)s rows: split it into several files.")
                % {"n": f"{MAX_ROWS:,}"},
                "too_many_rows",
            )
        values.pop("stt", None)
        values.pop("notes", None)
        out.append(RawRow(number=start + offset, values=values))
    if not out:
        raise _file_error(_("The file has no member rows under its column titles."), "empty")
    return Table(columns=tuple(columns), rows=out)


def _chain(first: list[tuple[Any, ...]], rest: Iterator[tuple[Any, ...]]) -> Iterator[Any]:
    yield from first
    yield from rest


# --- Writing --------------------------------------------------------------------------------

EXPORT_FIELDS = tuple(c.field for c in COLUMNS if c.field not in {"citizen_id", "phone"})
_WIDTHS = {
    "stt": 5,
    "full_name": 24,
    "birth_name": 20,
    "birth_date": 12,
    "sex": 7,
    "home_town": 24,
    "residence": 24,
    "occupation": 18,
    "card_number": 12,
    "record_number": 12,
    "cell_name": 22,
    "notes": 18,
}
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


@dataclass(frozen=True)
class RegisterHeading:
    """The official header lines: the issuing committee on the left, the party's name right."""

    parent_name: str
    unit_name: str
    place: str
    day: dt.date


def write_register(
    target: IO[bytes], heading: RegisterHeading, rows: Iterable[dict[str, Any]]
) -> int:
    """Write the register to ``target`` in write-only mode (rows stream out as they come).

    ``rows`` are dicts by field name (``EXPORT_FIELDS``); dates are ``date`` objects and are
    written as date cells shown ``dd/mm/yyyy``. Returns the number of member rows.
    """
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Sổ danh sách đảng viên")
    width = len(EXPORT_FIELDS)
    for index, field in enumerate(EXPORT_FIELDS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _WIDTHS.get(field, 14)
    half = width // 2
    last = get_column_letter(width)
    mid = get_column_letter(half)
    after_mid = get_column_letter(half + 1)
    bold = Font(bold=True)

    def cell(value: Any, **style: Any) -> Any:
        c = WriteOnlyCell(sheet, value=value)
        for key, val in style.items():
            setattr(c, key, val)
        return c

    day = heading.day
    lines = [
        (heading.parent_name.upper(), "ĐẢNG CỘNG SẢN VIỆT NAM"),
        (heading.unit_name.upper(), "*"),
        ("", f"{heading.place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"),
    ]
    for row_number, (left, right) in enumerate(lines, start=1):
        sheet.merged_cells.add(f"A{row_number}:{mid}{row_number}")
        sheet.merged_cells.add(f"{after_mid}{row_number}:{last}{row_number}")
        pad = [None] * (half - 1)
        right_font = Font(bold=row_number == 1, italic=row_number == 3)
        sheet.append(
            [
                cell(left, font=bold, alignment=_CENTER),
                *pad,
                cell(right, font=right_font, alignment=_CENTER),
            ]
        )
    sheet.append([])
    sheet.merged_cells.add(f"A5:{last}5")
    sheet.append([cell("SỔ DANH SÁCH ĐẢNG VIÊN", font=Font(bold=True, size=14), alignment=_CENTER)])
    sheet.merged_cells.add(f"A6:{last}6")
    sheet.append(
        [
            cell(
                f"{heading.unit_name} — ngày xuất: {day:%d/%m/%Y}",
                font=Font(italic=True),
                alignment=_CENTER,
            )
        ]
    )
    sheet.append([])
    titles = {c.field: c.title for c in COLUMNS}
    sheet.append(
        [cell(titles[f], font=bold, alignment=_CENTER, border=_BOX) for f in EXPORT_FIELDS]
    )
    sheet.append([cell(i, alignment=_CENTER, border=_BOX) for i in range(1, width + 1)])
    sheet.freeze_panes = "C10"
    count = 0
    for count, values in enumerate(rows, start=1):
        out = []
        for field in EXPORT_FIELDS:
            value = count if field == "stt" else values.get(field, "")
            c = cell(value, border=_BOX, alignment=_WRAP)
            if isinstance(value, dt.date):
                c.number_format = "DD/MM/YYYY"
            out.append(c)
        sheet.append(out)
    book.save(target)
    return count


__all__ = ["XLSX_TYPE", "RawRow", "Table", "header_field", "read_table", "write_register"]
