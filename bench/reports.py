"""Time the dashboard's reads against hand-written SQL over the rollup, and their growth (issue 6).

    .venv/bin/python bench/reports.py                 # SQLite in a temporary directory
    BENCH_DATABASE_URL=postgres://… .venv/bin/python bench/reports.py              # and PostgreSQL
    BENCH_DATABASE_URL=postgres://… .venv/bin/python bench/reports.py --national   # + 220,000 cells

Each case gets a fresh, migrated database. The data is written directly (bulk SQL, not the
services), for the 12 months of 2025, and read as on 15/01/2026 (the year is over):

- **province**: one province of 100 communes × 100 cells (10,000 cells) and 120,000
  ``CellMonth`` rows with plausible counts (a per-cell propensity to meet, on the fixed day,
  with quality; attendance from the cell's size), written a month at a time (the order rows
  have on disk in service) by an ``INSERT … SELECT`` from a hash of (cell, month): the same
  numbers on SQLite and PostgreSQL.
- **national** (PostgreSQL only, ``--national``): 34 provinces × 98 communes × 66 cells
  (219,912 cells, 2.6 million rows), read from the whole tree (a national user's view, by
  province) and from one province.
- **growth**: a smaller province (10 communes × 100 cells) with real meetings (12 regular
  meetings a cell, minutes locked) and roll calls of 20 members a cell (240,000 attendance
  rows), the rollup built by ``rollup.rebuild()``; then 180 more members a cell with their
  roll lines (attendance × 10, same cells), the rollup rebuilt again.

Timed, the median of ``--repeat`` rounds after a warm-up, each round running the dashboard's
three reads and the references one after the other (so all see the same machine):

- the **dashboard's reads**: ``indicators.breakdown`` (by child unit), ``monthly_trend`` and
  ``quality_distribution`` of the unit over the year;
- the **reference**: hand-written SQL over the rollup giving the same answers (checked equal,
  figure by figure, before timing): one query per read, the cells grouped once by their path
  and once by their id, the faster of the two counting.

Targets: the dashboard within 2× the reference; after attendance × 10, the dashboard within
1.2× of its time before (it never reads attendance; the same hand-written SQL, timed in the
same rounds, shows how much the machine's load moved between the two phases).
``rollup.rebuild()`` is timed on the growth data (information: rows per second).

BENCH_DATABASE_URL must name a throwaway database: its ``public`` schema is dropped first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seed import PYTHON, ROOT, empty_postgres, run

YEAR = 2025
TODAY = dt.date(YEAR + 1, 1, 15)  # the year is over: every month of it counts in full
MONTHS = [dt.date(YEAR, m, 1) for m in range(1, 13)]
REPEAT = 9
GROWTH_MEMBERS = 20  # members a cell before; × 10 after
STEP = 4


# --- Building the data -------------------------------------------------------------------------
def _step(n: int) -> str:
    """Treebeard's path step for the n-th child (base 36, 4 characters)."""
    alphabet, digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", ""
    while n:
        n, r = divmod(n, 36)
        digits = alphabet[r] + digits
    return digits.rjust(STEP, "0")


def build_tree(provinces: int, communes: int, cells: int, *, first: int = 1) -> list[str]:
    """Provinces → communes → cells, written with one bulk insert; returns the provinces'
    paths."""
    from chibo.core.bulk import insert_values
    from chibo.orgunits.models import OrgUnit, UnitKind

    fields = ("path", "depth", "numchild", "kind", "name", "code", "sort_key", "search_name")
    rows: list[tuple[Any, ...]] = []
    roots = []
    for p in range(first, first + provinces):
        root = _step(p)
        roots.append(root)
        rows.append((root, 1, communes, UnitKind.PROVINCE, f"Tỉnh {p}", f"P{p:02d}", root, ""))
        for c in range(1, communes + 1):
            commune = root + _step(c)
            code = f"P{p:02d}C{c:03d}"
            rows.append((commune, 2, cells, UnitKind.COMMUNE, f"Xã {c}", code, commune, ""))
            rows.extend(
                (commune + _step(k), 3, 0, UnitKind.CELL, f"Chi bộ {k}", f"{code}K{k:03d}",
                 commune + _step(k), "")
                for k in range(1, cells + 1)
            )  # fmt: skip
    insert_values(OrgUnit, fields, rows)
    return roots


