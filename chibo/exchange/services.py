"""Importing members from a file, and saving the register snapshots of the quarterly check.

**Import.** A file is read into rows (``xlsx.read_table``), every row is checked *before*
anything is written (``rows_check``): the record's own rules (``members.services.clean_record``),
the admission rules (``members.lifecycle.validate_event`` on the events the row's dates make:
admission decision = "Ngày vào Đảng", ceremony = "Ngày lễ kết nạp" or else the same date,
recognition = "Ngày chính thức"), the cell, and the numbers that must be unique (in the file and
in the whole party). Then ``import_commit`` writes, in one transaction, either the valid rows or
(``all_or_nothing``) nothing at all if one row has an error.

**Existing members are reported, never changed.** A row is matched to a member of the unit's
subtree by party card number, else record number and province code, else citizen ID, else the
same name and date of birth. An identical member is ``unchanged``; a different one is
``differs``, with the fields that differ, and stays as it is: a register file is a copy, the
member's record page is the source (its edits are checked against concurrent saves and its
history is the member's). So importing the same file twice changes nothing the second time.

**Bulk writes.** The rows are written with ``bulk_create`` (members, their events, one audit
entry per member): the same rows ``member_create`` + ``member_event_add`` would write, with the
derived status and dates computed by ``lifecycle.derive`` from the same events, checked by the
same functions, a few queries per thousand rows instead of about thirty per row.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import IntegrityError, transaction
from django.db.models import CharField, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.core.audit import audit_record, diff, snapshot
from chibo.core.bulk import Instances, insert_objects, insert_values
from chibo.core.models import AuditEntry
from chibo.core.vietnamese import fold, nfc
from chibo.exchange.models import ImportJob, ImportMode, JobStatus, RegisterSnapshot, RowStatus
from chibo.exchange.parsing import (
    parse_date,
    parse_number,
    parse_record_number,
    parse_sex,
    parse_text,
    parse_theory_level,
)
from chibo.exchange.selectors import register_rows
from chibo.exchange.xlsx import RawRow, RegisterHeading, read_table, write_register
from chibo.members.lifecycle import (
    EventData,
    EventRow,
    derived_columns,
    events_insert,
    validate_event,
)
from chibo.members.models import ACTIVE_STATUSES, EventKind, Member
from chibo.members.name_index import name_index_insert
from chibo.members.services import (
    RECORD_FIELDS,
    RecordData,
    clean_record,
    member_names,
    record_values,
)
from chibo.orgunits.models import OrgUnit, UnitKind

CHUNK = 1000
MEMBER_UNIT_KINDS = (UnitKind.CELL, UnitKind.PARTY_GROUP, UnitKind.GRASSROOTS)
_TEXT_FIELDS = (
    "full_name",
    "birth_name",
    "ethnicity",
    "religion",
    "home_town",
    "residence",
    "phone",
    "education",
    "profession",
    "occupation",
)
_DATE_FIELDS = ("admission_date", "ceremony_date", "recognition_date")
_AUDITED = (*RECORD_FIELDS, "cell", "status", *_DATE_FIELDS)


@dataclass
class RowResult:
    """The check (or import) of one row; ``plan`` is the member to write, not kept in JSON."""

    row: int
    status: str = RowStatus.NEW
    name: str = ""
    card: str = ""
    record: str = ""
    citizen: str = ""
    cell: str = ""
    member_id: int | None = None
    messages: list[list[str]] = field(default_factory=list)  # [[field, text], ...]
    plan: tuple[Member, list[EventRow]] | None = None

    def fail(self, field_name: str, text: str) -> None:
        self.status = RowStatus.ERROR
        self.messages.append([field_name, str(text)])
        self.plan = None

    def to_json(self) -> dict[str, Any]:
        data = {key: getattr(self, key) for key in _RESULT_KEYS}
        data["status"] = str(self.status)
        data["messages"] = [list(m) for m in self.messages]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RowResult:
        return cls(**{k: v for k, v in data.items() if k in _RESULT_KEYS})


_RESULT_KEYS = {
    "row",
    "status",
    "name",
    "card",
    "record",
    "citizen",
    "cell",
    "member_id",
    "messages",
}


@dataclass(frozen=True)
class ImportContext:
    """What checking rows for a unit needs once: its cells by code and by name."""

    unit: OrgUnit
    columns: frozenset[str]
    cells_by_code: dict[str, OrgUnit]
    cells_by_name: dict[str, list[OrgUnit]]
    today: dt.date


def _cell_key(name: str) -> str:
    key = fold(name)
    return key.removeprefix("chi bo ").strip()


def import_context(*, unit: OrgUnit, columns: Iterable[str]) -> ImportContext:
    """The cells of the unit's subtree (one query), for rows to name theirs by code or name."""
    cells = list(OrgUnit.objects.filter(path__startswith=unit.path, kind__in=MEMBER_UNIT_KINDS))
    by_name: dict[str, list[OrgUnit]] = defaultdict(list)
    for cell in cells:
        by_name[_cell_key(cell.name)].append(cell)
    return ImportContext(
        unit=unit,
        columns=frozenset(columns),
        cells_by_code={c.code.upper(): c for c in cells},
        cells_by_name=dict(by_name),
        today=timezone.localdate(),
    )


