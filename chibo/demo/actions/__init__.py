"""Demo action items and households (issue 5; decision 0012), written in bulk after the
meetings, from what the meeting writer planned in memory.

Every cell gets a profile: most are diligent (nearly every resolution gives tasks, most tasks
done on time or a meeting late); the cells where members stay away without a reason
(``CellYear.sloppy``, the demo commune's weak cell among them) are weak: resolutions without a
task, low completion, tasks carried forward for months, few contacts; the secretary's and the
model cell are lively. Contacts with households range from a few a month per member in a
lively cell of the demo commune to almost none in a weak one; outside the demo commune they
are a tenth as many (see ``ELSEWHERE``). So the commune's page shows a spread.

The demo's stories: the member and the secretary logins each own an overdue task and one they
reported done, and follow 5–7 households with recent contacts; the newest guidance of the
commune has no owner yet in the secretary's cell (and a third of the others); a member who
has left a cell since (the pending transfer) still owns an open item there, which the cell
must give to someone else, and their households show as nobody's.

As for the meetings, no service is called per row (that would take minutes): the rules are
the services' own, applied here, and ``tests/demo/test_demo_actions.py`` checks the result
against the selectors and ``status_after``; the run's single ``demo.seeded`` audit entry
covers these rows too. Each cell draws from its own random streams, so the same seed gives
the same data.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Model, QuerySet
from django.utils import timezone

from chibo.actions.models import (
    ActionItem,
    ActionOwner,
    ActionReview,
    Household,
    HouseholdAssignment,
    HouseholdContact,
)
from chibo.core.bulk import concrete_field, plain_rows
from chibo.demo.actions.households import (
    CellHouseholds,
    Heads,
    contact_rows,
    plan_households,
    write_contacts,
    write_households,
)
from chibo.demo.actions.items import CellItems, Item, write_items
from chibo.demo.actions.texts import DOCUMENTS, GUIDANCE
from chibo.demo.logins import plain_member, unified_cell
from chibo.meetings.models import MeetingKind
from chibo.members.models import Member
from chibo.orgunits.models import OrgUnit

if TYPE_CHECKING:
    from chibo.demo.meetings.cells import CellYear, Person, Planned

__all__ = ["ActionCounts", "delete_actions", "seed_actions"]

# Contacts per member per month in a weak cell, and in quiet, middling and lively cells of the
# demo commune (the one the logins see). Other communes log a tenth of that: a year of contacts
# for 20,000 members at a few a month would be ~600,000 rows, seconds more than the rest of
# this step (the seed may take ~5 s longer for all of issue 5's demo data).
WEAK_CONTACTS = (0.05, 0.2)
CONTACT_LEVELS = ((0.2, 0.6), (0.8, 1.6), (1.8, 3.0))
CONTACT_LEVEL_WEIGHTS = (30, 50, 20)
ELSEWHERE = 0.1


@dataclass(frozen=True)
class Profile:
    diligence: float  # the chance a task is done on time (or a meeting or two late)
    with_items: float  # the share of resolutions that give tasks
    skipped: float  # the chance a meeting does not get to an open task
    carried: tuple[int, int]  # how many meetings a task not done is carried forward
    late_done: float  # the chance a task carried forward is done in the end (else withdrawn)
    contacts: float  # contacts per member per month

    @classmethod
    def draw(cls, rng: random.Random, *, weak: bool, shown: bool) -> Profile:
        """A cell's profile; ``shown``: a cell of the demo commune."""
        scale = 1.0 if shown else ELSEWHERE
        if weak:
            contacts = rng.uniform(*WEAK_CONTACTS) * scale
            diligence, with_items = rng.uniform(0.35, 0.6), rng.uniform(0.35, 0.65)
            return cls(diligence, with_items, 0.35, (2, 8), 0.3, contacts)
        level = rng.choices(CONTACT_LEVELS, CONTACT_LEVEL_WEIGHTS)[0]
        contacts = rng.uniform(*level) * scale
        with_items = min(1.0, rng.uniform(0.85, 1.1))
        return cls(rng.uniform(0.72, 0.97), with_items, 0.05, (1, 4), 0.75, contacts)


