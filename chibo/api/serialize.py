from __future__ import annotations

from collections.abc import Sequence

from chibo.api.schemas import UnitOut
from chibo.orgunits.models import OrgUnit


def _parent_path(unit: OrgUnit) -> str:
    return unit.path[: -unit.steplen]


def unit_out(unit: OrgUnit, parent_id: int | None = None) -> UnitOut:
    return UnitOut(
        id=unit.pk,
        name=unit.name,
        code=unit.code,
        kind=unit.kind,
        depth=unit.depth,
        parent_id=parent_id,
        child_count=unit.numchild,
    )


def units_out(units: Sequence[OrgUnit]) -> list[UnitOut]:
    """Units with their parent's id where the parent is in scope (one query for all)."""
    parent_paths = {_parent_path(u) for u in units if u.depth > 1}
    ids = dict(OrgUnit.objects.filter(path__in=parent_paths).values_list("path", "pk"))
    return [unit_out(u, ids.get(_parent_path(u))) for u in units]
