from __future__ import annotations

from itertools import pairwise
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class MemberStatus(models.TextChoices):
    """Where the member stands, derived from the events (never typed in)."""

    PROBATIONARY = "probationary", _("Probationary member")
    OFFICIAL = "official", _("Official member")
    SUSPENDED = "suspended", _("Suspended")
    TRANSFERRED_OUT = "transferred_out", _("Transferred out")
    REMOVED = "removed", _("Removed from the list")
    EXPELLED = "expelled", _("Expelled")
    RESIGNED = "resigned", _("Resigned")
    DECEASED = "deceased", _("Deceased")


# Statuses of people who are on the cell's register and take part in its life.
ACTIVE_STATUSES = (MemberStatus.PROBATIONARY, MemberStatus.OFFICIAL, MemberStatus.SUSPENDED)


class TheoryLevel(models.TextChoices):
    NONE = "", _("None")
    ELEMENTARY = "elementary", _("Elementary")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")
    BACHELOR = "bachelor", _("Bachelor of political science")


class Member(models.Model):
    """A party member's electronic record (DOMAIN.md "Members").

    ``status``, the three dates and ``exempt_until``/``temporary_cell`` are *derived* from the
    member's events by ``chibo.members.lifecycle`` and stored for listing and counting at scale;
    no form writes them. ``version`` guards against lost updates (optimistic check).
    """

    full_name = models.CharField(_("full name"), max_length=150)
    sort_key = models.CharField(_("sort key"), max_length=400, editable=False, db_index=True)
    search_name = models.CharField(_("search name"), max_length=150, editable=False, db_index=True)
    birth_name = models.CharField(_("birth name"), max_length=150, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=40, blank=True)
    religion = models.CharField(_("religion"), max_length=40, blank=True)
    home_town = models.CharField(_("home town"), max_length=200, blank=True)
    residence = models.CharField(_("residence"), max_length=200, blank=True)
    citizen_id = models.CharField(_("citizen ID number"), max_length=12, blank=True)
    phone = models.CharField(_("phone number"), max_length=15, blank=True)
    education = models.CharField(_("general education"), max_length=20, blank=True)
    theory_level = models.CharField(
        _("political theory level"), max_length=20, choices=TheoryLevel.choices, blank=True
    )
    profession = models.CharField(_("professional qualification"), max_length=150, blank=True)
    occupation = models.CharField(_("occupation"), max_length=150, blank=True)
    record_number = models.CharField(
        _("record number"), max_length=6, blank=True, help_text=_("Six digits.")
    )
    record_province = models.CharField(
        _("record province code"), max_length=4, blank=True, help_text=_("E.g. LC for Lai Châu.")
    )
    card_number = models.CharField(
        _("party card number"), max_length=8, blank=True, help_text=_("Eight digits.")
    )
    # Derived from the events (see lifecycle.py); shown, filtered and counted, never typed.
    status = models.CharField(
        _("status"), max_length=20, choices=MemberStatus.choices, default=MemberStatus.PROBATIONARY
    )
    admission_date = models.DateField(_("date of admission decision"), null=True, blank=True)
    ceremony_date = models.DateField(_("date of admission ceremony"), null=True, blank=True)
    recognition_date = models.DateField(_("date of official recognition"), null=True, blank=True)
    exempt_from = models.DateField(_("exempt from activities from"), null=True, blank=True)
    exempt_until = models.DateField(_("exempt from activities until"), null=True, blank=True)
    # The date of the latest event: the columns above are the member's state on every day from
    # then on. Null when they are not: no event yet, or a suspension (it ends by itself).
    state_since = models.DateField(_("state since"), null=True, blank=True, editable=False)
    cell = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("party cell"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    temporary_cell = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("temporary party cell"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="temporary_members",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedManager(members="cell__path__within")

    class Meta:
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        indexes = [
            models.Index(fields=["cell", "sort_key"]),
            models.Index(fields=["cell", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["card_number"], condition=~Q(card_number=""), name="member_card_unique"
            ),
            models.UniqueConstraint(
                fields=["record_province", "record_number"],
                condition=~Q(record_number=""),
                name="member_record_unique",
            ),
            models.UniqueConstraint(
                fields=["citizen_id"], condition=~Q(citizen_id=""), name="member_citizen_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("members:detail", args=[self.pk])


def _common_length(a: str, b: str) -> int:
    """How many leading characters ``a`` and ``b`` have in common."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def name_word_starts(search_name: str) -> list[tuple[str, int]]:
    """The keys a member is found by, each with how much of it a smaller key shares.

    The keys: every tail of the folded name that starts at a word ("nguyen van an", "van an",
    "an") and, for a name of three words or more, the family name followed by the given name
    ("nguyen an"), the usual short form. A query ``q`` matches a key that starts with it; the
    member is listed once, at their smallest matching key: a key is the smallest match exactly
    when ``q`` is longer than what it shares with the keys before it ("nguyen van an" shares
    "nguyen " with "nguyen an", so it counts for "nguyen v…" and not for "nguyen").
    """
    words = search_name.split()
    keys = {" ".join(words[i:])[:150] for i in range(len(words))}
    if len(words) >= 3:
        keys.add(f"{words[0]} {words[-1]}"[:150])
    ordered = sorted(keys)
    if not ordered:
        return []
    shared = [0] + [_common_length(a, b) for a, b in pairwise(ordered)]
    return list(zip(ordered, shared, strict=True))


class BytewiseCharField(models.CharField):
    """Compared and ordered byte by byte on every database: SQLite does so by default;
    PostgreSQL gets ``COLLATE "C"``, so that a prefix is one index range whatever the server's
    locale (a locale collation ignores spaces at first level: "nguyen an" would sort among
    "nguyena…")."""

    def db_parameters(self, connection: Any) -> dict[str, Any]:
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


class MemberNameWord(models.Model):
    """The name search index: one row per key of ``name_word_starts`` for each member.

    A search for the folded query ``q`` is then one range of this table's index (keys that
    start with ``q``, ``shared`` shorter than ``q``: see ``name_word_starts``), already in
    display order (the key, then the given-name ``sort_key``):
    the database reads only the rows shown, whatever the size of the province. ``sort_key`` and
    ``cell_path`` are copies of the member's (``cell_path`` is its cell's tree path) so that the
    order and the scope check are answered from the index too. They are written by every writer
    of a member's name or cell (``chibo.members.name_index``); ``manage.py
    members_reindex`` rebuilds the table (after moving units in the tree, for example).
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="name_words")
    key = BytewiseCharField(max_length=150)
    # How many leading characters of ``key`` a smaller key of the same member shares.
    shared = models.PositiveSmallIntegerField(default=0)
    sort_key = BytewiseCharField(max_length=400)
    cell_path = models.CharField(max_length=255)

    objects = ScopedManager(members="cell_path__within")

    class Meta:
        indexes = [
            models.Index(
                fields=["key", "sort_key", "member", "cell_path", "shared"],
                name="member_nameword_search",
            ),
            models.Index(fields=["member"], name="member_nameword_member"),
        ]

    def __str__(self) -> str:
        return self.key


class EventKind(models.TextChoices):
    ADMISSION = "admission", _("Admission decision")
    CEREMONY = "ceremony", _("Admission ceremony")
    RECOGNITION = "recognition", _("Recognition as official member")
    TRANSFER_OUT = "transfer_out", _("Transfer out")
    TRANSFER_IN = "transfer_in", _("Transfer in")
    EXEMPTION = "exemption", _("Exemption from activities")
    SUSPENSION = "suspension", _("Suspension")
    REMOVAL = "removal", _("Removal from the list")
    EXPULSION = "expulsion", _("Expulsion")
    RESIGNATION = "resignation", _("Resignation")
    DEATH = "death", _("Death")


class MemberEvent(models.Model):
    """One dated event of a member's party life. Append-only: a wrong event is voided, not edited.

    The member's status and dates are a function of the non-voided events in date order.
    """

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("event"), max_length=20, choices=EventKind.choices)
    date = models.DateField(_("date"))
    decision_number = models.CharField(_("decision number"), max_length=60, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    deciding_body = models.CharField(_("decided by"), max_length=200, blank=True)
    cell = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("party cell"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The cell the member belonged to when it happened."),
    )
    other_cell = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("other party cell"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("For a transfer: the cell the member goes to, or comes from."),
    )
    temporary = models.BooleanField(_("temporary"), default=False)
    until = models.DateField(_("until"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    introducers = models.CharField(_("introducers"), max_length=300, blank=True)
    higher_approval = models.CharField(
        _("approval of the higher level"),
        max_length=200,
        blank=True,
        help_text=_("Required to admit a person over 60."),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    void_reason = models.CharField(_("why voided"), max_length=300, blank=True)

    objects = ScopedManager(members="member__cell__path__within")

    class Meta:
        verbose_name = _("member event")
        verbose_name_plural = _("member events")
        ordering = ["date", "id"]
        indexes = [
            models.Index(fields=["member", "date"]),
            models.Index(fields=["kind", "date"]),
            models.Index(fields=["cell", "date"]),  # who left a cell after a day (rolls)
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=models.F("date")),
                name="event_until_after_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date:%d/%m/%Y}: {self.member}"
