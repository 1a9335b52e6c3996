"""Build spreadsheets in tests (openpyxl), as people make them."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook

TITLES = [
    "STT",
    "Họ và tên",
    "Ngày sinh",
    "Nam, nữ",
    "Dân tộc",
    "Ngày vào Đảng",
    "Ngày chính thức",
    "Số thẻ đảng viên",
    "Chi bộ",
]


def xlsx_bytes(rows: Iterable[Sequence[Any]], *, merges: Sequence[str] = ()) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    for ref in merges:
        sheet.merge_cells(ref)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def simple_rows(cell_name: str, people: Iterable[Sequence[Any]]) -> list[list[Any]]:
    """A plain file: the header, then ``(name, birth, sex, admission, recognition, card)``."""
    rows: list[list[Any]] = [TITLES]
    for index, (name, birth, sex, admitted, official, card) in enumerate(people, start=1):
        rows.append([index, name, birth, sex, "Thái", admitted, official, card, cell_name])
    return rows
