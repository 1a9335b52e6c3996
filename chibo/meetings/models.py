"""Cell meetings (DOMAIN.md "Meetings"; Directive 50-CT/TW 2025, Guidance 42-HD/BTCTW 2025).

A cell has one fixed meeting day set by the commune (``MeetingDay``); the year's regular meetings
are planned from it, and thematic, extraordinary and committee meetings are added. A meeting has
an agenda in three steps, a roll (``Attendance``), speeches recorded by name, a resolution with
its vote, and minutes that are locked once approved: after that only a dated
``MinutesAmendment`` changes them, and the minutes as locked are kept on the meeting.

Every model here is scoped in the ``members`` dimension through the cell's path: who may see a
cell's members may see its meetings. Rules live in ``services.py`` and ``selectors.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager


class DayRule(models.TextChoices):
    DAY_OF_MONTH = "day", _("A day of the month")
    FIRST_WEEK = "first_week", _("First working day of the month")


class MeetingDay(models.Model):
    """The fixed day of a cell's regular meeting, set by the commune.

    Either a day of the month (1–28, so that it exists in every month) or "first week", which
    Chibo reads as the first working day of the month (``chibo.core.workdays``). The time and place
    are defaults copied into each planned meeting.
    """

    cell = models.OneToOneField(
        "orgunits.OrgUnit",
        verbose_name=_("party cell"),
        on_delete=models.PROTECT,
        related_name="meeting_day",
    )
    rule = models.CharField(_("fixed day"), max_length=12, choices=DayRule.choices)
    day = models.PositiveSmallIntegerField(_("day of the month"), null=True, blank=True)
    time = models.TimeField(_("usual time"), null=True, blank=True)
    place = models.CharField(_("usual place"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedManager(meetings="cell__path__within")

    class Meta:
        verbose_name = _("fixed meeting day")
        verbose_name_plural = _("fixed meeting days")
        constraints = [
            models.CheckConstraint(
                condition=(Q(rule="day") & Q(day__gte=1) & Q(day__lte=28))
                | (Q(rule="first_week") & Q(day__isnull=True)),
                name="meeting_day_rule_valid",
            ),
        ]

    def __str__(self) -> str:
        if self.rule == DayRule.FIRST_WEEK:
            return f"{self.cell}: {self.get_rule_display()}"
        return f"{self.cell}: {self.day}"


class MeetingKind(models.TextChoices):
    REGULAR = "regular", _("Regular meeting")
    THEMATIC = "thematic", _("Thematic meeting")
    EXTRAORDINARY = "extraordinary", _("Extraordinary meeting")
    COMMITTEE = "committee", _("Cell committee meeting")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    NOTIFIED = "notified", _("Notice sent")
    HELD = "held", _("Held")
    LOCKED = "locked", _("Minutes locked")
    CANCELLED = "cancelled", _("Cancelled")


class Meeting(models.Model):
    """One meeting of a cell (or of its committee) and the header of its minutes.

    ``month`` is the first day of the month the meeting belongs to (a regular meeting is the
    month's meeting even when moved); ``fixed_date`` is the day the commune's rule gave it when it
    was planned, kept so a later change of the rule does not rewrite the past. ``includes_thematic``
    marks a regular meeting that also holds the quarter's thematic part (then 120 minutes).
    ``locked_minutes`` is the minutes as they were when locked; later changes are amendments.
    ``version`` guards against lost updates, as on ``Member``.
    """

    cell = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("party cell"),
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    kind = models.CharField(_("kind"), max_length=15, choices=MeetingKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    month = models.DateField(_("month"))
    fixed_date = models.DateField(_("fixed day"), null=True, blank=True)
    planned_date = models.DateField(_("date"))
    planned_time = models.TimeField(_("time"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    topic = models.CharField(_("topic"), max_length=300, blank=True)
    presenter = models.CharField(
        _("presenter"),
        max_length=150,
        blank=True,
        help_text=_("Who presents the thematic report."),
    )
    includes_thematic = models.BooleanField(
        _("thematic part held in the same meeting"), default=False
    )
    held_start = models.DateTimeField(_("opened at"), null=True, blank=True)
    held_end = models.DateTimeField(_("closed at"), null=True, blank=True)
    chair = models.ForeignKey(
        "members.Member",
        verbose_name=_("chair"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    minute_taker = models.ForeignKey(
        "members.Member",
        verbose_name=_("minute-taker"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    prepared_by = models.ForeignKey(
        "members.Member",
        verbose_name=_("content prepared by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    guests = models.TextField(_("guests"), blank=True)
    materials_published_at = models.DateTimeField(
        _("materials published at"), null=True, blank=True
    )
    committee_met_before = models.BooleanField(
        _("the cell committee agreed the content beforehand"), default=False
    )
    draft_resolution = models.TextField(_("draft resolution"), blank=True)
    notified_at = models.DateTimeField(_("notice sent at"), null=True, blank=True)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("locked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    locked_minutes = models.JSONField(_("minutes as locked"), default=dict, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedManager(meetings="cell__path__within")

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["planned_date", "id"]
        indexes = [
            models.Index(fields=["cell", "planned_date"]),
            models.Index(fields=["cell", "month", "kind"]),
        ]
        constraints = [
            # One regular meeting per cell and month: what makes planning the year idempotent.
            models.UniqueConstraint(
                fields=["cell", "month"],
                condition=Q(kind="regular"),
                name="meeting_one_regular_per_month",
            ),
            models.CheckConstraint(
                condition=Q(held_end__isnull=True)
                | Q(held_start__isnull=True)
                | Q(held_end__gte=F("held_start")),
                name="meeting_held_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.planned_date:%d/%m/%Y}: {self.cell}"

    @property
    def is_locked(self) -> bool:
        return self.status == MeetingStatus.LOCKED

    @property
    def minimum_minutes(self) -> int:
        """DOMAIN.md: at least 90 minutes; 120 when regular and thematic are held together."""
        return 120 if self.includes_thematic else 90

    @property
    def duration_minutes(self) -> int | None:
        if self.held_start is None or self.held_end is None:
            return None
        return int((self.held_end - self.held_start).total_seconds() // 60)


class AgendaStep(models.TextChoices):
    """The three steps of the procedure (Guidance 42-HD/BTCTW)."""

    OPENING = "opening", _("Opening")
    CONTENT = "content", _("Content")
    CONCLUSION = "conclusion", _("Conclusion")


class AgendaSource(models.TextChoices):
    TEMPLATE = "template", _("From the template")
    ACTION_ITEM = "action_item", _("Open action item")
    DOCUMENT = "document", _("Document from above")
    LOCAL_ISSUE = "local_issue", _("Local issue")


class AgendaItem(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="agenda"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    step = models.CharField(_("step"), max_length=12, choices=AgendaStep.choices)
    title = models.CharField(_("title"), max_length=300)
    content = models.TextField(_("content"), blank=True)
    source = models.CharField(_("source"), max_length=12, choices=AgendaSource.choices)
    reference = models.CharField(
        _("reference"),
        max_length=100,
        blank=True,
        help_text=_("E.g. the number of the document (42-HD/BTCTW)."),
    )
    conclusion = models.TextField(_("conclusion"), blank=True)

    objects = ScopedManager(meetings="meeting__cell__path__within")

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "order"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "order"], name="agenda_item_order_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"


class AgendaTemplate(models.Model):
    """An agenda that a commune or a cell writes and others copy and adapt.

    ``items`` is a list of ``{"step": "opening"|"content"|"conclusion", "title": ..., "content":
    ...}``; a content item may carry ``"source": "local_issue"`` (a local issue the template
    suggests). A cell's templates are its own; a template is offered to other cells only while it
    is published by a commune-level unit or by a model cell (see ``ModelCell``): withdrawing it
    unpublishes it, and the owner may delete it.
    """

    owner = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("owner unit"),
        on_delete=models.PROTECT,
        related_name="agenda_templates",
    )
    kind = models.CharField(
        _("meeting kind"), max_length=15, choices=MeetingKind.choices, default=MeetingKind.REGULAR
    )
    title = models.CharField(_("title"), max_length=200)
    topic = models.CharField(
        _("topic"),
        max_length=300,
        blank=True,
        help_text=_("The topic of a thematic meeting."),
    )
    items = models.JSONField(_("items"), default=list, blank=True)
    is_published = models.BooleanField(_("published to other cells"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedManager(meetings="owner__path__within")

    class Meta:
        verbose_name = _("agenda template")
        verbose_name_plural = _("agenda templates")
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class ModelCell(models.Model):
    """A cell the commune marks as a model (chi bộ điểm), whose templates other cells may copy.

    A separate marker rather than a flag on ``OrgUnit``: it belongs to the meetings work, carries
    who marked it and since when, and keeps the org tree free of one app's concerns.
    """

    cell = models.OneToOneField(
        "orgunits.OrgUnit",
        verbose_name=_("party cell"),
        on_delete=models.CASCADE,
        related_name="model_cell",
    )
    marked_by = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("marked by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    since = models.DateField(_("since"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ScopedManager(meetings="cell__path__within")

    class Meta:
        verbose_name = _("model cell")
        verbose_name_plural = _("model cells")

    def __str__(self) -> str:
        return str(self.cell)


class AttendanceCategory(models.TextChoices):
    """Roll-call categories of the minutes; blank means "not recorded yet"."""

    NOT_RECORDED = "", _("Not recorded")
    PRESENT = "present", _("Present")
    LATE = "late", _("Late")
    ABSENT_EXCUSED = "absent_excused", _("Absent with reason")
    ABSENT_UNEXCUSED = "absent_unexcused", _("Absent without reason")
    EXEMPT = "exempt", _("Exempt from activities")
    AWAY = "away", _("Temporarily away")


class AdvanceAnswer(models.TextChoices):
    NONE = "", _("No answer")
    WILL_COME = "will_come", _("Will come")
    ABSENT = "absent", _("Cannot come")


class Attendance(models.Model):
    """One member on one meeting's roll: the category recorded at the roll call and the answer
    the member gave to the notice beforehand. One row per (meeting, member), so a roll saved twice
    is still one roll."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="attendance"
    )
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="attendance",
    )
    category = models.CharField(
        _("attendance"), max_length=20, choices=AttendanceCategory.choices, blank=True
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    advance_answer = models.CharField(
        _("answer to the notice"), max_length=10, choices=AdvanceAnswer.choices, blank=True
    )
    advance_reason = models.CharField(_("reason given in advance"), max_length=300, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)

    objects = ScopedManager(meetings="meeting__cell__path__within")

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        indexes = [models.Index(fields=["member", "meeting"])]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="attendance_unique"),
            models.CheckConstraint(
                condition=~Q(category="absent_excused") | ~Q(reason=""),
                name="attendance_excused_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.meeting_id}: {self.category or '-'}"


class Speech(models.Model):
    """An opinion recorded by name in the minutes (a member, or a guest by name only)."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="speeches"
    )
    agenda_item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("agenda item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="speeches",
    )
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    speaker_name = models.CharField(_("speaker"), max_length=150)
    text = models.TextField(_("what was said"))
    order = models.PositiveIntegerField(_("order"))

    objects = ScopedManager(meetings="meeting__cell__path__within")

    class Meta:
        verbose_name = _("speech")
        verbose_name_plural = _("speeches")
        ordering = ["meeting", "order"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "order"], name="speech_order_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.speaker_name}: {self.text[:40]}"


class VoteMethod(models.TextChoices):
    HANDS = "hands", _("Show of hands")
    BALLOT = "ballot", _("Secret ballot")


class Resolution(models.Model):
    """The resolution the cell voted at the end of the meeting, with the method and result."""

    meeting = models.OneToOneField(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="resolution"
    )
    text = models.TextField(_("resolution"))
    vote_method = models.CharField(
        _("vote method"), max_length=10, choices=VoteMethod.choices, default=VoteMethod.HANDS
    )
    votes_for = models.PositiveIntegerField(_("for"), default=0)
    votes_against = models.PositiveIntegerField(_("against"), default=0)
    votes_abstain = models.PositiveIntegerField(_("abstaining"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedManager(meetings="meeting__cell__path__within")

    class Meta:
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")

    def __str__(self) -> str:
        return f"{self.meeting}: {self.text[:40]}"


class MinutesAmendment(models.Model):
    """A dated correction of locked minutes: what changed (before and after), who, and why.

    Append-only; the minutes as locked stay on ``Meeting.locked_minutes``.
    """

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="amendments"
    )
    date = models.DateField(_("date"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    author_name = models.CharField(_("author (name)"), max_length=150, blank=True)
    reason = models.TextField(_("reason"))
    before = models.JSONField(_("before"), default=dict)
    after = models.JSONField(_("after"), default=dict)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ScopedManager(meetings="meeting__cell__path__within")

    class Meta:
        verbose_name = _("amendment to the minutes")
        verbose_name_plural = _("amendments to the minutes")
        ordering = ["meeting", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.meeting} ({self.date:%d/%m/%Y})"
