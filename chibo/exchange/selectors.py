"""Reads for the exchange pages: the register to export, import jobs, quarterly differences."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.http import Http404

from chibo.core.access import Access
from chibo.core.roles import Cap
from chibo.exchange.models import ImportJob, RegisterSnapshot
from chibo.members.models import ACTIVE_STATUSES, Member, MemberStatus
from chibo.orgunits.models import OrgUnit

_SEX = {"male": "Nam", "female": "Nữ"}
_THEORY = {
    "elementary": "Sơ cấp",
    "intermediate": "Trung cấp",
    "advanced": "Cao cấp",
    "bachelor": "Cử nhân",
}
# The register is an official Vietnamese document: its notes are in Vietnamese whatever the
# language of the person exporting it.
_STATUS = {
    "probationary": "Đảng viên dự bị",
    "official": "Đảng viên chính thức",
    "suspended": "Đình chỉ sinh hoạt",
    "transferred_out": "Đã chuyển sinh hoạt đi",
    "removed": "Đã xóa tên",
    "expelled": "Đã khai trừ",
    "resigned": "Đã xin ra khỏi Đảng",
    "deceased": "Đã từ trần",
}
_FIELDS = (
    "full_name",
    "birth_name",
    "birth_date",
    "sex",
    "ethnicity",
    "religion",
    "home_town",
    "residence",
    "education",
    "profession",
    "theory_level",
    "occupation",
    "admission_date",
    "ceremony_date",
    "recognition_date",
    "card_number",
    "record_number",
    "record_province",
    "status",
    "exempt_from",
    "exempt_until",
    "cell__name",
    "cell__code",
)


def register_rows(*, unit: OrgUnit) -> Iterator[dict[str, Any]]:
    """The unit's register (active members of its subtree) in Vietnamese name order.

    One query, streamed in chunks, so a province's register does not sit in memory.
    """
    members = (
        Member.objects.filter(cell__path__startswith=unit.path, status__in=ACTIVE_STATUSES)
        .order_by("sort_key", "id")
        .values(*_FIELDS)
    )
    for row in members.iterator(chunk_size=2000):
        notes = _STATUS.get(row["status"], "")
        if row["exempt_from"]:
            until = row["exempt_until"]
            notes += "; miễn sinh hoạt" + (f" đến {until:%d/%m/%Y}" if until else "")
        yield {
            **row,
            "sex": _SEX.get(row["sex"], ""),
            "theory_level": _THEORY.get(row["theory_level"], ""),
            "cell_name": row["cell__name"],
            "cell_code": row["cell__code"],
            "notes": notes,
        }


def import_job_get(*, access: Access, pk: object) -> ImportJob:
    """An import job of the user's own, on a unit where they may still change members; or 404."""
    try:
        job = ImportJob.objects.select_related("unit").filter(pk=int(str(pk))).first()
    except (TypeError, ValueError):
        job = None
    if job is None or (job.created_by_id != access.user_id and not access.is_superuser):
        raise Http404
    access.require(Cap.MEMBER_CHANGE, job.unit)
    return job


def import_jobs_recent(*, access: Access, unit: OrgUnit, limit: int = 5) -> list[ImportJob]:
    """The user's latest uploads for this unit (without their rows: they can be large)."""
    return list(
        ImportJob.objects.filter(unit=unit, created_by_id=access.user_id)
        .defer("rows", "results")
        .order_by("-created_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class RegisterLine:
    member_id: int
    name: str
    cell: str
    status: str
    card: str

    @property
    def status_label(self) -> str:
        return str(MemberStatus(self.status).label) if self.status in MemberStatus.values else ""


@dataclass(frozen=True)
class Change:
    line: RegisterLine
    before: RegisterLine | None = None


@dataclass(frozen=True)
class RegisterDiff:
    joined: list[RegisterLine]
    left: list[RegisterLine]
    status_changed: list[Change]
    cell_changed: list[Change]

    @property
    def empty(self) -> bool:
        return not (self.joined or self.left or self.status_changed or self.cell_changed)


def _lines(rows: list[list[Any]]) -> dict[int, RegisterLine]:
    return {int(r[0]): RegisterLine(int(r[0]), r[1], r[2], r[3], r[4] or "") for r in rows}


def register_diff(before: list[list[Any]] | None, after: list[list[Any]]) -> RegisterDiff:
    """Who joined, left, changed status or changed cell between two registers."""
    old, new = _lines(before or []), _lines(after)
    joined = [line for mid, line in new.items() if mid not in old]
    left = [line for mid, line in old.items() if mid not in new]
    both = [(old[mid], line) for mid, line in new.items() if mid in old]
    return RegisterDiff(
        joined=joined,
        left=left,
        status_changed=[Change(b, a) for a, b in both if a.status != b.status],
        cell_changed=[Change(b, a) for a, b in both if a.cell != b.cell],
    )


@dataclass(frozen=True)
class QuarterView:
    snapshot: RegisterSnapshot
    previous: RegisterSnapshot | None
    diff: RegisterDiff


def register_quarters(*, unit: OrgUnit) -> list[QuarterView]:
    """The unit's snapshots, newest first, each with its change from the one before (1 query)."""
    snapshots = list(
        RegisterSnapshot.objects.filter(unit=unit)
        .select_related("created_by")
        .order_by("-year", "-quarter")
    )
    views = []
    for index, snap in enumerate(snapshots):
        previous = snapshots[index + 1] if index + 1 < len(snapshots) else None
        views.append(
            QuarterView(
                snapshot=snap,
                previous=previous,
                diff=register_diff(previous.rows if previous else None, snap.rows),
            )
        )
    return views
