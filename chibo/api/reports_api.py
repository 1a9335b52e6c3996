"""The indicators of a unit through the API (placeholder: being written)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["reports"])
