"""Notices of meetings: queue them in the outbox, then send each once (DOMAIN.md "Meetings":
members and the superior's monitoring member get the time, place and content).

- ``notify_meeting``: the secretary sends the notice of a meeting: it is marked notified
  (``meetings.services.meeting_notify``) and a notice is queued for everyone on the roll of the
  meeting's date and for the commune's monitoring members, on each channel they can be reached
  by: the home page always, e-mail when their login has an address, SMS when a phone number is
  recorded. Then the queued notices are sent.
- ``remind_due``: the reminder one day before, for every meeting planned tomorrow; then every
  notice that is due is sent (run by the ``send_reminders`` command, daily or hourly).
- ``send_notice``: one notice, claimed first so that two senders never send it twice; a failure
  is recorded on the notice (and tried again by the next run, up to
  ``CHIBO_NOTICE_MAX_ATTEMPTS``), never raised to the caller.

Texts are written in the recipient's language (their login's choice, else the site's).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from chibo.accounts.models import User
from chibo.core.roles import Role
from chibo.core.scoping import scopes_disabled
from chibo.meetings import selectors
from chibo.meetings.models import AgendaItem, AgendaStep, Meeting, MeetingStatus
from chibo.meetings.services import meeting_notify
from chibo.members.models import Member
from chibo.notifications.models import Notice, NoticeChannel, NoticeKind, NoticeStatus
from chibo.notifications.sms import sms_backend
from chibo.orgunits.models import Grant, OrgUnit, UnitKind

logger = logging.getLogger(__name__)

MEETING_TYPE = "meetings.meeting"
COMMUNE_KINDS = (UnitKind.COMMUNE, UnitKind.GRASSROOTS)
SMS_MAX_CHARS = 300
SEND_BATCH = 500


def max_attempts() -> int:
    """``CHIBO_NOTICE_MAX_ATTEMPTS``: tries before a notice stays failed (default 3)."""
    return max(1, int(getattr(settings, "CHIBO_NOTICE_MAX_ATTEMPTS", 3)))


def sending_lease() -> dt.timedelta:
    """``CHIBO_NOTICE_LEASE_MINUTES``: how long a sender may hold a notice (default 15) before
    it counts as stopped (killed, machine down) and the notice is tried again."""
    return dt.timedelta(minutes=max(1, int(getattr(settings, "CHIBO_NOTICE_LEASE_MINUTES", 15))))


# --- Who is told -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Recipient:
    name: str
    member: Member | None = None
    user: User | None = None
    email: str = ""
    phone: str = ""
    language: str = ""

    @property
    def key(self) -> str:
        return f"m{self.member.pk}" if self.member is not None else f"u{self.user_pk}"

    @property
    def user_pk(self) -> int | None:
        return self.user.pk if self.user is not None else None


def commune_monitors(cell: OrgUnit) -> list[User]:
    """The commune committee members watching over ``cell``: holders of a commune-committee
    grant on the nearest commune-level unit above it (two queries).

    Read unscoped: the commune lies above the scope of the cell's secretary who sends the
    notice, and only the holders' names and addresses are used, to write to them.
    """
    ancestors = [cell.path[:i] for i in range(cell.steplen, len(cell.path), cell.steplen)]
    commune = (
        OrgUnit._base_manager.filter(path__in=ancestors, kind__in=COMMUNE_KINDS)
        .order_by("-depth")
        .first()
    )
    if commune is None:
        return []
    grants = Grant._base_manager.filter(
        unit=commune, role=Role.COMMUNE_COMMITTEE, user__is_active=True
    ).select_related("user")
    return [g.user for g in grants.order_by("user_id")]


def meeting_recipients(meeting: Meeting) -> list[Recipient]:
    """Everyone on the roll of the meeting's date, then the commune's monitoring members who
    are not already on it. Four queries (five for a committee meeting)."""
    roll = selectors.eligible_members(
        meeting.cell_id, selectors.meeting_date(meeting), meeting.kind
    )
    members = [e.member for e in roll]
    users = User.objects.in_bulk([m.user_id for m in members if m.user_id])
    found = []
    for member in members:
        user = users.get(member.user_id) if member.user_id else None
        found.append(
            Recipient(
                name=member.full_name,
                member=member,
                email=user.email if user is not None and user.is_active else "",
                phone=member.phone or (user.phone or "" if user is not None else ""),
                language=user.language if user is not None else "",
            )
        )
    on_roll = set(users)
    for user in commune_monitors(meeting.cell):
        if user.pk not in on_roll:
            found.append(
                Recipient(
                    name=user.full_name or user.username,
                    user=user,
                    email=user.email,
                    phone=user.phone or "",
                    language=user.language,
                )
            )
    return found


# --- What they are told ------------------------------------------------------------------------
@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    short: str  # for SMS


def _agenda_titles(meeting: Meeting) -> list[str]:
    items = AgendaItem._base_manager.filter(meeting_id=meeting.pk, step=AgendaStep.CONTENT)
    return list(items.order_by("order").values_list("title", flat=True))


def meeting_message(meeting: Meeting, kind: str, agenda: list[str], language: str = "") -> Message:
    """The notice (or reminder) of ``meeting`` in ``language``: time, place and content."""
    with translation.override(language or settings.LANGUAGE_CODE):
        values = {
            "cell": meeting.cell.name,
            "kind": meeting.get_kind_display(),
            "date": meeting.planned_date.strftime("%d/%m/%Y"),
            "time": meeting.planned_time.strftime("%H:%M") if meeting.planned_time else "",
            "place": meeting.place or "-",
        }
        if kind == NoticeKind.MEETING_REMINDER:
            subject = _("Reminder: %(kind)s of %(cell)s tomorrow, %(date)s") % values
        else:
            subject = _("Notice: %(kind)s of %(cell)s on %(date)s") % values
        when = _("%(time)s on %(date)s") % values if values["time"] else values["date"]
        lines = [
            _("%(cell)s holds its %(kind)s at %(when)s, at %(place)s.")
            % {**values, "when": when, "kind": str(values["kind"]).lower()}
        ]
        content = [meeting.topic] if meeting.topic else []
        content += agenda
        if content:
            lines.append(_("Content:"))
            lines += [f"- {line}" for line in content]
        body = "\n".join(lines)
        short = f"{lines[0]} {meeting.topic}".strip()[:SMS_MAX_CHARS]
    return Message(subject=subject[:200], body=body, short=short)


# --- Queue and send ----------------------------------------------------------------------------
def _channels(recipient: Recipient) -> list[tuple[str, str]]:
    channels = [(NoticeChannel.WEB.value, "")]
    if recipient.email:
        channels.append((NoticeChannel.EMAIL.value, recipient.email))
    if recipient.phone:
        channels.append((NoticeChannel.SMS.value, recipient.phone))
    return channels


def dedupe_key(kind: str, meeting: Meeting, channel: str, recipient: Recipient) -> str:
    """One notice per kind, meeting, date, channel and recipient: a meeting moved to another
    day is announced (and reminded) again, for the new day."""
    day = meeting.planned_date.isoformat()
    return f"{kind}:{MEETING_TYPE}:{meeting.pk}:{day}:{channel}:{recipient.key}"


def meeting_notices_queue(*, meeting: Meeting, kind: str, scheduled_for: dt.datetime) -> list[str]:
    """Queue the notices of ``meeting`` (one per recipient and channel); those already queued
    are left alone. Returns the keys of every notice of this meeting and kind."""
    agenda = _agenda_titles(meeting)
    messages: dict[str, Message] = {}
    notices = []
    for recipient in meeting_recipients(meeting):
        if recipient.language not in messages:
            messages[recipient.language] = meeting_message(
                meeting, kind, agenda, recipient.language
            )
        message = messages[recipient.language]
        for channel, address in _channels(recipient):
            notices.append(
                Notice(
                    unit_id=meeting.cell_id,
                    kind=kind,
                    channel=channel,
                    recipient_member=recipient.member,
                    recipient_user_id=recipient.user_pk,
                    recipient_name=recipient.name[:150],
                    address=address[:254],
                    subject=message.subject,
                    body=message.short if channel == NoticeChannel.SMS else message.body,
                    related_type=MEETING_TYPE,
                    related_id=meeting.pk,
                    dedupe_key=dedupe_key(kind, meeting, channel, recipient),
                    scheduled_for=scheduled_for,
                )
            )
    # The unique key makes a second run (or a concurrent one) add nothing.
    Notice._base_manager.bulk_create(notices, ignore_conflicts=True, batch_size=SEND_BATCH)
    return [n.dedupe_key for n in notices]


def send_notice(notice: Notice, *, now: dt.datetime | None = None) -> Notice:
    """Send one pending notice by its channel. Claimed first (``pending`` → ``sending`` in one
    update), so a notice is sent once however many senders run; the outcome, or the error,
    is recorded on it and nothing is raised."""
    now = now or timezone.now()
    claimed = Notice._base_manager.filter(pk=notice.pk, status=NoticeStatus.PENDING).update(
        status=NoticeStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now
    )
    notice = Notice._base_manager.get(pk=notice.pk)
    if not claimed:
        return notice
    try:
        if notice.channel == NoticeChannel.EMAIL:
            send_mail(notice.subject, notice.body, None, [notice.address], fail_silently=False)
        elif notice.channel == NoticeChannel.SMS:
            sms_backend().send(to=notice.address, body=notice.body)
        # The home page shows web notices: delivered once written.
    except Exception as error:  # any failure outside is recorded, not raised
        logger.warning("Notice %s (%s) not sent: %s", notice.pk, notice.channel, error)
        notice.error = f"{type(error).__name__}: {error}"[:2000]
        notice.status = (
            NoticeStatus.FAILED if notice.attempts >= max_attempts() else NoticeStatus.PENDING
        )
    else:
        notice.status, notice.sent_at, notice.error = NoticeStatus.SENT, now, ""
    notice.claimed_at = None
    notice.save(update_fields=["status", "sent_at", "error", "claimed_at"])
    return notice


def release_stuck(*, now: dt.datetime | None = None) -> int:
    """Give back the notices a sender claimed and never finished (it was killed between the
    claim and the outcome), once their lease is over: pending again, or failed after the last
    attempt. The recipient may then get a message twice — better than never. Returns how many
    were given back."""
    now = now or timezone.now()
    stuck = Notice._base_manager.filter(status=NoticeStatus.SENDING).filter(
        Q(claimed_at__lt=now - sending_lease()) | Q(claimed_at__isnull=True)
    )
    error = "The sender stopped before recording the outcome."
    released = stuck.filter(attempts__lt=max_attempts()).update(
        status=NoticeStatus.PENDING, claimed_at=None, error=error
    )
    failed = stuck.update(status=NoticeStatus.FAILED, claimed_at=None, error=error)
    if released or failed:
        logger.warning("Notices given back after a stopped sender: %s pending, %s failed.",
                       released, failed)  # fmt: skip
    return released + failed


def notices_send(notices: Iterable[Notice], *, now: dt.datetime | None = None) -> list[Notice]:
    return [send_notice(n, now=now) for n in notices]


def send_due(*, now: dt.datetime | None = None) -> list[Notice]:
    """Send every pending notice whose time has come (oldest first, in batches), after giving
    back those a stopped sender left behind."""
    now = now or timezone.now()
    release_stuck(now=now)
    sent: list[Notice] = []
    seen: set[int] = set()
    while True:
        batch = list(
            Notice._base_manager.filter(status=NoticeStatus.PENDING, scheduled_for__lte=now)
            .exclude(pk__in=seen)
            .order_by("scheduled_for", "id")[:SEND_BATCH]
        )
        if not batch:
            return sent
        seen.update(n.pk for n in batch)
        sent += notices_send(batch, now=now)


def notify_meeting(*, actor: Any, meeting: Meeting, now: dt.datetime | None = None) -> list[Notice]:
    """Send the notice of ``meeting`` to its roll and the commune's monitoring members.

    Marks the meeting notified (refused once it was held, cancelled or locked); sending it again
    queues only what is missing (a member added to the roll since) and resends nothing.
    Returns this meeting's notices after sending, failures included.
    """
    now = now or timezone.now()
    with transaction.atomic():
        fresh = Meeting._base_manager.select_related("cell").get(pk=meeting.pk)
        if fresh.status != MeetingStatus.NOTIFIED:
            fresh = meeting_notify(actor=actor, meeting=fresh)
        keys = meeting_notices_queue(
            meeting=fresh, kind=NoticeKind.MEETING_NOTICE, scheduled_for=now
        )
    # Sent after the commit (a mail server must not hold a transaction open). The outbox is
    # read by its keys through the base manager: the monitoring members' notices are the
    # commune's, outside the sender's scope, and the sender only sends what they just queued.
    queued = Notice._base_manager.filter(dedupe_key__in=keys).order_by("id")
    notices_send([n for n in queued if n.status == NoticeStatus.PENDING], now=now)
    return list(Notice._base_manager.filter(dedupe_key__in=keys).order_by("id"))


def remind_due(*, now: dt.datetime | None = None) -> list[Notice]:
    """Queue the reminder of every meeting planned for tomorrow (once: a reminder already
    queued is not queued again), then send every notice that is due. Returns those sent or
    tried in this run."""
    now = now or timezone.now()
    tomorrow = timezone.localdate(now) + dt.timedelta(days=1)
    # Acts for the system (the send_reminders command), across every cell: no user's scope.
    with scopes_disabled():
        meetings = Meeting._base_manager.filter(
            planned_date=tomorrow, status__in=(MeetingStatus.PLANNED, MeetingStatus.NOTIFIED)
        ).select_related("cell")
        for meeting in meetings.order_by("id"):
            with transaction.atomic():
                meeting_notices_queue(
                    meeting=meeting, kind=NoticeKind.MEETING_REMINDER, scheduled_for=now
                )
        return send_due(now=now)
