from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from chibo.core.access import Access
from chibo.core.models import AuditEntry
from chibo.core.roles import Cap
from chibo.core.scoping import scopes_disabled
from chibo.members.models import Member
from chibo.orgunits.models import OrgUnit


def member_get(*, access: Access, pk: object) -> Member:
    """A member record the user may see: in their member scope, or their own; otherwise 404."""
    try:
        member_id = int(str(pk))
    except (TypeError, ValueError):
        raise Http404 from None
    if member_id == access.member_id:
        # A member always sees their own record, whatever their roles.
        with scopes_disabled():
            return Member.objects.select_related("cell").get(pk=member_id)
    member = Member.objects.select_related("cell").filter(pk=member_id).first()
    if member is None or not access.can(Cap.MEMBER_VIEW, member.cell):
        raise Http404
    return member


def member_list(*, unit: OrgUnit) -> QuerySet[Member]:
    """Members of the unit and every unit below it, listed by given name (Vietnamese order)."""
    return (
        Member.objects.filter(cell__path__startswith=unit.path)
        .select_related("cell")
        .order_by("sort_key", "id")
    )


def member_history(*, member: Member) -> QuerySet[AuditEntry]:
    """What was recorded about the person, newest first (own record: shown to the member too)."""
    with scopes_disabled():
        # Visibility was decided by member_get; the entries belong to that one person.
        return (
            AuditEntry.objects.filter(member=member)
            .select_related("unit")
            .order_by("-created_at", "-id")
        )
