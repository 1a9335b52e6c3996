from __future__ import annotations

from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand

from chibo.core.scoping import scopes_disabled
from chibo.notifications.due_items import items_due_queue
from chibo.notifications.services import remind_due


class Command(BaseCommand):
    help = (
        "Queue the reminders of tomorrow's meetings and of the tasks due in the next days "
        "(CHIBO_ACTION_REMINDER_DAYS), then send every notice that is due. "
        "Run it daily (or hourly): a notice is sent once, however often it runs."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # A command acts for the system, across every cell: no user's scope applies.
        with scopes_disabled():
            items_due_queue()
            notices = remind_due()
        counts = Counter(n.status for n in notices)
        summary = ", ".join(f"{status}: {n}" for status, n in sorted(counts.items())) or "none"
        self.stdout.write(f"Notices sent or tried: {len(notices)} ({summary}).")
