"""A year of monthly meetings, each held and recorded on its day (time-machine), then the quality
criteria of each meeting, the alerts of the year, and a member's record."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from django_scopes import scopes_disabled

from chibo.meetings import selectors, services
from chibo.meetings.models import Meeting, MeetingKind
from chibo.meetings.selectors import AlertKind
from tests.meetings.factories import EXC, UNEXC, P, aware, bulk_members, hold, meeting_on, roll

pytestmark = pytest.mark.django_db
D = dt.date
EXCUSED_MONTHS = (1, 2, 3, 4)  # A: absent with reason four times in a row
B_UNEXCUSED = (2, 5, 9)  # B: three months without reason, not consecutive
C_UNEXCUSED = (6, 7, 8)  # C: three consecutive months without reason


@pytest.fixture
def year(world):
    """Ten members; the year 2025 planned on the 5th and held month by month."""
    with scopes_disabled():
        others = bulk_members(world.cell, 8)
        a, b, c = world.plain_member, others[0], others[1]
        services.meeting_day_set(actor=None, cell=world.cell, rule="day", day=5)
        meetings = services.plan_year(actor=None, cell=world.cell, year=2025)
        everyone = [world.secretary_member, world.plain_member, *others]
        for meeting in meetings:
            month = meeting.planned_date.month
            day = D(2025, month, 7) if month == 10 else meeting.planned_date  # October: moved
            with time_machine.travel(aware(day, 22), tick=False):
                _prepare_and_hold(world, meeting, day, month)
                categories = dict.fromkeys(everyone, P)
                if month in EXCUSED_MONTHS:
                    categories[a] = EXC
                if month in B_UNEXCUSED:
                    categories[b] = UNEXC
                if month in C_UNEXCUSED:
                    categories[c] = UNEXC
                roll(meeting, categories)
    return {"a": a, "b": b, "c": c, "meetings": meetings}


def _prepare_and_hold(world, meeting: Meeting, day: dt.date, month: int) -> None:
    if day != meeting.planned_date:
        data = services.MeetingData.of(meeting)
        data = services.MeetingData(**{**data.__dict__, "planned_date": day})
        meeting = services.meeting_update(
            actor=None, meeting=meeting, data=data, version=meeting.version
        )
    services.agenda_from_template(actor=None, meeting=meeting)
    published = aware(day if month == 12 else day - dt.timedelta(days=1), 8)
    hold(
        meeting,
        minutes=80 if month == 11 else 120,
        chair=world.secretary_member,
        minute_taker=world.plain_member,
        prepared_by=world.secretary_member,
        committee_met_before=True,
        draft_resolution="Dự thảo nghị quyết tháng",
        materials_published_at=published,
    )


def _check(meeting: Meeting) -> dict[str, bool | None]:
    with scopes_disabled():
        fresh = Meeting.objects.get(pk=meeting.pk)
        return {c.key: c.passed for c in selectors.quality_check(fresh)}


def test_quality_criteria_month_by_month(year) -> None:
    jan, feb, mar, apr, *_rest = year["meetings"]
    oct_, nov, dec = year["meetings"][9:12]
    assert _check(jan) == {
        "attendance": True,  # 9 of 10
        "no_unexcused": True,
        "excused_in_a_row": True,
        "fixed_day": True,
        "content_prepared": True,
        "draft_resolution": True,
        "materials_on_time": True,
        "committee_met": True,
        "duration": True,
    }
    february = _check(feb)
    assert february["attendance"] is False  # 8 of 10 is not above 85%
    assert february["no_unexcused"] is False
    assert _check(mar)["excused_in_a_row"] is True  # the 3rd time is not "more than 3"
    assert _check(apr)["excused_in_a_row"] is False  # the 4th is
    assert _check(oct_)["fixed_day"] is False
    assert _check(nov)["duration"] is False
    assert _check(dec)["materials_on_time"] is False


def test_quality_detail_names_people(year) -> None:
    with scopes_disabled():
        feb = Meeting.objects.get(pk=year["meetings"][1].pk)
        with translation.override("en"):
            details = {c.key: c.detail for c in selectors.quality_check(feb)}
    assert details["attendance"] == "8 of 10 (80%)"
    assert details["no_unexcused"] == year["b"].full_name


def test_a_meeting_not_yet_held_has_unknown_results(world) -> None:
    with scopes_disabled():
        meeting = meeting_on(world.cell, D(2025, 3, 8), MeetingKind.THEMATIC, topic="Chuyển đổi số")
        results = {c.key: c.passed for c in selectors.quality_check(meeting)}
    assert results["attendance"] is None
    assert results["duration"] is None
    assert results["fixed_day"] is None  # not a regular meeting
    assert results["draft_resolution"] is False


def _alerts(world) -> dict[tuple[str, int], list[dt.date]]:
    with scopes_disabled():
        return {
            (alert.kind, alert.member.pk): alert.dates
            for alert in selectors.member_alerts(world.cell, 2025)
        }


def test_alerts_of_the_year_cumulative_by_default(world, year) -> None:
    alerts = _alerts(world)
    a, b, c = year["a"], year["b"], year["c"]
    assert alerts[(AlertKind.EXCUSED_IN_A_ROW, a.pk)] == [D(2025, m, 5) for m in EXCUSED_MONTHS]
    assert alerts[(AlertKind.UNEXCUSED, b.pk)] == [D(2025, m, 5) for m in B_UNEXCUSED]
    assert alerts[(AlertKind.REMOVAL_REVIEW, b.pk)] == [D(2025, m, 1) for m in B_UNEXCUSED]
    assert alerts[(AlertKind.REMOVAL_REVIEW, c.pk)] == [D(2025, m, 1) for m in C_UNEXCUSED]
    assert (AlertKind.REMOVAL_REVIEW, a.pk) not in alerts  # absences with reason
    assert len(alerts) == 5


def test_consecutive_rule_by_setting(world, year, settings) -> None:
    settings.CHIBO_ABSENCE_RULE = "consecutive"
    alerts = _alerts(world)
    assert (AlertKind.REMOVAL_REVIEW, year["b"].pk) not in alerts
    assert (AlertKind.REMOVAL_REVIEW, year["c"].pk) in alerts
    settings.CHIBO_ABSENCE_RULE = "sometimes"
    with pytest.raises(ImproperlyConfigured):
        _alerts(world)


def test_alerts_before_the_year_ends(world, year) -> None:
    """Only meetings held count: with May to December not held, B has 2 months, not 3."""
    with scopes_disabled():
        Meeting.objects.filter(cell=world.cell, planned_date__gte=D(2025, 5, 1)).update(
            status="planned"
        )
    alerts = _alerts(world)
    assert (AlertKind.REMOVAL_REVIEW, year["b"].pk) not in alerts
    assert (AlertKind.UNEXCUSED, year["b"].pk) in alerts


def test_member_record_for_the_year(world, year) -> None:
    with scopes_disabled():
        record = selectors.member_attendance_year(year["a"], 2025)
    assert len(record.rows) == 12
    assert (record.attended, record.required) == (8, 12)
    assert record.rate == pytest.approx(8 / 12)
    with scopes_disabled():
        assert selectors.member_attendance_year(year["a"], 2024).rate is None
