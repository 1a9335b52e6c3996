from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager


class AuditImmutableError(Exception):
    """Raised on an attempt to change or delete an audit entry (see decision 0016)."""


class AuditQuerySet(models.QuerySet):
    """No bulk change or removal of the trail; the database triggers refuse it as well."""

    def update(self, **kwargs: Any) -> int:
        raise AuditImmutableError(_("Audit entries cannot be changed."))

    def delete(self) -> Any:
        raise AuditImmutableError(_("Audit entries cannot be deleted."))

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AuditImmutableError(_("Audit entries cannot be changed."))

    def update_or_create(self, *args: Any, **kwargs: Any) -> Any:
        raise AuditImmutableError(_("Audit entries cannot be changed."))


AuditManager = models.Manager.from_queryset(AuditQuerySet)


class AuditEntry(models.Model):
    """Who changed what, when, with the values before and after. Written only by services.

    ``unit`` places the entry in the tree (for scope); ``member`` is the person concerned, so a
    member's history and a unit's history are both one indexed filter.
    """

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        # Never SET_NULL: deleting the user, unit or member must not rewrite the trail (the
        # database refuses UPDATE of audit rows). The names stay in actor_name / object_repr.
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(_("by (name)"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    unit = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        # Never SET_NULL: deleting the user, unit or member must not rewrite the trail (the
        # database refuses UPDATE of audit rows). The names stay in actor_name / object_repr.
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        null=True,
        blank=True,
        # Never SET_NULL: deleting the user, unit or member must not rewrite the trail (the
        # database refuses UPDATE of audit rows). The names stay in actor_name / object_repr.
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = ScopedManager(_manager_class=AuditManager, audit="unit__path__within")

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "-created_at"]),
            models.Index(fields=["member", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditImmutableError(_("Audit entries cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AuditImmutableError(_("Audit entries cannot be deleted."))


class Holiday(models.Model):
    """A public holiday (no work), for counting working days (``chibo.core.workdays``).

    The table must be updated every year from the government's decision on the year's holidays
    (Tết and National Day change, and days are swapped); the data migrations load 2025–2027.
    """

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("public holiday")
        verbose_name_plural = _("public holidays")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.name}"
