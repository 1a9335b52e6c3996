from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager


class ImportMode(models.TextChoices):
    VALID_ROWS = "valid_rows", _("Import the valid rows, skip the others")
    ALL_OR_NOTHING = "all_or_nothing", _("Import nothing if any row has an error")


class JobStatus(models.TextChoices):
    CHECKING = "checking", _("Checking the rows")
    READY = "ready", _("Checked: waiting for your decision")
    COMMITTED = "committed", _("Imported")
    REFUSED = "refused", _("Not imported (errors, all or nothing)")


class ImportJob(models.Model):
    """An uploaded member file: its rows, checked a chunk at a time, then imported or not.

    ``rows`` holds the file's data rows as read (``[[row number, {field: value}], …]``), so the
    file itself is not kept; ``results`` holds one entry per row once checked. Only the person
    who uploaded it sees it, and only while they may change members of ``unit``.
    """

    unit = models.ForeignKey(
        "orgunits.OrgUnit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    filename = models.CharField(_("file name"), max_length=200)
    columns = models.JSONField(_("columns found"), default=list, blank=True)
    rows = models.JSONField(_("rows"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=JobStatus.choices, default=JobStatus.CHECKING
    )
    total_rows = models.PositiveIntegerField(_("rows in the file"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows checked"), default=0)
    results = models.JSONField(_("results by row"), default=list, blank=True)
    mode = models.CharField(_("mode"), max_length=20, choices=ImportMode.choices, blank=True)
    committed_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    objects = ScopedManager(members="unit__path__within")

    class Meta:
        verbose_name = _("member import")
        verbose_name_plural = _("member imports")
        indexes = [models.Index(fields=["unit", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.filename} ({self.created_at:%d/%m/%Y %H:%M})"

    def get_absolute_url(self) -> str:
        return reverse("exchange:job", args=[self.pk])

    @property
    def percent(self) -> int:
        return 100 if not self.total_rows else self.processed_rows * 100 // self.total_rows


class RegisterSnapshot(models.Model):
    """The register of a unit as exported for a quarter's reconciliation with the commune.

    ``rows``: ``[[member id, full name, cell code, status, card number], …]``.
    """

    unit = models.ForeignKey(
        "orgunits.OrgUnit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    created_at = models.DateTimeField(_("exported at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("exported by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rows = models.JSONField(_("rows"), default=list, blank=True)

    objects = ScopedManager(members="unit__path__within")

    class Meta:
        verbose_name = _("register snapshot")
        verbose_name_plural = _("register snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "quarter"], name="snapshot_unit_quarter_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1, quarter__lte=4), name="snapshot_quarter_1_4"
            ),
        ]

    def __str__(self) -> str:
        return f"Q{self.quarter}/{self.year}"


class RowStatus(models.TextChoices):
    """What the import does, or did, with one row of the file."""

    NEW = "new", _("Will be added")
    UNCHANGED = "unchanged", _("Already on the register, unchanged")
    DIFFERS = "differs", _("Already on the register with other details: left as it is")
    ERROR = "error", _("Error")
    CREATED = "created", _("Added")
