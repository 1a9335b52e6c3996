"""Reads of member records. Every function runs inside the caller's scope (see core.scoping).

A member's **category** is what a cell's register shows: the status, except that an official
or probationary member who is exempt today is "exempt", and one who is temporarily in another
cell is "temporarily away". It is computed in SQL from the stored derived columns, so counting
and filtering by it are single queries whatever the size of the unit.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chibo.core.access import Access
from chibo.core.models import AuditEntry
from chibo.core.roles import Cap
from chibo.core.scoping import scopes_disabled
from chibo.core.vietnamese import fold
from chibo.members.lifecycle import add_months
from chibo.members.models import Member, MemberEvent, MemberNameWord, MemberStatus
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


def _exempt_and_away(today: dt.date, via: str = "") -> tuple[Q, Q]:
    """The conditions of the two derived categories on ``today`` (``via``: the path to the
    member's columns): exempt that day, and in another cell for a while."""

    def q(**lookups: object) -> Q:
        return Q(**{via + key: value for key, value in lookups.items()})

    active = q(status__in=[MemberStatus.OFFICIAL, MemberStatus.PROBATIONARY])
    exempt = (
        active
        & q(exempt_from__lte=today)
        & (q(exempt_until__isnull=True) | q(exempt_until__gte=today))
    )
    return exempt, active & q(temporary_cell__isnull=False)


def category_expression(today: dt.date) -> Case:
    """SQL for a member's category on ``today`` (see the module docstring)."""
    exempt, away = _exempt_and_away(today)
    return Case(
        When(exempt, then=Value(EXEMPT)),
        When(away, then=Value(AWAY)),
        default=F("status"),
        output_field=CharField(),
    )


def category_condition(category: str, today: dt.date, via: str = "") -> Q:
    """Members whose category on ``today`` is ``category``: the rule of
    ``category_expression`` as a filter (``via``: the path to the member's columns)."""
    exempt, away = _exempt_and_away(today, via)
    if category == EXEMPT:
        return exempt
    if category == AWAY:
        return away & ~exempt
    return Q(**{f"{via}status": category}) & ~exempt & ~away


def category_of(member: Member | MemberRow, today: dt.date | None = None) -> str:
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


class CellRef(NamedTuple):
    pk: int
    name: str


@dataclass(slots=True)
class MemberRow:
    """A member in a result list: the columns the list shows, read without building model
    instances (a search page is mostly Django turning rows into objects otherwise)."""

    pk: int
    full_name: str
    sex: str
    birth_date: dt.date | None
    status: str
    exempt_from: dt.date | None
    exempt_until: dt.date | None
    temporary_cell_id: int | None
    card_number: str
    cell: CellRef
    category: str = ""

    @property
    def id(self) -> int:
        return self.pk

    @property
    def cell_id(self) -> int:
        return self.cell.pk

    def get_absolute_url(self) -> str:
        return reverse("members:detail", args=[self.pk])


# The columns of a MemberRow, in its order (cell: id and name).
_ROW_COLUMNS = (
    "id",
    "full_name",
    "sex",
    "birth_date",
    "status",
    "exempt_from",
    "exempt_until",
    "temporary_cell_id",
    "card_number",
    "cell_id",
    "cell__name",
)


def _member_rows(rows: list[tuple[Any, ...]], today: dt.date) -> list[MemberRow]:
    result = []
    for pk, name, sex, birth, status, since, until, away, card, cell_id, cell_name in rows:
        row = MemberRow(
            pk,
            name,
            sex,
            _date(birth),
            status,
            _date(since),
            _date(until),
            away,
            card,
            CellRef(cell_id, cell_name),
        )
        row.category = category_of(row, today)
        result.append(row)
    return result


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


# A search counts its results up to this many; beyond, the page says "more than 1,000" (the
# exact figure for "nguyen" would cost a read of a third of the province, for nothing a person
# reads). Lists of a unit have exact counts (see member_counts).
SEARCH_COUNT_CAP = 1_000


@dataclass
class ResultPage:
    """One page of search results, shaped like Django's ``Page`` for the templates (and its
    own ``paginator``), with a count that may be a lower bound (``count_capped``)."""

    object_list: Sequence[Member | MemberRow]
    number: int
    per_page: int
    count: int
    count_capped: bool

    @property
    def paginator(self) -> ResultPage:
        return self

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.per_page))

    def has_next(self) -> bool:
        return self.count_capped or self.number < self.num_pages

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def _shown(category: str, show: str, wanted: str) -> bool:
    """Whether a member of ``category`` is listed for these list filters."""
    former = category in _FORMER
    if (show == SHOW_CURRENT and former) or (show == SHOW_FORMER and not former):
        return False
    return not wanted or category == wanted


