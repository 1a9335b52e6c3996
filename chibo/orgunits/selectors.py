"""Reads of the org tree. Every function runs inside the caller's scope (see core.scoping)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from functools import partial

from django.db import connections
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from chibo.core import rawsql
from chibo.core.access import Access
from chibo.core.models import AuditEntry
from chibo.core.roles import Cap
from chibo.core.scoping import in_scope
from chibo.members.models import Member
from chibo.orgunits.models import Grant, OrgUnit, Post, PostKind

_UNIT = rawsql.Columns(OrgUnit, "unit")


def unit_get(*, access: Access, pk: object, capability: str = Cap.UNIT_VIEW) -> OrgUnit:
    """The unit if it is in scope and the user has ``capability`` on it; otherwise 404."""
    try:
        unit_id = int(str(pk))
    except (TypeError, ValueError):
        raise Http404 from None
    # Every unit page and the API read it: one hand-written statement (decision 0020), and the
    # scope test the scoped manager would have made in SQL.
    unit = rawsql.by_pk(_UNIT, unit_id)
    if unit is None or not in_scope("units", unit.path):
        raise Http404
    access.require(capability, unit)
    return unit


def unit_roots(*, access: Access) -> list[OrgUnit]:
    """The top units the user can see (a province user: the province; a member: the cell)."""
    if access.is_superuser:
        units = list(OrgUnit.objects.filter(depth=1))
    else:
        paths = access.scope_for(Cap.UNIT_VIEW).paths
        units = list(OrgUnit.objects.filter(path__in=paths))
    return sorted(units, key=lambda u: u.sort_key)


def unit_children(*, unit: OrgUnit) -> list[OrgUnit]:
    """Direct children in Vietnamese order, each with its member count (one query; none for a
    unit without children, as a cell: the tree keeps ``numchild``)."""
    if not unit.numchild:
        return []
    children = (
        OrgUnit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1)
        .annotate(member_count=Count("members"))
        .order_by("sort_key")
    )
    return list(children)


def unit_breadcrumb(*, unit: OrgUnit) -> list[OrgUnit]:
    """Ancestors the user can see, top first (out-of-scope ancestors are left out). Read in
    SQL, as the unit is (decision 0020), with the units scope tested on each."""
    if unit.is_root():
        return []
    prefixes = [unit.path[: i * unit.steplen] for i in range(1, unit.depth)]
    connection = connections["default"]
    marks = ", ".join(["%s"] * len(prefixes))
    sql = rawsql.select(
        connection,
        [_UNIT],
        where=f"{_UNIT.column(connection, 'path')} IN ({marks})"
        f" ORDER BY {_UNIT.column(connection, 'depth')}",
    )
    ancestors = [_UNIT.build(row) for row in rawsql.fetch_all(sql, prefixes)]
    return [a for a in ancestors if in_scope("units", a.path)]


def _active(on: dt.date) -> Q:
    return Q(start_date__lte=on) & (Q(end_date__isnull=True) | Q(end_date__gte=on))


@dataclass(frozen=True)
class UnitPosts:
    current: list[Post]
    past: list[Post]
    concurrent: dict[int, list[str]]  # member id -> labels of the posts they hold together


_POST = rawsql.Columns(Post, "post")
_POST_ORDER = {kind: position for position, kind in enumerate(PostKind.values)}
# Of a post's holder, only the name is shown: not the other thirty columns of the record.
_HOLDER = rawsql.Columns(Member, "holder", only=("id", "full_name", "sort_key"))


def unit_posts(*, unit: OrgUnit, on: dt.date | None = None) -> UnitPosts:
    """Posts held on the unit: current ones, the last past ones, and who holds several at once."""
    on = on or timezone.localdate()
    # Read in SQL, as the unit is (every unit page shows them; decision 0020); the unit's own
    # scope test stands for the scoped manager's (every post here is on that unit).
    connection = connections["default"]
    column = partial(_POST.column, connection)
    sql = rawsql.select(
        connection,
        [_POST, _HOLDER],
        joins=f"JOIN {_HOLDER.source(connection)}"
        f" ON {_HOLDER.column(connection, 'id')} = {column('member')}",
        where=f"{column('unit')} = %s ORDER BY {column('start_date')} DESC, {column('id')} DESC",
    )
    posts: list[Post] = []
    if in_scope("units", unit.path):
        for row in rawsql.fetch_all(sql, [unit.pk]):
            found = _POST.build(row)
            Post.member.field.set_cached_value(found, _HOLDER.build(row, len(_POST)))
            posts.append(found)
    current = sorted(
        (p for p in posts if p.start_date <= on and (p.end_date is None or p.end_date >= on)),
        key=lambda p: (_POST_ORDER.get(p.kind, len(_POST_ORDER)), p.member.sort_key),
    )
    past = [p for p in posts if p not in current and p.start_date <= on][:20]
    by_member: dict[int, list[str]] = defaultdict(list)
    for post in current:
        by_member[post.member_id].append(post.get_kind_display())
    concurrent = {mid: kinds for mid, kinds in by_member.items() if len(kinds) > 1}
    return UnitPosts(current=current, past=past, concurrent=concurrent)


@dataclass(frozen=True)
class ConcurrentHolding:
    unit: OrgUnit
    member_name: str
    member_id: int
    posts: list[str]


def concurrent_holdings_under(
    *, unit: OrgUnit, on: dt.date | None = None, limit: int = 50
) -> tuple[int, list[ConcurrentHolding]]:
    """People holding several posts at once in one unit of the subtree ("nhất thể hóa").

    Two queries: the (unit, member) pairs with more than one current post, then their posts.
    """
    on = on or timezone.localdate()
    active = Post.objects.filter(_active(on), unit__path__startswith=unit.path)
    pairs = list(
        active.values("unit_id", "member_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("unit__sort_key", "member__sort_key")
        .values_list("unit_id", "member_id")
    )
    if not pairs:
        return 0, []
    shown = pairs[:limit]
    condition = Q()
    for unit_id, member_id in shown:
        condition |= Q(unit_id=unit_id, member_id=member_id)
    grouped: dict[tuple[int, int], list[Post]] = defaultdict(list)
    for post in active.filter(condition).select_related("unit", "member"):
        grouped[(post.unit_id, post.member_id)].append(post)
    rows = [
        ConcurrentHolding(
            unit=grouped[key][0].unit,
            member_name=grouped[key][0].member.full_name,
            member_id=key[1],
            posts=[str(p.get_kind_display()) for p in grouped[key]],
        )
        for key in shown
        if grouped[key]
    ]
    return len(pairs), rows


def unit_history(*, unit: OrgUnit) -> QuerySet[AuditEntry]:
    """Audit entries about the unit itself (its edits, posts, grants), newest first."""
    return (
        AuditEntry.objects.filter(unit=unit).select_related("member").order_by("-created_at", "-id")
    )


def unit_grants(*, unit: OrgUnit) -> list[Grant]:
    """Roles given on this very unit (the unit's own access list), by person."""
    return list(Grant.objects.filter(unit=unit).select_related("user").order_by("user__full_name"))


def grant_get(*, access: Access, pk: object) -> Grant:
    """A grant the user may manage (grant.manage on its unit), or 404."""
    try:
        grant = Grant.objects.select_related("unit", "user").filter(pk=int(str(pk))).first()
    except (TypeError, ValueError):
        grant = None
    if grant is None:
        raise Http404
    access.require(Cap.GRANT_MANAGE, grant.unit)
    return grant
