"""Reads of member records. Every function runs inside the caller's scope (see core.scoping).

A member's **category** is what a cell's register shows: the status, except that an official
or probationary member who is exempt today is "exempt", and one who is temporarily in another
cell is "temporarily away". It is computed in SQL from the stored derived columns, so counting
and filtering by it are single queries whatever the size of the unit.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import Case, CharField, Count, F, Func, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chibo.core.access import Access
from chibo.core.models import AuditEntry
from chibo.core.roles import Cap
from chibo.core.scoping import scopes_disabled
from chibo.core.vietnamese import fold, name_sort_key
from chibo.members.lifecycle import add_months
from chibo.members.models import Member, MemberEvent, MemberStatus
from chibo.orgunits.models import OrgUnit

EXEMPT = "exempt"
AWAY = "away"
# In the order a register is read: those who take part first.
CATEGORIES: list[tuple[str, object]] = [
    (MemberStatus.OFFICIAL.value, MemberStatus.OFFICIAL.label),
    (MemberStatus.PROBATIONARY.value, MemberStatus.PROBATIONARY.label),
    (EXEMPT, _("Exempt from activities")),
    (AWAY, _("Temporarily away")),
    (MemberStatus.SUSPENDED.value, MemberStatus.SUSPENDED.label),
    (MemberStatus.TRANSFERRED_OUT.value, MemberStatus.TRANSFERRED_OUT.label),
    (MemberStatus.REMOVED.value, MemberStatus.REMOVED.label),
    (MemberStatus.EXPELLED.value, MemberStatus.EXPELLED.label),
    (MemberStatus.RESIGNED.value, MemberStatus.RESIGNED.label),
    (MemberStatus.DECEASED.value, MemberStatus.DECEASED.label),
]
CATEGORY_LABELS = dict(CATEGORIES)
# No longer on the cell's register: left it, or left the party.
FORMER_STATUSES = (
    MemberStatus.TRANSFERRED_OUT,
    MemberStatus.REMOVED,
    MemberStatus.EXPELLED,
    MemberStatus.RESIGNED,
    MemberStatus.DECEASED,
)
SHOW_CURRENT, SHOW_FORMER, SHOW_ALL = "current", "former", "all"

# Age bands (whole years): (value, label, lowest age, highest age or None).
AGE_BANDS: list[tuple[str, object, int, int | None]] = [
    ("under30", _("Under 30"), 0, 29),
    ("30-45", _("30 to 45"), 30, 45),
    ("46-60", _("46 to 60"), 46, 60),
    ("over60", _("Over 60"), 61, None),
]
PARTY_AGE_BANDS: list[tuple[str, object, int, int | None]] = [
    ("under5", _("Under 5 years"), 0, 4),
    ("5-10", _("5 to 9 years"), 5, 9),
    ("10-30", _("10 to 29 years"), 10, 29),
    ("30plus", _("30 years or more"), 30, None),
]
# Shown in full only to those who keep the record and to the person (see can_see_private).
PRIVATE_FIELDS = ("citizen_id", "phone")
_DIGITS = re.compile(r"^[\d .]+$")
_HIGHEST = "\U0010ffff"


def _active() -> Q:
    return Q(status__in=[MemberStatus.OFFICIAL, MemberStatus.PROBATIONARY])


def category_expression(today: dt.date) -> Case:
    """SQL for a member's category on ``today`` (see the module docstring)."""
    exempt = (
        _active()
        & Q(exempt_from__lte=today)
        & (Q(exempt_until__isnull=True) | Q(exempt_until__gte=today))
    )
    away = _active() & Q(temporary_cell__isnull=False)
    return Case(
        When(exempt, then=Value(EXEMPT)),
        When(away, then=Value(AWAY)),
        default=F("status"),
        output_field=CharField(),
    )


def category_of(member: Member, today: dt.date | None = None) -> str:
    """The same rule as ``category_expression``, for one member already read."""
    today = today or timezone.localdate()
    active = member.status in {MemberStatus.OFFICIAL, MemberStatus.PROBATIONARY}
    if (
        active
        and member.exempt_from is not None
        and member.exempt_from <= today
        and (member.exempt_until is None or member.exempt_until >= today)
    ):
        return EXEMPT
    if active and member.temporary_cell_id is not None:
        return AWAY
    return str(member.status)


def member_get(*, access: Access, pk: object, capability: str = Cap.MEMBER_VIEW) -> Member:
    """A member record the user may see (or change, with ``capability``); otherwise 404.

    A member always sees their own record, whatever their roles; changing it needs the role.
    """
    try:
        member_id = int(str(pk))
    except (TypeError, ValueError):
        raise Http404 from None
    related = ("cell", "temporary_cell")
    if member_id == access.member_id and capability == Cap.MEMBER_VIEW:
        with scopes_disabled():
            # The user's own record, identified by their login: not a scope question.
            return Member.objects.select_related(*related).get(pk=member_id)
    member = Member.objects.select_related(*related).filter(pk=member_id).first()
    if member is None or not access.can(capability, member.cell):
        raise Http404
    return member


