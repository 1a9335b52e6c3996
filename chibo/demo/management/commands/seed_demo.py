"""``manage.py seed_demo``: the Lai Châu demo with its logins, or ``--scale`` for benchmarks."""

from __future__ import annotations

import datetime as dt
import sys
import time
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scopes_disabled
from tqdm import tqdm

from chibo.demo.generator import SeedResult, seed_real_demo, seed_scale
from chibo.demo.logins import (
    PASSWORD_ENV,
    DemoLogin,
    demo_password,
    ensure_demo_logins,
    password_file,
)
from chibo.demo.plan import (
    DEFAULT_SEED,
    DEMO_COMMUNE,
    EARLIEST_AS_OF,
    REAL_ROOT_CODE,
    DemoConfig,
    ScaleConfig,
    commune_code,
)
from chibo.demo.reports import dashboard_paths
from chibo.orgunits.models import OrgUnit


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ArgumentTypeError(f"not a date (YYYY-MM-DD): {value}") from exc


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ArgumentTypeError("must be 1 or more")
    return number


class Command(BaseCommand):
    help = (
        "Build the demo: the real province of Lai Châu (38 communes and wards, village cells, "
        "about 20,000 members) with one login per role. With --scale, synthetic provinces of "
        "250,000 members and 10,000 cells each, for benchmarks."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--reset", action="store_true", help="Delete the demo data first.")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Random seed.")
        parser.add_argument(
            "--as-of",
            type=_date,
            default=None,
            help="The 'today' that ages and dates are counted back from (default: today).",
        )
        parser.add_argument("--scale", action="store_true", help="Synthetic provinces instead.")
        parser.add_argument(
            "--multiplier",
            type=_positive,
            default=1,
            help="With --scale: how many provinces (S01, S02…) of 250,000 members each.",
        )
        parser.add_argument("--communes", type=_positive, default=100, help="With --scale.")
        parser.add_argument("--cells", type=_positive, default=100, help="Per commune (--scale).")
        parser.add_argument("--members", type=_positive, default=25, help="Per cell (--scale).")
        parser.add_argument("--batch-size", type=_positive, default=5000)
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["members"] < 8 and options["scale"]:
            raise CommandError("--members must be at least 8 (a cell needs its posts filled).")
        if options["as_of"] and options["as_of"] < EARLIEST_AS_OF:
            raise CommandError(f"--as-of must be {EARLIEST_AS_OF.isoformat()} or later.")
        # A command runs outside any user's scope, and seeding writes to every unit: the scoped
        # managers would refuse every query without this.
        with scopes_disabled():
            if options["scale"]:
                self._scale(options)
            else:
                self._real(options)

    def _real(self, options: dict[str, Any]) -> None:
        config = DemoConfig(
            seed=options["seed"], as_of=options["as_of"], batch_size=options["batch_size"]
        )
        result = seed_real_demo(config, reset=options["reset"])
        self._report(result)
        password, source = demo_password()
        started = time.perf_counter()
        logins = ensure_demo_logins(password)
        self.stdout.write(f"Tài khoản / Logins: {time.perf_counter() - started:.1f} s")
        self._logins(logins, password, source)

    def _scale(self, options: dict[str, Any]) -> None:
        config = ScaleConfig(
            seed=options["seed"],
            as_of=options["as_of"],
            provinces=options["multiplier"],
            communes=options["communes"],
            cells_per_commune=options["cells"],
            members_per_cell=options["members"],
            batch_size=options["batch_size"],
        )
        total = config.provinces * config.communes * config.cells_per_commune
        total *= config.members_per_cell
        with tqdm(
            total=total,
            unit=" members",
            unit_scale=True,
            desc="Đảng viên / members",
            file=sys.stderr,
            disable=options["no_progress"],
        ) as bar:
            results = seed_scale(config, reset=options["reset"], progress=bar.update)
        for result in results:
            self._report(result)

    def _report(self, result: SeedResult) -> None:
        c, root = result.counts, result.root
        if result.created:
            self.stdout.write(self.style.SUCCESS(f"Đã tạo / Created: {root.name} ({root.code})"))
        else:
            self.stdout.write(
                f"Đã có sẵn, không tạo lại (dùng --reset để tạo lại) / Already there, kept "
                f"(use --reset to rebuild): {root.name} ({root.code})"
            )
        self.stdout.write(
            f"  {c.communes} đảng bộ xã, phường / communes · {c.cells} chi bộ / cells · "
            f"{c.members} đảng viên / members · {c.posts} chức vụ / posts"
        )
        if c.meetings:
            rolls = f" · {c.attendance} lượt điểm danh / roll lines" if c.attendance else ""
            self.stdout.write(f"  {c.meetings} cuộc sinh hoạt / meetings{rolls}")
        if result.created:
            rate = c.members / result.seconds if result.seconds else 0
            self.stdout.write(
                f"  Thời gian / Time: {result.seconds:.1f} s ({rate:.0f} đảng viên/s, members/s)"
            )
        if result.rollup_rows:
            self.stdout.write(
                f"  Số liệu báo cáo / Report rollup: {result.rollup_rows} dòng chi bộ × tháng / "
                f"cell × month rows, {result.rollup_seconds:.1f} s (trong thời gian trên / part "
                f"of the time above) · {result.targets} chỉ tiêu / targets · từ tháng / from "
                f"{result.reports_since:%m/%Y}"
            )

    def _logins(self, logins: list[DemoLogin], password: str, source: str) -> None:
        header = ("Tên đăng nhập", "Vai trò", "Đơn vị", "Mật khẩu")
        header_en = ("Username", "Role", "Unit", "Password")
        rows = [(x.username, x.role, x.unit, password) for x in logins]
        widths = [max(len(r[i]) for r in [header, header_en, *rows]) for i in range(4)]

        def line(cells: tuple[str, ...]) -> str:
            return "  ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)).rstrip()

        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Tài khoản demo / Demo logins"))
        self.stdout.write(line(header))
        self.stdout.write(line(header_en))
        self.stdout.write("-" * len(line(header_en)))
        for row in rows:
            self.stdout.write(line(row))
        phones = ", ".join(f"{x.phone} ({x.username})" for x in logins if x.phone)
        if phones:
            self.stdout.write(
                f"Đăng nhập bằng số điện thoại cũng được / Phone numbers work too: {phones}"
            )
        root = OrgUnit.objects.get(code=REAL_ROOT_CODE)
        commune = OrgUnit.objects.get(code=commune_code(DEMO_COMMUNE))
        province_path, commune_path = dashboard_paths(root, commune)
        self.stdout.write(
            f"Báo cáo / Reports: {province_path} (tỉnh / province), {commune_path} (xã / commune)"
        )
        where = {
            "env": f"biến môi trường / environment variable {PASSWORD_ENV}",
            "file": f"tệp / file {password_file()}",
            "new": f"mới tạo, lưu ở / new, saved in {password_file()}",
        }[source]
        self.stdout.write(f"Mật khẩu / Password: {where}")
