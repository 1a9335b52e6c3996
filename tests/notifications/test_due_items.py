"""Reminders of tasks before their due date: to each current owner, once per due date, on the
meetings' channels, through the same outbox."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django_scopes import scopes_disabled

from chibo.accounts.models import User
from chibo.actions import services
from chibo.notifications.due_items import items_due_queue
from chibo.notifications.models import Notice, NoticeKind, NoticeStatus
from tests.actions.factories import at, held_meeting, resolution_item
from tests.meetings.factories import aware

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture(autouse=True)
def _outbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CHIBO_SMS_BACKEND = "chibo.notifications.sms.DatabaseSMSBackend"
    settings.CHIBO_ACTION_REMINDER_DAYS = 3


@pytest.fixture
def item(world):
    """Due 20 March 2025, owned by the secretary (e-mail, phone) and the plain member (phone)."""
    with scopes_disabled():
        User.objects.filter(pk=world.secretary.pk).update(email="pieng@example.vn")
        meeting = held_meeting(world.cell, D(2025, 3, 8))
        yield resolution_item(
            meeting,
            [world.secretary_member, world.plain_member],
            D(2025, 3, 20),
            title="Vận động 5 hộ trồng rừng keo",
        )


def _run(day: dt.date, hour: int = 7) -> list[str]:
    out = io.StringIO()
    with time_machine.travel(aware(day, hour), tick=False):
        call_command("send_reminders", stdout=out)
    return out.getvalue().splitlines()


def _due_notices():
    with scopes_disabled():
        return list(Notice.objects.filter(kind=NoticeKind.ACTION_DUE).order_by("id"))


def test_owners_are_reminded_once_within_the_days_before(world, item) -> None:
    assert _run(D(2025, 3, 16)) == ["Notices sent or tried: 0 (none)."]  # four days before
    assert _run(D(2025, 3, 17)) == ["Notices sent or tried: 5 (sent: 5)."]
    notices = _due_notices()
    assert {(n.recipient_name, n.channel) for n in notices} == {
        ("Lò Văn Piếng", "web"),
        ("Lò Văn Piếng", "email"),
        ("Lò Văn Piếng", "sms"),
        ("Tòng Thị Ánh", "web"),
        ("Tòng Thị Ánh", "sms"),
    }
    assert {n.status for n in notices} == {NoticeStatus.SENT}
    assert {(n.unit_id, n.related_type, n.related_id) for n in notices} == {
        (world.cell.pk, "actions.item", item.pk)
    }
    assert [m.to for m in mail.outbox] == [["pieng@example.vn"]]
    assert "20/03/2025" in mail.outbox[0].subject
    assert "Vận động 5 hộ trồng rừng keo" in mail.outbox[0].body
    sms = next(n for n in notices if n.channel == "sms" and n.recipient_name == "Tòng Thị Ánh")
    assert sms.address == "0987654321"
    assert len(sms.body) <= 300
    # Every later run, hourly or daily, up to the due date: nothing again.
    assert _run(D(2025, 3, 17), 8) == ["Notices sent or tried: 0 (none)."]
    assert _run(D(2025, 3, 20)) == ["Notices sent or tried: 0 (none)."]
    assert len(_due_notices()) == 5
    assert len(mail.outbox) == 1


def test_a_missed_day_still_reminds_and_a_moved_due_date_reminds_again(world, item) -> None:
    assert _run(D(2025, 3, 19)) == ["Notices sent or tried: 5 (sent: 5)."]
    with scopes_disabled(), at(D(2025, 3, 19)):
        services.action_item_update(
            actor=None,
            item=item,
            data=services.ItemData(
                title=item.title, due_date=D(2025, 4, 10), owners=(world.plain_member,)
            ),
        )
    assert _run(D(2025, 3, 20)) == ["Notices sent or tried: 0 (none)."]
    assert _run(D(2025, 4, 8)) == ["Notices sent or tried: 2 (sent: 2)."]  # one owner now
    latest = _due_notices()[-2:]
    assert {n.recipient_name for n in latest} == {"Tòng Thị Ánh"}
    assert len(mail.outbox) == 1  # the secretary, who owns it no more, only had the first


def test_closed_and_overdue_items_are_not_reminded(world, item) -> None:
    with scopes_disabled():
        april = held_meeting(world.cell, D(2025, 3, 15))
        with at(D(2025, 3, 15)):
            services.action_review_add(actor=None, item=item, meeting=april, outcome="done")
    assert _run(D(2025, 3, 18)) == ["Notices sent or tried: 0 (none)."]
    with scopes_disabled():
        resolution_item(april, [world.plain_member], D(2025, 3, 16), title="Việc muộn")
    assert _run(D(2025, 3, 18)) == ["Notices sent or tried: 0 (none)."]  # due two days ago
    assert _due_notices() == []


def test_the_queue_reads_in_a_constant_number_of_queries(
    world, item, django_assert_num_queries
) -> None:
    with scopes_disabled():
        meeting = held_meeting(world.cell, D(2025, 3, 9))
        for n in range(5):
            resolution_item(meeting, [world.plain_member], D(2025, 3, 19), title=f"Việc {n}")
    # Items, their owners, the owners' logins, then one insert.
    with time_machine.travel(aware(D(2025, 3, 18), 7), tick=False), django_assert_num_queries(4):
        assert items_due_queue() == 5 + 5 * 2
