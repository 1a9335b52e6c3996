"""The households a cell follows: 5–7 for each member on the roll, a few nobody follows yet,
now and then one that moved away; and the members' contacts with them over the year.

Members are given their households at the first meeting of the year they are on the roll
(for most, the first meeting of the demo's year), so a member who joins later gets theirs
later; contacts are only on days the member follows the household (and before a member who
left the cell left it). The secretary types in the notes of a month at the next meeting, so a
contact's ``created_at`` is that meeting's end (the last month's are recorded on the day the
demo is built): rows sharing it are written one after another, which keeps the bulk writer
from converting the same timestamp again for every row.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate, pairwise
from typing import TYPE_CHECKING, Any, TypeVar

from chibo.actions.models import ContactCategory, Household, HouseholdAssignment, HouseholdContact
from chibo.core.bulk import insert_values, plain_rows
from chibo.core.vietnamese import name_sort_key, nfc
from chibo.demo.actions.texts import CONTACTS, HOUSEHOLD_NOTES, MOVED_AWAY, NEW_HOUSEHOLD
from chibo.demo.names import KINH, NAME_STYLES

if TYPE_CHECKING:
    from chibo.demo.actions import CellStory

HOUSEHOLDS_PER_MEMBER = (5, 7)
MOVED_AWAY_SHARE = 0.2  # cells where one followed household has moved away during the year
FEMALE_HEADS = 0.2
NOTE_SHARE = 0.25  # households with a note (poor, near-poor, a family of war invalids…)
HEADS_POOL = 600  # names drawn for each ethnic group and sex
T = TypeVar("T")
_CATEGORIES = tuple(CONTACTS)
_CUMULATIVE = tuple(accumulate(weight for weight, _notes in CONTACTS.values()))
_NOTES = tuple(notes for _weight, notes in CONTACTS.values())
assert set(_CATEGORIES) == set(ContactCategory.values)


@dataclass(slots=True)
class Follower:
    """A member who follows households: from ``start`` (the meeting that assigned them,
    ending at ``assigned_at``) to ``until`` (the demo's day, or the day they left the cell)."""

    pk: int
    ethnicity: str
    start: dt.date
    assigned_at: dt.datetime
    until: dt.date
    households: list[int] = field(default_factory=list)  # indexes in CellHouseholds.rows


@dataclass(slots=True)
class HouseholdRow:
    head: str
    sort_key: str
    hamlet: str
    notes: str
    created_at: dt.datetime
    follower: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None  # the household moved away: not followed any more
    updated_at: dt.datetime | None = None  # when it was marked so
    pk: int = 0

    @property
    def active(self) -> bool:
        return self.end is None


@dataclass
class CellHouseholds:
    """A cell's households, who follows them, and how items may name them."""

    rows: list[HouseholdRow] = field(default_factory=list)
    followers: list[Follower] = field(default_factory=list)
    groups: int = 1
    heads: list[str] = field(default_factory=list)  # "ông Lò Văn Pọm", for the tasks' texts


class Heads:
    """Names of heads of households: for each ethnic group and sex, a pool drawn once from the
    demo's name styles, picked from for every household (two draws instead of five, and the
    sort key of a name computed once)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.pools: dict[tuple[str, bool], list[tuple[str, str]]] = {}

    def pool(self, ethnicity: str, female: bool) -> list[tuple[str, str]]:
        found = self.pools.get((ethnicity, female))
        if found is None:
            style = NAME_STYLES.get(ethnicity) or NAME_STYLES[KINH]
            rng = random.Random(f"{self.seed}:{ethnicity}:{female}:heads")
            names = sorted({nfc(style.full_name(rng, female)) for _ in range(HEADS_POOL)})
            found = self.pools[(ethnicity, female)] = [(n, name_sort_key(n)) for n in names]
        return found

    def pick(self, rng: random.Random, ethnicity: str) -> tuple[str, str, bool]:
        """(name, sort key, female)."""
        female = rng.random() < FEMALE_HEADS
        pool = self.pool(ethnicity, female)
        return (*_pick(rng, pool), female)


def _pick(rng: random.Random, items: Sequence[T]) -> T:
    """``rng.choice`` in one draw of ``random()`` (a quarter of its time; 120,000 households
    make it count)."""
    return items[int(rng.random() * len(items))]


def plan_households(
    story: CellStory,
    rng: random.Random,
    heads: Heads,
    ethnicity: dict[int, str],
    villages: list[str],
) -> CellHouseholds:
    """The cell's households and followers (in memory; ``write_households`` stores them)."""
    cell, as_of = story.year.cell, story.as_of
    planned = CellHouseholds()
    # Who follows households: a member on the roll, at home in this cell, not exempt nor away.
    # Decided at the first meeting a member is on the roll (their standing seldom changes).
    seen: set[int] = set()
    for m in story.meetings:
        assert m.end is not None
        for line in m.roll:
            pk = line.member.pk
            if pk in seen:
                continue
            seen.add(pk)
            if line.expected or line.member.state(m.day).cell_id != cell.pk:
                continue
            until = as_of if pk in story.today else story.left_on(line.member, m.day)
            planned.followers.append(Follower(pk, ethnicity.get(pk, KINH), m.day, m.end, until))
    followers = planned.followers
    planned.groups = groups = max(1, round(len(followers) / 5))
    members_ethnicity = [f.ethnicity for f in followers] or [KINH]
    rows = planned.rows
    for index, follower in enumerate(followers):
        if cell.institution and villages:
            hamlet = rng.choice(villages)  # teachers and nurses follow households near home
        else:
            hamlet = nfc(f"Nhóm hộ số {index * groups // len(followers) + 1}")
        count = rng.randint(*HOUSEHOLDS_PER_MEMBER)
        for _ in range(count):
            kin = follower.ethnicity if rng.random() < 0.85 else _pick(rng, members_ethnicity)
            head, key, female = heads.pick(rng, kin)
            note = _pick(rng, HOUSEHOLD_NOTES) if rng.random() < NOTE_SHARE else ""
            follower.households.append(len(rows))
            rows.append(
                HouseholdRow(
                    head, key, hamlet, note, follower.assigned_at, follower.pk, follower.start
                )
            )
            planned.heads.append(f"{'bà' if female else 'ông'} {head}")
    movable = [f for f in followers if (f.until - f.start).days > 90]
    if movable and rng.random() < MOVED_AWAY_SHARE:
        follower = rng.choice(movable)
        row = rows[follower.households[0]]
        row.end = follower.start + dt.timedelta(
            days=rng.randint(45, (follower.until - follower.start).days - 30)
        )
        row.notes, row.updated_at = MOVED_AWAY, story.aware(row.end, 9)
        follower.households.append(len(rows))  # they were given another one in its place
        head, key, _female = heads.pick(rng, follower.ethnicity)
        rows.append(HouseholdRow(head, key, row.hamlet, "", row.updated_at, follower.pk, row.end))
    for _ in range(rng.randint(1, 3)):  # new households, not assigned yet
        head, key, _female = heads.pick(rng, rng.choice(members_ethnicity))
        hamlet = rows[rng.randrange(len(rows))].hamlet if rows else ""
        at = story.aware(as_of - dt.timedelta(days=rng.randint(3, 40)), 9)
        rows.append(HouseholdRow(head, key, hamlet, rng.choice(NEW_HOUSEHOLD), at))
    return planned


def write_households(cells: list[tuple[int, CellHouseholds]], prefix: str) -> int:
    """Households, then (with their ids) their assignments. Returns the number of households."""
    rows = [
        (cell, h.head, h.sort_key, h.hamlet, "", h.notes, h.active, h.created_at,
         h.updated_at or h.created_at)
        for cell, planned in cells
        for h in planned.rows
    ]  # fmt: skip
    insert_values(
        Household,
        ("cell", "head_name", "sort_key", "hamlet", "address", "notes", "active", "created_at",
         "updated_at"),
        rows,
    )  # fmt: skip
    ids = plain_rows(
        Household.objects.filter(cell__path__startswith=prefix).order_by("pk").values_list("pk")
    )
    assert len(ids) == len(rows)
    flat = (h for _cell, planned in cells for h in planned.rows)
    for household, (pk,) in zip(flat, ids, strict=True):
        household.pk = pk
    insert_values(
        HouseholdAssignment,
        ("household", "member", "start_date", "end_date", "created_at"),
        (
            (h.pk, h.follower, h.start, h.end, h.created_at)
            for _cell, planned in cells
            for h in planned.rows
            if h.follower is not None
        ),
    )
    return len(rows)


def periods(story: CellStory, recorded_today: dt.datetime) -> list[tuple[dt.date, dt.datetime]]:
    """From each held meeting to the next: its first day, and when its contacts are recorded
    (at the next meeting; the last one's on the demo's day)."""
    meetings = story.meetings
    found = []
    for m, after in pairwise(meetings):
        assert after.end is not None
        found.append((m.day, after.end))
    if meetings:
        found.append((meetings[-1].day, recorded_today))
    return found


def _contact(
    rng: random.Random, follower: Follower, rows: list[HouseholdRow], first: int, span: int
) -> tuple[dt.date, int, str, str]:
    """One contact of ``follower`` on a day of [first, first + span) (ordinals): the day, the
    household, the category and the note. The household moved away (their first) is only met
    before it left, its replacement after it came."""
    bits = rng.getrandbits(64)
    day = dt.date.fromordinal(first + bits % span)
    households = follower.households
    household = rows[households[(bits >> 20) % len(households)]]
    if (household.end is not None and day > household.end) or (
        household.start is not None and day < household.start
    ):
        household = rows[households[1]] if household is rows[households[0]] else rows[households[0]]
    k = bisect.bisect_right(_CUMULATIVE, (bits >> 28) % _CUMULATIVE[-1])
    notes = _NOTES[k]
    return day, household.pk, _CATEGORIES[k], notes[(bits >> 40) % len(notes)]


def contact_rows(
    story: CellStory,
    planned: CellHouseholds,
    rng: random.Random,
    recorded_today: dt.datetime,
    logins: set[int],
) -> list[tuple[Any, ...]]:
    """The cell's contacts, ordered by the meeting that records them (see the module's
    docstring). A login member has a recent contact with every household they follow, so
    their home page shows it."""
    rows, followers = planned.rows, planned.followers
    spans = periods(story, recorded_today)
    starts = [first for first, _recorded in spans]
    drawn: list[tuple[int, int, dt.date, int, str, str]] = []  # period, follower, …
    for order, follower in enumerate(followers):
        first, span = follower.start.toordinal(), (follower.until - follower.start).days + 1
        rate = story.profile.contacts * rng.uniform(0.3, 1.7)
        contacts = [
            _contact(rng, follower, rows, first, span)
            for _ in range(int(rate * span / 30.4 + rng.random()))
        ]
        if follower.pk in logins:
            recent = max(follower.start, story.as_of - dt.timedelta(days=20))
            for index in follower.households:
                if rows[index].end is None:
                    day = recent + dt.timedelta(days=rng.randint(0, (follower.until - recent).days))
                    category = rng.choice(_CATEGORIES)
                    note = rng.choice(CONTACTS[category][1])
                    contacts.append((day, rows[index].pk, category, note))
        drawn += [(bisect.bisect_right(starts, c[0]) - 1, order, *c) for c in contacts]
    drawn.sort()
    return [
        (household, followers[order].pk, day, category, note, spans[period][1])
        for period, order, day, household, category, note in drawn
    ]


def write_contacts(rows: list[tuple[Any, ...]]) -> int:
    return insert_values(
        HouseholdContact, ("household", "member", "date", "category", "note", "created_at"), rows
    )
