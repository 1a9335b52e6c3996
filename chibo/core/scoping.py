"""Scope: every tenant query is limited to the subtrees of the org tree the user may see.

We use django-scopes (as pretix does) so that a query on a tenant model *outside* any scope
raises ``ScopeError`` instead of leaking rows. django-scopes filters by ``field=value``; our scope
is a set of subtrees, so the value is a :class:`UnitScope` and the field lookup is ``within``,
which matches a materialized path that starts with any of the scope's paths.

Dimensions (one per capability family, so seeing a unit does not imply seeing its members):
``units`` (unit.view), ``members`` (member.view), ``audit`` (audit.view), ``meetings``
(meeting.view: a plain member sees their cell's meetings, not its members' records).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Lookup
from django_scopes import ScopeError, get_scope, scope, scopes_disabled

__all__ = ["DIMENSIONS", "UnitScope", "scope", "scopes_disabled", "unit_scope"]

DIMENSIONS = ("units", "members", "audit", "meetings")


@dataclass(frozen=True)
class UnitScope:
    """The paths of the subtrees in scope; empty means nothing is visible (never "everything")."""

    paths: tuple[str, ...]

    @classmethod
    def of(cls, paths: Iterable[str]) -> UnitScope:
        return cls(minimal_prefixes(paths))

    def contains(self, path: str) -> bool:
        return any(path.startswith(p) for p in self.paths)


def minimal_prefixes(paths: Iterable[str]) -> tuple[str, ...]:
    """Drop paths that lie under another path of the set: ("0001", "00010003") -> ("0001",)."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return tuple(kept)


_PATH = re.compile(r"[0-9A-Z]+")
# Sorts after every character of a tree path (0-9, A-Z).
AFTER_PATH_CHARS = "~"


@models.CharField.register_lookup
class Within(Lookup):
    """``path__within=UnitScope(...)``: the path lies in one of the scope's subtrees.

    Paths use treebeard's alphabet (0-9, A-Z), so a LIKE prefix needs no escaping and a range
    is an exact prefix test; we check it.
    """

    lookup_name = "within"
    prepare_rhs = False

    def get_prep_lookup(self) -> Any:
        if not isinstance(self.rhs, UnitScope):
            raise TypeError("__within expects a UnitScope")
        return self.rhs

    def process_rhs(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        return "", []

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        paths = self.rhs.paths
        if not paths:
            return "1 = 0", []
        clauses: list[str] = []
        params: list[Any] = []
        for path in paths:
            if not _PATH.fullmatch(path):
                raise ValueError(f"unexpected tree path {path!r}")
            if connection.vendor == "sqlite":
                # SQLite's LIKE ignores case, so it can use no index and costs a string
                # match per row; a range is the same test on these paths, and is indexed.
                clauses.append(f"({lhs} >= %s AND {lhs} < %s)")
                params.extend([*lhs_params, path, *lhs_params, path + AFTER_PATH_CHARS])
            else:
                clauses.append(f"{lhs} LIKE %s")
                params.extend([*lhs_params, path + "%"])
        return "(" + " OR ".join(clauses) + ")", params


@contextmanager
def unit_scope(
    *,
    units: UnitScope,
    members: UnitScope,
    audit: UnitScope,
    meetings: UnitScope | None = None,
) -> Iterator[None]:
    """Run queries inside the given scope (all dimensions set, so none is silently open;
    ``meetings`` defaults to the ``members`` scope, never wider)."""
    meetings = members if meetings is None else meetings
    with scope(units=units, members=members, audit=audit, meetings=meetings):
        yield


def in_scope(dimension: str, path: str) -> bool:
    """Would a scoped query of ``dimension`` return a row whose unit path is ``path``? The test
    a scoped manager makes in SQL, for a row read without one (``chibo.core.rawsql``). Outside
    any scope this raises ``ScopeError``, as such a query would."""
    current = get_scope()
    if not current.get("_enabled", True):
        return True
    if dimension not in current:
        raise ScopeError(f"A scope on dimension(s) {dimension} needs to be active for this query.")
    value = current[dimension]
    return value is None or value.contains(path)
