"""Demo data: one real province (Lai Châu) for showing Chibo, synthetic ones for benchmarks.

plan.py turns a seed into communes, cells, people, their events and posts; this module writes
them with ``bulk_create`` in batches, computing treebeard's materialised paths itself
(``add_child`` costs several queries per node, far too slow for 250,000 members), and records one
audit entry per run. A member's status and dates are derived from their events by
``lifecycle.derive``, exactly as the services do, so the stored columns always match the history.
The real demo ends with its reports (``chibo.demo.reports``): the targets of the province and of
the demo commune, and the monthly rollup of its cells.

Callers run inside ``django_scopes.scopes_disabled()``: seeding writes to every unit.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import reset_queries, transaction
from django.db.models import Q
from vietnam_provinces import Province, ProvinceCode

from chibo.core.audit import audit_record
from chibo.core.bulk import Instances
from chibo.core.vietnamese import fold, text_sort_key
from chibo.demo.meetings import delete_meetings, seed_meetings
from chibo.demo.plan import (
    DEMO_COMMUNE,
    NEW_COMMUNES,
    OUTSIDER_COMMUNE,
    PROVINCE_CODE,
    REAL_ROOT_CODE,
    CommunePlan,
    DemoConfig,
    PersonPlan,
    PostPlan,
    ScaleConfig,
    commune_code,
    plan_real_demo,
    plan_scale_province,
    real_wards,
    resolve_as_of,
    scale_root_code,
)
from chibo.demo.reports import delete_reports, fill_rollup, reports_since, seed_targets
from chibo.demo.studies import delete_studies, seed_studies
from chibo.meetings.models import Meeting
from chibo.members.lifecycle import EventRow, derived_columns, events_insert
from chibo.members.models import EventKind, Member, MemberEvent, MemberNameWord, MemberStatus
from chibo.members.name_index import name_index_insert
from chibo.members.services import member_names
from chibo.orgunits.models import Grant, OrgUnit, Post, UnitKind


@dataclass
class Counts:
    communes: int = 0
    cells: int = 0
    members: int = 0
    posts: int = 0
    events: int = 0
    meetings: int = 0
    attendance: int = 0
    studies: int = 0


@dataclass
class SeedResult:
    root: OrgUnit
    created: bool
    counts: Counts = field(default_factory=Counts)
    seconds: float = 0.0  # the whole seed, the rollup included
    rollup_rows: int = 0  # the real demo's reports rollup, filled at the end of the seed
    rollup_seconds: float = 0.0
    reports_since: dt.date | None = None  # the rollup's first month (``reports_since``)
    targets: int = 0


# --- Writing ----------------------------------------------------------------------------------
def _step(n: int) -> str:
    """Treebeard's path step for the n-th child: base-36 digits, zero-padded to steplen."""
    alphabet, digits = OrgUnit.alphabet, ""
    while n:
        n, r = divmod(n, len(alphabet))
        digits = alphabet[r] + digits
    return digits.rjust(OrgUnit.steplen, alphabet[0])


def _step_value(step: str) -> int:
    value = 0
    for ch in step:
        value = value * len(OrgUnit.alphabet) + OrgUnit.alphabet.index(ch)
    return value


def _unit(kind: str, name: str, code: str, path: str, numchild: int, **extra: object) -> OrgUnit:
    return OrgUnit(
        kind=kind,
        name=name,
        code=code,
        path=path,
        depth=len(path) // OrgUnit.steplen,
        numchild=numchild,
        sort_key=text_sort_key(name),
        search_name=fold(name),
        **extra,
    )


def _create_root(name: str, code: str, admin_code: int | None, numchild: int) -> OrgUnit:
    """A new root after the last one: other provinces (real or synthetic) may exist already."""
    last = OrgUnit.objects.filter(depth=1).order_by("-path").values_list("path", flat=True)
    last_path = last.first()
    path = _step(_step_value(last_path) + 1 if last_path else 1)
    root = _unit(UnitKind.PROVINCE, name, code, path, numchild, admin_code=admin_code)
    OrgUnit.objects.bulk_create([root])
    return root


# Many members share a name: computing the sort key once per distinct name saves seconds.
_names = functools.lru_cache(maxsize=65536)(member_names)


_member_row = Instances(Member)
_post_row = Instances(Post)


