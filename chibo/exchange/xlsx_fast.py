"""A lean reader of an XLSX file's first worksheet, for the member import.

``iter_sheet_rows`` yields exactly what openpyxl yields for
``load_workbook(stream, read_only=True, data_only=True).worksheets[0]
.iter_rows(max_col=max_col, values_only=True)``: the same rows (the gaps openpyxl fills, the
sheet dimension it stops at), each a tuple of ``max_col`` values of the same types. openpyxl's
read-only reader spends most of its time building an element and a cell object per cell; this
reader builds neither.

How it stays exact:

* The package is read by openpyxl's own code: the content types, ``xl/workbook.xml`` with its
  relationships (sheet order, the 1904 date system, chartsheets skipped as openpyxl skips
  them), and the stylesheet (which cell styles are dates or durations, decided by openpyxl's
  ``is_date_format``). Values are converted by openpyxl's ``from_excel`` and
  ``from_ISO8601``; shared strings and rich text go through openpyxl's ``Text`` when they are
  not plain ``<si><t>…</t></si>``.
* The worksheet's head and tail (everything outside ``<sheetData>``) go through an
  ElementTree pull parser and the same handlers openpyxl's ``WorkSheetParser.parse`` runs,
  so what openpyxl would reject there is rejected here too; the dimension is taken as
  ``ReadOnlyWorksheet`` takes it.
* The rows are read with regular expressions over a strict grammar: unprefixed ``row``,
  ``c``, ``f``, ``v`` and ``is`` elements, UTF-8, well-formed character references. Anything
  outside that grammar (comments or CDATA in the sheet data, other elements, undeclared
  prefixes, an unknown cell type, a damaged part…) raises ``Unsupported``: the caller then
  reads the file with openpyxl. Data is never guessed.

What it does not check: the parts openpyxl parses but the rows do not depend on (document
properties, the theme, defined names, worksheets after the first). A file that openpyxl
rejects only because of those is read here.
"""

from __future__ import annotations

import itertools
import logging
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator
from typing import IO, Any
from xml.etree.ElementTree import Element, XMLPullParser
from xml.etree.ElementTree import fromstring as _et_fromstring

from openpyxl.cell import text as _text
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils.cell import column_index_from_string, coordinate_to_tuple
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.worksheet import _reader
from openpyxl.worksheet import dimensions as _dimensions
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

logger = logging.getLogger(__name__)

# openpyxl's own parsers, used as openpyxl uses them (its type stubs do not describe that).
_ws: Any = _reader
Text: Any = _text.Text
SheetDimension: Any = _dimensions.SheetDimension

NS = SHEET_MAIN_NS
_ROW = f"{{{NS}}}row"
_SHEET_DATA = f"{{{NS}}}sheetData"
_DIMENSION = f"{{{NS}}}dimension"
_WORKSHEET = f"{{{NS}}}worksheet"
_SI = f"{{{NS}}}si"
_T = f"{{{NS}}}t"
_KNOWN_TYPES = frozenset({"n", "s", "str", "b", "e", "d", "inlineStr"})
_CHUNK = 1 << 20


class Unsupported(Exception):
    """The fast reader cannot promise openpyxl's result: read the file with openpyxl."""


# --- The grammar of <sheetData> ---------------------------------------------------------------

