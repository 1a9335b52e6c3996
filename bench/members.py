"""Time member search and a cell's list on the 250,000-member ``--scale`` province.

    .venv/bin/python bench/members.py                   # seeds SQLite in a temporary directory
    .venv/bin/python bench/members.py --sqlite PATH     # an already seeded SQLite file
    BENCH_DATABASE_URL=postgres://… .venv/bin/python bench/members.py   # and PostgreSQL too

Each figure is the median over a sample of members (or cells) of what the page runs: for a
search, the first page of 50 and, when there are more, the count (up to 1,000); for a list,
the counts by category (which give the pager its total) and the first page. Queries run
inside the scope of a province user, the widest a real user has, so the scope filter is part of
every query, as in a request. The
**reference** is one primary-key fetch of a member, in the same scope and the same run; the
ratio to it is what moves little between machines. The target is 2× or less.

BENCH_DATABASE_URL must name a throwaway database: its ``public`` schema is dropped first.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seed import PYTHON, ROOT, empty_postgres, run

SAMPLE = 40


def _median_ms(cases: list[Callable[[], object]], repeat: int = 5) -> float:
    """Median over the cases of the best of ``repeat`` runs (the first warms the cache)."""
    times = []
    for case in cases:
        case()
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            case()
            best = min(best, time.perf_counter() - started)
        times.append(best)
    return statistics.median(times) * 1000


def measure() -> None:
    """Runs in a child process whose environment names the database."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.db import connection
    from django_scopes import scopes_disabled

    from chibo.core.scoping import UnitScope, unit_scope
    from chibo.core.vietnamese import fold
    from chibo.members import selectors
    from chibo.members.models import Member
    from chibo.orgunits.models import OrgUnit, UnitKind

    # Planner statistics, as a database has them in service (autovacuum, or after an import):
    # right after the bulk seed PostgreSQL has none and may pick a plan for an empty table.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    rng = random.Random(20261124)
    with scopes_disabled():
        root = OrgUnit.objects.filter(depth=1, code__startswith="S").order_by("path").first()
        if root is None:
            raise SystemExit("No --scale province: run seed_demo --scale first.")
        ids = list(
            Member.objects.filter(cell__path__startswith=root.path).values_list("pk", flat=True)
        )
        picked = rng.sample(ids, SAMPLE)
        people = list(Member.objects.filter(pk__in=picked).values_list("pk", "full_name"))
        cells = list(
            OrgUnit.objects.filter(path__startswith=root.path, kind=UnitKind.CELL).order_by("?")[
                :SAMPLE
            ]
        )
        communes = list(
            OrgUnit.objects.filter(path__startswith=root.path, depth=root.depth + 1).order_by("?")[
                :10
            ]
        )
        total = len(ids)

    def cell_page(unit) -> Callable[[], object]:
        # What the list view runs: the counts by category and the first page.
        return lambda: selectors.member_list_page(unit=unit)

    def search(q: str, page: int = 1) -> Callable[[], object]:
        # What the search page runs: the first page and, when there is more, the (capped) count.
        filters = selectors.SearchFilters(q=q)
        return lambda: selectors.member_search_page(filters=filters, page=page)

    def words(name: str) -> list[str]:
        return name.split(" ")

    scope = UnitScope.of([root.path])
    rows: list[tuple[str, float, str]] = []
    with unit_scope(units=scope, members=scope, audit=scope):
        pk = _median_ms([lambda p=p: Member.objects.get(pk=p) for p, _n in people], repeat=5)
        cases = {
            "search: full name (“nguyen van an”)": [search(n) for _p, n in people],
            "search: given name (“an”)": [search(words(n)[-1]) for _p, n in people],
            "search: family + given (“nguyen an”)": [
                search(f"{words(n)[0]} {words(n)[-1]}") for _p, n in people
            ],
            "search: middle + given (“van an”)": [
                search(" ".join(words(n)[-2:])) for _p, n in people
            ],
            "search: middle name alone (“van”)": [search(words(n)[1]) for _p, n in people],
            "search: family name only (“nguyen”)": [search(words(n)[0]) for _p, n in people],
            "search: family name only, page 5": [search(words(n)[0], 5) for _p, n in people],
            "cell list page: counts by category + first page": [cell_page(c) for c in cells],
            "commune list page: counts by category + first page": [cell_page(c) for c in communes],
        }
        for label, group in cases.items():
            rows.append((label, _median_ms(group), ""))
        # How many rows a family-name search matches (the page counts up to 1,000 of them).
        biggest = max(
            Member.objects.filter(search_name__startswith=fold(words(n)[0]) + " ").count()
            for _p, n in people[:10]
        )
    print(f"\n## {connection.vendor} — {total:,} members in the province, sample {SAMPLE}")
    print("| query | median ms | × pk fetch |")
    print("|---|---:|---:|")
    print(f"| reference: one member by primary key | {pk:.2f} | 1.0 |")
    for label, ms, _note in rows:
        print(f"| {label} | {ms:.2f} | {ms / pk:.1f} |")
    print(f"\nLargest family-name result in the sample: {biggest:,} members.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", help="an already seeded SQLite database file")
    parser.add_argument("--communes", default="100", help="per province (smaller: quicker)")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.measure:
        measure()
        return
    cpu = platform.processor() or platform.machine()
    print(f"# Member search benchmark: {os.cpu_count()} CPUs, {cpu}")
    base = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-not-secret-" + "x" * 40,
        "CHIBO_DEMO_PASSWORD": "bench-password",
        "PYTHONPATH": str(ROOT),
    }

    def child(env: dict[str, str]) -> None:
        subprocess.run([PYTHON, __file__, "--measure"], env=env, cwd=ROOT, check=True)

    def seed(env: dict[str, str]) -> None:
        run("migrate", ["migrate", "--no-input"], env)
        run("seed_demo --scale", ["seed_demo", "--scale", "--no-progress", "--communes",
                                  options.communes], env)  # fmt: skip

    with tempfile.TemporaryDirectory() as tmp:
        env = {**base, "CHIBO_VAR_DIR": tmp}
        if options.sqlite:
            child({**env, "DATABASE_URL": f"sqlite:///{Path(options.sqlite).resolve()}"})
        else:
            sqlite_env = {**env, "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3"}
            seed(sqlite_env)
            child(sqlite_env)
        url = os.environ.get("BENCH_DATABASE_URL")
        if url:
            empty_postgres(url)
            pg_env = {**env, "DATABASE_URL": url}
            seed(pg_env)
            child(pg_env)


if __name__ == "__main__":
    main()