def check_columns(*, unit: OrgUnit, columns: Iterable[str]) -> None:
    """A file for a unit above the cells must say each row's cell."""
    if unit.kind not in MEMBER_UNIT_KINDS and not {"cell_name", "cell_code"} & set(columns):
        raise ValidationError(
            _(
                'The file has no "Chi bộ" or "Mã chi bộ" column: for a unit with several '
                "cells, each row must name its cell."
            ),
            code="missing_columns",
        )


# --- Checking rows --------------------------------------------------------------------------


def _date_message(value: Any) -> str:
    return _("“%(value)s” is not a valid date (write it as dd/mm/yyyy).") % {
        "value": parse_text(value)[:40]
    }


def _parse_row(ctx: ImportContext, raw: RawRow, result: RowResult) -> tuple[Any, ...] | None:
    """The row's record, dates and cell; messages on ``result`` for what cannot be read."""
    v = raw.values
    text = {name: parse_text(v.get(name)) for name in _TEXT_FIELDS}
    result.name = text["full_name"][:150]
    dates: dict[str, dt.date | None] = {}
    for name in ("birth_date", *_DATE_FIELDS):
        try:
            dates[name] = parse_date(v.get(name), today=ctx.today)
        except ValueError:
            result.fail(name, _date_message(v.get(name)))
            dates[name] = None
    numbers: dict[str, str] = {}
    for name, width in (("card_number", 8), ("citizen_id", 12)):
        try:
            numbers[name] = parse_number(v.get(name), width=width)
        except ValueError:
            result.fail(name, _("This is not a number."))
            numbers[name] = ""
    if "record_province" in ctx.columns and parse_text(v.get("record_province")):
        try:
            numbers["record_number"] = parse_number(v.get("record_number"), width=6)
        except ValueError:
            result.fail("record_number", _("This is not a number."))
            numbers["record_number"] = ""
        numbers["record_province"] = parse_text(v.get("record_province"))
    else:
        numbers["record_number"], numbers["record_province"] = parse_record_number(
            v.get("record_number")
        )
    result.card = numbers["card_number"][:20]
    result.record = f"{numbers['record_number']} {numbers['record_province']}".strip()[:20]
    result.citizen = numbers["citizen_id"][:20]
    data = RecordData(
        sex=parse_sex(v.get("sex")),
        birth_date=dates["birth_date"],
        theory_level=parse_theory_level(v.get("theory_level")),
        **text,
        **numbers,
    )
    try:
        data = clean_record(data)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            for message in messages:
                result.fail(name, message)
    if dates["admission_date"] is None and "admission_date" not in {m[0] for m in result.messages}:
        result.fail("admission_date", _("The date of admission (Ngày vào Đảng) is required."))
    cell = _row_cell(ctx, v, result)
    if result.status == RowStatus.ERROR:
        return None
    return data, dates, cell


def _row_cell(ctx: ImportContext, values: dict[str, Any], result: RowResult) -> OrgUnit | None:
    code = parse_text(values.get("cell_code")).upper()
    name = parse_text(values.get("cell_name"))
    result.cell = (code or name)[:100]
    if code:
        cell = ctx.cells_by_code.get(code)
        if cell is None:
            result.fail("cell", _("Unknown party cell code: %(code)s.") % {"code": code[:40]})
        return cell
    if name:
        found = ctx.cells_by_name.get(_cell_key(name), [])
        if len(found) == 1:
            return found[0]
        if found:
            result.fail("cell", _("Several cells have this name: give the cell code."))
        else:
            result.fail("cell", _("Unknown party cell: %(name)s.") % {"name": name[:80]})
        return None
    if ctx.unit.kind in MEMBER_UNIT_KINDS:
        return ctx.unit
    result.fail("cell", _("Give the party cell of this row."))
    return None


