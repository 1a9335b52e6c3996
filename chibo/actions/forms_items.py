"""Forms of the action-item pages (phone first: few fields, native date inputs, owners as
checkboxes).

Forms only check the shape of the input; the rules (owners on the roll, due dates, notes a
review needs, closed items) live in ``chibo.actions.services``, whose ValidationErrors the
pages show on these forms (``chibo.core.views.apply_validation_error``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from chibo.actions.models import ActionItem, ReviewOutcome
from chibo.actions.selectors import OpenItem
from chibo.actions.services import ItemData
from chibo.meetings.models import Meeting
from chibo.members.models import Member


def _date() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _text(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class ItemForm(forms.Form):
    """An item as the secretary writes it: what, by when, who, and the document it implements.

    ``people`` are the members who may be ticked as owners, each with the label to show (the
    cell's roll, and on an edit the current owners who have left it)."""

    title = forms.CharField(label=_("What is to be done"), max_length=300)
    details = forms.CharField(label=_("Details"), required=False, widget=_text(3))
    due_date = forms.DateField(label=_("Due date"), widget=_date())
    owners = forms.MultipleChoiceField(
        label=_("Owners"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The members who will do it."),
    )
    document_reference = forms.CharField(
        label=_("Document from above"),
        max_length=100,
        required=False,
        help_text=_("Its number, e.g. 42-HD/BTCTW, when the task implements one."),
    )
    document_date = forms.DateField(label=_("Date of the document"), required=False, widget=_date())

    def __init__(self, *args: Any, people: Sequence[tuple[Member, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = {str(member.pk): member for member, _label in people}
        owners = cast(forms.MultipleChoiceField, self.fields["owners"])
        owners.choices = [(str(m.pk), label) for m, label in people]

    @staticmethod
    def initial_of(item: ActionItem, owners: Sequence[Member]) -> dict[str, Any]:
        return {
            "title": item.title,
            "details": item.details,
            "due_date": item.due_date,
            "owners": [str(m.pk) for m in owners],
            "document_reference": item.document_reference,
            "document_date": item.document_date,
        }

    def item_data(self) -> ItemData:
        d = self.cleaned_data
        ticked = set(d["owners"])
        return ItemData(
            title=d["title"],
            due_date=d["due_date"],
            # In the order of the list (the roll's), whatever order the browser sent.
            owners=tuple(m for pk, m in self.people.items() if pk in ticked),
            details=d["details"],
            document_reference=d["document_reference"],
            document_date=d["document_date"],
        )


class GuidanceItemForm(ItemForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owners"].help_text = _(
            "May stay empty: the item is then listed as needing an owner."
        )


class DocumentItemForm(ItemForm):
    """A step of the cell's plan for a document from above, optionally decided at one of the
    cell's held meetings (the study session)."""

    meeting = forms.ChoiceField(label=_("Decided at the meeting"), required=False)

    def __init__(self, *args: Any, meetings: Sequence[Meeting], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.meetings = {str(m.pk): m for m in meetings}
        cast(forms.ChoiceField, self.fields["meeting"]).choices = [
            ("", _("(no meeting)")),
            *(
                (pk, f"{m.planned_date:%d/%m/%Y} · {m.get_kind_display()}")
                for pk, m in self.meetings.items()
            ),
        ]
        self.fields["document_reference"].help_text = _("Its number, e.g. 42-HD/BTCTW.")

    def meeting_object(self) -> Meeting | None:
        return self.meetings.get(self.cleaned_data["meeting"] or "")


REPORT_CHOICES = [
    (ReviewOutcome.IN_PROGRESS.value, _("In progress")),
    (ReviewOutcome.DONE.value, _("Done")),
]


class ReportForm(forms.Form):
    """An owner's own report before the meeting: a note, and the button pressed (in progress
    or done)."""

    note = forms.CharField(label=_("What was done"), required=False, widget=_text(2))
    outcome = forms.ChoiceField(choices=REPORT_CHOICES)


class ReviewForm(forms.Form):
    """The review of every open item at a meeting: per item, how it stands (or nothing yet)
    and a note."""

    def __init__(self, *args: Any, rows: Sequence[OpenItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = list(rows)
        choices = [("", _("Not reviewed now")), *ReviewOutcome.choices]
        for row in self.rows:
            pk = row.item.pk
            self.fields[f"outcome_{pk}"] = forms.ChoiceField(
                label=row.item.title,
                choices=choices,
                required=False,
                initial="",
                widget=forms.RadioSelect,
            )
            self.fields[f"note_{pk}"] = forms.CharField(
                label=_("Note"), required=False, widget=_text(2)
            )

    def lines(self) -> list[tuple[OpenItem, forms.BoundField, forms.BoundField]]:
        return [(r, self[f"outcome_{r.item.pk}"], self[f"note_{r.item.pk}"]) for r in self.rows]

    def chosen(self) -> list[tuple[OpenItem, str, str]]:
        """The rows given an outcome: ``(row, outcome, note)``."""
        d = self.cleaned_data
        return [
            (r, d[f"outcome_{r.item.pk}"], d[f"note_{r.item.pk}"])
            for r in self.rows
            if d.get(f"outcome_{r.item.pk}")
        ]

    def row_error(self, row: OpenItem, error: ValidationError) -> None:
        """Show a service's error on the row it concerns: on the note when it is about the
        note, otherwise on the choice."""
        pk = row.item.pk
        by_field = error.error_dict if hasattr(error, "error_dict") else {"": error.error_list}
        for name, errors in by_field.items():
            self.add_error(f"note_{pk}" if name == "note" else f"outcome_{pk}", errors)