def _u(k: int) -> str:
    """A pseudo-random integer 0..1000 from the row's seed: two rounds of a multiplicative
    hash, in 64-bit integers, so SQLite and PostgreSQL give the same numbers."""
    return (
        f"((((seed * 2654435761 + {k * 97531}) %% 4294967296) * 1103515245 + 12345)"
        " %% 4294967296) / 4294967"
    )


def rollup_sql() -> str:
    """One ``INSERT … SELECT`` writing one month (parameters: the time of writing, the
    month's index and first day) of every cell."""
    draws = ", ".join(f"{_u(k)} AS u{k}" for k in range(1, 16))
    base = (
        "SELECT cell_id, path, month, "  # noqa: S608 - ours, no user input
        # The cell's size and habits, the same every month.
        "10 + (cell_id * 37) %% 50 AS official, (cell_id * 11) %% 4 AS probationary, "
        "(cell_id * 7) %% 3 AS exempt, CASE WHEN cell_id %% 4 = 0 THEN 1 ELSE 0 END AS away, "
        "880 + (cell_id * 17) %% 121 AS p_held, 550 + (cell_id * 13) %% 451 AS p_fixed, "
        "(cell_id * 29) %% 1001 AS p_quality, "
        f"{draws} FROM (SELECT c.id AS cell_id, c.path AS path, m.month AS month, "
        "c.id * 12 + m.mi AS seed FROM orgunits_orgunit c "
        "CROSS JOIN (SELECT %s AS mi, %s AS month) AS m WHERE c.kind = 'cell') AS seeded"
    )
    held = (
        "SELECT *, CASE WHEN u1 < p_held THEN 1 ELSE 0 END AS regular, "  # noqa: S608 - ours
        "CASE WHEN u1 < p_held AND u2 < p_fixed THEN 1 ELSE 0 END AS fixed, "
        "CASE WHEN u3 < 380 THEN 1 ELSE 0 END AS thematic, "
        "(CASE WHEN u1 < p_held THEN 1 ELSE 0 END) + (CASE WHEN u3 < 380 AND u4 < 500 THEN 1 "
        "ELSE 0 END) + (CASE WHEN u5 < 40 THEN 1 ELSE 0 END) AS meetings, "
        f"official + probationary - exempt - away AS expected FROM ({base}) AS b"
    )
    attended = (
        "SELECT *, meetings * expected AS required, "  # noqa: S608 - ours
        "meetings * expected * (820 + u9 %% 170) / 1000 AS attended "
        f"FROM ({held}) AS h"
    )
    columns = (
        "cell_id, path, month, regular_held, regular_on_fixed_day, thematic_held, "
        "meetings_held, meetings_quality, minutes_locked, minutes_locked_on_time, "
        "attendance_required, attendance_attended, absent_excused, absent_unexcused, "
        "items_due, items_done, items_done_on_time, members_official, members_probationary, "
        "members_exempt, members_away, items_overdue, removal_review, probation_overdue, "
        "transfers_overdue, updated_at"
    )
    sql = (
        f"INSERT INTO reports_cellmonth ({columns}) SELECT cell_id, path, month, regular, "  # noqa: S608 - ours
        "fixed, thematic, meetings, CASE WHEN u6 < p_quality THEN meetings ELSE 0 END, "
        "CASE WHEN u7 < 930 THEN meetings ELSE 0 END, "
        "CASE WHEN u7 < 930 AND u8 < 780 THEN meetings ELSE 0 END, required, attended, "
        "(required - attended) * u10 / 1000, "
        "required - attended - (required - attended) * u10 / 1000, "
        "u11 %% 5, CASE WHEN u12 < 800 THEN u11 %% 5 ELSE 0 END, "
        "CASE WHEN u12 < 600 THEN u11 %% 5 ELSE 0 END, official, probationary, exempt, away, "
        "CASE WHEN u13 < 200 THEN 1 + u13 %% 3 ELSE 0 END, "
        "CASE WHEN u14 < 15 THEN 1 ELSE 0 END, CASE WHEN u14 > 990 THEN 1 ELSE 0 END, "
        "CASE WHEN u15 < 10 THEN 1 ELSE 0 END, %s "
        f"FROM ({attended}) AS a"
    )
    return sql


