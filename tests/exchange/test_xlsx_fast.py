"""The fast XLSX reader against its oracle, openpyxl's read-only ``iter_rows(values_only=True)``."""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import unicodedata
import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from chibo.exchange.xlsx_fast import Unsupported, iter_rows_with_fallback, iter_sheet_rows
from tests.exchange.helpers import simple_rows, xlsx_bytes
from tests.exchange.test_services import messy_file

ROOT = Path(__file__).resolve().parents[2]
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def oracle(data: bytes, max_col: int) -> list[tuple[Any, ...]]:
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    return list(book.worksheets[0].iter_rows(max_col=max_col, values_only=True))


def fast(data: bytes, max_col: int) -> list[tuple[Any, ...]]:
    return list(iter_sheet_rows(io.BytesIO(data), max_col=max_col))


def with_fallback(data: bytes, max_col: int) -> list[tuple[Any, ...]]:
    stream = io.BytesIO(data)

    def openpyxl_rows() -> Any:
        book = load_workbook(stream, read_only=True, data_only=True)
        return book.worksheets[0].iter_rows(max_col=max_col, values_only=True)

    return list(iter_rows_with_fallback(stream, max_col=max_col, fallback=openpyxl_rows))


def typed(rows: list[tuple[Any, ...]]) -> list[tuple[tuple[type, Any], ...]]:
    """Rows with each value's type, so that 1 == 1.0 == True do not pass for each other."""
    return [tuple((type(v), v) for v in row) for row in rows]


def assert_same(data: bytes, max_cols: tuple[int, ...] = (1, 3, 17, 60)) -> None:
    for max_col in max_cols:
        expected = typed(oracle(data, max_col))
        assert typed(fast(data, max_col)) == expected, max_col
        assert typed(with_fallback(data, max_col)) == expected, max_col


# --- (1) Generated workbooks ------------------------------------------------------------------

WORDS = ["Nguyễn Văn An", "Lò Thị Hoa", "Đảng viên", "Giàng A Dế", "Chi bộ bản Nà", "x005F_y"]
FORMATS = [
    None,
    "General",
    "dd/mm/yyyy",
    "DD/MM/YYYY",
    "yyyy-mm-dd h:mm:ss",
    "h:mm",
    "[h]:mm:ss",
    "mm-dd-yy",
    '0.00;[Red]"-"0.00',
    "#,##0",
    "0%",
    "@",
    'd "tháng" m "năm" yyyy',
]


def _text() -> st.SearchStrategy[str]:
    plain = st.text(
        alphabet=st.characters(
            blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"
        )
        | st.sampled_from("\t\n <>&\"'"),
        max_size=12,
    )
    word = st.sampled_from(WORDS)
    spaced = st.builds(
        lambda w, a, b: a + w + b,
        word,
        st.sampled_from(["", " ", "  "]),
        st.sampled_from(["", " ", "\n"]),
    )
    normalised = st.builds(
        lambda w, form: unicodedata.normalize(form, w), word, st.sampled_from(["NFC", "NFD"])
    )
    return st.one_of(plain, spaced, normalised, st.just(""))


VALUES = st.one_of(
    st.none(),
    _text(),
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.booleans(),
    st.dates(dt.date(1905, 1, 1), dt.date(2100, 12, 31)),
    st.datetimes(dt.datetime(1905, 1, 1), dt.datetime(2100, 12, 31)),
    st.times(),
)


