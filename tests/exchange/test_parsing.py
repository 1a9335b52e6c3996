from __future__ import annotations

import contextlib
import datetime as dt
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chibo.exchange.parsing import (
    excel_serial_to_date,
    find_header,
    header_field,
    parse_date,
    parse_number,
    parse_record_number,
    parse_sex,
    parse_theory_level,
)

TODAY = dt.date(2026, 5, 1)
dates = st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31))
FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]


@given(day=dates, fmt=st.sampled_from(FORMATS))
def test_formatted_dates_round_trip(day, fmt) -> None:
    assert parse_date(day.strftime(fmt), today=TODAY) == day


@given(day=dates)
def test_unpadded_day_first_dates_round_trip(day) -> None:
    assert parse_date(f"{day.day}/{day.month}/{day.year}", today=TODAY) == day


@given(day=st.dates(min_value=dt.date(1927, 1, 1), max_value=dt.date(2026, 12, 31)))
def test_two_digit_years_are_the_last_hundred_years(day) -> None:
    # d/m/yy: up to this year's two digits in this century, the others in the last one.
    assert parse_date(f"{day.day}/{day.month}/{day.year % 100:02d}", today=TODAY) == day


@given(day=dates)
def test_excel_serials_and_date_cells(day) -> None:
    serial = (day - dt.date(1899, 12, 30)).days
    assert parse_date(serial) == day
    assert parse_date(float(serial)) == day
    assert parse_date(dt.datetime.combine(day, dt.time(8, 30))) == day
    assert parse_date(day) == day
    assert excel_serial_to_date(serial) == day


@given(st.one_of(st.text(max_size=30), st.integers(), st.floats(), st.booleans(), st.none()))
def test_garbage_raises_only_value_error(value) -> None:
    try:
        result = parse_date(value, today=TODAY)
    except ValueError:
        return
    assert result is None or isinstance(result, dt.date)


@pytest.mark.parametrize(
    "text", ["31/02/1980", "00/01/1990", "12/13/1990", "hôm qua", "1990", "2020-02-30", "1/1"]
)
def test_impossible_or_unreadable_dates_raise(text) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the contract is ValueError, nothing finer
        parse_date(text, today=TODAY)


def test_empty_cells_are_no_date() -> None:
    assert parse_date(None) is None
    assert parse_date("   ") is None


@given(st.one_of(st.text(max_size=20), st.integers(), st.floats(), st.none()))
def test_number_parsers_raise_only_value_error(value) -> None:
    for parse in (lambda v: parse_number(v, width=8), parse_record_number, parse_sex):
        with contextlib.suppress(ValueError):
            parse(value)


def test_numbers_keep_or_regain_their_leading_zeros() -> None:
    assert parse_number(1234567, width=8) == "01234567"
    assert parse_number(1234567.0, width=8) == "01234567"
    assert parse_number("0123 4567", width=8) == "01234567"
    assert parse_number(None, width=8) == ""
    with pytest.raises(ValueError):  # noqa: PT011
        parse_number(12.5, width=8)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("012345 LC", ("012345", "LC")),
        ("LC-012345", ("012345", "LC")),
        ("012345/lc", ("012345", "LC")),
        (12345, ("012345", "")),
        ("abc", ("abc", "")),
    ],
)
def test_record_numbers(value, expected) -> None:
    assert parse_record_number(value) == expected


def test_sex_and_theory_level_in_vietnamese_or_english() -> None:
    assert parse_sex("Nữ") == "female"
    assert parse_sex(unicodedata.normalize("NFD", "NỮ")) == "female"
    assert parse_sex("nam") == "male"
    assert parse_sex("?") == "?"
    assert parse_theory_level("Sơ cấp") == "elementary"
    assert parse_theory_level("TRUNG CẤP") == "intermediate"
    assert parse_theory_level("cao cap") == "advanced"
    assert parse_theory_level("") == ""
    assert parse_theory_level("tiến sĩ") == "tiến sĩ"


@pytest.mark.parametrize(
    ("title", "field"),
    [
        ("Họ và tên", "full_name"),
        ("  HỌ VÀ TÊN  ", "full_name"),
        (unicodedata.normalize("NFD", "Ngày vào Đảng"), "admission_date"),
        ("ngay vao dang", "admission_date"),
        ("Ngày sinh (dd/mm/yyyy)", "birth_date"),
        ("Nam/Nữ", "sex"),
        ("Giới tính", "sex"),
        ("Số thẻ ĐV", None),
        ("Số thẻ đảng viên", "card_number"),
        ("Mã chi bộ", "cell_code"),
        ("Mã tỉnh (số lý lịch)", "record_province"),
        (42, None),
    ],
)
def test_header_titles(title, field) -> None:
    assert header_field(title) == field


def test_header_below_a_title_block_with_a_merged_group_title() -> None:
    rows = [
        ("ĐẢNG BỘ XÃ NẬM TĂM", None, None, "ĐẢNG CỘNG SẢN VIỆT NAM"),
        ("SỔ DANH SÁCH ĐẢNG VIÊN", None, None, None),
        ("STT", "Họ và tên", "Ngày sinh", "Trình độ", None, "Ngày vào Đảng"),
        (None, None, None, "Lý luận chính trị", "Chuyên môn", None),
        (1, 2, 3, 4, 5, 6),
    ]
    header = find_header(rows)
    assert header is not None
    assert header.last_row == 3
    assert header.columns == {
        "stt": 0,
        "full_name": 1,
        "birth_date": 2,
        "theory_level": 3,
        "profession": 4,
        "admission_date": 5,
    }


def test_no_header() -> None:
    assert find_header([("a", "b"), (1, 2)]) is None
