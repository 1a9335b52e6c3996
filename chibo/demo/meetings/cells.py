"""One cell's year of meetings, planned and filled in memory from what the province holds.

``load_cells`` reads the province once (cells, members with their events, posts); ``CellYear``
plans a cell's meetings and fills those held or notified: the roll from the members' events on
the day, as ``selectors.eligible_members`` decides it, categories, people, agenda, speeches and
the resolution.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django.utils import timezone

from chibo.core.vietnamese import nfc
from chibo.core.workdays import WorkCalendar
from chibo.demo.meetings.texts import (
    CONCLUSION,
    CONTENT_HEAD,
    DOCUMENTS,
    EXCUSES,
    LATE_REASONS,
    LOCAL_ISSUES,
    NEXT_TASKS,
    OPENING,
    OPINIONS,
    THEMES,
    WORK_EXCUSES,
)
from chibo.meetings.models import (
    AdvanceAnswer,
    AgendaSource,
    AgendaStep,
    AttendanceCategory,
    DayRule,
    MeetingKind,
    MeetingStatus,
)

# The selectors' rule for a member's place on a roll on a day: shared, so the two cannot drift.
from chibo.meetings.selectors import roll_standing
from chibo.members.lifecycle import Derived, add_months, derive
from chibo.members.models import Member, MemberEvent, MemberStatus
from chibo.orgunits.models import OrgUnit, Post, PostKind, UnitKind

C = AttendanceCategory
K = MeetingKind
S = MeetingStatus
HELD_MONTHS = 12
FAR_AWAY = nfc("Đi làm ăn xa")
MISSING_QUARTER_SHARE = 0.04  # cells that skipped a quarter's thematic meeting
SLOPPY_SHARE = 0.1  # cells where a member sometimes stays away without a reason
LATE_SHARE = 0.1  # meetings held a few days after the fixed day
THEMATIC_PART_SHARE = 0.65  # thematic parts held within the regular meeting, not on their own
# Weakness the reports show. Of the sloppy cells, most also miss a regular meeting or a few in
# the year (left planned, or notified, in the past: "not held"), about 7 % of the cells.
IRREGULAR_SHARE = 0.7
MISSED = (1, 1, 2, 2, 3)  # regular meetings a year an irregular cell misses
MISSED_NOTIFIED_SHARE = 0.4  # … of which the notice had gone out
# Minutes locked more than CHIBO_MINUTES_LOCK_DAYS (7) after the meeting: now and then in any
# cell, often in a sloppy one. A lock that would fall after ``as_of`` has not happened yet:
# the meeting is held, its minutes not locked.
LATE_LOCK_SHARE = 0.03
SLOW_LOCK_SHARE = 0.4
LATE_LOCK_DAYS = (8, 30)

_S1, _S2, _S3 = AgendaStep.OPENING, AgendaStep.CONTENT, AgendaStep.CONCLUSION
_TPL, _DOC, _LOCAL = AgendaSource.TEMPLATE, AgendaSource.DOCUMENT, AgendaSource.LOCAL_ISSUE


# --- What is read from the province ----------------------------------------------------------
@dataclass(slots=True)
class Event:
    """The attributes of a member event that ``lifecycle.derive`` reads."""

    pk: int
    kind: str
    date: dt.date
    decision_date: dt.date | None
    cell_id: int
    other_cell_id: int | None
    temporary: bool
    until: dt.date | None
    voided_at: None = None


@dataclass(slots=True)
class Person:
    pk: int
    name: str
    sort_key: str
    status: str
    events: list[Event] = field(default_factory=list)
    dates: list[dt.date] = field(default_factory=list)
    states: dict[int, Derived] = field(default_factory=dict)

    def state(self, day: dt.date) -> Derived:
        """``derive`` on ``day``, cached by the events up to it (no suspension expires in the
        demo, and a state that could is derived again)."""
        k = bisect_right(self.dates, day)
        state = self.states.get(k)
        if state is None or state.status == MemberStatus.SUSPENDED:
            state = self.states[k] = derive(cast(list[Any], self.events), today=day)
        return state


@dataclass(slots=True)
class Line:
    member: Person
    status: str
    expected: str
    category: str = ""
    reason: str = ""
    answer: str = ""
    answer_reason: str = ""
    answered_at: dt.datetime | None = None


@dataclass
class Cell:
    pk: int
    code: str
    name: str
    commune: int
    institution: bool
    members: list[Person] = field(default_factory=list)
    posts: list[tuple[str, int, dt.date, dt.date | None]] = field(default_factory=list)
    ever_posted: set[int] = field(default_factory=set)
    constant: dict[int, tuple[str, str] | None] = field(default_factory=dict)

    def holder(self, kind: str, day: dt.date) -> int | None:
        for post_kind, member, start, end in self.posts:
            if post_kind == kind and start <= day and (end is None or end >= day):
                return member
        return None

    def prepare(self, first: dt.date) -> None:
        """Find the members whose standing cannot change from ``first`` on (no event since,
        no exemption, no suspension to expire): most of them. ``roll`` then skips ``derive``."""
        self.constant = {}
        for person in self.members:
            if person.dates and person.dates[-1] > first:
                continue
            state = person.state(first)
            if state.exempt_from is None and state.status != MemberStatus.SUSPENDED:
                standing = roll_standing(state, self.pk, first)
                self.constant[person.pk] = (
                    None if standing is None else (str(state.status), standing[0])
                )

    def roll(self, day: dt.date) -> list[Line]:
        """Who is on the roll of a meeting on ``day``: ``selectors.eligible_members``."""
        lines = []
        constant = self.constant
        for person in self.members:
            if person.pk in constant:
                known = constant[person.pk]
                if known is not None:
                    lines.append(Line(person, known[0], known[1]))
                continue
            state = person.state(day)
            standing = roll_standing(state, self.pk, day)
            if standing is not None:
                assert state.status is not None
                lines.append(Line(person, str(state.status), standing[0]))
        return lines


@dataclass
class Planned:
    cell: Cell
    kind: str
    month: dt.date
    day: dt.date
    fixed: dt.date | None
    status: str
    time: dt.time
    place: str
    topic: str = ""
    presenter: str = ""
    thematic_part: bool = False
    roll: list[Line] = field(default_factory=list)
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    chair: int | None = None
    minute_taker: int | None = None
    prepared_by: int | None = None
    guests: str = ""
    published: dt.datetime | None = None
    committee_met: bool = False
    draft: str = ""
    notified: dt.datetime | None = None
    locked: dt.datetime | None = None
    agenda: list[tuple[str, str, str, str, str, str]] = field(default_factory=list)
    speeches: list[tuple[int, int, str, str]] = field(default_factory=list)  # item, member…
    resolution: tuple[str, int, int] | None = None  # text, for, abstain
    pk: int = 0

    @property
    def held(self) -> bool:
        return self.status in (S.HELD, S.LOCKED)


@dataclass
class MeetingCounts:
    meetings: int = 0
    attendance: int = 0
    agenda_items: int = 0
    speeches: int = 0


def aware(day: dt.date, time: dt.time) -> dt.datetime:
    """``day`` at ``time`` in the project's time zone (``make_aware`` costs ten times more, and
    Vietnam has no daylight saving to resolve)."""
    return dt.datetime.combine(day, time, tzinfo=timezone.get_default_timezone())


def window(as_of: dt.date) -> list[dt.date]:
    """First days of the months from 12 before ``as_of``'s to the December after the next."""
    first = add_months(as_of.replace(day=1), -HELD_MONTHS)
    return [add_months(first, i) for i in range(HELD_MONTHS + 14)]


