"""The demo shows the reports working: a few cells miss meetings, minutes are sometimes locked
late and the last ones not yet, the rollup is filled at the end of the seed (and equals a
fresh computation), the province and the demo commune have targets, all the same for the same
seed."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from chibo.core.audit_lock import wipe_audit_trail
from chibo.core.models import AuditEntry
from chibo.demo.generator import SeedResult, delete_province, seed_real_demo
from chibo.demo.logins import PASSWORD_ENV, unified_cell
from chibo.demo.plan import DEMO_COMMUNE, REAL_ROOT_CODE, DemoConfig, commune_code
from chibo.demo.reports import reports_since
from chibo.meetings.models import Attendance, Meeting, MeetingKind, MeetingStatus, Resolution
from chibo.meetings.selectors import meeting_date
from chibo.orgunits.models import OrgUnit, UnitKind
from chibo.reports import rollup
from chibo.reports.indicators import Period, breakdown
from chibo.reports.models import COUNT_FIELDS, CellMonth, Indicator, Target

# Twelve days into March: the month's meetings on the 3rd, 5th, 10th or in the first week
# are held, and their minutes (locked one to six days later) some not yet.
AS_OF = dt.date(2026, 3, 12)
SMALL = DemoConfig(as_of=AS_OF, max_communes=3, cells_per_commune=(3, 4))
HELD = (MeetingStatus.HELD, MeetingStatus.LOCKED)
# The months every cell's regular meeting was due in before AS_OF (March is not, for a cell
# meeting on the 15th).
YEAR = Period(dt.date(2025, 4, 1), dt.date(2026, 2, 1))

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _unscoped(settings, tmp_path, monkeypatch):
    # As in test_seed: the seed writes to every unit; the password file goes to a scratch dir.
    settings.VAR_DIR = tmp_path
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    with scopes_disabled():
        yield


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The small demo, built once for the module (the tests only read it, or undo what they
    change inside their own transaction)."""
    with django_db_blocker.unblock(), scopes_disabled():
        yield seed_real_demo(SMALL)
        delete_province(OrgUnit.objects.get(code=REAL_ROOT_CODE))
        wipe_audit_trail()  # decision 0016


def _stories() -> tuple[OrgUnit, OrgUnit, OrgUnit]:
    """The rich cell (the secretary's), the model cell and the weak cell of the demo commune,
    as ``meetings.write.plant`` picks them."""
    commune = OrgUnit.objects.get(code=commune_code(DEMO_COMMUNE))
    rich, _secretary = unified_cell(commune)
    others = OrgUnit.objects.filter(path__startswith=commune.path, kind=UnitKind.CELL)
    model, weak = list(others.exclude(pk=rich.pk).order_by("path"))[:2]
    return rich, model, weak


def _missed() -> dict[int, list[Meeting]]:
    """Per cell, the regular meetings due before AS_OF that were not held."""
    found: dict[int, list[Meeting]] = defaultdict(list)
    due = Meeting.objects.filter(kind=MeetingKind.REGULAR, planned_date__lt=AS_OF)
    for meeting in due.exclude(status__in=HELD).order_by("planned_date"):
        found[meeting.cell_id].append(meeting)
    return found


def _late(meeting: Meeting) -> bool:
    assert meeting.locked_at is not None
    return timezone.localdate(meeting.locked_at) > meeting_date(meeting) + dt.timedelta(days=7)


def test_a_few_cells_left_regular_meetings_unheld(demo: SeedResult) -> None:
    cells = OrgUnit.objects.filter(kind=UnitKind.CELL)
    missed = _missed()
    rich, model, weak = _stories()

    assert 1 <= len(missed) <= cells.count() // 4
    assert weak.pk in missed
    assert rich.pk not in missed
    assert model.pk not in missed
    for cell_id, meetings in missed.items():
        assert 1 <= len(meetings) <= 3
        for meeting in meetings:
            # Left as planned, or notified, on its fixed day: nothing recorded of it.
            assert meeting.status in (MeetingStatus.PLANNED, MeetingStatus.NOTIFIED)
            assert meeting.planned_date == meeting.fixed_date
            assert meeting.held_start is None
            assert meeting.locked_at is None
            assert meeting.locked_minutes == {}
            assert not Attendance.objects.filter(meeting=meeting).exclude(category="").exists()
            assert not Resolution.objects.filter(meeting=meeting).exists()
            # The rollup counts the month without a regular meeting held.
            row = CellMonth.objects.get(cell_id=cell_id, month=meeting.month)
            assert row.regular_held == 0


def test_some_minutes_are_locked_late_and_the_last_ones_not_yet(demo: SeedResult) -> None:
    held = list(Meeting.objects.filter(status__in=HELD).exclude(kind=MeetingKind.COMMITTEE))
    locked = [m for m in held if m.status == MeetingStatus.LOCKED]
    late = [m for m in locked if _late(m)]
    _rich, _model, weak = _stories()

    assert 0 < len(late) < 0.25 * len(locked)
    assert any(m.cell_id == weak.pk for m in late)  # the weak cell is slow to lock
    midnight = timezone.make_aware(dt.datetime.combine(AS_OF, dt.time()))
    for meeting in locked:
        assert meeting.held_end is not None
        assert meeting.locked_at is not None
        assert meeting.held_end < meeting.locked_at <= midnight
    not_yet = [m for m in held if m.status == MeetingStatus.HELD]
    assert not_yet  # this month's, locked a few days after the meeting
    assert len(not_yet) < 0.1 * len(held)
    for meeting in not_yet:
        assert meeting.locked_at is None
        assert meeting.locked_minutes == {}
        assert (AS_OF - meeting.planned_date).days <= 31
        assert Attendance.objects.filter(meeting=meeting).exclude(category="").exists()
    on_time = CellMonth.objects.filter(month__in=YEAR.months).values_list(
        "minutes_locked", "minutes_locked_on_time"
    )
    assert sum(t for _n, t in on_time) < sum(n for n, _t in on_time)