_COMPARE = (*RECORD_FIELDS, "cell_id", *_DATE_FIELDS)
# The text columns' lengths: the one check of ``full_clean`` that ``clean_record`` leaves out.
_LIMITS = tuple(
    (f.name, f.max_length)
    for f in Member._meta.get_fields()
    if isinstance(f, CharField) and f.max_length and f.name in {*RECORD_FIELDS, "sort_key"}
)


def _existing(
    ctx: ImportContext, parsed: dict[int, tuple[Any, ...]]
) -> tuple[list[dict[str, Any]], dict[tuple[str, dt.date], list[dict[str, Any]]]]:
    """Members holding the rows' numbers (anywhere), and those of the subtree by name + birth.

    Two queries per chunk, unscoped for the numbers: they are unique in the whole party.
    """
    cards, records, citizens, names = set(), set(), set(), set()
    for data, _dates, _cell in parsed.values():
        if data.card_number:
            cards.add(data.card_number)
        if data.record_number:
            records.add(data.record_number)
        if data.citizen_id:
            citizens.add(data.citizen_id)
        names.add(fold(data.full_name))
    wanted = ("id", "cell__path", "search_name", *_COMPARE)
    condition = (
        Q(card_number__any_of=cards)
        | Q(record_number__any_of=records)
        | Q(citizen_id__any_of=citizens)
    )
    holders = list(Member._base_manager.filter(condition).values(*wanted)) if parsed else []
    by_name: dict[tuple[str, dt.date], list[dict[str, Any]]] = defaultdict(list)
    if names:
        # Visible to the importer: the subtree is where they may change members.
        same_names = Member._base_manager.filter(
            cell__path__startswith=ctx.unit.path, search_name__any_of=names
        ).values(*wanted)
        for row in same_names:
            if row["birth_date"] is not None:
                by_name[(row["search_name"], row["birth_date"])].append(row)
    return holders, by_name


def _match(
    ctx: ImportContext,
    data: RecordData,
    holders: list[dict[str, Any]],
    by_name: dict[tuple[str, dt.date], list[dict[str, Any]]],
) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    """The subtree's member this row is about, or the numbers other members already hold."""
    inside = [h for h in holders if h["cell__path"].startswith(ctx.unit.path)]
    keys: list[Callable[[dict[str, Any]], bool]] = [
        lambda h: bool(data.card_number) and h["card_number"] == data.card_number,
        lambda h: (
            bool(data.record_number)
            and (h["record_number"], h["record_province"])
            == (data.record_number, data.record_province)
        ),
        lambda h: bool(data.citizen_id) and h["citizen_id"] == data.citizen_id,
    ]
    match = next((h for key in keys for h in inside if key(h)), None)
    if match is None and data.birth_date is not None:
        same = by_name.get((fold(data.full_name), data.birth_date), [])
        match = same[0] if len(same) == 1 else None
    taken: list[tuple[str, str]] = []
    others = [h for h in holders if match is None or h["id"] != match["id"]]
    if any(keys[0](h) for h in others):
        taken.append(("card_number", _("Another member already has this party card number.")))
    if any(keys[1](h) for h in others):
        taken.append(("record_number", _("Another member already has this record number.")))
    if any(keys[2](h) for h in others):
        taken.append(("citizen_id", _("Another member already has this citizen ID number.")))
    return match, taken


def _differences(
    ctx: ImportContext,
    data: RecordData,
    dates: dict[str, dt.date | None],
    cell: OrgUnit,
    member: dict[str, Any],
) -> list[str]:
    """Names of the fields the file gives otherwise than the register."""
    given = dict(record_values(data), cell_id=cell.pk, **{k: dates[k] for k in _DATE_FIELDS})
    columns = set(ctx.columns) | {"cell_id"}
    if "record_number" in columns:
        columns.add("record_province")
    differ = []
    for name in _COMPARE:
        if name not in columns:
            continue
        value = given[name]
        if value != member[name]:
            differ.append(name)
    return differ


