"""Reminders of action items before their due date (issue 5: "Reminders before due dates, same
notification backends as meetings").

Every owner of an open item due within ``CHIBO_ACTION_REMINDER_DAYS`` days (default 3; today
included) is reminded once, on each channel they can be reached by (the home page, e-mail,
SMS), through the same outbox as the meetings' notices (``services.send_notice``). The key of a
reminder holds the due date: a task whose due date moves is reminded again for the new date; a
job that runs hourly, or that missed a day, reminds nobody twice and nobody never.

Acts for the system (the ``send_reminders`` command), across every cell: no user's scope.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from chibo.accounts.models import User
from chibo.actions.models import CLOSED, ActionItem, ActionOwner
from chibo.notifications.models import Notice, NoticeChannel, NoticeKind
from chibo.notifications.services import SEND_BATCH, SMS_MAX_CHARS, Message, Recipient, _channels

ITEM_TYPE = "actions.item"


def reminder_days() -> int:
    """``CHIBO_ACTION_REMINDER_DAYS``: how many days before its due date a task is reminded."""
    return max(0, int(getattr(settings, "CHIBO_ACTION_REMINDER_DAYS", 3)))


def item_message(item: ActionItem, language: str = "") -> Message:
    """The reminder of ``item`` in ``language``: what, for which cell, by when."""
    with translation.override(language or settings.LANGUAGE_CODE):
        values = {
            "title": item.title,
            "cell": item.cell.name,
            "date": f"{item.due_date:%d/%m/%Y}",
        }
        subject = _("Task due on %(date)s: %(title)s") % values
        first = _("Your task of %(cell)s is due on %(date)s: %(title)s.") % values
        body = "\n".join([first, _("Report how it stands on Chibo before the meeting reviews it.")])
    return Message(subject=subject[:200], body=body, short=first[:SMS_MAX_CHARS])


def _recipients(item: ActionItem, users: dict[int, User]) -> list[Recipient]:
    found = []
    for ownership in item.current_owners:  # type: ignore[attr-defined]
        member = ownership.member
        user = users.get(member.user_id) if member.user_id else None
        active = user is not None and user.is_active
        found.append(
            Recipient(
                name=member.full_name,
                member=member,
                email=user.email if active and user is not None else "",
                phone=member.phone or (user.phone or "" if user is not None else ""),
                language=user.language if user is not None else "",
            )
        )
    return found


def dedupe_key(item: ActionItem, channel: str, recipient: Recipient) -> str:
    due = item.due_date.isoformat()
    return f"{NoticeKind.ACTION_DUE}:{ITEM_TYPE}:{item.pk}:{due}:{channel}:{recipient.key}"


def items_due_queue(*, now: dt.datetime | None = None) -> int:
    """Queue the reminders of every open item due from today to ``reminder_days()`` ahead, to
    each current owner (those already queued are left alone). Three queries, then the
    inserts. Returns how many notices the items call for (queued now or before)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    owners = Prefetch(
        "owned",
        queryset=ActionOwner._base_manager.filter(end_date__isnull=True)
        .select_related("member")
        .order_by("member__sort_key", "id"),
        to_attr="current_owners",
    )
    items = list(
        ActionItem._base_manager.filter(
            due_date__gte=today, due_date__lte=today + dt.timedelta(days=reminder_days())
        )
        .exclude(status__in=CLOSED)
        .select_related("cell")
        .prefetch_related(owners)
        .order_by("due_date", "id")
    )
    user_ids = {o.member.user_id for i in items for o in i.current_owners if o.member.user_id}
    users = User._base_manager.in_bulk(user_ids)
    notices = []
    for item in items:
        messages: dict[str, Message] = {}
        for recipient in _recipients(item, users):
            if recipient.language not in messages:
                messages[recipient.language] = item_message(item, recipient.language)
            message = messages[recipient.language]
            for channel, address in _channels(recipient):
                notices.append(
                    Notice(
                        unit_id=item.cell_id,
                        kind=NoticeKind.ACTION_DUE,
                        channel=channel,
                        recipient_member=recipient.member,
                        recipient_name=recipient.name[:150],
                        address=address[:254],
                        subject=message.subject,
                        body=message.short if channel == NoticeChannel.SMS else message.body,
                        related_type=ITEM_TYPE,
                        related_id=item.pk,
                        dedupe_key=dedupe_key(item, channel, recipient),
                        scheduled_for=now,
                    )
                )
    # The unique key makes a second run (or a concurrent one) add nothing.
    Notice._base_manager.bulk_create(notices, ignore_conflicts=True, batch_size=SEND_BATCH)
    return len(notices)
