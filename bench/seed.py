"""Time the demo seed: the real Lai Châu demo and the 250,000-member ``--scale`` province.

    .venv/bin/python bench/seed.py                      # SQLite, in a temporary directory
    BENCH_DATABASE_URL=postgres://… .venv/bin/python bench/seed.py   # and PostgreSQL too

Every step runs ``manage.py`` in a fresh process, as a person would, with ``DEBUG=0`` (in debug
mode Django keeps the text of every query, which costs about a fifth more here). Wall-clock times
on a shared machine vary from run to run, so each database also gets a **reference** measured in
the same run: the same number of rows, shaped like ``members_member`` and with its indexes,
inserted with the bare driver (``executemany`` in one transaction). The seed's time divided by
the reference's says how much the generation and the ORM cost on top of the database's own
work; it moves much less between machines than the seconds do.

BENCH_DATABASE_URL must name a throwaway database: its ``public`` schema is dropped first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from argparse import SUPPRESS
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
_TIME = re.compile(r"Time: ([\d.]+) s")
_COUNTS = re.compile(r"(\d+) đảng viên / members · (\d+) chức vụ / posts")
_CELLS = re.compile(r"(\d+) đảng bộ xã, phường / communes · (\d+) chi bộ / cells")
_REFERENCE_COLUMNS = (
    "full_name varchar(150), sort_key varchar(400), search_name varchar(150), sex varchar(10), "
    "birth_date date, ethnicity varchar(40), phone varchar(15), status varchar(20), "
    "admission_date date, cell_id bigint"
)
_REFERENCE_INDEXES = ("sort_key", "search_name", "cell_id, sort_key", "cell_id")


@dataclass
class Step:
    name: str
    wall: float
    peak_mb: float
    output: str

    def seed_seconds(self) -> float | None:
        found = _TIME.findall(self.output)
        return sum(float(x) for x in found) if found else None

    def rows(self) -> int:
        """Rows the seed wrote: units, members and posts."""
        members = sum(int(m) + int(p) for m, p in _COUNTS.findall(self.output))
        units = sum(int(c) + int(x) + 1 for c, x in _CELLS.findall(self.output))
        return members + units


def run(name: str, args: list[str], env: dict[str, str]) -> Step:
    """Run ``manage.py args`` and measure its wall time and peak memory (from wait4)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(
            [PYTHON, str(ROOT / "manage.py"), *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    if proc.returncode:
        raise SystemExit(f"{name} failed ({proc.returncode}):\n{text}")
    return Step(name, wall, usage.ru_maxrss / 1024, text)


def _reference_rows(count: int) -> list[tuple[Any, ...]]:
    day = dt.date(1970, 1, 1)
    return [
        (
            f"Nguyễn Văn {i}",
            f"{i:040d}",
            f"nguyen van {i}",
            "male",
            day + dt.timedelta(days=i % 20000),
            "Kinh",
            "0912345678",
            "official",
            day + dt.timedelta(days=i % 20000 + 9000),
            i // 25,
        )
        for i in range(count)
    ]


def reference_sqlite(path: str, count: int) -> float:
    """The bare-driver insert of ``count`` member-shaped rows, same pragmas as Chibo's."""
    rows = _reference_rows(count)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(f"CREATE TABLE ref (id integer PRIMARY KEY AUTOINCREMENT, {_REFERENCE_COLUMNS})")
    for i, cols in enumerate(_REFERENCE_INDEXES):
        db.execute(f"CREATE INDEX ref_{i} ON ref ({cols})")
    started = time.perf_counter()
    db.execute("BEGIN IMMEDIATE")
    db.executemany("INSERT INTO ref VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.execute("COMMIT")
    seconds = time.perf_counter() - started
    db.close()
    return seconds


def reference_postgres(url: str, count: int) -> float:
    import psycopg

    rows = _reference_rows(count)
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("DROP TABLE IF EXISTS bench_ref")
        db.execute(f"CREATE TABLE bench_ref (id bigserial PRIMARY KEY, {_REFERENCE_COLUMNS})")
        for i, cols in enumerate(_REFERENCE_INDEXES):
            db.execute(f"CREATE INDEX bench_ref_{i} ON bench_ref ({cols})")
        started = time.perf_counter()
        with db.transaction(), db.cursor() as cur:
            cur.executemany(
                "INSERT INTO bench_ref (full_name, sort_key, search_name, sex, birth_date, "
                "ethnicity, phone, status, admission_date, cell_id) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                rows,
            )
        seconds = time.perf_counter() - started
        db.execute("DROP TABLE bench_ref")
    return seconds


def reference(kind: str, target: str, count: int) -> float:
    """Run the reference in its own process: peak memory is measured per child, and a child
    forked from a grown parent would report the parent's size as its own."""
    out = subprocess.run(
        [PYTHON, __file__, "--reference", kind, target, str(count)],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.strip())


def empty_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        db.execute("DROP SCHEMA public CASCADE")
        db.execute("CREATE SCHEMA public")


def bench(label: str, env: dict[str, str], scale_args: list[str], ref: tuple[str, str]) -> None:
    check = run("start-up (manage.py check)", ["check"], env)
    migrate = run("migrate", ["migrate", "--no-input"], env)
    real = run("seed_demo", ["seed_demo", "--reset"], env)
    scale = run("seed_demo --scale", ["seed_demo", "--scale", "--no-progress", *scale_args], env)
    ref_seconds = reference(*ref, scale.rows())
    print(f"\n## {label}")
    print("| step | wall s | seed s | rows | rows/s | × reference | peak MB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for step in (check, migrate, real, scale):
        seed = step.seed_seconds()
        rows = step.rows()
        rate = f"{rows / seed:,.0f}" if seed and rows else ""
        ratio = f"{seed / (ref_seconds * rows / scale.rows()):.1f}" if seed and rows else ""
        seed_text = f"{seed:.1f}" if seed is not None else ""
        rows_text = f"{rows:,}" if rows else ""
        print(
            f"| {step.name} | {step.wall:.1f} | {seed_text} | {rows_text} | {rate} | {ratio} "
            f"| {step.peak_mb:.0f} |"
        )
    print(
        f"| reference: bare-driver insert | | {ref_seconds:.1f} | {scale.rows():,} "
        f"| {scale.rows() / ref_seconds:,.0f} | 1.0 | |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--multiplier", default="1")
    parser.add_argument("--communes", default="100", help="per province (smaller: quicker)")
    parser.add_argument("--reference", nargs=3, metavar=("KIND", "TARGET", "ROWS"), help=SUPPRESS)
    options = parser.parse_args()
    if options.reference:
        kind, target, rows = options.reference
        insert = reference_sqlite if kind == "sqlite" else reference_postgres
        print(insert(target, int(rows)))
        return
    scale_args = ["--multiplier", options.multiplier, "--communes", options.communes]
    cpu = platform.processor() or platform.machine()
    print(f"# Seed benchmark {dt.date.today().isoformat()}: {os.cpu_count()} CPUs, {cpu}")
    base = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-not-secret-" + "x" * 40,
        "CHIBO_DEMO_PASSWORD": "bench-password",
        "PYTHONPATH": str(ROOT),
    }
    with tempfile.TemporaryDirectory() as tmp:
        env = {**base, "CHIBO_VAR_DIR": tmp, "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3"}
        bench("SQLite", env, scale_args, ("sqlite", f"{tmp}/reference.sqlite3"))
        url = os.environ.get("BENCH_DATABASE_URL")
        if url:
            empty_postgres(url)
            bench("PostgreSQL", {**env, "DATABASE_URL": url}, scale_args, ("postgres", url))


if __name__ == "__main__":
    main()