def _label(name: str) -> str:
    model_field = "cell" if name == "cell_id" else name
    return str(getattr(Member._meta.get_field(model_field), "verbose_name", name))


_new_member = Instances(Member)


def _plan(
    ctx: ImportContext,
    actor: Any,
    data: RecordData,
    dates: dict[str, dt.date | None],
    cell: OrgUnit,
    result: RowResult,
) -> None:
    """The member and events to write, checked by the lifecycle rules; or errors."""
    values = {**record_values(data), **member_names(data.full_name)}
    member = _new_member(cell_id=cell.pk, **values)
    member.cell = cell
    admission = dates["admission_date"]
    assert admission is not None
    steps = [
        ("admission_date", EventKind.ADMISSION, admission),
        ("ceremony_date", EventKind.CEREMONY, dates["ceremony_date"] or admission),
    ]
    if dates["recognition_date"] is not None:
        steps.append(("recognition_date", EventKind.RECOGNITION, dates["recognition_date"]))
    events: list[EventRow] = []
    created_by = actor.pk if getattr(actor, "is_authenticated", False) else None
    for field_name, kind, day in steps:
        try:
            validate_event(member, events, EventData(kind=kind, date=day), ctx.today)
        except ValidationError as error:
            for message in error.messages:
                result.fail(field_name, message)
            return
        events.append(EventRow(kind=kind, date=day, cell_id=cell.pk, created_by_id=created_by))
    for name, value in derived_columns(events, today=ctx.today).items():
        setattr(member, name, value)
    for name, limit in _LIMITS:
        value = getattr(member, name)
        if len(value) > limit:
            # Django's own message; the formats and choices were checked by clean_record.
            try:
                MaxLengthValidator(limit)(value)
            except ValidationError as error:
                result.fail(name, error.messages[0])
    if result.status == RowStatus.ERROR:
        return
    result.plan = (member, events)


def rows_check(ctx: ImportContext, rows: Sequence[RawRow], *, actor: Any = None) -> list[RowResult]:
    """Check one chunk of rows (a few queries whatever its size); nothing is written.

    Numbers repeated within the file are found afterwards, over all rows: ``rows_finish``.
    """
    results = [RowResult(row=raw.number) for raw in rows]
    parsed: dict[int, tuple[Any, ...]] = {}
    for index, raw in enumerate(rows):
        found = _parse_row(ctx, raw, results[index])
        if found is not None:
            parsed[index] = found
    holders, by_name = _existing(ctx, parsed)
    for index, (data, dates, cell) in parsed.items():
        result = results[index]
        match, taken = _match(ctx, data, holders, by_name)
        if match is not None:
            differ = _differences(ctx, data, dates, cell, match)
            result.member_id = match["id"]
            result.status = RowStatus.DIFFERS if differ else RowStatus.UNCHANGED
            if differ:
                labels = ", ".join(_label(name) for name in differ)
                result.messages.append(
                    ["", _("Differs from the register: %(fields)s.") % {"fields": labels}]
                )
            continue
        for name, message in taken:
            result.fail(name, message)
        if result.status != RowStatus.ERROR:
            _plan(ctx, actor, data, dates, cell, result)
    return results


def rows_finish(results: list[RowResult]) -> list[RowResult]:
    """Mark every row whose card, record or citizen ID number is also on another row."""
    checks = (
        ("card_number", "card", _("The party card number %(n)s is also on row %(rows)s.")),
        ("record_number", "record", _("The record number %(n)s is also on row %(rows)s.")),
        ("citizen_id", "citizen", _("The citizen ID number %(n)s is also on row %(rows)s.")),
    )
    for field_name, attr, text in checks:
        rows_of: dict[str, list[int]] = defaultdict(list)
        for result in results:
            value = getattr(result, attr)
            if value:
                rows_of[value].append(result.row)
        for result in results:
            value = getattr(result, attr)
            if value and len(rows_of[value]) > 1:
                others = ", ".join(str(r) for r in rows_of[value] if r != result.row)
                result.fail(field_name, text % {"n": value, "rows": others})
    return results


def rows_check_all(
    ctx: ImportContext,
    rows: Sequence[RawRow],
    *,
    actor: Any = None,
    progress: Callable[[int], None] | None = None,
) -> list[RowResult]:
    results: list[RowResult] = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        results += rows_check(ctx, chunk, actor=actor)
        if progress is not None:
            progress(len(chunk))
    return rows_finish(results)