def fill_rollup(progress: bool = False) -> int:
    """The 12 months of every cell, a month at a time: rows lie in the table month by month,
    as the nightly job and the services leave them in service (not cell by cell, which would
    make every cell's months neighbours on disk)."""
    from django.db import connection, transaction
    from django.utils import timezone

    sql = rollup_sql()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    written = 0
    for i, month in enumerate(MONTHS):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [now, i, connection.ops.adapt_datefield_value(month)])
            written += cursor.rowcount
        if progress:
            print(f"  rollup of {month:%m/%Y}: {written:,} rows", file=sys.stderr)
    return written


def analyze() -> None:
    """Planner statistics and (PostgreSQL) the visibility map, as autovacuum leaves a
    database in service: right after a bulk load PostgreSQL has neither."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


# --- The reference: hand-written SQL over the rollup --------------------------------------------
# Each per-cell query is written two ways, the cells grouped by their path (unique per cell,
# the first column of the rollup's index) or by their id (a narrower key, its own index);
# which is faster depends on the database and the plan, and the reference is the faster.
GROUPINGS = ("path", "cell_id")


def _per_cell(group: str) -> tuple[str, str]:
    """The select list's path and the GROUP BY of the per-cell query."""
    return ("path", "path") if group == "path" else ("MIN(path) AS path", "cell_id")


def reference_breakdown(cursor: Any, path: str, adapt: Callable, group: str) -> dict:
    """Per child unit, the same figures as ``breakdown``: the cells' sums over the year,
    then summed by the child's path prefix."""
    from chibo.reports.models import FLOW_FIELDS, STOCK_FIELDS

    ends = [*MONTHS[3::3], dt.date(YEAR + 1, 1, 1)]
    quarters = list(zip(MONTHS[::3], ends, strict=True))
    last = MONTHS[-1]
    flows = ", ".join(f"SUM({f}) AS {f}" for f in _flows(FLOW_FIELDS))
    stocks = ", ".join(
        f"SUM(CASE WHEN month = %s THEN {f} ELSE 0 END) AS {f}" for f in STOCK_FIELDS
    )
    due = " + ".join(
        "MAX(CASE WHEN month >= %s AND month < %s THEN 1 ELSE 0 END)" for _q in quarters
    )
    held = " + ".join(
        "MAX(CASE WHEN thematic_held > 0 AND month >= %s AND month < %s THEN 1 ELSE 0 END)"
        for _q in quarters
    )
    outer = ", ".join(
        f"SUM({f})" for f in ("n", "due", "held_q", *_flows(FLOW_FIELDS), *STOCK_FIELDS)
    )
    select, group_by = _per_cell(group)
    child = f"SUBSTR(path, 1, {len(path) + STEP})"
    sql = (
        f"SELECT {child}, COUNT(*), {outer}, "  # noqa: S608 - ours, no user input
        "SUM(CASE WHEN regular_held >= n THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN regular_on_fixed_day >= n THEN 1 ELSE 0 END) FROM ("
        f"SELECT {select}, SUM(regular_due) AS n, {flows}, {stocks}, "
        f"({due}) AS due, ({held}) AS held_q "
        "FROM reports_cellmonth WHERE path >= %s AND path < %s AND month >= %s AND month <= %s "
        f"GROUP BY {group_by}) AS per_cell GROUP BY {child}"
    )
    bounds = [adapt(d) for q in quarters for d in q]
    params = [adapt(last)] * len(STOCK_FIELDS) + bounds + bounds
    params += [path, path + "~", adapt(MONTHS[0]), adapt(last)]
    cursor.execute(sql, params)
    names = (
        "cells",
        "cell_months",
        "thematic_quarters_due",
        "thematic_quarters_held",
        *_flows(FLOW_FIELDS),
        *STOCK_FIELDS,
        "cells_every_held",
        "cells_every_on_fixed_day",
    )
    return {
        child: dict(zip(names, (int(v) for v in values), strict=True))
        for child, *values in cursor.fetchall()
    }


