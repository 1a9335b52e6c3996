"""Action items and households: the rules the services enforce, and the audit they write."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from chibo.actions import services
from chibo.actions.models import (
    ActionItem,
    ActionOwner,
    ActionReview,
    AppendOnlyError,
    ContactCategory,
    HouseholdAssignment,
    ItemStatus,
    Origin,
    ReviewOutcome,
    status_after,
)
from chibo.core.models import AuditEntry
from chibo.members.lifecycle import EventData, member_event_add
from chibo.members.models import EventKind
from tests.actions.factories import at, held_meeting, resolution_item
from tests.factories import make_member
from tests.meetings.factories import meeting_on

pytestmark = pytest.mark.django_db
D = dt.date
Data = services.ItemData


def _code(call) -> str:
    with pytest.raises(ValidationError) as error:
        call()
    return error.value.code


# --- Creating items ------------------------------------------------------------------------------
def test_an_item_comes_from_a_held_meeting_of_the_cell(world, sd) -> None:
    planned = meeting_on(world.cell, D(2025, 3, 8))
    data = Data("Dọn vệ sinh đường bản", D(2025, 3, 31), (world.plain_member,))
    with at(D(2025, 3, 8)):
        assert (
            _code(
                lambda: services.action_item_from_resolution(actor=None, meeting=planned, data=data)
            )
            == "meeting_not_held"
        )
    meeting = held_meeting(world.cell, D(2025, 3, 8))
    item = resolution_item(meeting, [world.plain_member], D(2025, 3, 31))
    assert (item.cell, item.origin, item.source_meeting) == (world.cell, "resolution", meeting)
    assert item.status == ItemStatus.OPEN
    assert list(item.owners.all()) == [world.plain_member]
    entry = AuditEntry.objects.get(action="action_item.created", object_id=str(item.pk))
    assert entry.unit_id == world.cell.pk
    assert entry.changes["owners"] == [None, [world.plain_member.pk]]
    assert entry.changes["due_date"] == [None, "2025-03-31"]


def test_owners_must_be_on_the_cells_roll(world, sd) -> None:
    meeting = held_meeting(world.cell, D(2025, 3, 8))
    with at(D(2025, 3, 8)):
        code = _code(
            lambda: services.action_item_from_resolution(
                actor=None,
                meeting=meeting,
                data=Data("Làm đường", D(2025, 4, 1), (world.plain_member, world.other_member)),
            )
        )
    assert code == "not_on_roll"
    not_yet = make_member(world.cell, "Lường Văn Mới", official=False)
    with at(D(2025, 3, 8)):
        code = _code(
            lambda: services.action_item_from_resolution(
                actor=None, meeting=meeting, data=Data("Làm đường", D(2025, 4, 1), (not_yet,))
            )
        )
    assert code == "not_on_roll"
    assert not ActionItem.objects.exists()


def test_a_due_date_before_the_creation_is_refused_with_a_clear_message(world, sd) -> None:
    meeting = held_meeting(world.cell, D(2025, 3, 8))
    # Typed in two days after the meeting: due the day after the meeting is already past.
    with at(D(2025, 3, 10)), pytest.raises(ValidationError) as error:
        services.action_item_from_resolution(
            actor=None,
            meeting=meeting,
            data=Data("Làm đường", D(2025, 3, 9), (world.plain_member,)),
        )
    assert error.value.code == "due_before_created"
    message = error.value.message_dict["due_date"][0]
    assert "09/03/2025" in message
    assert "10/03/2025" in message
    item = resolution_item(meeting, [world.plain_member], D(2025, 3, 31))
    with at(D(2025, 3, 20)):
        code = _code(
            lambda: services.action_item_update(
                actor=None,
                item=item,
                data=Data(item.title, D(2025, 3, 7), (world.plain_member,)),
            )
        )
    assert code == "due_before_created"
    # The day of creation itself is allowed.
    with at(D(2025, 3, 20)):
        moved = services.action_item_update(
            actor=None, item=item, data=Data(item.title, D(2025, 3, 8), (world.plain_member,))
        )
    assert moved.due_date == D(2025, 3, 8)


def test_each_origin_has_its_requirements(world, sd) -> None:
    meeting = held_meeting(world.cell, D(2025, 3, 8))
    with at(D(2025, 3, 9)):
        assert (
            _code(
                lambda: services.action_item_from_resolution(
                    actor=None, meeting=meeting, data=Data("Làm đường", D(2025, 4, 1))
                )
            )
            == "owner_required"
        )
        # The commune's guidance may come without an owner: the cell assigns it.
        guidance = services.action_item_from_guidance(
            actor=world.commune_user,
            cell=world.cell,
            data=Data("Rà soát hộ nghèo", D(2025, 4, 15), document_reference="12-CV/ĐU"),
        )
        assert (guidance.origin, guidance.source_meeting, guidance.created_by) == (
            Origin.GUIDANCE,
            None,
            world.commune_user,
        )
        assert (
            _code(
                lambda: services.action_item_for_document(
                    actor=None,
                    cell=world.cell,
                    data=Data("Kế hoạch thực hiện", D(2025, 5, 1), (world.plain_member,)),
                )
            )
            == "no_document"
        )
        plan = services.action_item_for_document(
            actor=None,
            cell=world.cell,
            meeting=meeting,
            data=Data(
                "Xây dựng kế hoạch thực hiện tại bản",
                D(2025, 5, 1),
                (world.plain_member,),
                document_reference="42-HD/BTCTW",
                document_date=D(2025, 2, 1),
            ),
        )
        assert (plan.origin, plan.source_meeting) == (Origin.DOCUMENT, meeting)
        other = held_meeting(world.cell2, D(2025, 3, 8))
        assert (
            _code(
                lambda: services.action_item_for_document(
                    actor=None,
                    cell=world.cell,
                    meeting=other,
                    data=Data("Kế hoạch", D(2025, 5, 1), (world.plain_member,), "", "42-HD"),
                )
            )
            == "wrong_cell"
        )
        assert (
            _code(
                lambda: services.action_item_from_guidance(
                    actor=None,
                    cell=world.commune,
                    data=Data("Rà soát", D(2025, 4, 15)),
                )
            )
            == "not_a_cell"
        )
        assert (
            _code(
                lambda: services.action_item_for_document(
                    actor=None,
                    cell=world.cell,
                    data=Data(
                        "Kế hoạch",
                        D(2025, 5, 1),
                        (world.plain_member,),
                        document_reference="42-HD/BTCTW",
                        document_date=D(2025, 4, 1),
                    ),
                )
            )
            == "document_in_future"
        )


def test_reassigning_keeps_who_had_the_item(world, sd) -> None:
    meeting = held_meeting(world.cell, D(2025, 3, 8))
    item = resolution_item(meeting, [world.plain_member], D(2025, 3, 31))
    with at(D(2025, 3, 15)):
        services.action_item_update(
            actor=world.secretary,
            item=item,
            data=Data("Làm đường bê tông đoạn 2", D(2025, 4, 15), (world.secretary_member,)),
        )
    rows = list(
        ActionOwner.objects.filter(item=item)
        .order_by("id")
        .values_list("member_id", "start_date", "end_date")
    )
    assert rows == [
        (world.plain_member.pk, D(2025, 3, 8), D(2025, 3, 15)),
        (world.secretary_member.pk, D(2025, 3, 15), None),
    ]
    entry = AuditEntry.objects.get(action="action_item.changed")
    assert entry.changes["owners"] == [[world.plain_member.pk], [world.secretary_member.pk]]
    assert entry.changes["due_date"] == ["2025-03-31", "2025-04-15"]
    assert entry.actor == world.secretary
    # Saving the same values again changes and audits nothing.
    with at(D(2025, 3, 16)):
        services.action_item_update(
            actor=None,
            item=item,
            data=Data("Làm đường bê tông đoạn 2", D(2025, 4, 15), (world.secretary_member,)),
        )
    assert AuditEntry.objects.filter(action="action_item.changed").count() == 1


def test_one_current_ownership_per_member_and_item(world, sd) -> None:
    meeting = held_meeting(world.cell, D(2025, 3, 8))
    item = resolution_item(meeting, [world.plain_member], D(2025, 3, 31))
    with transaction.atomic(), pytest.raises(IntegrityError):
        ActionOwner.objects.create(item=item, member=world.plain_member, start_date=D(2025, 3, 9))
    with at(D(2025, 3, 9)):
        code = _code(
            lambda: services.action_item_update(
                actor=None,
                item=item,
                data=Data(item.title, item.due_date, (world.plain_member, world.plain_member)),
            )
        )
    assert code == "duplicate_owner"


# --- Reviews -------------------------------------------------------------------------------------
@pytest.fixture
def decided(world, sd) -> ActionItem:
    meeting = held_meeting(world.cell, D(2025, 3, 8))
    return resolution_item(meeting, [world.plain_member], D(2025, 3, 31))


def test_a_review_is_at_a_later_held_meeting_of_the_same_cell(world, decided) -> None:
    review = lambda meeting, **kw: services.action_review_add(  # noqa: E731
        actor=None, item=decided, meeting=meeting, outcome=kw.pop("outcome", "in_progress"), **kw
    )
    assert _code(lambda: review(decided.source_meeting)) == "same_meeting"
    other = held_meeting(world.cell2, D(2025, 4, 8))
    assert _code(lambda: review(other)) == "wrong_cell"
    planned = meeting_on(world.cell, D(2025, 4, 8))
    assert _code(lambda: review(planned)) == "meeting_not_held"
    earlier = held_meeting(world.cell, D(2025, 3, 1))
    assert _code(lambda: review(earlier)) == "meeting_before_item"
    april = held_meeting(world.cell, D(2025, 4, 8))
    assert _code(lambda: review(april, outcome="not_done")) == "note_required"
    assert _code(lambda: review(april, outcome="finished")) == "invalid_outcome"
    assert _code(lambda: review(april, reported_by=world.secretary_member)) == "not_owner"
    with at(D(2025, 4, 8)):
        saved = review(april, outcome="not_done", note="Chưa có xi măng", reported_by=None)
    assert (saved.date, saved.meeting, saved.outcome) == (D(2025, 4, 8), april, "not_done")
    decided.refresh_from_db()
    assert decided.status == ItemStatus.NOT_DONE
    entry = AuditEntry.objects.get(action="action_item.reviewed")
    assert entry.changes["status"] == ["open", "not_done"]
    assert entry.changes["note"] == [None, "Chưa có xi măng"]


def test_reviews_are_append_only(world, decided) -> None:
    april = held_meeting(world.cell, D(2025, 4, 8))
    with at(D(2025, 4, 8)):
        review = services.action_review_add(
            actor=None, item=decided, meeting=april, outcome="in_progress", note="Đã làm 50 m"
        )
    review.note = "Đã làm xong"
    with pytest.raises(AppendOnlyError):
        review.save()
    with pytest.raises(AppendOnlyError):
        review.delete()
    with pytest.raises(AppendOnlyError):
        ActionReview.objects.filter(pk=review.pk).update(note="Đã làm xong")
    with pytest.raises(AppendOnlyError):
        ActionReview.objects.filter(pk=review.pk).delete()
    assert ActionReview.objects.get(pk=review.pk).note == "Đã làm 50 m"
    # The item cannot be deleted from under its reviews either.
    with transaction.atomic(), pytest.raises(IntegrityError):
        ActionItem.objects.filter(pk=decided.pk).delete()
    # No service changes or deletes a review.
    names = [n for n in services.__all__ if "review" in n]
    assert names == ["action_review_add"]


def test_the_status_is_the_latest_review(world, decided) -> None:
    april = held_meeting(world.cell, D(2025, 4, 8))
    may = held_meeting(world.cell, D(2025, 5, 8))
    with at(D(2025, 4, 20)):
        services.action_progress_report(
            actor=world.member_user,
            item=decided,
            member=world.plain_member,
            outcome="in_progress",
            note="Đã vận động 4 hộ",
        )
    with at(D(2025, 5, 8)):
        services.action_review_add(
            actor=None, item=decided, meeting=april, outcome="not_done", note="Mưa nhiều"
        )
        services.action_review_add(
            actor=None, item=decided, meeting=may, outcome="in_progress", note="Đang làm"
        )
    decided.refresh_from_db()
    latest = ActionReview.objects.filter(item=decided).order_by("created_at", "id").last()
    assert latest is not None
    assert decided.status == status_after(latest.outcome, at_meeting=latest.meeting is not None)
    assert decided.status == ItemStatus.IN_PROGRESS
    assert decided.closed_on is None


def test_an_owner_reports_progress_and_the_meeting_closes(world, decided) -> None:
    report = lambda **kw: services.action_progress_report(  # noqa: E731
        actor=world.member_user, item=decided, **{"member": world.plain_member, **kw}
    )
    with at(D(2025, 3, 20)):
        assert _code(lambda: report(outcome="not_done", note="x")) == "outcome_not_allowed"
        assert _code(lambda: report(outcome="dropped", note="x")) == "outcome_not_allowed"
        assert _code(lambda: report(outcome="done", note=" ")) == "note_required"
        code = _code(lambda: report(member=world.secretary_member, outcome="done", note="x"))
        assert code == "not_owner"
        own = report(outcome="done", note="Đã đổ xong bê tông")
    assert (own.meeting, own.reported_by, own.date) == (None, world.plain_member, D(2025, 3, 20))
    decided.refresh_from_db()
    # An owner's "done" is for the meeting to confirm: still open.
    assert decided.status == ItemStatus.REPORTED_DONE
    assert not decided.is_closed
    april = held_meeting(world.cell, D(2025, 4, 8))
    with at(D(2025, 4, 8)):
        services.action_review_add(
            actor=None,
            item=decided,
            meeting=april,
            outcome="done",
            reported_by=world.plain_member,
        )
    decided.refresh_from_db()
    assert (decided.status, decided.closed_on) == (ItemStatus.DONE, D(2025, 4, 8))


def test_a_closed_item_does_not_change(world, decided) -> None:
    april = held_meeting(world.cell, D(2025, 4, 8))
    may = held_meeting(world.cell, D(2025, 5, 8))
    with at(D(2025, 4, 8)):
        services.action_review_add(actor=None, item=decided, meeting=april, outcome="done")
    changes = {
        "update": lambda: services.action_item_update(
            actor=None, item=decided, data=Data("Khác", D(2025, 6, 1), (world.plain_member,))
        ),
        "review": lambda: services.action_review_add(
            actor=None, item=decided, meeting=may, outcome="not_done", note="x"
        ),
        "report": lambda: services.action_progress_report(
            actor=None, item=decided, member=world.plain_member, outcome="in_progress", note="x"
        ),
    }
    with at(D(2025, 5, 8)):
        for name, change in changes.items():
            assert _code(change) == "closed", name
    stored = ActionItem.objects.get(pk=decided.pk)
    assert (stored.title, stored.status) == (decided.title, ItemStatus.DONE)
    assert ActionReview.objects.filter(item=decided).count() == 1


def test_withdrawing_needs_a_reason_and_closes(world, decided) -> None:
    april = held_meeting(world.cell, D(2025, 4, 8))
    with at(D(2025, 4, 8)):
        code = _code(
            lambda: services.action_review_add(
                actor=None, item=decided, meeting=april, outcome=ReviewOutcome.DROPPED
            )
        )
        assert code == "note_required"
        services.action_review_add(
            actor=None,
            item=decided,
            meeting=april,
            outcome=ReviewOutcome.DROPPED,
            note="Xã đã làm thay",
        )
    decided.refresh_from_db()
    assert (decided.status, decided.closed_on) == (ItemStatus.DROPPED, D(2025, 4, 8))


def test_a_review_at_a_locked_meeting_is_allowed(world, decided) -> None:
    from chibo.meetings import services as meetings
    from tests.meetings.factories import P, roll

    april = held_meeting(world.cell, D(2025, 4, 8))
    with at(D(2025, 4, 8)):
        data = replace(
            meetings.MeetingData.of(april),
            chair=world.secretary_member,
            minute_taker=world.plain_member,
        )
        april = meetings.meeting_update(actor=None, meeting=april, data=data, version=april.version)
        roll(april, {world.secretary_member: P, world.plain_member: P})
        meetings.resolution_save(
            actor=None, meeting=april, data=meetings.ResolutionData(text="Nghị quyết tháng 4")
        )
        meetings.meeting_lock(actor=None, meeting=april)
        services.action_review_add(
            actor=None, item=decided, meeting=april, outcome="in_progress", note="Đang làm"
        )
        # A locked meeting's resolution can still be turned into items.
        item = services.action_item_from_resolution(
            actor=None,
            meeting=april,
            data=Data("Tu sửa nhà văn hóa", D(2025, 5, 30), (world.secretary_member,)),
        )
    assert item.source_meeting == april


# --- Households ----------------------------------------------------------------------------------
def test_households_are_followed_with_dates_and_contacts_logged(world, sd) -> None:
    with at(D(2025, 3, 1)):
        household = services.household_create(
            actor=world.secretary,
            cell=world.cell,
            data=services.HouseholdData("  Lò Văn  Khánh ", hamlet="Xóm Trên", address="Số 4"),
        )
        assert household.head_name == "Lò Văn Khánh"
        assert (
            _code(
                lambda: services.household_create(
                    actor=None, cell=world.cell, data=services.HouseholdData(" ")
                )
            )
            == "no_name"
        )
        assert (
            _code(
                lambda: services.household_assign(
                    actor=None,
                    household=household,
                    member=world.other_member,
                    start_date=D(2025, 3, 1),
                )
            )
            == "not_on_roll"
        )
        assignment = services.household_assign(
            actor=None, household=household, member=world.plain_member, start_date=D(2025, 3, 1)
        )
        assert (
            _code(
                lambda: services.household_assign(
                    actor=None,
                    household=household,
                    member=world.plain_member,
                    start_date=D(2025, 3, 2),
                )
            )
            == "already_assigned"
        )
    log = lambda day, **kw: services.household_contact_log(  # noqa: E731
        actor=world.member_user,
        household=household,
        day=day,
        **{
            "member": world.plain_member,
            "category": ContactCategory.PRODUCTION,
            "note": "Xin giống ngô",
            **kw,
        },
    )
    with at(D(2025, 3, 10)):
        assert _code(lambda: log(D(2025, 3, 11))) == "future"
        assert _code(lambda: log(D(2025, 2, 28))) == "not_assigned"
        assert _code(lambda: log(D(2025, 3, 5), member=world.secretary_member)) == "not_assigned"
        assert _code(lambda: log(D(2025, 3, 5), category="gossip")) == "invalid_category"
        assert _code(lambda: log(D(2025, 3, 5), note="")) == "note_required"
        contact = log(D(2025, 3, 5), category=ContactCategory.OPINIONS, note="Đề nghị sửa cầu")
    assert contact.category == "opinions"
    with at(D(2025, 3, 20)):
        code = _code(
            lambda: services.household_assignment_end(
                actor=None, assignment=assignment, end_date=D(2025, 2, 1)
            )
        )
        assert code == "end_before_start"
        ended = services.household_assignment_end(
            actor=None, assignment=assignment, end_date=D(2025, 3, 20)
        )
        assert ended.end_date == D(2025, 3, 20)
        code = _code(
            lambda: services.household_assignment_end(
                actor=None, assignment=assignment, end_date=D(2025, 3, 21)
            )
        )
        assert code == "already_ended"
        log(D(2025, 3, 20))  # the last day is still followed
    with at(D(2025, 3, 21)):
        assert _code(lambda: log(D(2025, 3, 21))) == "not_assigned"
    actions = set(
        AuditEntry.objects.filter(action__startswith="household.").values_list("action", flat=True)
    )
    assert actions == {
        "household.created",
        "household.assigned",
        "household.contact_logged",
        "household.assignment_ended",
    }


def test_a_household_no_longer_followed_ends_its_assignments(world, sd) -> None:
    with at(D(2025, 3, 1)):
        household = services.household_create(
            actor=None, cell=world.cell, data=services.HouseholdData("Quàng Văn Ơn")
        )
        services.household_assign(
            actor=None, household=household, member=world.plain_member, start_date=D(2025, 3, 1)
        )
        services.household_update(
            actor=None,
            household=household,
            data=services.HouseholdData("Quàng Văn Ơn", hamlet="Xóm Dưới", notes="Chuyển đi"),
        )
        entry = AuditEntry.objects.get(action="household.changed")
        assert entry.changes == {"hamlet": ["", "Xóm Dưới"], "notes": ["", "Chuyển đi"]}
        code = _code(
            lambda: services.household_deactivate(
                actor=None, household=household, day=D(2025, 2, 28)
            )
        )
        assert code == "end_before_start"
        services.household_deactivate(actor=None, household=household, day=D(2025, 3, 1))
        assert (
            _code(
                lambda: services.household_assign(
                    actor=None,
                    household=household,
                    member=world.secretary_member,
                    start_date=D(2025, 3, 1),
                )
            )
            == "inactive"
        )
    assert list(HouseholdAssignment.objects.values_list("end_date", flat=True)) == [D(2025, 3, 1)]
    household.refresh_from_db()
    assert not household.active


def test_a_member_who_left_cannot_be_given_a_task(world, sd) -> None:
    with at(D(2025, 3, 1)):
        member_event_add(
            actor=None,
            member=world.plain_member,
            data=EventData(kind=EventKind.TRANSFER_OUT, date=D(2025, 3, 1), other_cell=world.cell2),
        )
    meeting = held_meeting(world.cell, D(2025, 3, 8))
    with at(D(2025, 3, 8)):
        code = _code(
            lambda: services.action_item_from_resolution(
                actor=None,
                meeting=meeting,
                data=Data("Làm đường", D(2025, 4, 1), (world.plain_member,)),
            )
        )
    assert code == "not_on_roll"


def test_the_services_run_inside_the_users_scope(world) -> None:
    """As a page will call them: the secretary's and the member's scope, not scopes_disabled."""
    from django_scopes import scopes_disabled

    from chibo.core.access import access_for_user

    with scopes_disabled():
        march = held_meeting(world.cell, D(2025, 3, 8))
        april = held_meeting(world.cell, D(2025, 4, 8))
    with at(D(2025, 3, 9)), access_for_user(world.secretary).activate():
        item = services.action_item_from_resolution(
            actor=world.secretary,
            meeting=march,
            data=Data("Làm đường", D(2025, 3, 31), (world.plain_member,)),
        )
        services.action_item_update(
            actor=world.secretary,
            item=item,
            data=Data("Làm đường", D(2025, 4, 5), (world.plain_member, world.secretary_member)),
        )
        household = services.household_create(
            actor=world.secretary, cell=world.cell, data=services.HouseholdData("Lò Văn Khánh")
        )
        services.household_assign(
            actor=world.secretary,
            household=household,
            member=world.plain_member,
            start_date=D(2025, 3, 9),
        )
    with at(D(2025, 3, 20)), access_for_user(world.member_user).activate():
        services.action_progress_report(
            actor=world.member_user,
            item=item,
            member=world.plain_member,
            outcome="in_progress",
            note="Đã vận động 5 hộ",
        )
        services.household_contact_log(
            actor=world.member_user,
            household=household,
            member=world.plain_member,
            day=D(2025, 3, 20),
            category=ContactCategory.ENVIRONMENT,
            note="Rác thải đầu bản",
        )
    with at(D(2025, 4, 8)), access_for_user(world.secretary).activate():
        services.action_review_add(
            actor=world.secretary, item=item, meeting=april, outcome="done", note="Xong"
        )
        assert ActionItem.objects.get(pk=item.pk).status == ItemStatus.DONE
