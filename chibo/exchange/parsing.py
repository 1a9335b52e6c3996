"""Parsers for what people type into spreadsheets: dates, numbers, column titles.

Every parser is pure (no database, no Django settings) and raises only ``ValueError`` on input it
cannot read, so the import turns each failure into a per-row message and nothing else can
escape as a 500.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from chibo.core.vietnamese import fold, nfc

# --- Dates ----------------------------------------------------------------------------------

# Excel's day 1 is 1900-01-01 and it counts a 29 February 1900 that never was: from 1 March
# 1900 on, a serial number is the number of days since 1899-12-30.
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_FIRST = 61  # 1900-03-01; smaller serials are never party-register dates
_EXCEL_LAST = 2_958_465  # 9999-12-31
_DMY = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})$")
_YMD = re.compile(r"^(\d{4})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})$")
_ISO_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
_SERIAL_TEXT = re.compile(r"^\d{5}(\.0+)?$")


def excel_serial_to_date(serial: float) -> dt.date:
    """The date of an Excel serial number (1900 date system); ValueError out of range."""
    if serial != serial or not _EXCEL_FIRST <= serial <= _EXCEL_LAST:  # NaN, or out of range
        raise ValueError(f"not an Excel date serial: {serial!r}")
    return _EXCEL_EPOCH + dt.timedelta(days=int(serial))


def two_digit_year(year: int, today: dt.date) -> int:
    """``d/m/yy``: a year not after this year's two digits is this century, else the last."""
    return 2000 + year if year <= today.year % 100 else 1900 + year


def parse_date(value: Any, *, today: dt.date | None = None) -> dt.date | None:
    """A date from a cell: ``None`` when empty; ``ValueError`` when it is not a real date.

    Accepted: date and datetime cells; Excel serial numbers (numbers, or five digits as text);
    ``dd/mm/yyyy``, ``d/m/yy``, ``dd-mm-yyyy``, ``dd.mm.yyyy`` (day first, the Vietnamese
    order) and ``yyyy-mm-dd``. ``31/02/1980`` is refused, not moved to March.
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise ValueError("not a date")
    if isinstance(value, int | float):
        return excel_serial_to_date(value)
    if not isinstance(value, str):
        raise ValueError("not a date")
    text = value.strip()
    if not text:
        return None
    found = _ISO_DATETIME.match(text)
    if found:
        text = found.group(1)
    if _SERIAL_TEXT.match(text):
        return excel_serial_to_date(float(text))
    found = _DMY.match(text)
    if found:
        day, month, year = (int(g) for g in found.groups())
        if len(found.group(3)) == 2:
            year = two_digit_year(year, today or dt.date.today())
        return dt.date(year, month, day)
    found = _YMD.match(text)
    if found:
        year, month, day = (int(g) for g in found.groups())
        return dt.date(year, month, day)
    raise ValueError(f"not a date: {text[:40]!r}")


# --- Text and numbers -----------------------------------------------------------------------


def parse_text(value: Any) -> str:
    """Cell text in NFC with runs of whitespace collapsed; numbers without a trailing ``.0``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d/%m/%Y")
    return nfc(str(value))


def parse_number(value: Any, *, width: int) -> str:
    """A number written with digits (card, record, citizen ID) as text.

    A numeric cell lost its leading zeros to Excel (``01234567`` became ``1234567``): it is padded
    back to ``width``. Text is returned as typed (without spaces and dots), for the record's own
    checks to accept or refuse.
    """
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        number = int(value)
        if number < 0:
            raise ValueError("negative number")
        return str(number).zfill(width)
    if isinstance(value, float):
        raise ValueError("not a whole number")
    return re.sub(r"[\s.]", "", nfc(str(value)))


_RECORD_AFTER = re.compile(r"^(\d+)\s*[-/.\s]?\s*([A-Za-z][A-Za-z0-9]{0,3})$")
_RECORD_BEFORE = re.compile(r"^([A-Za-z][A-Za-z0-9]{0,3})\s*[-/.\s]?\s*(\d+)$")


