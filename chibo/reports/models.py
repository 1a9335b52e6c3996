"""The monthly rollup that reports read, and the committees' targets (decision 0013).

``CellMonth`` holds one row per meeting-holding unit and month, from ``CHIBO_REPORTS_START`` to
the current month. It is written by the services that change its inputs, in their transaction
(``chibo.reports.rollup``), and rebuilt from the raw rows by ``manage.py reports_rollup
--rebuild``. Reports aggregate it by path prefix and never read attendance (DESIGN.md "Reports
at national scale").

Two kinds of columns:

- *flows* count what happened in the month (meetings held, attendance at them, items due) and
  add up over a period;
- *stocks* describe the cell at the end of the month (today for the current month): members by
  status, items overdue, members to review, deadlines overdue. A period reads the stocks of its
  last month.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

FLOW_FIELDS = (
    "regular_due",
    "regular_held",
    "regular_on_fixed_day",
    "thematic_held",
    "meetings_held",
    "meetings_quality",
    "minutes_locked",
    "minutes_locked_on_time",
    "attendance_required",
    "attendance_attended",
    "absent_excused",
    "absent_unexcused",
    "items_due",
    "items_done",
    "items_done_on_time",
)
STOCK_FIELDS = (
    "members_official",
    "members_probationary",
    "members_exempt",
    "members_away",
    "items_overdue",
    "removal_review",
    "probation_overdue",
    "transfers_overdue",
)
COUNT_FIELDS = FLOW_FIELDS + STOCK_FIELDS


def _count(label: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(label, default=0)


class CellMonth(models.Model):
    """One cell in one month (``month`` is its first day). See the module's docstring."""

    cell = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("party cell"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    # The cell's tree path, copied so that a report filters and groups by prefix without a join.
    path = models.CharField(_("path"), max_length=255)
    month = models.DateField(_("month"))

    # Flows.
    # 1 when the month's regular meeting is due: every past month; in the current month, once
    # it is held or once its fixed date has passed (so a cell is not "behind" before its day).
    regular_due = models.PositiveSmallIntegerField(
        _("regular meeting due"), default=1, db_default=1
    )
    regular_held = _count(_("regular meeting held"))
    regular_on_fixed_day = _count(_("regular meeting held on the fixed day"))
    thematic_held = _count(_("thematic meetings held"))
    meetings_held = _count(_("meetings held"))
    meetings_quality = _count(_("meetings meeting every quality criterion"))
    minutes_locked = _count(_("minutes locked"))
    minutes_locked_on_time = _count(_("minutes locked on time"))
    attendance_required = _count(_("members required to attend"))
    attendance_attended = _count(_("members who attended"))
    absent_excused = _count(_("absences with reason"))
    absent_unexcused = _count(_("absences without reason"))
    items_due = _count(_("action items due"))
    items_done = _count(_("action items done"))
    items_done_on_time = _count(_("action items done on time"))

    # Stocks, at the end of the month.
    members_official = _count(_("official members"))
    members_probationary = _count(_("probationary members"))
    members_exempt = _count(_("members exempt from activities"))
    members_away = _count(_("members temporarily away"))
    items_overdue = _count(_("action items overdue"))
    removal_review = _count(_("members to review for removal"))
    probation_overdue = _count(_("probation deadlines overdue"))
    transfers_overdue = _count(_("transfers overdue"))

    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedManager(units="path__within")

    class Meta:
        verbose_name = _("cell month")
        verbose_name_plural = _("cell months")
        constraints = [
            models.UniqueConstraint(fields=["cell", "month"], name="cell_month_unique"),
        ]
        indexes = [models.Index(fields=["path", "month"], name="cell_month_path_month")]

    def __str__(self) -> str:
        return f"{self.cell_id} {self.month:%m/%Y}"


class Indicator(models.TextChoices):
    """What a target is set on: each is a rate the dashboard computes (``indicators.py``)."""

    HELD = "held", _("Cells holding every regular meeting")
    ON_FIXED_DAY = "on_fixed_day", _("Regular meetings held on the fixed day")
    ATTENDANCE = "attendance", _("Attendance rate")
    QUALITY = "quality", _("Meetings meeting every quality criterion")
    LOCKED_ON_TIME = "locked_on_time", _("Minutes locked on time")
    ITEMS_DONE = "items_done", _("Action items done")
    THEMATIC = "thematic", _("Quarters with a thematic meeting")


class Target(models.Model):
    """A committee's target on a rate for its units, by a date (e.g. "90% of cells hold every
    regular meeting on the fixed day by 2027"). The dashboard shows the rate of the period
    against it."""

    unit = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="report_targets",
    )
    indicator = models.CharField(_("indicator"), max_length=20, choices=Indicator.choices)
    value = models.DecimalField(_("target (%)"), max_digits=5, decimal_places=1)
    start = models.DateField(_("from"))
    deadline = models.DateField(_("by"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager(units="unit__path__within")

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["deadline", "indicator", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value__gte=0) & models.Q(value__lte=100),
                name="target_value_percent",
            ),
            models.CheckConstraint(
                condition=models.Q(deadline__gte=models.F("start")),
                name="target_deadline_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_indicator_display()} {self.value}% ({self.deadline:%d/%m/%Y})"