_WS = "[ \t\n]"
_NAME = r"[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?"
_ATTRS = rf"""(?:{_WS}+{_NAME}{_WS}*={_WS}*(?:"[^"<]*"|'[^'<]*'))*"""
_ATTR = re.compile(rf"""{_WS}+({_NAME}){_WS}*={_WS}*(?:"([^"<]*)"|'([^'<]*)')""")
_ROW_OPEN = re.compile(rf"{_WS}*<row({_ATTRS}){_WS}*(/?)>")
_CELL = re.compile(
    rf'{_WS}*<c(?: r="([A-Z]{{1,3}}[0-9]+)")?(?: s="([0-9]+)")?(?: t="([A-Za-z]+)")?'
    rf"({_ATTRS}){_WS}*"
    rf"(?:/>|>{_WS}*"
    rf"(?:<f{_ATTRS}{_WS}*(?:/>|>[^<]*</f>){_WS}*)?"
    rf"(?:<v>([^<]*)</v>{_WS}*|<v/>{_WS}*)?"
    rf"(?:<is>{_WS}*<t{_ATTRS}{_WS}*>([^<]*)</t>{_WS}*</is>{_WS}*"
    rf"|(<is{_ATTRS}{_WS}*(?:/>|>[\s\S]*?</is>)){_WS}*)?"
    rf"</c>)"
)
_IS_PLAIN = re.compile(
    rf"<is>{_WS}*(?:<t{_ATTRS}{_WS}*(?:>([^<]*)</t>|/>){_WS}*)?</is>|<is{_WS}*/>"
)
_BAD_AMP = re.compile(r"&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)")
_CHAR_REF = re.compile(r"&#(x?)([0-9a-fA-F]+);")
_REF = re.compile(r"&(?:(amp|lt|gt|quot|apos)|#([0-9]+)|#x([0-9a-fA-F]+));")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
# Bytes that are no XML character (a carriage return is one the grammar leaves out: an XML
# parser would turn it into a line feed). In UTF-8 they are never part of a longer sequence.
_BAD_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, 0x0D, *range(0x0E, 0x20)])
_XMLNS = re.compile(rf"{_WS}xmlns{_WS}*[:=]")
_PREFIXED_ATTR = re.compile(rf"{_WS}([A-Za-z_][\w.\-]*):[A-Za-z_][\w.\-]*{_WS}*=")
_DIGITS = "0123456789"


def _ref(match: re.Match[str]) -> str:
    name, dec, hexa = match.groups()
    if name is not None:
        return _ENTITIES[name]
    return chr(int(dec) if dec is not None else int(hexa, 16))


def _unescape(text: str) -> str:
    return _REF.sub(_ref, text) if "&" in text else text


def _valid_char(code: int) -> bool:
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def _attrs(text: str) -> dict[str, str]:
    """Attributes as an XML parser reports them (whitespace normalised, references resolved)."""
    out: dict[str, str] = {}
    for match in _ATTR.finditer(text):
        name, double, single = match.groups()
        if name in out:
            raise Unsupported("duplicate attribute")
        value = double if double is not None else single
        if "\t" in value or "\n" in value:
            value = value.replace("\t", " ").replace("\n", " ")
        out[name] = _unescape(value)
    return out


# --- The package -----------------------------------------------------------------------------


def _shared_strings(reader: Any) -> list[str]:
    """openpyxl's ``read_string_table``, with a short way for plain strings."""
    strings: list[str] = []
    part = reader.package.find(SHARED_STRINGS)
    if part is None:
        return strings
    with reader.archive.open(part.PartName[1:]) as src:
        for _event, node in iterparse(src):
            if node.tag == _SI:
                if not node.attrib and len(node) == 1:
                    child = node[0]
                    if child.tag == _T and not len(child):
                        text = child.text or ""
                    else:
                        text = Text.from_tree(node).content
                else:
                    text = Text.from_tree(node).content
                strings.append(text.replace("x005F_", ""))
                node.clear()
    return strings


class _Sheet:
    """The first worksheet of a workbook and what its cells need: strings, styles, epoch."""

    def __init__(self, stream: IO[bytes]) -> None:
        reader: Any = ExcelReader(stream, read_only=True, data_only=True)
        self.archive: zipfile.ZipFile = reader.archive
        try:
            reader.read_manifest()
            self.shared_strings = _shared_strings(reader)
            reader.read_workbook()
            book: Any = reader.wb
            apply_stylesheet(reader.archive, book)
            self.path = self._first_worksheet(reader)
            self.epoch = book.epoch
            self.date_formats: set[int] = book._date_formats
            self.timedelta_formats: set[int] = book._timedelta_formats
        except BaseException:
            self.archive.close()
            raise

    @staticmethod
    def _first_worksheet(reader: Any) -> str:
        # ExcelReader.read_worksheets, up to the first worksheet (book.worksheets[0]).
        for sheet, rel in reader.parser.find_sheets():
            if rel.target not in reader.valid_files:
                continue
            if "chartsheet" in rel.Type:
                reader.read_chartsheet(sheet, rel)
                continue
            return str(rel.target)
        raise Unsupported("no worksheet")


