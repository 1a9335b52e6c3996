"""``manage.py reports_rollup``: the nightly refresh of the reports' rollup, or a full rebuild.

Without options: every cell's rows of the current and the previous month (run it each night,
see docs/deploy.md: the current month's stocks depend on the day, and a new month needs its
rows). ``--rebuild``: every row again from the raw tables (after an import outside the
services, a change of ``CHIBO_REPORTS_START``, or units moved in the tree).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from chibo.reports import rollup


class Command(BaseCommand):
    help = "Refresh the reports' rollup (current and previous month), or rebuild it all."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--rebuild", action="store_true", help="Write every row again from the raw tables."
        )

    def handle(self, *args: Any, rebuild: bool = False, **options: Any) -> None:
        started = time.perf_counter()
        if rebuild:
            total = len(rollup.all_cell_ids())

            def progress(done: int, of: int) -> None:
                width = 30
                filled = width * done // of if of else width
                bar = "#" * filled + "-" * (width - filled)
                self.stdout.write(f"\r[{bar}] {done}/{of}", ending="")
                self.stdout.flush()

            written = rollup.rebuild(progress=progress if total else None)
            self.stdout.write("")
        else:
            written = rollup.refresh_current()
        self.stdout.write(
            _("%(rows)s rows written in %(seconds).1f s.")
            % {"rows": written, "seconds": time.perf_counter() - started}
        )