@st.composite
def workbooks(draw: st.DrawFn) -> bytes:
    width = draw(st.integers(1, 8))
    height = draw(st.integers(0, 12))
    grid = draw(
        st.lists(
            st.lists(st.tuples(VALUES, st.sampled_from(FORMATS)), min_size=0, max_size=width),
            min_size=height,
            max_size=height,
        )
    )
    write_only = draw(st.booleans())
    epoch_1904 = draw(st.booleans())
    book = Workbook(write_only=write_only)
    if epoch_1904:
        book.epoch = CALENDAR_MAC_1904
    if write_only:
        sheet = book.create_sheet("Danh sách")
        for row in grid:
            cells = []
            for value, number_format in row:
                cell = WriteOnlyCell(sheet, value=value)
                if number_format and value is not None:
                    cell.number_format = number_format
                cells.append(cell)
            sheet.append(cells)
    else:
        sheet = book.active
        top = draw(st.integers(1, 4))
        left = draw(st.integers(1, 3))
        for r, row in enumerate(grid, start=top):
            for c, (value, number_format) in enumerate(row, start=left):
                if value is None:
                    continue
                cell = sheet.cell(row=r, column=c, value=value)
                if number_format:
                    cell.number_format = number_format
        if draw(st.booleans()) and grid:
            sheet.merge_cells(start_row=top, start_column=left, end_row=top, end_column=left + 2)
        if draw(st.booleans()):
            book.create_sheet("Sau", 0 if draw(st.booleans()) else None)
            if book.worksheets[0] is not sheet:
                book.move_sheet(sheet, offset=-book.index(sheet))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.filterwarnings("ignore:Cell .* is marked as a date:UserWarning")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=workbooks())
def test_generated_workbooks_read_as_openpyxl_reads_them(data: bytes) -> None:
    assert_same(data, max_cols=(2, 60))


# --- (2) The files of the other tests, and the benchmark's ----------------------------------


def test_messy_register_reads_as_openpyxl_reads_it() -> None:
    cell = SimpleNamespace(name="Chi bộ bản Nà Hỳ", code="NH01")
    world = SimpleNamespace(cell=cell, cell2=SimpleNamespace(name="Chi bộ bản Pá", code="PK02"))
    assert_same(messy_file(world))


def test_simple_register_reads_as_openpyxl_reads_it() -> None:
    people = [
        ("Lò Văn Một", "01/02/1980", "Nam", dt.date(2005, 3, 10), None, "11111111"),
        ("Lò Thị Hai", dt.datetime(1981, 2, 1), "Nữ", "10/03/2006", "", 22222222),
    ]
    assert_same(xlsx_bytes(simple_rows("Chi bộ bản Nà", people), merges=["A1:B1"]))


def test_benchmark_file_reads_as_openpyxl_reads_it() -> None:
    spec = importlib.util.spec_from_file_location("bench_import", ROOT / "bench" / "import.py")
    assert spec is not None
    assert spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert_same(bench.make_file(1500, ["BC000", "BC001"]), max_cols=(60,))


# --- (3) Files as other programs write them -------------------------------------------------

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""  # noqa: E501
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""  # noqa: E501
# The first sheet in workbook order is sheet2.xml.
WORKBOOK = """<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<workbookPr date1904="{date1904}"/>
<sheets><sheet name="Danh sách" sheetId="1" r:id="rId2"/><sheet name="Khác" sheetId="2" r:id="rId1"/></sheets>
</workbook>"""  # noqa: E501
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>"""  # noqa: E501
# Styles: 0 general, 1 dd/mm/yyyy (custom 164), 2 built-in 14, 3 time (custom 165), 4 "0.00".
STYLES = """<?xml version="1.0" encoding="UTF-8"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="2"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/><numFmt numFmtId="165" formatCode="hh:mm"/></numFmts>
<fonts count="1"><font><sz val="10"/><name val="Arial"/></font></fonts>
<fills count="1"><fill><patternFill patternType="none"/></fill></fills>
<borders count="1"><border/></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""  # noqa: E501
SHARED = """<?xml version="1.0" encoding="UTF-8"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="5" uniqueCount="5">
<si><t>Họ và tên</t></si>
<si><r><rPr><b/><sz val="11"/><rFont val="Calibri"/></rPr><t>Ngày </t></r><r><t xml:space="preserve">vào  Đảng </t></r></si>
<si><t xml:space="preserve">  Lò Văn Piếng </t></si>
<si><t>日本</t><rPh sb="0" eb="2"><t>ニホン</t></rPh><phoneticPr fontId="1" type="noConversion"/></si>
<si><t/></si>
</sst>"""  # noqa: E501
OTHER_SHEET = f"""<?xml version="1.0" encoding="UTF-8"?>
<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><v>999</v></c></row></sheetData></worksheet>"""  # noqa: E501