LIVELY = Profile(0.93, 1.0, 0.0, (1, 3), 0.8, 2.5)


@dataclass
class CellStory:
    """What the writers need to know of one cell."""

    year: CellYear
    meetings: list[Planned]  # the held regular meetings, by date
    thematic: list[Planned]  # the thematic meetings held on their own
    profile: Profile
    as_of: dt.date
    now: dt.datetime
    today: set[int]  # on the roll on ``as_of``
    place: str  # "bản", "thôn", "tổ dân phố"
    logins: set[int] = field(default_factory=set)
    rich: bool = False

    @property
    def departed(self) -> set[int]:
        """Members expected at a meeting of the year who are off the roll now."""
        came = {ln.member.pk for m in self.meetings for ln in m.roll if not ln.expected}
        return came - self.today

    def aware(self, day: dt.date, hour: int) -> dt.datetime:
        """``day`` at ``hour``, local time, and not after now."""
        moment = dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_default_timezone())
        return min(moment, self.now)

    def left_on(self, person: Person, since: dt.date) -> dt.date:
        """The last day ``person``, off the roll now, was in the cell: the day before their
        latest event (the one that took them off it)."""
        last = person.dates[-1] if person.dates else since
        return max(since, last - dt.timedelta(days=1))


@dataclass(frozen=True)
class CommuneTasks:
    """What a commune gives all its cells: guidance (title, details, issued on, number) and
    documents from above (reference, date, kind, the cell's step)."""

    guidance: list[tuple[str, str, dt.date, str]]
    documents: list[tuple[str, dt.date, str, str]]

    @classmethod
    def draw(cls, rng: random.Random, as_of: dt.date) -> CommuneTasks:
        """Two pieces of guidance (one months ago, one in the last weeks) and two documents."""
        older, newer = rng.sample(GUIDANCE, 2)
        long_ago = as_of - dt.timedelta(days=rng.randint(120, 240))
        lately = as_of - dt.timedelta(days=rng.randint(6, 20))
        guidance = [
            (*older, long_ago, f"{rng.randint(60, 300)}-CV/ĐU"),
            (*newer, lately, f"{rng.randint(301, 480)}-CV/ĐU"),
        ]
        known = [d for d in DOCUMENTS if d[1] <= as_of - dt.timedelta(days=45)]
        documents = sorted(rng.sample(known, min(2, len(known))), key=lambda d: d[1])
        return cls(guidance, documents)


@dataclass
class ActionCounts:
    items: int = 0
    reviews: int = 0
    households: int = 0
    contacts: int = 0


def _place(name: str) -> str:
    rest = name.removeprefix("Chi bộ ")
    for word in ("thôn", "tổ dân phố"):
        if rest.startswith(word):
            return word
    return "bản"


def _village(name: str) -> str:
    rest = name.removeprefix("Chi bộ ")
    return rest[:1].upper() + rest[1:]


# A cell as planned: its story, its households, what its commune gives it.
CellPlan = tuple[CellStory, CellHouseholds, CommuneTasks]


def _plan(
    root: OrgUnit,
    builders: dict[int, CellYear],
    meetings: list[Planned],
    story: dict[str, Any],
    *,
    seed: int,
    as_of: dt.date,
) -> list[CellPlan]:
    """Every cell's story and households, with what its commune gives it."""
    now = timezone.now()
    held: dict[int, list[Planned]] = defaultdict(list)
    thematic: dict[int, list[Planned]] = defaultdict(list)
    for m in meetings:
        if m.held and m.kind == MeetingKind.REGULAR:
            held[m.cell.pk].append(m)
        elif m.held and m.kind == MeetingKind.THEMATIC:
            thematic[m.cell.pk].append(m)
    members = Member.objects.filter(cell__path__startswith=root.path)
    ethnicity = dict(plain_rows(members.values_list("pk", "ethnicity")))
    rich, model, shown = story["rich"].pk, story["model"], story["commune"].pk
    logins = {plain_member(story["rich"]).pk, unified_cell(story["commune"])[1].pk}
    communes: dict[str, list[CellYear]] = defaultdict(list)
    for year in builders.values():
        communes[year.cell.code.split("-")[0]].append(year)
    heads = Heads(seed)
    planned = []
    for code, years in communes.items():
        tasks = CommuneTasks.draw(random.Random(f"{seed}:{code}:guidance"), as_of)
        villages = [_village(y.cell.name) for y in years if not y.cell.institution]
        for year in years:
            cell = year.cell
            profile = Profile.draw(
                random.Random(f"{seed}:{cell.code}:actions"),
                weak=year.sloppy,
                shown=cell.commune == shown,
            )
            today = {ln.member.pk for ln in cell.roll(as_of)}
            cell_story = CellStory(
                year, held[cell.pk], thematic[cell.pk],
                LIVELY if cell.pk in (rich, model) else profile, as_of, now, today,
                _place(cell.name), logins=logins & today if cell.pk == rich else set(),
                rich=cell.pk == rich,
            )  # fmt: skip
            rng = random.Random(f"{seed}:{cell.code}:households")
            households = plan_households(cell_story, rng, heads, ethnicity, villages)
            planned.append((cell_story, households, tasks))
    return planned


