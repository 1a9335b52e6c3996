"""Working days: Monday to Friday, except the public holidays of the ``Holiday`` table.

Deadlines of the party's rules are counted in working days ("within 30 working days of the
decision"). ``add_working_days`` and ``working_days_between`` read the holidays of the range in
one query; code that computes many deadlines loads a :class:`WorkCalendar` once and uses its
methods, which do not query.

Counting convention: the start day is not counted. ``add_working_days(d, n)`` is the n-th working
day after ``d`` (``d`` itself when n is 0); ``working_days_between(a, b)`` counts the working
days ``x`` with ``a < x <= b`` (negative when ``b`` is before ``a``), so that
``working_days_between(d, add_working_days(d, n)) == n``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from chibo.core.models import Holiday

_DAY = dt.timedelta(days=1)
SATURDAY = 5


def _span_for(n: int) -> int:
    """Calendar days that surely hold ``n`` working days: 7 per 5, plus a long Tết and slack."""
    return n * 7 // 5 + 30


@dataclass(frozen=True)
class WorkCalendar:
    """The holidays between ``first`` and ``last`` (inclusive); answers only inside that range."""

    first: dt.date
    last: dt.date
    holidays: frozenset[dt.date]

    @classmethod
    def load(cls, first: dt.date, last: dt.date) -> WorkCalendar:
        """One query for the holidays of ``first``..``last``."""
        days = Holiday.objects.filter(date__range=(first, last)).values_list("date", flat=True)
        return cls(first, last, frozenset(days))

    @classmethod
    def of(cls, first: dt.date, last: dt.date, holidays: Iterable[dt.date]) -> WorkCalendar:
        return cls(first, last, frozenset(holidays))

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < SATURDAY and day not in self.holidays

    def add(self, start: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``start`` (n >= 0)."""
        if n < 0:
            raise ValueError("n must be 0 or more")
        day = start
        while n:
            day += _DAY
            if day > self.last:
                raise ValueError("the calendar does not reach that far")
            n -= self.is_working_day(day)
        return day

    def between(self, a: dt.date, b: dt.date) -> int:
        """Working days ``x`` with ``a < x <= b``; negative when ``b`` is before ``a``."""
        if b < a:
            return -self.between(b, a)
        if b > self.last or a < self.first - _DAY:
            raise ValueError("the calendar does not cover that range")
        full_weeks, rest = divmod((b - a).days, 7)
        count = full_weeks * 5
        day = a + dt.timedelta(days=full_weeks * 7)
        for _ in range(rest):
            day += _DAY
            count += day.weekday() < SATURDAY
        return count - sum(1 for h in self.holidays if a < h <= b and h.weekday() < SATURDAY)


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``start`` (n >= 0); one query."""
    if n < 0:
        raise ValueError("n must be 0 or more")
    span = _span_for(n)
    while True:
        calendar = WorkCalendar.load(start, start + dt.timedelta(days=span))
        try:
            return calendar.add(start, n)
        except ValueError:
            # More holidays than any real year has: look further (never in practice).
            span *= 2


def working_days_between(a: dt.date, b: dt.date) -> int:
    """Working days ``x`` with ``a < x <= b`` (negative when ``b`` is before ``a``); one query."""
    first, last = min(a, b), max(a, b)
    return WorkCalendar.load(first, last).between(a, b)
