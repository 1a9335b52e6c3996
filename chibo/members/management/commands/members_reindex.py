"""``manage.py members_reindex``: write the name search index again for every member."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from chibo.members.name_index import rebuild_name_index


class Command(BaseCommand):
    help = "Rebuild the member name search index (after moving units in the tree, for example)."

    def handle(self, *args: Any, **options: Any) -> None:
        rows = rebuild_name_index(progress=options["verbosity"] > 1)
        self.stdout.write(self.style.SUCCESS(f"{rows:,} index rows written."))
