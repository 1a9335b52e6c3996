"""Scope rows of the dashboards and targets (chibo.reports.views): see test_scope_matrix.py.

A dashboard and a unit's targets are ``report.view``: the cell's committee and secretary, the
commune, the province board. A plain member of the cell sees neither; another commune sees
nothing of this one. Removing a target is ``report.target``: the commune and the province on
their units (the confirmation page answers the same as the removal).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django_scopes import scopes_disabled

from chibo.reports.models import Indicator
from chibo.reports.services import TargetData, target_create

LEADERS = {"province", "commune", "secretary"}  # report.view on the cell
COMMUNE = {"province", "commune"}
OTHER = {"province", "outsider"}


def target(world, unit_name: str = "commune"):
    """A target set on that unit (made once per world)."""
    cache = world.__dict__.setdefault("_report_targets", {})
    if unit_name not in cache:
        data = TargetData(
            indicator=Indicator.HELD,
            value=Decimal("90"),
            start=dt.date(2025, 1, 1),
            deadline=dt.date(2027, 12, 31),
        )
        with scopes_disabled():
            cache[unit_name] = target_create(actor=None, unit=getattr(world, unit_name), data=data)
    return cache[unit_name]


_VIEW = ["reports:dashboard", "reports:targets"]

# (url name, args from the world, the roles that get 200)
ROWS = [
    *[(name, lambda w: [w.province.pk], {"province"}) for name in _VIEW],
    *[(name, lambda w: [w.commune.pk], COMMUNE) for name in _VIEW],
    *[(name, lambda w: [w.cell.pk], LEADERS) for name in _VIEW],
    *[(name, lambda w: [w.other_cell.pk], OTHER) for name in _VIEW],
    # The members behind a number: as the dashboard (names link only where the record is open).
    ("reports:members", lambda w: [w.commune.pk, "removal_review"], COMMUNE),
    ("reports:members", lambda w: [w.cell.pk, "absent_unexcused"], LEADERS),
    ("reports:members", lambda w: [w.other_cell.pk, "probation_overdue"], OTHER),
    ("reports:members", lambda w: [w.province.pk, "transfers_overdue"], {"province"}),
    ("reports:target_delete", lambda w: [target(w).pk], COMMUNE),
    ("reports:target_delete", lambda w: [target(w, "province").pk], {"province"}),
    ("reports:target_delete", lambda w: [target(w, "other_commune").pk], OTHER),
]
