"""Scope rows of the exports (chibo.reports.views_exports): see test_scope_matrix.py.

Exporting a unit's indicators (XLSX) or its periodic report (DOCX) needs ``report.view`` on the
unit: the cell's leaders and the levels above. A plain member has no reports (404 on their own
cell); another commune's committee sees nothing of this commune, and its own commune only.
"""

from __future__ import annotations

_EXPORTS = ["reports:dashboard_xlsx", "reports:report_docx"]

# (url name, args from the world, the roles that get 200)
ROWS = [
    *[(name, lambda w: [w.commune.pk], {"province", "commune"}) for name in _EXPORTS],
    *[(name, lambda w: [w.cell.pk], {"province", "commune", "secretary"}) for name in _EXPORTS],
    *[(name, lambda w: [w.other_commune.pk], {"province", "outsider"}) for name in _EXPORTS],
    *[(name, lambda w: [w.province.pk], {"province"}) for name in _EXPORTS],
]
