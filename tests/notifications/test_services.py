"""Notices of meetings: one per recipient and channel, the reminder the day before sent once,
failures recorded (not raised) and tried again, the SMS backends, and the outbox's scope."""

from __future__ import annotations

import datetime as dt
import io
from smtplib import SMTPException

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django_scopes import scopes_disabled

from chibo.accounts.models import User
from chibo.core.access import access_for_user
from chibo.meetings.models import Meeting, MeetingStatus
from chibo.notifications import selectors
from chibo.notifications.models import Notice, NoticeKind, NoticeStatus
from chibo.notifications.services import (
    commune_monitors,
    meeting_notices_queue,
    notify_meeting,
    release_stuck,
    remind_due,
    send_due,
    send_notice,
)
from chibo.notifications.sms import ConsoleSMSBackend, DatabaseSMSBackend, SMSBackend, sms_backend
from tests.meetings.factories import aware, hold, meeting_on

pytestmark = pytest.mark.django_db
D = dt.date
BEFORE = aware(D(2025, 3, 1), 9)  # a week before the meeting of 8 March


class BrokenSMS(SMSBackend):
    def send(self, *, to: str, body: str) -> None:
        raise ConnectionError("gateway down")


class BrokenMail(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise SMTPException("mail server down")


@pytest.fixture(autouse=True)
def _outbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CHIBO_SMS_BACKEND = "chibo.notifications.sms.DatabaseSMSBackend"


@pytest.fixture
def sd():
    with scopes_disabled():
        yield


@pytest.fixture
def meeting(world, sd) -> Meeting:
    """8 March 2025, 19:30 at the village hall. The secretary's login has an e-mail and a
    phone, the plain member's a phone only; the commune committee member has an e-mail."""
    User.objects.filter(pk=world.secretary.pk).update(email="pieng@example.vn")
    User.objects.filter(pk=world.commune_user.pk).update(email="xa@example.vn")
    with time_machine.travel(BEFORE, tick=False):
        meeting = meeting_on(world.cell, D(2025, 3, 8), topic="Làm đường bê tông")
    Meeting.objects.filter(pk=meeting.pk).update(
        planned_time=dt.time(19, 30), place="Nhà văn hóa bản"
    )
    return Meeting.objects.select_related("cell").get(pk=meeting.pk)


def _by_recipient() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for notice in Notice.objects.all():
        found.setdefault(notice.recipient_name, set()).add(notice.channel)
    return found


def test_notify_sends_one_notice_per_recipient_and_channel(world, meeting) -> None:
    with time_machine.travel(BEFORE, tick=False):
        notices = notify_meeting(actor=world.secretary, meeting=meeting)
    assert _by_recipient() == {
        "Lò Văn Piếng": {"web", "email", "sms"},
        "Tòng Thị Ánh": {"web", "sms"},
        "Lò Văn Xã": {"web", "email"},  # the commune's monitoring member
    }
    assert len(notices) == 7
    assert {n.status for n in notices} == {NoticeStatus.SENT}
    assert {n.sent_at for n in notices} == {BEFORE}
    assert sorted(m.to[0] for m in mail.outbox) == ["pieng@example.vn", "xa@example.vn"]
    message = mail.outbox[0]
    assert "08/03/2025" in message.subject
    assert "19:30" in message.body
    assert "Nhà văn hóa bản" in message.body
    assert "Làm đường bê tông" in message.body
    sms = Notice.objects.get(channel="sms", recipient_member=world.plain_member)
    assert sms.address == "0987654321"
    assert len(sms.body) <= 300
    assert (sms.related_type, sms.related_id) == ("meetings.meeting", meeting.pk)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.NOTIFIED
    assert meeting.notified_at == BEFORE


def test_notifying_again_sends_nothing_twice(world, meeting) -> None:
    with time_machine.travel(BEFORE, tick=False):
        notify_meeting(actor=world.secretary, meeting=meeting)
        again = notify_meeting(actor=world.secretary, meeting=meeting)
    assert Notice.objects.count() == 7
    assert len(again) == 7
    assert len(mail.outbox) == 2


def test_a_held_or_locked_meeting_gets_no_notice(world, meeting) -> None:
    held = hold(meeting)
    with pytest.raises(ValidationError) as error:
        notify_meeting(actor=world.secretary, meeting=held)
    assert error.value.code == "not_planned"
    assert not Notice.objects.exists()


def test_the_reminder_goes_out_once_the_day_before(world, meeting) -> None:
    with time_machine.travel(BEFORE, tick=False):
        notify_meeting(actor=world.secretary, meeting=meeting)
    mail.outbox.clear()
    with time_machine.travel(aware(D(2025, 3, 6), 7), tick=False):
        assert remind_due() == []  # two days before: not yet
    day_before = aware(D(2025, 3, 7), 7)
    with time_machine.travel(day_before, tick=False):
        sent = remind_due()
        assert len(sent) == 7
        assert {n.kind for n in sent} == {NoticeKind.MEETING_REMINDER}
        assert len(mail.outbox) == 2
        assert all("Reminder" in m.subject or "Nhắc" in m.subject for m in mail.outbox)
    with time_machine.travel(day_before + dt.timedelta(hours=5), tick=False):
        assert remind_due() == []
    assert len(mail.outbox) == 2
    assert Notice.objects.filter(kind=NoticeKind.MEETING_REMINDER).count() == 7


def test_send_reminders_command_is_idempotent(world, meeting) -> None:
    out = io.StringIO()
    with time_machine.travel(aware(D(2025, 3, 7), 7), tick=False):
        call_command("send_reminders", stdout=out)
        call_command("send_reminders", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "Notices sent or tried: 7 (sent: 7)."
    assert lines[1] == "Notices sent or tried: 0 (none)."
    assert len(mail.outbox) == 2
    # The reminder is for the meeting: it is not marked notified by it.
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED


def test_failures_are_recorded_not_raised_and_tried_again(world, meeting, settings) -> None:
    settings.CHIBO_SMS_BACKEND = "tests.notifications.test_services.BrokenSMS"
    settings.EMAIL_BACKEND = "tests.notifications.test_services.BrokenMail"
    settings.CHIBO_NOTICE_MAX_ATTEMPTS = 2
    with time_machine.travel(BEFORE, tick=False):
        notices = notify_meeting(actor=world.secretary, meeting=meeting)
    by_channel = {(n.recipient_name, n.channel): n for n in notices}
    sms = by_channel[("Tòng Thị Ánh", "sms")]
    assert (sms.status, sms.attempts, sms.sent_at) == (NoticeStatus.PENDING, 1, None)
    assert sms.error == "ConnectionError: gateway down"
    email = by_channel[("Lò Văn Xã", "email")]
    assert email.error == "SMTPException: mail server down"
    assert by_channel[("Tòng Thị Ánh", "web")].status == NoticeStatus.SENT
    # The next run tries again; after the last attempt the notice stays failed.
    with time_machine.travel(BEFORE + dt.timedelta(hours=1), tick=False):
        retried = send_due()
    assert len(retried) == 4
    assert {n.status for n in retried} == {NoticeStatus.FAILED}
    assert {n.attempts for n in retried} == {2}
    # A failed notice is not tried again; a working backend sends what is still pending.
    settings.CHIBO_SMS_BACKEND = "chibo.notifications.sms.DatabaseSMSBackend"
    assert send_due() == []


def test_a_notice_is_sent_once_even_if_asked_twice(world, meeting) -> None:
    with time_machine.travel(BEFORE, tick=False):
        notify_meeting(actor=world.secretary, meeting=meeting)
    email = Notice.objects.filter(channel="email").first()
    again = send_notice(email)
    assert again.attempts == 1
    assert len(mail.outbox) == 2


def test_a_notice_left_sending_by_a_stopped_sender_is_tried_again(world, meeting, settings):
    """A sender killed between its claim and the outcome leaves the notice "sending": once the
    lease is over, the next run gives it back and sends it; after the last attempt it fails."""
    settings.CHIBO_NOTICE_LEASE_MINUTES = 15
    settings.CHIBO_NOTICE_MAX_ATTEMPTS = 2
    with time_machine.travel(BEFORE, tick=False):
        keys = meeting_notices_queue(meeting=meeting, kind=NoticeKind.MEETING_NOTICE,
                                     scheduled_for=BEFORE)  # fmt: skip
    queued = Notice.objects.filter(dedupe_key__in=keys)
    sms = queued.get(recipient_name="Tòng Thị Ánh", channel="sms")
    email = queued.get(recipient_name="Lò Văn Xã", channel="email")
    # Both claimed at BEFORE by a sender that then died; the e-mail was on its last attempt.
    Notice.objects.filter(pk=sms.pk).update(
        status=NoticeStatus.SENDING, attempts=1, claimed_at=BEFORE
    )
    Notice.objects.filter(pk=email.pk).update(
        status=NoticeStatus.SENDING, attempts=2, claimed_at=BEFORE
    )
    # Within the lease the sender may still be working: nothing is given back or sent.
    assert release_stuck(now=BEFORE + dt.timedelta(minutes=14)) == 0
    with time_machine.travel(BEFORE + dt.timedelta(minutes=14), tick=False):
        assert sms.pk not in {n.pk for n in send_due()}
    assert Notice.objects.get(pk=sms.pk).status == NoticeStatus.SENDING
    # After the lease: the SMS is sent on its second attempt, the e-mail stays failed.
    with time_machine.travel(BEFORE + dt.timedelta(minutes=16), tick=False):
        send_due()
    sms, email = Notice.objects.get(pk=sms.pk), Notice.objects.get(pk=email.pk)
    assert (sms.status, sms.attempts, sms.claimed_at) == (NoticeStatus.SENT, 2, None)
    assert (email.status, email.attempts) == (NoticeStatus.FAILED, 2)
    assert email.error == "The sender stopped before recording the outcome."
    assert [m.to for m in mail.outbox] == [["pieng@example.vn"]]  # not the failed one


def test_monitors_are_the_commune_committee_of_the_cells_commune(world, sd) -> None:
    assert commune_monitors(world.cell) == [world.commune_user]
    assert commune_monitors(world.other_cell) == [world.outsider]
    assert commune_monitors(world.province) == []


def test_sms_backends(settings, capsys) -> None:
    assert isinstance(sms_backend(), DatabaseSMSBackend)
    settings.CHIBO_SMS_BACKEND = "chibo.notifications.sms.ConsoleSMSBackend"
    backend = sms_backend()
    assert isinstance(backend, ConsoleSMSBackend)
    backend.send(to="0912345678", body="Họp chi bộ 19:30")
    assert capsys.readouterr().out == "SMS to 0912345678: Họp chi bộ 19:30\n"
    with pytest.raises(NotImplementedError):
        SMSBackend().send(to="0", body="")


def test_the_outbox_is_scoped(world, meeting) -> None:
    with time_machine.travel(BEFORE, tick=False):
        notify_meeting(actor=world.secretary, meeting=meeting)
    with access_for_user(world.member_user).activate():
        own = selectors.web_notices(member_id=world.plain_member.pk, user_id=world.member_user.pk)
        assert [n.recipient_name for n in own] == ["Tòng Thị Ánh"]
    with access_for_user(world.commune_user).activate():
        own = selectors.web_notices(member_id=None, user_id=world.commune_user.pk)
        assert [n.recipient_name for n in own] == ["Lò Văn Xã"]
        about = selectors.notices_about(related_type="meetings.meeting", related_id=meeting.pk)
        assert len(about) == 7
    with access_for_user(world.outsider).activate():
        about = selectors.notices_about(related_type="meetings.meeting", related_id=meeting.pk)
        assert about == []
        assert selectors.web_notices(member_id=None, user_id=None) == []


def test_a_meeting_moved_to_another_day_is_reminded_again(world, meeting) -> None:
    with time_machine.travel(aware(D(2025, 3, 7), 7), tick=False):
        assert len(remind_due()) == 7
    Meeting.objects.filter(pk=meeting.pk).update(planned_date=D(2025, 3, 9))
    with time_machine.travel(aware(D(2025, 3, 8), 7), tick=False):
        again = remind_due()
    assert len(again) == 7
    assert all("09/03/2025" in n.subject for n in again)
