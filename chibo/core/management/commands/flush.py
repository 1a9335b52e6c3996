"""``manage.py flush`` as Django's, with the audit trail's DELETE lock opened for its duration.

``flush`` empties the whole database (as recreating it would); the test runner calls it after
each transactional test. It is the one management path that may remove audit rows
(decision 0016). Everything else is refused by the database triggers.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS

from chibo.core.audit_lock import audit_unlocked


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        with audit_unlocked(options.get("database") or DEFAULT_DB_ALIAS):
            super().handle(**options)
