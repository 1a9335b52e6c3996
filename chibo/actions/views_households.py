"""Pages of households (issue 5)."""

from __future__ import annotations

from typing import Any

from chibo.core.access import Access


def home_households(access: Access) -> Any:
    """What the home page shows of the households the user follows (None: nothing)."""
    return None
