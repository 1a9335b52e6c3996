"""Scope rows of the lifecycle pages (events, transfers). See tests/test_scope_matrix.py."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_scopes import scopes_disabled

from chibo.members.lifecycle import EventData, member_event_add
from chibo.members.models import EventKind, MemberEvent

WRITERS = {"commune", "secretary"}  # Cap.MEMBER_CHANGE on cell A1


def _event_id(world) -> int:
    with scopes_disabled():
        return MemberEvent.objects.filter(member=world.plain_member).order_by("-date").first().pk


def _incoming_id(world) -> int:
    """A transfer from commune B's cell into cell A1, waiting to be received."""
    with scopes_disabled():
        event = member_event_add(
            actor=None,
            member=world.other_member,
            data=EventData(
                kind=EventKind.TRANSFER_OUT,
                date=timezone.localdate() - dt.timedelta(days=3),
                other_cell=world.cell,
            ),
        )
    return event.pk


ROWS = [
    ("members:event_add", lambda w: [w.plain_member.pk], WRITERS),
    ("members:event_add", lambda w: [w.other_member.pk], {"outsider"}),
    ("members:event_void", _event_id, WRITERS),
    ("members:transfer_send", lambda w: [w.plain_member.pk], WRITERS),
    ("members:transfer_send", lambda w: [w.other_member.pk], {"outsider"}),
    ("members:transfers_incoming", lambda w: [w.cell.pk], WRITERS),
    ("members:transfers_incoming", lambda w: [w.commune.pk], {"commune"}),
    ("members:transfers_incoming", lambda w: [w.other_commune.pk], {"outsider"}),
    # The receiving side only: the sender (outsider) does not see the receipt page.
    ("members:transfer_receive", _incoming_id, WRITERS),
]
