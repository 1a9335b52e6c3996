"""Time saving a 200-member roll call against a single-row insert in the same run (issue 4).

    .venv/bin/python bench/meetings.py                  # SQLite in a temporary directory
    BENCH_DATABASE_URL=postgres://… .venv/bin/python bench/meetings.py   # and PostgreSQL too

A fresh database gets one cell of 200 official members (with their events, as the roll is read
from them) and past meetings. Timed, each the median of ``REPEAT`` runs, inside the cell
secretary's scope as a request would be:

- **first save**: ``attendance_save`` of the whole roll on a meeting with none recorded (200
  rows inserted by one upsert, the roll read in 3 queries, one audit entry);
- **changed re-save**: the same meeting's roll sent again with 40 lines changed (40 rows
  upserted, one audit entry);
- **same roll again**: nothing to write (the idempotent case of the API's ``PUT``);
- the **reference**: one ``Attendance.objects.create`` in its own transaction, through the ORM;
- a second reference: the 200 rows in one ``Attendance.objects.bulk_create`` (one statement),
  what the save would cost with no reading and no checking at all.

The issue's target is a first save within 3× the single-row insert. Ratios move much less
between machines than milliseconds do. BENCH_DATABASE_URL must name a throwaway database: its
``public`` schema is dropped first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seed import PYTHON, ROOT, empty_postgres, run

MEMBERS = 200
CHANGED = 40
REPEAT = 15


def _median_ms(step: Callable[[int], object], repeat: int = REPEAT) -> float:
    """Median over ``repeat`` runs of ``step(i)``, after one warm-up run."""
    step(-1)
    times = []
    for i in range(repeat):
        started = time.perf_counter()
        step(i)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def measure() -> None:
    """Runs in a child process whose environment names the (migrated) database."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from chibo.core.bulk import upsert_values
    from chibo.core.scoping import UnitScope, unit_scope
    from chibo.core.vietnamese import fold, name_sort_key
    from chibo.meetings import services
    from chibo.meetings.models import Attendance, MeetingKind
    from chibo.members.lifecycle import EventRow, derived_columns
    from chibo.members.models import EventKind, Member, MemberEvent, Sex
    from chibo.orgunits.models import UnitKind
    from chibo.orgunits.services import UnitData, unit_create, unit_create_root

    admitted = dt.date(2010, 5, 4)
    with scopes_disabled():  # building the fixture, as a command would
        root = unit_create_root(
            actor=None, data=UnitData("Đảng bộ tỉnh Đo", "B0001", UnitKind.PROVINCE)
        )
        commune = unit_create(
            actor=None, parent=root, data=UnitData("Đảng bộ xã Đo", "B0002", UnitKind.COMMUNE)
        )
        cell = unit_create(
            actor=None, parent=commune, data=UnitData("Chi bộ bản Đo", "B0003", UnitKind.CELL)
        )
        names = [f"Lò Văn Thành {i:03d}" for i in range(MEMBERS)]
        history = [
            EventRow(kind, admitted + dt.timedelta(days=days), cell.pk)
            for kind, days in (
                (EventKind.ADMISSION, 0),
                (EventKind.CEREMONY, 20),
                (EventKind.RECOGNITION, 400),
            )
        ]
        stored = derived_columns(history, today=dt.date(2024, 12, 31))
        members = Member.objects.bulk_create(
            Member(
                full_name=name, sort_key=name_sort_key(name), search_name=fold(name),
                sex=Sex.MALE, birth_date=dt.date(1975, 1, 1), cell=cell, **stored,
            )
            for name in names
        )  # fmt: skip
        MemberEvent.objects.bulk_create(
            MemberEvent(member=m, kind=e.kind, date=e.date, cell=cell)
            for m in members
            for e in history
        )
        first_day = dt.date(2025, 1, 1)
        meetings = [
            services.meeting_create(
                actor=None,
                cell=cell,
                kind=MeetingKind.EXTRAORDINARY,
                planned_date=first_day + dt.timedelta(days=i),
            )
            for i in range(2 * REPEAT + 4)
        ]
    ids = [m.pk for m in members]
    roll_a = [services.RollRow(pk, "present") for pk in ids]
    # Every fifth member changes: present -> absent with reason, and back.
    roll_b = [
        services.RollRow(pk, "absent_excused", "Đi làm ăn xa") if i % 5 == 0 else row
        for i, (pk, row) in enumerate(zip(ids, roll_a, strict=True))
    ]
    assert sum(a != b for a, b in zip(roll_a, roll_b, strict=True)) == CHANGED
    scope = UnitScope.of([cell.path])
    rows: list[tuple[str, float]] = []
    with unit_scope(units=scope, members=scope, audit=scope):

        def insert_one(i: int) -> None:
            with transaction.atomic():
                Attendance.objects.create(
                    meeting=meetings[-1], member_id=ids[i + 1], category="present"
                )

        def insert_roll(i: int) -> None:
            meeting = meetings[REPEAT + 2 + i]
            with transaction.atomic():
                Attendance.objects.bulk_create(
                    Attendance(meeting=meeting, member_id=pk, category="present") for pk in ids
                )

        columns = (
            "meeting",
            "member",
            "category",
            "recorded_at",
            "reason",
            "advance_answer",
            "advance_reason",
        )

        def write_roll(i: int) -> None:
            meeting, now = meetings[REPEAT + 2 + i], timezone.now()
            with transaction.atomic():
                upsert_values(
                    Attendance,
                    columns,
                    [(meeting.pk, pk, "present", now, "", "", "") for pk in ids],
                    unique=("meeting", "member"),
                    update=("category", "recorded_at"),
                )

        def first_save(i: int) -> None:
            services.attendance_save(actor=None, meeting=meetings[i + 1], rows=roll_a)

        resaved = meetings[-2]
        services.attendance_save(actor=None, meeting=resaved, rows=roll_a)

        def changed(i: int) -> None:
            roll = roll_b if i % 2 else roll_a  # each run changes 40 lines
            services.attendance_save(actor=None, meeting=resaved, rows=roll)

        def same(_i: int) -> None:
            services.attendance_save(actor=None, meeting=resaved, rows=roll_b)

        reference = _median_ms(insert_one)
        bulk = _median_ms(insert_roll)
        Attendance.objects.filter(meeting__in=meetings[REPEAT + 1 :]).delete()
        floor = _median_ms(write_roll)
        rows.append(("first save of the roll (200 rows)", _median_ms(first_save)))
        rows.append((f"changed re-save ({CHANGED} of 200 lines)", _median_ms(changed)))
        services.attendance_save(actor=None, meeting=resaved, rows=roll_b)
        rows.append(("same roll again (nothing written)", _median_ms(same)))
        saved = Attendance.objects.filter(meeting=meetings[1]).count()
        assert saved == MEMBERS, saved
    print(f"\n## {connection.vendor} — a cell of {MEMBERS} members, median of {REPEAT} runs")
    print("| operation | median ms | × single-row insert | × 200-row bulk_create | × write floor |")
    print("|---|---:|---:|---:|---:|")
    print(f"| reference: one Attendance.objects.create | {reference:.2f} | 1.0 | | |")
    print(f"| reference: 200 rows, one bulk_create | {bulk:.2f} | {bulk / reference:.1f} | 1.0 | |")
    print(
        f"| reference: 200 rows, one upsert (write floor) | {floor:.2f} | {floor / reference:.1f}"
        f" | {floor / bulk:.1f} | 1.0 |"
    )
    for label, ms in rows:
        print(
            f"| attendance_save: {label} | {ms:.2f} | {ms / reference:.1f} | {ms / bulk:.1f}"
            f" | {ms / floor:.1f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.measure:
        measure()
        return
    cpu = platform.processor() or platform.machine()
    print(f"# Roll-call benchmark: {os.cpu_count()} CPUs, {cpu}")
    base = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-not-secret-" + "x" * 40,
        "PYTHONPATH": str(ROOT),
    }

    def bench(env: dict[str, str]) -> None:
        run("migrate", ["migrate", "--no-input"], env)
        subprocess.run([PYTHON, __file__, "--measure"], env=env, cwd=ROOT, check=True)

    with tempfile.TemporaryDirectory() as tmp:
        env = {**base, "CHIBO_VAR_DIR": tmp}
        bench({**env, "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3"})
        url = os.environ.get("BENCH_DATABASE_URL")
        if url:
            empty_postgres(url)
            bench({**env, "DATABASE_URL": url})


if __name__ == "__main__":
    main()