def package(sheet: str, *, date1904: bool = False, shared: str = SHARED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK.format(date1904=int(date1904)))
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", STYLES)
        archive.writestr("xl/sharedStrings.xml", shared)
        archive.writestr("xl/worksheets/sheet1.xml", OTHER_SHEET)
        archive.writestr("xl/worksheets/sheet2.xml", sheet)
    return out.getvalue()


def worksheet(rows: str, *, dimension: str | None = "A1:H9", tail: str = "") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{MAIN}" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
        'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">'
        f'{dim}<sheetViews><sheetView workbookViewId="0"/></sheetViews>'
        '<sheetFormatPr defaultRowHeight="12.8"/><cols><col min="1" max="3" width="20"/></cols>'
        f"<sheetData>{rows}</sheetData>{tail}"
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        "</worksheet>"
    )


LIBREOFFICE_ROWS = """
<row r="1" customFormat="false" ht="12.8" hidden="false" customHeight="false" outlineLevel="0" collapsed="false">
  <c r="A1" s="0" t="s"><v>0</v></c>
  <c r="B1" s="0" t="s"><v>1</v></c>
  <c r="C1" s="0" t="inlineStr"><is><t xml:space="preserve"> Ngày sinh &amp; &lt;quê&gt; &#272;&#x1EA2;NG </t></is></c>
  <c r="D1" t="inlineStr"><is><r><rPr><b val="true"/></rPr><t>Số </t></r><r><t>thẻ</t></r></is></c>
  <c r="E1" t="inlineStr"><is><t/></is></c>
  <c r="F1" t="inlineStr"><is/></c>
  <c r="G1" t="inlineStr"></c>
</row>
<row r="2" spans="1:8" x14ac:dyDescent="0.25">
  <c r="A2" s="0" t="s"><v>2</v></c>
  <c r="B2" s="1" t="n"><v>29221</v></c>
  <c r="C2" s="2"><v>43831.5</v></c>
  <c r="D2" s="3"><v>0.75</v></c>
  <c r="E2" s="4"><v>12.50</v></c>
  <c r="F2" t="b"><v>1</v></c>
  <c r="G2" t="e"><v>#N/A</v></c>
  <c r="H2" t="str"><f aca="false">CONCATENATE(A2;"x")</f><v>  Lò Văn Piếng x</v></c>
</row>
<row r="4">
  <c r="A4" t="s"><v>3</v></c><c r="B4" t="s"><v>4</v></c><c r="C4" t="d"><v>2024-01-31T10:20:30</v></c>
  <c r="D4"><v>1E3</v></c><c r="E4"><v>-7</v></c><c r="F4"><v></v></c><c r="G4" s="1"/>
  <c r="BZ4"><v>5</v></c>
</row>
<row><c><v>1</v></c><c t="s"><v>0</v></c><c r="E5"><v>2</v></c><c><v>3</v></c></row>
<row r="3"><c r="A3"><v>99</v></c></row>
<row r="7" ht="30" customHeight="1"/>
<row r="8"><c r="A8" t="b"><v>0</v></c><c r="B8" s="2"><v>20</v></c><c r="C8" s="1"><v>-1</v></c></row>
<row r = '9' ><c s = '1' r="a9" ><v>3</v></c><c t='s' r="C9"><v>2</v></c><c r="D9" s="1"><v>4e7</v></c></row>
"""  # noqa: E501


@pytest.mark.parametrize("date1904", [False, True])
@pytest.mark.parametrize("dimension", [None, "A1:H9", "A1:H5", "A1", "A1:H12"])
def test_libreoffice_like_sheet_reads_as_openpyxl_reads_it(date1904, dimension) -> None:
    data = package(worksheet(LIBREOFFICE_ROWS, dimension=dimension), date1904=date1904)
    assert_same(data)


def test_rich_and_phonetic_shared_strings() -> None:
    rows = fast(package(worksheet(LIBREOFFICE_ROWS)), 8)
    assert rows[0][:2] == ("Họ và tên", "Ngày vào  Đảng ")
    assert rows[0][2] == " Ngày sinh & <quê> ĐẢNG "
    assert rows[0][3:7] == ("Số thẻ", "", "", None)
    assert rows[1][0] == "  Lò Văn Piếng "
    assert rows[1][1] == dt.datetime(1980, 1, 1)
    assert rows[1][3] == dt.time(18, 0)
    assert rows[1][5:8] == (True, "#N/A", "  Lò Văn Piếng x")
    assert rows[3][:2] == ("日本", "")