def _in_unit(unit: OrgUnit) -> Q:
    """Members of the unit and below: by ``cell`` for a leaf (the (cell, sort_key) index),
    else by the ids of the units below, found on the indexed ``path``."""
    if unit.numchild == 0:
        return Q(cell=unit)
    return Q(cell__in=OrgUnit.objects.filter(_prefix("path", unit.path)).values("pk"))


def member_counts(*, unit: OrgUnit, today: dt.date | None = None) -> dict[str, int]:
    """How many members of the unit (and below) fall in each category, and ``total``.

    One aggregate query grouped by the category expression. (The same counts written as ten
    ``Count(filter=...)`` columns cost Django about 15 ms to compile; this form about 2 ms.)
    """
    today = today or timezone.localdate()
    rows = (
        Member.objects.filter(_in_unit(unit))
        .annotate(category=category_expression(today))
        .values("category")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("category", "n")
    )
    counts = dict.fromkeys((key for key, _label in CATEGORIES), 0)
    counts.update(rows)
    counts["total"] = sum(counts.values())
    return counts


def member_list(
    *,
    unit: OrgUnit,
    show: str = SHOW_CURRENT,
    category: str = "",
    today: dt.date | None = None,
) -> QuerySet[Member]:
    """Members of the unit and every unit below it, by given name (Vietnamese order).

    ``show``: those on the register (default), those no longer on it, or all. Each row carries
    its ``category``.
    """
    today = today or timezone.localdate()
    members = Member.objects.filter(_in_unit(unit))
    if show == SHOW_CURRENT:
        members = members.exclude(status__in=FORMER_STATUSES)
    elif show == SHOW_FORMER:
        members = members.filter(status__in=FORMER_STATUSES)
    members = members.annotate(category=category_expression(today))
    if category:
        members = members.filter(category=category)
    return members.select_related("cell").order_by("sort_key", "id")


@dataclass(frozen=True)
class SearchFilters:
    q: str = ""
    unit: OrgUnit | None = None
    category: str = ""
    ethnicity: str = ""
    age_band: str = ""
    party_age_band: str = ""
    theory_level: str = ""

    def is_empty(self) -> bool:
        return not any(
            (
                self.q.strip(),
                self.unit,
                self.category,
                self.ethnicity.strip(),
                self.age_band,
                self.party_age_band,
                self.theory_level,
            )
        )


def _years_before(today: dt.date, years: int) -> dt.date:
    return add_months(today, -12 * years)


Band = tuple[str, object, int, int | None]


def _band(field: str, bands: list[Band], value: str, today: dt.date) -> Q:
    """People whose age (from ``field``) in whole years lies in the band called ``value``."""
    for key, _label, low, high in bands:
        if key == value:
            # Age >= low  <=>  born on or before today minus ``low`` years.
            condition = Q(**{f"{field}__lte": _years_before(today, low)})
            if high is not None:
                condition &= Q(**{f"{field}__gt": _years_before(today, high + 1)})
            return condition
    return Q()


def _prefix(field: str, prefix: str) -> Q:
    """``field`` starts with ``prefix``, in a form the database answers from its index.

    SQLite compares bytes, so a range is an exact prefix test that uses the index (its LIKE is
    case-insensitive and cannot). PostgreSQL's LIKE 'x%' uses the ``varchar_pattern_ops``
    index Django creates for an indexed CharField, where a range would follow the collation.
    """
    if connection.vendor == "sqlite":
        return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + _HIGHEST})
    return Q(**{f"{field}__startswith": prefix})


def _digits_prefix(field: str, prefix: str) -> Q:
    """``field`` (digits only) starts with ``prefix``: a range, the same in every collation."""
    upper = prefix.rstrip("9")
    if not upper:
        return Q(**{f"{field}__gte": prefix})
    upper = upper[:-1] + str(int(upper[-1]) + 1)
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": upper})


# The Vietnamese letters a folded letter stands for (fold: "ă" -> "a", "đ" -> "d").
_VARIANTS = {"a": "aăâ", "d": "dđ", "e": "eê", "o": "oôơ", "u": "uư"}
_MAX_VARIANTS = 12


def _given_name_prefixes(word: str) -> list[Q]:
    """The given name starts with the folded ``word``, through the indexed ``sort_key``: one
    range per spelling.

    ``sort_key`` begins with the given name's letters, two digits each, with "ê" apart from
    "e": so "lien" is looked up as "lien" and "liên". A word with many such letters is cut
    shorter (a wider range), and the caller checks the whole word.
    """
    letters = [ch for ch in word if ch.isalnum()]
    spellings = [""]
    for ch in letters:
        options = _VARIANTS.get(ch, ch)
        if len(spellings) * len(options) > _MAX_VARIANTS:
            break
        spellings = [s + option for s in spellings for option in options]
    return [
        _digits_prefix("sort_key", name_sort_key(spelling)[: 2 * len(spelling)])
        for spelling in spellings
        if spelling
    ]


