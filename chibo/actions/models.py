"""Action items, their reviews, and the households members follow (DOMAIN.md "Responsibility
and evaluation"; issue 5; decision 0012).

An ``ActionItem`` is a task of a cell: from a meeting's resolution, from the commune's guidance,
or the local plan for a document from above. Who does it is ``ActionOwner`` (dated, so a
reassignment keeps who had it before). How it goes is ``ActionReview``: appended at a meeting
(done / in progress / not done / withdrawn) or by an owner reporting progress before it, and
never changed. The item's ``status`` is what its latest review says (``status_after``), written
by the review service in the same transaction, as a member's state columns are written from
their events.

A member follows households (``HouseholdAssignment``, dated) and logs contacts with them
(``HouseholdContact``).

Every model here is scoped in the ``meetings`` dimension through the cell's path: whoever sees
a cell's meetings sees its tasks and its households. Rules live in ``services.py`` and
``selectors.py``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager


class Origin(models.TextChoices):
    RESOLUTION = "resolution", _("Resolution of the cell")
    GUIDANCE = "guidance", _("Guidance of the commune")
    DOCUMENT = "document", _("Implementation of a document from above")


class ItemStatus(models.TextChoices):
    """What the latest review says; ``open`` until the first one."""

    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    REPORTED_DONE = "reported_done", _("Reported done, to confirm at the meeting")
    NOT_DONE = "not_done", _("Not done")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Withdrawn by the cell")


class ReviewOutcome(models.TextChoices):
    DONE = "done", _("Done")
    IN_PROGRESS = "in_progress", _("In progress")
    NOT_DONE = "not_done", _("Not done")
    DROPPED = "dropped", _("Withdrawn by the cell")


CLOSED = (ItemStatus.DONE, ItemStatus.DROPPED)
# What an owner may report before the meeting; closing an item is the meeting's decision.
REPORTABLE = (ReviewOutcome.IN_PROGRESS, ReviewOutcome.DONE)


def status_after(outcome: str, *, at_meeting: bool) -> str:
    """The item's status once a review with ``outcome`` is the latest: an owner's own "done"
    is a report for the meeting to confirm, a meeting's outcome is the status."""
    if not at_meeting and outcome == ReviewOutcome.DONE:
        return ItemStatus.REPORTED_DONE
    return outcome