def parse_record_number(value: Any) -> tuple[str, str]:
    """``(number, province code)`` from ``012345 LC``, ``LC-012345``, ``012345/LC``.

    Anything else comes back whole as the number, for the record's checks to refuse.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        return parse_number(value, width=6), ""
    text = parse_text(value)
    found = _RECORD_AFTER.match(text)
    if found:
        return found.group(1), found.group(2).upper()
    found = _RECORD_BEFORE.match(text)
    if found:
        return found.group(2), found.group(1).upper()
    return text.replace(" ", ""), ""


_SEXES = {
    "nam": "male",
    "male": "male",
    "m": "male",
    "nu": "female",
    "female": "female",
    "f": "female",
}


def parse_sex(value: Any) -> str:
    """``male``/``female`` from Nam/Nữ (any case, with or without diacritics); else as typed."""
    text = parse_text(value)
    return _SEXES.get(fold(text), text)


_THEORY = {
    "": "",
    "khong": "",
    "chua": "",
    "so cap": "elementary",
    "trung cap": "intermediate",
    "cao cap": "advanced",
    "cu nhan": "bachelor",
    "cao cap cu nhan": "bachelor",
}


def parse_theory_level(value: Any) -> str:
    """The political theory level from its Vietnamese or English name; else as typed."""
    text = parse_text(value)
    key = _title_key(text)
    if key in _THEORY:
        return _THEORY[key]
    if key in {"elementary", "intermediate", "advanced", "bachelor"}:
        return key
    return text


# --- Column titles --------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of the register: its field, its Vietnamese title, and the titles it accepts."""

    field: str
    title: str
    aliases: tuple[str, ...] = ()


# The order of the export, after the 7-HSĐV register (see chibo/exchange/xlsx.py).
COLUMNS: tuple[Column, ...] = (
    Column("stt", "STT", ("so tt", "so thu tu", "tt", "no")),
    Column("full_name", "Họ và tên", ("ho ten", "ho va ten dang vien", "full name", "name")),
    Column(
        "birth_name",
        "Họ và tên khai sinh",
        ("ten khai sinh", "ho ten khai sinh", "birth name"),
    ),
    Column(
        "birth_date",
        "Ngày sinh",
        ("ngay thang nam sinh", "sinh ngay", "date of birth", "birth date"),
    ),
    Column("sex", "Nam, nữ", ("nam nu", "gioi tinh", "gioi", "sex")),
    Column("ethnicity", "Dân tộc", ("ethnicity",)),
    Column("religion", "Tôn giáo", ("religion",)),
    Column("home_town", "Quê quán", ("home town",)),
    Column(
        "residence",
        "Nơi ở hiện nay",
        ("noi o", "cho o hien nay", "noi cu tru", "dia chi", "residence"),
    ),
    Column(
        "education",
        "Giáo dục phổ thông",
        ("van hoa", "trinh do van hoa", "hoc van", "trinh do hoc van", "education"),
    ),
    Column(
        "profession",
        "Chuyên môn nghiệp vụ",
        ("chuyen mon", "cmnv", "trinh do chuyen mon", "profession"),
    ),
    Column(
        "theory_level",
        "Lý luận chính trị",
        ("ly luan", "trinh do ly luan chinh tri", "llct", "political theory"),
    ),
    Column(
        "occupation",
        "Nghề nghiệp hiện nay",
        ("nghe nghiep", "nghe nghiep hien nay", "occupation"),
    ),
    Column("admission_date", "Ngày vào Đảng", ("ngay ket nap", "admission date")),
    Column(
        "ceremony_date",
        "Ngày lễ kết nạp",
        ("ngay to chuc le ket nap", "ceremony date"),
    ),
    Column(
        "recognition_date",
        "Ngày chính thức",
        (
            "ngay cong nhan chinh thuc",
            "ngay cong nhan dang vien chinh thuc",
            "ngay chuyen chinh thuc",
            "recognition date",
        ),
    ),
    Column("card_number", "Số thẻ đảng viên", ("so the", "the dang vien", "card number")),
    Column(
        "record_number",
        "Số lý lịch đảng viên",
        ("so ly lich", "so ll", "record number"),
    ),
    Column("record_province", "Mã tỉnh (số lý lịch)", ("ma tinh", "record province")),
    Column(
        "citizen_id",
        "Số CCCD",
        ("cccd", "so can cuoc", "so can cuoc cong dan", "so dinh danh", "citizen id"),
    ),
    Column("phone", "Số điện thoại", ("dien thoai", "sdt", "so dt", "phone")),
    Column("cell_name", "Chi bộ", ("ten chi bo", "cell", "party cell")),
    Column("cell_code", "Mã chi bộ", ("cell code",)),
    Column("notes", "Ghi chú", ("notes",)),
)
_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_NOT_WORD = re.compile(r"[^0-9a-z]+")


