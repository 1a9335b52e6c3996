"""A cell's action items over the demo's year and how each went, decided in memory and written
in bulk.

Items come from the resolutions of the cell's held meetings (1–4 for a regular meeting, one
for a thematic meeting held on its own; a weak cell turns fewer resolutions into tasks), from
the commune's guidance, and from the cell's plan for a document from above. An open item is
reviewed at the following held regular meetings of the cell until one closes it: in progress
before its due date (half the time a meeting leaves a task not yet due alone), done on time
or a meeting or two late, or not done (with a note) and carried forward for a few meetings,
then done late or withdrawn with a note; a few are withdrawn early. Now and then an owner
reports before the meeting: "in progress", or "done" for the meeting to confirm. The item's
``status`` and ``closed_on`` are what ``status_after`` makes of its latest review, as the
review service writes them.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from dataclasses import dataclass, field
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from chibo.actions.models import (
    CLOSED,
    ActionItem,
    ActionOwner,
    ActionReview,
    ItemStatus,
    Origin,
    ReviewOutcome,
    status_after,
)
from chibo.core.bulk import insert_values, plain_rows
from chibo.core.vietnamese import nfc
from chibo.demo.actions.texts import (
    ANY_MONTH,
    DETAILS,
    DONE,
    DROPPED,
    IN_PROGRESS,
    NOT_DONE,
    REPORTED_DONE,
    REPORTED_PROGRESS,
    TASKS,
)
from chibo.meetings.models import AttendanceCategory
from chibo.orgunits.models import PostKind

if TYPE_CHECKING:
    from chibo.demo.actions import CellStory, CommuneTasks
    from chibo.demo.actions.households import CellHouseholds
    from chibo.demo.meetings.cells import Planned

R = ReviewOutcome
ATTENDED = (AttendanceCategory.PRESENT, AttendanceCategory.LATE)
# (values, cumulative weights): 1–4 tasks a resolution, due in 1–8 weeks (mostly 3–4).
ITEMS_PER_RESOLUTION = ((1, 2, 3, 4), tuple(accumulate((3, 4, 2, 1))))
DUE_WEEKS = ((1, 2, 3, 4, 5, 6, 7, 8), tuple(accumulate((1, 3, 5, 5, 3, 2, 1, 1))))
TWO_OWNERS = 0.2
DROPPED_SHARE = 0.03
REPORT_DONE_SHARE = 0.3  # owners who report "done" before the meeting that confirms it
REPORT_PROGRESS_SHARE = 0.08
OWNERLESS_SHARE = 0.35  # cells that have not yet given the newest guidance to anyone
NOTES: dict[str, tuple[str, ...]] = {
    R.DONE: DONE,
    R.IN_PROGRESS: IN_PROGRESS,
    R.NOT_DONE: NOT_DONE,
    R.DROPPED: DROPPED,
}


@dataclass(slots=True)
class Review:
    meeting: int | None
    day: dt.date
    outcome: str
    note: str
    reported_by: int | None
    at: dt.datetime


@dataclass(slots=True)
class Item:
    origin: str
    title: str
    details: str
    source: Planned | None
    created: dt.date
    created_at: dt.datetime
    due: dt.date
    owners: list[int]
    reference: str = ""
    document_date: dt.date | None = None
    reviews: list[Review] = field(default_factory=list)

    def verdict(self) -> tuple[str, dt.date | None]:
        """``(status, closed_on)`` from the latest review, as the review service writes them."""
        if not self.reviews:
            return ItemStatus.OPEN, None
        last = self.reviews[-1]
        status = status_after(last.outcome, at_meeting=last.meeting is not None)
        return status, last.day if status in CLOSED else None


class CellItems:
    """Plans one cell's items with its own random stream."""

    def __init__(self, story: CellStory, households: CellHouseholds, rng: random.Random) -> None:
        self.story, self.households, self.rng = story, households, rng
        self.items: list[Item] = []
        self._pools: dict[int, list[int]] = {}  # meeting -> who may be given its tasks
        self._used: dict[int, set[str]] = {}  # meeting -> the tasks it gave
        place = story.place
        self.notes = {k: tuple(n.format(place=place) for n in v) for k, v in NOTES.items()}

    # --- Texts -------------------------------------------------------------------------------
    def text(self, template: str) -> str:
        rng, households = self.rng, self.households
        values: dict[str, Any] = {"place": self.story.place}
        if "{group}" in template:
            values["group"] = f"nhóm hộ số {rng.randint(1, households.groups)}"
        if "{head}" in template:
            values["head"] = rng.choice(households.heads)
        if "{n}" in template:
            values["n"] = rng.randint(3, 8)
        return nfc(template.format(**values))

    def titles(self, m: Planned, count: int) -> list[str]:
        """``count`` tasks for ``m``'s resolution, none of them given at ``m`` already."""
        used = self._used.setdefault(m.pk, set())
        heads = bool(self.households.heads)
        pool = [
            t for t in TASKS[m.month.month] + ANY_MONTH
            if t not in used and (heads or "{head}" not in t)
        ]  # fmt: skip
        chosen = self.rng.sample(pool, count)
        used.update(chosen)
        return [self.text(t) for t in chosen]

    # --- Owners ------------------------------------------------------------------------------
    def owners_at(self, m: Planned, count: int) -> list[int]:
        """``count`` members on ``m``'s roll who came (or, failing that, were expected)."""
        pool = self._pools.get(m.pk)
        if pool is None:
            expected = [ln for ln in m.roll if not ln.expected]
            came = [ln.member.pk for ln in expected if ln.category in ATTENDED]
            pool = self._pools[m.pk] = came or [ln.member.pk for ln in expected]
        return self.rng.sample(pool, min(count, len(pool)))

    def _count(self) -> int:
        return 2 if self.rng.random() < TWO_OWNERS else 1

    # --- How an item goes --------------------------------------------------------------------
    def later(self, item: Item) -> list[Planned]:
        return [m for m in self.story.meetings if m.day > item.created]

    def _report(self, item: Item, outcome: str, first: dt.date, last: dt.date) -> None:
        """An owner's own report on a day of [first, last], if there is one."""
        if last < first or not item.owners:
            return
        day = first + dt.timedelta(days=self.rng.randint(0, (last - first).days))
        notes = REPORTED_DONE if outcome == R.DONE else REPORTED_PROGRESS
        item.reviews.append(
            Review(
                None, day, outcome, self.rng.choice(notes), self.rng.choice(item.owners),
                self.story.aware(day, 12),
            )
        )  # fmt: skip

    def _review(self, item: Item, m: Planned, outcome: str) -> None:
        assert m.end is not None
        notes = self.notes[outcome]
        note = notes[int(self.rng.random() * len(notes))]
        item.reviews.append(Review(m.pk, m.day, outcome, note, None, m.end))

    def _fate(self, due_at: int) -> tuple[str, int]:
        """How the item ends, and at which of the later meetings (counted from 0; ``due_at``
        is the first on or after its due date)."""
        rng, profile = self.rng, self.story.profile
        u = rng.random()
        if u < profile.diligence:
            v = rng.random()
            if v < 0.2 and due_at > 0:
                return R.DONE, due_at - 1  # done early
            return R.DONE, due_at if v < 0.75 else due_at + 1 if v < 0.93 else due_at + 2
        if u < profile.diligence + DROPPED_SHARE:
            return R.DROPPED, due_at + rng.randint(0, 1)
        # Not done, carried forward, then done late or withdrawn.
        close = due_at + rng.randint(*profile.carried)
        return (R.DONE if rng.random() < profile.late_done else R.DROPPED), close

    def course(self, item: Item, *, carried: bool = False, reports: bool = True) -> None:
        """Reviews at the following held meetings until one closes the item (see the module's
        docstring), and the owners' reports between them; ``carried``: the item is not done
        to this day."""
        rng, profile, later = self.rng, self.story.profile, self.later(item)
        day = dt.timedelta(days=1)
        due_at = next((k for k, m in enumerate(later) if m.day >= item.due), len(later))
        fate, close = (R.NOT_DONE, len(later)) if carried else self._fate(due_at)
        previous = item.created
        for k, m in enumerate(later):
            if k == close:
                outcome = fate
            else:
                outcome = R.IN_PROGRESS if m.day < item.due else R.NOT_DONE
                # The meeting did not get to it (or, half the time, to a task not yet due).
                skip = profile.skipped if outcome == R.NOT_DONE else 0.5
                if rng.random() < skip:
                    continue
            if reports and outcome == R.DONE and rng.random() < REPORT_DONE_SHARE:
                self._report(item, R.DONE, previous + day, m.day - day)
            elif reports and outcome != R.DROPPED and rng.random() < REPORT_PROGRESS_SHARE:
                self._report(item, R.IN_PROGRESS, previous + day, m.day - day)
            self._review(item, m, outcome)
            if k == close:
                return
            previous = m.day
        if not reports:
            return
        if close == len(later) and fate == R.DONE and rng.random() < 0.5:
            self._report(item, R.DONE, previous + day, self.story.as_of)  # for the next meeting
        elif rng.random() < REPORT_PROGRESS_SHARE:
            self._report(item, R.IN_PROGRESS, previous + day, self.story.as_of)

    def add(self, item: Item, *, carried: bool = False, reports: bool = True) -> Item:
        if item.owners:
            self.course(item, carried=carried, reports=reports)
        self.items.append(item)
        return item

    def _weighted(self, choices: tuple[tuple[int, ...], tuple[int, ...]]) -> int:
        values, cumulative = choices
        return values[bisect.bisect(cumulative, self.rng.random() * cumulative[-1])]

    def _due(self, day: dt.date) -> dt.date:
        return day + dt.timedelta(weeks=self._weighted(DUE_WEEKS))

    # --- Where items come from ---------------------------------------------------------------
    def from_resolutions(self) -> None:
        rng, profile = self.rng, self.story.profile
        for m in self.story.meetings:
            if m.resolution is None or rng.random() >= profile.with_items:
                continue  # a resolution nobody was given anything to do for
            assert m.end is not None
            count = self._weighted(ITEMS_PER_RESOLUTION)
            for title in self.titles(m, count):
                details = self.text(rng.choice(DETAILS))
                owners = self.owners_at(m, self._count())
                item = Item(
                    Origin.RESOLUTION, title, details, m, m.day, m.end, self._due(m.day), owners
                )
                self.add(item)

    def from_thematic(self) -> None:
        """A thematic meeting held on its own resolves that every member registers something
        to do on the topic: one item, for whom the cell puts in charge."""
        rng, profile = self.rng, self.story.profile
        for m in self.story.thematic:
            if m.resolution is None or rng.random() >= profile.with_items:
                continue
            assert m.end is not None
            title = nfc(f"Đảng viên đăng ký, thực hiện việc làm cụ thể theo chuyên đề “{m.topic}”")
            owners = self.owners_at(m, 1)
            due = m.day + dt.timedelta(weeks=rng.randint(3, 6))
            self.add(Item(Origin.RESOLUTION, title, "", m, m.day, m.end, due, owners))

    def from_guidance(self, commune: CommuneTasks) -> None:
        rng, story = self.rng, self.story
        cell = story.year.cell
        for index, (title, details, issued, number) in enumerate(commune.guidance):
            day = min(issued + dt.timedelta(days=rng.randint(0, 3)), story.as_of)
            newest = index == len(commune.guidance) - 1
            ownerless = newest and (story.rich or rng.random() < OWNERLESS_SHARE)
            owners: list[int] = []
            if not ownerless:
                on_roll = [ln.member.pk for ln in cell.roll(day) if not ln.expected]
                secretary = cell.holder(PostKind.SECRETARY, day)
                if secretary in on_roll and rng.random() < 0.6:
                    owners = [secretary]
                elif on_roll:
                    owners = [rng.choice(on_roll)]
            text = nfc(f"{details} Theo Công văn số {number} của Đảng ủy xã.".strip())
            due = day + dt.timedelta(weeks=rng.randint(3, 6))
            self.add(
                Item(Origin.GUIDANCE, title, text, None, day, story.aware(day, 9), due, owners)
            )

    def from_documents(self, commune: CommuneTasks) -> None:
        rng = self.rng
        for reference, issued, kind, step in commune.documents:
            after = [m for m in self.story.meetings if m.day >= issued + dt.timedelta(days=20)]
            if not after:
                continue
            m = rng.choice(after[:4])  # the meeting that studied it and made the plan
            assert m.end is not None
            title = nfc(f"Thực hiện {kind} {reference}: {self.text(step)}")
            owners = self.owners_at(m, self._count())
            due = m.day + dt.timedelta(weeks=rng.randint(4, 8))
            item = Item(Origin.DOCUMENT, title, "", m, m.day, m.end, due, owners, reference, issued)
            self.add(item)

    def for_departed(self) -> None:
        """An open item of each member who has left the roll since: it needs a new owner."""
        for pk in sorted(self.story.departed):
            last = next(
                (
                    m for m in reversed(self.story.meetings)
                    if any(ln.member.pk == pk and not ln.expected for ln in m.roll)
                ),
                None,
            )  # fmt: skip
            if last is not None:
                assert last.end is not None
                (title,) = self.titles(last, 1)
                due = self._due(last.day)
                item = Item(Origin.RESOLUTION, title, "", last, last.day, last.end, due, [pk])
                self.add(item, carried=True, reports=False)

    def for_logins(self) -> None:
        """Each demo login of the cell owns an overdue item (not done at the last meeting) and
        one they reported done since, for the meeting to confirm."""
        meetings = self.story.meetings
        if len(meetings) < 2:
            return
        before, last = meetings[-2], meetings[-1]
        assert before.end is not None
        assert last.end is not None
        for pk in sorted(self.story.logins):
            if not all(any(ln.member.pk == pk for ln in m.roll) for m in (before, last)):
                continue
            gap = (last.day - before.day).days
            (first,), (second,) = self.titles(before, 1), self.titles(last, 1)
            due = before.day + dt.timedelta(days=max(0, min(21, gap - 1)))
            late = Item(Origin.RESOLUTION, first, "", before, before.day, before.end, due, [pk])
            self._review(late, last, R.NOT_DONE)
            self.items.append(late)
            due = last.day + dt.timedelta(weeks=self.rng.randint(3, 5))
            done = Item(Origin.RESOLUTION, second, "", last, last.day, last.end, due, [pk])
            self._report(done, R.DONE, last.day + dt.timedelta(days=1), self.story.as_of)
            self.items.append(done)


