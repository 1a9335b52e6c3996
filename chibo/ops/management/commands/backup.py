"""``manage.py backup``: one archive (data and manifest) of the database, safe while it runs."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _

from chibo.ops.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database into one tar file: the data (pg_dump -Fc on PostgreSQL, an "
        "online copy on SQLite) and manifest.json (time, versions, migrations, rows per table, "
        "checksums). Safe while the server runs. Restore it with manage.py restore FILE."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--output",
            "-o",
            type=Path,
            default=None,
            help="A directory or a file name (default: $CHIBO_VAR_DIR/backups/).",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias.")

    def handle(self, *args: Any, **options: Any) -> None:
        def say(message: str) -> None:
            if options["verbosity"] >= 1:
                self.stdout.write(message)

        try:
            result = backup_create(
                alias=options["database"], output=options["output"], progress=say
            )
        except BackupError as exc:
            raise CommandError(exc.message) from exc
        manifest = result.manifest
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Backup written: %(path)s (%(vendor)s, %(tables)s tables, %(rows)s rows, "
                    "%(size)s bytes, sha256 %(sha)s)"
                )
                % {
                    "path": result.path,
                    "vendor": manifest["vendor"],
                    "tables": len(manifest["tables"]),
                    "rows": sum(manifest["tables"].values()),
                    "size": manifest["data_size"],
                    "sha": manifest["data_sha256"][:16],
                }
            )
        )