def test_the_rollup_has_every_cell_and_month_and_equals_a_fresh_computation(
    demo: SeedResult,
) -> None:
    cells = list(OrgUnit.objects.filter(kind=UnitKind.CELL).order_by("path"))
    months = rollup.months(reports_since(AS_OF), AS_OF)
    assert months[0] > rollup.reports_start()  # the demo's history is shorter than the default
    assert not CellMonth.objects.filter(month__lt=months[0]).exists()
    stored = {
        (row["cell_id"], row["month"]): row
        for row in CellMonth.objects.values("cell_id", "month", "path", *COUNT_FIELDS)
    }

    assert set(stored) == {(cell.pk, month) for cell in cells for month in months}
    assert demo.rollup_rows == len(stored)
    sample = [cell.pk for cell in cells[::3]]
    fresh = rollup.compute(sample, months[0], months[-1], today=AS_OF)
    assert len(fresh) == len(sample) * len(months)
    for key, row in fresh.items():
        assert {name: stored[key][name] for name in ("path", *COUNT_FIELDS)} == row, key
    assert sum(row["meetings_held"] for row in fresh.values()) > 0


def test_the_dashboards_show_which_cells_work(demo: SeedResult) -> None:
    root = OrgUnit.objects.get(code=REAL_ROOT_CODE)
    commune = OrgUnit.objects.get(code=commune_code(DEMO_COMMUNE))
    province = breakdown(root, YEAR, today=AS_OF)
    total = province.total

    assert total.cells == OrgUnit.objects.filter(kind=UnitKind.CELL).count()
    assert total.cells / 2 < total.cells_every_held < total.cells
    assert total.cells_every_on_fixed_day < total.cells_every_held
    for rate in (total.held_rate, total.on_fixed_day_rate, total.locked_on_time_rate):
        assert rate is not None
        assert 0.7 < rate < 1
    assert total.attendance_rate is not None
    assert 0.8 < total.attendance_rate < 0.99
    # By commune: the demo commune's weak cell is one of those that did not hold every one.
    ours = province.children[commune.path]
    assert ours.cells_every_held < ours.cells
    cells = breakdown(commune, YEAR, by_cell=True, today=AS_OF).children
    _rich, model, weak = _stories()
    assert cells[weak.path].regular_held < cells[weak.path].cell_months
    assert cells[model.path].regular_held == cells[model.path].cell_months


def test_the_province_and_the_demo_commune_have_targets(demo: SeedResult) -> None:
    root = OrgUnit.objects.get(code=REAL_ROOT_CODE)
    commune = OrgUnit.objects.get(code=commune_code(DEMO_COMMUNE))
    targets = {
        (t.unit_id, t.indicator): (t.value, t.start, t.deadline, t.created_by_id)
        for t in Target.objects.all()
    }

    start = dt.date(2026, 1, 1)
    assert targets == {
        (root.pk, Indicator.ON_FIXED_DAY): (Decimal(90), start, dt.date(2027, 12, 31), None),
        (root.pk, Indicator.HELD): (Decimal(100), start, dt.date(2026, 12, 31), None),
        (commune.pk, Indicator.ATTENDANCE): (Decimal(90), start, dt.date(2026, 12, 31), None),
        (commune.pk, Indicator.LOCKED_ON_TIME): (Decimal(95), start, dt.date(2026, 12, 31), None),
    }
    assert demo.targets == 4
    assert AuditEntry.objects.filter(action="report.target_set").count() == 4
    assert all(t.note for t in Target.objects.all())
    # Each has something to measure its progress by on the dashboard.
    for target in Target.objects.select_related("unit"):
        figures = breakdown(target.unit, Period(target.start, AS_OF), today=AS_OF).total
        assert figures.rate_of(target.indicator) is not None, target


def test_the_same_seed_gives_the_same_weakness_rollup_and_targets(demo: SeedResult) -> None:
    def snapshot() -> list[Any]:
        meetings = Meeting.objects.order_by("cell__code", "planned_date", "kind").values_list(
            "cell__code", "kind", "status", "planned_date", "notified_at", "locked_at"
        )
        rows = CellMonth.objects.order_by("cell__code", "month").values_list(
            "cell__code", "month", *COUNT_FIELDS
        )
        targets = Target.objects.order_by("unit__code", "indicator").values_list(
            "unit__code", "indicator", "value", "start", "deadline", "note"
        )
        return [list(meetings), list(rows), list(targets)]

    first = snapshot()
    again = seed_real_demo(SMALL, reset=True)  # undone with the test's transaction

    assert again.created
    assert again.rollup_rows == demo.rollup_rows
    assert snapshot() == first
    # The first seeding's entries are kept (decision 0016): count those of the rebuilt units.
    target_entries = AuditEntry.objects.filter(action="report.target_set")
    assert target_entries.filter(unit__in=OrgUnit.objects.all()).count() == 4
