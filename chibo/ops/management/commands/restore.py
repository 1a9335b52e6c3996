"""``manage.py restore FILE``: restore a backup archive, all or nothing, then verify it."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _

from chibo.ops.backup import BackupError, restore_archive


class Command(BaseCommand):
    help = (
        "Restore a backup made by manage.py backup. Checks the archive first (manifest, "
        "checksum, database vendor, migrations) and refuses a damaged or foreign file; restores "
        "all or nothing, then checks the rows against the manifest. Stop the server first."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help="The backup archive (.tar).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a database that already holds data (everything in it is lost).",
        )
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation.",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias.")

    def handle(self, *args: Any, **options: Any) -> None:
        def say(message: str) -> None:
            if options["verbosity"] >= 1:
                self.stdout.write(message)

        def confirm(name: str) -> bool:
            answer = input(
                _("Every record in the database %(name)s will be replaced. Type 'yes' to go on: ")
                % {"name": name}
            )
            return answer.strip().lower() in {"yes", "có", "co"}

        try:
            result = restore_archive(
                options["file"],
                alias=options["database"],
                force=options["force"],
                confirm=confirm if options["interactive"] else None,
                progress=say,
            )
        except BackupError as exc:
            raise CommandError(exc.message) from exc
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(warning))
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Restored and verified: %(file)s of %(created)s (%(tables)s tables, "
                    "%(rows)s rows, content hash equal)"
                )
                % {
                    "file": Path(options["file"]).name,
                    "created": result.manifest["created_at"],
                    "tables": len(result.snapshot.tables),
                    "rows": result.snapshot.rows,
                }
            )
        )