@dataclass(frozen=True)
class Numbering:
    """Party card and record numbers of a province's members: unique, in plan order.

    Cards are 8 digits, the first two fixed per province (``card_prefix``); records are 6
    digits with the province's code (``LC`` for Lai Châu)."""

    card_prefix: str
    record_province: str

    def card(self, serial: int) -> str:
        return f"{self.card_prefix}{serial:06d}"

    def record(self, serial: int) -> str:
        return f"{serial:06d}"


REAL_NUMBERING = Numbering("12", "LC")


def scale_numbering(index: int) -> Numbering:
    return Numbering(f"{20 + index:02d}", f"S{index:02d}")


def _events(person: PersonPlan, cell: OrgUnit, cells: list[OrgUnit]) -> list[EventRow]:
    return [
        EventRow(
            kind=e.kind,
            date=e.date,
            decision_number=e.decision_number,
            decision_date=e.date if e.decision_number else None,
            deciding_body=e.deciding_body,
            cell_id=cell.pk,
            other_cell_id=None if e.other_cell is None else cells[e.other_cell].pk,
            temporary=e.temporary,
            until=e.until,
            reason=e.reason,
            introducers=e.introducers,
        )
        for e in person.events
    ]


def _member(
    person: PersonPlan,
    cell: OrgUnit,
    events: list[EventRow],
    numbers: tuple[str, str, str],
    as_of: Any,
) -> Member:
    card, record, province = numbers
    member: Member = _member_row(
        **_names(person.full_name),
        sex=person.sex,
        birth_date=person.birth_date,
        ethnicity=person.ethnicity,
        phone=person.phone,
        card_number=card,
        record_number=record,
        record_province=province,
        **{"cell_id": cell.pk, **derived_columns(events, today=as_of)},
    )
    return member


def _post(plan: PostPlan, unit: OrgUnit, member: Member) -> Post:
    post: Post = _post_row(
        unit_id=unit.pk,
        member_id=member.pk,
        kind=plan.kind,
        start_date=plan.start,
        end_date=plan.end,
        decision=plan.decision,
    )
    return post


class _TreeWriter:
    """Buffers commune plans and writes them in batches of about ``batch_size`` members."""

    def __init__(
        self,
        root: OrgUnit,
        batch_size: int,
        progress: Callable[[int], None] | None = None,
        *,
        numbering: Numbering,
        as_of: Any,
    ) -> None:
        self.root = root
        self.batch_size = batch_size
        self.progress = progress
        self.numbering = numbering
        self.as_of = as_of
        self.serial = 0
        self.pending: list[tuple[int, CommunePlan]] = []
        self.pending_members = 0
        self.counts = Counts()

    def add(self, index: int, plan: CommunePlan) -> None:
        self.pending.append((index, plan))
        self.pending_members += plan.member_count
        if self.pending_members >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        units: list[OrgUnit] = []
        placed: list[tuple[CommunePlan, OrgUnit, list[OrgUnit]]] = []
        for index, plan in self.pending:
            path = self.root.path + _step(index)
            commune = _unit(
                UnitKind.COMMUNE, plan.name, plan.code, path, len(plan.cells),
                admin_code=plan.admin_code, valid_from=NEW_COMMUNES,
            )  # fmt: skip
            cells = [
                _unit(UnitKind.CELL, c.name, c.code, path + _step(k), 0)
                for k, c in enumerate(plan.cells, 1)
            ]
            units += [commune, *cells]
            placed.append((plan, commune, cells))
        OrgUnit.objects.bulk_create(units, batch_size=self.batch_size)
        members, holders, histories = self._people(placed)
        Member.objects.bulk_create(members, batch_size=self.batch_size)
        # Only now do the members have their ids.
        paths = {unit.pk: unit.path for unit in units}
        name_index_insert((m.pk, m.search_name, m.sort_key, paths[m.cell_id]) for m in members)
        posts = [_post(plan, unit, member) for plan, unit, member in holders]
        Post.objects.bulk_create(posts, batch_size=self.batch_size)
        events = []
        for member, history in zip(members, histories, strict=True):
            for event in history:
                event.member_id = member.pk
            events += history
        events_insert(events, batch=self.batch_size)
        self.counts.events += len(events)
        self.counts.communes += len(placed)
        self.counts.cells += len(units) - len(placed)
        self.counts.members += len(members)
        self.counts.posts += len(posts)
        # With DEBUG on, Django keeps the text of recent queries; a bulk insert's is large.
        reset_queries()
        if self.progress:
            self.progress(len(members))
        self.pending, self.pending_members = [], 0

    def _people(
        self, placed: Iterable[tuple[CommunePlan, OrgUnit, list[OrgUnit]]]
    ) -> tuple[list[Member], list[tuple[PostPlan, OrgUnit, Member]], list[list[EventRow]]]:
        """The member rows, each post with the unit and the member who holds it, and each
        member's events (in the members' order)."""
        members: list[Member] = []
        holders: list[tuple[PostPlan, OrgUnit, Member]] = []
        histories: list[list[EventRow]] = []
        numbering = self.numbering
        for plan, commune, cells in placed:
            everyone: list[Member] = []
            for cell_plan, cell in zip(plan.cells, cells, strict=True):
                people = []
                for person in cell_plan.members:
                    self.serial += 1
                    events = _events(person, cell, cells)
                    numbers = (
                        numbering.card(self.serial),
                        numbering.record(self.serial),
                        numbering.record_province,
                    )
                    people.append(_member(person, cell, events, numbers, self.as_of))
                    histories.append(events)
                holders += [(pp, cell, people[pp.holder]) for pp in cell_plan.posts]
                everyone += people
            holders += [(pp, commune, everyone[pp.holder]) for pp in plan.posts]
            members += everyone
        return members, holders, histories