def _flows(names: tuple[str, ...]) -> tuple[str, ...]:
    """The flows but ``regular_due``, which the dashboards read as the meetings due."""
    return tuple(f for f in names if f != "regular_due")


def reference_trend(cursor: Any, path: str, adapt: Callable, group: str) -> list:
    cursor.execute(
        "SELECT month, SUM(regular_due), SUM(regular_held), SUM(regular_on_fixed_day), "
        "SUM(attendance_required), SUM(attendance_attended) FROM reports_cellmonth "
        "WHERE path >= %s AND path < %s AND month >= %s AND month <= %s "
        "GROUP BY month ORDER BY month",
        [path, path + "~", adapt(MONTHS[0]), adapt(MONTHS[-1])],
    )
    return [(str(month)[:10], *(int(v) for v in rest)) for month, *rest in cursor.fetchall()]


def reference_quality(cursor: Any, path: str, adapt: Callable, group: str) -> dict:
    _select, group_by = _per_cell(group)
    cursor.execute(
        "SELECT CASE WHEN held = 0 THEN 'none' WHEN quality = 0 THEN '0' "  # noqa: S608 - ours
        "WHEN quality * 100 < held * 50 THEN '1-49' WHEN quality * 100 < held * 80 THEN '50-79' "
        "WHEN quality < held THEN '80-99' ELSE '100' END, COUNT(*) FROM ("
        "SELECT SUM(meetings_held) AS held, SUM(meetings_quality) AS quality "
        "FROM reports_cellmonth WHERE path >= %s AND path < %s AND month >= %s AND month <= %s "
        f"GROUP BY {group_by}) AS per_cell GROUP BY 1",
        [path, path + "~", adapt(MONTHS[0]), adapt(MONTHS[-1])],
    )
    return {band: int(n) for band, n in cursor.fetchall()}


