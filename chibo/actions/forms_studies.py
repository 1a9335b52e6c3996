"""Forms of the study-session pages: a study of a document from above, and a step of the cell's
local plan for it. Members are offered from the cell's roll (checkboxes, by given name)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chibo.meetings.models import Meeting
from chibo.members.models import Member

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _member_choices(members: Sequence[Member]) -> list[tuple[str, str]]:
    return [(str(m.pk), m.full_name) for m in members]


class _WithMembers(forms.Form):
    members_field = "attendees"

    def __init__(self, *args: Any, members: Sequence[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._members = {str(m.pk): m for m in members}
        self.fields[self.members_field].choices = _member_choices(members)  # type: ignore[attr-defined]

    def chosen(self) -> tuple[Member, ...]:
        return tuple(self._members[pk] for pk in self.cleaned_data[self.members_field])


class StudyForm(_WithMembers):
    document_reference = forms.CharField(
        label=_("Number of the document"),
        max_length=100,
        help_text=_("As printed on it, e.g. 57-NQ/TW."),
    )
    document_title = forms.CharField(
        label=_("Title of the document"), max_length=300, required=False
    )
    document_date = forms.DateField(label=_("Date of the document"), required=False, widget=_DATE)
    meeting = forms.ChoiceField(
        label=_("Studied at the meeting"),
        required=False,
        help_text=_("Leave empty if it was a separate session; its date is then the one below."),
    )
    date = forms.DateField(label=_("Date of the study"), widget=_DATE, required=False)
    attendees = forms.MultipleChoiceField(
        label=_("Members who attended"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who presented it, what the cell will do locally."),
    )

    def __init__(self, *args: Any, meetings: Sequence[Meeting], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._meetings = {str(m.pk): m for m in meetings}
        self.fields["meeting"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (str(m.pk), f"{m.get_kind_display()} {m.planned_date:%d/%m/%Y}") for m in meetings
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("meeting") and not data.get("date"):
            self.add_error("date", _("Give the date of the study, or choose the meeting."))
        return data

    def chosen_meeting(self) -> Meeting | None:
        return self._meetings.get(self.cleaned_data.get("meeting") or "")


class PlanStepForm(_WithMembers):
    members_field = "owners"

    title = forms.CharField(label=_("What is to be done"), max_length=300)
    details = forms.CharField(
        label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    due_date = forms.DateField(label=_("Due date"), widget=_DATE)
    owners = forms.MultipleChoiceField(label=_("Who does it"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"due_date": timezone.localdate() + dt.timedelta(days=30)})
        super().__init__(*args, **kwargs)