# --- The worksheet ---------------------------------------------------------------------------


class _SheetReader:
    def __init__(self, sheet: _Sheet, max_col: int) -> None:
        self.sheet = sheet
        self.max_col = max_col
        self.shared = sheet.shared_strings
        self.date_formats = sheet.date_formats
        self.timedelta_formats = sheet.timedelta_formats
        self.epoch = sheet.epoch
        self.max_row: int | None = None
        self.dimension_seen = False
        self.rows_seen = False
        self.row_counter = 0
        self.columns: dict[str, int] = {}
        self.dates: dict[tuple[str, int], Any] = {}
        self.texts: dict[str, str] = {}
        self.prefixes: set[str] = {"xml"}
        # openpyxl's WorkSheetParser.parse, for the elements around <sheetData>.
        self.parser = parser = _ws.WorkSheetParser(None, [])
        self.dispatcher: dict[str, Callable[[Any], Any]] = {
            _ws.COL_TAG: parser.parse_column_dimensions,
            _ws.PROT_TAG: parser.parse_sheet_protection,
            _ws.EXT_TAG: parser.parse_extensions,
            _ws.CF_TAG: parser.parse_formatting,
            _ws.LEGACY_TAG: parser.parse_legacy,
            _ws.ROW_BREAK_TAG: parser.parse_row_breaks,
            _ws.COL_BREAK_TAG: parser.parse_col_breaks,
            _ws.CUSTOM_VIEWS_TAG: parser.parse_custom_views,
        }
        self.properties: dict[str, tuple[str, Any]] = {
            _ws.PRINT_TAG: ("print_options", _ws.PrintOptions),
            _ws.MARGINS_TAG: ("page_margins", _ws.PageMargins),
            _ws.PAGE_TAG: ("page_setup", _ws.PrintPageSetup),
            _ws.HEADER_TAG: ("HeaderFooter", _ws.HeaderFooter),
            _ws.FILTER_TAG: ("auto_filter", _ws.AutoFilter),
            _ws.VALIDATION_TAG: ("data_validations", _ws.DataValidationList),
            _ws.PROPERTIES_TAG: ("sheet_properties", _ws.WorksheetProperties),
            _ws.VIEWS_TAG: ("views", _ws.SheetViewList),
            _ws.FORMAT_TAG: ("sheet_format", _ws.SheetFormatProperties),
            _ws.SCENARIOS_TAG: ("scenarios", _ws.ScenarioList),
            _ws.TABLE_TAG: ("tables", _ws.TablePartList),
            _ws.HYPERLINK_TAG: ("hyperlinks", _ws.HyperlinkList),
            _ws.MERGE_TAG: ("merged_cells", _ws.MergeCells),
        }
        self.special = {*self.dispatcher, *self.properties, _ROW, _DIMENSION, _SHEET_DATA}

    # The head and the tail ---------------------------------------------------------------

    def _events(self, pull: XMLPullParser, state: dict[str, Any]) -> None:
        events: Iterator[Any] = pull.read_events()
        for event, item in events:
            if event == "start-ns":
                state["pending"].append(item)
                continue
            element: Element = item
            if event == "start":
                depth = state["depth"]
                if depth == 0:
                    if element.tag != _WORKSHEET:
                        raise Unsupported("not a worksheet")
                    state["root_ns"] = state["pending"]
                elif depth == 1 and element.tag == _SHEET_DATA:
                    state["data_ns"] = state["pending"]
                    state["data_started"] = True
                state["pending"] = []
                state["depth"] = depth + 1
                state["last_start"] = element.tag, depth
                continue
            state["depth"] -= 1
            tag = element.tag
            if tag == _SHEET_DATA:
                state["data_ended"] = True
            handler = self.dispatcher.get(tag)
            if handler is not None:
                handler(element)
                element.clear()
            elif tag in self.properties:
                name, cls = self.properties[tag]
                setattr(self.parser, name, cls.from_tree(element))
                element.clear()
            elif tag == _ROW:
                raise Unsupported("a row outside <sheetData>")
            elif tag == _DIMENSION and not self.dimension_seen and not state["data_ended"]:
                # ReadOnlyWorksheet._get_size: the first <dimension> before </sheetData>.
                if self.rows_seen:
                    raise Unsupported("dimension after rows")
                self.dimension_seen = True
                self.max_row = SheetDimension.from_tree(element).boundaries[3]

    def rows(self) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """(row index, values) for each <row>, in document order, as WorkSheetParser.parse."""
        pull = XMLPullParser(events=("start-ns", "start", "end"))
        state: dict[str, Any] = {
            "pending": [],
            "depth": 0,
            "root_ns": [],
            "data_ns": [],
            "data_started": False,
            "data_ended": False,
            "last_start": None,
        }
        with self.sheet.archive.open(self.sheet.path) as src:
            buf = b""
            while True:  # the head, up to and including <sheetData …>
                chunk = src.read(_CHUNK)
                buf += chunk
                at = buf.find(b"<sheetData")
                if at >= 0:
                    end = buf.find(b">", at)
                    if end >= 0:
                        break
                if not chunk:
                    raise Unsupported("no <sheetData>")
            head, buf = buf[: end + 1], buf[end + 1 :]
            self._check_head(head)
            pull.feed(head)
            self._events(pull, state)
            if not state["data_started"] or state["last_start"] != (_SHEET_DATA, 1):
                raise Unsupported("unexpected <sheetData>")
            for prefix, uri in [*state["root_ns"], *state["data_ns"]]:
                if prefix:
                    self.prefixes.add(prefix)
                elif uri != NS:
                    raise Unsupported("another default namespace")
            if dict(state["root_ns"] + state["data_ns"]).get("") != NS:
                raise Unsupported("no default namespace")
            if not head.endswith(b"/>"):
                while True:  # the rows
                    stop = buf.find(b"</sheetData>")
                    if stop >= 0:
                        body, buf = buf[:stop], buf[stop:]
                        yield from self._body(body)
                        break
                    cut = buf.rfind(b"</row>")
                    if cut >= 0:
                        body, buf = buf[: cut + 6], buf[cut + 6 :]
                        yield from self._body(body)
                    chunk = src.read(_CHUNK)
                    if not chunk:
                        raise Unsupported("no </sheetData>")
                    buf += chunk
            while True:  # the tail
                pull.feed(buf)
                self._events(pull, state)
                buf = src.read(_CHUNK)
                if not buf:
                    break
            pull.close()
            self._events(pull, state)

    @staticmethod
    def _check_head(head: bytes) -> None:
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"<!DOCTYPE" in head:
            raise Unsupported("encoding or DTD")
        declaration = re.match(rb"(?:\xef\xbb\xbf)?<\?xml[^>]*\?>", head)
        if declaration:
            encoding = re.search(rb"""encoding\s*=\s*["']([^"']*)["']""", declaration.group())
            if encoding and encoding.group(1).lower() not in (b"utf-8", b"utf8"):
                raise Unsupported("not UTF-8")

    # The rows ----------------------------------------------------------------------------

    def _body(self, raw: bytes) -> Iterator[tuple[int, tuple[Any, ...]]]:
        if (
            len(raw.translate(None, _BAD_BYTES)) != len(raw)
            or b"\xef\xbf\xbe" in raw  # U+FFFE
            or b"\xef\xbf\xbf" in raw  # U+FFFF
            or b"]]>" in raw
            or (b"xmlns" in raw and _XMLNS.search(raw.decode("utf-8")))
        ):
            raise Unsupported("characters or declarations the grammar does not cover")
        text = raw.decode("utf-8")
        if "&" in text:
            if _BAD_AMP.search(text):
                raise Unsupported("a bad reference")
            for hexa, digits in _CHAR_REF.findall(text):
                if hexa:
                    code = int(digits, 16)
                elif digits.isdigit():
                    code = int(digits)
                else:
                    raise Unsupported("a bad reference")
                if not _valid_char(code):
                    raise Unsupported("a bad character reference")
        if ":" in text:
            for prefix in set(_PREFIXED_ATTR.findall(text)):
                if prefix not in self.prefixes:
                    raise Unsupported("an undeclared prefix")
        pos = 0
        size = len(text)
        while True:
            match = _ROW_OPEN.match(text, pos)
            if match is None:
                if text[pos:].strip(" \t\n"):
                    raise Unsupported("not a row")
                return
            self.rows_seen = True
            row_attrs, closed = match.groups()
            attrs = _attrs(row_attrs) if row_attrs else {}
            # WorkSheetParser.parse_row
            if "r" in attrs:
                try:
                    self.row_counter = int(attrs["r"])
                except ValueError:
                    number = float(attrs["r"])
                    if not number.is_integer():
                        raise Unsupported("a bad row number") from None
                    self.row_counter = int(number)
            else:
                self.row_counter += 1
            if closed:
                pos = match.end()
                yield self.row_counter, (None,) * self.max_col
                continue
            end = text.find("</row>", match.end())
            if end < 0:
                raise Unsupported("an open row")
            yield self.row_counter, self._cells(text, match.end(), end)
            pos = end + 6
            if pos >= size:
                return

    def _cells(self, text: str, pos: int, end: int) -> tuple[Any, ...]:
        max_col = self.max_col
        values: list[Any] = [None] * max_col
        columns = self.columns
        shared = self.shared
        date_formats = self.date_formats
        col_counter = 0
        for match in _CELL.finditer(text, pos, end):
            if match.start() != pos:
                raise Unsupported("not a cell")
            pos = match.end()
            coordinate, style, kind, extra, raw, plain, inline = match.groups()
            if extra:
                attrs = _attrs(extra)
                for name, fast in (("r", coordinate), ("s", style), ("t", kind)):
                    if fast is not None:
                        if name in attrs:
                            raise Unsupported("duplicate attribute")
                        attrs[name] = fast
                kind = attrs.get("t", "n")
                coordinate = attrs.get("r")
                style_id: Any = attrs.get("s", 0)
                if style_id:
                    style_id = int(style_id)
                column = coordinate_to_tuple(coordinate)[1] if coordinate else col_counter + 1
            else:
                if kind is None:
                    kind = "n"
                style_id = int(style) if style else 0
                if coordinate:
                    letters = coordinate.rstrip(_DIGITS)
                    column = columns.get(letters, 0)
                    if not column:
                        column = columns[letters] = column_index_from_string(letters)
                else:
                    column = col_counter + 1
            col_counter = column
            # WorkSheetParser.parse_cell, data_only
            if plain is not None:
                text_value = plain if "&" not in plain else self._unescape(plain)
            elif inline is not None:
                text_value = self._inline(inline)
            else:
                text_value = None
            if kind == "inlineStr":
                value: Any = text_value
            elif raw:
                if "&" in raw:
                    raw = self._unescape(raw)
                if kind == "n":
                    value = float(raw) if "." in raw or "E" in raw or "e" in raw else int(raw)
                    if style_id in date_formats:
                        value = self._date(raw, value, style_id, coordinate)
                elif kind == "s":
                    value = shared[int(raw)]
                elif kind == "str" or kind == "e":
                    value = raw
                elif kind == "b":
                    value = bool(int(raw))
                elif kind == "d":
                    value = from_ISO8601(raw)
                else:
                    raise Unsupported(f"cell type {kind!r}")
            elif kind in _KNOWN_TYPES:
                value = None
            else:
                raise Unsupported(f"cell type {kind!r}")
            if 1 <= column <= max_col:
                values[column - 1] = value
        if pos != end and text[pos:end].strip(" \t\n"):
            raise Unsupported("not a cell")
        return tuple(values)

    def _unescape(self, text: str) -> str:
        value = self.texts.get(text)
        if value is None:
            value = _unescape(text)
            if len(self.texts) < 100_000:
                self.texts[text] = value
        return value

    def _date(self, raw: str, number: float, style_id: int, coordinate: str | None) -> Any:
        key = (raw, style_id)
        value = self.dates.get(key)
        if value is None:
            try:
                value = from_excel(number, self.epoch, timedelta=style_id in self.timedelta_formats)
            except (OverflowError, ValueError):
                # WorkSheetParser.parse_cell, word for word
                msg = f"""Cell {coordinate} is marked as a date but the serial value {number} is outside the limits for dates. The cell will be treated as an error."""  # noqa: E501
                warnings.warn(msg, stacklevel=2)
                return "#VALUE!"
            self.dates[key] = value
        return value

    def _inline(self, fragment: str) -> str:
        """``Text.from_tree(<is>).content``, as WorkSheetParser.parse_cell."""
        match = _IS_PLAIN.fullmatch(fragment)
        if match is not None:
            return _unescape(match.group(1) or "")
        try:
            element = _et_fromstring(f'<w xmlns="{NS}">{fragment}</w>')[0]  # noqa: S314 - no DTD
        except Exception as exc:
            raise Unsupported("an inline string") from exc
        if any(node.tag in self.special for node in element.iter()):
            raise Unsupported("an inline string")
        return str(Text.from_tree(element).content)