class ActionItem(models.Model):
    """A task of a cell, with its owners, its due date and where it comes from.

    ``status`` and ``closed_on`` are derived from the reviews (the latest one; ``closed_on`` is
    the date of the meeting that closed the item) and written only by the review service.
    """

    cell = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("party cell"),
        on_delete=models.PROTECT,
        related_name="action_items",
    )
    origin = models.CharField(_("comes from"), max_length=12, choices=Origin.choices)
    title = models.CharField(_("title"), max_length=300)
    details = models.TextField(_("details"), blank=True)
    source_meeting = models.ForeignKey(
        "meetings.Meeting",
        verbose_name=_("meeting that decided it"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="action_items",
    )
    document_reference = models.CharField(
        _("document from above"),
        max_length=100,
        blank=True,
        help_text=_("Its number, e.g. 42-HD/BTCTW."),
    )
    document_date = models.DateField(_("date of the document"), null=True, blank=True)
    due_date = models.DateField(_("due date"))
    owners = models.ManyToManyField(
        "members.Member",
        verbose_name=_("owners"),
        through="ActionOwner",
        related_name="action_items",
    )
    status = models.CharField(
        _("status"),
        max_length=15,
        choices=ItemStatus.choices,
        default=ItemStatus.OPEN,
        editable=False,
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedManager(meetings="cell__path__within")

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["due_date", "id"]
        indexes = [
            # Open and overdue items of a cell (the agenda, the commune's counts).
            models.Index(fields=["cell", "status", "due_date"]),
            # Items due in a month (completion rates).
            models.Index(fields=["cell", "due_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(origin="resolution") | Q(source_meeting__isnull=False),
                name="action_item_resolution_has_meeting",
            ),
            models.CheckConstraint(
                condition=~Q(origin="document") | ~Q(document_reference=""),
                name="action_item_document_has_reference",
            ),
            models.CheckConstraint(
                condition=Q(status__in=CLOSED, closed_on__isnull=False)
                | (~Q(status__in=CLOSED) & Q(closed_on__isnull=True)),
                name="action_item_closed_on_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED


class ActionOwner(models.Model):
    """A member who owns an item, from ``start_date``; ``end_date`` is set when the item is
    taken from them (reassigned), so the item's history keeps who had it."""

    item = models.ForeignKey(
        ActionItem, verbose_name=_("action item"), on_delete=models.CASCADE, related_name="owned"
    )
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="owned_items",
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)

    objects = ScopedManager(meetings="item__cell__path__within")

    class Meta:
        verbose_name = _("owner of an action item")
        verbose_name_plural = _("owners of action items")
        indexes = [models.Index(fields=["member", "end_date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "member"],
                condition=Q(end_date__isnull=True),
                name="action_owner_one_current",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="action_owner_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.item_id}"


class AppendOnlyError(RuntimeError):
    """A review was about to be changed or deleted: reviews are only ever appended."""


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses the bulk paths around ``save()`` and ``delete()`` too."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Reviews are never changed: append a new one.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Reviews are never deleted.")


class ActionReview(models.Model):
    """How an item stood at a meeting, or as an owner reported it before one. Append-only: a
    correction is a new review, and the latest one is the item's status."""

    item = models.ForeignKey(
        ActionItem, verbose_name=_("action item"), on_delete=models.PROTECT, related_name="reviews"
    )
    meeting = models.ForeignKey(
        "meetings.Meeting",
        verbose_name=_("meeting"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="action_reviews",
        help_text=_("Empty for a member's own report before the meeting."),
    )
    date = models.DateField(_("date"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=ReviewOutcome.choices)
    note = models.TextField(_("note"), blank=True)
    reported_by = models.ForeignKey(
        "members.Member",
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ScopedManager(
        meetings="item__cell__path__within",
        _manager_class=models.Manager.from_queryset(AppendOnlyQuerySet),
    )

    class Meta:
        verbose_name = _("review of an action item")
        verbose_name_plural = _("reviews of action items")
        ordering = ["item", "created_at", "id"]
        indexes = [models.Index(fields=["item", "created_at"])]
        constraints = [
            # An own report names who reports, and cannot close the item.
            models.CheckConstraint(
                condition=Q(meeting__isnull=False)
                | Q(reported_by__isnull=False, outcome__in=REPORTABLE),
                name="action_review_own_report",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.date:%d/%m/%Y}: {self.outcome}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("A review is never changed: append a new one.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("A review is never deleted.")


class Household(models.Model):
    """A household of the village, as the cell knows it (by its head)."""

    cell = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("party cell"),
        on_delete=models.PROTECT,
        related_name="households",
    )
    head_name = models.CharField(_("head of the household"), max_length=150)
    sort_key = models.CharField(_("sort key"), max_length=400, editable=False)
    hamlet = models.CharField(
        _("hamlet"), max_length=100, blank=True, help_text=_("Hamlet or group of households.")
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    active = models.BooleanField(
        _("followed by the cell"),
        default=True,
        help_text=_("Off when the household has moved away or merged with another."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedManager(meetings="cell__path__within")

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["sort_key", "id"]
        indexes = [models.Index(fields=["cell", "active"])]

    def __str__(self) -> str:
        return f"{self.head_name} ({self.hamlet})" if self.hamlet else self.head_name


class HouseholdAssignment(models.Model):
    """A member follows a household from ``start_date`` until ``end_date`` (open: still)."""

    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="household_assignments",
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager(meetings="household__cell__path__within")

    class Meta:
        verbose_name = _("household assignment")
        verbose_name_plural = _("household assignments")
        ordering = ["household", "start_date", "id"]
        indexes = [
            models.Index(fields=["member", "end_date"]),
            models.Index(fields=["household", "end_date"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "member"],
                condition=Q(end_date__isnull=True),
                name="household_assignment_one_open",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="household_assignment_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} → {self.household_id}"


class ContactCategory(models.TextChoices):
    PRODUCTION = "production", _("Production and livelihoods")
    SECURITY = "security", _("Security and order")
    ENVIRONMENT = "environment", _("Environment")
    SOCIAL_WELFARE = "social_welfare", _("Social welfare")
    OPINIONS = "opinions", _("Opinions about the party and authorities")
    OTHER = "other", _("Other")


class HouseholdContact(models.Model):
    """A member's contact with a household they follow, and what the people raised."""

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="contacts"
    )
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="household_contacts",
    )
    date = models.DateField(_("date"))
    category = models.CharField(_("category"), max_length=15, choices=ContactCategory.choices)
    note = models.CharField(_("note"), max_length=500)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ScopedManager(meetings="household__cell__path__within")

    class Meta:
        verbose_name = _("contact with a household")
        verbose_name_plural = _("contacts with households")
        ordering = ["household", "-date", "-id"]
        indexes = [
            models.Index(fields=["household", "date"]),
            models.Index(fields=["member", "date"]),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.date:%d/%m/%Y}: {self.get_category_display()}"


class DocumentStudy(models.Model):
    """A cell's study session of a document from above (a resolution, directive, conclusion):
    when, at which meeting if it was one, and who attended. The cell's local implementation plan
    is its action items for the same document (origin ``document``, same reference), so the
    commune sees a document studied without a plan: "disseminated but not implemented"."""

    cell = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("party cell"),
        on_delete=models.PROTECT,
        related_name="document_studies",
    )
    document_reference = models.CharField(
        _("document from above"), max_length=100, help_text=_("Its number, e.g. 57-NQ/TW.")
    )
    document_title = models.CharField(_("title of the document"), max_length=300, blank=True)
    document_date = models.DateField(_("date of the document"), null=True, blank=True)
    meeting = models.ForeignKey(
        "meetings.Meeting",
        verbose_name=_("meeting"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="document_studies",
        help_text=_("The meeting at which it was studied, if it was one."),
    )
    date = models.DateField(_("date of the study"))
    attendees = models.ManyToManyField(
        "members.Member",
        verbose_name=_("members who attended"),
        related_name="document_studies",
        blank=True,
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedManager(meetings="cell__path__within")

    class Meta:
        verbose_name = _("study of a document")
        verbose_name_plural = _("studies of documents")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["cell", "document_reference"]),
            models.Index(fields=["cell", "date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(document_reference=""), name="document_study_has_reference"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_reference} ({self.date:%d/%m/%Y})"
