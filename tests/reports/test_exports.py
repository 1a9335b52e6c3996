"""The exports of the reports (chibo.reports.exports, views_exports): the XLSX read back with
openpyxl and the DOCX with python-docx, their figures equal to ``breakdown``; the pages' scope
(the rows are in tests/scope_rows/reports_exports.py), the default and bad periods, the file
names, the audit entry and a constant number of queries."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django_scopes import scopes_disabled
from docx import Document
from openpyxl import load_workbook

from chibo.core.models import AuditEntry
from chibo.meetings import services as meetings
from chibo.meetings.models import DayRule, Meeting, MeetingKind
from chibo.orgunits.models import UnitKind
from chibo.orgunits.services import UnitData, unit_update
from chibo.reports import exports, rollup
from chibo.reports.indicators import FIGURE_FIELDS, Period, PeriodError, breakdown
from chibo.reports.models import COUNT_FIELDS, CellMonth
from tests.factories import make_unit
from tests.meetings.factories import EXC, UNEXC, P, aware, hold, roll

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2025, 3, 10)
Q1 = Period(D(2025, 1, 1), D(2025, 3, 1))


@pytest.fixture(autouse=True)
def _clock():
    """Every test runs at 09:00 on 10 March 2025 (Asia/Ho_Chi_Minh), in English outside the
    pages (which follow the user's language)."""
    with time_machine.travel(aware(TODAY, 9), tick=False), translation.override("en"):
        yield


# --- Data --------------------------------------------------------------------------------------
def held_regular(cell, month: int, categories: dict, *, on_fixed_day: bool = True) -> Meeting:
    """The cell's regular meeting of ``month`` 2025 held on its fixed day (or two days later),
    with ``categories`` as its roll."""
    with scopes_disabled():
        meeting = Meeting.objects.get(cell=cell, kind=MeetingKind.REGULAR, month=D(2025, month, 1))
        if not on_fixed_day:
            Meeting.objects.filter(pk=meeting.pk).update(
                planned_date=meeting.planned_date + dt.timedelta(days=2)
            )
            meeting.refresh_from_db()
    with time_machine.travel(aware(meeting.planned_date, 22), tick=False):
        meeting = hold(meeting)
        roll(meeting, categories)
    return meeting


def activity(world) -> None:
    """Cells A1 and A2 (commune A) and B1 (commune B) meet on the 5th; A1 holds January and
    February (one absence with reason, then one without), A2 January two days late, B1
    February. Then the rollup is rebuilt."""
    with scopes_disabled():
        for cell in (world.cell, world.cell2, world.other_cell):
            meetings.meeting_day_set(actor=None, cell=cell, rule=DayRule.DAY_OF_MONTH, day=5)
            meetings.plan_year(actor=None, cell=cell, year=2025)
        sec2 = world.cell2.members.get()
    held_regular(world.cell, 1, {world.secretary_member: P, world.plain_member: EXC})
    held_regular(world.cell, 2, {world.secretary_member: P, world.plain_member: UNEXC})
    held_regular(world.cell2, 1, {sec2: P}, on_fixed_day=False)
    held_regular(world.other_cell, 2, {world.other_member: P})
    rollup.rebuild(today=TODAY)


def fill(cells, months: list[dt.date]) -> None:
    """The rollup of ``cells`` over ``months`` set to made-up counts, a different one in every
    column, cell and month (so that a figure read from the wrong column shows)."""
    with scopes_disabled():
        CellMonth.objects.all().delete()
        rows = []
        for n, cell in enumerate(cells):
            for m, month in enumerate(months):
                values = {name: 1 + (3 * n + 5 * m + i) % 11 for i, name in enumerate(COUNT_FIELDS)}
                values["regular_held"] = (n + m) % 2
                values["regular_on_fixed_day"] = (n + m) % 2 if n % 3 else 0
                values["attendance_required"] = sum(
                    values[name]
                    for name in ("attendance_attended", "absent_excused", "absent_unexcused")
                )
                rows.append(CellMonth(cell=cell, path=cell.path, month=month, **values))
        CellMonth.objects.bulk_create(rows)


def reference(unit, period: Period = Q1):
    with scopes_disabled():
        return breakdown(unit, period)


def book_of(content: bytes):
    return load_workbook(io.BytesIO(content))


def sheet_rows(sheet) -> dict[str, tuple]:
    """The rows under the column titles, by their first cell."""
    return {
        row[0]: row[1:]
        for row in sheet.iter_rows(min_row=exports.HEADER_ROW + 1, values_only=True)
        if row[0] is not None
    }


# --- The list of indicators --------------------------------------------------------------------
def test_every_figure_is_exported_once() -> None:
    keys = [line.key for line in exports.LINES]
    assert len(keys) == len(set(keys))
    assert set(FIGURE_FIELDS) <= set(keys)
    assert len({str(line.label) for line in exports.LINES}) == len(keys)
    for line in exports.LINES:
        assert (line.rate is None) == (line.whole is None)


# --- Periods and file names --------------------------------------------------------------------
def test_default_period_is_the_year_to_date() -> None:
    assert exports.default_period() == Q1
    assert exports.period_from_query(None, None) == Q1
    assert exports.period_from_query("", " ") == Q1
    assert exports.period_from_query("2024-11", None) == Period(D(2024, 11, 1), D(2025, 3, 1))
    assert exports.period_from_query(None, "2025-02") == Period(D(2025, 1, 1), D(2025, 2, 1))
    assert exports.default_period(D(2026, 1, 31)) == Period(D(2026, 1, 1), D(2026, 1, 1))


@pytest.mark.parametrize(
    ("start", "end"), [("2025-13", None), ("March", "2025-03"), ("2025-03", "2025-01")]
)
def test_bad_periods_raise_with_a_message(start, end) -> None:
    with pytest.raises(PeriodError) as error:
        exports.period_from_query(start, end)
    assert str(error.value)


def test_file_names_are_ascii_with_the_code_and_period(world) -> None:
    assert exports.export_filename(world.cell, Q1, "chi-so", "xlsx") == (
        f"chi-so-{world.cell.code}-2025-01-2025-03.xlsx"
    )
    world.cell.code = "Chi bộ/Nà Tăm 01"
    name = exports.export_filename(world.cell, Q1, "bao-cao", "docx")
    assert name == "bao-cao-Chi-b-N-T-m-01-2025-01-2025-03.docx"
    assert name.isascii()


@pytest.mark.parametrize(
    ("period", "phrase"),
    [
        (Period(D(2025, 3, 1), D(2025, 3, 1)), "tháng 3 năm 2025"),
        (Q1, "quý I năm 2025"),
        (Period(D(2025, 10, 1), D(2025, 12, 1)), "quý IV năm 2025"),
        (Period(D(2025, 1, 1), D(2025, 12, 1)), "năm 2025"),
        (Period(D(2025, 2, 1), D(2025, 4, 1)), "từ tháng 02/2025 đến tháng 04/2025"),
        (Period(D(2024, 12, 1), D(2025, 2, 1)), "từ tháng 12/2024 đến tháng 02/2025"),
    ],
)
def test_period_phrase(period, phrase) -> None:
    assert exports.period_phrase(period) == phrase


def test_report_place_is_where_the_committee_sits(world) -> None:
    assert exports.report_place(world.cell, world.commune) == "Nậm Tăm"
    assert exports.report_place(world.commune, world.province) == "Nậm Tăm"
    assert exports.report_place(world.province, None) == "Thử"


# --- XLSX --------------------------------------------------------------------------------------
def test_xlsx_has_the_header_block_and_the_figures(world) -> None:
    activity(world)
    found = reference(world.commune)
    assert (found.total.regular_held, found.total.attendance_attended) == (3, 3)  # the data
    with scopes_disabled():
        content = exports.indicators_xlsx(world.commune, Q1, found)
    book = book_of(content)
    assert book.sheetnames == ["Indicators", "By unit"]
    for sheet in book.worksheets:
        assert [sheet.cell(row=r, column=2).value for r in range(1, 5)] == [
            "Đảng bộ xã Nậm Tăm",
            world.commune.code,
            "01/2025 – 03/2025",
            "10/03/2025 09:00",
        ]
        assert sheet.cell(row=4, column=1).value == "Exported on"
    sheet = book["Indicators"]
    assert sheet.freeze_panes == f"A{exports.HEADER_ROW + 1}"
    assert [c.value for c in sheet[exports.HEADER_ROW]] == ["Indicator", "Value", "Rate"]
    rows = sheet_rows(sheet)
    for line in exports.LINES:
        value, rate = rows[str(line.label)]
        assert value == line.value(found.total), line.key
        assert rate == pytest.approx(line.rate_of(found.total)), line.key
    # Read independently of LINES: the label says what the number is.
    total = found.total
    assert rows["Regular meetings held"] == (3, total.held_rate)
    assert rows["Regular meetings held"][1] == pytest.approx(3 / 6)
    assert rows["Regular meetings held on the fixed day"][0] == 2
    assert rows["Absences without reason"][0] == 1
    assert rows["Party members"][0] == total.members == 3
    rate_cells = [row[2] for row in sheet.iter_rows(min_row=exports.HEADER_ROW + 1) if row[2].value]
    assert rate_cells
    assert {c.number_format for c in rate_cells} == {"0.0%"}


def test_xlsx_has_one_row_per_child_unit(world) -> None:
    activity(world)
    found = reference(world.commune)
    with scopes_disabled():
        book = book_of(exports.indicators_xlsx(world.commune, Q1, found))
    sheet = book["By unit"]
    assert sheet.freeze_panes == f"C{exports.HEADER_ROW + 1}"
    columns = exports.breakdown_columns()
    titles = [c.value for c in sheet[exports.HEADER_ROW]]
    assert titles[:3] == ["Unit", "Code", "Party members"]
    assert "Regular meetings held (rate)" in titles
    assert len(titles) == 2 + len(columns)
    rows = list(sheet.iter_rows(min_row=exports.HEADER_ROW + 1, values_only=True))
    assert [row[:2] for row in rows] == [
        ("Chi bộ bản Nà Tăm", world.cell.code),
        ("Chi bộ bản Pá Khoang", world.cell2.code),
    ]
    for row, cell in zip(rows, (world.cell, world.cell2), strict=True):
        figures = found.children[cell.path]
        expected = [
            line.rate_of(figures) if is_rate else line.value(figures)
            for _title, line, is_rate in columns
        ]
        assert list(row[2:]) == pytest.approx(expected)
    held = titles.index("Regular meetings held")
    assert (rows[0][held], rows[1][held]) == (2, 1)
    on_time = titles.index("Regular meetings held on the fixed day (rate)")
    assert sheet.cell(row=exports.HEADER_ROW + 1, column=on_time + 1).number_format == "0.0%"


def test_xlsx_with_many_children_and_every_column_different(world) -> None:
    cells = [make_unit(world.commune, f"Chi bộ tổ {n:02d}", UnitKind.CELL) for n in range(6)]
    fill([world.cell, world.cell2, *cells], Q1.months)
    found = reference(world.commune)
    with scopes_disabled():
        sheet = book_of(exports.indicators_xlsx(world.commune, Q1, found))["By unit"]
    rows = sheet_rows(sheet)
    assert len(rows) == 8
    titles = [c.value for c in sheet[exports.HEADER_ROW]]
    for cell in [world.cell, world.cell2, *cells]:
        row = dict(zip(titles[1:], rows[cell.name], strict=True))
        figures = found.children[cell.path]
        assert row["Code"] == cell.code
        assert row["Absences with reason"] == figures.absent_excused
        assert row["Transfers overdue"] == figures.transfers_overdue
        assert row["Members who attended (rate)"] == pytest.approx(figures.attendance_rate)


def test_xlsx_names_are_never_formulas(world) -> None:
    with scopes_disabled():
        unit_update(
            actor=None,
            unit=world.cell,
            data=UnitData(name='=HYPERLINK("http://x","Nà Tăm")', code="=1+1", kind="cell"),
        )
    world.cell.refresh_from_db()
    fill([world.cell], Q1.months)
    with scopes_disabled():
        book = book_of(exports.indicators_xlsx(world.commune, Q1, reference(world.commune)))
    row = exports.HEADER_ROW + 1
    name, code = book["By unit"].cell(row=row, column=1), book["By unit"].cell(row=row, column=2)
    assert (name.value, name.data_type) == ('=HYPERLINK("http://x","Nà Tăm")', "s")
    assert (code.value, code.data_type) == ("=1+1", "s")


def test_xlsx_of_a_cell_has_no_child_rows(world) -> None:
    activity(world)
    found = reference(world.cell)
    with scopes_disabled():
        book = book_of(exports.indicators_xlsx(world.cell, Q1, found))
    assert sheet_rows(book["By unit"]) == {}
    assert sheet_rows(book["Indicators"])["Regular meetings held"][0] == 2


# --- DOCX --------------------------------------------------------------------------------------
def _docx(world, unit, period: Period = Q1):
    found = reference(unit, period)
    with scopes_disabled():
        return found, Document(io.BytesIO(exports.periodic_report_docx(unit, period, found)))


def _cells(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_docx_has_the_official_header_title_figures_and_table(world) -> None:
    activity(world)
    found, document = _docx(world, world.commune)
    header = document.tables[0]
    left, right = header.rows[0].cells
    assert [p.text for p in left.paragraphs][:3] == [
        "ĐẢNG BỘ TỈNH THỬ",
        "ĐẢNG BỘ XÃ NẬM TĂM",
        "*",
    ]
    assert [p.text for p in right.paragraphs] == [
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "",
        "Nậm Tăm, ngày 10 tháng 3 năm 2025",
    ]
    text = [p.text for p in document.paragraphs]
    assert "BÁO CÁO" in text
    assert "Kết quả sinh hoạt chi bộ quý I năm 2025" in text
    assert "- Số cuộc sinh hoạt thường kỳ đã tổ chức: 3/6 (đạt 50%)" in text
    assert "- Vắng không lý do: 1" in text
    assert "- Số chi bộ: 2" in text
    table = _cells(document.tables[1])
    assert table[0][:3] == ["TT", "Đơn vị", "Số chi bộ"]
    assert [row[:4] for row in table[1:]] == [
        ["1", "Chi bộ bản Nà Tăm", "1", "2/3"],
        ["2", "Chi bộ bản Pá Khoang", "1", "1/3"],
        ["", "Tổng cộng", "2", "3/6"],
    ]
    assert table[1][4] == "66,7%"  # on the fixed day: 2 of 3
    assert table[2][4] == "0%"
    signature = _cells(document.tables[2])[0]
    assert signature[1].startswith("T/M ĐẢNG ỦY\nBÍ THƯ\n")
    assert "Đảng bộ tỉnh Thử" in signature[0]
    assert found.total.regular_held == 3


def test_docx_of_a_cell_names_its_commune_and_secretary(world) -> None:
    activity(world)
    _found, document = _docx(world, world.cell, Period(D(2025, 2, 1), D(2025, 2, 1)))
    left, right = document.tables[0].rows[0].cells
    assert [p.text for p in left.paragraphs][:2] == ["ĐẢNG BỘ XÃ NẬM TĂM", "CHI BỘ BẢN NÀ TĂM"]
    assert right.paragraphs[2].text == "Nậm Tăm, ngày 10 tháng 3 năm 2025"
    text = [p.text for p in document.paragraphs]
    assert "Kết quả sinh hoạt chi bộ tháng 2 năm 2025" in text
    assert "- Số cuộc sinh hoạt thường kỳ đã tổ chức: 1/1 (đạt 100%)" in text
    assert "- Lượt đảng viên dự sinh hoạt: 1/2 (đạt 50%)" in text
    assert not any(line.startswith("- Số chi bộ") for line in text)  # a cell is one cell
    assert len(document.tables) == 2  # the header and the signatures: no table of children
    signature = document.tables[1].rows[0].cells[1].text
    assert signature.startswith("T/M CHI BỘ\nBÍ THƯ")
    assert signature.endswith("Lò Văn Piếng")


def test_docx_numbers_are_written_the_vietnamese_way(world) -> None:
    with scopes_disabled():
        unit_update(
            actor=None,
            unit=world.province,
            data=UnitData(name="Đảng bộ tỉnh Sơn La", code=world.province.code, kind="province"),
        )
    world.province.refresh_from_db()
    fill([world.cell], Q1.months)
    with scopes_disabled():
        CellMonth.objects.update(
            members_official=1234, attendance_required=3, attendance_attended=2
        )
    _found, document = _docx(world, world.province)
    text = [p.text for p in document.paragraphs]
    assert "- Đảng viên chính thức: 1.234" in text
    assert "- Lượt đảng viên dự sinh hoạt: 6/9 (đạt 66,7%)" in text
    assert document.tables[0].rows[0].cells[1].paragraphs[2].text.startswith("Sơn La, ngày 10")
    assert "T/M BAN THƯỜNG VỤ" in document.tables[-1].rows[0].cells[1].text


# --- The pages ---------------------------------------------------------------------------------
def _url(name: str, unit, **query) -> str:
    url = reverse(f"reports:{name}", args=[unit.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _exports() -> list[AuditEntry]:
    with scopes_disabled():
        return list(AuditEntry.objects.filter(action="report.exported").order_by("id"))


@pytest.mark.parametrize(
    ("name", "content_type", "label"),
    [
        ("dashboard_xlsx", exports.XLSX_TYPE, "chi-so"),
        ("report_docx", exports.DOCX_TYPE, "bao-cao"),
    ],
)
def test_export_pages_answer_the_file_and_record_it(world, client_en, name, content_type, label):
    activity(world)
    response = client_en(world.commune_user).get(_url(name, world.commune, **{"from": "2025-02"}))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    filename = f"{label}-{world.commune.code}-2025-02-2025-03.{name.rsplit('_', 1)[1]}"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    entry = _exports()[-1]
    assert (entry.actor_id, entry.unit_id, entry.object_id) == (
        world.commune_user.pk,
        world.commune.pk,
        str(world.commune.pk),
    )
    assert entry.changes == {
        "format": [None, name.rsplit("_", 1)[1]],
        "period": [None, "2025-02_2025-03"],
    }


def test_xlsx_page_has_the_default_period_and_the_figures(world, client_en) -> None:
    activity(world)
    response = client_en(world.secretary).get(_url("dashboard_xlsx", world.cell))
    assert response.status_code == 200
    assert "2025-01-2025-03" in response["Content-Disposition"]
    sheet = book_of(response.content)["Indicators"]
    assert sheet["B3"].value == "01/2025 – 03/2025"
    assert sheet_rows(sheet)["Regular meetings held"][0] == reference(world.cell).total.regular_held


def test_xlsx_follows_the_users_language(world, client_for, client_en) -> None:
    url = _url("dashboard_xlsx", world.commune)
    vietnamese = book_of(client_for(world.commune_user).get(url).content)  # the default
    english = book_of(client_en(world.commune_user).get(url).content)
    assert english["Indicators"].cell(row=exports.HEADER_ROW, column=3).value == "Rate"
    assert vietnamese.worksheets[0].cell(row=exports.HEADER_ROW, column=3).value == "Tỷ lệ"


@pytest.mark.parametrize("name", ["dashboard_xlsx", "report_docx"])
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "2025-13"}, "The start of the period must be a month written YYYY-MM"),
        ({"from": "2025-03", "to": "2025-01"}, "The end of the period is before its start."),
        ({"from": "2020-01", "to": "2025-01"}, "A period is at most 36 months"),
        ({"to": "abc"}, "The end of the period must be a month written YYYY-MM"),
    ],
)
def test_a_bad_period_is_a_400_page_with_the_reason(world, client_en, name, query, message):
    response = client_en(world.commune_user).get(_url(name, world.commune, **query))
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert reverse("reports:dashboard", args=[world.commune.pk]) in page
    assert "<h1>This period cannot be exported</h1>" in page
    assert _exports() == []


