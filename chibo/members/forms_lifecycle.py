"""Forms for recording a member's events and transfers (phone first: few fields per kind)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chibo.members.lifecycle import EventData
from chibo.members.models import EventKind
from chibo.orgunits.models import OrgUnit

_DECISION = ("decision_number", "decision_date", "deciding_body")
# The fields each kind asks for, after the date. Transfers out have their own page.
FIELDS_BY_KIND: dict[str, tuple[str, ...]] = {
    EventKind.ADMISSION: (*_DECISION, "introducers", "higher_approval"),
    EventKind.CEREMONY: ("reason",),
    EventKind.RECOGNITION: _DECISION,
    EventKind.TRANSFER_IN: ("reason",),
    EventKind.EXEMPTION: (*_DECISION, "until", "reason"),
    EventKind.SUSPENSION: (*_DECISION, "until", "reason"),
    EventKind.REMOVAL: (*_DECISION, "reason"),
    EventKind.EXPULSION: (*_DECISION, "reason"),
    EventKind.RESIGNATION: (*_DECISION, "reason"),
    EventKind.DEATH: ("reason",),
}
# The generic form records the *return* from a temporary transfer; official transfers are
# sent from the transfer page and received by the new cell.
KIND_LABELS: dict[str, Any] = {
    **{k: label for k, label in EventKind.choices if k in FIELDS_BY_KIND},
    EventKind.TRANSFER_IN: _("Return from a temporary transfer"),
}


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class EventForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=_date_input())
    decision_number = forms.CharField(
        label=_("Decision number"),
        max_length=60,
        required=False,
        help_text=_("E.g. 123-QĐ/ĐU."),
    )
    decision_date = forms.DateField(label=_("Decision date"), required=False, widget=_date_input())
    deciding_body = forms.CharField(
        label=_("Decided by"),
        max_length=200,
        required=False,
        help_text=_("E.g. the commune party committee."),
    )
    until = forms.DateField(
        label=_("Until"),
        required=False,
        widget=_date_input(),
        help_text=_("Leave empty if the end is not known."),
    )
    introducers = forms.CharField(
        label=_("Introducers"),
        max_length=300,
        required=False,
        help_text=_("One or two official members, separated by a comma."),
    )
    higher_approval = forms.CharField(
        label=_("Approval of the higher level"),
        max_length=200,
        required=False,
        help_text=_("Required to admit a person over 60: the document number."),
    )
    reason = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.kind = kind
        wanted = {"date", *FIELDS_BY_KIND[kind]}
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]
        if kind in {EventKind.EXEMPTION, EventKind.SUSPENSION}:
            self.fields["reason"].label = _("Reason")
        if kind == EventKind.ADMISSION:
            self.fields["date"].help_text = _("The date of the admission decision.")

    def event_data(self) -> EventData:
        data = self.cleaned_data
        return EventData(
            kind=self.kind,
            date=data["date"],
            decision_number=data.get("decision_number") or "",
            decision_date=data.get("decision_date"),
            deciding_body=data.get("deciding_body") or "",
            temporary=self.kind == EventKind.TRANSFER_IN,
            until=data.get("until"),
            reason=data.get("reason") or "",
            introducers=data.get("introducers") or "",
            higher_approval=data.get("higher_approval") or "",
        )


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this event void?"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The event stays in the history, struck through, with this reason."),
    )


class TransferForm(forms.Form):
    temporary = forms.TypedChoiceField(
        label=_("Kind of transfer"),
        choices=[("0", _("Official transfer")), ("1", _("Temporary transfer"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        initial="0",
    )
    destination = forms.CharField(
        label=_("Code of the receiving party cell"),
        max_length=40,
        help_text=_("Ask the receiving cell or its commune for the code of the cell."),
    )
    date = forms.DateField(label=_("Date"), widget=_date_input())
    decision_number = forms.CharField(label=_("Decision number"), max_length=60, required=False)
    decision_date = forms.DateField(label=_("Decision date"), required=False, widget=_date_input())
    deciding_body = forms.CharField(label=_("Decided by"), max_length=200, required=False)
    until = forms.DateField(
        label=_("Until"),
        required=False,
        widget=_date_input(),
        help_text=_("For a temporary transfer, if the end is known."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("E.g. moved for work, changed residence."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"date": timezone.localdate(), "temporary": "0"})
        super().__init__(*args, **kwargs)

    def event_data(self, destination: OrgUnit) -> EventData:
        data = self.cleaned_data
        return EventData(
            kind=EventKind.TRANSFER_OUT,
            date=data["date"],
            decision_number=data["decision_number"],
            decision_date=data["decision_date"],
            deciding_body=data["deciding_body"],
            other_cell=destination,
            temporary=bool(data["temporary"]),
            until=data["until"] if data["temporary"] else None,
            reason=data["reason"],
        )


class ReceiveForm(forms.Form):
    date = forms.DateField(
        label=_("Date received"),
        widget=_date_input(),
        help_text=_("The day the member reported to the cell with the transfer papers."),
    )
    decision_number = forms.CharField(label=_("Decision number"), max_length=60, required=False)
    decision_date = forms.DateField(label=_("Decision date"), required=False, widget=_date_input())
    deciding_body = forms.CharField(label=_("Decided by"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)

    def event_data(self) -> EventData:
        data = self.cleaned_data
        return EventData(
            kind=EventKind.TRANSFER_IN,
            date=data["date"],
            decision_number=data["decision_number"],
            decision_date=data["decision_date"],
            deciding_body=data["deciding_body"],
        )
