from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_scopes import ScopedManager
from treebeard.mp_tree import MP_Node, MP_NodeManager

from chibo.core.roles import Role


class UnitKind(models.TextChoices):
    # "unit kind" context: the organisation (đảng bộ), not the committee that leads it (đảng ủy).
    PROVINCE = "province", pgettext_lazy("unit kind", "Provincial party organisation")
    DISTRICT = "district", pgettext_lazy("unit kind", "District party organisation")
    COMMUNE = "commune", pgettext_lazy("unit kind", "Commune party organisation")
    GRASSROOTS = "grassroots", pgettext_lazy("unit kind", "Grassroots party organisation")
    CELL = "cell", pgettext_lazy("unit kind", "Party cell")
    PARTY_GROUP = "party_group", pgettext_lazy("unit kind", "Party group")


class OrgUnit(MP_Node):
    """A node of the party organisation tree: province → (district) → commune → cell → group.

    Materialized path (treebeard, as wagtail's page tree): a subtree is a path prefix, which is
    what scope and reports filter on. Merges keep history through ``merged_into`` and dates.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=40, unique=True)
    admin_code = models.PositiveIntegerField(
        _("administrative unit code"),
        null=True,
        blank=True,
        help_text=_("Code of the province or commune in the national list (2025)."),
    )
    sort_key = models.CharField(_("sort key"), max_length=400, editable=False, db_index=True)
    search_name = models.CharField(_("search name"), max_length=200, editable=False)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )

    objects = ScopedManager(units="path__within", _manager_class=MP_NodeManager)

    class Meta:
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="orgunit_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("orgunits:detail", args=[self.pk])

    @property
    def is_cell(self) -> bool:
        return self.kind in {UnitKind.CELL, UnitKind.PARTY_GROUP}

    def get_kind_display(self) -> str:
        """The kind's label in the current language (Django's own builds a dict of every label
        on each call; the unit pages show it for every unit listed: decision 0020)."""
        return str(_UNIT_KIND_LABELS.get(self.kind, self.kind))


class PostKind(models.TextChoices):
    SECRETARY = "secretary", _("Secretary")
    DEPUTY_SECRETARY = "deputy_secretary", _("Deputy secretary")
    COMMITTEE_MEMBER = "committee_member", _("Committee member")
    VILLAGE_HEAD = "village_head", _("Village head")
    FRONT_HEAD = "front_head", _("Head of the Front work committee")


# Which role a party post gives, by the level of the unit it is held on. Village head and Front
# head are posts of the village, not of the party: they give no role, but count for "nhất thể hóa".
_CELL_LEVEL = {UnitKind.CELL, UnitKind.PARTY_GROUP}
_COMMUNE_LEVEL = {UnitKind.COMMUNE, UnitKind.GRASSROOTS}
_PROVINCE_LEVEL = {UnitKind.PROVINCE, UnitKind.DISTRICT}


def post_role(kind: str, unit_kind: str) -> Role | None:
    if kind not in {PostKind.SECRETARY, PostKind.DEPUTY_SECRETARY, PostKind.COMMITTEE_MEMBER}:
        return None
    if unit_kind in _CELL_LEVEL:
        return {
            PostKind.SECRETARY: Role.CELL_SECRETARY,
            PostKind.DEPUTY_SECRETARY: Role.CELL_DEPUTY,
        }.get(PostKind(kind), Role.CELL_COMMITTEE)
    if unit_kind in _COMMUNE_LEVEL:
        return Role.COMMUNE_COMMITTEE
    if unit_kind in _PROVINCE_LEVEL:
        return Role.PROVINCE_BOARD
    return None


_UNIT_KIND_LABELS = dict(UnitKind.choices)
_POST_KIND_LABELS = dict(PostKind.choices)


class Post(models.Model):
    """A post held by a member on a unit, with dates (bí thư, phó bí thư, trưởng thôn…)."""

    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="posts"
    )
    member = models.ForeignKey(
        "members.Member", verbose_name=_("holder"), on_delete=models.PROTECT, related_name="posts"
    )
    kind = models.CharField(_("post"), max_length=30, choices=PostKind.choices)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=100, blank=True)

    objects = ScopedManager(units="unit__path__within")

    class Meta:
        verbose_name = _("post held")
        verbose_name_plural = _("posts held")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="post_dates_ordered",
            ),
        ]
        indexes = [models.Index(fields=["member", "end_date"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.member} ({self.unit})"

    def get_kind_display(self) -> str:
        """The post's label in the current language (as ``OrgUnit.get_kind_display``)."""
        return str(_POST_KIND_LABELS.get(self.kind, self.kind))


class Grant(models.Model):
    """A role given to a user on a unit and everything below it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="grants",
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="grants"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    objects = ScopedManager(units="unit__path__within")

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="grant_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_role_display()} @ {self.unit}"
