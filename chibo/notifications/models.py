"""The outbox of notices: one row per recipient, channel and reason, sent once.

A notice is written first and sent after (``services.send_notice``), so what went out, to whom,
by which channel, and what failed stays on record. ``dedupe_key`` is unique: queueing the same
notice twice (a second click, a reminder job run every hour) adds nothing.

Scoped in the ``meetings`` dimension through the unit the notice is about (a meeting's cell):
who sees the cell's meetings sees the notices about them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager


class NoticeChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    WEB = "web", _("On the home page")


class NoticeKind(models.TextChoices):
    MEETING_NOTICE = "meeting_notice", _("Notice of a meeting")
    MEETING_REMINDER = "meeting_reminder", _("Reminder of a meeting")
    ACTION_DUE = "action_due", _("Reminder of a task due soon")


class NoticeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Notice(models.Model):
    unit = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The unit the notice is about (a meeting's cell)."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NoticeKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=NoticeChannel.choices)
    recipient_member = models.ForeignKey(
        "members.Member",
        verbose_name=_("recipient (member)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notices",
    )
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient (user)"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notices",
    )
    recipient_name = models.CharField(_("recipient"), max_length=150)
    address = models.CharField(
        _("address"), max_length=254, blank=True, help_text=_("The e-mail address or phone number.")
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    related_type = models.CharField(_("about (type)"), max_length=50, blank=True)
    related_id = models.PositiveBigIntegerField(_("about (id)"), null=True, blank=True)
    dedupe_key = models.CharField(_("key"), max_length=200, unique=True, editable=False)
    scheduled_for = models.DateTimeField(_("to be sent at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(
        _("being sent since"),
        null=True,
        blank=True,
        help_text=_("When a sender took it; one held too long is given back (the sender died)."),
    )
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager(meetings="unit__path__within")

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-scheduled_for", "-id"]
        indexes = [
            models.Index(fields=["status", "scheduled_for"]),
            models.Index(fields=["recipient_member", "channel"]),
            models.Index(fields=["recipient_user", "channel"]),
            models.Index(fields=["related_type", "related_id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient_member__isnull=False) | Q(recipient_user__isnull=False),
                name="notice_has_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient_name}: {self.subject}"
