"""``manage.py import_members FILE --unit CODE [--dry-run] [--mode valid_rows|all_or_nothing]``."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django_scopes import scopes_disabled
from tqdm import tqdm

from chibo.exchange import services
from chibo.exchange.models import ImportMode, RowStatus
from chibo.orgunits.models import OrgUnit

SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = (
        "Import party members from an XLSX or CSV file into a unit (by unit code). Every row "
        "is checked first; --dry-run only reports. Members already on the register are never "
        "changed."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--unit", required=True, help="Code of the unit (commune or cell).")
        parser.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")
        parser.add_argument(
            "--mode", choices=ImportMode.values, default=ImportMode.VALID_ROWS.value
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        # A command runs outside any user's scope: the operator names the unit explicitly.
        with scopes_disabled():
            unit = OrgUnit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"No unit with code {options['unit']!r}.")
            try:
                with path.open("rb") as stream:
                    table = services.import_file_read(
                        unit=unit, stream=stream, filename=path.name, size=path.stat().st_size
                    )
                with tqdm(
                    total=len(table.rows),
                    unit=" rows",
                    desc="Đảng viên / members",
                    file=sys.stderr,
                    disable=options["no_progress"],
                ) as bar:
                    if options["dry_run"]:
                        ctx = services.import_context(unit=unit, columns=table.columns)
                        results = services.rows_check_all(ctx, table.rows, progress=bar.update)
                        outcome = services.ImportOutcome(results=results, committed=False)
                    else:
                        outcome = services.import_commit(
                            actor=None,
                            unit=unit,
                            rows=table.rows,
                            columns=table.columns,
                            mode=options["mode"],
                            filename=path.name,
                            progress=bar.update,
                        )
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from error
        self._summary(outcome, unit, dry_run=options["dry_run"])

    def _summary(self, outcome: services.ImportOutcome, unit: OrgUnit, *, dry_run: bool) -> None:
        errors = [r for r in outcome.results if r.status == RowStatus.ERROR]
        for result in errors[:SHOWN_ERRORS]:
            text = "; ".join(m for _field, m in result.messages)
            self.stdout.write(f"row {result.row} ({result.name or '-'}): {text}")
        if len(errors) > SHOWN_ERRORS:
            self.stdout.write(f"… and {len(errors) - SHOWN_ERRORS} more rows with errors")
        counts = " · ".join(f"{k}: {v}" for k, v in outcome.counts().items() if v)
        if dry_run:
            state = "dry run, nothing written"
        elif outcome.committed:
            state = "imported"
        else:
            state = "NOT imported (all or nothing, some rows have errors)"
        self.stdout.write(f"{unit.name} ({unit.code}): {len(outcome.results)} rows · {counts}")
        self.stdout.write(state)