def write_items(cells: list[tuple[int, list[Item]]], prefix: str) -> tuple[int, int]:
    """Items, then (with their ids) owners and reviews. Returns the numbers of items and
    reviews."""
    rows = []
    for cell, items in cells:
        for it in items:
            status, closed_on = it.verdict()
            updated = it.reviews[-1].at if it.reviews else it.created_at
            rows.append((
                cell, it.origin, it.title, it.details, it.source.pk if it.source else None,
                it.reference, it.document_date, it.due, status, closed_on, it.created_at, None,
                updated,
            ))  # fmt: skip
    insert_values(
        ActionItem,
        ("cell", "origin", "title", "details", "source_meeting", "document_reference",
         "document_date", "due_date", "status", "closed_on", "created_at", "created_by",
         "updated_at"),
        rows,
    )  # fmt: skip
    ids = plain_rows(
        ActionItem.objects.filter(cell__path__startswith=prefix).order_by("pk").values_list("pk")
    )
    assert len(ids) == len(rows)
    pks = iter(pk for (pk,) in ids)
    owners: list[tuple[Any, ...]] = []
    reviews: list[tuple[Any, ...]] = []
    for _cell, items in cells:
        mine = []
        for it in items:
            pk = next(pks)
            owners += [(pk, member, it.created, None) for member in it.owners]
            mine += [
                (pk, r.meeting, r.day, r.outcome, r.note, r.reported_by, None, r.at)
                for r in it.reviews
            ]
        # By time within the cell: the reviews of one meeting share its timestamp (converted
        # once); an item's own reviews stay in order (the latest is the one with the latest
        # ``created_at``).
        mine.sort(key=lambda row: row[-1])
        reviews += mine
    insert_values(ActionOwner, ("item", "member", "start_date", "end_date"), owners)
    insert_values(
        ActionReview,
        ("item", "meeting", "date", "outcome", "note", "reported_by", "recorded_by",
         "created_at"),
        reviews,
    )  # fmt: skip
    return len(rows), len(reviews)