def test_merged_header_and_tail_elements() -> None:
    tail = '<mergeCells count="1"><mergeCell ref="A1:C1"/></mergeCells>'
    rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>Đầu</t></is></c><c r="B1"/></row>'
    assert_same(package(worksheet(rows, dimension="A1:C3", tail=tail)))


# --- (4) What the fast reader leaves to openpyxl ------------------------------------------


FALLBACK_ROWS = {
    "unknown type": '<row r="1"><c r="A1" t="x"><v>1</v></c></row>',
    "comment": '<row r="1"><c r="A1"><v>1</v></c></row><!-- </row> --><row r="2"/>',
    "cdata": '<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[a<b]]></t></is></c></row>',
    "carriage return": '<row r="1"><c r="A1" t="inlineStr"><is><t>a\r\nb</t></is></c></row>',
    "prefixed element": f'<x:row xmlns:x="{MAIN}" r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>',
    "value before formula": '<row r="1"><c r="A1"><v>1</v><f>1</f></c></row>',
    "value with children": '<row r="1"><c r="A1"><v>1<x/></v></c></row>',
    "other child": '<row r="1"><c r="A1"><v>1</v><extLst/></c></row>',
}


@pytest.mark.parametrize("case", sorted(FALLBACK_ROWS))
def test_what_it_cannot_match_falls_back_to_openpyxl(case) -> None:
    rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>ok</t></is></c></row>'
    rows += FALLBACK_ROWS[case].replace('r="1"', 'r="2"').replace('"A1"', '"A2"')
    data = package(worksheet(rows, dimension=None))
    with pytest.raises(Unsupported):
        fast(data, 5)
    # The first row came from the fast reader, the rest from openpyxl: together, openpyxl's.
    assert typed(with_fallback(data, 5)) == typed(oracle(data, 5))


def test_malformed_files_raise_unsupported() -> None:
    good = package(worksheet('<row r="1"><c r="A1"><v>1</v></c></row>'))
    broken_sheet = package(worksheet('<row r="1"><c r="A1"><v>1</v></c>'))
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    no_sheets = io.BytesIO()
    with zipfile.ZipFile(no_sheets, "w") as archive:
        for name, content in parts.items():
            if "worksheets/" not in name:
                archive.writestr(name, content)
    strict = package(worksheet("").replace(MAIN, "http://purl.oclc.org/ooxml/spreadsheetml/main"))
    doctype = package('<!DOCTYPE worksheet [<!ENTITY x "y">]>' + worksheet(""))
    bad_shared = package(
        worksheet('<row r="1"><c r="A1" t="s"><v>7</v></c></row>'), shared=SHARED[:-10]
    )
    undeclared = package(worksheet('<row r="1" y:a="1"><c r="A1"><v>1</v></c></row>'))
    for data in (
        undeclared,
        b"junk",
        good[:200],
        broken_sheet,
        no_sheets.getvalue(),
        strict,
        doctype,
        bad_shared,
    ):
        with pytest.raises(Unsupported):
            fast(data, 3)


def test_import_falls_back_and_keeps_its_errors() -> None:
    from django.core.exceptions import ValidationError

    from chibo.exchange.xlsx import read_table

    with pytest.raises(ValidationError) as info:
        read_table(io.BytesIO(b"PK\x03\x04junk"), "f.xlsx")
    assert info.value.code == "unreadable"
    # A shared string index out of range: openpyxl fails too, half-way through the sheet.
    titles = "".join(
        f'<c r="{col}1" t="inlineStr"><is><t>{title}</t></is></c>'
        for col, title in zip(
            "ABCD", ["Họ và tên", "Ngày sinh", "Nam, nữ", "Ngày vào Đảng"], strict=True
        )
    )
    rows = f'<row r="1">{titles}</row><row r="2"><c r="A2" t="s"><v>70</v></c></row>'
    with pytest.raises(ValidationError) as info:
        read_table(io.BytesIO(package(worksheet(rows))), "f.xlsx")
    assert info.value.code == "unreadable"