def seed_actions(
    root: OrgUnit,
    builders: dict[int, CellYear],
    meetings: list[Planned],
    story: dict[str, Any],
    *,
    seed: int,
    as_of: dt.date,
) -> ActionCounts:
    """Households, contacts and action items for every cell of ``root`` (the real demo), after
    its meetings are written (their ids are on ``meetings``; ``story`` is what
    ``meetings.write.plant`` planted). Runs in the seeding transaction."""
    planned = _plan(root, builders, meetings, story, seed=seed, as_of=as_of)
    counts = ActionCounts()
    counts.households = write_households(
        [(s.year.cell.pk, households) for s, households, _tasks in planned], root.path
    )
    tz = timezone.get_default_timezone()
    recorded_today = min(dt.datetime.combine(as_of, dt.time(21), tzinfo=tz), timezone.now())
    contacts: list[tuple[Any, ...]] = []
    for cell_story, households, _tasks in planned:
        rng = random.Random(f"{seed}:{cell_story.year.cell.code}:contacts")
        contacts += contact_rows(cell_story, households, rng, recorded_today, cell_story.logins)
    counts.contacts = write_contacts(contacts)
    items: list[tuple[int, list[Item]]] = []
    for cell_story, households, tasks in planned:
        rng = random.Random(f"{seed}:{cell_story.year.cell.code}:items")
        cell_items = CellItems(cell_story, households, rng)
        cell_items.from_resolutions()
        cell_items.from_thematic()
        cell_items.from_documents(tasks)
        cell_items.from_guidance(tasks)
        cell_items.for_departed()
        cell_items.for_logins()
        cell_items.items.sort(key=lambda it: (it.created, it.created_at))
        items.append((cell_story.year.cell.pk, cell_items.items))
    counts.items, counts.reviews = write_items(items, root.path)
    return counts


def _delete_under(model: type[Model], field: str, parents: QuerySet[Any]) -> None:
    """``DELETE FROM model WHERE field IN (the parents' ids)`` in one statement. Reviews refuse
    the ORM's delete (they are append-only); the rest need no cascade. The table is not joined
    to itself: with fresh statistics PostgreSQL may plan a self-join as nested loops over every
    row twice."""
    sql, params = parents.values("pk").query.sql_with_params()
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(concrete_field(model, field).column)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({sql})", params)  # noqa: S608


def delete_actions(prefix: str) -> None:
    """Remove the action items and households of the cells under ``prefix``, dependants
    first (they protect the meetings, members and cells the demo's reset deletes next; the
    document studies are ``chibo.demo.studies``'s)."""
    cells = OrgUnit.objects.filter(path__startswith=prefix)
    items = ActionItem.objects.filter(cell__in=cells)
    _delete_under(ActionReview, "item", items)
    _delete_under(ActionOwner, "item", items)
    _delete_under(ActionItem, "cell", cells)
    households = Household.objects.filter(cell__in=cells)
    _delete_under(HouseholdContact, "household", households)
    _delete_under(HouseholdAssignment, "household", households)
    _delete_under(Household, "cell", cells)
