"""The demo's reports (issue 6; decision 0013): the monthly rollup of its cells, filled at the
end of the seed, and the targets its province and demo commune have set.

The seed writes its rows in bulk, without the services that keep the rollup in step, so it
computes the rollup itself, as ``rollup.rebuild`` does, for the demo province's cells only (a
``--scale`` province next to it is left alone). The targets go through ``target_create``, like
a committee's, with their audit entries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.urls import reverse

from chibo.core.vietnamese import nfc
from chibo.demo.meetings.cells import window
from chibo.members.lifecycle import MEMBER_UNIT_KINDS
from chibo.orgunits.models import OrgUnit
from chibo.reports import rollup
from chibo.reports.models import CellMonth, Indicator, Target
from chibo.reports.services import TargetData, target_create

__all__ = ["dashboard_paths", "delete_reports", "fill_rollup", "reports_since", "seed_targets"]


def reports_since(today: dt.date) -> dt.date:
    """The first month of the demo's reports: the first month of its meetings' history.

    A province starts its reports when it starts using Chibo (``CHIBO_REPORTS_START``); before
    that, Chibo knows no meeting of any cell, and rows for those months would show every cell
    as never meeting. The demo's history starts 12 months before the seed, so its rollup does
    too (a later ``reports_rollup --rebuild`` writes from ``CHIBO_REPORTS_START`` again)."""
    return max(window(today)[0], rollup.reports_start())


def fill_rollup(root: OrgUnit, *, today: dt.date) -> int:
    """Write the rollup rows of every cell under ``root``, from ``reports_since(today)`` to
    ``today``'s month, ``rollup.BATCH_CELLS`` cells at a time. Returns the number of rows."""
    since = reports_since(today)
    ids = list(
        OrgUnit._base_manager.filter(path__startswith=root.path, kind__in=MEMBER_UNIT_KINDS)
        .order_by("path")
        .values_list("pk", flat=True)
    )
    batch = rollup.BATCH_CELLS
    return sum(
        rollup.refresh(ids[start : start + batch], since, today=today)
        for start in range(0, len(ids), batch)
    )


@dataclass(frozen=True)
class DemoTarget:
    indicator: str
    value: str  # a percentage
    until_next_year: bool  # by the end of the next year, or of this one
    note: str


PROVINCE_TARGETS = (
    DemoTarget(
        Indicator.ON_FIXED_DAY,
        "90",
        True,
        "90% chi bộ sinh hoạt thường kỳ đúng ngày cố định hằng tháng (Chỉ thị 50-CT/TW)",
    ),
    DemoTarget(
        Indicator.HELD, "100", False, "100% chi bộ duy trì sinh hoạt thường kỳ đủ 12 kỳ/năm"
    ),
)
COMMUNE_TARGETS = (
    DemoTarget(
        Indicator.ATTENDANCE, "90", False, "Tỷ lệ đảng viên dự sinh hoạt chi bộ đạt từ 90% trở lên"
    ),
    DemoTarget(
        Indicator.LOCKED_ON_TIME,
        "95",
        False,
        "Biên bản sinh hoạt chi bộ hoàn thành, khóa trong 7 ngày sau kỳ họp",
    ),
)


def seed_targets(root: OrgUnit, commune: OrgUnit, *, as_of: dt.date) -> int:
    """The province's and the demo commune's targets for ``as_of``'s year (the province's first
    one by the end of the next year). Returns how many."""
    start = dt.date(as_of.year, 1, 1)
    count = 0
    for unit, targets in ((root, PROVINCE_TARGETS), (commune, COMMUNE_TARGETS)):
        for target in targets:
            year = as_of.year + 1 if target.until_next_year else as_of.year
            data = TargetData(
                indicator=target.indicator,
                value=Decimal(target.value),
                start=start,
                deadline=dt.date(year, 12, 31),
                note=nfc(target.note),
            )
            target_create(actor=None, unit=unit, data=data)
            count += 1
    return count


def delete_reports(prefix: str) -> None:
    """The rollup rows and targets of the units under ``prefix`` (the targets protect their
    units; their audit entries go with the province's)."""
    CellMonth._base_manager.filter(path__startswith=prefix).delete()
    Target._base_manager.filter(unit__path__startswith=prefix).delete()


def dashboard_paths(*units: OrgUnit) -> list[str]:
    """The address of each unit's dashboard."""
    return [reverse("reports:dashboard", args=[unit.pk]) for unit in units]
