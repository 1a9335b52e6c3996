"""The demo's meetings: a year for every cell, written in bulk yet exactly what the services
and selectors would have made of it; the stories the demo logins are meant to see."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.db.models import Count
from django.utils import timezone
from django_scopes import scopes_disabled

from chibo.core.audit_lock import wipe_audit_trail
from chibo.core.models import AuditEntry
from chibo.demo.generator import seed_real_demo
from chibo.demo.logins import PASSWORD_ENV, demo_password, ensure_demo_logins
from chibo.demo.plan import DEMO_COMMUNE, DemoConfig, commune_code
from chibo.meetings import selectors, services
from chibo.meetings.models import (
    AdvanceAnswer,
    AgendaStep,
    Attendance,
    Meeting,
    MeetingDay,
    MeetingKind,
    MeetingStatus,
    MinutesAmendment,
    ModelCell,
    Resolution,
)
from chibo.members.models import Member
from chibo.orgunits.models import OrgUnit, UnitKind

AS_OF = dt.date(2026, 3, 1)
SMALL = DemoConfig(as_of=AS_OF, max_communes=3, cells_per_commune=(3, 4))
HELD = (MeetingStatus.HELD, MeetingStatus.LOCKED)

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
    """The small demo with its logins, built once for the module (the tests only read it, or
    undo what they change inside their own transaction)."""
    with django_db_blocker.unblock(), scopes_disabled():
        seed_real_demo(SMALL)
        ensure_demo_logins("demo-test-password")
        yield
        with scopes_disabled():
            from chibo.accounts.models import User
            from chibo.demo.generator import delete_province

            delete_province(OrgUnit.objects.get(code="P12"))
            wipe_audit_trail()  # decision 0016
            User.objects.all().delete()


def _rich_cell() -> OrgUnit:
    return Member.objects.get(user__username="secretary").cell


def _locked_sample(**filters: Any) -> list[Meeting]:
    return list(Meeting.objects.filter(status=MeetingStatus.LOCKED, **filters).order_by("pk"))


def test_every_cell_has_its_day_a_year_and_the_next_meeting_notified(demo) -> None:
    cells = OrgUnit.objects.filter(kind=UnitKind.CELL)
    assert MeetingDay.objects.count() == cells.count()
    rules = Counter(MeetingDay.objects.values_list("rule", flat=True))
    assert set(rules) == {"first_week", "day"}
    midnight = timezone.make_aware(dt.datetime.combine(AS_OF, dt.time()))
    for cell in cells:
        regular = Meeting.objects.filter(cell=cell, kind=MeetingKind.REGULAR)
        past = regular.filter(planned_date__lt=AS_OF)
        assert past.count() == 12, cell.name  # the year's twelve, held or not
        held = past.filter(status__in=HELD)
        assert 9 <= held.count() <= 12, cell.name  # a weak cell misses a few
        assert set(past.exclude(status__in=HELD).values_list("status", flat=True)) <= {
            MeetingStatus.PLANNED,
            MeetingStatus.NOTIFIED,
        }
        # Locked, but for a few of the last weeks whose minutes are not locked yet.
        for status, day, locked in held.values_list("status", "planned_date", "locked_at"):
            if status == MeetingStatus.LOCKED:
                assert locked is not None
                assert locked <= midnight
            else:
                assert locked is None
                assert (AS_OF - day).days <= 35, (cell.name, day)
        upcoming = regular.filter(planned_date__gte=AS_OF).order_by("planned_date").first()
        assert upcoming is not None
        assert upcoming.status == MeetingStatus.NOTIFIED
        assert upcoming.notified_at is not None
        assert upcoming.notified_at <= timezone.make_aware(dt.datetime(2026, 3, 1))
        later = regular.filter(planned_date__gt=upcoming.planned_date)
        assert set(later.values_list("status", flat=True)) <= {MeetingStatus.PLANNED}
        assert later.count() == 12 - upcoming.planned_date.month  # the rest of the year
        # Mostly on the fixed day, and within a few days of it otherwise.
        for fixed, day in held.values_list("fixed_date", "planned_date"):
            assert 0 <= (day - fixed).days <= 3
    held = Meeting.objects.filter(kind=MeetingKind.REGULAR, status__in=HELD)
    on_day = sum(1 for f, d in held.values_list("fixed_date", "planned_date") if f == d)
    assert 0.75 < on_day / held.count() < 1


def test_held_meetings_follow_the_services_rules(demo) -> None:
    """Every locked meeting: the roll is the selectors' roll, complete, with allowed categories;
    the people, the agenda and the vote are what the services accept; the stored minutes are
    what ``meeting_lock`` would have stored."""
    amended = set(MinutesAmendment.objects.values_list("meeting_id", flat=True))
    meetings = _locked_sample()
    assert len(meetings) > 150
    for meeting in meetings:
        roll = selectors.roll_for(meeting)
        stored = Attendance.objects.filter(meeting=meeting)
        assert {e.member.pk for e in roll} == set(stored.values_list("member_id", flat=True))
        for entry in roll:
            assert entry.category in entry.allowed(), (meeting, entry.member)
            assert entry.category != "absent_excused" or entry.attendance.reason
        counts = selectors.counts_of(roll)
        assert counts.not_recorded == 0
        on_roll = {e.member.pk: e for e in roll}
        for person in (meeting.chair_id, meeting.minute_taker_id):
            assert on_roll[person].category in ("present", "late")
        assert meeting.prepared_by_id is None or meeting.prepared_by_id in on_roll
        resolution = Resolution.objects.get(meeting=meeting)
        votes = resolution.votes_for + resolution.votes_against + resolution.votes_abstain
        assert 0 < votes <= counts.attended
        steps = [step for (step,) in meeting.agenda.values_list("step")]
        assert steps[0] == AgendaStep.OPENING
        assert steps[-1] == AgendaStep.CONCLUSION
        assert AgendaStep.CONTENT in steps
        assert meeting.duration_minutes is not None
        assert meeting.held_start < meeting.held_end <= meeting.locked_at
        if meeting.pk not in amended:
            assert meeting.locked_minutes == selectors.minutes_snapshot(meeting), meeting
        criteria = {c.key: c.passed for c in selectors.quality_check(meeting)}
        assert criteria["fixed_day"] in (True, False, None)


def test_saving_the_same_roll_again_changes_nothing(demo) -> None:
    for meeting in _locked_sample()[::40]:
        before = sorted(
            Attendance.objects.filter(meeting=meeting).values_list(
                "member_id", "category", "reason", "recorded_at"
            )
        )
        entries = AuditEntry.objects.count()
        # The roll call is refused on locked minutes: reopen this one for the check.
        Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.HELD)
        rows = [
            services.RollRow(member, category, reason) for member, category, reason, _ in before
        ]
        services.attendance_save(actor=None, meeting=meeting, rows=rows)
        Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.LOCKED)
        after = sorted(
            Attendance.objects.filter(meeting=meeting).values_list(
                "member_id", "category", "reason", "recorded_at"
            )
        )
        assert after == before
        assert AuditEntry.objects.count() == entries


def test_quality_is_mostly_good_and_sometimes_not(demo) -> None:
    results: Counter[tuple[str, bool | None]] = Counter()
    for meeting in _locked_sample():
        for criterion in selectors.quality_check(meeting):
            results[(criterion.key, criterion.passed)] += 1
    for key in ("attendance", "no_unexcused", "fixed_day", "draft_resolution", "duration"):
        passed, failed = results[(key, True)], results[(key, False)]
        assert passed > 4 * failed, (key, passed, failed)
    assert results[("attendance", False)] + results[("no_unexcused", False)] > 0


def test_thematic_meeting_every_quarter_but_in_a_few_cells(demo) -> None:
    cell = _rich_cell()
    years = (AS_OF.year - 1, AS_OF.year)  # March 2025 to December 2026
    assert [selectors.quarter_warnings(cell, year) for year in years] == [[], []]
    thematic = Meeting.objects.filter(cell=cell, kind=MeetingKind.THEMATIC)
    combined = Meeting.objects.filter(cell=cell, includes_thematic=True)
    assert thematic.count() + combined.count() == 8  # one a quarter, Q1 2025 to Q4 2026
    assert all(m.topic for m in [*thematic, *combined])
    assert (
        thematic.filter(status=MeetingStatus.LOCKED).exists()
        or combined.filter(status=MeetingStatus.LOCKED).exists()
    )
    missing = [
        c
        for c in OrgUnit.objects.filter(kind=UnitKind.CELL)
        if any(selectors.quarter_warnings(c, year) for year in years)
    ]
    assert 1 <= len(missing) <= 4
    commune = OrgUnit.objects.get(code=commune_code(DEMO_COMMUNE))
    assert any(c.path.startswith(commune.path) for c in missing)  # the commune's weak cell


def test_alerts_show_for_the_planted_members(demo) -> None:
    cell = _rich_cell()
    year = AS_OF.year - 1  # the year with most held months
    kinds = Counter(a.kind for a in selectors.member_alerts(cell, year))
    assert kinds[selectors.AlertKind.REMOVAL_REVIEW] == 1
    assert kinds[selectors.AlertKind.EXCUSED_IN_A_ROW] == 1
    review = next(
        a
        for a in selectors.member_alerts(cell, year)
        if a.kind == selectors.AlertKind.REMOVAL_REVIEW
    )
    assert len(review.dates) == 3
    login = Member.objects.get(user__username="member")
    assert login.pk not in {a.member.pk for a in selectors.member_alerts(cell, year)}
    commune = OrgUnit.objects.get(code=commune_code(DEMO_COMMUNE))
    others = OrgUnit.objects.filter(path__startswith=commune.path, kind=UnitKind.CELL).exclude(
        pk=cell.pk
    )
    reviews = [
        a
        for other in others
        for a in selectors.member_alerts(other, year)
        if a.kind == selectors.AlertKind.REMOVAL_REVIEW
    ]
    assert len(reviews) == 1  # the weak cell's, months apart (cumulative)
    months = reviews[0].dates
    assert selectors.longest_consecutive(months) != months


def test_rich_cell_has_an_amendment_templates_and_a_model_cell(demo) -> None:
    cell = _rich_cell()
    amendment = MinutesAmendment.objects.get()
    meeting = amendment.meeting
    assert meeting.cell == cell
    assert meeting.status == MeetingStatus.LOCKED
    ((key, after),) = amendment.after.items()
    member_id = int(key.removeprefix("attendance."))
    assert amendment.before[key]["category"] == "absent_unexcused"
    assert after["category"] == "absent_excused"
    row = Attendance.objects.get(meeting=meeting, member_id=member_id)
    assert (row.category, row.reason) == (after["category"], after["reason"])
    as_locked = {r["member"]: r["category"] for r in meeting.locked_minutes["roll"]}
    assert as_locked[member_id] == "absent_unexcused"  # the minutes as locked are kept
    assert amendment.date > meeting.held_start.date()
    marker = ModelCell.objects.get()
    assert marker.cell.path[: -cell.steplen] == cell.path[: -cell.steplen]
    available = selectors.templates_available(cell)
    owners = {t.owner_id for t in available}
    assert owners == {marker.marked_by_id, marker.cell_id}
    assert all(t.is_published for t in available)


def test_member_sees_the_coming_notice_with_an_answer(demo) -> None:
    member = Member.objects.get(user__username="member")
    upcoming = Meeting.objects.get(cell=member.cell, status=MeetingStatus.NOTIFIED)
    answer = Attendance.objects.get(meeting=upcoming, member=member)
    assert answer.advance_answer == AdvanceAnswer.WILL_COME
    assert answer.category == ""
    assert Attendance.objects.filter(meeting=upcoming).count() > 1  # others answered too
    # The answer can still be changed, by the service, as on the home page.
    services.answer_notice(
        actor=None, meeting=upcoming, member=member, will_come=False, reason="Ốm"
    )
    year = selectors.member_attendance_year(member, AS_OF.year - 1)
    assert year.rows
    assert year.rate is not None
    assert year.rate > 0.5


def test_one_audit_entry_for_the_seed(demo) -> None:
    entry = AuditEntry.objects.get(action="demo.seeded")
    assert entry.changes["meetings"][1] == Meeting.objects.count()
    assert entry.changes["attendance"][1] > 0
    assert not AuditEntry.objects.filter(action__startswith="meeting.").exists()


def test_reset_rebuilds_the_same_meetings(demo) -> None:
    def snapshot() -> list[Any]:
        return list(
            Meeting.objects.order_by("cell__code", "planned_date", "kind").values_list(
                "cell__code", "kind", "status", "planned_date", "topic"
            )
        ) + sorted(
            Attendance.objects.values("meeting__cell__code", "meeting__planned_date")
            .annotate(n=Count("pk"))
            .values_list("meeting__cell__code", "meeting__planned_date", "n")
        )

    first = snapshot()
    again = seed_real_demo(SMALL)
    assert not again.created
    assert again.counts.meetings == Meeting.objects.count()

    seed_real_demo(SMALL, reset=True)  # undone with the test's transaction
    ensure_demo_logins(demo_password()[0])
    assert snapshot() == first
    assert MinutesAmendment.objects.count() == ModelCell.objects.count() == 1
    assert MeetingDay.objects.count() == OrgUnit.objects.filter(kind=UnitKind.CELL).count()
    # The first seeding's entry is kept (decision 0016): one for the rebuilt province.
    seeded = AuditEntry.objects.filter(action="demo.seeded")
    assert seeded.filter(unit__in=OrgUnit.objects.all()).count() == 1