def _write_province(
    root: OrgUnit,
    plans: Iterable[CommunePlan],
    batch_size: int,
    progress: Callable[[int], None] | None,
    changes: dict[str, object],
    *,
    numbering: Numbering,
    as_of: Any,
) -> Counts:
    writer = _TreeWriter(root, batch_size, progress, numbering=numbering, as_of=as_of)
    for index, plan in enumerate(plans, 1):
        writer.add(index, plan)
    writer.flush()
    counts = writer.counts
    if root.code == REAL_ROOT_CODE:
        counts.events += _pending_transfer(as_of)
        # The real demo shows a year of meetings; the --scale provinces do without (benchmarks
        # of the member records do not need them, and they would add minutes to the seed).
        seed = changes["seed"]
        assert isinstance(seed, int)
        meetings = seed_meetings(root, seed=seed, as_of=as_of)
        counts.meetings, counts.attendance = meetings.meetings, meetings.attendance
        counts.studies = seed_studies(root, seed=seed)
    # One entry for the whole run: an entry per row would double the work and say nothing more.
    summary = {**changes, **vars(counts)}
    audit_record(
        actor=None,
        action="demo.seeded",
        obj=root,
        unit=root,
        changes={k: [None, v] for k, v in summary.items()},
    )
    return counts


def existing_counts(root: OrgUnit) -> Counts:
    units = OrgUnit.objects.filter(path__startswith=root.path)
    return Counts(
        communes=units.filter(kind=UnitKind.COMMUNE).count(),
        cells=units.filter(kind=UnitKind.CELL).count(),
        members=Member.objects.filter(cell__path__startswith=root.path).count(),
        posts=Post.objects.filter(unit__path__startswith=root.path).count(),
        meetings=Meeting.objects.filter(cell__path__startswith=root.path).count(),
    )


def delete_province(root: OrgUnit) -> None:
    """Remove a seeded province and everything on it, in the order PROTECT allows: posts
    first (audit entries are kept), then meetings and what hangs on them, then members (a
    commune at a time, to keep memory flat), then units."""
    prefix = root.path
    delete_reports(prefix)  # the targets protect their units
    delete_studies(prefix)  # they hang on the meetings and the members
    delete_meetings(prefix)
    inside = Q(unit__path__startswith=prefix) | Q(member__cell__path__startswith=prefix)
    Post.objects.filter(inside).delete()
    # The audit entries stay: the trail cannot be deleted (decision 0016). They keep the ids
    # of the removed units and members, which are never reused, so no page shows them again.
    MemberEvent.objects.filter(
        Q(member__cell__path__startswith=prefix)
        | Q(cell__path__startswith=prefix)
        | Q(other_cell__path__startswith=prefix)
    ).delete()
    Grant.objects.filter(unit__path__startswith=prefix).delete()
    MemberNameWord.objects.filter(cell_path__startswith=prefix).delete()
    for path in OrgUnit.objects.filter(path__startswith=prefix, depth=root.depth + 1).values_list(
        "path", flat=True
    ):
        Member.objects.filter(cell__path__startswith=path).delete()
    Member.objects.filter(cell__path__startswith=prefix).delete()
    # Treebeard's queryset delete removes the subtree and fixes the parents' numchild.
    OrgUnit.objects.filter(pk=root.pk).delete()


