"""Action items and households through the API (issue 5)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["action items"])