def _title_key(text: str) -> str:
    """A title folded for matching: no diacritics or case, words only, ``(...)`` dropped."""
    return _NOT_WORD.sub(" ", fold(_PARENS.sub(" ", text))).strip()


_BY_KEY: dict[str, str] = {}
for _column in COLUMNS:
    for _alias in (_column.title, _column.field.replace("_", " "), *_column.aliases):
        _BY_KEY.setdefault(_title_key(_alias), _column.field)
# "Mã tỉnh (số lý lịch)" loses its brackets when folded; keep the bracketed word too.
_BY_KEY.setdefault("ma tinh so ly lich", "record_province")


def header_field(title: Any) -> str | None:
    """The field a column title names, or None (case, diacritics, spaces and NFD ignored)."""
    if not isinstance(title, str):
        return None
    key = _title_key(title)
    if key in _BY_KEY:
        return _BY_KEY[key]
    bare = _NOT_WORD.sub(" ", fold(title)).strip()
    return _BY_KEY.get(bare)


@dataclass(frozen=True)
class Header:
    """Where the header is: its last row (0-based) and the column index of each field."""

    last_row: int
    columns: dict[str, int]


MIN_MATCHES = 3
HEADER_SEARCH_ROWS = 30


def _fields_of(row: Sequence[Any]) -> dict[int, str]:
    found: dict[int, str] = {}
    for index, value in enumerate(row):
        field = header_field(value)
        if field is not None:
            found[index] = field
    return found


def find_header(rows: Sequence[Sequence[Any]]) -> Header | None:
    """The header among the first rows: the first row naming the full name and 3+ columns.

    A title block above it is skipped. A two-row header (a group title merged over several
    columns, e.g. "Trình độ", with their titles on the next row) is read as one: each column
    takes whichever of the two rows names a field.
    """
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        top = _fields_of(row)
        if "full_name" not in top.values() or len(top) < MIN_MATCHES:
            continue
        last = index
        combined = dict(top)
        if index + 1 < len(rows):
            below = _fields_of(rows[index + 1])
            used = set(top.values())
            extra = {
                col: field for col, field in below.items() if col not in top and field not in used
            }
            if extra:
                combined.update(extra)
                last = index + 1
        columns: dict[str, int] = {}
        for col, field in sorted(combined.items()):
            columns.setdefault(field, col)
        return Header(last_row=last, columns=columns)
    return None


def is_numbering_row(row: Iterable[Any]) -> bool:
    """The "1 2 3 … 14" row printed under a form's header: only small whole numbers."""
    values = [v for v in row if v not in (None, "")]
    if len(values) < MIN_MATCHES:
        return False
    for value in values:
        if isinstance(value, bool):
            return False
        if isinstance(value, int | float) and float(value).is_integer() and 0 < value < 100:
            continue
        if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 2:
            continue
        return False
    return True