_FORMER = frozenset(str(s) for s in FORMER_STATUSES)


def member_list_page(
    *,
    unit: OrgUnit,
    show: str = SHOW_CURRENT,
    category: str = "",
    page: int = 1,
    per_page: int = 50,
    today: dt.date | None = None,
) -> tuple[dict[str, int], ResultPage]:
    """The counts by category of the unit (see ``member_counts``) and a page of ``member_list``.

    A cell is read in one query: all its members, in order, off the ``(cell, sort_key)``
    index (a cell has tens of members, a few hundred at most), counted and paged here. A unit
    with units below has the two queries of ``member_counts`` and ``member_list``.
    """
    today = today or timezone.localdate()
    number = max(1, page)
    if unit.numchild == 0:
        columns = _ROW_COLUMNS[:-1]  # the cell's name is the unit's
        values = Member.objects.filter(cell=unit).order_by("sort_key", "id").values_list(*columns)
        everyone = _member_rows([(*row, unit.name) for row in values], today)
        counts = dict.fromkeys((key for key, _label in CATEGORIES), 0)
        listed = []
        for member in everyone:
            counts[member.category] += 1
            if _shown(member.category, show, category):
                listed.append(member)
        counts["total"] = len(everyone)
        pages = max(1, -(-len(listed) // per_page))
        number = min(number, pages)
        shown = listed[(number - 1) * per_page : number * per_page]
        return counts, ResultPage(shown, number, per_page, len(listed), False)
    counts = member_counts(unit=unit, today=today)
    total = sum(n for key, n in counts.items() if key != "total" and _shown(key, show, category))
    number = min(number, max(1, -(-total // per_page)))
    members = member_list(unit=unit, show=show, category=category, today=today)
    page_rows = list(members[(number - 1) * per_page : number * per_page])
    return counts, ResultPage(page_rows, number, per_page, total, False)


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


def _range_prefix(field: str, prefix: str) -> Q:
    """``field`` starts with ``prefix`` for a column compared byte by byte on every database
    (``BytewiseCharField``): one index range."""
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + _HIGHEST})


def name_keys(q: str, condition: Q | None = None) -> QuerySet[MemberNameWord]:
    """Index rows (``MemberNameWord``, in the caller's scope) whose key starts with the folded
    ``q``: the name starts with it ("nguyen van a", "dang"), or its tail from a later word does
    ("van an", "an"), or the family and given names do ("nguyen an"). One range on the index.

    A member can have two keys in the range ("nguyen an" and "nguyen van an" for "nguyen"): only
    the smallest counts (``shared``, see ``name_word_starts``), so each person is listed once,
    where their best key sorts.
    """
    folded = " ".join(fold(q).split())
    matched = _range_prefix("key", folded) & Q(shared__lt=len(folded))
    return MemberNameWord.objects.filter(matched & condition if condition else matched)


def number_condition(q: str) -> Q:
    """A party card number or a record number, whole or its first digits."""
    digits = q.replace(" ", "").replace(".", "")
    return Q(card_number__startswith=digits) | Q(record_number__startswith=digits)


def _member_filters(filters: SearchFilters, today: dt.date, via: str = "") -> Q:
    """The filters other than the text, on the member's columns (``via``: the path to them)."""
    condition = Q()
    if filters.category:
        condition &= category_condition(filters.category, today, via)
    if filters.ethnicity.strip():
        condition &= Q(**{f"{via}ethnicity__iexact": filters.ethnicity.strip()})
    if filters.age_band:
        condition &= _band(f"{via}birth_date", AGE_BANDS, filters.age_band, today)
    if filters.party_age_band:
        # Counted from the admission decision, for recognised members only (as
        # lifecycle.party_age): a probationary member has no party age yet.
        band = _band(f"{via}admission_date", PARTY_AGE_BANDS, filters.party_age_band, today)
        condition &= band & Q(**{f"{via}recognition_date__isnull": False})
    if filters.theory_level:
        condition &= Q(**{f"{via}theory_level": filters.theory_level})
    return condition


_MEMBER_TABLE = Member._meta.db_table
_UNIT_TABLE = OrgUnit._meta.db_table
_ROW_SQL = ", ".join([f'mem."{c}"' for c in _ROW_COLUMNS if c != "cell__name"] + ['unit."name"'])


def _page(ordered: QuerySet, number: int, per_page: int) -> tuple[list[tuple[Any, ...]], int]:
    """The rows of page ``number`` (the columns of ``_ROW_COLUMNS``) and how many match, up
    to ``SEARCH_COUNT_CAP`` (or the end of the page asked for, if further), in one query.

    ``ordered`` is the scoped query of the matches, as ``(member id, *sort columns)``: the page
    is in the order of the sort columns, then the id. Its SQL (the scope, the filters, the
    index range) is Django's; around it, one statement counts the first matches and joins the
    page's rows to their members and cells. Built with the ORM, the page and a separate count
    cost two query compilations, which on a search is most of the time (docs/benchmarks.md).
    """
    offset = (number - 1) * per_page
    limit = max(SEARCH_COUNT_CAP, offset + per_page) + 1
    # Compiled once, without its order (Django spends a fifth of a compilation on ORDER BY);
    # each use adds the order, by column position (the sort columns, then the id), and a LIMIT.
    inner, params = ordered.order_by().query.sql_with_params()
    width = len(ordered.query.values_select)
    inner += " ORDER BY " + ", ".join(str(i) for i in [*range(2, width + 1), 1])
    sorts = [f"o{i}" for i in range(1, width)]
    names = ", ".join(["mid", *sorts])
    order = ", ".join([*(f"p.{c}" for c in sorts), "p.mid"])
    sql = (
        f"WITH m({names}) AS ({inner} LIMIT {limit:d}), "  # noqa: S608 - Django's SQL, our names
        f"p({names}) AS ({inner} LIMIT {per_page:d} OFFSET {offset:d}) "
        f"SELECT (SELECT COUNT(*) FROM m), {_ROW_SQL} FROM p "
        f'JOIN "{_MEMBER_TABLE}" mem ON mem."id" = p.mid '
        f'JOIN "{_UNIT_TABLE}" unit ON unit."id" = mem."cell_id" '
        f"ORDER BY {order}"
    )
    params = (*params, *params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return [], 0
    return [row[1:] for row in rows], rows[0][0]


def _date(value: Any) -> dt.date | None:
    """A date column read by raw SQL: SQLite gives text, PostgreSQL a date."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def member_search_page(
    *, filters: SearchFilters, page: int = 1, per_page: int = 50, today: dt.date | None = None
) -> ResultPage:
    """A page of the members in the user's scope (the scoped managers) matching ``filters``.

    A name goes through the name index (``name_keys``): the rows come in the index's order,
    by the words matched and then the given name. A number, or filters alone, read the member
    table, by given name. A page past the end gives the last page.
    """
    today = today or timezone.localdate()
    q = filters.q.strip()
    ordered: QuerySet
    if q and not _DIGITS.match(q):
        condition = _member_filters(filters, today, via="member__")
        if filters.unit is not None:
            condition &= _range_prefix("cell_path", filters.unit.path)
        ordered = name_keys(q, condition).values_list("member_id", "key", "sort_key")
    else:
        condition = _member_filters(filters, today)
        if q:
            condition &= number_condition(q)
        if filters.unit is not None:
            condition &= _in_unit(filters.unit)
        ordered = Member.objects.filter(condition).values_list("id", "sort_key")
    number = max(1, page)
    found, count = _page(ordered, number, per_page)
    if not found and number > 1:
        # Past the end (or the count is zero): the last page there is.
        _none, count = _page(ordered, 1, per_page)
        number = max(1, -(-count // per_page))
        found, count = _page(ordered, number, per_page)
    limit = max(SEARCH_COUNT_CAP, number * per_page)
    capped = count > limit
    return ResultPage(_member_rows(found, today), number, per_page, min(count, limit), capped)


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