def seed_real_demo(config: DemoConfig | None = None, *, reset: bool = False) -> SeedResult:
    """Build the Lai Châu demo, unless it exists (then report it) or ``reset`` asks to rebuild."""
    config = config or DemoConfig()
    started = time.perf_counter()
    with transaction.atomic():
        existing = OrgUnit.objects.filter(code=REAL_ROOT_CODE).first()
        if existing and not reset:
            return SeedResult(existing, created=False, counts=existing_counts(existing))
        if existing:
            delete_province(existing)
        as_of = resolve_as_of(config.as_of)
        wards = real_wards(config)
        province = Province.from_code(ProvinceCode(PROVINCE_CODE))
        root = _create_root(
            f"Đảng bộ tỉnh {province.name}", REAL_ROOT_CODE, PROVINCE_CODE, len(wards)
        )
        plans = plan_real_demo(replace(config, as_of=as_of))
        changes = {"seed": config.seed, "as_of": as_of.isoformat()}
        counts = _write_province(
            root, plans, config.batch_size, None, changes, numbering=REAL_NUMBERING, as_of=as_of
        )
        result = SeedResult(root, created=True, counts=counts)
        commune = OrgUnit.objects.get(code=commune_code(DEMO_COMMUNE))
        result.targets = seed_targets(root, commune, as_of=as_of)
        # Last: the rollup reads everything written above.
        rollup_started = time.perf_counter()
        result.rollup_rows = fill_rollup(root, today=as_of)
        result.reports_since = reports_since(as_of)
        result.rollup_seconds = time.perf_counter() - rollup_started
    result.seconds = time.perf_counter() - started
    return result


def seed_scale(
    config: ScaleConfig | None = None,
    *,
    reset: bool = False,
    progress: Callable[[int], None] | None = None,
) -> list[SeedResult]:
    """Build synthetic provinces S01…SNN, one transaction each; existing ones are kept unless
    ``reset``."""
    config = config or ScaleConfig()
    as_of = resolve_as_of(config.as_of)
    fixed = replace(config, as_of=as_of)
    results = []
    for index in range(1, config.provinces + 1):
        started = time.perf_counter()
        code = scale_root_code(index)
        with transaction.atomic():
            existing = OrgUnit.objects.filter(code=code).first()
            if existing and not reset:
                results.append(SeedResult(existing, False, existing_counts(existing)))
                continue
            if existing:
                delete_province(existing)
            root = _create_root(f"Đảng bộ tỉnh Mẫu {index}", code, None, config.communes)
            changes = {"seed": config.seed, "as_of": as_of.isoformat(), "synthetic": True}
            plans = plan_scale_province(fixed, index)
            counts = _write_province(
                root,
                plans,
                config.batch_size,
                progress,
                changes,
                numbering=scale_numbering(index),
                as_of=as_of,
            )
        results.append(SeedResult(root, True, counts, time.perf_counter() - started))
    return results


def demo_cell_code() -> str:
    """The demo secretary's cell: the demo commune's first village (see plan.py)."""
    return f"{commune_code(DEMO_COMMUNE)}-C001"


def _pending_transfer(as_of: dt.date) -> int:
    """An official transfer from a cell of the outsider's commune into the demo secretary's
    cell, sent and not yet received, so that "incoming transfers" has something to show."""
    import datetime as dt

    target = OrgUnit.objects.get(code=demo_cell_code())
    source = OrgUnit.objects.get(code=commune_code(OUTSIDER_COMMUNE))
    member = (
        Member.objects.filter(
            cell__path__startswith=source.path,
            status=MemberStatus.OFFICIAL,
            posts__isnull=True,
            temporary_cell__isnull=True,
            exempt_from__isnull=True,
        )
        .order_by("cell__code", "pk")
        .first()
    )
    if member is None:
        return 0
    history = list(MemberEvent.objects.filter(member=member).order_by("date", "pk"))
    day = max(as_of - dt.timedelta(days=12), history[-1].date)
    event = MemberEvent(
        member=member,
        kind=EventKind.TRANSFER_OUT,
        date=day,
        decision_number="27-GGT/ĐU",
        decision_date=day,
        deciding_body=source.name.replace("Đảng bộ", "Đảng ủy", 1),
        cell_id=member.cell_id,
        other_cell=target,
        reason="Chuyển nơi cư trú",
    )
    event.save()
    Member.objects.filter(pk=member.pk).update(**derived_columns([*history, event], today=as_of))
    return 1
