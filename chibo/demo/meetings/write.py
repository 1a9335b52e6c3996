"""The demo's stories (the rich, the model and the weak cell; an amendment; templates) and the
bulk writes of the planned meetings."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import connection
from django.db.models import Model, QuerySet
from django.utils import timezone

from chibo.core.bulk import insert_values
from chibo.core.vietnamese import nfc
from chibo.demo.logins import plain_member, unified_cell
from chibo.demo.meetings.cells import (
    MISSING_QUARTER_SHARE,
    SLOW_LOCK_SHARE,
    C,
    CellYear,
    K,
    MeetingCounts,
    Planned,
    S,
    aware,
)
from chibo.demo.meetings.texts import CONCLUSION, CONTENT_HEAD, NEXT_TASKS, OPENING, THEMES
from chibo.demo.plan import DEMO_COMMUNE, commune_code
from chibo.meetings.models import (
    AgendaItem,
    AgendaStep,
    AgendaTemplate,
    Attendance,
    Meeting,
    MeetingDay,
    MinutesAmendment,
    ModelCell,
    Resolution,
    Speech,
    VoteMethod,
)
from chibo.meetings.selectors import roll_standing
from chibo.members.lifecycle import add_months
from chibo.members.models import MemberStatus
from chibo.orgunits.models import OrgUnit

_S1, _S2, _S3 = AgendaStep.OPENING, AgendaStep.CONTENT, AgendaStep.CONCLUSION


# --- The demo's stories ----------------------------------------------------------------------
def plant(builders: dict[int, CellYear], as_of: dt.date) -> dict[str, Any]:
    """The rich cell (the secretary's), its model neighbour and the weak cell; returns what the
    amendment and the templates need."""
    commune = OrgUnit.objects.get(code=commune_code(DEMO_COMMUNE))
    rich_unit, _secretary = unified_cell(commune)
    login = plain_member(rich_unit).pk
    others = list(
        OrgUnit.objects.filter(path__startswith=commune.path, depth=commune.depth + 1)
        .exclude(pk=rich_unit.pk)
        .order_by("path")
        .values_list("pk", flat=True)
    )
    rich, model, weak = builders[rich_unit.pk], builders[others[0]], builders[others[1]]
    for builder in builders.values():
        if builder.rng.random() < MISSING_QUARTER_SHARE:
            builder.skip_quarter = (0, 0)
    rich.skip_quarter = model.skip_quarter = None
    weak.skip_quarter, weak.sloppy = (0, 0), True
    # The weak cell also misses meetings and locks its minutes late; the two the logins show
    # as examples do neither.
    weak.misses, weak.late_locks = max(weak.misses, 2), SLOW_LOCK_SHARE
    for builder in (rich, model):
        builder.misses, builder.late_locks = 0, 0.0
    rich.rate = model.rate = 0.97
    rich.special.answered = login

    def months_of(builder: CellYear) -> tuple[list[dt.date], list[dt.date]]:
        """The held months, and those of the calendar year with most of them (member_alerts
        counts a year)."""
        held = builder.held_months()
        year = max({d.year for d in held}, key=lambda y: (sum(d.year == y for d in held), y))
        return held, [d for d in held if d.year == year]

    def pick(builder: CellYear, taken: set[int]) -> int:
        """An ordinary member, on every roll of the year and holding no post."""
        days = [builder.fixed_date(month) for month in builder.held_months()] + [as_of]
        free = [
            p.pk
            for p in builder.cell.members
            if p.pk not in builder.cell.ever_posted and p.pk not in taken and p.pk != login
            and p.status == MemberStatus.OFFICIAL
            and all(roll_standing(p.state(d), builder.cell.pk, d) == ("", False) for d in days)
        ]  # fmt: skip
        chosen = builder.rng.choice(free)
        taken.add(chosen)
        return chosen

    taken: set[int] = set()
    held, months = months_of(rich)
    rich.special.review[pick(rich, taken)] = set(months[-3:])  # three months in a row
    rich.special.excused[pick(rich, taken)] = [months[-6], 3]
    amended = pick(rich, taken)
    rich.special.amended = (amended, held[-5])
    _held, months = months_of(weak)
    spread = months[::2][-3:] if len(months) >= 5 else months[-3:]
    weak.special.review[pick(weak, set())] = set(spread)  # cumulative, not in a row
    return {"rich": rich_unit, "model": others[0], "commune": commune, "amended": amended}


def amend(meetings: list[Planned], story: dict[str, Any], as_of: dt.date) -> int:
    """The dated amendment of locked minutes: an absence without reason excused afterwards,
    stored as ``minutes_amend`` stores it."""
    member = story["amended"]
    found = [
        (m, line)
        for m in meetings
        if m.cell.pk == story["rich"].pk and m.kind == K.REGULAR and m.status == S.LOCKED
        for line in m.roll
        if line.member.pk == member and line.category == C.ABSENT_UNEXCUSED
    ]
    if not found:
        return 0
    target, line = found[0]
    assert target.locked is not None
    reason = nfc("Ốm, có giấy xác nhận của Trạm Y tế xã")
    when = min(target.locked + dt.timedelta(days=9), aware(as_of, dt.time(0, 0)))
    Attendance.objects.filter(meeting_id=target.pk, member_id=member).update(
        category=C.ABSENT_EXCUSED, reason=reason, recorded_at=when
    )
    author = next((ln.member.name for ln in target.roll if ln.member.pk == target.chair), "")
    key = f"attendance.{member}"
    insert_values(
        MinutesAmendment,
        ("meeting", "date", "author_name", "reason", "before", "after", "created_at"),
        [(
            target.pk, timezone.localdate(when), author,
            nfc(f"Đồng chí {line.member.name} nộp giấy xác nhận vắng do ốm."),
            {key: {"category": line.category, "reason": line.reason}},
            {key: {"category": C.ABSENT_EXCUSED, "reason": reason}},
            when,
        )],
    )  # fmt: skip
    return 1


def publish_templates(story: dict[str, Any], as_of: dt.date) -> None:
    """A template the commune publishes and one from the model cell it marked."""
    commune, model = story["commune"], story["model"]
    ModelCell.objects.create(
        cell_id=model,
        marked_by=commune,
        since=add_months(as_of, -10),
        note=nfc("Chi bộ điểm về nâng cao chất lượng sinh hoạt (Chỉ thị 50-CT/TW)"),
    )
    regular = [{"step": _S1, "title": OPENING, "content": ""}]
    regular += [{"step": _S2, "title": t, "content": ""} for t in (*CONTENT_HEAD, NEXT_TASKS)]
    regular += [{"step": _S3, "title": t, "content": ""} for t in CONCLUSION]
    AgendaTemplate.objects.create(
        owner=commune,
        kind=K.REGULAR,
        title=nfc("Mẫu chương trình sinh hoạt chi bộ thường kỳ (Đảng ủy xã)"),
        items=regular,
        is_published=True,
    )
    thematic = [
        {"step": _S1, "title": OPENING, "content": ""},
        {"step": _S2, "title": nfc("Báo cáo chuyên đề"), "content": THEMES[4]},
        {"step": _S2, "title": nfc("Thảo luận, liên hệ thực tiễn của bản"), "content": ""},
        {"step": _S3, "title": CONCLUSION[0], "content": ""},
        {"step": _S3, "title": CONCLUSION[1], "content": ""},
    ]
    AgendaTemplate.objects.create(
        owner_id=model,
        kind=K.THEMATIC,
        title=nfc("Sinh hoạt chuyên đề phát triển cây chè gắn với bảo vệ rừng"),
        items=thematic,
        is_published=True,
    )


# --- Writing ---------------------------------------------------------------------------------
def _minutes(m: Planned, item_ids: list[int]) -> dict[str, Any]:
    """What ``selectors.minutes_snapshot`` returns for the meeting as it is locked."""
    assert m.start is not None
    assert m.end is not None
    assert m.resolution is not None
    n: dict[str, int] = defaultdict(int)
    for line in m.roll:
        n[line.category] += 1
    required = sum(1 for ln in m.roll if not ln.expected or ln.category in (C.PRESENT, C.LATE))
    text, votes_for, abstain = m.resolution
    return {
        "meeting": {
            "cell": m.cell.pk,
            "kind": m.kind,
            "date": m.day.isoformat(),
            "place": m.place,
            "topic": m.topic,
            "presenter": m.presenter,
            "held_start": m.start.astimezone(dt.UTC).isoformat(),
            "held_end": m.end.astimezone(dt.UTC).isoformat(),
            "chair": m.chair,
            "minute_taker": m.minute_taker,
            "guests": m.guests,
        },
        "counts": {
            "on_roll": len(m.roll),
            "official": sum(1 for ln in m.roll if ln.status == MemberStatus.OFFICIAL),
            "probationary": sum(1 for ln in m.roll if ln.status == MemberStatus.PROBATIONARY),
            "exempt": sum(1 for ln in m.roll if ln.expected == C.EXEMPT),
            "away": sum(1 for ln in m.roll if ln.expected == C.AWAY),
            "required": required,
            "present": n[C.PRESENT],
            "late": n[C.LATE],
            "absent_excused": n[C.ABSENT_EXCUSED],
            "absent_unexcused": n[C.ABSENT_UNEXCUSED],
            "not_recorded": n[""],
        },
        "roll": [
            {
                "member": ln.member.pk,
                "name": ln.member.name,
                "category": ln.category,
                "reason": ln.reason,
            }
            for ln in m.roll
        ],
        "agenda": [
            {"step": s, "title": t, "content": c, "conclusion": x}
            for s, _src, t, c, _r, x in m.agenda
        ],
        "speeches": [
            {"speaker": name, "member": member, "text": said, "item": item_ids[item]}
            for item, member, name, said in m.speeches
        ],
        "resolution": {
            "text": text,
            "vote_method": VoteMethod.HANDS,
            "for": votes_for,
            "against": 0,
            "abstain": abstain,
        },
    }


_MEETING_COLUMNS = (
    "cell", "kind", "status", "month", "fixed_date", "planned_date", "planned_time", "place",
    "topic", "presenter", "includes_thematic", "held_start", "held_end", "chair",
    "minute_taker", "prepared_by", "guests", "materials_published_at", "committee_met_before",
    "draft_resolution", "notified_at", "locked_at", "locked_minutes", "version", "created_at",
    "updated_at",
)  # fmt: skip


def write_meetings(
    meetings: list[Planned], days: list[tuple[Any, ...]], now: dt.datetime
) -> MeetingCounts:
    insert_values(MeetingDay, ("cell", "rule", "day", "time", "place", "updated_at"), days)
    rows: list[tuple[Any, ...]] = []
    for m in meetings:
        created = aware(m.month - dt.timedelta(days=10), dt.time(8, 0))
        rows.append((
            m.cell.pk, m.kind, m.status, m.month, m.fixed, m.day, m.time, m.place, m.topic,
            m.presenter, m.thematic_part, m.start, m.end, m.chair, m.minute_taker, m.prepared_by,
            m.guests, m.published, m.committee_met, m.draft, m.notified, m.locked, {},
            3 if m.held else 1, min(created, now),
            m.locked or m.end or m.notified or min(created, now),
        ))  # fmt: skip
    insert_values(Meeting, _MEETING_COLUMNS, rows)
    cells = {m.cell.pk for m in meetings}
    ids = {
        (cell, kind, day): pk
        for pk, cell, kind, day in Meeting.objects.filter(cell_id__in=cells).values_list(
            "pk", "cell_id", "kind", "planned_date"
        )
    }
    for m in meetings:
        m.pk = ids[(m.cell.pk, m.kind, m.day)]
    counts = MeetingCounts(meetings=len(meetings))
    counts.agenda_items = insert_values(
        AgendaItem,
        ("meeting", "order", "step", "source", "title", "content", "reference", "conclusion"),
        (
            (m.pk, i, s, src, t, c, r, x)
            for m in meetings
            for i, (s, src, t, c, r, x) in enumerate(m.agenda, start=1)
        ),
    )
    items: dict[int, list[int]] = defaultdict(list)
    for meeting, pk in (
        AgendaItem.objects.filter(meeting__cell_id__in=cells)
        .order_by("meeting_id", "order")
        .values_list("meeting_id", "pk")
    ):
        items[meeting].append(pk)
    counts.attendance = insert_values(
        Attendance,
        ("meeting", "member", "category", "reason", "advance_answer", "advance_reason",
         "answered_at", "recorded_at"),
        (
            (m.pk, ln.member.pk, ln.category, ln.reason, ln.answer, ln.answer_reason,
             ln.answered_at, m.end if ln.category else None)
            for m in meetings
            for ln in m.roll
            if ln.category or ln.answer
        ),
    )  # fmt: skip
    counts.speeches = insert_values(
        Speech,
        ("meeting", "agenda_item", "member", "speaker_name", "text", "order"),
        (
            (m.pk, items[m.pk][item], member, name, text, order)
            for m in meetings
            for order, (item, member, name, text) in enumerate(m.speeches, start=1)
        ),
    )
    held = [m for m in meetings if m.held]
    insert_values(
        Resolution,
        ("meeting", "text", "vote_method", "votes_for", "votes_against", "votes_abstain",
         "updated_at"),
        ((m.pk, m.resolution[0], VoteMethod.HANDS, m.resolution[1], 0, m.resolution[2], m.end)
         for m in held if m.resolution is not None),
    )  # fmt: skip
    minutes = Meeting._meta.get_field("locked_minutes")
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Meeting._meta.db_table)
        cursor.executemany(
            f"UPDATE {table} SET locked_minutes = %s WHERE id = %s",  # noqa: S608 - ours
            [
                (minutes.get_db_prep_save(_minutes(m, items[m.pk]), connection), m.pk)
                for m in held
                if m.status == S.LOCKED
            ],
        )
    return counts


def _delete_where(model: type[Model], column: str, parents: QuerySet[Any]) -> None:
    """``DELETE FROM model WHERE column IN (the parents' ids)`` in one statement.
    ``QuerySet.delete`` loads every row first to cascade (and to null the speeches' agenda
    item): seconds for 100,000 agenda items, whose dependants are gone by then anyway. The
    table is not joined to itself (``id IN (SELECT id FROM the same table JOIN …)``): on
    PostgreSQL with stale statistics that plan ran nested loops over the whole attendance
    table for many minutes."""
    sql, params = parents.values("pk").query.sql_with_params()
    table = connection.ops.quote_name(model._meta.db_table)
    name = connection.ops.quote_name(column)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {name} IN ({sql})", params)  # noqa: S608 - ours


def delete_meetings(prefix: str) -> None:
    """Remove the meetings of the cells under ``prefix`` and all that hangs on them, the fixed
    days, model-cell markers and templates: dependants first, as PROTECT requires."""
    meetings = Meeting.objects.filter(cell__path__startswith=prefix)
    for model in (MinutesAmendment, Attendance, Speech, Resolution, AgendaItem):
        _delete_where(model, "meeting_id", meetings)
    cells = OrgUnit.objects.filter(path__startswith=prefix)
    _delete_where(Meeting, "cell_id", cells)
    MeetingDay.objects.filter(cell__path__startswith=prefix).delete()
    ModelCell.objects.filter(cell__path__startswith=prefix).delete()
    AgendaTemplate.objects.filter(owner__path__startswith=prefix).delete()