def _quarter(month: dt.date) -> tuple[int, int]:
    return month.year, (month.month - 1) // 3 + 1


# --- Reading the province --------------------------------------------------------------------
def load_cells(root: OrgUnit) -> tuple[list[Cell], dict[int, list[str]]]:
    """The cells with their candidates (current members and those an event links to), posts,
    and each commune's committee members' names (the monitoring member who comes as a guest)."""
    inside = root.path
    units = OrgUnit.objects.filter(path__startswith=inside, depth__gt=root.depth)
    communes: dict[str, int] = {}
    cells: dict[int, Cell] = {}
    for pk, code, name, path, kind in units.order_by("path").values_list(
        "pk", "code", "name", "path", "kind"
    ):
        if kind == UnitKind.CELL:
            parent = communes[path[: -OrgUnit.steplen]]
            institution = name.startswith(("Chi bộ Trường", "Chi bộ Trạm"))
            cells[pk] = Cell(pk, code, name, parent, institution)
        else:
            communes[path] = pk
    people: dict[int, Person] = {}
    linked: dict[int, set[int]] = defaultdict(set)
    for pk, name, key, status, cell in Member.objects.filter(
        cell__path__startswith=inside
    ).values_list("pk", "full_name", "sort_key", "status", "cell_id"):
        people[pk] = Person(pk, name, key, status)
        linked[pk].add(cell)
    rows = MemberEvent.objects.filter(
        member__cell__path__startswith=inside, voided_at__isnull=True
    ).order_by("date", "pk")
    for pk, member, kind, date, decision, cell, other, temporary, until in rows.values_list(
        "pk", "member_id", "kind", "date", "decision_date", "cell_id", "other_cell_id",
        "temporary", "until",
    ):  # fmt: skip
        person = people[member]
        person.events.append(Event(pk, kind, date, decision, cell, other, temporary, until))
        person.dates.append(date)
        linked[member].update(c for c in (cell, other) if c is not None)
    for member, in_cells in linked.items():
        for cell_id in in_cells:
            if cell_id in cells:
                cells[cell_id].members.append(people[member])
    for each in cells.values():
        each.members.sort(key=lambda p: (p.sort_key, p.pk))
    guests: dict[int, list[str]] = defaultdict(list)
    posts = Post.objects.filter(unit__path__startswith=inside).order_by("start_date", "pk")
    for unit, member, kind, start, end in posts.values_list(
        "unit_id", "member_id", "kind", "start_date", "end_date"
    ):
        if unit in cells:
            cells[unit].posts.append((kind, member, start, end))
            cells[unit].ever_posted.add(member)
        elif kind == PostKind.COMMITTEE_MEMBER and end is None:
            guests[unit].append(people[member].name)
    return list(cells.values()), guests


