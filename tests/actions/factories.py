"""Helpers for the actions tests: a held meeting on a day, an item in one call, the clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import time_machine

from chibo.actions import services
from chibo.actions.models import ActionItem
from chibo.meetings.models import Meeting
from chibo.members.models import Member
from tests.meetings.factories import aware, hold, meeting_on


def at(day: dt.date, hour: int = 22) -> time_machine.travel:
    """Stop the clock at ``hour`` (local time) on ``day``."""
    return time_machine.travel(aware(day, hour), tick=False)


def held_meeting(cell, day: dt.date) -> Meeting:
    """A meeting of ``cell`` held on ``day`` at 19:00 (the clock set to that evening)."""
    with at(day):
        return hold(meeting_on(cell, day))


def resolution_item(
    meeting: Meeting,
    owners: Sequence[Member],
    due: dt.date,
    title: str = "Vận động các hộ làm đường bê tông",
    **extra: object,
) -> ActionItem:
    """An item of ``meeting``'s resolution, created on the evening of the meeting."""
    with at(meeting.planned_date):
        return services.action_item_from_resolution(
            actor=None,
            meeting=meeting,
            data=services.ItemData(title=title, due_date=due, owners=tuple(owners), **extra),
        )