@pytest.mark.parametrize("name", ["dashboard_xlsx", "report_docx"])
def test_out_of_scope_is_404_before_the_period_is_read(world, client_en, name) -> None:
    client = client_en(world.outsider)
    assert client.get(_url(name, world.commune, **{"from": "bad"})).status_code == 404
    assert client_en(world.member_user).get(_url(name, world.cell)).status_code == 404
    assert client.get(reverse(f"reports:{name}", args=[999999])).status_code == 404
    assert client.post(_url(name, world.other_commune)).status_code == 405
    assert _exports() == []


@pytest.mark.parametrize("name", ["dashboard_xlsx", "report_docx"])
def test_pages_need_a_constant_number_of_queries(world, client_for, name) -> None:
    def count() -> int:
        client = client_for(world.province_user)
        client.get(_url(name, world.province))  # warm up (the session's first use)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_url(name, world.province)).status_code == 200
        return len(queries)

    fill([world.cell], Q1.months)
    small = count()
    communes = [make_unit(world.province, f"Đảng bộ xã {n}", UnitKind.COMMUNE) for n in range(4)]
    cells = [make_unit(c, f"Chi bộ {n}", UnitKind.CELL) for n, c in enumerate(communes * 3)]
    fill([world.cell, world.cell2, world.other_cell, *cells], Q1.months)
    assert len(reference(world.province).children) == 6
    assert count() == small
    # The session, the user, the access (2), the unit, the breakdown, the children's names, the
    # audit entry; the report also reads the secretary (and the committee above: none here).
    assert small == {"dashboard_xlsx": 7, "report_docx": 8}[name]