# --- Planning each cell's year ---------------------------------------------------------------
@dataclass
class Special:
    """The members planted in the rich and the weak cell."""

    review: dict[int, set[dt.date]] = field(default_factory=dict)  # member -> months away
    excused: dict[int, list[Any]] = field(default_factory=dict)  # member -> [from, meetings]
    amended: tuple[int, dt.date] | None = None  # member, month of the amended meeting
    answered: int | None = None  # the member login, who has answered the coming notice


class CellYear:
    """Builds one cell's meetings; one random stream per cell, so cells do not depend on each
    other and the same seed gives the same meetings."""

    def __init__(
        self,
        cell: Cell,
        rng: random.Random,
        as_of: dt.date,
        calendar: WorkCalendar,
        guests: Sequence[str],
        slack: random.Random,
    ) -> None:
        self.cell, self.rng, self.as_of, self.guests = cell, rng, as_of, guests
        # The weakness (missed meetings, late locks) draws from its own stream, so that adding
        # it left the rest of a diligent cell's year as it was.
        self.slack = slack
        self.calendar = calendar
        roll = rng.random()
        self.rule: str = DayRule.DAY_OF_MONTH
        self.day: int | None = None
        if cell.institution:
            self.rule, self.day = (DayRule.DAY_OF_MONTH, rng.choice((5, 10, 15)))
            self.time = rng.choice((dt.time(16, 30), dt.time(14, 0)))
            self.place = nfc(f"Phòng họp {cell.name.removeprefix('Chi bộ ')}")
        else:
            if roll < 0.45:
                self.rule, self.day = DayRule.FIRST_WEEK, None
            else:
                self.rule, self.day = DayRule.DAY_OF_MONTH, rng.choice((3, 3, 5, 5, 10, 15))
            self.time = rng.choice(
                (dt.time(19, 30), dt.time(19, 30), dt.time(20, 0), dt.time(8, 0))
            )
            self.place = nfc(f"Nhà văn hóa {cell.name.removeprefix('Chi bộ ')}")
        self.rate = rng.uniform(0.87, 0.97)
        self.turn = rng.randrange(len(THEMES) * len(DOCUMENTS))  # where the cell's topics start
        self.sloppy = rng.random() < SLOPPY_SHARE
        self.special = Special()
        self.skip_quarter: tuple[int, int] | None = None
        irregular, missed = self.slack.random() < IRREGULAR_SHARE, self.slack.choice(MISSED)
        self.misses = missed if self.sloppy and irregular else 0
        self.late_locks = SLOW_LOCK_SHARE if self.sloppy else LATE_LOCK_SHARE

    def fixed_date(self, month: dt.date) -> dt.date:
        if self.rule == DayRule.DAY_OF_MONTH:
            assert self.day is not None
            return month.replace(day=self.day)
        return self.calendar.add(month - dt.timedelta(days=1), 1)

    def held_months(self) -> list[dt.date]:
        """The months of the twelve regular meetings before ``as_of``."""
        months = window(self.as_of)
        return [m for m in months if self.fixed_date(m) < self.as_of][-HELD_MONTHS:]

    def plan(self) -> list[Planned]:
        """The regular meetings from twelve months back to the end of the coming meeting's
        year, and a thematic meeting each quarter, in date order."""
        as_of, rng, cell = self.as_of, self.rng, self.cell
        regular: list[Planned] = []
        for month in window(as_of):
            fixed = self.fixed_date(month)
            regular.append(
                Planned(cell, K.REGULAR, month, fixed, fixed, S.PLANNED, self.time, self.place)
            )
        held = [m for m in regular if m.fixed is not None and m.fixed < as_of][-HELD_MONTHS:]
        upcoming = next(m for m in regular if m.fixed is not None and m.fixed >= as_of)
        first, last_year = held[0].month, upcoming.month.year
        meetings = [m for m in regular if first <= m.month and m.month.year <= last_year]
        for m in held:
            m.status = S.LOCKED
            late = rng.randint(1, 3)
            if rng.random() < LATE_SHARE and m.day + dt.timedelta(days=late) < as_of:
                m.day += dt.timedelta(days=late)
        upcoming.status = S.NOTIFIED
        # A thematic meeting each quarter: on its own a week or two after the regular one, or
        # as the regular meeting's thematic part.
        quarters: dict[tuple[int, int], list[Planned]] = defaultdict(list)
        for m in meetings:
            quarters[_quarter(m.month)].append(m)
        past = [q for q, ms in quarters.items() if all(m.status == S.LOCKED for m in ms)]
        if self.skip_quarter == (0, 0) and past:
            self.skip_quarter = rng.choice(past[len(past) // 2 :])
        extra = []
        for index, (quarter, months) in enumerate(quarters.items()):
            if quarter == self.skip_quarter:
                continue
            host = rng.choice(months)
            topic = THEMES[(index + self.turn) % len(THEMES)]
            if rng.random() < THEMATIC_PART_SHARE:
                host.thematic_part, host.topic = True, topic
                continue
            last = add_months(host.month, 1) - dt.timedelta(days=1)
            day = min(host.day + dt.timedelta(days=rng.randint(7, 14)), last)
            status = S.LOCKED if day < as_of else S.PLANNED
            extra.append(
                Planned(
                    cell, K.THEMATIC, host.month, day, None, status, self.time, self.place,
                    topic=topic,
                )
            )  # fmt: skip
        self._miss(held, extra)
        return sorted(meetings + extra, key=lambda m: (m.day, m.kind))

    def _miss(self, held: list[Planned], extra: list[Planned]) -> None:
        """``misses`` of the year's regular meetings not held: left planned (or notified) on
        the fixed day. Not one hosting the quarter's thematic part or sharing its month with a
        thematic meeting (the quarter warnings stay a story of their own), nor one of the
        planted members' months."""
        special = self.special
        planted = {month for months in special.review.values() for month in months}
        planted |= {start for start, _count in special.excused.values()}
        if special.amended is not None:
            planted.add(special.amended[1])
        thematic = {m.month for m in extra}
        candidates = [
            m
            for m in held
            if not m.thematic_part and m.month not in thematic and m.month not in planted
        ]
        for m in self.slack.sample(candidates, min(self.misses, len(candidates))):
            m.day = m.fixed or m.day
            notified = self.slack.random() < MISSED_NOTIFIED_SHARE
            m.status = S.NOTIFIED if notified else S.PLANNED

    # --- One meeting ---------------------------------------------------------------------
    def fill(self, m: Planned) -> None:
        """Roll, people, agenda, speeches and resolution of a held or notified meeting."""
        rng, cell = self.rng, self.cell
        m.roll = cell.roll(m.day)
        secretary = cell.holder(PostKind.SECRETARY, m.day)
        deputy = cell.holder(PostKind.DEPUTY_SECRETARY, m.day)
        on_roll = {line.member.pk: line for line in m.roll}
        preparer = next((p for p in (secretary, deputy) if p in on_roll), None)
        m.prepared_by = preparer
        chair = preparer or next(
            (line.member.pk for line in m.roll if line.status == MemberStatus.OFFICIAL), None
        )
        if chair is not None and m.topic:
            m.presenter = nfc(f"Đồng chí {on_roll[chair].member.name}")
        m.draft = self._resolution_text(m)
        m.committee_met = rng.random() < 0.95
        notice = m.day - dt.timedelta(days=rng.randint(2, 5))
        if m.status == S.NOTIFIED:
            notice = max(min(notice, self.as_of - dt.timedelta(days=1)), m.month - dt.timedelta(1))
        m.notified = aware(notice, dt.time(8, 0))
        m.published = m.notified if rng.random() < 0.96 else aware(m.day, dt.time(7, 0))
        m.agenda = self._agenda(m)
        if m.status == S.NOTIFIED:
            self._answers(m)
            return
        m.chair = chair
        self._call_roll(m, on_roll)
        attended = [line for line in m.roll if line.category in (C.PRESENT, C.LATE)]
        m.minute_taker = self._minute_taker(m, deputy, attended)
        for pk in (m.chair, m.minute_taker):
            if pk is not None and on_roll[pk].category not in (C.PRESENT, C.LATE):
                on_roll[pk].category, on_roll[pk].reason = C.PRESENT, ""
        attended = [line for line in m.roll if line.category in (C.PRESENT, C.LATE)]
        minutes = rng.randint(100, 150) + (30 if m.thematic_part or m.kind == K.THEMATIC else 0)
        if rng.random() < 0.02:
            minutes = rng.randint(70, 85)  # a meeting cut short: the quality check shows it
        m.start = aware(m.day, self.time) + dt.timedelta(minutes=rng.choice((0, 5, 10, 15)))
        m.end = m.start + dt.timedelta(minutes=minutes)
        m.locked = m.end + dt.timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 3))
        if self.slack.random() < self.late_locks:
            late = self.slack.randint(*LATE_LOCK_DAYS)
            m.locked = m.end + dt.timedelta(days=late, hours=self.slack.randint(0, 10))
        if m.locked > aware(self.as_of, dt.time(0, 0)):
            m.status, m.locked = S.HELD, None  # not locked yet
        if self.guests and rng.random() < 0.3:
            m.guests = nfc(f"Đồng chí {rng.choice(self.guests)}, Đảng ủy viên phụ trách chi bộ")
        self._speeches(m, attended)
        abstain = 1 if len(attended) > 6 and rng.random() < 0.1 else 0
        m.resolution = (m.draft, len(attended) - abstain, abstain)

    def _minute_taker(self, m: Planned, deputy: int | None, attended: list[Line]) -> int | None:
        if (
            deputy is not None
            and deputy != m.chair
            and any(ln.member.pk == deputy for ln in m.roll)
        ):
            return deputy
        others = [ln.member.pk for ln in attended if ln.member.pk != m.chair]
        return self.rng.choice(others) if others else m.chair

    def _call_roll(self, m: Planned, on_roll: dict[int, Line]) -> None:
        """The categories of the roll call, one draw per member (a seed takes ~280,000)."""
        rng, special, rate = self.rng, self.special, self.rate
        excuses = WORK_EXCUSES if self.cell.institution else EXCUSES
        unexcused = 0.12 if self.sloppy else 0.0
        assert m.notified is not None
        answered = m.notified + dt.timedelta(hours=rng.randint(2, 30))
        for line in m.roll:
            pk = line.member.pk
            u = rng.random()
            if line.expected:
                line.category = line.expected
            elif pk in special.review and m.month in special.review[pk]:
                line.category = C.ABSENT_UNEXCUSED
            elif (
                pk in special.excused
                and special.excused[pk][0] <= m.month
                and (special.excused[pk][1] > 0)
            ):
                # Three meetings in a row, whatever their kind: the alert shows, the quality
                # criterion (more than three) still passes.
                special.excused[pk][1] -= 1
                line.category, line.reason = C.ABSENT_EXCUSED, FAR_AWAY
            elif special.amended == (pk, m.month) and m.kind == K.REGULAR:
                line.category = C.ABSENT_UNEXCUSED  # as locked; the amendment excuses it
            elif u < rate:
                if u < 0.04:
                    line.category, line.reason = C.LATE, LATE_REASONS[int(u * 100) % 5]
                else:
                    line.category = C.PRESENT
                    if u < 0.12:
                        line.answer, line.answered_at = AdvanceAnswer.WILL_COME, answered
            else:
                v = (u - rate) / (1 - rate)
                if v < unexcused:
                    line.category = C.ABSENT_UNEXCUSED
                else:
                    line.category = C.ABSENT_EXCUSED
                    line.reason = excuses[int(v * 1000) % len(excuses)]
                    if v > 0.5:
                        line.answer, line.answer_reason = AdvanceAnswer.ABSENT, line.reason
                        line.answered_at = answered

    def _answers(self, m: Planned) -> None:
        """Answers to the notice of the coming meeting (the roll is called there)."""
        for line in m.roll:
            if line.member.pk == self.special.answered:
                line.answer = AdvanceAnswer.WILL_COME
            elif line.expected or self.rng.random() > 0.45:
                continue
            elif self.rng.random() < 0.9:
                line.answer = AdvanceAnswer.WILL_COME
            else:
                line.answer, line.answer_reason = AdvanceAnswer.ABSENT, self.rng.choice(EXCUSES)
            assert m.notified is not None
            line.answered_at = m.notified + dt.timedelta(hours=self.rng.randint(1, 20))

    def _agenda(self, m: Planned) -> list[tuple[str, str, str, str, str, str]]:
        """(step, source, title, content, reference, conclusion) in order."""
        rng, held = self.rng, m.status != S.NOTIFIED
        local = LOCAL_ISSUES[m.month.month]
        items: list[tuple[str, str, str, str, str, str]] = [(_S1, _TPL, OPENING, "", "", "")]
        if m.kind == K.THEMATIC:
            items.append((_S2, _TPL, nfc(f"Báo cáo chuyên đề: {m.topic}"), m.presenter, "", ""))
            items.append((_S2, _TPL, nfc("Thảo luận, liên hệ thực tiễn của chi bộ"), "", "", ""))
        else:
            items += [(_S2, _TPL, title, "", "", "") for title in CONTENT_HEAD]
            if m.thematic_part:
                title = nfc(f"Sinh hoạt chuyên đề: {m.topic}")
                items.append((_S2, _TPL, title, m.presenter, "", ""))
            title, reference = DOCUMENTS[(m.month.month + self.turn) % len(DOCUMENTS)]
            items.append((_S2, _DOC, nfc(title), "", reference, ""))
            items.append((_S2, _LOCAL, nfc(local[rng.randrange(2)]), "", "", ""))
            items.append((_S2, _TPL, NEXT_TASKS, "", "", ""))
        items += [(_S3, _TPL, title, "", "", "") for title in CONCLUSION]
        if held:
            agreed = nfc("Chi bộ thống nhất, giao đồng chí bí thư chỉ đạo thực hiện.")
            items = [
                (s, src, t, c, r, agreed if s == _S2 and src != _TPL else "")
                for s, src, t, c, r, _x in items
            ]
        return items

    def _speeches(self, m: Planned, attended: list[Line]) -> None:
        speakers = [ln for ln in attended if ln.member.pk != m.chair]
        content = [i for i, item in enumerate(m.agenda) if item[0] == _S2]
        count = min(len(speakers), self.rng.randint(2, 4))
        for line in self.rng.sample(speakers, count):
            item = self.rng.choice(content)
            m.speeches.append((item, line.member.pk, line.member.name, self.rng.choice(OPINIONS)))
        if m.chair is not None:
            chair = next(ln for ln in m.roll if ln.member.pk == m.chair)
            text = nfc("Kết luận: chi bộ thống nhất các nội dung; giao các đồng chí theo dõi.")
            m.speeches.append((len(m.agenda) - 2, m.chair, chair.member.name, text))

    def _resolution_text(self, m: Planned) -> str:
        if m.kind == K.THEMATIC:
            return nfc(
                f"Chi bộ thống nhất nội dung chuyên đề “{m.topic}”; mỗi đảng viên đăng ký một "
                "việc làm cụ thể và báo cáo kết quả tại kỳ sinh hoạt sau."
            )
        local = LOCAL_ISSUES[m.month.month]
        return nfc(
            f"1. {local[0]}. 2. {local[1]}. 3. Đảng viên thực hiện tốt nhiệm vụ được phân công, "
            "nộp đảng phí đầy đủ, đúng hạn."
        )
