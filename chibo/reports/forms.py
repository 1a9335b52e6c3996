"""Forms of the dashboards: the period chooser (a GET form that works without JavaScript),
reading the period it asks for, and a committee's target.

A period is read from ``?kind=&from=YYYY-MM&to=YYYY-MM``; what cannot be read gives a message
for the page (``PeriodError``) and the page shows this year instead. The links of a dashboard
(to a child's dashboard, to the exports) carry the period as ``from`` and ``to``. A target's
form checks the shape of the input only; its rules live in ``chibo.reports.services``, whose
ValidationErrors the page puts back on the form (``chibo.core.views.apply_validation_error``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from chibo.members.forms import DATE_INPUTS, TextDateInput
from chibo.reports.indicators import Period, PeriodError
from chibo.reports.models import Indicator
from chibo.reports.rollup import first_of, next_month
from chibo.reports.services import TargetData

YEARS = (2000, 2100)  # the months a period may be asked for
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")


class Kind:
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    CUSTOM = "custom"


KIND_CHOICES = [
    (Kind.MONTH, _("A month")),
    (Kind.QUARTER, _("The quarter of a month")),
    (Kind.YEAR, _("The year of a month")),
    (Kind.CUSTOM, _("From one month to another")),
]


def _month_input() -> forms.TextInput:
    # A month picker where the browser has one; elsewhere a text box taking 2026-03.
    return forms.TextInput(
        attrs={"type": "month", "placeholder": "YYYY-MM", "autocomplete": "off", "maxlength": 7}
    )


class PeriodForm(forms.Form):
    """What the period chooser shows: the kind of period and one or two months (``YYYY-MM``).
    The page reads the values itself (``views.period_asked``); this form only renders them."""

    kind = forms.ChoiceField(label=_("Period"), choices=KIND_CHOICES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword: the fields named as the URL's parameters are added here.
        self.fields["from"] = forms.CharField(
            label=_("Month (or first month)"), required=False, widget=_month_input()
        )
        self.fields["to"] = forms.CharField(
            label=_("Last month (from one month to another only)"),
            required=False,
            widget=_month_input(),
        )


class TargetForm(forms.Form):
    """A committee's target: a rate (``Indicator``), a percentage, from a day to a deadline."""

    indicator = forms.ChoiceField(label=_("Indicator"), choices=Indicator.choices)
    value = forms.DecimalField(
        label=_("Target (%)"),
        max_digits=5,
        decimal_places=1,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("A percentage from 0 to 100, e.g. 90."),
    )
    start = forms.DateField(label=_("From"), input_formats=DATE_INPUTS, widget=TextDateInput())
    deadline = forms.DateField(
        label=pgettext_lazy("target deadline", "By"),
        input_formats=DATE_INPUTS,
        widget=TextDateInput(),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    @staticmethod
    def initial_for(today: dt.date | None = None) -> dict[str, Any]:
        """This year, from its first to its last day."""
        year = (today or timezone.localdate()).year
        return {"start": dt.date(year, 1, 1), "deadline": dt.date(year, 12, 31)}

    def target_data(self) -> TargetData:
        data = self.cleaned_data
        return TargetData(
            indicator=data["indicator"],
            value=data["value"],
            start=data["start"],
            deadline=data["deadline"],
            note=data["note"],
        )


# --- The period --------------------------------------------------------------------------------
def default_period(today: dt.date | None = None) -> Period:
    """This year, from January to the current month."""
    today = today or timezone.localdate()
    return Period(dt.date(today.year, 1, 1), first_of(today))


def _month(value: str, which: str) -> dt.date:
    """The first day of the month ``value`` (``YYYY-MM``), between ``YEARS``; ``which`` names
    it in the message."""
    match = _MONTH.fullmatch(value.strip())
    try:
        if match is None:
            raise ValueError(value)
        month = dt.date(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise PeriodError(
            gettext("The %(which)s of the period must be a month written YYYY-MM, e.g. 2026-03.")
            % {"which": which}
        ) from None
    if not YEARS[0] <= month.year <= YEARS[1]:
        raise PeriodError(
            gettext("Choose months between %(first)s and %(last)s.")
            % {"first": YEARS[0], "last": YEARS[1]}
        )
    return month


def _period(kind: str, start: str, end: str) -> Period:
    if kind == Kind.CUSTOM:
        first = _month(start, gettext("start"))
        last = _month(end, gettext("end")) if end.strip() else first
        # Period.parse says when the end is before the start, or the period too long.
        return Period.parse(f"{first:%Y-%m}", f"{last:%Y-%m}")
    month = _month(start, gettext("start"))
    if kind == Kind.MONTH:
        return Period.month(month)
    if kind == Kind.QUARTER:
        return Period.quarter(month.year, (month.month - 1) // 3 + 1)
    return Period.year(month.year)


def period_asked(params: Mapping[str, str]) -> tuple[Period, str, str]:
    """The period of ``?kind=&from=YYYY-MM&to=YYYY-MM`` (the kind is "custom" when not given),
    the kind, and a message when it cannot be read (then this year is shown)."""
    kind = params.get("kind", Kind.CUSTOM)
    if kind not in {Kind.MONTH, Kind.QUARTER, Kind.YEAR, Kind.CUSTOM}:
        kind = Kind.CUSTOM
    start, end = params.get("from", "")[:20], params.get("to", "")[:20]
    if not start.strip() and not end.strip():
        return default_period(), Kind.CUSTOM, ""
    try:
        return _period(kind, start, end), kind, ""
    except PeriodError as error:
        return default_period(), Kind.CUSTOM, str(error)


def period_query(period: Period, **extra: str) -> str:
    """The URL parameters of ``period`` (the exports read the same)."""
    return urlencode({"from": f"{period.first:%Y-%m}", "to": f"{period.last:%Y-%m}", **extra})


def last_day(period: Period) -> dt.date:
    return next_month(period.last) - dt.timedelta(days=1)


@dataclass(frozen=True)
class Choice:
    label: str
    query: str
    current: bool


def quick_periods(current: Period, today: dt.date | None = None) -> list[Choice]:
    """The periods most asked for, one tap each."""
    today = today or timezone.localdate()
    quarter = (today.month - 1) // 3 + 1
    last_quarter = (
        Period.quarter(today.year, quarter - 1)
        if quarter > 1
        else Period.quarter(today.year - 1, 4)
    )
    periods = [
        (gettext("This month"), Period.month(today)),
        (gettext("Last month"), Period.month(first_of(today) - dt.timedelta(days=1))),
        (gettext("This quarter"), Period.quarter(today.year, quarter)),
        (gettext("Last quarter"), last_quarter),
        (gettext("This year"), default_period(today)),
        (gettext("Last year"), Period.year(today.year - 1)),
    ]
    return [Choice(label, period_query(p), p == current) for label, p in periods]