# --- Writing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportOutcome:
    results: list[RowResult]
    committed: bool

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(RowStatus.values, 0)
        for result in self.results:
            counts[result.status] += 1
        return counts


# The audit entry of an imported member, written in bulk (see chibo.core.bulk).
_AUDIT_COLUMNS = (
    "created_at",
    "actor",
    "actor_name",
    "action",
    "unit",
    "member",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
)


def _write(actor: Any, unit: OrgUnit, planned: list[RowResult], filename: str) -> int:
    members = [r.plan[0] for r in planned if r.plan]
    now = timezone.now()
    for member in members:
        member.updated_at = now
    insert_objects(Member, members)
    paths = dict(
        OrgUnit._base_manager.filter(pk__in={m.cell_id for m in members}).values_list("pk", "path")
    )
    name_index_insert((m.pk, m.search_name, m.sort_key, paths[m.cell_id]) for m in members)
    events = []
    for result in planned:
        assert result.plan is not None
        member, member_events = result.plan
        for event in member_events:
            event.member_id = member.pk
            events.append(event)
        result.status = RowStatus.CREATED
        result.member_id = member.pk
        result.plan = None
    events_insert(events, batch=CHUNK)
    if events:
        # The reports' rollup of the cells the new members came into, from their first event.
        from chibo.reports import rollup  # the rollup reads the members' modules

        cells = {e.cell_id for e in events} | {e.other_cell_id for e in events}
        rollup.member_changed(cells, min(e.date for e in events))
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    actor_name = str(actor_obj)[:150] if actor_obj else "system"
    entries = (
        (
            now,
            actor_obj.pk if actor_obj else None,
            actor_name,
            "member.imported",
            member.cell_id,
            member.pk,
            Member._meta.label_lower,
            str(member.pk),
            str(member)[:200],
            {**diff({}, snapshot(member, _AUDITED)), "file": [None, filename]},
        )
        for member in members
    )
    insert_values(AuditEntry, _AUDIT_COLUMNS, entries, batch=CHUNK)
    return len(members)


def import_commit(
    *,
    actor: Any,
    unit: OrgUnit,
    rows: Sequence[RawRow],
    columns: Iterable[str],
    mode: str,
    filename: str = "",
    progress: Callable[[int], None] | None = None,
) -> ImportOutcome:
    """Check every row again and write, in one transaction, as ``mode`` says.

    ``valid_rows``: the new valid rows are added, the others left out. ``all_or_nothing``:
    nothing is written when any row has an error. Rows already on the register are never
    changed (see the module's docstring).
    """
    if mode not in ImportMode.values:
        raise ValidationError(_("Choose how to import."), code="invalid_mode")
    check_columns(unit=unit, columns=columns)
    try:
        with transaction.atomic():
            ctx = import_context(unit=unit, columns=columns)
            results = rows_check_all(ctx, rows, actor=actor, progress=progress)
            errors = sum(r.status == RowStatus.ERROR for r in results)
            if mode == ImportMode.ALL_OR_NOTHING and errors:
                return ImportOutcome(results=results, committed=False)
            planned = [r for r in results if r.status == RowStatus.NEW]
            created = _write(actor, unit, planned, filename)
            if not created:
                return ImportOutcome(results=results, committed=True)
            audit_record(
                actor=actor,
                action="exchange.members_imported",
                obj=unit,
                unit=unit,
                changes={
                    "file": [None, filename],
                    "mode": [None, mode],
                    "created": [None, created],
                    "errors": [None, errors],
                },
            )
    except IntegrityError as exc:
        raise ValidationError(
            _("Someone added members with the same numbers at the same time: import again."),
            code="conflict",
        ) from exc
    return ImportOutcome(results=results, committed=True)


def import_file_read(*, unit: OrgUnit, stream: IO[bytes], filename: str, size: int | None) -> Any:
    """Read an uploaded file for ``unit``; ``ValidationError`` when it cannot be imported."""
    table = read_table(stream, filename, size=size)
    check_columns(unit=unit, columns=table.columns)
    return table


# --- Import jobs (the web page's upload, checked a chunk per request) -----------------------

JOB_CHUNK = 500


