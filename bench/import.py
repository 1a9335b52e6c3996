"""Time importing 10,000 members from XLSX against merely reading the file with openpyxl.

    .venv/bin/python bench/import.py                    # SQLite, in a temporary directory
    BENCH_DATABASE_URL=postgres://… .venv/bin/python bench/import.py   # PostgreSQL instead

Target: the import runs at no less than half the speed of reading the file (ratio ≥ 0.5). Both
are measured in the same run, in one process, on the same file, so the ratio moves much less
than the seconds on a shared machine. The import is timed in its parts: reading the rows
(header detection, cell conversion), checking them (the record and admission rules, a few
queries per 1,000 rows) and writing (members, events and audit entries with ``bulk_create``,
one transaction). ``DEBUG=0`` (in debug mode Django keeps the text of every query).

BENCH_DATABASE_URL must name a throwaway database: its ``public`` schema is dropped first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GIVEN = ["An", "Bình", "Cường", "Dũng", "Hoa", "Lan", "Mai", "Nam", "Phương", "Thảo", "Tú", "Yến"]
MIDDLE = ["Văn", "Thị", "Đức", "Ngọc", "Minh", "A"]
FAMILY = ["Lò", "Tòng", "Vàng", "Giàng", "Nguyễn", "Trần", "Hoàng", "Lường", "Mùa", "Đèo"]
TITLES = [
    "STT", "Họ và tên", "Ngày sinh", "Nam, nữ", "Dân tộc", "Tôn giáo", "Quê quán",
    "Giáo dục phổ thông", "Lý luận chính trị", "Nghề nghiệp", "Ngày vào Đảng", "Ngày chính thức",
    "Số thẻ đảng viên", "Số lý lịch đảng viên", "Mã tỉnh (số lý lịch)", "Mã chi bộ", "Ghi chú",
]  # fmt: skip


def make_file(rows: int, cell_codes: list[str], seed: int = 7) -> bytes:
    """A register of ``rows`` members, as the export writes it (date cells, text numbers)."""
    from openpyxl import Workbook

    rnd = random.Random(seed)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Sổ danh sách đảng viên")
    sheet.append(["ĐẢNG BỘ XÃ THỬ", None, None, None, None, None, None, "ĐẢNG CỘNG SẢN VIỆT NAM"])
    sheet.append(["SỔ DANH SÁCH ĐẢNG VIÊN"])
    sheet.append(TITLES)
    for i in range(rows):
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=rnd.randrange(365 * 50))
        admitted = birth + dt.timedelta(days=365 * 19 + rnd.randrange(365 * 20))
        admitted = min(admitted, dt.date(2024, 1, 1))
        official = admitted + dt.timedelta(days=400) if rnd.random() < 0.9 else None
        name = f"{rnd.choice(FAMILY)} {rnd.choice(MIDDLE)} {rnd.choice(GIVEN)}"
        sheet.append([
            i + 1, name, birth, rnd.choice(["Nam", "Nữ"]), "Thái", "Không", "Lai Châu", "12/12",
            rnd.choice(["Sơ cấp", "Trung cấp", ""]), "Làm ruộng", admitted, official,
            f"{10_000_000 + i:08d}", f"{100_000 + i:06d}", "LC", rnd.choice(cell_codes), "",
        ])  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_only(data: bytes) -> int:
    """The reference: open the workbook with openpyxl and read every cell's value."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    count = 0
    for _row in book.worksheets[0].iter_rows(values_only=True):
        count += 1
    return count


def setup_django(database_url: str | None, workdir: Path) -> None:
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-0123456789-0123456789")
    os.environ["CHIBO_VAR_DIR"] = str(workdir)
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if database_url:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)


def build_units(cells: int) -> tuple[object, list[str]]:
    from django_scopes import scopes_disabled

    from chibo.orgunits.models import UnitKind
    from chibo.orgunits.services import UnitData, unit_create, unit_create_root

    with scopes_disabled():
        province = unit_create_root(
            actor=None, data=UnitData(name="Đảng bộ tỉnh Thử", code="BP", kind=UnitKind.PROVINCE)
        )
        commune = unit_create(
            actor=None,
            parent=province,
            data=UnitData(name="Đảng bộ xã Thử", code="BX", kind=UnitKind.COMMUNE),
        )
        codes = []
        for i in range(cells):
            code = f"BC{i:03d}"
            unit_create(
                actor=None,
                parent=commune,
                data=UnitData(name=f"Chi bộ bản Số {i}", code=code, kind=UnitKind.CELL),
            )
            codes.append(code)
    return commune, codes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--cells", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(database_url, Path(tmp))
        from django.db import connection
        from django_scopes import scopes_disabled

        from chibo.exchange import services
        from chibo.exchange.models import ImportMode, RowStatus
        from chibo.members.models import Member, MemberEvent

        commune, codes = build_units(args.cells)
        data = make_file(args.rows, codes)
        print(f"database: {connection.vendor}; file: {args.rows:,} rows, {len(data) / 1e6:.1f} MB")

        from django.db import transaction

        def import_once() -> tuple[float, float, float, int, int]:
            """One import, rolled back afterwards so that the next round starts alike."""
            with scopes_disabled(), transaction.atomic():
                started = time.perf_counter()
                table = services.import_file_read(
                    unit=commune, stream=io.BytesIO(data), filename="bench.xlsx", size=len(data)
                )
                t_table = time.perf_counter() - started
                checked = 0.0

                def tick(_n: int) -> None:
                    nonlocal checked
                    checked = time.perf_counter()

                outcome = services.import_commit(
                    actor=None,
                    unit=commune,
                    rows=table.rows,
                    columns=table.columns,
                    mode=ImportMode.ALL_OR_NOTHING,
                    filename="bench.xlsx",
                    progress=tick,
                )
                t_import = time.perf_counter() - started
                created = outcome.counts()[RowStatus.CREATED]
                assert outcome.committed, outcome.counts()
                assert created == args.rows, outcome.counts()
                assert Member.objects.count() == args.rows
                events = MemberEvent.objects.count()
                transaction.set_rollback(True)
            return t_import, t_table, checked - started - t_table, created, events

        # Rounds alternate the two, and each keeps its best: on a shared machine a single
        # pair can be minutes apart in load.
        reads, imports = [], []
        for _round in range(args.rounds):
            started = time.perf_counter()
            read_only(data)
            reads.append(time.perf_counter() - started)
            imports.append(import_once())
        t_read = min(reads)
        t_import, t_table, t_check, created, events = min(imports)
        t_write = t_import - t_table - t_check
        print(f"rounds: {args.rounds}; best of each shown")

        ratio = t_read / t_import
        print(f"read with openpyxl only:  {t_read:6.2f} s  ({args.rows / t_read:8,.0f} rows/s)")
        print(
            f"import (read+check+write): {t_import:6.2f} s  ({args.rows / t_import:8,.0f} rows/s)"
        )
        print(f"  read rows   {t_table:6.2f} s")
        print(f"  check rows  {t_check:6.2f} s")
        print(f"  write       {t_write:6.2f} s  ({created:,} members, {events:,} events)")
        verdict = "meets" if ratio >= 0.5 else "MISSES"
        print(f"speed ratio import/read: {ratio:.2f} ({verdict} the 0.5 target)")


if __name__ == "__main__":
    main()