def _word_start(word: str) -> Q:
    return Q(search_name__startswith=word) | Q(search_name__contains=" " + word)


def name_condition(q: str) -> Q:
    """The name matches ``q``, ignoring case and diacritics: the name starts with ``q``
    ("nguyen van a", "dang"), or the given name starts with the last word of ``q`` and the
    other words begin words of the name ("an", "van an", "nguyen an" find "Nguyễn Văn An").

    The first factor is a union of ranges on two indexes (``search_name``, ``sort_key``), so
    the database reads only those candidates (SQLite's multi-index OR); the word checks of
    the second factor filter them. A middle name alone ("van") finds nobody.
    """
    folded = fold(q)
    words = [w for w in folded.split(" ") if w]
    if not words:
        return Q()
    candidates = _prefix("search_name", folded)
    for given in _given_name_prefixes(words[-1]):
        candidates |= given
    others = _word_start(words[-1])
    for word in words[:-1]:
        others &= _word_start(word)
    return candidates & (Q(search_name__startswith=folded) | others)


def number_condition(q: str) -> Q:
    """A party card number or a record number, whole or its first digits."""
    digits = q.replace(" ", "").replace(".", "")
    return Q(card_number__startswith=digits) | Q(record_number__startswith=digits)


def member_search(*, filters: SearchFilters, today: dt.date | None = None) -> QuerySet[Member]:
    """Members in the user's scope (the scoped manager) matching ``filters``, by given name."""
    today = today or timezone.localdate()
    members = Member.objects.annotate(category=category_expression(today))
    q = filters.q.strip()
    if q:
        members = members.filter(number_condition(q) if _DIGITS.match(q) else name_condition(q))
    if filters.unit is not None:
        members = members.filter(_in_unit(filters.unit))
    if filters.category:
        members = members.filter(category=filters.category)
    if filters.ethnicity.strip():
        members = members.filter(ethnicity__iexact=filters.ethnicity.strip())
    if filters.age_band:
        members = members.filter(_band("birth_date", AGE_BANDS, filters.age_band, today))
    if filters.party_age_band:
        members = members.filter(
            _band("admission_date", PARTY_AGE_BANDS, filters.party_age_band, today)
        )
    if filters.theory_level:
        members = members.filter(theory_level=filters.theory_level)
    order = _sort_found("sort_key") if q else F("sort_key")
    return members.select_related("cell").order_by(order, "id")


def _sort_found(field: str) -> Func | F:
    """Order by ``field``, but sort the rows found rather than walk the ``field`` index.

    With a LIMIT and many OR-ed ranges, SQLite's planner prefers reading the whole sort_key
    index in order (1.6 s on 250,000 members) to sorting the few hundred rows the ranges find
    (milliseconds); a unary plus, its documented hint, stops it. PostgreSQL plans by cost.
    """
    if connection.vendor == "sqlite":
        return Func(F(field), template="+%(expressions)s", output_field=CharField())
    return F(field)


def search_units(*, access: Access) -> list[OrgUnit]:
    """Units offered as a search filter: the top units whose members the user sees, and the
    units directly below them (a province: itself and its communes). One query."""
    if access.is_superuser:
        condition = Q(depth__lte=2)
    else:
        paths = access.scope_for(Cap.MEMBER_VIEW).paths
        if not paths:
            return []
        condition = Q()
        for path in paths:
            depth = len(path) // OrgUnit.steplen
            condition |= Q(path__startswith=path, depth__lte=depth + 1)
    return list(OrgUnit.objects.filter(condition).order_by("path"))


def can_view_members(access: Access) -> bool:
    """Whether the user sees anyone's record but their own (the search page)."""
    return access.is_superuser or bool(access.scope_for(Cap.MEMBER_VIEW).paths)


def mask(value: str) -> str:
    """A private number shown to those who do not need it: "••••••••1234"."""
    if not value:
        return ""
    return "•" * max(len(value) - 4, 4) + value[-4:]


def can_see_private(access: Access, member: Member) -> bool:
    """Citizen ID and phone: for those who keep the record (member.change) and the person."""
    return member.pk == access.member_id or access.can(Cap.MEMBER_CHANGE, member.cell)


def member_events(*, member: Member) -> list[MemberEvent]:
    """The member's events in date order, voided ones included (they are marked)."""
    with scopes_disabled():
        # Visibility was decided by member_get; the events belong to that one person.
        return list(MemberEvent.objects.filter(member=member).order_by("date", "id"))


def member_history(*, member: Member) -> QuerySet[AuditEntry]:
    """What was recorded about the person, newest first (own record: shown to the member too)."""
    with scopes_disabled():
        # Visibility was decided by member_get; the entries belong to that one person.
        return (
            AuditEntry.objects.filter(member=member)
            .select_related("unit")
            .order_by("-created_at", "-id")
        )