def import_job_create(
    *, actor: Any, unit: OrgUnit, stream: IO[bytes], filename: str, size: int | None
) -> ImportJob:
    table = import_file_read(unit=unit, stream=stream, filename=filename, size=size)
    return ImportJob.objects.create(
        unit=unit,
        created_by=actor,
        filename=nfc(filename)[:200],
        columns=list(table.columns),
        rows=[[row.number, row.values] for row in table.rows],
        total_rows=len(table.rows),
    )


def _job_rows(job: ImportJob) -> list[RawRow]:
    return [RawRow(number=number, values=values) for number, values in job.rows]


def import_job_step(*, actor: Any, job: ImportJob, chunk: int | None = None) -> ImportJob:
    """Check the next ``chunk`` rows of the job; once all are checked, it is ready."""
    if job.status != JobStatus.CHECKING:
        return job
    chunk = chunk or JOB_CHUNK
    start = job.processed_rows
    rows = _job_rows(job)[start : start + chunk]
    ctx = import_context(unit=job.unit, columns=job.columns)
    job.results = [*job.results, *(r.to_json() for r in rows_check(ctx, rows, actor=actor))]
    job.processed_rows = start + len(rows)
    if job.processed_rows >= job.total_rows:
        finished = rows_finish([RowResult.from_json(r) for r in job.results])
        job.results = [r.to_json() for r in finished]
        job.status = JobStatus.READY
    job.save(update_fields=["results", "processed_rows", "status"])
    return job


def import_job_commit(*, actor: Any, job: ImportJob, mode: str) -> ImportOutcome:
    """Import a checked job (rows are checked again inside the transaction)."""
    if job.status != JobStatus.READY:
        raise ValidationError(_("This file has already been imported."), code="not_ready")
    outcome = import_commit(
        actor=actor,
        unit=job.unit,
        rows=_job_rows(job),
        columns=job.columns,
        mode=mode,
        filename=job.filename,
    )
    job.results = [r.to_json() for r in outcome.results]
    job.mode = mode
    job.status = JobStatus.COMMITTED if outcome.committed else JobStatus.REFUSED
    job.committed_at = timezone.now()
    job.rows = []  # the file's personal data is not kept once imported
    job.save(update_fields=["results", "mode", "status", "committed_at", "rows"])
    return outcome


# --- Quarterly register snapshots -----------------------------------------------------------


def quarter_of(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def register_snapshot_rows(*, unit: OrgUnit) -> list[list[Any]]:
    """``[member id, name, cell code, status, card number]`` of the unit's register (1 query)."""
    members = (
        Member.objects.filter(cell__path__startswith=unit.path, status__in=ACTIVE_STATUSES)
        .order_by("sort_key", "id")
        .values_list("id", "full_name", "cell__code", "status", "card_number")
    )
    return [list(row) for row in members]


@transaction.atomic
def register_snapshot_save(*, actor: Any, unit: OrgUnit, day: dt.date | None = None) -> Any:
    """Save the register as it is now for the current quarter (replacing that quarter's)."""
    year, quarter = quarter_of(day or timezone.localdate())
    snapshot_obj, _created = RegisterSnapshot.objects.update_or_create(
        unit=unit,
        year=year,
        quarter=quarter,
        defaults={
            "rows": register_snapshot_rows(unit=unit),
            "created_by": actor if getattr(actor, "is_authenticated", False) else None,
            "created_at": timezone.now(),
        },
    )
    audit_record(
        actor=actor,
        action="exchange.register_snapshot",
        obj=snapshot_obj,
        unit=unit,
        changes={"quarter": [None, f"{quarter}/{year}"], "members": [None, len(snapshot_obj.rows)]},
    )
    return snapshot_obj


def register_export(*, actor: Any, unit: OrgUnit, target: IO[bytes]) -> int:
    """Write the unit's register as XLSX to ``target`` and record who exported it."""
    parent_path = unit.path[: -unit.steplen]
    # The heading names the unit's direct parent, as the printed form does, even where the
    # user's scope stops at the unit (a cell secretary's register names their commune).
    parent = OrgUnit._base_manager.filter(path=parent_path).values_list("name", flat=True).first()
    heading = RegisterHeading(
        parent_name=parent or "", unit_name=unit.name, place="……", day=timezone.localdate()
    )
    count = write_register(target, heading, register_rows(unit=unit))
    audit_record(
        actor=actor,
        action="exchange.register_exported",
        obj=unit,
        unit=unit,
        changes={"members": [None, count]},
    )
    return count