# --- Timing --------------------------------------------------------------------------------------
def _rounds(steps: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Median ms of each step over ``repeat`` rounds (steps interleaved), after a warm-up."""
    for step in steps.values():
        step()
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(repeat):
        for name, step in steps.items():
            started = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(found) * 1000 for name, found in times.items()}


def dashboard_vs_reference(unit: Any, label: str, repeat: int) -> None:
    """Time the three reads against the reference, check they agree, print a table."""
    from dataclasses import asdict

    from django.db import connection

    from chibo.reports import indicators

    period = indicators.Period.year(YEAR)
    adapt = connection.ops.adapt_datefield_value

    def reference(read: Callable, group: str) -> Callable[[], object]:
        def run_it() -> object:
            with connection.cursor() as cursor:
                return read(cursor, unit.path, adapt, group)

        return run_it

    reads: dict[str, tuple[Callable[[], object], Callable]] = {
        "breakdown": (lambda: indicators.breakdown(unit, period, today=TODAY), reference_breakdown),
        "monthly_trend": (
            lambda: indicators.monthly_trend(unit, period, today=TODAY),
            reference_trend,
        ),
        "quality_distribution": (
            lambda: indicators.quality_distribution(unit, period, today=TODAY),
            reference_quality,
        ),
    }
    groupings = {"breakdown": GROUPINGS, "monthly_trend": ("month",)}
    steps: dict[str, Callable[[], object]] = {}
    for name, (mine, ref) in reads.items():
        steps[name] = mine
        for group in groupings.get(name, GROUPINGS):
            steps[f"{name}/{group}"] = reference(ref, group)

    # Same answers, figure by figure.
    found = indicators.breakdown(unit, period, today=TODAY)
    trend = [
        (p.month.isoformat(), p.cell_months, p.regular_held, p.regular_on_fixed_day,
         p.attendance_required, p.attendance_attended)
        for p in indicators.monthly_trend(unit, period, today=TODAY)
    ]  # fmt: skip
    bands = indicators.quality_distribution(unit, period, today=TODAY)
    answers = {
        "breakdown": {child: asdict(f) for child, f in found.children.items()},
        "monthly_trend": trend,
        "quality_distribution": {band: n for band, n in bands.items() if n},
    }
    for step, run_it in steps.items():
        if "/" in step:
            name = step.split("/")[0]
            assert run_it() == answers[name], f"{step} differs from the dashboard"

    ms = _rounds(steps, repeat)
    total = found.total
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"\n### {connection.vendor}: {label} — {total.cells:,} cells, "
        f"{total.cell_months:,} rollup rows, {len(found.children)} children; "
        f"median of {repeat} rounds; load average {load}; the reference gives the same numbers"
    )
    print(f"(every regular meeting held: {total.every_held_rate:.1%} of cells; attendance "
          f"{total.attendance_rate:.1%}; quality bands {dict(bands)})\n")  # fmt: skip
    print("| read | dashboard ms | reference ms (grouped by) | other grouping ms | × reference |")
    print("|---|---:|---:|---:|---:|")
    mine_all = ref_all = 0.0
    for name in reads:
        refs = sorted(
            (ms[step], step.split("/")[1]) for step in steps if step.startswith(name + "/")
        )
        best, group = refs[0]
        other = f"{refs[1][0]:.1f} ({refs[1][1]})" if len(refs) > 1 else ""
        print(
            f"| `{name}` | {ms[name]:.1f} | {best:.1f} ({group}) | {other} "
            f"| {ms[name] / best:.2f} |"
        )
        mine_all += ms[name]
        ref_all += best
    print(
        f"| **the three reads** | {mine_all:.1f} | {ref_all:.1f} | | **{mine_all / ref_all:.2f}** |"
    )


# --- The cases -----------------------------------------------------------------------------------
def case_province(options: argparse.Namespace) -> None:
    from django.db import connection
    from django_scopes import scopes_disabled

    from chibo.orgunits.models import OrgUnit

    started = time.perf_counter()
    roots = build_tree(1, options.communes, options.cells)
    rows = fill_rollup()
    analyze()
    built = time.perf_counter() - started
    print(f"\n(built {rows:,} rollup rows on {connection.vendor} in {built:.1f} s)")
    with scopes_disabled():
        province = OrgUnit.objects.get(path=roots[0])
    dashboard_vs_reference(province, "a province", options.repeat)


def case_national(options: argparse.Namespace) -> None:
    from django.db import connection
    from django_scopes import scopes_disabled

    from chibo.orgunits.models import OrgUnit

    if connection.vendor != "postgresql":
        raise SystemExit("--national runs on PostgreSQL only")
    started = time.perf_counter()
    roots = build_tree(34, 98, 66)
    tree = time.perf_counter() - started
    rows = fill_rollup(progress=True)
    analyze()
    built = time.perf_counter() - started
    print(f"\n(built the tree in {tree:.1f} s and {rows:,} rollup rows in {built - tree:.1f} s)")
    # A national user's view: the whole tree, by province (no unit above the provinces).
    dashboard_vs_reference(OrgUnit(path="", depth=0), "the whole country", options.repeat)
    with scopes_disabled():
        province = OrgUnit.objects.get(path=roots[len(roots) // 2])
    dashboard_vs_reference(province, "one province of the country", options.repeat)


def _members(cells: Sequence[int], per_cell: int, start: int) -> list[Any]:
    from django.utils import timezone

    from chibo.core.bulk import Instances, insert_objects
    from chibo.members.models import Member, MemberStatus, Sex

    make = Instances(Member)
    now = timezone.now()
    members = [
        make(
            full_name=f"Lò Văn {start + i}", sort_key=f"{start + i:010d}",
            search_name=f"lo van {start + i}", sex=Sex.MALE, status=MemberStatus.OFFICIAL,
            admission_date=dt.date(2010, 5, 4), ceremony_date=dt.date(2010, 5, 24),
            recognition_date=dt.date(2011, 6, 1), state_since=dt.date(2011, 6, 1),
            cell_id=cell, version=1, updated_at=now,
        )
        for cell in cells
        for i in range(per_cell)
    ]  # fmt: skip
    insert_objects(Member, members)
    return members


def _meetings(cells: Sequence[int]) -> dict[int, list[int]]:
    """12 regular meetings a cell, held and locked; 4 in 5 on the fixed day."""
    from django.utils import timezone

    from chibo.core.bulk import Instances, insert_objects
    from chibo.meetings.models import Meeting, MeetingKind, MeetingStatus

    make = Instances(Meeting)
    zone = timezone.get_current_timezone()
    now = timezone.now()
    rng = random.Random(6)
    meetings = []
    for cell in cells:
        for month in MONTHS:
            fixed = month.replace(day=5)
            day = fixed if rng.random() < 0.8 else month.replace(day=9)
            start = dt.datetime.combine(day, dt.time(19, 30), zone)
            meetings.append(
                make(
                    cell_id=cell, kind=MeetingKind.REGULAR, status=MeetingStatus.LOCKED,
                    month=month, fixed_date=fixed, planned_date=day, held_start=start,
                    held_end=start + dt.timedelta(minutes=100),
                    includes_thematic=month.month % 3 == 0,
                    locked_at=start + dt.timedelta(days=rng.choice((2, 5, 12))),
                    version=1, created_at=now, updated_at=now,
                )
            )  # fmt: skip
    insert_objects(Meeting, meetings)
    by_cell: dict[int, list[int]] = {}
    for m in meetings:
        by_cell.setdefault(m.cell_id, []).append(m.pk)
    return by_cell


def _roll_lines(meetings: dict[int, list[int]], members: Sequence[Any], seed: int) -> int:
    from django.utils import timezone

    from chibo.core.bulk import insert_values
    from chibo.meetings.models import Attendance

    rng = random.Random(seed)
    categories = ["present"] * 85 + ["late"] * 3 + ["absent_excused"] * 7 + ["absent_unexcused"] * 5
    now = timezone.now()
    by_cell: dict[int, list[int]] = {}
    for m in members:
        by_cell.setdefault(m.cell_id, []).append(m.pk)
    rows = []
    for cell, meeting_ids in meetings.items():
        for meeting in meeting_ids:
            for member, category in zip(
                by_cell[cell], rng.choices(categories, k=len(by_cell[cell])), strict=True
            ):
                reason = "Ốm" if category == "absent_excused" else ""
                rows.append((meeting, member, category, reason, "", "", now))
    fields = ("meeting", "member", "category", "reason", "advance_answer", "advance_reason",
              "recorded_at")  # fmt: skip
    return insert_values(Attendance, fields, rows)


def case_growth(options: argparse.Namespace) -> None:
    from django.db import connection, transaction
    from django_scopes import scopes_disabled

    from chibo.meetings.models import Attendance
    from chibo.orgunits.models import OrgUnit, UnitKind
    from chibo.reports import rollup

    communes = max(1, options.growth_cells // 100)
    roots = build_tree(1, communes, options.growth_cells // communes)
    with scopes_disabled():
        province = OrgUnit.objects.get(path=roots[0])
        cells = list(
            OrgUnit.objects.filter(kind=UnitKind.CELL).order_by("path").values_list("pk", flat=True)
        )
    with transaction.atomic():
        members = _members(cells, GROWTH_MEMBERS, 0)
        meetings = _meetings(cells)
        _roll_lines(meetings, members, 1)

    results = []
    for phase in ("before", "after"):
        if phase == "after":
            started = time.perf_counter()
            with transaction.atomic():
                more = _members(cells, 9 * GROWTH_MEMBERS, len(members))
                _roll_lines(meetings, more, 2)
            print(f"(grew the roll calls in {time.perf_counter() - started:.1f} s)")
        analyze()
        with scopes_disabled():
            lines = Attendance.objects.count()
        started = time.perf_counter()
        written = rollup.rebuild(today=TODAY)
        rebuild = time.perf_counter() - started
        analyze()  # the rollup's statistics, now that it is written
        with scopes_disabled():
            times = _dashboard_times(province, options.repeat)
        results.append((phase, lines, written, rebuild, times))

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"\n### {connection.vendor}: growth — {len(cells):,} cells, 12 meetings each; "
        f"median of {options.repeat} rounds; load average {load}\n"
    )
    print("| attendance rows | dashboard ms (3 reads) | × before | hand-written SQL ms "
          "| × before, relative to it | attendance required in the rollup | rebuild s "
          "| rollup rows/s | attendance rows/s |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    base, base_ref = results[0][4][:2]
    for _phase, lines, written, rebuild, (ms, ref, required) in results:
        print(
            f"| {lines:,} | {ms:.1f} | {ms / base:.2f} | {ref:.1f} "
            f"| {(ms / ref) / (base / base_ref):.2f} | {required:,} | {rebuild:.1f} "
            f"| {written / rebuild:,.0f} | {lines / rebuild:,.0f} |"
        )


def _dashboard_times(unit: Any, repeat: int) -> tuple[float, float, int]:
    """The dashboard's three reads, and the same answers by hand-written SQL over the rollup
    in the same rounds: when the machine's load moves between the two phases, both move."""
    from django.db import connection

    from chibo.reports import indicators

    period = indicators.Period.year(YEAR)
    adapt = connection.ops.adapt_datefield_value

    def reads() -> object:
        found = indicators.breakdown(unit, period, today=TODAY)
        indicators.monthly_trend(unit, period, today=TODAY)
        indicators.quality_distribution(unit, period, today=TODAY)
        return found

    def by_hand() -> None:
        with connection.cursor() as cursor:
            for read in (reference_breakdown, reference_trend, reference_quality):
                read(cursor, unit.path, adapt, "path")

    found = reads()
    assert isinstance(found, indicators.Breakdown)
    ms = _rounds({"dashboard": reads, "reference": by_hand}, repeat)
    return ms["dashboard"], ms["reference"], found.total.attendance_required


CASES = {"province": case_province, "national": case_national, "growth": case_growth}


def measure(options: argparse.Namespace) -> None:
    """Runs in a child process whose environment names the (migrated, empty) database."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    CASES[options.measure](options)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--national", action="store_true", help="also the national case (PostgreSQL, 220k cells)"
    )
    parser.add_argument("--cases", default="province,growth", help="province, growth or both")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--communes", type=int, default=100, help="of the province case")
    parser.add_argument("--cells", type=int, default=100, help="per commune, province case")
    parser.add_argument("--growth-cells", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=REPEAT)
    parser.add_argument("--measure", choices=sorted(CASES), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.measure:
        measure(options)
        return
    url = os.environ.get("BENCH_DATABASE_URL")
    if options.national and not url:
        parser.error("--national needs BENCH_DATABASE_URL (PostgreSQL)")
    cases = [c.strip() for c in options.cases.split(",") if c.strip()]
    cpu = platform.processor() or platform.machine()
    print(f"# Reports benchmark {dt.date.today().isoformat()}: {os.cpu_count()} CPUs, {cpu}")
    base = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-not-secret-" + "x" * 40,
        "PYTHONPATH": str(ROOT),
        "CHIBO_REPORTS_START": f"{YEAR}-01",
    }
    base.pop("DATABASE_REPLICA_URL", None)
    passed = [
        f"--communes={options.communes}",
        f"--cells={options.cells}",
        f"--growth-cells={options.growth_cells}",
        f"--repeat={options.repeat}",
    ]

    def bench(env: dict[str, str], case: str) -> None:
        run("migrate", ["migrate", "--no-input"], env)
        subprocess.run(
            [PYTHON, __file__, "--measure", case, *passed], env=env, cwd=ROOT, check=True
        )

    with tempfile.TemporaryDirectory() as tmp:
        env = {**base, "CHIBO_VAR_DIR": tmp}
        if not options.no_sqlite:
            for case in cases:
                bench({**env, "DATABASE_URL": f"sqlite:///{tmp}/{case}.sqlite3"}, case)
        if url:
            for case in [*cases, *(["national"] if options.national else [])]:
                empty_postgres(url)
                bench({**env, "DATABASE_URL": url}, case)


if __name__ == "__main__":
    main()
