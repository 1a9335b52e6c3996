"""Who may see and do what: effective grants of a user, computed once per request.

A user's effective grants come from three places: explicit ``Grant`` rows, the posts their member
record holds today (a cell secretary is a cell secretary because of the post), and membership of
a cell (the member role on their own cell). A grant covers its unit and everything below it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.http import Http404
from django.utils import timezone

from chibo.core.roles import CAPABILITIES, Cap, Role
from chibo.core.scoping import UnitScope, scopes_disabled, unit_scope

if TYPE_CHECKING:
    from chibo.orgunits.models import OrgUnit


@dataclass(frozen=True)
class GrantLine:
    unit_id: int
    path: str
    role: str
    source: str  # "grant", "post" or "membership"


@dataclass(frozen=True)
class Access:
    user_id: int | None
    is_superuser: bool = False
    lines: tuple[GrantLine, ...] = ()
    member_id: int | None = None
    _scopes: dict[str, UnitScope] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    def roles_on(self, unit: OrgUnit) -> set[str]:
        return {line.role for line in self.lines if unit.path.startswith(line.path)}

    def can(self, capability: str, unit: OrgUnit) -> bool:
        if self.is_superuser:
            return True
        return any(
            unit.path.startswith(line.path) and capability in CAPABILITIES[line.role]
            for line in self.lines
        )

    def capabilities_on(self, unit: OrgUnit) -> frozenset[str]:
        if self.is_superuser:
            return frozenset().union(*CAPABILITIES.values())
        return frozenset().union(*(CAPABILITIES[role] for role in self.roles_on(unit)))

    def can_grant(self, role: str, unit: OrgUnit) -> bool:
        """A user may give a role on a unit only if they hold all of its capabilities there."""
        return self.can(Cap.GRANT_MANAGE, unit) and CAPABILITIES[role] <= self.capabilities_on(unit)

    def scope_for(self, capability: str) -> UnitScope:
        if capability not in self._scopes:
            self._scopes[capability] = UnitScope.of(
                line.path for line in self.lines if capability in CAPABILITIES[line.role]
            )
        return self._scopes[capability]

    def require(self, capability: str, unit: OrgUnit) -> None:
        """Answer 404 (never 403: a foreign unit must not be revealed) without the capability."""
        if not self.can(capability, unit):
            raise Http404

    @contextmanager
    def activate(self) -> Iterator[None]:
        if self.is_superuser:
            # Superusers (Django admin) see the whole tree by design.
            with scopes_disabled():
                yield
            return
        with unit_scope(
            units=self.scope_for(Cap.UNIT_VIEW),
            members=self.scope_for(Cap.MEMBER_VIEW),
            audit=self.scope_for(Cap.AUDIT_VIEW),
            meetings=self.scope_for(Cap.MEETING_VIEW),
        ):
            yield


ANONYMOUS = Access(user_id=None)


def access_for_user(user: Any) -> Access:
    """Effective grants of ``user``: one query (a ``UNION ALL`` of the grants, the member's cell
    and the posts held today), whatever the size of the tree. It runs on every request, so it
    is written in SQL: three ORM querysets cost about as much Python as the rest of a small
    page (docs/benchmarks.md, "Load")."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    from chibo.orgunits.models import post_role

    lines: list[GrantLine] = []
    member_id = None
    # The user's own grants are read unscoped (raw SQL): they are what defines the scope.
    with connection.cursor() as cursor:
        today = timezone.localdate()
        cursor.execute(_access_sql(), [user.pk, user.pk, user.pk, today, today])
        for source, unit_id, path, role, unit_kind, member in cursor.fetchall():
            if source == 1:
                lines.append(GrantLine(unit_id, path, role, "grant"))
            elif source == 2:
                member_id = member
                lines.append(GrantLine(unit_id, path, Role.MEMBER, "membership"))
            else:
                post_grants = post_role(role, unit_kind)
                if post_grants is not None:
                    lines.append(GrantLine(unit_id, path, post_grants, "post"))
    return Access(
        user_id=user.pk,
        is_superuser=user.is_superuser,
        lines=tuple(lines),
        member_id=member_id,
    )


@functools.cache
def _access_sql() -> str:
    """The grants (source 1), the member's own cell (2) and the posts held today (3), each with
    the unit's path; in that order, as the three querysets it replaces returned them."""
    from chibo.members.models import Member
    from chibo.orgunits.models import Grant, OrgUnit, Post

    unit, grant = OrgUnit._meta.db_table, Grant._meta.db_table
    member, post = Member._meta.db_table, Post._meta.db_table
    # Only the models' table names are formatted in; the values are parameters.
    return (
        f'SELECT 1, g.unit_id, u.path, g.role, u.kind, NULL FROM "{grant}" g '  # noqa: S608
        f'JOIN "{unit}" u ON u.id = g.unit_id WHERE g.user_id = %s '
        "UNION ALL "
        f'SELECT 2, m.cell_id, u.path, NULL, u.kind, m.id FROM "{member}" m '
        f'JOIN "{unit}" u ON u.id = m.cell_id WHERE m.user_id = %s '
        "UNION ALL "
        f'SELECT 3, p.unit_id, u.path, p.kind, u.kind, p.member_id FROM "{post}" p '
        f'JOIN "{member}" m ON m.id = p.member_id JOIN "{unit}" u ON u.id = p.unit_id '
        "WHERE m.user_id = %s AND p.start_date <= %s "
        "AND (p.end_date IS NULL OR p.end_date >= %s) "
        "ORDER BY 1"
    )
