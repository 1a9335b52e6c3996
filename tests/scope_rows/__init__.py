"""The rows of the scope matrix, one module per area: (url name, args of the world, roles with 200).

Every module here defines ``ROWS``; tests/test_scope_matrix.py runs them all for every role and
fails when a URL pattern of ours has no row. Roles: see tests/factories.py.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

ALL = {"province", "commune", "secretary", "member", "outsider"}
CELL_READERS = {"province", "commune", "secretary", "member"}


def all_rows() -> list[tuple[str, Any, set[str]]]:
    rows: list[tuple[str, Any, set[str]]] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        rows += importlib.import_module(f"{__name__}.{info.name}").ROWS
    return rows
