"""Pages of action items (issue 5)."""

from __future__ import annotations

from typing import Any

from chibo.core.access import Access


def home_tasks(access: Access) -> Any:
    """What the home page shows of the user's own tasks (None: nothing)."""
    return None
