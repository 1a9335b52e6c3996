"""Demo meetings: a year of cell meetings on the real demo province, written in bulk.

For every cell: its fixed meeting day, the regular meetings of the twelve months before
``as_of`` held and their minutes locked, a thematic meeting in every quarter (held on its own or
as the thematic part of a regular meeting; a few cells miss one, so the quarter warning shows),
the next meeting notified with members' answers, and the rest of that year planned.

Not every cell works as it should, so that the reports show a spread: a tenth of the meetings
are held a few days after the fixed day; about 7 % of the cells (most of the sloppy ones, and
the weak cell) did not hold one to three of the year's regular meetings, which stay planned or
notified in the past; minutes are now and then locked more than a week after the meeting, often
in a sloppy cell, and those of the last days or weeks may not be locked yet. A held
meeting has its agenda in three steps, a roll with the categories of the minutes, speeches by
name, a resolution and its vote, and ``locked_minutes`` as ``meeting_lock`` would store them.

The rules are the services' own (``chibo.meetings``), applied here without a service call per
meeting, which would take minutes for ~12,000 meetings: who is on a roll comes from the members'
events on the meeting's day (``lifecycle.derive`` and the selectors' standing rule), exempt and
away follow the record, votes do not exceed those who attended, chair and minute-taker are on
the roll and attended. ``tests/demo/test_meetings_demo.py`` checks the result against the
selectors and ``attendance_save``.

Then ``chibo.demo.actions`` gives the cells their action items (from these resolutions) and
the households their members follow.

The demo secretary's cell is the rich one: a member to review for removal (3 months without
taking part), one absent with reason 3 times in a row, an amendment after locking, templates
from the commune and from a model cell. Another cell of the demo commune is the weak one.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from chibo.core.workdays import WorkCalendar
from chibo.demo.actions import delete_actions, seed_actions
from chibo.demo.meetings.cells import CellYear, MeetingCounts, Planned, S, load_cells, window
from chibo.demo.meetings.write import (
    amend,
    plant,
    publish_templates,
    write_meetings,
)
from chibo.demo.meetings.write import delete_meetings as _delete_meetings
from chibo.orgunits.models import OrgUnit

__all__ = ["MeetingCounts", "delete_meetings", "seed_meetings"]


def seed_meetings(root: OrgUnit, *, seed: int, as_of: dt.date) -> MeetingCounts:
    """A year of meetings for every cell of ``root`` (the real demo). Runs in the seeding
    transaction; the caller writes the audit entry."""
    cells, guests = load_cells(root)
    months = window(as_of)
    calendar = WorkCalendar.load(months[0] - dt.timedelta(days=1), months[-1].replace(day=28))
    builders = {
        cell.pk: CellYear(
            cell, random.Random(f"{seed}:{cell.code}:meetings"), as_of, calendar,
            guests[cell.commune], random.Random(f"{seed}:{cell.code}:slack"),
        )
        for cell in cells
    }  # fmt: skip
    for cell in cells:
        cell.prepare(months[0])
    story = plant(builders, as_of)
    meetings: list[Planned] = []
    now = timezone.now()
    days = []
    for builder in builders.values():
        days.append((builder.cell.pk, builder.rule, builder.day, builder.time, builder.place, now))
        for m in builder.plan():
            if m.held or m.status == S.NOTIFIED:
                builder.fill(m)
            meetings.append(m)
    counts = write_meetings(meetings, days, now)
    amend(meetings, story, as_of)
    publish_templates(story, as_of)
    seed_actions(root, builders, meetings, story, seed=seed, as_of=as_of)  # hang on the meetings
    return counts


def delete_meetings(prefix: str) -> None:
    """The meetings under ``prefix`` and all that hangs on them, action items and households
    first (they protect the meetings, members and cells)."""
    delete_actions(prefix)
    _delete_meetings(prefix)