def _iter(sheet: _Sheet, max_col: int) -> Iterator[tuple[Any, ...]]:
    # ReadOnlyWorksheet._cells_by_row with min_col = min_row = 1, values_only.
    try:
        reader = _SheetReader(sheet, max_col)
        empty = (None,) * max_col
        counter = 1
        idx = 1
        for idx, row in reader.rows():
            max_row = reader.max_row
            if max_row is not None and idx > max_row:
                break
            while counter < idx:
                counter += 1
                yield empty
            if counter <= idx:
                counter += 1
                yield row
        max_row = reader.max_row
        if max_row is not None and max_row < idx:
            for _ in range(counter, max_row + 1):
                yield empty
    except Unsupported:
        raise
    except Exception as exc:
        raise Unsupported(f"{type(exc).__name__}: {exc}") from exc
    finally:
        sheet.archive.close()


def iter_sheet_rows(stream: IO[bytes], *, max_col: int) -> Iterator[tuple[Any, ...]]:
    """The first worksheet's rows, as openpyxl's read-only ``iter_rows(values_only=True)``.

    Raises ``Unsupported`` (now, or while iterating) where the result could differ from
    openpyxl's; the stream is then to be read again from the start with openpyxl.
    """
    if max_col < 1:
        raise ValueError("max_col must be at least 1")
    try:
        sheet = _Sheet(stream)
    except Unsupported:
        raise
    except Exception as exc:
        raise Unsupported(f"{type(exc).__name__}: {exc}") from exc
    return _iter(sheet, max_col)


def iter_rows_with_fallback(
    stream: IO[bytes], *, max_col: int, fallback: Callable[[], Iterator[tuple[Any, ...]]]
) -> Iterator[tuple[Any, ...]]:
    """``iter_sheet_rows``, or ``fallback()`` from where it stopped if it cannot go on.

    ``fallback`` is called after the stream is rewound; the rows already yielded are skipped,
    so the result is openpyxl's whatever happens. Errors from ``fallback`` propagate.
    """
    done = 0
    try:
        for row in iter_sheet_rows(stream, max_col=max_col):
            yield row
            done += 1
        return
    except Unsupported as exc:
        logger.info("xlsx: read with openpyxl after row %d (%s)", done, exc)
    stream.seek(0)
    yield from itertools.islice(fallback(), done, None)


__all__ = ["Unsupported", "iter_rows_with_fallback", "iter_sheet_rows"]
