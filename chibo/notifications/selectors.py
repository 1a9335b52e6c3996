"""Reads of the outbox. Run inside the caller's scope (``meetings`` dimension)."""

from __future__ import annotations

from django.db.models import Q

from chibo.notifications.models import Notice, NoticeChannel, NoticeStatus


def web_notices(*, member_id: int | None, user_id: int | None, limit: int = 20) -> list[Notice]:
    """The notices shown on a person's home page, newest first: those sent to their member
    record or to their login."""
    who = Q()
    if member_id is not None:
        who |= Q(recipient_member_id=member_id)
    if user_id is not None:
        who |= Q(recipient_user_id=user_id)
    if not who:
        return []
    rows = Notice.objects.filter(who, channel=NoticeChannel.WEB, status=NoticeStatus.SENT)
    return list(rows.order_by("-scheduled_for", "-id")[:limit])


def notices_about(*, related_type: str, related_id: int) -> list[Notice]:
    """Every notice about one object (a meeting's page lists what went out, and what failed)."""
    rows = Notice.objects.filter(related_type=related_type, related_id=related_id)
    return list(rows.order_by("kind", "recipient_name", "channel", "id"))
