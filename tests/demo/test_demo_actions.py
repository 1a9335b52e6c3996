"""The demo's action items and households: written in bulk, yet what the services would have
made (the status is the latest review's verdict, owners on the roll, reviews at later held
meetings of the cell, contacts only by a member following the household), with the spread the
commune's page needs and what the demo logins' home pages show."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scopes_disabled

from chibo.actions import selectors, services
from chibo.actions.models import (
    CLOSED,
    REPORTABLE,
    ActionItem,
    ActionOwner,
    ActionReview,
    DocumentStudy,
    Household,
    HouseholdAssignment,
    HouseholdContact,
    ItemStatus,
    Origin,
    status_after,
)
from chibo.core.audit_lock import wipe_audit_trail
from chibo.core.models import AuditEntry
from chibo.demo.generator import seed_real_demo
from chibo.demo.logins import PASSWORD_ENV, demo_password, ensure_demo_logins
from chibo.demo.plan import DEMO_COMMUNE, DemoConfig, commune_code
from chibo.meetings.models import Meeting, MeetingKind, MeetingStatus
from chibo.meetings.selectors import meeting_date, roll_standings
from chibo.members.models import Member, MemberStatus
from chibo.orgunits.models import OrgUnit, UnitKind

AS_OF = dt.date(2026, 3, 1)
SMALL = DemoConfig(as_of=AS_OF, max_communes=3, cells_per_commune=(3, 4))
HELD = (MeetingStatus.HELD, MeetingStatus.LOCKED)
OUR_TABLES = (
    "actionitem", "actionowner", "actionreview", "household", "householdassignment",
    "householdcontact",
)  # fmt: skip

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


class Rolls:
    """``roll_standings`` per (cell, day), read once."""

    def __init__(self) -> None:
        self.known: dict[tuple[int, dt.date], set[int]] = {}

    def __call__(self, cell_id: int, day: dt.date) -> set[int]:
        key = (cell_id, day)
        if key not in self.known:
            self.known[key] = {s.member_id for s in roll_standings(cell_id, day)}
        return self.known[key]


def _items() -> list[ActionItem]:
    return list(
        ActionItem.objects.select_related("source_meeting").prefetch_related("owned").order_by("pk")
    )


def _reviews() -> dict[int, list[ActionReview]]:
    by_item: dict[int, list[ActionReview]] = defaultdict(list)
    for review in ActionReview.objects.select_related("meeting").order_by(
        "item_id", "created_at", "pk"
    ):
        by_item[review.item_id].append(review)
    return by_item


def _login(username: str) -> Member:
    return Member.objects.get(user__username=username)


def _demo_cells() -> list[OrgUnit]:
    commune = OrgUnit.objects.get(code=commune_code(DEMO_COMMUNE))
    return list(OrgUnit.objects.filter(path__startswith=commune.path, kind=UnitKind.CELL))


# --- Items -------------------------------------------------------------------------------------
def test_every_item_has_the_status_its_latest_review_gives(demo) -> None:
    """Decision 0012's invariant, on every seeded item: the stored status and ``closed_on`` are
    what ``status_after`` makes of the latest review (``open`` without one)."""
    items, reviews = _items(), _reviews()
    assert len(items) > 300
    for item in items:
        history = reviews.get(item.pk, [])
        if not history:
            assert (item.status, item.closed_on) == (ItemStatus.OPEN, None), item.pk
            continue
        last = history[-1]
        status = status_after(last.outcome, at_meeting=last.meeting_id is not None)
        assert item.status == status, item.pk
        assert item.closed_on == (last.date if status in CLOSED else None), item.pk
        # Nothing after the review that closed it.
        closing = [r for r in history if r.meeting_id and r.outcome in CLOSED]
        assert closing in ([], [last]), item.pk


def test_items_come_from_held_meetings_and_are_reviewed_at_later_ones(demo) -> None:
    rolls, reviews = Rolls(), _reviews()
    for item in _items():
        created = timezone.localdate(item.created_at)
        assert item.due_date >= created, item.pk
        owners = list(item.owned.all())
        assert all(o.start_date == created and o.end_date is None for o in owners), item.pk
        assert {o.member_id for o in owners} <= rolls(item.cell_id, created), item.pk
        if item.origin != Origin.GUIDANCE:
            assert owners, item.pk
        if item.origin == Origin.DOCUMENT:
            assert item.document_reference
            assert item.document_date is not None
            assert item.document_date <= created
        source = item.source_meeting
        if item.origin == Origin.RESOLUTION:
            assert source is not None
        if source is not None:
            assert source.cell_id == item.cell_id
            assert source.status in HELD
            assert meeting_date(source) == created
        owner_ids = {o.member_id for o in owners}
        for review in reviews.get(item.pk, []):
            assert review.date >= created, item.pk
            assert review.date <= AS_OF, item.pk
            if review.meeting is None:  # an owner's own report before the meeting
                assert review.reported_by_id in owner_ids, item.pk
                assert review.outcome in REPORTABLE
                assert review.note
                continue
            meeting = review.meeting
            assert meeting.cell_id == item.cell_id, item.pk
            assert meeting.status in HELD, item.pk
            assert meeting.pk != item.source_meeting_id, item.pk
            assert review.date == meeting_date(meeting), item.pk
            if source is not None:
                assert review.date > meeting_date(source), item.pk
            if review.outcome in ("not_done", "dropped"):
                assert review.note, item.pk


def test_outcomes_are_varied_and_mostly_done(demo) -> None:
    statuses = Counter(ActionItem.objects.values_list("status", flat=True))
    assert set(statuses) == set(ItemStatus.values)  # open, in progress, reported, not done…
    assert statuses[ItemStatus.DONE] > sum(statuses.values()) / 2
    assert 0 < statuses[ItemStatus.DROPPED] < statuses[ItemStatus.DONE] / 5
    overdue = ActionItem.objects.exclude(status__in=CLOSED).filter(due_date__lt=AS_OF)
    assert overdue.exists()
    # Carried forward: not done at a meeting, then done at a later one.
    late = ActionReview.objects.filter(outcome="not_done", item__status=ItemStatus.DONE)
    assert late.exists()
    assert ActionReview.objects.filter(meeting__isnull=True, outcome="done").exists()
    origins = Counter(ActionItem.objects.values_list("origin", flat=True))
    assert origins[Origin.RESOLUTION] > origins[Origin.GUIDANCE] > 0
    assert origins[Origin.DOCUMENT] > 0
    # Every commune gave all its cells its guidance, and each cell planned for two documents.
    for commune in OrgUnit.objects.filter(kind=UnitKind.COMMUNE):
        inside = ActionItem.objects.filter(cell__path__startswith=commune.path)
        assert inside.filter(origin=Origin.GUIDANCE).values("title").distinct().count() == 2
        assert (
            inside.filter(origin=Origin.DOCUMENT).values("document_reference").distinct().count()
            == 2
        )


def test_the_commune_page_shows_a_spread(demo) -> None:
    commune = OrgUnit.objects.get(code=commune_code(DEMO_COMMUNE))
    months = [dt.date(2025, m, 1) for m in range(6, 13)]
    views = [selectors.commune_actions(commune, month, AS_OF) for month in months]
    rates = [
        row.completion.rate
        for view in views
        for row in view.cells
        if row.completion.rate is not None and row.completion.due >= 2
    ]
    assert max(rates) == 1
    assert min(rates) <= 0.6
    assert any(view.cells_without_items for view in views)  # resolutions without a task
    latest = selectors.commune_actions(commune, dt.date(2026, 2, 1), AS_OF)
    assert sum(row.open for row in latest.cells) > sum(row.overdue for row in latest.cells) > 0


def test_departed_owners_and_new_guidance_need_reassignment(demo) -> None:
    gone = Member.objects.get(status=MemberStatus.TRANSFERRED_OUT)  # the pending transfer
    flagged = selectors.items_needing_reassignment(gone.cell, AS_OF)
    assert any(gone in row.departed for row in flagged)
    rich = _login("secretary").cell
    ownerless = [r for r in selectors.items_needing_reassignment(rich, AS_OF) if not r.owners]
    assert [r.item.origin for r in ownerless] == [Origin.GUIDANCE]
    # The cell sees the departed member's households as nobody's.
    unfollowed = selectors.households_unfollowed(gone.cell, AS_OF)
    followed_by_gone = Household.objects.filter(
        assignments__member=gone, assignments__end_date__isnull=True, active=True
    )
    assert followed_by_gone.exists()
    assert set(followed_by_gone) <= set(unfollowed)


# --- Households --------------------------------------------------------------------------------
def test_members_follow_five_to_seven_households_and_a_few_are_unfollowed(demo) -> None:
    current = (
        HouseholdAssignment.objects.filter(end_date__isnull=True, household__active=True)
        .values("member_id")
        .annotate(n=Count("pk"))
    )
    counts = [row["n"] for row in current]
    assert len(counts) > 200
    assert sum(5 <= n <= 7 for n in counts) >= 0.95 * len(counts)
    for cell in OrgUnit.objects.filter(kind=UnitKind.CELL):
        unfollowed = selectors.households_unfollowed(cell, AS_OF)
        assert 1 <= len(unfollowed) <= 12, cell.name
        # Followers were on the cell's roll the day they were given the households.
        rolls = Rolls()
        for member_id, start in HouseholdAssignment.objects.filter(
            household__cell=cell
        ).values_list("member_id", "start_date"):
            assert member_id in rolls(cell.pk, start), cell.name
    moved = Household.objects.filter(active=False)
    assert moved.exists()
    assert not HouseholdAssignment.objects.filter(household__in=moved, end_date=None).exists()


def test_contacts_only_by_a_member_following_the_household_that_day(demo) -> None:
    contacts = HouseholdContact.objects.all()
    assert contacts.count() > 500
    spans: dict[tuple[int, int], list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    for household, member, start, end in HouseholdAssignment.objects.values_list(
        "household_id", "member_id", "start_date", "end_date"
    ):
        spans[(household, member)].append((start, end))
    for household, member, day in contacts.values_list("household_id", "member_id", "date"):
        assert day <= AS_OF
        assert any(
            start <= day and (end is None or day <= end)
            for start, end in spans[(household, member)]
        ), (household, member, day)
    assert set(contacts.values_list("category", flat=True)) == {
        "production", "security", "environment", "social_welfare", "opinions", "other",
    }  # fmt: skip


def test_some_cells_are_in_touch_with_their_households_and_some_are_not(demo) -> None:
    per_member = []
    for cell in _demo_cells():
        members = HouseholdAssignment.objects.filter(household__cell=cell).values("member_id")
        contacts = HouseholdContact.objects.filter(household__cell=cell).count()
        followers = members.distinct().count()
        if followers:
            per_member.append(contacts / followers / 12)
    assert max(per_member) >= 1.5  # a few a month
    assert min(per_member) <= 0.5


# --- The demo logins ---------------------------------------------------------------------------
@pytest.mark.parametrize("username", ["member", "secretary"])
def test_logins_have_open_tasks_and_households_with_recent_contacts(demo, username) -> None:
    me = _login(username)
    tasks = selectors.member_tasks(me.pk, AS_OF)
    statuses = Counter(row.item.status for row in tasks)
    assert any(row.overdue for row in tasks)
    assert statuses[ItemStatus.REPORTED_DONE] >= 1
    assert all(not row.item.is_closed for row in tasks)
    households = selectors.member_households(me.pk, AS_OF)
    assert 5 <= len(households) <= 7
    recent = AS_OF - dt.timedelta(days=21)
    assert all(h.last_contact is not None and h.last_contact >= recent for h in households)


def test_secretary_cell_has_a_spread_of_open_items(demo) -> None:
    cell = _login("secretary").cell
    rows = selectors.cell_open_items(cell, AS_OF)
    statuses = {row.item.status for row in rows}
    assert {ItemStatus.OPEN, ItemStatus.NOT_DONE, ItemStatus.REPORTED_DONE} <= statuses
    assert any(row.overdue for row in rows)
    upcoming = Meeting.objects.get(
        cell=cell, kind=MeetingKind.REGULAR, status=MeetingStatus.NOTIFIED
    )
    agenda = selectors.open_items_for_meeting(upcoming)
    assert {row.item.pk for row in agenda} == {row.item.pk for row in rows}


def test_the_services_carry_on_from_the_seeded_data(demo) -> None:
    """An owner reports on a seeded task and logs a contact with a seeded household, the day
    the demo stands at: the services accept what the seed wrote."""
    me = _login("member")
    task = next(
        row.item for row in selectors.member_tasks(me.pk, AS_OF) if row.item.status == "not_done"
    )
    household = selectors.member_households(me.pk, AS_OF)[0].household
    with time_machine.travel(dt.datetime(2026, 3, 1, 20, tzinfo=timezone.get_default_timezone())):
        services.action_progress_report(
            actor=None, item=task, member=me, outcome="done", note="Đã làm xong"
        )
        services.household_contact_log(
            actor=None, household=household, member=me, day=AS_OF, category="other",
            note="Hỏi thăm gia đình",
        )  # fmt: skip
    task.refresh_from_db()
    assert task.status == ItemStatus.REPORTED_DONE
    assert HouseholdContact.objects.filter(household=household, date=AS_OF, member=me).exists()


# --- The seed itself ---------------------------------------------------------------------------
def test_no_audit_entry_per_row(demo) -> None:
    assert AuditEntry.objects.filter(action="demo.seeded").count() == 1
    actions = Q(action__startswith="action_item.") | Q(action__startswith="household.")
    assert not AuditEntry.objects.filter(actions).exists()


def test_reset_rebuilds_the_same_items_and_households(demo) -> None:
    def snapshot() -> list[Any]:
        items = list(
            ActionItem.objects.order_by("cell__code", "created_at", "pk").values_list(
                "cell__code", "origin", "title", "due_date", "status", "closed_on",
                "document_reference",
            )
        )  # fmt: skip
        reviews = list(
            ActionReview.objects.order_by("item__cell__code", "created_at", "pk").values_list(
                "item__cell__code", "item__title", "date", "outcome", "note",
                "reported_by__full_name",
            )
        )  # fmt: skip
        owners = sorted(
            ActionOwner.objects.values_list("item__cell__code", "item__title", "member__full_name")
        )
        households = list(
            Household.objects.order_by("cell__code", "pk").values_list(
                "cell__code", "head_name", "hamlet", "notes", "active"
            )
        )
        contacts = sorted(
            HouseholdContact.objects.values_list(
                "household__head_name", "member__full_name", "date", "category", "note"
            )
        )
        return [items, reviews, owners, households, contacts]

    first = snapshot()
    # What users add on the demo goes with a reset too: reviews (append-only), a study of a
    # document (it protects the meeting and the cell).
    me = _login("member")
    task = selectors.member_tasks(me.pk, AS_OF)[0].item
    with time_machine.travel(dt.datetime(2026, 3, 1, 20, tzinfo=timezone.get_default_timezone())):
        services.action_progress_report(
            actor=None, item=task, member=me, outcome="in_progress", note="Đang làm"
        )
    DocumentStudy.objects.create(
        cell=me.cell, document_reference="57-NQ/TW", date=AS_OF, notes="Học tập ở nhà văn hóa"
    )
    assert snapshot() != first

    with CaptureQueriesContext(connection) as queries:
        seed_real_demo(SMALL, reset=True)  # undone with the test's transaction
    ensure_demo_logins(demo_password()[0])
    assert snapshot() == first
    assert not DocumentStudy.objects.filter(notes="Học tập ở nhà văn hóa").exists()
    # In bulk: one statement per table, whatever the number of cells and rows (on SQLite; on
    # PostgreSQL the rows go by COPY, under Django's query log).
    inserted = Counter(
        match.group(1)
        for q in queries.captured_queries
        if (match := re.match(r'(?:\d+ times: )?INSERT INTO "(actions_\w+)"', q["sql"]))
    )
    once = 1 if connection.vendor == "sqlite" else 0
    assert {t: inserted[f"actions_{t}"] for t in OUR_TABLES} == dict.fromkeys(OUR_TABLES, once)
