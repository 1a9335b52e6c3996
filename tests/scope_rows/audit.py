"""Scope rows of the audit trail pages (chibo.core.views_audit): see test_scope_matrix.py.

Reading a unit's trail needs ``audit.view`` on it: the cell's secretary, the commune committee
and the province board. A plain member and the committee of another commune get 404.
"""

from __future__ import annotations

_PAGES = ["audit:unit", "audit:export"]

# (url name, args from the world, the roles that get 200)
ROWS = [
    *[(name, lambda w: [w.cell.pk], {"province", "commune", "secretary"}) for name in _PAGES],
    *[(name, lambda w: [w.commune.pk], {"province", "commune"}) for name in _PAGES],
    *[(name, lambda w: [w.other_commune.pk], {"province", "outsider"}) for name in _PAGES],
    *[(name, lambda w: [w.province.pk], {"province"}) for name in _PAGES],
]
