from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from chibo.core.models import Holiday
from chibo.core.workdays import WorkCalendar, add_working_days, working_days_between

D = dt.date
days = st.dates(min_value=D(2024, 6, 1), max_value=D(2027, 12, 31))
holiday_sets = st.frozensets(st.dates(min_value=D(2024, 6, 1), max_value=D(2028, 12, 31)))
WIDE = (D(2024, 1, 1), D(2029, 12, 31))


def test_the_holidays_are_loaded_for_three_years(db) -> None:
    for year in (2025, 2026, 2027):
        assert Holiday.objects.filter(date__year=year, date__month=1, date__day=1).exists()
        assert Holiday.objects.filter(date=D(year, 4, 30)).exists()
        assert Holiday.objects.filter(date=D(year, 9, 2)).exists()
    assert Holiday.objects.filter(date__range=(D(2025, 1, 25), D(2025, 2, 2))).count() == 9
    assert Holiday.objects.filter(date__range=(D(2026, 2, 14), D(2026, 2, 22))).count() == 9


def test_examples_around_tet_and_weekends(db) -> None:
    # Friday 24/1/2025 + 1 working day: Tết 25/1–2/2, so Monday 3/2.
    assert add_working_days(D(2025, 1, 24), 1) == D(2025, 2, 3)
    assert working_days_between(D(2025, 1, 24), D(2025, 2, 3)) == 1
    # Friday + 1 = Monday; Monday + 5 = next Monday.
    assert add_working_days(D(2025, 3, 7), 1) == D(2025, 3, 10)
    assert add_working_days(D(2025, 3, 10), 5) == D(2025, 3, 17)
    assert add_working_days(D(2025, 3, 10), 0) == D(2025, 3, 10)
    # 30/4 and 1/5/2025 (Wednesday, Thursday).
    assert working_days_between(D(2025, 4, 29), D(2025, 5, 2)) == 1
    assert working_days_between(D(2025, 5, 2), D(2025, 4, 29)) == -1
    with pytest.raises(ValueError, match="0 or more"):
        add_working_days(D(2025, 1, 1), -1)


def test_one_query_per_call(db) -> None:
    with CaptureQueriesContext(connection) as queries:
        add_working_days(D(2025, 1, 1), 60)
    assert len(queries) == 1
    with CaptureQueriesContext(connection) as queries:
        working_days_between(D(2025, 1, 1), D(2027, 1, 1))
    assert len(queries) == 1


@settings(max_examples=200, deadline=None)
@given(start=days, n=st.integers(0, 200), holidays=holiday_sets)
def test_add_lands_on_a_working_day_and_counts_back(start, n, holidays) -> None:
    calendar = WorkCalendar.of(*WIDE, holidays)
    end = calendar.add(start, n)
    assert end >= start
    if n:
        assert calendar.is_working_day(end)
        assert end.weekday() < 5
    assert calendar.between(start, end) == n
    # Every day counted is a working day, one by one.
    walked = sum(
        calendar.is_working_day(start + dt.timedelta(days=i))
        for i in range(1, (end - start).days + 1)
    )
    assert walked == n


@settings(max_examples=200, deadline=None)
@given(start=days, n=st.integers(0, 100), m=st.integers(0, 100), holidays=holiday_sets)
def test_add_is_monotonic_and_additive(start, n, m, holidays) -> None:
    calendar = WorkCalendar.of(*WIDE, holidays)
    assert calendar.add(start, n) <= calendar.add(start, n + m)
    assert calendar.add(calendar.add(start, n), m) == calendar.add(start, n + m)


@settings(max_examples=200, deadline=None)
@given(a=days, b=days, c=days, holidays=holiday_sets)
def test_between_is_antisymmetric_and_additive(a, b, c, holidays) -> None:
    calendar = WorkCalendar.of(*WIDE, holidays)
    assert calendar.between(a, b) == -calendar.between(b, a)
    assert calendar.between(a, b) + calendar.between(b, c) == calendar.between(a, c)
    if a <= b:
        assert 0 <= calendar.between(a, b) <= (b - a).days


@settings(max_examples=100, deadline=None)
@given(start=days, n=st.integers(1, 60))
def test_weekends_are_skipped_without_holidays(start, n) -> None:
    calendar = WorkCalendar.of(*WIDE, ())
    end = calendar.add(start, n)
    weeks, rest = divmod(n, 5)
    assert end.weekday() < 5
    assert (end - start).days >= weeks * 7 - 2
    assert (end - start).days <= weeks * 7 + rest + 2


@pytest.mark.django_db
@settings(max_examples=30, deadline=None)
@given(start=days, n=st.integers(0, 80))
def test_the_table_functions_agree_with_the_calendar(start, n) -> None:
    calendar = WorkCalendar.load(*WIDE)
    assert add_working_days(start, n) == calendar.add(start, n)
    assert working_days_between(start, calendar.add(start, n)) == n
