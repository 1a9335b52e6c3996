"""Forms of the households pages (phone first: few fields, native date inputs).

Forms only check the shape of the input; the rules live in ``chibo.actions.services``, whose
ValidationErrors are shown on these forms (``chibo.core.views.apply_validation_error``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chibo.actions.models import ContactCategory
from chibo.actions.services import HouseholdData
from chibo.members.models import Member


def _date() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _text(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class HouseholdForm(forms.Form):
    head_name = forms.CharField(label=_("Head of the household"), max_length=150)
    hamlet = forms.CharField(
        label=_("Hamlet"),
        max_length=100,
        required=False,
        help_text=_("Hamlet or group of households."),
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=_text(2))

    def household_data(self) -> HouseholdData:
        d = self.cleaned_data
        return HouseholdData(
            head_name=d["head_name"], hamlet=d["hamlet"], address=d["address"], notes=d["notes"]
        )


class DayForm(forms.Form):
    """One date, today by default (deactivating a household, ending an assignment)."""

    day = forms.DateField(label=_("Date"), widget=_date())

    def __init__(self, *args: Any, label: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"day": timezone.localdate()})
        super().__init__(*args, **kwargs)
        if label is not None:
            self.fields["day"].label = label


class EndForm(forms.Form):
    end_date = forms.DateField(label=_("Until"), widget=_date())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"end_date": timezone.localdate()})
        super().__init__(*args, **kwargs)


class _MemberChoice(forms.Form):
    """A form with a ``member`` select over ``members`` (by id)."""

    member = forms.ChoiceField(label=_("Member"))

    def __init__(self, *args: Any, members: Sequence[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = {str(m.pk): m for m in members}
        cast(forms.ChoiceField, self.fields["member"]).choices = [
            ("", _("(choose a member)")),
            *((pk, m.full_name) for pk, m in self.members.items()),
        ]

    def member_object(self) -> Member:
        return self.members[self.cleaned_data["member"]]


class AssignForm(_MemberChoice):
    """Who follows the household from when: a member on the cell's roll today."""

    start_date = forms.DateField(label=_("From"), widget=_date())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"start_date": timezone.localdate()})
        # Its own ids: on the household's page it sits beside the contact form.
        kwargs.setdefault("auto_id", "id_assign_%s")
        super().__init__(*args, **kwargs)
        self.fields["member"].help_text = _("Members on the cell's roll today.")


class ContactForm(_MemberChoice):
    """A contact with the household. ``members`` are those who may be named (the secretary
    logs for any member who followed it); with only the user's own record the select is
    left out and the contact is theirs."""

    date = forms.DateField(label=_("Date of the contact"), widget=_date())
    category = forms.ChoiceField(label=_("What it was about"), choices=ContactCategory.choices)
    note = forms.CharField(
        label=_("What the people raised"),
        max_length=500,
        widget=_text(4),
        help_text=_("At most 500 characters. Write facts and requests, not judgements."),
    )

    field_order = ["member", "date", "category", "note"]

    def __init__(
        self, *args: Any, members: Sequence[Member], own: Member | None, **kwargs: Any
    ) -> None:
        initial = {"date": timezone.localdate(), "category": ContactCategory.OTHER}
        if own is not None:
            initial["member"] = str(own.pk)
        kwargs.setdefault("initial", initial)
        kwargs.setdefault("auto_id", "id_contact_%s")
        super().__init__(*args, members=members, **kwargs)
        self.own = own
        if own is not None and [m.pk for m in members] == [own.pk]:
            del self.fields["member"]

    def member_object(self) -> Member:
        if "member" not in self.fields:
            assert self.own is not None
            return self.own
        return super().member_object()
