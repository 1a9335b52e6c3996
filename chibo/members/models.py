from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class MemberStatus(models.TextChoices):
    PROBATIONARY = "probationary", _("Probationary member")
    OFFICIAL = "official", _("Official member")


class Member(models.Model):
    """A party member (đảng viên). The full record and its events come with the member issue."""

    full_name = models.CharField(_("full name"), max_length=150)
    sort_key = models.CharField(_("sort key"), max_length=400, editable=False, db_index=True)
    search_name = models.CharField(_("search name"), max_length=150, editable=False, db_index=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=40, blank=True)
    phone = models.CharField(_("phone number"), max_length=15, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=MemberStatus.choices, default=MemberStatus.OFFICIAL
    )
    admission_date = models.DateField(_("date of admission"), null=True, blank=True)
    cell = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("party cell"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
    )

    objects = ScopedManager(members="cell__path__within")

    class Meta:
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        indexes = [models.Index(fields=["cell", "sort_key"])]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("members:detail", args=[self.pk])
